//go:build unix && !linux

package redisstore_test

import "syscall"

// procAttr starts a server in a process group of its own, which the test
// kills as a whole.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
