package codec

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
)

// CBOR is the CBOR codec (RFC 8949), named "cbor", built on
// github.com/fxamacker/cbor/v2.
//
// Marshal uses Core Deterministic Encoding (RFC 8949 §4.2.1): shortest
// integer and float forms, definite lengths and map keys sorted, so equal
// values encode to equal bytes. Use `cbor:"1,keyasint"` struct tags for the
// smallest encoding. Marshal fails, with an error wrapping [ErrInvalid], for
// values that Unmarshal would reject: NaN, infinities, integers that need a
// bignum tag, text with invalid UTF-8, and values past the package limits.
// It does not notice a map[any]any whose distinct Go keys encode alike,
// such as int(1) and uint(1); Unmarshal rejects that output as a duplicate
// key.
//
// Unmarshal accepts exactly one well-formed, valid data item within the
// package limits and rejects, besides trailing bytes, duplicate map keys and
// unknown struct fields: every tag (so also bignums and time tags),
// indefinite-length items, NaN and infinities, invalid UTF-8, undefined and
// unassigned simple values. Struct field names match case-sensitively. It
// does not insist on Core Deterministic Encoding: integers and lengths in
// longer forms than needed, and unsorted map keys, are accepted, as
// fxamacker/cbor has no option to reject them.
// Decoded into an interface value, maps become map[any]any, unsigned
// integers uint64, negative integers int64 (big.Int past int64), floats
// float64 and byte strings []byte. Its errors keep fxamacker/cbor's message,
// after our prefix: "codec: invalid input: cbor: found duplicate map key …".
var CBOR Codec = cborCodec{}

type cborCodec struct{}

func (cborCodec) Name() string { return "cbor" }

var (
	// cborEnc is the one encoding mode: Core Deterministic Encoding.
	cborEnc = mustEncMode(cbor.CoreDetEncOptions())
	// cborDec is the one decoding mode, strict and bounded.
	cborDec = mustDecMode(cborDecOptions())
)

func mustEncMode(o cbor.EncOptions) cbor.EncMode {
	m, err := o.EncMode()
	if err != nil {
		panic("codec: cbor: bad encoding options: " + err.Error())
	}
	return m
}

func mustDecMode(o cbor.DecOptions) cbor.DecMode {
	m, err := o.DecMode()
	if err != nil {
		panic("codec: cbor: bad decoding options: " + err.Error())
	}
	return m
}

// cborDecOptions returns the decoding options of CBOR.
func cborDecOptions() cbor.DecOptions {
	// Reject undefined (23) and the unassigned simple values (0–19 and
	// 32–255; 24–31 are reserved and already malformed). Only false, true
	// and null remain.
	var reject []func(*cbor.SimpleValueRegistry) error
	for sv := 0; sv < 256; sv++ {
		if sv < 20 || sv == 23 || sv >= 32 {
			reject = append(reject, cbor.WithRejectedSimpleValue(cbor.SimpleValue(sv)))
		}
	}
	simple, err := cbor.NewSimpleValueRegistryFromDefaults(reject...)
	if err != nil {
		panic("codec: cbor: bad simple value registry: " + err.Error())
	}
	return cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		UTF8:              cbor.UTF8RejectInvalid,
		NaN:               cbor.NaNDecodeForbidden,
		Inf:               cbor.InfDecodeForbidden,
		BignumTag:         cbor.BignumTagForbidden,
		FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
		SimpleValues:      simple,
		MaxNestedLevels:   MaxDepth,
		MaxArrayElements:  MaxElements,
		MaxMapPairs:       MaxElements,
	}
}

func (cborCodec) Marshal(v any) ([]byte, error) {
	out, err := cborEnc.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("codec: %w", err)
	}
	if err := checkCBOR(out); err != nil {
		return nil, fmt.Errorf("codec: cbor: cannot marshal %T: encoding would not decode: %w", v, err)
	}
	return out, nil
}

func (cborCodec) Unmarshal(data []byte, v any) error {
	if err := checkDest("cbor", v); err != nil {
		return err
	}
	if len(data) > MaxInputSize {
		return cborTooLarge(len(data))
	}
	if err := cborDec.Unmarshal(data, v); err != nil {
		return cborInvalid(err)
	}
	return nil
}

// cborInvalid wraps an error from fxamacker/cbor into ErrInvalid, keeping
// its message, which starts with "cbor: " except for io.EOF and
// io.ErrUnexpectedEOF, which get that prefix here.
func cborInvalid(err error) error {
	msg := err.Error()
	if !strings.HasPrefix(msg, "cbor: ") {
		msg = "cbor: " + msg
	}
	return fmt.Errorf("%w: %s", ErrInvalid, msg)
}

func cborTooLarge(n int) error {
	return fmt.Errorf("%w: cbor: input of %d bytes exceeds limit of %d bytes", ErrInvalid, n, MaxInputSize)
}

// checkCBOR checks that data, the output of cborEnc, would pass cborDec:
// Wellformed covers the limits, tags, simple values, NaN and infinities, but
// not the UTF-8 of text strings, which the encoder copies from Go strings
// unchecked; validCBORText covers that.
func checkCBOR(data []byte) error {
	if len(data) > MaxInputSize {
		return cborTooLarge(len(data))
	}
	if err := cborDec.Wellformed(data); err != nil {
		return cborInvalid(err)
	}
	if off := invalidCBORText(data); off >= 0 {
		return fmt.Errorf("%w: cbor: invalid UTF-8 text string at offset %d", ErrInvalid, off)
	}
	return nil
}

// invalidCBORText returns the offset of the first text string in data that
// is not valid UTF-8, or -1. data must be well-formed and free of
// indefinite lengths, so that its data items follow one another: a walk
// over the heads, skipping the contents of byte and text strings, visits
// every item.
func invalidCBORText(data []byte) int {
	for off := 0; off < len(data); {
		head := off
		major, ai := data[off]>>5, data[off]&0x1f
		off++
		var arg uint64
		switch {
		case ai < 24:
			arg = uint64(ai)
		case ai == 24:
			arg = uint64(data[off])
			off++
		case ai == 25:
			arg = uint64(binary.BigEndian.Uint16(data[off:]))
			off += 2
		case ai == 26:
			arg = uint64(binary.BigEndian.Uint32(data[off:]))
			off += 4
		case ai == 27:
			arg = binary.BigEndian.Uint64(data[off:])
			off += 8
		}
		if major == 2 || major == 3 {
			// Well-formed, so the string fits in data and arg < len(data).
			s := data[off : off+int(arg)]
			if major == 3 && !utf8.Valid(s) {
				return head
			}
			off += int(arg)
		}
	}
	return -1
}
