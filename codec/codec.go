// Package codec encodes session values to bytes and decodes untrusted bytes
// back, strictly and within fixed bounds.
//
// Use [JSON] for payloads that other systems read, and [CBOR] (Core
// Deterministic encoding, RFC 8949 §4.2.1) for the smallest and fastest
// tokens. Both are safe for concurrent use.
package codec

import "errors"

// ErrInvalid is wrapped by every error that Unmarshal returns for input that
// is malformed, non-canonical where canonical form is required, exceeds a
// limit, or does not fit the destination.
var ErrInvalid = errors.New("codec: invalid input")

// A Codec converts a Go value to bytes and back.
type Codec interface {
	// Name returns the codec's stable lowercase name, e.g. "json" or "cbor".
	Name() string
	// Marshal returns the encoding of v.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes exactly one value from data into v, which must be a
	// non-nil pointer. It rejects trailing data, unknown fields, duplicate
	// keys and input past the codec's limits with an error wrapping
	// ErrInvalid.
	Unmarshal(data []byte, v any) error
}
