package ktor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/sesstool/sesstool/codec"
)

// SessionFromJSON returns the session text that serializer c writes for
// the Kotlin object that the JSON value data describes, for tools that
// hold a session as JSON rather than as a Go struct. c is [KotlinxJSON],
// [Reflection] or [KotlinxBackwardCompatible].
//
// JSON carries no Kotlin types, so they are chosen from the values:
//
//   - KotlinxJSON writes data compactly, objects with their keys in the
//     order given (kotlinx writes properties in declaration order, so
//     give them in that order), strings escaped as kotlinx escapes them,
//     integers as written and other numbers as Java's Double.toString
//     (1.5, 100.0, 1.0E10);
//   - the reflection formats need a JSON object, whose members are the
//     properties: sorted by name for Reflection, in the order given for
//     KotlinxBackwardCompatible. Strings become #s, integers #i when they
//     fit in 32 bits (Kotlin Int) and #l otherwise (Long), other numbers
//     #f (Double), true and false #bot and #bof, null #n, arrays #cl
//     (List) and objects ## (a nested class, not a Map).
//
// So {"userId":"id2","cart":[]} gives {"userId":"id2","cart":[]} and
// cart=%23cl&userId=%23sid2, as Ktor does for
// TestUserSession(userId = "id2", cart = emptyList()).
//
// data must be one JSON value within codec's limits, without duplicate
// keys; an integer that does not fit in 64 bits, a number out of the
// range of a Double, an empty property name and output past the
// serializer's size limit are errors. Every error wraps
// [codec.ErrInvalid].
func SessionFromJSON(c codec.Codec, data []byte) ([]byte, error) {
	var raw json.RawMessage
	if err := codec.JSON().Unmarshal(data, &raw); err != nil {
		return nil, &Error{Reason: "session from JSON: " + err.Error(), err: err}
	}
	n, err := parseJSONTree(raw)
	if err != nil {
		return nil, invalid("session from JSON: " + err.Error())
	}
	switch c {
	case KotlinxJSON():
		var e jsonEncoder
		if err := e.tree(&n); err != nil {
			return nil, invalid("kotlinx-json: " + err.Error())
		}
		if len(e.buf) > codec.MaxInputSize {
			return nil, invalid(fmt.Sprintf("kotlinx-json: encoding is %d bytes, more than the %d that decode", len(e.buf), codec.MaxInputSize))
		}
		return e.buf, nil
	case Reflection(), KotlinxBackwardCompatible():
		rc := c.(reflectionCodec)
		if n.kind != '{' {
			return nil, rc.error(errors.New("a session in the reflection format is an object: want a JSON object"))
		}
		e := encoder{sorted: rc.sorted}
		out, err := e.treeObject(nil, &n, 0)
		if err != nil {
			return nil, rc.error(err)
		}
		if len(out) > MaxReflectionSize {
			return nil, rc.error(fmt.Errorf("encoding is %d bytes, more than the %d that decode", len(out), MaxReflectionSize))
		}
		return out, nil
	}
	return nil, invalid(fmt.Sprintf("session from JSON: unsupported serializer %q (want kotlinx-json, ktor-reflection or kotlinx-backward-compatible)", c.Name()))
}

// jsonNode is one JSON value, with object members in their input order.
type jsonNode struct {
	kind  byte       // 'n' null, 'b' bool, '#' number, 's' string, '[' array, '{' object
	text  string     // the string, or the number as written
	b     bool       // the bool
	keys  []string   // object member names
	items []jsonNode // array elements or object member values
}

// parseJSONTree parses data, which codec.JSON() has validated (one value,
// within the size, depth and element limits, no duplicate keys).
func parseJSONTree(data []byte) (jsonNode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseJSONNode(dec)
	if err != nil {
		return jsonNode{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jsonNode{}, errors.New("trailing data after the JSON value")
	}
	return n, nil
}

func parseJSONNode(dec *json.Decoder) (jsonNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return jsonNode{}, err
	}
	switch t := tok.(type) {
	case nil:
		return jsonNode{kind: 'n'}, nil
	case bool:
		return jsonNode{kind: 'b', b: t}, nil
	case json.Number:
		return jsonNode{kind: '#', text: string(t)}, nil
	case string:
		return jsonNode{kind: 's', text: t}, nil
	case json.Delim:
		n := jsonNode{kind: byte(t)}
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return jsonNode{}, err
				}
				n.keys = append(n.keys, k.(string)) // object keys are strings
			}
			item, err := parseJSONNode(dec)
			if err != nil {
				return jsonNode{}, err
			}
			n.items = append(n.items, item)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return jsonNode{}, err
		}
		return n, nil
	}
	return jsonNode{}, fmt.Errorf("unexpected JSON token %v", tok)
}

