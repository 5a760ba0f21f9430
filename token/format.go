package token

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Format constants. SPEC.md is the normative description.
const (
	// Version1 is the first byte of every format v1 token after base64url
	// decoding.
	Version1 = 0x01
	// HeaderSize is the length of the header: version (1 byte) and key ID
	// (4 bytes, big-endian).
	HeaderSize = 5
	// DefaultMaxTokenSize is the default limit on a token's length in
	// characters: with a cookie name and attributes it fits the 4096 bytes
	// that browsers store per cookie.
	DefaultMaxTokenSize = 4000
	// DefaultMaxTTL is the default longest lifetime a token may have.
	DefaultMaxTTL = 24 * time.Hour
)

const (
	flagNotBefore = 0x01
	envelopeSize  = 1 + 8 + 8 // flags, iat, exp
	// maxUnix bounds every timestamp to years 1970..9999, so that no
	// arithmetic on them can overflow and every one prints in RFC 3339.
	maxUnix = 253402300799
)

// header appends the header of key id to dst.
func appendHeader(dst []byte, id uint32) []byte {
	return binary.BigEndian.AppendUint32(append(dst, Version1), id)
}

// envelope is the authenticated, decoded envelope of a token.
type envelope struct {
	iat, exp, nbf int64 // Unix seconds; nbf 0 when absent
	hasNBF        bool
	payload       []byte
}

func appendEnvelope(dst []byte, e *envelope) []byte {
	var flags byte
	if e.hasNBF {
		flags |= flagNotBefore
	}
	dst = append(dst, flags)
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.iat))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.exp))
	if e.hasNBF {
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.nbf))
	}
	return append(dst, e.payload...)
}

// parseEnvelope decodes an authenticated envelope. Every field has one
// encoding, so an envelope has exactly one byte form.
func parseEnvelope(b []byte) (envelope, error) {
	var e envelope
	if len(b) < envelopeSize {
		return e, fmt.Errorf("envelope is %d bytes; the minimum is %d", len(b), envelopeSize)
	}
	flags := b[0]
	if flags&^flagNotBefore != 0 {
		return e, fmt.Errorf("unknown envelope flags %#02x", flags)
	}
	e.iat = int64(binary.BigEndian.Uint64(b[1:]))
	e.exp = int64(binary.BigEndian.Uint64(b[9:]))
	b = b[envelopeSize:]
	if flags&flagNotBefore != 0 {
		if len(b) < 8 {
			return e, fmt.Errorf("envelope announces a not-before time but is too short")
		}
		e.hasNBF = true
		e.nbf = int64(binary.BigEndian.Uint64(b))
		b = b[8:]
	}
	e.payload = b
	switch {
	case !validUnix(e.iat) || !validUnix(e.exp) || (e.hasNBF && !validUnix(e.nbf)):
		return e, fmt.Errorf("timestamp outside years 1970 to 9999")
	case e.exp <= e.iat:
		return e, fmt.Errorf("expiry %s is not after issue time %s", unixString(e.exp), unixString(e.iat))
	case e.hasNBF && (e.nbf < e.iat || e.nbf >= e.exp):
		return e, fmt.Errorf("not-before time %s is outside [issued, expiry)", unixString(e.nbf))
	}
	return e, nil
}

func validUnix(t int64) bool { return t >= 0 && t <= maxUnix }

func unixString(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

// toUnix converts t to Unix seconds (rounding down) and reports whether it
// lies within the format's range.
func toUnix(t time.Time) (int64, bool) {
	s := t.Unix()
	return s, validUnix(s)
}
