//go:build !unix

package dirstore

import "io/fs"

// checksOwners is false on this platform, whose file modes and owners do
// not map onto Unix's: the store does not check who owns or may write its
// directory and files (see New).
const checksOwners = false

// owner is never called on this platform.
func owner(fs.FileInfo) int { return -1 }
