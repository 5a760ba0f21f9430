package ktor

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sesstool/sesstool/codec"
)

// KotlinxJSON returns the codec of the JSON that Ktor ≥ 3.0.0 writes for a
// session with its default serializer (the default instance of
// kotlinx.serialization's Json), named "kotlinx-json".
//
// Marshal writes compact JSON, byte for byte as kotlinx does for the
// corresponding Kotlin class:
//
//   - struct fields in declaration order, named as encoding/json names
//     them (the `json:"name"` tag, else the Go field name); `json:"-"`
//     skips a field; omitempty and omitzero leave a field out, which is
//     how to mirror a Kotlin property whose default value kotlinx omits
//     (encodeDefaults = false); embedded structs and the ",string" option
//     are errors;
//   - strings escaped as kotlinx escapes them: '"', '\\' and control
//     characters only (\b \t \n \f \r short, others \u00xx); no HTML
//     escaping, and U+2028, U+2029 and all other non-ASCII characters
//     written as they are; invalid UTF-8 becomes U+FFFD;
//   - float64 as Java's Double.toString and float32 as Float.toString
//     (3.0, 1.0E10, not 3 and 1e+10); NaN and infinities are an error, as
//     they are for kotlinx by default;
//   - nil pointers and interfaces as null, but nil slices and maps as []
//     and {}, since a non-null Kotlin collection is never null (use a
//     pointer for a nullable one);
//   - maps as objects, keys sorted as encoding/json sorts them (Kotlin
//     writes insertion order, which Go maps do not have);
//   - values that implement json.Marshaler or encoding.TextMarshaler
//     through those methods.
//
// Unmarshal is the Unmarshal of [codec.JSON](): exactly one value, no trailing
// data, no unknown fields (kotlinx's ignoreUnknownKeys = false), no
// duplicate keys, within codec's limits. It inherits one leniency of
// encoding/json that kotlinx does not have: a key that matches no field
// exactly matches one case-insensitively. Marshal fails rather than write
// output beyond those limits. Every error wraps [codec.ErrInvalid].
//
// Every call returns the same value, which compares equal with ==.
func KotlinxJSON() codec.Codec { return kotlinxJSON{} }

type kotlinxJSON struct{}

func (kotlinxJSON) Name() string { return "kotlinx-json" }

func (kotlinxJSON) Unmarshal(data []byte, v any) error {
	if err := codec.JSON().Unmarshal(data, v); err != nil {
		return fmt.Errorf("ktor: kotlinx-json: %w", err)
	}
	return nil
}

func (kotlinxJSON) Marshal(v any) ([]byte, error) {
	var e jsonEncoder
	if err := e.value(reflect.ValueOf(v), 0); err != nil {
		return nil, fmt.Errorf("ktor: kotlinx-json: %v: %w", err, codec.ErrInvalid)
	}
	if len(e.buf) > codec.MaxInputSize {
		return nil, fmt.Errorf("ktor: kotlinx-json: encoding is %d bytes, more than the %d that decode: %w", len(e.buf), codec.MaxInputSize, codec.ErrInvalid)
	}
	return e.buf, nil
}

type jsonEncoder struct {
	buf []byte
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	jsonNumberType    = reflect.TypeFor[json.Number]()
)

// value appends rv; depth counts the arrays and objects that enclose it.
func (e *jsonEncoder) value(rv reflect.Value, depth int) error {
	if !rv.IsValid() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	t := rv.Type()
	if t == jsonNumberType {
		s := rv.String()
		if !isJSONNumber(s) {
			return fmt.Errorf("invalid json.Number %q", s)
		}
		e.buf = append(e.buf, s...)
		return nil
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		if ok, err := e.marshaler(rv); ok {
			return err
		}
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType) {
			if ok, err := e.marshaler(rv); ok {
				return err
			}
		}
		// Follow pointers in a loop: "type P *P" can point to itself.
		for n := 0; rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface; n++ {
			if n == codec.MaxDepth {
				return fmt.Errorf("more than %d indirections", codec.MaxDepth)
			}
			if rv = rv.Elem(); (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) && rv.IsNil() {
				e.buf = append(e.buf, "null"...)
				return nil
			}
		}
		return e.value(rv, depth)
	case reflect.Bool:
		e.buf = strconv.AppendBool(e.buf, rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = strconv.AppendInt(e.buf, rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.buf = strconv.AppendUint(e.buf, rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%v is not a JSON number", f)
		}
		bits := 64
		if t.Kind() == reflect.Float32 {
			bits = 32
		}
		e.buf = appendJavaFloat(e.buf, f, bits)
	case reflect.String:
		e.string(rv.String())
	case reflect.Slice, reflect.Array:
		return e.array(rv, depth)
	case reflect.Map:
		return e.object(rv, depth)
	case reflect.Struct:
		return e.structValue(rv, depth)
	default:
		return fmt.Errorf("unsupported type %v", t)
	}
	return nil
}

// marshaler appends rv through its MarshalJSON or MarshalText method, if
// it has one; ok reports whether it did.
func (e *jsonEncoder) marshaler(rv reflect.Value) (ok bool, err error) {
	if !rv.CanInterface() {
		return false, nil
	}
	switch m := rv.Interface().(type) {
	case json.Marshaler:
		b, err := m.MarshalJSON()
		if err != nil {
			return true, fmt.Errorf("%v.MarshalJSON: %v", rv.Type(), err)
		}
		var out bytes.Buffer
		if err := json.Compact(&out, b); err != nil {
			return true, fmt.Errorf("%v.MarshalJSON returned invalid JSON: %v", rv.Type(), err)
		}
		e.buf = append(e.buf, out.Bytes()...)
		return true, nil
	case encoding.TextMarshaler:
		b, err := m.MarshalText()
		if err != nil {
			return true, fmt.Errorf("%v.MarshalText: %v", rv.Type(), err)
		}
		e.string(string(b))
		return true, nil
	}
	return false, nil
}

// string appends s quoted as kotlinx's printQuoted does.
func (e *jsonEncoder) string(s string) {
	e.buf = append(e.buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				e.buf = append(e.buf, '\\', c)
			case c >= 0x20:
				e.buf = append(e.buf, c)
			case c == '\b':
				e.buf = append(e.buf, `\b`...)
			case c == '\t':
				e.buf = append(e.buf, `\t`...)
			case c == '\n':
				e.buf = append(e.buf, `\n`...)
			case c == '\f':
				e.buf = append(e.buf, `\f`...)
			case c == '\r':
				e.buf = append(e.buf, `\r`...)
			default:
				e.buf = append(e.buf, '\\', 'u', '0', '0', hexLower[c>>4], hexLower[c&0xf])
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			e.buf = append(e.buf, "\uFFFD"...)
		} else {
			e.buf = append(e.buf, s[i:i+n]...)
		}
		i += n
	}
	e.buf = append(e.buf, '"')
}

