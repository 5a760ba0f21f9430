package codec

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// This file holds JSON's planned path: for a destination type whose every
// part encoding/json handles by its kind alone (a "planned" type: structs
// of strings, numbers, booleans, slices, string-keyed maps and pointers,
// with no encoding methods, interfaces, arrays, byte slices, embedded
// fields, tag options but omitempty, or recursion), Unmarshal runs the
// validator as before and then decodes the validated input itself, and
// Marshal writes the encoding itself, instead of calling encoding/json.
//
// Both follow encoding/json's rules for such types exactly: which values
// fit which kinds, null leaving a value alone except where it sets a
// pointer, slice or map to nil, slices reusing their backing array,
// map values decoded afresh, case-insensitive field matching after an
// exact one, number parsing and overflow; and on the encoding side its
// string escaping (without the HTML escapes, as JSON().Marshal), float
// format, map key order and omitempty. The validator still decides
// everything about the bytes (syntax, duplicate keys, unknown fields,
// limits, UTF-8), so the decoder only ever reads valid JSON.
//
// The encoding/json path stays beside it for every other type, and as
// the reference that FuzzJSONPlanAgrees holds the planned path to:
// unmarshalJSONStd and marshalJSONStd.

// jpKind says what a jplan decodes into and encodes from.
type jpKind uint8

const (
	jpBool jpKind = iota + 1
	jpInt
	jpUint
	jpFloat
	jpString
	jpPtr
	jpSlice
	jpMap // a map with string keys
	jpStruct
)

// jplan is the planned path's description of one type.
type jplan struct {
	kind   jpKind
	bits   int          // jpInt, jpUint, jpFloat: the size in bits
	typ    reflect.Type // the type itself
	elem   *jplan       // jpPtr, jpSlice, jpMap: the pointee, members or values
	fields []jpField    // jpStruct: the encoded fields, in order
	size   atomic.Int32 // the capacity for the next encoding: see encodeJSONPlanned
}

// jpField is one encoded field of a struct.
type jpField struct {
	index     int    // the field's index in the struct
	name      []byte // the JSON name
	prefix    string // `,"name":`, as the encoder writes it after another field
	omitEmpty bool
	plan      *jplan
}

var jsonNumberType = reflect.TypeFor[json.Number]()

// jsonPlanner plans types for the planned path.
type jsonPlanner struct {
	visiting map[reflect.Type]bool
}

// plan returns the plan for t, or false when encoding/json treats some part
// of t by a rule other than its kind, or t is recursive.
func (p *jsonPlanner) plan(t reflect.Type) (*jplan, bool) {
	pt := reflect.PointerTo(t)
	if pt.Implements(jsonMarshalerType) || pt.Implements(textMarshalerType) ||
		pt.Implements(jsonUnmarshalerType) || pt.Implements(textUnmarshalerType) || t == jsonNumberType {
		return nil, false
	}
	if p.visiting[t] {
		return nil, false
	}
	if p.visiting == nil {
		p.visiting = make(map[reflect.Type]bool)
	}
	p.visiting[t] = true
	defer delete(p.visiting, t)

	n := &jplan{typ: t}
	switch t.Kind() {
	case reflect.Bool:
		n.kind = jpBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n.kind, n.bits = jpInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n.kind, n.bits = jpUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		n.kind, n.bits = jpFloat, t.Bits()
	case reflect.String:
		n.kind = jpString
	case reflect.Pointer, reflect.Slice, reflect.Map:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return nil, false // base64
		}
		if t.Kind() == reflect.Map {
			kt := t.Key()
			pk := reflect.PointerTo(kt)
			if kt.Kind() != reflect.String || pk.Implements(textMarshalerType) || pk.Implements(textUnmarshalerType) {
				return nil, false
			}
		}
		e, ok := p.plan(t.Elem())
		if !ok {
			return nil, false
		}
		n.elem = e
		n.kind = map[reflect.Kind]jpKind{reflect.Pointer: jpPtr, reflect.Slice: jpSlice, reflect.Map: jpMap}[t.Kind()]
	case reflect.Struct:
		n.kind = jpStruct
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous {
				return nil, false
			}
			if !f.IsExported() {
				continue
			}
			name, skip, ok := fieldName(f, false)
			if !ok {
				return nil, false
			}
			if skip {
				continue
			}
			_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if opts != "" && opts != "omitempty" {
				return nil, false
			}
			for _, o := range n.fields {
				if bytes.EqualFold(o.name, []byte(name)) {
					return nil, false
				}
			}
			fp, ok := p.plan(f.Type)
			if !ok {
				return nil, false
			}
			n.fields = append(n.fields, jpField{
				index: i, name: []byte(name), prefix: `,"` + name + `":`,
				omitEmpty: opts == "omitempty", plan: fp,
			})
		}
	default:
		return nil, false
	}
	return n, true
}

