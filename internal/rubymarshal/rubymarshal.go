// Package rubymarshal reads Ruby's Marshal format (version 4.8) for plain
// data only, as Rails' Marshal-serialized sessions and messages hold it:
// nil, true, false, integers (Fixnum and bounded Bignum), floats, strings
// (with their encoding), symbols, arrays and hashes, and the symbol and
// object links between them.
//
// Everything else is refused with an *UnsupportedError that names the
// type byte: objects ('o'), user classes ('C'), user-defined dumps ('u',
// 'U'), extended objects ('e'), structs ('S'), regexps ('/'), classes and
// modules ('c', 'm', 'M'), data objects ('d') and hashes with a default
// value ('}'). Nothing is ever instantiated and no class name is looked
// up: the reader builds Go values of fixed, plain types.
//
// The reader is bounded: nesting depth (MaxDepth), the number of values
// (MaxValues), the size of a Bignum (MaxBignumBytes) and, when a value is
// rendered as JSON, the number of nodes after object links are followed
// (MaxValues) so that shared structure cannot grow exponentially. A link
// to a container that is still being read (a cycle) is refused.
package rubymarshal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the reader.
const (
	MaxDepth       = 32      // nesting of arrays, hashes and instance variables
	MaxValues      = 1 << 16 // values read, and nodes rendered as JSON
	MaxBignumBytes = 64      // magnitude of a Bignum, in bytes
)

// ErrMalformed is wrapped by the errors of input that is not Marshal
// data (truncated, a bad header, a length past the end, a bad link).
var ErrMalformed = errors.New("rubymarshal: malformed Marshal data")

// ErrUnsupported is wrapped by *UnsupportedError: the data is Marshal, but
// of a kind this reader refuses to read.
var ErrUnsupported = errors.New("rubymarshal: not plain data")

// ErrLimit is wrapped by the errors of data beyond the reader's limits.
var ErrLimit = errors.New("rubymarshal: limit exceeded")

// UnsupportedError is Marshal data of a type that is not plain data: an
// object, a class, a struct, … It wraps ErrUnsupported.
type UnsupportedError struct {
	Type   byte   // the type byte, such as 'o'
	Offset int    // where it is, in bytes from the start
	What   string // the type in words
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("rubymarshal: %s (type byte %q) at byte %d: only nil, booleans, integers, floats, strings, symbols, arrays and hashes are read, and nothing is instantiated", e.What, e.Type, e.Offset)
}

// Unwrap returns ErrUnsupported.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// unsupported names the type bytes that are refused.
var unsupported = map[byte]string{
	'o': "a Ruby object",
	'C': "an instance of a user class",
	'u': "a user-defined dump (_dump)",
	'U': "a user-marshalled object (marshal_dump)",
	'e': "an object extended by a module",
	'S': "a Struct",
	'/': "a Regexp",
	'c': "a Class",
	'm': "a Module",
	'M': "an old-style Module",
	'd': "a data object",
	'}': "a Hash with a default value",
}

// Symbol is a Ruby symbol. It renders as a JSON string.
type Symbol string

// Hash is a Ruby hash: its keys and values, in order.
type Hash struct {
	Keys, Values []any
}

// Get returns the value of the key that is the string or symbol k.
func (h *Hash) Get(k string) (any, bool) {
	for i, key := range h.Keys {
		switch key := key.(type) {
		case string:
			if key == k {
				return h.Values[i], true
			}
		case Symbol:
			if string(key) == k {
				return h.Values[i], true
			}
		}
	}
	return nil, false
}

// Decode reads data, which must be exactly one Marshal 4.8 value of plain
// data. The values are nil, bool, int64, *big.Int, float64, string (a Ruby
// string, whatever its encoding), Symbol, []any and *Hash; an object link
// returns the very value it links to.
func Decode(data []byte) (any, error) {
	d := &decoder{data: data}
	if len(data) < 2 {
		return nil, d.malformed("the data is shorter than Marshal's 2-byte header")
	}
	if data[0] != 4 || data[1] != 8 {
		return nil, d.malformed("the header is %d.%d, not Marshal 4.8", data[0], data[1])
	}
	d.pos = 2
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.pos != len(data) {
		return nil, d.malformed("%d bytes follow the value", len(data)-d.pos)
	}
	return v, nil
}

