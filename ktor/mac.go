package ktor

import (
	"bytes"
	"crypto/subtle"

	"github.com/sesstool/sesstool/transform"
)

// NewMessageAuthentication returns the equivalent of Ktor's
// SessionTransportTransformerMessageAuthentication(key, JCEName(h)): h is
// transform.SHA256 (Ktor's default, also meant by the zero Hash),
// transform.SHA384 or transform.SHA512.
// The format is the same in every Ktor version from 1.x to 3.x.
//
// Write appends value + "/" + lowerhex(HMAC(key, value)) to dst.
//
// Read splits src at its last '/', recomputes the tag over the part before
// it and compares the two lowercase hex strings in constant time (Ktor
// uses MessageDigest.isEqual on the same strings). As in Ktor, a value may
// itself contain '/', an uppercase tag is rejected, and input without '/'
// is rejected. On success the part before the last '/' is appended to dst.
// Every rejection wraps [transform.ErrInvalid].
//
// The tag covers only the value: it carries no expiry, and a signed cookie
// stays valid for as long as the key does. The payload is readable by the
// client. The key may have any non-zero length (Ktor passes it to JCE
// unchanged); an empty key is an error, as it is in JCE. The returned
// Transformer is safe for concurrent use.
func NewMessageAuthentication(key []byte, h transform.Hash) (transform.Transformer, error) {
	p, err := newMACPool(key, h)
	if err != nil {
		return nil, err
	}
	return &messageAuthentication{mac: p}, nil
}

var (
	errNoSeparator       = readError(true, "malformed signed value: no '/' before the tag")
	errSignatureMismatch = readError(false, "signed value failed authentication")
)

type messageAuthentication struct {
	mac *macPool
}

func (m *messageAuthentication) Write(dst, src []byte) []byte {
	s := m.mac.get()
	defer m.mac.put(s)
	dst = append(dst, src...)
	dst = append(dst, '/')
	return append(dst, s.lowerHex(src)...)
}

func (m *messageAuthentication) Read(dst, src []byte) ([]byte, error) {
	i := bytes.LastIndexByte(src, '/')
	if i < 0 {
		return dst, errNoSeparator
	}
	value, sig := src[:i], src[i+1:]
	s := m.mac.get()
	defer m.mac.put(s)
	// ConstantTimeCompare returns 0 at once for a length mismatch, exactly
	// like MessageDigest.isEqual; the length of a tag is not secret.
	if subtle.ConstantTimeCompare(s.lowerHex(value), sig) != 1 {
		return dst, errSignatureMismatch
	}
	return append(dst, value...), nil
}
