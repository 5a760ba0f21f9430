package format

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
)

// This file is a bounded reader of encoding/gob streams of plain data, for
// the payloads of gorilla/securecookie and gorilla/sessions' CookieStore
// (a map[interface{}]interface{}). It renders one gob value as JSON, reading
// only the stream's own type definitions: it never looks a type up in
// encoding/gob's registry and instantiates nothing. It reads booleans,
// signed and unsigned integers, floats, strings, byte slices, and slices,
// arrays, maps, structs and interface values of those. Complex numbers and
// types that encode themselves (GobEncoder, BinaryMarshaler,
// TextMarshaler: time.Time, for one) are refused with the type's name.
//
// Why not encoding/gob: its documentation says it is not hardened against
// adversarial input and its size checks are not configurable, and decoding
// an interface value needs the concrete type registered in the process
// (gob.Register): a session holding a registered struct would not decode,
// and registering types for sesstool's sake would be a global side effect.
// Peek reads payloads that nobody has authenticated, and the fuzz target
// FuzzGob runs this reader on arbitrary bytes.
//
// The wire format, as this reader sees it: the stream is a sequence of
// messages, each an unsigned length then that many bytes. Unsigned
// integers are one byte below 128, else a byte holding the negated byte
// count then the big-endian bytes; a signed integer n is sent as the
// unsigned n<<1, or (^n)<<1|1 when negative; a float is its IEEE 754 bits
// byte-reversed, sent as an unsigned integer. A message starts with a type
// ID: negative, it defines type -ID (a wireType struct); positive, a value
// of that type follows. A value that is not a struct is preceded by a zero
// field delta. Structs are fields, each a delta from the previous field
// number then the value, ended by a zero delta; fields holding zero values
// are omitted. Slices and maps are a count then their elements. An
// interface value is the concrete type's registered name (empty for nil),
// type definitions if any, the type ID, a byte count (which readers skip),
// then the value as a top-level value; its type definitions may end a
// message, the value then continuing in the next, and a definition that
// does not end its message is followed by a byte count, also skipped.

// Limits of the gob reader.
const (
	gobMaxDepth = 32      // nesting of values and of type definitions
	gobMaxTypes = 256     // type definitions in one stream
	gobMaxNodes = 1 << 16 // values rendered (omitted struct fields count)
)

// The type IDs that gob predefines.
const (
	gobBool      = 1
	gobInt       = 2
	gobUint      = 3
	gobFloat     = 4
	gobBytes     = 5
	gobString    = 6
	gobComplex   = 7
	gobInterface = 8
	gobFirstUser = 64 // the first ID a stream may define
)

// errGob is wrapped by every error of the gob reader.
var errGob = errors.New("gob")

type gobKind uint8

const (
	gobKindSlice gobKind = iota + 1
	gobKindArray
	gobKindMap
	gobKindStruct
	gobKindEncoder // GobEncoder, BinaryMarshaler, TextMarshaler
)

type gobField struct {
	name string
	id   int
}

type gobType struct {
	kind      gobKind
	name      string
	elem, key int
	length    int
	fields    []gobField
}

type gobReader struct {
	data  []byte // the messages after the current one
	msg   []byte // the rest of the current message
	types map[int]*gobType
	nodes int
}

// gobJSON renders the single gob value in data as compact JSON. data must
// hold exactly one value (with its type definitions).
func gobJSON(data []byte) ([]byte, error) {
	if len(data) > maxInput {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d that are read", errGob, len(data), maxInput)
	}
	r := &gobReader{data: data, types: map[int]*gobType{}}
	id, err := r.typeSequence(false)
	if err != nil {
		return nil, err
	}
	v, err := r.topValue(id, 0)
	if err != nil {
		return nil, err
	}
	if len(r.msg) != 0 || len(r.data) != 0 {
		return nil, r.errorf("data follows the value")
	}
	return marshalJSON(v), nil
}

func (r *gobReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errGob}, args...)...)
}

var errGobShort = fmt.Errorf("%w: the data ends in the middle of a value", errGob)

