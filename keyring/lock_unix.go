//go:build unix

package keyring

import (
	"fmt"
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock (flock) on path+".lock", creating it
// with mode 0600 if needed, and returns the function that releases it. The
// kernel releases the lock if the process dies, so a crash never leaves a
// stale lock; the dead writer's temporary file, if any, is removed here.
func lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("keyring: failed to lock keyring: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("keyring: failed to lock keyring: %w", err)
	}
	removeStaleTemps(path)
	return func() { f.Close() }, nil // closing the descriptor releases the lock
}
