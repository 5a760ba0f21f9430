package ktor

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sesstool/sesstool/codec"
)

// Limits of the reflection format decoder. They bound the time and memory
// that decoding takes whatever the input.
const (
	// MaxReflectionSize is the largest input, in bytes, that the
	// reflection codecs decode, and the largest output they encode.
	MaxReflectionSize = 64 << 10
	// MaxReflectionDepth is the deepest nesting of objects, collections
	// and Optionals that the reflection codecs decode or encode; the
	// top-level object is depth 0.
	MaxReflectionDepth = 32
	// MaxReflectionItems is the most properties of one object, and the most
	// elements or entries of one collection, that the reflection codecs
	// decode. It is the limit of Ktor's parseQueryString (which silently
	// drops the rest), applied to collections too.
	MaxReflectionItems = 1000
)

// Reflection returns the codec of the text format of Ktor's reflection
// session serializer (SessionSerializerReflection, the JVM default of Ktor
// 1.x and 2.x, and reflectionSessionSerializer in 3.x), named
// "ktor-reflection".
//
// # Encoding
//
// Marshal takes a struct or a non-nil pointer to one. Each exported field
// is a property, named by its `ktor:"name"` tag, else by the name of its
// `json:"name"` tag, else by the Go field name with its first letter
// lower-cased (UserID becomes "userID"); `ktor:"-"` or `json:"-"` skips a
// field, and embedded structs are not promoted. Properties are written in
// the order of their names (Java String order, by UTF-16 code unit), as
// name=value pairs joined by '&', each name and value percent-encoded as
// Ktor's encodeURLParameter does ([A-Za-z0-9-._~] kept, space as '+',
// other bytes as %XX). A value is a type prefix and a payload:
//
//	#n             nil pointer or interface (a nil slice or map is empty instead)
//	#bot, #bof     bool
//	#i<decimal>    int8, int16, int32, uint8, uint16, and int and uint whose value fits in 32 bits (Kotlin Int)
//	#l<decimal>    int64, uint32, uint64, and int and uint beyond 32 bits (Kotlin Long)
//	#f<number>     float64 as Java's Double.toString, float32 as Float.toString (3.0, 1.0E10)
//	#s<text>       string, and any type whose kind is string (for Kotlin enums and UUIDs)
//	#cl<elements>  slice or array (Kotlin List)
//	#cs<elements>  map[T]struct{} (Kotlin Set), elements in the order of their encoding
//	#m<entries>    any other map, entries in the order of their encoded keys
//	##<object>     nested struct: its own name=value pairs, as above
//
// Elements are written as QC(join("&", QC(e) for each e)), and entries as
// QC(join("&", QC(k)+"="+QC(v))), where QC is Ktor's
// encodeURLQueryComponent: it keeps RFC 3986 reserved characters,
// including '&' and '=', unencoded. So, exactly as with Ktor, a list
// element or map value that contains '&', a map key that contains '=' or
// '&', and, inside a collection, an object with more than one property or
// a collection with more than one element cannot be read back: the bytes
// are Ktor's, bug included. Types that have no Kotlin counterpart here
// (complex numbers, channels, functions, structs without exported fields
// such as time.Time) are an error, as are cycles deeper than
// MaxReflectionDepth and output longer than MaxReflectionSize.
//
// Kotlin Char (#ch), BigDecimal (#bd), BigInteger (#bi) and Optional
// (#op, #om) values are never written, and sealed classes (the $type
// pair) are not supported.
//
// # Decoding
//
// Unmarshal decodes into a pointer to a struct, decoded as above, or into
// a pointer to an interface value or a map[string]any, which receives a
// generic value for display: every object and map becomes a
// map[string]any (map keys rendered as text), lists and sets []any,
// #i, #l, #f, #bd and #bi an [encoding/json.Number] (a string for NaN and
// the infinities, which JSON lacks), booleans bool, #s and #ch strings,
// and #n, #om and a bare # nil. Either order of properties is accepted,
// and a raw '#' in place of %23 too.
//
// Decoding into a struct is strict: every property of the struct must be
// present (Ktor cannot construct the object otherwise) and no other may
// be; integers must fit the field; #cl and #cs both fill a slice or a set.
// It is stricter than Ktor on malformed input: an empty pair, a pair or
// map entry without '=', a duplicate property, an empty collection
// element, trailing text after #n, #bot and the like, numbers with
// characters Java would also accept (a Unicode digit, a trailing 'd',
// hexadecimal floats), and more than [MaxReflectionItems] items are
// errors where Ktor skips, truncates or ignores. Every error of Marshal
// and Unmarshal wraps [codec.ErrInvalid].
//
// Every call returns the same value, which compares equal with ==.
func Reflection() codec.Codec { return reflectionCodec{name: "ktor-reflection", sorted: true} }

