//go:build !unix

package keyring

import (
	"io/fs"
	"os"
)

// openNonblock is 0 where named pipes cannot appear at a file's path.
const openNonblock = 0

// lock is a no-op where flock is unavailable: on these systems, concurrent
// updates of one keyring file from several processes are not serialized.
func lock(path string) (unlock func(), err error) { return func() {}, nil }

// keepOwner does nothing where files have no Unix owner.
func keepOwner(tmp *os.File, old fs.FileInfo, path string) error { return nil }