const hexLower = "0123456789abcdef"

func (e *jsonEncoder) array(rv reflect.Value, depth int) error {
	if depth+1 > codec.MaxDepth {
		return fmt.Errorf("nested deeper than %d", codec.MaxDepth)
	}
	if rv.Len() > codec.MaxElements {
		return fmt.Errorf("%d elements, more than %d", rv.Len(), codec.MaxElements)
	}
	e.buf = append(e.buf, '[')
	for i := range rv.Len() {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.value(rv.Index(i), depth+1); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

func (e *jsonEncoder) object(rv reflect.Value, depth int) error {
	if depth+1 > codec.MaxDepth {
		return fmt.Errorf("nested deeper than %d", codec.MaxDepth)
	}
	if rv.Len() > codec.MaxElements {
		return fmt.Errorf("%d entries, more than %d", rv.Len(), codec.MaxElements)
	}
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		k, err := jsonKey(it.Key())
		if err != nil {
			return err
		}
		entries = append(entries, entry{k, it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	e.buf = append(e.buf, '{')
	for i, en := range entries {
		if i > 0 {
			if en.key == entries[i-1].key {
				return fmt.Errorf("two map keys are written %q", en.key)
			}
			e.buf = append(e.buf, ',')
		}
		e.string(en.key)
		e.buf = append(e.buf, ':')
		if err := e.value(en.val, depth+1); err != nil {
			return fmt.Errorf("map value of key %q: %w", en.key, err)
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// jsonKey renders a map key as encoding/json does: strings as they are,
// encoding.TextMarshalers through MarshalText, integers in decimal.
func jsonKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("unsupported map key type %v", k.Type())
}

// jsonField is one encoded struct field.
type jsonField struct {
	name      string
	index     int
	omitEmpty bool
	omitZero  bool
}

type jsonStruct struct {
	fields []jsonField
	err    error
}

var jsonStructs sync.Map // reflect.Type → *jsonStruct

func jsonStructOf(t reflect.Type) *jsonStruct {
	if js, ok := jsonStructs.Load(t); ok {
		return js.(*jsonStruct)
	}
	js := new(jsonStruct)
	seen := make(map[string]bool)
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous {
			js.err = fmt.Errorf("%v: embedded field %s is not supported", t, f.Name)
			break
		}
		if name == "" {
			name = f.Name
		}
		jf := jsonField{name: name, index: i}
		for opt := range strings.SplitSeq(opts, ",") {
			switch opt {
			case "omitempty":
				jf.omitEmpty = true
			case "omitzero":
				jf.omitZero = true
			case "string":
				js.err = fmt.Errorf("%v: field %s: the ,string option is not supported", t, f.Name)
			}
		}
		if seen[name] {
			js.err = fmt.Errorf("%v: two fields are named %q", t, name)
		}
		seen[name] = true
		js.fields = append(js.fields, jf)
	}
	actual, _ := jsonStructs.LoadOrStore(t, js)
	return actual.(*jsonStruct)
}

func (e *jsonEncoder) structValue(rv reflect.Value, depth int) error {
	js := jsonStructOf(rv.Type())
	if js.err != nil {
		return js.err
	}
	if depth+1 > codec.MaxDepth {
		return fmt.Errorf("nested deeper than %d", codec.MaxDepth)
	}
	e.buf = append(e.buf, '{')
	first := true
	for _, f := range js.fields {
		fv := rv.Field(f.index)
		if (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && isZeroValue(fv)) {
			continue
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.string(f.name)
		e.buf = append(e.buf, ':')
		if err := e.value(fv, depth+1); err != nil {
			return fmt.Errorf("field %q: %w", f.name, err)
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// isEmptyValue is encoding/json's omitempty test.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZeroValue is encoding/json's omitzero test: an IsZero() bool method
// if there is one, else the zero value.
func isZeroValue(v reflect.Value) bool {
	if v.CanInterface() {
		if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
			if v.Kind() == reflect.Pointer && v.IsNil() {
				return true
			}
			return z.IsZero()
		}
	}
	return v.IsZero()
}
