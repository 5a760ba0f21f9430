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
// keys, unknown struct fields (but see [IgnoreUnknownFields]), invalid UTF-8
// and input past the limits below.
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
// # Ignoring unknown fields
//
// [IgnoreUnknownFields] returns a variant of [JSON] or [CBOR] that skips
// object (map) keys naming no field of the destination struct, so that a
// value written by a newer or older version of a type, with a field the
// type no longer has, still decodes. Every other rule above stays: the
// skipped values are checked like the rest of the input (duplicate keys,
// limits, UTF-8, and for CBOR tags, NaN and simple values), and a
// duplicate of an unknown key is still a duplicate.
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
// [JSON] decodes after its own validator has run, with encoding/json or
// with a decoder planned per type that follows the same rules, and so
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
// that is not one of [Names], and by the error that [IgnoreUnknownFields]
// returns for a codec other than [JSON] and [CBOR].
var ErrUnknownCodec = errors.New("codec: unknown codec")

// A Codec converts a Go value to bytes and back.
type Codec interface {
	// Name returns the codec's stable lowercase name, e.g. "json" or "cbor".
	Name() string
	// Marshal returns the encoding of v.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes exactly one value from data into v, which must be a
	// non-nil pointer. It rejects trailing data, unknown fields (unless
	// the codec comes from IgnoreUnknownFields), duplicate keys and input
	// past the codec's limits with an error wrapping ErrInvalid.
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
	return []string{CBOR().Name(), JSON().Name()}
}

// ByName returns the codec whose [Codec.Name] is name, which must match
// exactly (names are lowercase). For any other name it returns an error
// wrapping [ErrUnknownCodec] that lists the valid names.
func ByName(name string) (Codec, error) {
	switch name {
	case CBOR().Name():
		return CBOR(), nil
	case JSON().Name():
		return JSON(), nil
	}
	return nil, fmt.Errorf("%w %q (valid names: %s)", ErrUnknownCodec, name, strings.Join(Names(), ", "))
}

// IgnoreUnknownFields returns the variant of c, which must be [JSON] or
// [CBOR] (or a variant returned by IgnoreUnknownFields), whose Unmarshal
// ignores object and map keys that name no field of the destination
// struct, at any depth, instead of rejecting the input. Use it where data
// written for an older version of a type must still decode after a field
// was removed from it, as session payloads must across a deploy.
//
// Only that rule changes. The variant still rejects, with an error
// wrapping [ErrInvalid], everything else that c rejects, in the ignored
// values too: duplicate keys (an unknown key given twice included), input
// past [MaxInputSize], [MaxDepth] or [MaxElements], invalid UTF-8,
// trailing data, and for CBOR tags, NaN, infinities and unassigned simple
// values. Where c accepts an input, the variant accepts it too and decodes
// the same value. [CBOR]'s variant first decodes as CBOR does; only input
// that CBOR rejects for an unknown field costs more: a second decode, and
// a check of the whole input as [Validate] does, so such input must also
// decode into an interface value (a map with array keys, say, does not).
//
// The variant encodes exactly as c does, and its Name is c's: the wire
// format is the same, so a configuration that names the codec need not
// change. [ByName] returns the strict codec. Variants compare equal to
// each other: IgnoreUnknownFields(JSON()) == IgnoreUnknownFields(JSON()).
//
// For any other codec, IgnoreUnknownFields returns an error wrapping
// [ErrUnknownCodec]: a custom codec must offer its own option.
func IgnoreUnknownFields(c Codec) (Codec, error) {
	switch c.(type) {
	case jsonCodec:
		return jsonCodec{lenient: true}, nil
	case cborCodec:
		return cborCodec{lenient: true}, nil
	}
	name := "<nil>"
	if c != nil {
		name = c.Name()
	}
	return nil, fmt.Errorf("%w %q: IgnoreUnknownFields knows only %s; a custom codec must ignore unknown fields itself", ErrUnknownCodec, name, strings.Join(Names(), " and "))
}

// Validate reports whether c's Unmarshal accepts data into an empty
// interface, with the error that Unmarshal would return if not. It builds
// no value where c can avoid it: for [JSON], the validator's one pass
// decides, with no allocation. Use it where a payload must decode but
// nobody reads it, as `sesstool verify` does.
func Validate(c Codec, data []byte) error {
	if _, ok := c.(jsonCodec); ok {
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
