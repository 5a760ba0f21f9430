// Package bytestring lends bytes to code that takes a string, without
// copying them: the module's second use of unsafe, for verify --batch.
//
// verify --batch opens millions of tokens, each a line of a chunk that it
// has read. Copying each line into a string costs one allocation per token,
// and with it the garbage collector's work: about 20% more CPU time per
// token on two cores (BENCHMARKS.md, "unsafe and platform code"). That gain
// is why this package exists.
//
// # Invariant
//
// The bytes passed to [Borrow] must not be written, and the string must not
// be used, once the borrower has returned: the caller keeps the bytes
// unchanged until then, and the borrower keeps nothing of the string (no
// substring, no map key, no error text that holds it) past its return.
// Every caller documents why both hold where it calls Borrow.
package bytestring

import "unsafe"

// Borrow returns a string that shares b's memory, under the package's
// invariant. An empty b gives "".
func Borrow(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
