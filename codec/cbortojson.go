package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"

	"github.com/fxamacker/cbor/v2"
)

// CBORToJSON decodes data as [CBOR] does, strictly and within the same
// limits, and renders the value as compact JSON, for display (sesstool
// inspect shows CBOR payloads this way). Errors from decoding, and for
// values that have no JSON form, wrap [ErrInvalid].
//
// Each CBOR type maps to JSON as follows:
//
//   - unsigned and negative integers (major types 0 and 1, from -2^64 to
//     2^64-1) become JSON numbers with every digit kept;
//   - floats (half, single and double precision) become JSON numbers in the
//     shortest form that reads back to the same float64, as encoding/json
//     writes them (so 1.0 becomes 1, and 1e21 becomes 1e+21);
//   - text strings become JSON strings;
//   - byte strings become JSON strings holding their unpadded base64url
//     encoding (RFC 4648 §5), so h'fb' becomes "-w";
//   - false, true and null become false, true and null;
//   - arrays become JSON arrays;
//   - maps become JSON objects with members sorted by key, byte-wise. A key
//     that is an integer becomes its decimal string (1 becomes "1"), a text
//     key stays as it is, and a byte-string key becomes its base64url
//     string. A map with any other key type (a float, a bool, null, an
//     array, a map), or with two keys that render to the same string (1
//     and "1"), is rejected.
//
// Tags, undefined and the other simple values, NaN and infinities never get
// this far: decoding rejects them. Strings are written with encoding/json's
// escaping, minus its HTML escaping of <, > and &.
func CBORToJSON(data []byte) ([]byte, error) {
	if len(data) > MaxInputSize {
		return nil, cborTooLarge(len(data))
	}
	var v any
	if err := cborDec.Unmarshal(data, &v); err != nil {
		return nil, cborInvalid(err)
	}
	jv, err := cborToJSONValue(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jv); err != nil {
		// Not reached: jv holds only types that encoding/json encodes.
		return nil, fmt.Errorf("codec: cbor: cannot render as JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// cborToJSONValue converts a value decoded by cborDec into one that
// encoding/json renders as CBORToJSON documents. encoding/json sorts the
// keys of map[string]any, which makes the output deterministic.
func cborToJSONValue(v any) (any, error) {
	switch v := v.(type) {
	case nil, bool, string, float64:
		return v, nil
	case uint64:
		return json.Number(strconv.FormatUint(v, 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), nil
	case big.Int:
		return json.Number(v.String()), nil
	case *big.Int:
		return json.Number(v.String()), nil
	case []byte:
		return base64.RawURLEncoding.EncodeToString(v), nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			var err error
			if out[i], err = cborToJSONValue(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			ks, err := cborKeyToJSON(k)
			if err != nil {
				return nil, err
			}
			if _, dup := out[ks]; dup {
				return nil, fmt.Errorf("%w: cbor: map keys collide as JSON key %q", ErrInvalid, ks)
			}
			if out[ks], err = cborToJSONValue(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: cbor: %T has no JSON form", ErrInvalid, v)
}

// cborKeyToJSON renders a map key decoded by cborDec as a JSON object key.
func cborKeyToJSON(k any) (string, error) {
	switch k := k.(type) {
	case string:
		return k, nil
	case uint64:
		return strconv.FormatUint(k, 10), nil
	case int64:
		return strconv.FormatInt(k, 10), nil
	case cbor.ByteString:
		return base64.RawURLEncoding.EncodeToString([]byte(k)), nil
	}
	return "", fmt.Errorf("%w: cbor: map key of type %T has no JSON form", ErrInvalid, k)
}
