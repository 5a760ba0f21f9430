package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// JSONToCBOR converts one JSON value to canonical [CBOR], value by value:
// integers that fit in 64 bits become CBOR integers, other numbers
// float64, and objects maps with string keys. It is the reverse of
// [CBORToJSON] for the values both can hold. Input that is not one JSON
// value gives an error wrapping [ErrInvalid]; a number that CBOR payloads
// cannot hold (an integer beyond 64 bits, a number out of float64's range)
// gives an error that says which, and does not wrap it: the input is
// valid JSON.
func JSONToCBOR(js []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: json: %v", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: json: data after the value", ErrInvalid)
	}
	v, err := jsonToCBORValue(v)
	if err != nil {
		return nil, err
	}
	return CBOR().Marshal(v)
}

// jsonToCBORValue turns the numbers of a JSON value (json.Number) into
// integers where they are integers and fit in 64 bits, and into float64
// otherwise.
func jsonToCBORValue(v any) (any, error) {
	switch v := v.(type) {
	case json.Number:
		s := string(v)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u, nil
		}
		if !bytes.ContainsAny([]byte(s), ".eE") {
			return nil, fmt.Errorf("the integer %s does not fit in 64 bits, which CBOR payloads need", s)
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("the number %s is out of range", s)
		}
		return f, nil
	case []any:
		for i := range v {
			e, err := jsonToCBORValue(v[i])
			if err != nil {
				return nil, err
			}
			v[i] = e
		}
		return v, nil
	case map[string]any:
		for k, e := range v {
			e, err := jsonToCBORValue(e)
			if err != nil {
				return nil, err
			}
			v[k] = e
		}
		return v, nil
	}
	return v, nil
}
