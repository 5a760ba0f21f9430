//go:build !unix

package keyring

// lock is a no-op where flock is unavailable: on these systems, concurrent
// updates of one keyring file from several processes are not serialized.
func lock(path string) (unlock func(), err error) { return func() {}, nil }
