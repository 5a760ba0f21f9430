package codec

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/sesstool/sesstool/internal/valuecheck"
)

// CBOR returns the CBOR codec (RFC 8949), named "cbor", built on
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
// [IgnoreUnknownFields] returns a variant that skips unknown fields.
//
// Every call returns the same value, so codecs compare equal with ==; the
// codec is a function rather than a variable so that no program can swap it
// for another under its callers.
func CBOR() Codec { return cborCodec{} }

// cborCodec is CBOR, or with lenient set its IgnoreUnknownFields variant.
type cborCodec struct{ lenient bool }

func (cborCodec) Name() string { return "cbor" }

var (
	// cborEnc is the one encoding mode: Core Deterministic Encoding.
	cborEnc = mustEncMode(cbor.CoreDetEncOptions())
	// cborDec is the decoding mode of CBOR, strict and bounded.
	cborDec = mustDecMode(cborDecOptions())
	// cborDecLenient is cborDec without the unknown-field error, for the
	// IgnoreUnknownFields variant. fxamacker/cbor still rejects an
	// unknown key given twice, and its well-formedness pass, which runs
	// before decoding, still checks the skipped values for limits, tags,
	// indefinite lengths, NaN, infinities and simple values; but not for
	// invalid UTF-8 or duplicate keys within them (see unmarshalCBORLenient).
	cborDecLenient = mustDecMode(cborDecLenientOptions())
)

func cborDecLenientOptions() cbor.DecOptions {
	o := cborDecOptions()
	o.ExtraReturnErrors &^= cbor.ExtraDecErrorUnknownField
	return o
}

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
	if err := checkCBOROutput(v, out); err != nil {
		return nil, fmt.Errorf("codec: cbor: cannot marshal %T: encoding would not decode: %w", v, err)
	}
	return out, nil
}

// checkCBOROutput checks that out, the encoding of v, would decode: with
// the value check of v's shape when its type is plain, else with checkCBOR.
func checkCBOROutput(v any, out []byte) error {
	if v != nil && len(out) <= MaxInputSize {
		if s := shapeOf(reflect.TypeOf(v)); s.cborPlain {
			if done, err := checkValue(&s.cborCheck, v); done {
				return err
			}
		}
	}
	return checkCBOR(out)
}

func (c cborCodec) Unmarshal(data []byte, v any) error {
	if err := checkDest("cbor", v); err != nil {
		return err
	}
	if len(data) > MaxInputSize {
		return cborTooLarge(len(data))
	}
	if err := cborDec.Unmarshal(data, v); err != nil {
		if c.lenient {
			var unknown *cbor.UnknownFieldError
			if errors.As(err, &unknown) {
				return unmarshalCBORLenient(data, v)
			}
		}
		return cborInvalid(err)
	}
	return nil
}

// unmarshalCBORLenient is the IgnoreUnknownFields variant's Unmarshal for
// input that the strict decoder rejected for an unknown field: input that
// has one, so what follows costs only where a field was removed.
//
// cborDecLenient skips an unknown field's value without decoding it, so
// it would miss invalid UTF-8 and duplicate keys in there. Decoding the
// whole input into an interface value with the strict mode checks those
// everywhere first. Then cborDecLenient decodes into v, over whatever the
// strict attempt left in it: decoding the same input again sets the same
// fields to the same values (fxamacker/cbor's duplicate check does not
// count keys that a map held before the call).
func unmarshalCBORLenient(data []byte, v any) error {
	var all any
	if err := cborDec.Unmarshal(data, &all); err != nil {
		return cborInvalid(err)
	}
	if err := cborDecLenient.Unmarshal(data, v); err != nil {
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
// one walk over its items instead of a full decode. It rejects, with an
// error wrapping ErrInvalid, what the encoder can write but Unmarshal
// refuses: nesting deeper than MaxDepth, more than MaxElements members in an
// array or map, tags (big.Int, time.Time as tags, cbor.Tag), NaN and
// infinities, undefined and unassigned simple values, indefinite lengths,
// invalid UTF-8 in text strings, and input over MaxInputSize. Every read is
// bounds-checked, so bytes that a MarshalCBOR method made up cannot make it
// panic. Like the decoder, it cannot see keys that collide only once
// decoded (see CBOR).
func checkCBOR(data []byte) error {
	if len(data) > MaxInputSize {
		return cborTooLarge(len(data))
	}
	var (
		rem   [MaxDepth + 1]uint64 // items still expected at each open level
		depth int
	)
	rem[0] = 1 // one top-level item
	off := 0
	for depth > 0 || rem[0] > 0 {
		if off >= len(data) {
			return cborCheckFail("truncated item", off)
		}
		head := off
		major, ai := data[off]>>5, data[off]&0x1f
		off++
		var arg uint64
		switch {
		case ai < 24:
			arg = uint64(ai)
		case ai == 24:
			if off >= len(data) {
				return cborCheckFail("truncated head", head)
			}
			arg = uint64(data[off])
			off++
		case ai <= 27:
			n := 1 << (ai - 24)
			if len(data)-off < n {
				return cborCheckFail("truncated head", head)
			}
			for _, b := range data[off : off+n] {
				arg = arg<<8 | uint64(b)
			}
			off += n
		default: // 28–30 reserved, 31 indefinite length or break
			return cborCheckFail("indefinite length or reserved head", head)
		}
		rem[depth]--
		switch major {
		case 2, 3: // byte and text strings
			if arg > uint64(len(data)-off) {
				return cborCheckFail("truncated string", head)
			}
			s := data[off : off+int(arg)]
			if major == 3 && !valuecheck.ASCII(s) && !utf8.Valid(s) {
				return cborCheckFail("invalid UTF-8 text string", head)
			}
			off += int(arg)
		case 4, 5: // arrays and maps
			if arg > MaxElements {
				return cborCheckFail(fmt.Sprintf("%d members, over the limit of %d", arg, MaxElements), head)
			}
			if depth == MaxDepth { // this container is level depth+1; an empty one counts too
				return cborCheckFail(fmt.Sprintf("nesting deeper than %d", MaxDepth), head)
			}
			if major == 5 {
				arg *= 2
			}
			if arg > 0 {
				depth++
				rem[depth] = arg
			}
		case 6:
			return cborCheckFail("tag", head)
		case 7:
			switch {
			case ai == 25 && arg&0x7c00 == 0x7c00,
				ai == 26 && arg&0x7f800000 == 0x7f800000,
				ai == 27 && arg&0x7ff0000000000000 == 0x7ff0000000000000:
				return cborCheckFail("NaN or infinity", head)
			case ai < 20, ai == 23, ai == 24:
				return cborCheckFail("undefined or unassigned simple value", head)
			}
		}
		for depth > 0 && rem[depth] == 0 {
			depth--
		}
	}
	if off != len(data) {
		return cborCheckFail("data after the value", off)
	}
	return nil
}

func cborCheckFail(what string, off int) error {
	return fmt.Errorf("%w: cbor: %s at offset %d", ErrInvalid, what, off)
}
