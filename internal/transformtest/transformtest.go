// Package transformtest is a conformance suite that every
// [transform.Transformer] in this module passes, after the standard
// library's cryptotest.TestAEAD.
package transformtest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sesstool/sesstool/transform"
)

// Lengths are the input lengths every round trip is checked at.
var Lengths = []int{0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 1000, 4096, 8193}

// Config describes the transformer under test.
type Config struct {
	// New returns the transformer under test. Two calls must return
	// transformers that read each other's output.
	New func() transform.Transformer
	// Others returns transformers that must reject New's output: another
	// key, other associated data, another algorithm. Nil for encodings.
	Others func() []transform.Transformer
	// Authenticated is true when every modification of the output must be
	// rejected (HMAC, AEAD).
	Authenticated bool
	// Deterministic is true when Write's output depends only on its input.
	Deterministic bool
}

// Run runs the conformance suite.
func Run(t *testing.T, c Config) {
	t.Helper()
	t.Run("RoundTrip", func(t *testing.T) {
		w, r := c.New(), c.New()
		for _, n := range Lengths {
			in := input(n)
			out := w.Write(nil, in)
			got, err := r.Read(nil, out)
			if err != nil {
				t.Fatalf("len %d: Read(Write(x)) error = %v", n, err)
			}
			if !bytes.Equal(got, in) {
				t.Fatalf("len %d: Read(Write(x)) = %x; want %x", n, got, in)
			}
		}
	})
	t.Run("Deterministic", func(t *testing.T) {
		tr := c.New()
		in := input(100)
		a, b := tr.Write(nil, in), tr.Write(nil, in)
		if c.Deterministic != bytes.Equal(a, b) {
			t.Errorf("two writes equal = %v; want %v", bytes.Equal(a, b), c.Deterministic)
		}
	})
	t.Run("InputNotModified", func(t *testing.T) {
		tr := c.New()
		for _, n := range Lengths {
			in := input(n)
			keep := bytes.Clone(in)
			out := tr.Write(nil, in)
			if !bytes.Equal(in, keep) {
				t.Fatalf("len %d: Write modified its input", n)
			}
			outKeep := bytes.Clone(out)
			if _, err := tr.Read(nil, out); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, outKeep) {
				t.Fatalf("len %d: Read modified its input", n)
			}
		}
	})
	t.Run("AppendDst", func(t *testing.T) {
		tr := c.New()
		prefix := []byte("prefix:")
		for _, n := range Lengths {
			in := input(n)
			plain := tr.Write(nil, in)
			// A dst with spare capacity, and one without.
			for _, dst := range [][]byte{append(make([]byte, 0, 9000), prefix...), bytes.Clone(prefix)} {
				out := tr.Write(dst, in)
				if !bytes.HasPrefix(out, prefix) || len(out) != len(prefix)+len(plain) {
					t.Fatalf("len %d: Write(prefix, x) = %q...; want the prefix then %d bytes", n, out[:min(len(out), 16)], len(plain))
				}
				got, err := tr.Read(bytes.Clone(dst[:len(prefix)]), out[len(prefix):])
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], in) {
					t.Fatalf("len %d: Read(prefix, y) lost the prefix or the data", n)
				}
			}
		}
	})
	t.Run("EmptyAndGarbageNoPanic", func(t *testing.T) {
		tr := c.New()
		for _, in := range [][]byte{nil, {}, {0}, bytes.Repeat([]byte{0xff}, 100), []byte("=\r\n%/:")} {
			if _, err := tr.Read(nil, in); err != nil {
				checkInvalid(t, err)
			}
		}
	})
	if !c.Authenticated {
		return
	}
	t.Run("EveryBitFlipRejected", func(t *testing.T) {
		tr := c.New()
		out := tr.Write(nil, input(40))
		for i := range len(out) * 8 {
			mod := bytes.Clone(out)
			mod[i/8] ^= 1 << (i % 8)
			_, err := tr.Read(nil, mod)
			if err == nil {
				t.Fatalf("Read accepted the output with bit %d flipped", i)
			}
			checkInvalid(t, err)
		}
	})
	t.Run("TruncationRejected", func(t *testing.T) {
		tr := c.New()
		out := tr.Write(nil, input(40))
		for n := range len(out) {
			_, err := tr.Read(nil, out[:n])
			if err == nil {
				t.Fatalf("Read accepted the output truncated to %d of %d bytes", n, len(out))
			}
			checkInvalid(t, err)
		}
	})
	t.Run("ExtensionRejected", func(t *testing.T) {
		tr := c.New()
		out := tr.Write(nil, input(40))
		for _, b := range []byte{0, 1, 0xff} {
			if _, err := tr.Read(nil, append(bytes.Clone(out), b)); err == nil {
				t.Fatalf("Read accepted the output with byte %#x appended", b)
			}
		}
	})
	t.Run("OthersReject", func(t *testing.T) {
		if c.Others == nil {
			t.Skip("no other configurations given")
		}
		out := c.New().Write(nil, input(40))
		for i, o := range c.Others() {
			_, err := o.Read(nil, out)
			if err == nil {
				t.Fatalf("other configuration #%d accepted the output", i)
			}
			checkInvalid(t, err)
		}
	})
}

func checkInvalid(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, transform.ErrInvalid) {
		t.Fatalf("Read error = %v; want one wrapping transform.ErrInvalid", err)
	}
}

func input(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + n)
	}
	return b
}