// field returns the index in n.fields of the field that key fills, as
// encoding/json matches them (see keyNode.field), trying hint first.
func (n *jplan) field(key []byte, hint int) (int, bool) {
	if hint < len(n.fields) && string(n.fields[hint].name) == string(key) {
		return hint, true
	}
	for i := range n.fields {
		if string(n.fields[i].name) == string(key) {
			return i, true
		}
	}
	for i := range n.fields {
		if bytes.EqualFold(n.fields[i].name, key) {
			return i, true
		}
	}
	return 0, false
}

// --- Unmarshal --------------------------------------------------------------

// jpTypeError is the planned decoder's error for a JSON value that does not
// fit the destination, where encoding/json returns an UnmarshalTypeError.
type jpTypeError struct {
	value  string // "string", "number 1e999", "array", ...
	typ    reflect.Type
	offset int
}

func (e *jpTypeError) Error() string {
	return ErrInvalid.Error() + ": json: cannot unmarshal " + e.value + " into Go value of type " + e.typ.String() +
		" at offset " + strconv.Itoa(e.offset)
}

func (e *jpTypeError) Unwrap() error { return ErrInvalid }

// jdec decodes one validated input.
type jdec struct {
	data  []byte
	i     int
	unesc []byte // scratch space for unescaping
	copy  string // a copy of data, made at the first string without escapes, if data is short: see stringValue
}

// maxSharedCopy is the longest input whose strings share one copy of it:
// see stringValue.
const maxSharedCopy = 4 << 10

// decodeJSONPlanned decodes data, which validateJSON or validateJSONKeys
// accepted, into v, a non-nil pointer whose pointee p plans.
func decodeJSONPlanned(data []byte, p *jplan, v any) error {
	d := jdec{data: data}
	return d.value(p, reflect.ValueOf(v).Elem())
}

func (d *jdec) skipSpace() {
	for d.i < len(d.data) && isSpace(d.data[d.i]) {
		d.i++
	}
}

func (d *jdec) typeError(what string, p *jplan, at int) error {
	return &jpTypeError{value: what, typ: p.typ, offset: at}
}

// value decodes the value at d.i into v, of the type p plans.
func (d *jdec) value(p *jplan, v reflect.Value) error {
	d.skipSpace()
	at := d.i
	c := d.data[at]
	if c == 'n' {
		d.i += 4
		switch p.kind {
		case jpPtr, jpSlice, jpMap:
			v.SetZero()
		}
		return nil
	}
	if p.kind == jpPtr {
		if v.IsNil() {
			v.Set(reflect.New(p.typ.Elem()))
		}
		return d.value(p.elem, v.Elem())
	}
	switch {
	case c == '"':
		if p.kind != jpString {
			return d.typeError("string", p, at)
		}
		v.SetString(d.stringValue())
		return nil
	case c == 't' || c == 'f':
		d.i += 4
		if c == 'f' {
			d.i++
		}
		if p.kind != jpBool {
			return d.typeError("bool", p, at)
		}
		v.SetBool(c == 't')
		return nil
	case c == '{':
		switch p.kind {
		case jpStruct:
			return d.object(p, v, false)
		case jpMap:
			if v.IsNil() {
				v.Set(reflect.MakeMap(p.typ))
			}
			return d.object(p, v, true)
		}
		return d.typeError("object", p, at)
	case c == '[':
		if p.kind != jpSlice {
			return d.typeError("array", p, at)
		}
		return d.array(p, v)
	}
	return d.number(p, v)
}

// number decodes the number at d.i, as encoding/json's literalStore does.
func (d *jdec) number(p *jplan, v reflect.Value) error {
	at := d.i
	for d.i < len(d.data) {
		c := d.data[d.i]
		if !(isDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			break
		}
		d.i++
	}
	s := d.data[at:d.i]
	switch p.kind {
	case jpInt:
		if n, ok := smallInt(s); ok {
			if v.OverflowInt(n) {
				return d.typeError("number "+string(s), p, at)
			}
			v.SetInt(n)
			return nil
		}
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil || v.OverflowInt(n) {
			return d.typeError("number "+string(s), p, at)
		}
		v.SetInt(n)
		return nil
	case jpUint:
		n, err := strconv.ParseUint(string(s), 10, 64)
		if err != nil || v.OverflowUint(n) {
			return d.typeError("number "+string(s), p, at)
		}
		v.SetUint(n)
		return nil
	case jpFloat:
		n, err := strconv.ParseFloat(string(s), p.bits)
		if err != nil || v.OverflowFloat(n) {
			return d.typeError("number "+string(s), p, at)
		}
		v.SetFloat(n)
		return nil
	}
	return d.typeError("number", p, at)
}

