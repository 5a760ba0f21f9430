package dirstore

import "os"

// SetSync replaces the function with which s flushes a session's temporary
// file to stable storage before renaming it into place: tests that do not
// crash the machine need not wait for the disk, and a test can watch or
// fail the flush. Do not call it while s is in use.
func SetSync(s *Store, sync func(*os.File) error) { s.sync = sync }