func (r *gobReader) uint() (uint64, error) {
	if len(r.msg) == 0 {
		return 0, errGobShort
	}
	b := r.msg[0]
	if b < 0x80 {
		r.msg = r.msg[1:]
		return uint64(b), nil
	}
	n := -int(int8(b))
	if n > 8 || n < 1 {
		return 0, r.errorf("an integer of %d bytes", n)
	}
	if len(r.msg) < 1+n {
		return 0, errGobShort
	}
	var u uint64
	for _, c := range r.msg[1 : 1+n] {
		u = u<<8 | uint64(c)
	}
	r.msg = r.msg[1+n:]
	return u, nil
}

func (r *gobReader) int() (int64, error) {
	u, err := r.uint()
	if err != nil {
		return 0, err
	}
	if u&1 == 1 {
		return ^int64(u >> 1), nil
	}
	return int64(u >> 1), nil
}

// count reads a length or element count: each element takes a byte at
// least, so a count beyond the bytes left is malformed.
func (r *gobReader) count() (int, error) {
	u, err := r.uint()
	if err != nil {
		return 0, err
	}
	if u > uint64(len(r.msg)+len(r.data)) {
		return 0, r.errorf("a count of %d, beyond the data", u)
	}
	return int(u), nil
}

func (r *gobReader) bytes() ([]byte, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	if n > len(r.msg) {
		return nil, errGobShort
	}
	b := r.msg[:n]
	r.msg = r.msg[n:]
	return b, nil
}

// nextMessage makes the next message current.
func (r *gobReader) nextMessage() error {
	if len(r.data) == 0 {
		return r.errorf("the data ends before a value")
	}
	r.msg, r.data = r.data, nil
	n, err := r.count()
	if err != nil {
		return err
	}
	if n == 0 || n > len(r.msg) {
		return r.errorf("a message of %d bytes, with %d left", n, len(r.msg))
	}
	r.msg, r.data = r.msg[:n], r.msg[n:]
	return nil
}

// typeSequence reads type definitions up to a value's type ID, which it
// returns. Inside an interface value, a definition that does not end its
// message is followed by a byte count, which is skipped.
func (r *gobReader) typeSequence(inInterface bool) (int, error) {
	for {
		if len(r.msg) == 0 {
			if err := r.nextMessage(); err != nil {
				return 0, err
			}
		}
		id, err := r.int()
		if err != nil {
			return 0, err
		}
		if id >= 0 {
			if _, err := r.typeOf(id); err != nil {
				return 0, err
			}
			return int(id), nil
		}
		if err := r.defineType(-id); err != nil {
			return 0, err
		}
		if len(r.msg) > 0 {
			if !inInterface {
				return 0, r.errorf("data follows a type definition")
			}
			if _, err := r.uint(); err != nil {
				return 0, err
			}
		}
	}
}

func (r *gobReader) typeOf(id int64) (*gobType, error) {
	if id >= gobBool && id <= gobInterface {
		return nil, nil
	}
	if t, ok := r.types[int(id)]; ok {
		return t, nil
	}
	return nil, r.errorf("type %d is not defined", id)
}

// fields reads a struct's fields: it calls f with each field number, which
// must read the field's value, until the terminating zero delta.
func (r *gobReader) fields(max int, f func(n int) error) error {
	n := -1
	for {
		d, err := r.uint()
		if err != nil {
			return err
		}
		if d == 0 {
			return nil
		}
		if d > uint64(max) || n+int(d) >= max {
			return r.errorf("field %d of a struct of %d fields", n+int(d), max)
		}
		n += int(d)
		if err := f(n); err != nil {
			return err
		}
	}
}

// commonType reads gob's CommonType{Name string; Id typeId}.
func (r *gobReader) commonType(name *string, id *int64) error {
	return r.fields(2, func(n int) error {
		var err error
		if n == 0 {
			var b []byte
			b, err = r.bytes()
			*name = string(b)
		} else {
			*id, err = r.int()
		}
		return err
	})
}

