package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// JSON returns the JSON codec (RFC 8259), named "json".
//
// Marshal returns compact JSON, as encoding/json writes it, without a
// trailing newline. Unlike json.Marshal it does not escape <, > and & (so
// "<" stays "<", not "\u003c"), because a session payload is never embedded in HTML;
// it still escapes U+2028 and U+2029, and replaces each invalid UTF-8 byte
// in a Go string with "\ufffd", as encoding/json does.
//
// Unmarshal first runs a validator that accepts exactly one RFC 8259 value
// within the package limits, and rejects duplicate keys (compared after
// unescaping), invalid UTF-8 and escaped lone surrogates; its errors give the
// byte offset of the problem. For most session types (structs of strings,
// numbers, booleans, slices, string-keyed maps and pointers, with no
// encoding methods, interfaces, arrays, byte slices, embedded fields or
// tag options but omitempty), it then decodes the validated input itself,
// and Marshal encodes such values itself, by a plan made once per type that
// follows encoding/json's rules for those kinds exactly (the results are the
// same, as a differential fuzz target checks; the errors' wording differs),
// in about a third of the instructions for Unmarshal and half for Marshal.
// For other types, it decodes with encoding/json, rejecting
// unknown struct fields, and decoding numbers into interface values as
// [encoding/json.Number], so that integers past 2^53 keep every digit. When
// the destination's fields are all known up front (no interfaces, embedded
// fields or recursion), the validator rejects unknown fields itself and
// json.Unmarshal decodes, which saves a json.Decoder's extra scan and
// allocations; the results are the same. [IgnoreUnknownFields] returns a
// variant that runs the same validator without the unknown-field check.
//
// Every call returns the same value, so codecs compare equal with ==; the
// codec is a function rather than a variable so that no program can swap it
// for another under its callers.
func JSON() Codec { return jsonCodec{} }

// jsonCodec is JSON, or with lenient set its IgnoreUnknownFields variant.
type jsonCodec struct{ lenient bool }

func (jsonCodec) Name() string { return "json" }

// bufPool holds the buffers that encodeNoHTMLEscape encodes into before
// copying the result out.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (jsonCodec) Marshal(v any) ([]byte, error) {
	if v != nil {
		if s := shapeOf(reflect.TypeOf(v)); s.jsonPlan != nil {
			out, err := encodeJSONPlanned(s.jsonPlan, v)
			if err != nil {
				return nil, fmt.Errorf("codec: json: %w", err)
			}
			if err := checkJSONOutput(v, out); err != nil {
				return nil, fmt.Errorf("codec: json: cannot marshal %T: encoding would not decode: %w", v, err)
			}
			return out, nil
		}
	}
	return marshalJSONStd(v)
}

// marshalJSONStd is Marshal through encoding/json: the path for types
// without a plan, and the reference that the planned encoder is tested
// against.
func marshalJSONStd(v any) ([]byte, error) {
	// json.Marshal differs from what we want only where it escapes <, >
	// and &, and every escape starts with a backslash: output without one
	// is the same either way, and json.Marshal saves the Encoder path a
	// pooled buffer and a copy.
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("codec: json: %w", err)
	}
	if bytes.IndexByte(out, '\\') >= 0 {
		if out, err = encodeNoHTMLEscape(v); err != nil {
			return nil, err
		}
	}
	if err := checkJSONOutput(v, out); err != nil {
		return nil, fmt.Errorf("codec: json: cannot marshal %T: encoding would not decode: %w", v, err)
	}
	return out, nil
}

// encodeNoHTMLEscape is json.Marshal without the escaping of <, > and &.
func encodeNoHTMLEscape(v any) ([]byte, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("codec: json: %w", err)
	}
	// Encode ends the value with a newline, which is no part of it.
	return bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})), nil
}

// checkJSONOutput checks that out, the encoding of v, passes Unmarshal's
// validator: with the value check of v's shape when its type is plain,
// else by running the validator.
func checkJSONOutput(v any, out []byte) error {
	if v != nil && len(out) <= MaxInputSize {
		if s := shapeOf(reflect.TypeOf(v)); s.jsonPlain {
			if done, err := checkValue(&s.jsonCheck, v); done && err != errUndecided {
				return err
			}
		}
	}
	return validateJSON(out)
}

func (c jsonCodec) Unmarshal(data []byte, v any) error {
	if err := checkDest("json", v); err != nil {
		return err
	}
	if s := shapeOf(reflect.TypeOf(v)); s.jsonPlan != nil && s.keysKnown {
		// The validator decides about the bytes, then the planned
		// decoder reads them: encoding/json would scan them again.
		var err error
		if c.lenient {
			err = validateJSON(data)
		} else {
			err = validateJSONKeys(data, s.keys)
		}
		if err != nil {
			return err
		}
		return decodeJSONPlanned(data, s.jsonPlan.elem, v)
	}
	return unmarshalJSONStd(data, v, c.lenient)
}

// unmarshalJSONStd is Unmarshal through encoding/json, after the
// validator: the path for types without a plan, and the reference that the
// planned decoder is tested against. v must be a non-nil pointer.
func unmarshalJSONStd(data []byte, v any, lenient bool) error {
	if lenient {
		return unmarshalJSONLenient(data, v)
	}
	if s := shapeOf(reflect.TypeOf(v)); s.keysKnown {
		// The validator rejects unknown fields itself, so that
		// json.Unmarshal can decode: one scan and four allocations fewer
		// than a json.Decoder. UseNumber changes nothing without
		// interface values, which a known shape has none of.
		if err := validateJSONKeys(data, s.keys); err != nil {
			return err
		}
		if err := json.Unmarshal(data, v); err != nil {
			return fmt.Errorf("%w: json: %v", ErrInvalid, trimJSONPrefix(err))
		}
		return nil
	}
	return unmarshalJSONDecoder(data, v)
}

// unmarshalJSONDecoder is Unmarshal for destinations of any shape: the
// validator, then a json.Decoder that rejects unknown fields and decodes
// numbers into interface values as json.Number.
func unmarshalJSONDecoder(data []byte, v any) error {
	if err := validateJSON(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: json: %v", ErrInvalid, trimJSONPrefix(err))
	}
	return nil
}

// unmarshalJSONLenient is Unmarshal for the IgnoreUnknownFields variant:
// the validator without keys checks the whole input, ignored values
// included, with every rule but the unknown-field one (duplicate keys are
// compared among all the keys of an object, as when the destination is a
// map); then encoding/json decodes, ignoring unknown fields as it does by
// default.
func unmarshalJSONLenient(data []byte, v any) error {
	if err := validateJSON(data); err != nil {
		return err
	}
	if s := shapeOf(reflect.TypeOf(v)); s.keysKnown {
		// No interface values, so UseNumber would change nothing:
		// json.Unmarshal saves a json.Decoder's extra scan.
		if err := json.Unmarshal(data, v); err != nil {
			return fmt.Errorf("%w: json: %v", ErrInvalid, trimJSONPrefix(err))
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: json: %v", ErrInvalid, trimJSONPrefix(err))
	}
	return nil
}

// trimJSONPrefix returns err's message without encoding/json's "json: "
// prefix, which our own message already carries.
func trimJSONPrefix(err error) string {
	s := err.Error()
	if len(s) > 6 && s[:6] == "json: " {
		return s[6:]
	}
	return s
}
