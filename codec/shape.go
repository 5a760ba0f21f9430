package codec

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fxamacker/cbor/v2"

	"github.com/sesstool/sesstool/internal/valuecheck"
)

// This file holds what the codecs learn once about a Go type, so that the
// work left for each call is only what depends on the value.
//
// Marshal: both codecs check their own output, so that every value they
// encode also decodes (see the package doc). For most session types the
// type alone proves that most of that check cannot fail: a struct of
// strings, numbers and slices, with no custom encoding methods, encodes to
// bounded depth, with unique keys, no tags and (for JSON) valid UTF-8. What
// the type cannot prove depends on the value: a slice's length, and for
// CBOR a string's UTF-8 and a float's finiteness. For such "plain" types,
// Marshal checks just those, walking the value (a valueCheck) instead of
// re-scanning the output. Any other type keeps the full output check.
//
// JSON Unmarshal: rejecting unknown struct fields takes a json.Decoder with
// DisallowUnknownFields, which costs a second scan and four allocations
// more than json.Unmarshal. For destination types whose fields are known
// (a keyNode tree), the validator, which scans the input anyway, rejects
// unknown keys itself, and json.Unmarshal decodes. Any other type keeps the
// json.Decoder.
//
// JSON's planned path (jsonplan.go) goes further for most session types:
// after the validator, it decodes the input itself, and it encodes values
// itself, by a jplan built here with the rest of the shape.
//
// The shortcuts are tested against the full path they replace, by
// FuzzMarshalShapeAgrees, FuzzJSONKeysAgree and FuzzJSONPlanAgrees.

// shape is what the codecs know of one Go type, as passed to Marshal or
// Unmarshal (so usually a pointer to a struct).
type shape struct {
	typ       reflect.Type
	jsonPlain bool            // JSON Marshal may replace the output check by jsonCheck
	jsonCheck valuecheck.Root // its Check is nil: nothing to check at all
	cborPlain bool            // CBOR Marshal may replace the output check by cborCheck
	cborCheck valuecheck.Root
	keysKnown bool     // JSON Unmarshal may use keys and json.Unmarshal
	keys      *keyNode // nil: no key is unknown anywhere (e.g. a map or a scalar)
	jsonPlan  *jplan   // JSON's planned path (jsonplan.go); nil: encoding/json
}

// shapes caches a *shape per reflect.Type.
var shapes sync.Map

// lastShape is the shape that shapeOf returned last: most programs encode
// one session type, and a pointer comparison is cheaper than a sync.Map
// lookup.
var lastShape atomic.Pointer[shape]

// shapeOf returns the shape of t, building it on first use.
func shapeOf(t reflect.Type) *shape {
	if s := lastShape.Load(); s != nil && s.typ == t {
		return s
	}
	if s, ok := shapes.Load(t); ok {
		lastShape.Store(s.(*shape))
		return s.(*shape)
	}
	s := &shape{typ: t, jsonCheck: valuecheck.Root{Type: t}, cborCheck: valuecheck.Root{Type: t}}
	var depth int
	s.jsonCheck.Check, depth, s.jsonPlain = (&checkPlanner{cbor: false}).plan(t)
	s.jsonPlain = s.jsonPlain && depth <= MaxDepth
	s.cborCheck.Check, depth, s.cborPlain = (&checkPlanner{cbor: true}).plan(t)
	s.cborPlain = s.cborPlain && depth <= MaxDepth
	s.keys, s.keysKnown = (&keyPlanner{}).plan(t)
	if p, ok := (&jsonPlanner{}).plan(t); ok && (t.Kind() != reflect.Pointer || s.keysKnown) {
		s.jsonPlan = p
	}
	actual, _ := shapes.LoadOrStore(t, s)
	lastShape.Store(actual.(*shape))
	return actual.(*shape)
}

// --- Marshal: checks on the value ----------------------------------------

// The checks on the value are planned here, per type, and run by package
// internal/valuecheck, which reads the value in place (see its invariant).

// errUndecided is what a value check reports when the value alone does not
// decide: encoding/json turns invalid UTF-8 into U+FFFD, so two map keys
// that differ only there collide in the output. The output check decides.
var errUndecided = valuecheck.ErrUndecided

// valueError is what a value check reports. It wraps ErrInvalid.
type valueError struct{ what string }

func (e *valueError) Error() string { return ErrInvalid.Error() + ": " + e.what }
func (e *valueError) Unwrap() error { return ErrInvalid }

// checkValue runs r, planned for the type of v, on v: done is false when
// only the output can be checked (v is not a pointer).
func checkValue(r *valuecheck.Root, v any) (done bool, err error) {
	done, err = r.Value(v)
	if e, ok := err.(*valuecheck.Error); ok {
		err = &valueError{e.What}
	}
	return done, err
}

// checkPlanner plans the value check of a type for one codec's Marshal.
type checkPlanner struct {
	cbor     bool
	visiting map[reflect.Type]bool
}