type decoder struct {
	data    []byte
	pos     int
	values  int
	symbols []Symbol
	objects []any
	done    []bool // objects[i] is fully read (not a container being read)
}

func (d *decoder) malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s (at byte %d)", ErrMalformed, fmt.Sprintf(format, args...), d.pos)
}

func (d *decoder) byte() (byte, error) {
	if d.pos >= len(d.data) {
		return 0, d.malformed("the data ends early")
	}
	b := d.data[d.pos]
	d.pos++
	return b, nil
}

// long reads Marshal's variable-length integer (w_long / r_long).
func (d *decoder) long() (int64, error) {
	b, err := d.byte()
	if err != nil {
		return 0, err
	}
	c := int64(int8(b))
	switch {
	case c == 0:
		return 0, nil
	case c > 4:
		return c - 5, nil
	case c < -4:
		return c + 5, nil
	case c > 0:
		var x int64
		for i := range c {
			b, err := d.byte()
			if err != nil {
				return 0, err
			}
			x |= int64(b) << (8 * i)
		}
		return x, nil
	default:
		x := int64(-1)
		for i := range -c {
			b, err := d.byte()
			if err != nil {
				return 0, err
			}
			x &^= 0xff << (8 * i)
			x |= int64(b) << (8 * i)
		}
		return x, nil
	}
}

// length reads a count of items of at least min bytes each, which must
// fit in what is left of the data.
func (d *decoder) length(what string, min int) (int, error) {
	n, err := d.long()
	if err != nil {
		return 0, err
	}
	if n < 0 || n > int64(len(d.data)-d.pos)/int64(min) {
		return 0, d.malformed("%s of length %d does not fit in the data", what, n)
	}
	return int(n), nil
}

