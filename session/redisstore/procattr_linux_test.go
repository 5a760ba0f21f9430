package redisstore_test

import "syscall"

// procAttr starts a server in a process group of its own, which the test
// kills as a whole, and has the kernel kill it if the test binary dies
// first (a panic, or go test's timeout), so no server outlives its test.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
