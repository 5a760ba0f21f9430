package transform

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
)

// Base64URL returns the transformer that encodes with the URL-safe base64
// alphabet without padding (RFC 4648 §5), the form that fits in cookies,
// headers and URLs unescaped.
//
// Read is strict, so every byte string has exactly one accepted encoding: it
// rejects padding, characters outside the alphabet, CR and LF (which the
// standard library's decoder would skip), and non-zero trailing bits.
//
// Every call returns the same value, which compares equal with ==.
func Base64URL() Transformer { return base64URL{} }

type base64URL struct{}

var b64 = base64.RawURLEncoding.Strict()

func (base64URL) Write(dst, src []byte) []byte { return b64.AppendEncode(dst, src) }

func (base64URL) Read(dst, src []byte) ([]byte, error) {
	out, err := b64.AppendDecode(dst, src)
	// The decoder skips CR and LF; reject them so that every byte string
	// has one encoding, and name them first in errors. Without them,
	// len(src) characters decode to exactly len(src)*3/4 bytes. k ≥ 1 of
	// them leave len(src)-k to decode, which gives fewer bytes, except for
	// one when len(src)%4 is 1 (a length no encoding has, so the decoder
	// refuses it without line breaks). Only in those cases, and on errors,
	// is src searched.
	if err != nil || len(src)%4 == 1 || len(out)-len(dst) != len(src)*3/4 {
		if i := firstLineBreak(src); i >= 0 {
			return dst, invalidf("base64url: line break at offset %d", i)
		}
	}
	if err != nil {
		return dst, invalidf("base64url: %v", err)
	}
	return out, nil
}

// Hex returns the transformer that encodes as lowercase hexadecimal. Read
// accepts only lowercase digits and an even length, so every byte string
// has exactly one accepted encoding.
//
// Every call returns the same value, which compares equal with ==.
func Hex() Transformer { return hexEncoding{} }

type hexEncoding struct{}

func (hexEncoding) Write(dst, src []byte) []byte { return hex.AppendEncode(dst, src) }

func (hexEncoding) Read(dst, src []byte) ([]byte, error) {
	for i, c := range src {
		if 'A' <= c && c <= 'F' {
			return dst, invalidf("hex: uppercase digit at offset %d; only lowercase is canonical", i)
		}
	}
	out, err := hex.AppendDecode(dst, src)
	if err != nil {
		return dst, invalidf("hex: %v", err)
	}
	return out, nil
}

// firstLineBreak returns the offset of the first CR or LF in b, or -1.
func firstLineBreak(b []byte) int {
	i, j := bytes.IndexByte(b, '\r'), bytes.IndexByte(b, '\n')
	if i < 0 || (j >= 0 && j < i) {
		return j
	}
	return i
}