func (d *decoder) bytes(what string) ([]byte, error) {
	n, err := d.length(what, 1)
	if err != nil {
		return nil, err
	}
	b := d.data[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

func (d *decoder) count() error {
	d.values++
	if d.values > MaxValues {
		return fmt.Errorf("%w: more than %d values", ErrLimit, MaxValues)
	}
	return nil
}

// entry registers an object for links, and returns its index.
func (d *decoder) entry(v any, done bool) int {
	d.objects = append(d.objects, v)
	d.done = append(d.done, done)
	return len(d.objects) - 1
}

func (d *decoder) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: nesting deeper than %d", ErrLimit, MaxDepth)
	}
	if err := d.count(); err != nil {
		return nil, err
	}
	at := d.pos
	t, err := d.byte()
	if err != nil {
		return nil, err
	}
	switch t {
	case '0':
		return nil, nil
	case 'T':
		return true, nil
	case 'F':
		return false, nil
	case 'i':
		return d.long()
	case ':':
		b, err := d.bytes("a symbol")
		if err != nil {
			return nil, err
		}
		s := Symbol(b)
		d.symbols = append(d.symbols, s)
		return s, nil
	case ';':
		n, err := d.long()
		if err != nil {
			return nil, err
		}
		if n < 0 || n >= int64(len(d.symbols)) {
			return nil, d.malformed("a link to symbol %d, of %d", n, len(d.symbols))
		}
		return d.symbols[n], nil
	case '@':
		n, err := d.long()
		if err != nil {
			return nil, err
		}
		if n < 0 || n >= int64(len(d.objects)) {
			return nil, d.malformed("a link to object %d, of %d", n, len(d.objects))
		}
		if !d.done[n] {
			return nil, fmt.Errorf("%w: a link to a container that holds it (a cycle) at byte %d", ErrUnsupported, at)
		}
		return d.objects[n], nil
	case '"':
		b, err := d.bytes("a string")
		if err != nil {
			return nil, err
		}
		s := string(b)
		d.entry(s, true)
		return s, nil
	case 'f':
		b, err := d.bytes("a float")
		if err != nil {
			return nil, err
		}
		f, err := parseFloat(b)
		if err != nil {
			return nil, d.malformed("a float %v", err)
		}
		d.entry(f, true)
		return f, nil
	case 'l':
		sign, err := d.byte()
		if err != nil {
			return nil, err
		}
		if sign != '+' && sign != '-' {
			return nil, d.malformed("a Bignum's sign is not '+' or '-'")
		}
		n, err := d.long()
		if err != nil {
			return nil, err
		}
		if n < 0 || n > MaxBignumBytes/2 {
			return nil, fmt.Errorf("%w: a Bignum of %d 16-bit words at byte %d; at most %d bytes are read", ErrLimit, n, at, MaxBignumBytes)
		}
		if int(2*n) > len(d.data)-d.pos {
			return nil, d.malformed("a Bignum longer than the data")
		}
		le := d.data[d.pos : d.pos+int(2*n)]
		d.pos += int(2 * n)
		be := make([]byte, len(le))
		for i, c := range le {
			be[len(le)-1-i] = c
		}
		x := new(big.Int).SetBytes(be)
		if sign == '-' {
			x.Neg(x)
		}
		var v any = x
		if x.IsInt64() {
			v = x.Int64()
		}
		d.entry(v, true)
		return v, nil
	case '[':
		n, err := d.length("an array", 1)
		if err != nil {
			return nil, err
		}
		arr := make([]any, 0, n)
		idx := d.entry(nil, false)
		for range n {
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		d.objects[idx], d.done[idx] = arr, true
		return arr, nil
	case '{':
		n, err := d.length("a hash", 2)
		if err != nil {
			return nil, err
		}
		h := &Hash{Keys: make([]any, 0, n), Values: make([]any, 0, n)}
		idx := d.entry(h, false)
		for range n {
			k, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			h.Keys, h.Values = append(h.Keys, k), append(h.Values, v)
		}
		d.done[idx] = true
		return h, nil
	case 'I':
		return d.ivars(depth, at)
	}
	if what, ok := unsupported[t]; ok {
		return nil, &UnsupportedError{Type: t, Offset: at, What: what}
	}
	return nil, &UnsupportedError{Type: t, Offset: at, What: "an unknown Marshal type"}
}

// ivars reads a value with instance variables: only a string or a symbol
// with its encoding (E true or false, or encoding "name") is plain data.
func (d *decoder) ivars(depth, at int) (any, error) {
	if d.pos < len(d.data) {
		if t := d.data[d.pos]; t != '"' && t != ':' {
			if what, ok := unsupported[t]; ok {
				return nil, &UnsupportedError{Type: t, Offset: d.pos, What: what}
			}
			return nil, &UnsupportedError{Type: 'I', Offset: at, What: "instance variables on a value other than a string"}
		}
	}
	v, err := d.value(depth + 1)
	if err != nil {
		return nil, err
	}
	n, err := d.length("instance variables", 2)
	if err != nil {
		return nil, err
	}
	for range n {
		k, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		val, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		switch k {
		case Symbol("E"):
			if _, ok := val.(bool); !ok {
				return nil, d.malformed("a string's E (encoding) is not true or false")
			}
		case Symbol("encoding"):
			if _, ok := val.(string); !ok {
				return nil, d.malformed("a string's encoding is not a string")
			}
		default:
			return nil, &UnsupportedError{Type: 'I', Offset: at, What: "a string with instance variables other than its encoding"}
		}
	}
	return v, nil
}

// parseFloat reads Marshal's float text: "nan", "inf", "-inf", or a
// decimal (Ruby 1.8 appended mantissa bytes after a NUL: ignored).
func parseFloat(b []byte) (float64, error) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	switch string(b) {
	case "nan":
		return math.NaN(), nil
	case "inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(string(b), 64)
}

// ErrJSON is wrapped by the errors of JSON for a value that has no JSON
// form here: a hash key that is not a string, a symbol or an integer, or
// two keys that render alike.
var ErrJSON = errors.New("rubymarshal: no JSON form")

// JSON renders a decoded value as compact JSON: nil is null, symbols are
// strings, integers and Bignums are numbers, floats are numbers except
// NaN and the infinities ("NaN", "Infinity", "-Infinity", as strings),
// strings that are not valid UTF-8 (binary strings) have each invalid byte
// replaced by U+FFFD, and hashes are objects, in order. A hash key must be
// a string, a symbol or an integer (written in decimal); two keys that
// render alike (:a and "a") are an error wrapping ErrJSON. At most
// MaxValues nodes are rendered, object links counted each time.
func JSON(v any) ([]byte, error) {
	r := &renderer{}
	if err := r.write(v, 0); err != nil {
		return nil, err
	}
	return r.buf.Bytes(), nil
}

type renderer struct {
	buf   bytes.Buffer
	nodes int
}

func (r *renderer) str(s string) {
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a valid UTF-8 string always encodes
	r.buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func (r *renderer) write(v any, depth int) error {
	r.nodes++
	if r.nodes > MaxValues {
		return fmt.Errorf("%w: more than %d values to render (shared values are counted each time)", ErrLimit, MaxValues)
	}
	if depth > MaxDepth {
		return fmt.Errorf("%w: nesting deeper than %d", ErrLimit, MaxDepth)
	}
	switch v := v.(type) {
	case nil:
		r.buf.WriteString("null")
	case bool:
		r.buf.WriteString(strconv.FormatBool(v))
	case int64:
		r.buf.WriteString(strconv.FormatInt(v, 10))
	case *big.Int:
		r.buf.WriteString(v.String())
	case float64:
		switch {
		case math.IsNaN(v):
			r.buf.WriteString(`"NaN"`)
		case math.IsInf(v, 1):
			r.buf.WriteString(`"Infinity"`)
		case math.IsInf(v, -1):
			r.buf.WriteString(`"-Infinity"`)
		default:
			b, _ := json.Marshal(v)
			r.buf.Write(b)
		}
	case string:
		r.str(v)
	case Symbol:
		r.str(string(v))
	case []any:
		r.buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				r.buf.WriteByte(',')
			}
			if err := r.write(e, depth+1); err != nil {
				return err
			}
		}
		r.buf.WriteByte(']')
	case *Hash:
		r.buf.WriteByte('{')
		seen := make(map[string]bool, len(v.Keys))
		for i, k := range v.Keys {
			var ks string
			switch k := k.(type) {
			case string:
				ks = strings.ToValidUTF8(k, string(utf8.RuneError))
			case Symbol:
				ks = strings.ToValidUTF8(string(k), string(utf8.RuneError))
			case int64:
				ks = strconv.FormatInt(k, 10)
			case *big.Int:
				ks = k.String()
			default:
				return fmt.Errorf("%w: a hash key of type %s; keys must be strings, symbols or integers", ErrJSON, typeName(k))
			}
			if seen[ks] {
				return fmt.Errorf("%w: two hash keys render as %q", ErrJSON, ks)
			}
			seen[ks] = true
			if i > 0 {
				r.buf.WriteByte(',')
			}
			r.str(ks)
			r.buf.WriteByte(':')
			if err := r.write(v.Values[i], depth+1); err != nil {
				return err
			}
		}
		r.buf.WriteByte('}')
	default:
		return fmt.Errorf("%w: a value of Go type %T", ErrJSON, v)
	}
	return nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case bool:
		return "boolean"
	case float64:
		return "float"
	case []any:
		return "array"
	case *Hash:
		return "hash"
	}
	return fmt.Sprintf("%T", v)
}
