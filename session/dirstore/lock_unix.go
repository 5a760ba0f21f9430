//go:build unix

package dirstore

import (
	"os"
	"syscall"
)

// openLock opens (creating it 0600 if needed) the store's lock file,
// without following a symbolic link planted at its path.
func openLock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
}

// flock takes (lock) or releases (!lock) the exclusive advisory lock on f,
// which serializes Update and Delete across the processes that share the
// directory.
func flock(f *os.File, lock bool) error {
	how := syscall.LOCK_UN
	if lock {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}