var (
	jsonMarshalerType       = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textMarshalerType       = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType     = reflect.TypeFor[encoding.TextUnmarshaler]()
	binaryMarshalerType     = reflect.TypeFor[encoding.BinaryMarshaler]()
	cborMarshalerType       = reflect.TypeFor[cbor.Marshaler]()
	cborPkgPath             = reflect.TypeFor[cbor.Tag]().PkgPath()
	encodedBySpecialPackage = map[string]bool{cborPkgPath: true, "time": true, "math/big": true}
)

// customEncoding reports whether the codec encodes t by some rule other
// than its kind: an encoding method, or a type the encoder knows by name.
func (p *checkPlanner) customEncoding(t reflect.Type) bool {
	pt := reflect.PointerTo(t) // its method set includes t's
	if pt.Implements(jsonMarshalerType) || pt.Implements(textMarshalerType) {
		return true // both encoders honour these (fxamacker/cbor by option)
	}
	return p.cbor && (pt.Implements(cborMarshalerType) || pt.Implements(binaryMarshalerType) ||
		encodedBySpecialPackage[t.PkgPath()])
}

// plan returns the check for values of t, the deepest nesting of arrays and
// maps that they can encode to, and whether t is plain: whether the check
// and the depth together decide whether the output decodes. For a type
// that is not plain, Marshal checks its output instead.
func (p *checkPlanner) plan(t reflect.Type) (c *valuecheck.Check, depth int, plain bool) {
	if p.customEncoding(t) || p.visiting[t] { // recursive types have no depth bound
		return nil, 0, false
	}
	if p.visiting == nil {
		p.visiting = make(map[reflect.Type]bool)
	}
	p.visiting[t] = true
	defer delete(p.visiting, t)

	switch t.Kind() {
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return nil, 0, true
	case reflect.Float32, reflect.Float64:
		// encoding/json refuses NaN and infinities itself.
		if !p.cbor {
			return nil, 0, true
		}
		if t.Kind() == reflect.Float32 {
			return &valuecheck.Check{Kind: valuecheck.Float32}, 0, true
		}
		return &valuecheck.Check{Kind: valuecheck.Float64}, 0, true
	case reflect.String:
		// encoding/json replaces invalid UTF-8 by U+FFFD itself.
		if p.cbor {
			return &valuecheck.Check{Kind: valuecheck.String}, 0, true
		}
		return nil, 0, true
	case reflect.Pointer:
		e, d, ok := p.plan(t.Elem())
		if !ok {
			return nil, 0, false
		}
		if e == nil {
			return nil, d, true
		}
		return &valuecheck.Check{Kind: valuecheck.Pointer, Elem: e}, d, true
	case reflect.Slice, reflect.Array:
		e, d, ok := p.plan(t.Elem())
		if !ok {
			return nil, 0, false
		}
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return nil, 0, true // a byte string (CBOR) or a base64 string (JSON)
		}
		if t.Kind() == reflect.Array {
			// A JSON array, or for bytes a CBOR byte string, of fixed
			// length: counting it as an array over-counts the depth.
			if t.Len() > MaxElements {
				return nil, 0, false
			}
			if e == nil {
				return nil, d + 1, true
			}
			return &valuecheck.Check{Kind: valuecheck.Array, Elem: e, Size: t.Elem().Size(), N: t.Len()}, d + 1, true
		}
		return &valuecheck.Check{Kind: valuecheck.Slice, Elem: e, Size: t.Elem().Size(), Limit: MaxElements}, d + 1, true
	case reflect.Map:
		var k *valuecheck.Check
		switch kt := t.Key(); kt.Kind() {
		case reflect.String:
			var ok bool
			if k, _, ok = p.plan(kt); !ok {
				return nil, 0, false
			}
			if !p.cbor {
				k = &valuecheck.Check{Kind: valuecheck.JSONKey}
			}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if p.customEncoding(kt) {
				return nil, 0, false
			}
		default:
			return nil, 0, false
		}
		e, d, ok := p.plan(t.Elem())
		if !ok {
			return nil, 0, false
		}
		return &valuecheck.Check{Kind: valuecheck.Map, Key: k, Elem: e, Type: t, Limit: MaxElements}, d + 1, true
	case reflect.Struct:
		return p.planStruct(t)
	}
	// Interfaces (any value may hide behind them), channels, functions,
	// complex numbers, uintptr, unsafe pointers.
	return nil, 0, false
}

// planStruct plans a struct type: a map (JSON object) of its encoded fields.
// Embedded fields, whose promotion rules the encoders apply, and fields
// with the same encoded name make it not plain.
func (p *checkPlanner) planStruct(t reflect.Type) (c *valuecheck.Check, depth int, plain bool) {
	var fields []valuecheck.Field
	names := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous || f.Name == "_" { // "_" carries fxamacker/cbor's struct options
			return nil, 0, false
		}
		if !f.IsExported() {
			continue
		}
		name, skip, ok := fieldName(f, p.cbor)
		if !ok {
			return nil, 0, false
		}
		if skip {
			continue
		}
		if names[name] {
			return nil, 0, false
		}
		names[name] = true
		fc, d, ok := p.plan(f.Type)
		if !ok {
			return nil, 0, false
		}
		depth = max(depth, d)
		if fc != nil {
			fields = append(fields, valuecheck.Field{Offset: f.Offset, Check: fc})
		}
	}
	if len(fields) == 0 {
		return nil, depth + 1, true
	}
	return &valuecheck.Check{Kind: valuecheck.Struct, Fields: fields}, depth + 1, true
}