// KotlinxBackwardCompatible returns the codec of the same text format as
// written by Ktor's KotlinxBackwardCompatibleSessionSerializer
// (multiplatform, 2.2+), named "kotlinx-backward-compatible". It differs from [Reflection] only in
// writing properties in struct field order instead of sorted by name, and
// sets as #cl (kotlinx describes a Set as a list). Decoding is identical.
// Ktor's kotlinx encoder mishandles a null or an object inside a list or
// map (it writes it as a property of the enclosing object instead); this
// codec writes those as [Reflection] does.
//
// Every call returns the same value, which compares equal with ==.
func KotlinxBackwardCompatible() codec.Codec {
	return reflectionCodec{name: "kotlinx-backward-compatible"}
}

type reflectionCodec struct {
	name   string
	sorted bool // property order: by name (reflection) or declaration (kotlinx)
}

func (c reflectionCodec) Name() string { return c.name }

// reflectionError wraps codec.ErrInvalid with the codec's name and a
// reason that already carries the path to the offending value.
func (c reflectionCodec) error(err error) error {
	return invalid(c.name + ": " + err.Error())
}

// ---- struct metadata ----

type propInfo struct {
	name  string
	index int
}

type structInfo struct {
	declared []propInfo // struct field order
	sorted   []propInfo // Java String order of names
	byName   map[string]int
	err      error
}

var structInfos sync.Map // reflect.Type → *structInfo

func structInfoOf(t reflect.Type) *structInfo {
	if si, ok := structInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: make(map[string]int)}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, ok := propertyName(f)
		if !ok {
			continue
		}
		if f.Anonymous && f.Tag.Get("ktor") == "" {
			si.err = fmt.Errorf("%v: embedded field %s needs a ktor tag: embedded structs are not promoted", t, f.Name)
			break
		}
		if _, dup := si.byName[name]; dup {
			si.err = fmt.Errorf("%v: two fields are named %q", t, name)
			break
		}
		si.byName[name] = len(si.declared)
		si.declared = append(si.declared, propInfo{name: name, index: i})
	}
	if si.err == nil && len(si.declared) == 0 && t.NumField() > 0 && !hasSkipTag(t) {
		// Only unexported fields: time.Time, big.Int and the like, which
		// would silently encode as an empty object.
		si.err = fmt.Errorf("unsupported type %v: no exported fields", t)
	}
	si.sorted = slices.Clone(si.declared)
	slices.SortFunc(si.sorted, func(a, b propInfo) int { return compareUTF16(a.name, b.name) })
	actual, _ := structInfos.LoadOrStore(t, si)
	return actual.(*structInfo)
}

// propertyName returns the property name of a struct field, and false if
// the field is skipped.
func propertyName(f reflect.StructField) (string, bool) {
	for _, key := range []string{"ktor", "json"} {
		tag, ok := f.Tag.Lookup(key)
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && !strings.Contains(tag, ",") {
			return "", false
		}
		if name != "" {
			return name, true
		}
	}
	r, n := utf8.DecodeRuneInString(f.Name)
	return string(unicode.ToLower(r)) + f.Name[n:], true
}

// hasSkipTag reports whether a field of t is skipped by a "-" tag, which
// makes a struct without properties intentional.
func hasSkipTag(t reflect.Type) bool {
	for i := range t.NumField() {
		if _, ok := propertyName(t.Field(i)); !ok && t.Field(i).IsExported() {
			return true
		}
	}
	return false
}

// compareUTF16 compares two strings as Java's String.compareTo does, by
// UTF-16 code unit, which differs from Go's byte order for characters
// above U+FFFF against U+E000–U+FFFF.
func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

// ---- encoding ----

func (c reflectionCodec) Marshal(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, c.error(fmt.Errorf("cannot marshal %T: want a struct or a pointer to one", v))
	}
	e := encoder{sorted: c.sorted}
	out, err := e.object(nil, rv, 0)
	if err != nil {
		return nil, c.error(err)
	}
	if len(out) > MaxReflectionSize {
		return nil, c.error(fmt.Errorf("encoding is %d bytes, more than the %d that decode", len(out), MaxReflectionSize))
	}
	return out, nil
}

type encoder struct {
	sorted bool
}

// object appends the name=value pairs of struct rv.
func (e *encoder) object(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	si := structInfoOf(rv.Type())
	if si.err != nil {
		return nil, si.err
	}
	props := si.declared
	if e.sorted {
		props = si.sorted
	}
	for i, p := range props {
		val, err := e.value(nil, rv.Field(p.index), depth)
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", p.name, err)
		}
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = appendPercentEncoded(dst, p.name, keepParameter, true)
		dst = append(dst, '=')
		dst = appendPercentEncoded(dst, string(val), keepParameter, true)
	}
	return dst, nil
}