// smallInt parses s, a valid JSON number, when it is an integer of at
// most 18 digits, which cannot overflow an int64; ok is false otherwise,
// and strconv.ParseInt decides.
func smallInt(s []byte) (n int64, ok bool) {
	neg := len(s) > 0 && s[0] == '-'
	digits := s
	if neg {
		digits = s[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false
	}
	for _, c := range digits {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// stringValue consumes the string at d.i and returns it, unescaped.
//
// In input of at most maxSharedCopy bytes, strings without escapes are cut
// from one copy of the whole input, made once: one allocation for all of
// them instead of one each. The decoded strings are the same; what changes
// is only that any one of them keeps the whole copy (a few hundred bytes
// for a session, 4 KiB at most) alive. Nothing aliases the caller's data.
func (d *jdec) stringValue() string {
	body, esc := d.str()
	if esc {
		d.unesc = appendUnescaped(d.unesc[:0], body)
		return string(d.unesc)
	}
	if len(body) == 0 || len(d.data) > maxSharedCopy {
		return string(body)
	}
	if d.copy == "" {
		d.copy = string(d.data)
	}
	end := d.i - 1 // the closing quote
	return d.copy[end-len(body) : end]
}

// str consumes the string at d.i and returns its body between the quotes,
// and whether it holds an escape.
func (d *jdec) str() (body []byte, esc bool) {
	data := d.data
	start := d.i + 1
	i := start
	for {
		// The input is valid: a quote that no backslash escapes ends
		// the string.
		for data[i] != '"' && data[i] != '\\' {
			i++
		}
		if data[i] == '"' {
			break
		}
		esc = true
		i += 2
	}
	d.i = i + 1
	return data[start:i], esc
}

// array decodes an array into the slice v, as encoding/json does: members
// go into the slice's existing elements where its length or capacity
// reaches, and an empty array leaves an empty, non-nil slice.
func (d *jdec) array(p *jplan, v reflect.Value) error {
	d.i++ // '['
	i := 0
	for {
		d.skipSpace()
		if d.data[d.i] == ']' {
			d.i++
			break
		}
		if i >= v.Cap() {
			v.Grow(1)
		}
		if i >= v.Len() {
			v.SetLen(i + 1)
		}
		if err := d.value(p.elem, v.Index(i)); err != nil {
			return err
		}
		i++
		d.skipSpace()
		if d.data[d.i] == ',' {
			d.i++
		}
	}
	if i < v.Len() {
		v.SetLen(i)
	}
	if i == 0 {
		v.Set(reflect.MakeSlice(p.typ, 0, 0))
	}
	return nil
}

// object decodes an object into the struct or map v. A map's values are
// decoded into a zero value each, then stored; a struct's fields are
// decoded in place. Keys that name no field are skipped: the validator has
// rejected them already unless they are to be ignored.
func (d *jdec) object(p *jplan, v reflect.Value, isMap bool) error {
	d.i++ // '{'
	var elem reflect.Value
	hint := 0
	for {
		d.skipSpace()
		if d.data[d.i] == '}' {
			d.i++
			return nil
		}
		key, esc := d.str()
		if esc {
			d.unesc = appendUnescaped(d.unesc[:0], key)
			key = d.unesc
		}
		d.skipSpace()
		d.i++ // ':'
		if isMap {
			if !elem.IsValid() {
				elem = reflect.New(p.typ.Elem()).Elem()
			} else {
				elem.SetZero()
			}
			k := reflect.New(p.typ.Key()).Elem()
			k.SetString(string(key))
			if err := d.value(p.elem, elem); err != nil {
				return err
			}
			v.SetMapIndex(k, elem)
		} else if f, ok := p.field(key, hint); ok {
			hint = f + 1
			fp := &p.fields[f]
			if err := d.value(fp.plan, v.Field(fp.index)); err != nil {
				return err
			}
		} else {
			d.skipValue()
		}
		d.skipSpace()
		if d.data[d.i] == ',' {
			d.i++
		}
	}
}

// skipValue consumes the value at d.i.
func (d *jdec) skipValue() {
	d.skipSpace()
	depth := 0
	for {
		switch c := d.data[d.i]; c {
		case '"':
			d.str()
		case '{', '[':
			depth++
			d.i++
		case '}', ']':
			depth--
			d.i++
		default:
			d.i++
		}
		if depth == 0 {
			// A scalar other than a string ends at a delimiter.
			for d.i < len(d.data) {
				c := d.data[d.i]
				if c == ',' || c == '}' || c == ']' || isSpace(c) {
					break
				}
				d.i++
			}
			return
		}
	}
}

// --- Marshal ----------------------------------------------------------------

// encodeJSONPlanned encodes v, whose type p plans, as JSON().Marshal does.
// It writes into one allocation sized by the last encoding of the type
// (p.size), which is usually enough: a session type's encoding varies
// little in length.
func encodeJSONPlanned(p *jplan, v any) ([]byte, error) {
	size := int(p.size.Load())
	b, err := appendPlanned(make([]byte, 0, size), p, reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	if n := len(b) + len(b)/8; n != size && n <= 64<<10 {
		p.size.Store(int32(n))
	}
	return b, nil
}

// appendPlanned appends the encoding of v, of the type p plans.
func appendPlanned(b []byte, p *jplan, v reflect.Value) ([]byte, error) {
	switch p.kind {
	case jpBool:
		return strconv.AppendBool(b, v.Bool()), nil
	case jpInt:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case jpUint:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case jpFloat:
		return appendFloat(b, v, p.bits)
	case jpString:
		return appendJSONString(b, v.String()), nil
	case jpPtr:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return appendPlanned(b, p.elem, v.Elem())
	case jpSlice:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		var err error
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			if p.elem.kind == jpString {
				b = appendJSONString(b, v.Index(i).String())
			} else if b, err = appendPlanned(b, p.elem, v.Index(i)); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case jpMap:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return appendMap(b, p, v)
	}
	// jpStruct: each field's prefix is `,"name":`; the first written
	// field's leaves out the comma, after the '{'.
	b = append(b, '{')
	first := len(b)
	var err error
	for i := range p.fields {
		f := &p.fields[i]
		fv := v.Field(f.index)
		if f.omitEmpty && isEmptyJSON(fv) {
			continue
		}
		if len(b) == first {
			b = append(b, f.prefix[1:]...)
		} else {
			b = append(b, f.prefix...)
		}
		switch f.plan.kind {
		case jpString:
			b = appendJSONString(b, fv.String())
		case jpInt:
			b = strconv.AppendInt(b, fv.Int(), 10)
		default:
			if b, err = appendPlanned(b, f.plan, fv); err != nil {
				return b, err
			}
		}
	}
	return append(b, '}'), nil
}

// isEmptyJSON is encoding/json's test for omitempty, on the kinds that a
// plan has.
func isEmptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Struct:
		return false
	}
	return v.IsZero()
}

// appendMap appends a map with string keys, its keys sorted as encoding/json
// sorts them.
func appendMap(b []byte, p *jplan, v reflect.Value) ([]byte, error) {
	type kv struct {
		k string
		v reflect.Value
	}
	kvs := make([]kv, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		kvs = append(kvs, kv{it.Key().String(), it.Value()})
	}
	slices.SortFunc(kvs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	b = append(b, '{')
	var err error
	for i, e := range kvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, e.k)
		b = append(b, ':')
		if b, err = appendPlanned(b, p.elem, e.v); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendFloat appends a float as encoding/json does: like ES6's number to
// string conversion, and an error for NaN and infinities.
func appendFloat(b []byte, v reflect.Value, bits int) ([]byte, error) {
	f := v.Float()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, &json.UnsupportedValueError{Value: v, Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// e-09 becomes e-9.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json quotes it without
// HTML escaping: '"', '\\' and control characters escaped (\b, \f, \n,
// \r, \t by name), each invalid UTF-8 byte replaced by \ufffd, and U+2028
// and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	plain := &plainASCII // in a register: a global's address is reloaded on every byte
	i := 0
	for i < len(s) && plain[s[i]] {
		i++
	}
	if i == len(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return appendJSONStringSlow(b, s)
}

// appendJSONStringSlow is appendJSONString for a string with a byte that is
// not plainASCII.
func appendJSONStringSlow(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if plainASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