// fieldName returns the name under which encoding/json (or, if cbor,
// fxamacker/cbor) encodes and decodes exported field f, or skip when it
// leaves f out; ok is false for a name it cannot be sure of.
func fieldName(f reflect.StructField, cbor bool) (name string, skip, ok bool) {
	tag := f.Tag.Get("json")
	if cbor {
		if ct := f.Tag.Get("cbor"); ct != "" {
			tag = ct
		}
	}
	if tag == "-" {
		return "", true, true
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name, false, true
	}
	if !simpleName(name) {
		return "", false, false
	}
	if cbor && hasOption(opts, "keyasint") {
		n, err := strconv.Atoi(name)
		if err != nil {
			return "", false, false // fxamacker/cbor refuses it; let its error through
		}
		return "#" + strconv.Itoa(n), false, true // "01" and "1" are one key
	}
	return name, false, true
}

// simpleName reports whether a tagged field name is made of ASCII letters,
// digits, '_', '-' and '+': valid for encoding/json (which falls back to
// the Go name for some other names) and valid UTF-8 for CBOR.
func simpleName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// --- JSON Unmarshal: the keys a destination knows ------------------------

// keyNode says which object keys a JSON value may hold where it decodes
// into a given type. A nil *keyNode allows any key, at any depth below.
type keyNode struct {
	kind   keyKind
	fields []keyField // knStruct: the struct's fields, by their JSON names
	elem   *keyNode   // knMap: the values; knSeq: the members
}

// keyKind says what a keyNode decodes into.
type keyKind uint8

const (
	knStruct keyKind = iota + 1 // an object, into a struct
	knMap                       // an object, into a map
	knSeq                       // an array, into a slice or array
)

// takes reports whether the node decodes a JSON object (c is '{') or
// array (c is '['); for any other value, encoding/json reports a type
// error and the node has nothing to add.
func (n *keyNode) takes(c byte) bool {
	if c == '[' {
		return n.kind == knSeq
	}
	return n.kind != knSeq
}

type keyField struct {
	name []byte
	node *keyNode
}

// field returns the index of the field that key fills, as encoding/json
// matches them: by exact name, else case-insensitively (bytes.EqualFold),
// and whether the match was exact. hint is where to look first: objects
// usually list fields in order.
func (n *keyNode) field(key []byte, hint int) (i int, exact, ok bool) {
	if hint < len(n.fields) && string(n.fields[hint].name) == string(key) {
		return hint, true, true
	}
	for i := range n.fields {
		if string(n.fields[i].name) == string(key) {
			return i, true, true
		}
	}
	for i := range n.fields {
		if bytes.EqualFold(n.fields[i].name, key) {
			return i, false, true
		}
	}
	return 0, false, false
}

// keyPlanner plans the keyNode of a destination type.
type keyPlanner struct {
	visiting map[reflect.Type]bool
}

// plan returns the keyNode for decoding into a value of type t, and
// whether its keys are known: false where encoding/json's field rules are
// more than this planner follows (embedded fields), where UseNumber would
// matter (interfaces), and for recursive types.
func (p *keyPlanner) plan(t reflect.Type) (*keyNode, bool) {
	pt := reflect.PointerTo(t)
	if pt.Implements(jsonUnmarshalerType) || pt.Implements(textUnmarshalerType) {
		return nil, true // the method gets the raw value; no key is unknown to us
	}
	if p.visiting[t] {
		return nil, false
	}
	if p.visiting == nil {
		p.visiting = make(map[reflect.Type]bool)
	}
	p.visiting[t] = true
	defer delete(p.visiting, t)

	switch t.Kind() {
	case reflect.Interface:
		return nil, false
	case reflect.Pointer:
		return p.plan(t.Elem())
	case reflect.Slice, reflect.Array, reflect.Map:
		e, ok := p.plan(t.Elem())
		if !ok || e == nil {
			return nil, ok
		}
		if t.Kind() == reflect.Map {
			return &keyNode{kind: knMap, elem: e}, true
		}
		return &keyNode{kind: knSeq, elem: e}, true
	case reflect.Struct:
		n := &keyNode{kind: knStruct}
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
			for _, o := range n.fields {
				if bytes.EqualFold(o.name, []byte(name)) {
					return nil, false // encoding/json's choice between them is not ours to copy
				}
			}
			fn, ok := p.plan(f.Type)
			if !ok {
				return nil, false
			}
			n.fields = append(n.fields, keyField{name: []byte(name), node: fn})
		}
		return n, true
	}
	// Scalars take no keys: an object there is a type error, which
	// encoding/json reports.
	return nil, true
}
