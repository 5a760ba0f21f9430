//go:build !unix

package dirstore

import "os"

// openLock opens (creating it if needed) the store's lock file.
func openLock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// flock does nothing on this platform: Update and Delete are serialized
// within the process only (see Store.Update).
func flock(*os.File, bool) error { return nil }