// isJSONInteger reports whether a JSON number is written as an integer:
// without a fraction or an exponent.
func isJSONInteger(s string) bool { return !strings.ContainsAny(s, ".eE") }

// parseDouble parses a JSON number as a Kotlin Double.
func parseDouble(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, fmt.Errorf("the number %s is out of the range of a Double", s)
	}
	return f, nil
}

// tree writes n as kotlinx writes the corresponding Kotlin value.
func (e *jsonEncoder) tree(n *jsonNode) error {
	switch n.kind {
	case 'n':
		e.buf = append(e.buf, "null"...)
	case 'b':
		e.buf = strconv.AppendBool(e.buf, n.b)
	case 's':
		e.string(n.text)
	case '#':
		if isJSONInteger(n.text) {
			e.buf = append(e.buf, n.text...)
			break
		}
		f, err := parseDouble(n.text)
		if err != nil {
			return err
		}
		e.buf = appendJavaFloat(e.buf, f, 64)
	case '[', '{':
		closer := byte(']')
		if n.kind == '{' {
			closer = '}'
		}
		e.buf = append(e.buf, n.kind)
		for i := range n.items {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if n.kind == '{' {
				e.string(n.keys[i])
				e.buf = append(e.buf, ':')
			}
			if err := e.tree(&n.items[i]); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, closer)
	}
	return nil
}

// treeObject appends the name=value pairs of JSON object n (Ktor's
// serializeClassInstance applied to the class n describes).
func (e *encoder) treeObject(dst []byte, n *jsonNode, depth int) ([]byte, error) {
	order := make([]int, len(n.keys))
	for i := range order {
		order[i] = i
	}
	if e.sorted {
		slices.SortStableFunc(order, func(a, b int) int { return compareUTF16(n.keys[a], n.keys[b]) })
	}
	for i, j := range order {
		name := n.keys[j]
		if name == "" {
			return nil, errors.New("a property name is empty")
		}
		val, err := e.treeValue(nil, &n.items[j], depth)
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", name, err)
		}
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = appendPercentEncoded(dst, name, keepParameter, true)
		dst = append(dst, '=')
		dst = appendPercentEncoded(dst, string(val), keepParameter, true)
	}
	return dst, nil
}

// treeValue appends the prefixed encoding of n (Ktor's serializeValue),
// as value does for Go values. depth is the depth of the object or
// collection that holds n.
func (e *encoder) treeValue(dst []byte, n *jsonNode, depth int) ([]byte, error) {
	switch n.kind {
	case 'n':
		return append(dst, "#n"...), nil
	case 'b':
		if n.b {
			return append(dst, "#bot"...), nil
		}
		return append(dst, "#bof"...), nil
	case 's':
		return append(append(dst, "#s"...), n.text...), nil
	case '#':
		if isJSONInteger(n.text) {
			i, err := strconv.ParseInt(n.text, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("the integer %s does not fit in a Kotlin Long", n.text)
			}
			if i == int64(int32(i)) {
				return strconv.AppendInt(append(dst, "#i"...), i, 10), nil
			}
			return strconv.AppendInt(append(dst, "#l"...), i, 10), nil
		}
		f, err := parseDouble(n.text)
		if err != nil {
			return nil, err
		}
		return appendJavaFloat(append(dst, "#f"...), f, 64), nil
	case '[':
		if depth+1 > MaxReflectionDepth {
			return nil, fmt.Errorf("nested deeper than %d", MaxReflectionDepth)
		}
		var joined []byte
		for i := range n.items {
			elem, err := e.treeValue(nil, &n.items[i], depth+1)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			if i > 0 {
				joined = append(joined, '&')
			}
			joined = appendPercentEncoded(joined, string(elem), keepQuery, false)
		}
		return appendPercentEncoded(append(dst, "#cl"...), string(joined), keepQuery, false), nil
	case '{':
		if depth+1 > MaxReflectionDepth {
			return nil, fmt.Errorf("nested deeper than %d", MaxReflectionDepth)
		}
		return e.treeObject(append(dst, "##"...), n, depth+1)
	}
	return nil, fmt.Errorf("internal error: JSON node kind %q", n.kind)
}