// value appends the prefixed encoding of rv (Ktor's serializeValue).
// depth is the depth of the object or collection that holds rv.
func (e *encoder) value(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		// A loop rather than recursion: a type such as "type P *P" can
		// point to itself without ever reaching a struct.
		for n := 0; rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface; n++ {
			if rv.IsNil() {
				return append(dst, "#n"...), nil
			}
			if n == MaxReflectionDepth {
				return nil, fmt.Errorf("more than %d indirections", MaxReflectionDepth)
			}
			rv = rv.Elem()
		}
		return e.value(dst, rv, depth)
	case reflect.Bool:
		if rv.Bool() {
			return append(dst, "#bot"...), nil
		}
		return append(dst, "#bof"...), nil
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return strconv.AppendInt(append(dst, "#i"...), rv.Int(), 10), nil
	case reflect.Uint8, reflect.Uint16:
		return strconv.AppendUint(append(dst, "#i"...), rv.Uint(), 10), nil
	case reflect.Int:
		if n := rv.Int(); n == int64(int32(n)) {
			return strconv.AppendInt(append(dst, "#i"...), n, 10), nil
		}
		return strconv.AppendInt(append(dst, "#l"...), rv.Int(), 10), nil
	case reflect.Int64:
		return strconv.AppendInt(append(dst, "#l"...), rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint32, reflect.Uint64:
		n := rv.Uint()
		if rv.Kind() == reflect.Uint && n <= 1<<31-1 {
			return strconv.AppendUint(append(dst, "#i"...), n, 10), nil
		}
		if n > 1<<63-1 {
			return nil, fmt.Errorf("%d does not fit in a Kotlin Long", n)
		}
		return strconv.AppendUint(append(dst, "#l"...), n, 10), nil
	case reflect.Float32:
		return appendJavaFloat(append(dst, "#f"...), rv.Float(), 32), nil
	case reflect.Float64:
		return appendJavaFloat(append(dst, "#f"...), rv.Float(), 64), nil
	case reflect.String:
		return append(append(dst, "#s"...), rv.String()...), nil
	case reflect.Slice, reflect.Array:
		return e.collection(append(dst, "#cl"...), rv, depth)
	case reflect.Map:
		if isSetType(rv.Type()) {
			return e.set(dst, rv, depth)
		}
		return e.mapping(append(dst, "#m"...), rv, depth)
	case reflect.Struct:
		if depth+1 > MaxReflectionDepth {
			return nil, fmt.Errorf("nested deeper than %d", MaxReflectionDepth)
		}
		return e.object(append(dst, "##"...), rv, depth+1)
	}
	return nil, fmt.Errorf("unsupported type %v", rv.Type())
}

// isSetType reports whether t is a map[T]struct{}, the Go spelling of a
// Kotlin Set.
func isSetType(t reflect.Type) bool {
	return t.Kind() == reflect.Map && t.Elem().Kind() == reflect.Struct && t.Elem().NumField() == 0
}

// collection appends QC(join("&", QC(sv(e)))) for the elements of rv.
func (e *encoder) collection(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	if depth+1 > MaxReflectionDepth {
		return nil, fmt.Errorf("nested deeper than %d", MaxReflectionDepth)
	}
	var joined []byte
	for i := range rv.Len() {
		elem, err := e.value(nil, rv.Index(i), depth+1)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		if i > 0 {
			joined = append(joined, '&')
		}
		joined = appendPercentEncoded(joined, string(elem), keepQuery, false)
	}
	return appendPercentEncoded(dst, string(joined), keepQuery, false), nil
}

// set appends a map[T]struct{} as a collection of its keys, in the order
// of their encodings: #cs for Reflection, #cl for the kotlinx encoder.
func (e *encoder) set(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	if depth+1 > MaxReflectionDepth {
		return nil, fmt.Errorf("nested deeper than %d", MaxReflectionDepth)
	}
	elems := make([]string, 0, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		elem, err := e.value(nil, it.Key(), depth+1)
		if err != nil {
			return nil, fmt.Errorf("set element: %w", err)
		}
		elems = append(elems, string(appendPercentEncoded(nil, string(elem), keepQuery, false)))
	}
	slices.Sort(elems)
	if e.sorted {
		dst = append(dst, "#cs"...)
	} else {
		dst = append(dst, "#cl"...)
	}
	return appendPercentEncoded(dst, strings.Join(elems, "&"), keepQuery, false), nil
}

// mapping appends QC(join("&", QC(sv(k)) "=" QC(sv(v)))), entries in the
// order of their encoded keys.
func (e *encoder) mapping(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	if depth+1 > MaxReflectionDepth {
		return nil, fmt.Errorf("nested deeper than %d", MaxReflectionDepth)
	}
	type entry struct{ k, v string }
	entries := make([]entry, 0, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		k, err := e.value(nil, it.Key(), depth+1)
		if err != nil {
			return nil, fmt.Errorf("map key: %w", err)
		}
		v, err := e.value(nil, it.Value(), depth+1)
		if err != nil {
			return nil, fmt.Errorf("map value of key %q: %w", k, err)
		}
		entries = append(entries, entry{
			string(appendPercentEncoded(nil, string(k), keepQuery, false)),
			string(appendPercentEncoded(nil, string(v), keepQuery, false)),
		})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.k, b.k) })
	var joined []byte
	for i, en := range entries {
		if i > 0 {
			joined = append(joined, '&')
		}
		joined = append(joined, en.k...)
		joined = append(joined, '=')
		joined = append(joined, en.v...)
	}
	return appendPercentEncoded(dst, string(joined), keepQuery, false), nil
}
