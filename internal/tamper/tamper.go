// Package tamper changes one character of a token or cookie for tests that
// check a modified value is rejected. Its replacements always differ from
// the original, so a tamper test never passes or fails by chance: writing a
// fixed character over a random one leaves the value unchanged whenever
// the two happen to be equal (1 time in 64 for a base64url character).
package tamper

import (
	"strings"
	"testing"
)

// Alphabet is the set of characters a replacement is drawn from: keeping
// the value's own alphabet makes the change reach the authentication
// check instead of failing the encoding.
type Alphabet string

// The alphabets of the module's tokens and cookies.
const (
	// Base64URL is the alphabet of sesstool tokens (RFC 4648 §5).
	Base64URL Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	// Hex is the alphabet of Ktor's tags, IVs and ciphertexts.
	Hex Alphabet = "0123456789abcdef"
)

// Replacement returns the character that replaces c: for a character of a,
// the one half the alphabet away (for base64url and hex this flips the
// most significant bit of the character's value, which every position of
// an encoding uses); for any other character, a's first.
func (a Alphabet) Replacement(c byte) byte {
	if i := strings.IndexByte(string(a), c); i >= 0 {
		return a[(i+len(a)/2)%len(a)]
	}
	return a[0]
}

// At returns s with its i-th byte replaced by another character of a (see
// Alphabet.Replacement). A negative i counts from the end. It fails the
// test if i is out of range, and checks that the result differs from s.
func At(tb testing.TB, s string, i int, a Alphabet) string {
	tb.Helper()
	if len(a) < 2 {
		tb.Fatalf("tamper: alphabet %q has fewer than two characters", a)
	}
	if i < 0 {
		i += len(s)
	}
	if i < 0 || i >= len(s) {
		tb.Fatalf("tamper: position %d is outside the %d-character value", i, len(s))
	}
	out := s[:i] + string(a.Replacement(s[i])) + s[i+1:]
	if out == s {
		tb.Fatalf("tamper: replacing character %d of %q left it unchanged", i, s)
	}
	return out
}

// Middle returns s with its middle character (index len(s)/2) replaced.
func Middle(tb testing.TB, s string, a Alphabet) string {
	tb.Helper()
	return At(tb, s, len(s)/2, a)
}

// Last returns s with its last character replaced.
func Last(tb testing.TB, s string, a Alphabet) string {
	tb.Helper()
	return At(tb, s, -1, a)
}
