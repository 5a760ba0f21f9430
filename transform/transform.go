// Package transform provides the transport transformers that turn bytes into
// protected bytes and back: authentication (HMAC), authenticated encryption
// (AEAD), compression and text encodings, composable with [Chain].
//
// It is the model of Ktor's session transport transformers: a [Transformer]
// has a write direction, which cannot fail, and a read direction, which
// verifies, decrypts or decodes and fails with an error wrapping [ErrInvalid]
// when the input is not something the write direction produced.
//
// Most users never touch this package: [github.com/sesstool/sesstool/token]
// assembles the right transformers from a keyring. Use it directly to build a
// custom pipeline, or through the Ktor-compatible transformers.
//
// # Buffers
//
// Both directions follow the append convention of [crypto/cipher.AEAD]: the
// result is appended to dst and the extended slice is returned, so a caller can
// reuse one buffer across calls. dst and src must not overlap, unless a
// constructor's documentation says otherwise. Neither direction modifies src
// or keeps a reference to it.
//
// All transformers in this package are safe for concurrent use.
package transform

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error that a Transformer's Read returns for
// input that fails verification, decryption or decoding. Callers that accept
// untrusted input should treat any such error as "no session".
var ErrInvalid = errors.New("transform: invalid input")

// A Transformer converts bytes in one direction when writing and back when
// reading.
type Transformer interface {
	// Write appends the transformed form of src to dst and returns the
	// extended slice. It cannot fail.
	Write(dst, src []byte) []byte
	// Read appends the original form of src to dst and returns the extended
	// slice. It returns an error wrapping ErrInvalid when src was not produced
	// by Write (with the same key and associated data, where there are any);
	// dst's contents past its original length are then unspecified.
	Read(dst, src []byte) ([]byte, error)
}

// Chain returns a Transformer that writes through ts in order and reads
// through them in reverse order, as Ktor applies its transport transformers:
// Chain(a, b).Write(x) is b.Write(a.Write(x)). The first failing Read aborts
// the chain. Chain with no transformers is the identity.
func Chain(ts ...Transformer) Transformer {
	c := make(chain, len(ts))
	copy(c, ts)
	return c
}

type chain []Transformer

func (c chain) Write(dst, src []byte) []byte {
	if len(c) == 0 {
		return append(dst, src...)
	}
	buf := src
	for i, t := range c {
		if i == len(c)-1 {
			return t.Write(dst, buf)
		}
		buf = t.Write(nil, buf)
	}
	panic("unreachable")
}

func (c chain) Read(dst, src []byte) ([]byte, error) {
	if len(c) == 0 {
		return append(dst, src...), nil
	}
	buf := src
	var err error
	for i := len(c) - 1; i >= 0; i-- {
		if i == 0 {
			return c[i].Read(dst, buf)
		}
		if buf, err = c[i].Read(nil, buf); err != nil {
			return dst, err
		}
	}
	panic("unreachable")
}

// invalidf returns an error wrapping ErrInvalid with a formatted reason.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}
