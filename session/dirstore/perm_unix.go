//go:build unix

package dirstore

import (
	"io/fs"
	"syscall"
)

// checksOwners is true where the store checks the owners and modes of its
// directory and files (see New and Load).
const checksOwners = true

// owner returns the user ID that owns the file fi describes, or -1 if fi
// does not say, which no process's user ID matches.
func owner(fi fs.FileInfo) int {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1
	}
	return int(st.Uid)
}
