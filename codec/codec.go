// Package codec encodes session values to bytes and decodes untrusted bytes
// back, strictly and within fixed bounds.
//
// Use [JSON] for payloads that other systems read, and [CBOR] (Core
// Deterministic encoding, RFC 8949 §4.2.1) for the smallest and fastest
// tokens. Both are safe for concurrent use. [ByName] finds a codec by its
// stable name, for configuration files and the command line.
//
// # Strictness
//
// Unmarshal accepts exactly one value and fails, with an error wrapping
// [ErrInvalid], on malformed input, trailing data, duplicate map or object
// keys, unknown struct fields, invalid UTF-8 and input past the limits below.
// [CBOR] also rejects tags, indefinite-length items, NaN, infinities,
// undefined and unassigned simple values. [JSON] also rejects escaped lone
// surrogates ("\ud800"), which encoding/json would silently turn into U+FFFD.
//
// Marshal checks its output against the same rules: it fails, with an error
// wrapping [ErrInvalid], rather than return bytes that Unmarshal would
// reject (say a slice with more than [MaxElements] members, or a NaN), so a
// token that can be minted can also be opened. [CBOR] documents the one case
// that its check misses. For most session types the check costs little:
// when the type alone rules out what could fail (a struct of strings,
// numbers, slices and maps, with no encoding methods, interfaces or
// embedded fields), Marshal given a pointer checks only what depends on
// the value (lengths, and for CBOR UTF-8 and finite floats) instead of
// re-reading its output.
//
// # Limits
//
// Both codecs enforce the same limits: input of at most [MaxInputSize] bytes,
// at most [MaxDepth] nested arrays and maps (objects), and at most
// [MaxElements] members in any one array or map. They bound the time and
// memory that decoding can take, whatever the input.
//
// # Remaining leniency
//
// [JSON] decodes with encoding/json after its own validator has run, and
// inherits encoding/json's rules on how values fit the destination. The one
// that matters: when no struct field matches an object key exactly,
// encoding/json matches it case-insensitively, so {"UID":"x"} fills the field
// tagged "uid", and {"uid":"a","UID":"b"} passes the duplicate-key check
// (the keys differ) and fills that field with "b". This is acceptable
// because sesstool authenticates a payload before it decodes it: only a
// holder of the key chooses the bytes, and Marshal never writes such keys.
// [CBOR] matches field names case-sensitively.
//
// Unmarshal does not reset v first: fields absent from the input keep their
// values, and a top-level null (JSON null, CBOR 0xf6) leaves v unchanged, as
// encoding/json and fxamacker/cbor do. Callers that reuse a destination must
// zero it before each call.
package codec

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// ErrInvalid is wrapped by every error that Unmarshal returns for input that
// is malformed, non-canonical where canonical form is required, exceeds a
// limit, or does not fit the destination.
var ErrInvalid = errors.New("codec: invalid input")

// ErrUnknownCodec is wrapped by the error that [ByName] returns for a name
// that is not one of [Names].
var ErrUnknownCodec = errors.New("codec: unknown codec")

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
	//
	// Unmarshal must not modify data, and must not retain data or any
	// part of it (in v or elsewhere) after it returns: copy what v keeps,
	// as encoding/json asks of an Unmarshaler. Callers reuse the buffer
	// at once; token.Minter.Open passes a slice of a pooled buffer that
	// the next token overwrites, so a value that aliased it would change
	// under the caller and show another token's payload. JSON and CBOR
	// copy everything they keep, raw messages and byte strings included.
	Unmarshal(data []byte, v any) error
}

// Limits that both codecs enforce on Unmarshal, and on the output of Marshal.
const (
	// MaxInputSize is the largest input, in bytes, that Unmarshal decodes.
	// Longer input is rejected before any parsing. Session payloads are a
	// few hundred bytes; 1 MiB leaves room for unusual ones while keeping
	// the work per call bounded.
	MaxInputSize = 1 << 20

	// MaxDepth is the deepest nesting of arrays and maps (JSON objects)
	// that Unmarshal accepts: a scalar has depth 0, [] and {} depth 1,
	// [[]] depth 2. It is also fxamacker/cbor's default MaxNestedLevels.
	MaxDepth = 32

	// MaxElements is the largest number of members in one array, or of
	// key/value pairs in one map (JSON object), that Unmarshal accepts.
	MaxElements = 4096
)

// Names returns the names of the available codecs, sorted: "cbor", "json".
// The caller may modify the returned slice.
func Names() []string {
	return []string{CBOR.Name(), JSON.Name()}
}

// ByName returns the codec whose [Codec.Name] is name, which must match
// exactly (names are lowercase). For any other name it returns an error
// wrapping [ErrUnknownCodec] that lists the valid names.
func ByName(name string) (Codec, error) {
	switch name {
	case CBOR.Name():
		return CBOR, nil
	case JSON.Name():
		return JSON, nil
	}
	return nil, fmt.Errorf("%w %q (valid names: %s)", ErrUnknownCodec, name, strings.Join(Names(), ", "))
}

// Validate reports whether c's Unmarshal accepts data into an empty
// interface, with the error that Unmarshal would return if not. It builds
// no value where c can avoid it: for [JSON], the validator's one pass
// decides, with no allocation. Use it where a payload must decode but
// nobody reads it, as `sesstool verify` does.
func Validate(c Codec, data []byte) error {
	if c == JSON {
		// Every input the validator accepts, encoding/json decodes into
		// an interface value: the validator is the stricter of the two,
		// and numbers become json.Number, which cannot overflow.
		return validateJSON(data)
	}
	var v any
	return c.Unmarshal(data, &v)
}

// checkDest returns an error, which does not wrap ErrInvalid, when v cannot
// be decoded into because it is not a non-nil pointer: that is a bug in the
// caller, not bad input.
func checkDest(codec string, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("codec: %s: Unmarshal needs a non-nil pointer, got %T", codec, v)
	}
	return nil
}
