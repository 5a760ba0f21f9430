package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
)

// JSON is the JSON codec (RFC 8259), named "json".
//
// Marshal uses encoding/json and returns compact JSON without a trailing
// newline. Unlike json.Marshal it does not escape <, > and & (so "<" stays
// "<", not "\u003c"), because a session payload is never embedded in HTML;
// it still escapes U+2028 and U+2029, and replaces each invalid UTF-8 byte
// in a Go string with "\ufffd", as encoding/json does.
//
// Unmarshal first runs a validator that accepts exactly one RFC 8259 value
// within the package limits, and rejects duplicate keys (compared after
// unescaping), invalid UTF-8 and escaped lone surrogates; its errors give the
// byte offset of the problem. It then decodes with encoding/json, rejecting
// unknown struct fields, and decoding numbers into interface values as
// [encoding/json.Number], so that integers past 2^53 keep every digit.
var JSON Codec = jsonCodec{}

type jsonCodec struct{}

func (jsonCodec) Name() string { return "json" }

// bufPool holds the buffers that Marshal encodes into before copying the
// result out.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (jsonCodec) Marshal(v any) ([]byte, error) {
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
	out := bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
	if err := validateJSON(out); err != nil {
		return nil, fmt.Errorf("codec: json: cannot marshal %T: encoding would not decode: %w", v, err)
	}
	return bytes.Clone(out), nil
}

func (jsonCodec) Unmarshal(data []byte, v any) error {
	if err := checkDest("json", v); err != nil {
		return err
	}
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

// trimJSONPrefix returns err's message without encoding/json's "json: "
// prefix, which our own message already carries.
func trimJSONPrefix(err error) string {
	s := err.Error()
	if len(s) > 6 && s[:6] == "json: " {
		return s[6:]
	}
	return s
}
