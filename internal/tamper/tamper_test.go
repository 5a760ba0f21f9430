package tamper_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/internal/tamper"
)

// A token-shaped value whose middle character is 'A' (a real token with
// that character set): the old tamper of cmd/sesstool's hygiene test wrote
// 'A' there and left such a token unchanged, so the "tampered" token opened.
var middleA = func() string {
	tok := "AQoKCgpAU2f6EXKnQW19dNU4mRx8Iq5NE_HmqsQVuULtHV0qDjpvwVpp5ZEsl2yN8nhCwID3MgeOEq2xsh6GnEWtkUmYvuvR3bWYJf3qDzCtKTOvslGheBcZz81Mttw"
	return tok[:len(tok)/2] + "A" + tok[len(tok)/2+1:]
}()

// TestMiddleA is the regression test of the flaky hygiene test: the tamper
// of a token whose middle character is 'A' changes it.
func TestMiddleA(t *testing.T) {
	if middleA[len(middleA)/2] != 'A' {
		t.Fatalf("the fixture's middle character is %q, not 'A'", middleA[len(middleA)/2])
	}
	got := tamper.Middle(t, middleA, tamper.Base64URL)
	if got == middleA {
		t.Fatal("Middle left a token whose middle character is 'A' unchanged")
	}
	if got[len(got)/2] == 'A' || got[:len(got)/2] != middleA[:len(middleA)/2] || got[len(got)/2+1:] != middleA[len(middleA)/2+1:] {
		t.Fatalf("Middle(%q) = %q; want only the middle character changed", middleA, got)
	}
}

// TestAtEveryPositionAndCharacter puts every character (of the alphabet,
// of the other alphabet, and outside both) at every position of values of
// several lengths, and checks that At changes exactly that character, to
// one of the alphabet.
func TestAtEveryPositionAndCharacter(t *testing.T) {
	others := "%/:=.~ \x00\xff"
	for _, tc := range []struct {
		name string
		a    tamper.Alphabet
	}{
		{"base64url", tamper.Base64URL},
		{"hex", tamper.Hex},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chars := string(tamper.Base64URL) + string(tamper.Hex) + strings.ToUpper(string(tamper.Hex)) + others
			for _, n := range []int{1, 2, 3, 4, 5, 64, 107} {
				base := strings.Repeat(string(tc.a[:1]), n)
				for i := range n {
					for j := 0; j < len(chars); j++ {
						s := base[:i] + chars[j:j+1] + base[i+1:]
						for _, pos := range []int{i, i - n} { // from the start and from the end
							got := tamper.At(t, s, pos, tc.a)
							if len(got) != len(s) || got[:i] != s[:i] || got[i+1:] != s[i+1:] {
								t.Fatalf("At(%q, %d) = %q; want only character %d changed", s, pos, got, i)
							}
							if got[i] == s[i] {
								t.Fatalf("At(%q, %d) left character %d (%q) unchanged", s, pos, i, s[i])
							}
							if !strings.Contains(string(tc.a), got[i:i+1]) {
								t.Fatalf("At(%q, %d) wrote %q, outside the alphabet %q", s, pos, got[i], tc.a)
							}
						}
					}
				}
				if got := tamper.Middle(t, base, tc.a); got == base {
					t.Fatalf("Middle(%q) unchanged", base)
				}
				if got := tamper.Last(t, base, tc.a); got == base {
					t.Fatalf("Last(%q) unchanged", base)
				}
			}
		})
	}
}

// TestReplacementIsABijection checks that Replacement maps the alphabet
// onto itself with no fixed point, so every character has a distinct
// tampered form.
func TestReplacementIsABijection(t *testing.T) {
	for _, a := range []tamper.Alphabet{tamper.Base64URL, tamper.Hex} {
		seen := map[byte]bool{}
		for i := 0; i < len(a); i++ {
			r := a.Replacement(a[i])
			if r == a[i] || seen[r] {
				t.Fatalf("Replacement(%q) = %q: a fixed point or a collision in %q", a[i], r, a)
			}
			seen[r] = true
		}
	}
}

// fatalTB records Fatalf instead of stopping the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

// TestAtRefusesBadPositions checks that a position outside the value
// fails the test instead of panicking or tampering elsewhere.
func TestAtRefusesBadPositions(t *testing.T) {
	for _, tc := range []struct {
		s   string
		pos int
		a   tamper.Alphabet
	}{
		{"", 0, tamper.Base64URL},
		{"abc", 3, tamper.Base64URL},
		{"abc", -4, tamper.Hex},
		{"abc", 0, "x"},
	} {
		tb := &fatalTB{TB: t}
		func() {
			defer func() {
				if r := recover(); r != nil && r != any(tb) {
					panic(r)
				}
			}()
			got := tamper.At(tb, tc.s, tc.pos, tc.a)
			t.Errorf("At(%q, %d, %q) = %q; want the test failed", tc.s, tc.pos, tc.a, got)
		}()
		if tb.msg == "" {
			t.Errorf("At(%q, %d, %q) did not fail the test", tc.s, tc.pos, tc.a)
		}
	}
}