// defineType reads a wireType defining type id.
func (r *gobReader) defineType(id int64) error {
	if id < gobFirstUser || id > math.MaxInt32 {
		return r.errorf("a definition of type %d, which is reserved", id)
	}
	if _, dup := r.types[int(id)]; dup {
		return r.errorf("type %d is defined twice", id)
	}
	if len(r.types) >= gobMaxTypes {
		return r.errorf("more than %d type definitions", gobMaxTypes)
	}
	var t *gobType
	err := r.fields(7, func(n int) error {
		if t != nil {
			return r.errorf("a type definition of two kinds")
		}
		t = &gobType{}
		var own int64
		var elem, key, length int64
		switch n {
		case 0: // ArrayT: CommonType, Elem, Len
			t.kind = gobKindArray
			err := r.fields(3, func(n int) error {
				var err error
				switch n {
				case 0:
					err = r.commonType(&t.name, &own)
				case 1:
					elem, err = r.int()
				case 2:
					length, err = r.int()
				}
				return err
			})
			if err != nil {
				return err
			}
			if length < 0 || length > maxInput {
				return r.errorf("an array of %d elements", length)
			}
			t.length = int(length)
		case 1, 3: // SliceT: CommonType, Elem; MapT: CommonType, Key, Elem
			t.kind = gobKindSlice
			if n == 3 {
				t.kind = gobKindMap
			}
			err := r.fields(n/3+2, func(f int) error { // 2 fields, or 3 for a map
				var err error
				switch {
				case f == 0:
					err = r.commonType(&t.name, &own)
				case f == 1 && t.kind == gobKindMap:
					key, err = r.int()
				default:
					elem, err = r.int()
				}
				return err
			})
			if err != nil {
				return err
			}
		case 2: // StructT: CommonType, Field []fieldType{Name, Id}
			t.kind = gobKindStruct
			err := r.fields(2, func(f int) error {
				if f == 0 {
					return r.commonType(&t.name, &own)
				}
				cnt, err := r.count()
				if err != nil {
					return err
				}
				for range cnt {
					var fd gobField
					var fid int64
					err := r.fields(2, func(n int) error {
						if n == 0 {
							b, err := r.bytes()
							fd.name = string(b)
							return err
						}
						var err error
						fid, err = r.int()
						return err
					})
					if err != nil {
						return err
					}
					fd.id = int(fid)
					if fid <= 0 || fid > math.MaxInt32 {
						return r.errorf("a struct field of type %d", fid)
					}
					t.fields = append(t.fields, fd)
				}
				return nil
			})
			if err != nil {
				return err
			}
		default: // GobEncoderT, BinaryMarshalerT, TextMarshalerT
			t.kind = gobKindEncoder
			err := r.fields(1, func(int) error { return r.commonType(&t.name, &own) })
			if err != nil {
				return err
			}
		}
		if own != id {
			return r.errorf("the definition of type %d names itself %d", id, own)
		}
		t.elem, t.key = int(elem), int(key)
		if elem < 0 || elem > math.MaxInt32 || key < 0 || key > math.MaxInt32 {
			return r.errorf("a type definition refers to type %d", max(elem, key))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if t == nil {
		return r.errorf("an empty type definition")
	}
	if (t.kind == gobKindSlice || t.kind == gobKindArray || t.kind == gobKindMap) && t.elem == 0 ||
		t.kind == gobKindMap && t.key == 0 {
		return r.errorf("type %d has no element type", id)
	}
	r.types[int(id)] = t
	return nil
}

// topValue reads a value of type id as gob sends one at top level (or in
// an interface): a struct's fields, or a zero delta then the value.
func (r *gobReader) topValue(id int, depth int) (any, error) {
	t, err := r.typeOf(int64(id))
	if err != nil {
		return nil, err
	}
	if t == nil || t.kind != gobKindStruct {
		d, err := r.uint()
		if err != nil {
			return nil, err
		}
		if d != 0 {
			return nil, r.errorf("a value starts with field delta %d", d)
		}
	}
	return r.value(id, depth)
}

func (r *gobReader) typeName(id int) string {
	switch id {
	case gobBool:
		return "bool"
	case gobInt:
		return "int"
	case gobUint:
		return "uint"
	case gobFloat:
		return "float"
	case gobBytes:
		return "[]byte"
	case gobString:
		return "string"
	case gobComplex:
		return "complex"
	case gobInterface:
		return "interface"
	}
	if t := r.types[id]; t != nil && t.name != "" {
		return strconv.Quote(t.name)
	}
	return fmt.Sprintf("type %d", id)
}

// value reads a value of type id.
func (r *gobReader) value(id int, depth int) (any, error) {
	if depth > gobMaxDepth {
		return nil, r.errorf("values nested more than %d deep", gobMaxDepth)
	}
	if r.nodes++; r.nodes > gobMaxNodes {
		return nil, r.errorf("more than %d values", gobMaxNodes)
	}
	switch id {
	case gobBool:
		u, err := r.uint()
		if err != nil || u > 1 {
			return nil, cmpErr(err, r.errorf("a boolean of %d", u))
		}
		return u == 1, nil
	case gobInt:
		n, err := r.int()
		return json.Number(strconv.FormatInt(n, 10)), err
	case gobUint:
		u, err := r.uint()
		return json.Number(strconv.FormatUint(u, 10)), err
	case gobFloat:
		u, err := r.uint()
		if err != nil {
			return nil, err
		}
		f := math.Float64frombits(bits.ReverseBytes64(u))
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, r.errorf("a float that JSON cannot hold (%v)", f)
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	case gobBytes:
		b, err := r.bytes()
		return slices.Clone(b), err // rendered as base64, as encoding/json does
	case gobString:
		b, err := r.bytes()
		if err != nil {
			return nil, err
		}
		return string(b), nil // invalid UTF-8 becomes U+FFFD in JSON
	case gobComplex:
		return nil, r.errorf("a complex number, which JSON cannot hold")
	case gobInterface:
		return r.iface(depth)
	}
	t, err := r.typeOf(int64(id))
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case gobKindSlice, gobKindArray:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		if t.kind == gobKindArray && n != t.length {
			return nil, r.errorf("an array of %d elements holds %d", t.length, n)
		}
		if t.elem == gobBytes && t.kind == gobKindSlice {
			return nil, r.errorf("a slice of type %s", r.typeName(id)) // not sent by gob
		}
		out := make([]any, 0, min(n, len(r.msg)))
		for range n {
			v, err := r.value(t.elem, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case gobKindMap:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, min(n, len(r.msg)))
		for range n {
			k, err := r.value(t.key, depth+1)
			if err != nil {
				return nil, err
			}
			ks, err := r.mapKey(k)
			if err != nil {
				return nil, err
			}
			v, err := r.value(t.elem, depth+1)
			if err != nil {
				return nil, err
			}
			if _, dup := out[ks]; dup {
				return nil, r.errorf("the map key %q comes twice", ks)
			}
			out[ks] = v
		}
		return out, nil
	case gobKindStruct:
		out := make(map[string]any, len(t.fields))
		err := r.fields(len(t.fields), func(n int) error {
			v, err := r.value(t.fields[n].id, depth+1)
			out[t.fields[n].name] = v
			return err
		})
		if err != nil {
			return nil, err
		}
		// gob omits fields holding zero values: show them.
		for _, f := range t.fields {
			if _, ok := out[f.name]; !ok {
				if r.nodes++; r.nodes > gobMaxNodes {
					return nil, r.errorf("more than %d values", gobMaxNodes)
				}
				out[f.name] = gobZero(f.id)
			}
		}
		return out, nil
	default:
		return nil, r.errorf("a value of type %s, which encodes itself (GobEncoder, BinaryMarshaler or TextMarshaler); only plain data is read", r.typeName(id))
	}
}

func cmpErr(err, other error) error {
	if err != nil {
		return err
	}
	return other
}

// gobZero is the JSON of the zero value of a field of type id that gob
// omitted: false, 0 and "" for the basic types, null for the others.
func gobZero(id int) any {
	switch id {
	case gobBool:
		return false
	case gobInt, gobUint, gobFloat:
		return json.Number("0")
	case gobString:
		return ""
	}
	return nil
}

// iface reads an interface value: the concrete type's name, its type
// definitions, its ID, a byte count, and the value. The count is skipped,
// as encoding/gob does: when the value holds interface values whose types
// are defined on the way, their definitions come between the count and
// the value's end, and the count does not cover them all.
func (r *gobReader) iface(depth int) (any, error) {
	name, err := r.bytes()
	if err != nil {
		return nil, err
	}
	if len(name) == 0 {
		return nil, nil // a nil interface
	}
	id, err := r.typeSequence(true)
	if err != nil {
		return nil, err
	}
	if _, err := r.uint(); err != nil {
		return nil, err
	}
	return r.topValue(id, depth+1)
}

// mapKey returns the JSON object key of a map key: a string as it is, a
// number or boolean as its text.
func (r *gobReader) mapKey(k any) (string, error) {
	switch k := k.(type) {
	case string:
		return k, nil
	case json.Number:
		return string(k), nil
	case bool:
		return strconv.FormatBool(k), nil
	}
	return "", r.errorf("a map key that is not a string, a number or a boolean")
}
