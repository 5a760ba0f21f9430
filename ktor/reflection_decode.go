package ktor

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A node is one parsed value of the reflection format. Parsing checks
// syntax and limits; assign and generic then map nodes to Go values.
type node struct {
	kind  nodeKind
	text  string  // nString, nChar, nBigDec, nBigInt
	i     int64   // nInt, nLong
	f     float64 // nFloat
	b     bool    // nBool
	items []node  // nList, nSet; nMap as key, value, key, value…; nOptional's value
	props []prop  // nObject
}

type prop struct {
	name string
	val  node
}

type nodeKind uint8

const (
	nNull     nodeKind = iota // #n, #
	nInt                      // #i
	nLong                     // #l
	nFloat                    // #f
	nBool                     // #bot, #bof
	nChar                     // #ch
	nBigDec                   // #bd
	nBigInt                   // #bi
	nOptional                 // #op<value>, #om (no items)
	nString                   // #s
	nList                     // #cl
	nSet                      // #cs
	nMap                      // #m
	nObject                   // ##
)

var kindNames = [...]string{
	nNull: "null", nInt: "Int", nLong: "Long", nFloat: "Double", nBool: "Boolean",
	nChar: "Char", nBigDec: "BigDecimal", nBigInt: "BigInteger", nOptional: "Optional",
	nString: "String", nList: "List", nSet: "Set", nMap: "Map", nObject: "object",
}

func (k nodeKind) String() string { return kindNames[k] }

func (c reflectionCodec) Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return c.error(fmt.Errorf("cannot unmarshal into %T: want a non-nil pointer", v))
	}
	if len(data) > MaxReflectionSize {
		return c.error(fmt.Errorf("input is %d bytes, more than %d", len(data), MaxReflectionSize))
	}
	props, err := parseBundle(string(data), 0)
	if err != nil {
		return c.error(err)
	}
	root := node{kind: nObject, props: props}
	// Decode into a fresh value so that v is unchanged on error.
	tmp := reflect.New(rv.Type().Elem()).Elem()
	if err := assign(&root, tmp); err != nil {
		return c.error(err)
	}
	rv.Elem().Set(tmp)
	return nil
}

// ---- parsing ----

// parseBundle parses the name=value pairs of an object at depth depth.
func parseBundle(s string, depth int) ([]prop, error) {
	if s == "" {
		return nil, nil
	}
	if n := strings.Count(s, "&") + 1; n > MaxReflectionItems {
		return nil, fmt.Errorf("%d properties, more than %d", n, MaxReflectionItems)
	}
	var props []prop
	for i, seg := range strings.Split(s, "&") {
		rawName, rawVal, ok := strings.Cut(seg, "=")
		if !ok {
			if trimKotlinWhitespace(seg) == "" {
				return nil, fmt.Errorf("pair %d is empty", i)
			}
			return nil, fmt.Errorf("pair %d has no '='", i)
		}
		rawName = trimKotlinWhitespace(rawName)
		if rawName == "" {
			return nil, fmt.Errorf("pair %d has an empty name", i)
		}
		name, err := percentDecode(rawName, false)
		if err != nil {
			return nil, fmt.Errorf("name of pair %d: %v", i, err)
		}
		val, err := percentDecode(trimKotlinWhitespace(rawVal), true)
		if err != nil {
			return nil, fmt.Errorf("property %q: %v", name, err)
		}
		for _, p := range props {
			if p.name == name {
				return nil, fmt.Errorf("duplicate property %q", name)
			}
		}
		n, err := parseValue(val, depth)
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", name, err)
		}
		props = append(props, prop{name, n})
	}
	return props, nil
}

// parseValue parses one prefixed value (Ktor's deserializeValue) held by
// an object or collection at depth depth.
func parseValue(s string, depth int) (node, error) {
	if s == "" || s[0] != '#' {
		return node{}, fmt.Errorf("value %.20q does not start with '#'", s)
	}
	if len(s) == 1 {
		return node{kind: nNull}, nil
	}
	exact := func(k nodeKind, want string) (node, error) {
		if s != want {
			return node{}, fmt.Errorf("bad %v value %.20q", k, s)
		}
		return node{kind: k}, nil
	}
	switch s[1] {
	case 'n':
		return exact(nNull, "#n")
	case 'i', 'l':
		kind, bits := nInt, 32
		if s[1] == 'l' {
			kind, bits = nLong, 64
		}
		i, err := strconv.ParseInt(s[2:], 10, bits)
		if err != nil {
			return node{}, fmt.Errorf("bad %v value %.24q", kind, s)
		}
		return node{kind: kind, i: i}, nil
	case 'f':
		f, ok := parseJavaDouble(s[2:])
		if !ok {
			return node{}, fmt.Errorf("bad Double value %.24q", s)
		}
		return node{kind: nFloat, f: f}, nil
	case 'b':
		switch {
		case strings.HasPrefix(s, "#bo"):
			if s == "#bot" || s == "#bof" {
				return node{kind: nBool, b: s == "#bot"}, nil
			}
			return node{}, fmt.Errorf("bad Boolean value %.20q", s)
		case strings.HasPrefix(s, "#bd"):
			if !isDecimal(s[3:], true) {
				return node{}, fmt.Errorf("bad BigDecimal value %.24q", s)
			}
			return node{kind: nBigDec, text: s[3:]}, nil
		case strings.HasPrefix(s, "#bi"):
			if !isDecimal(s[3:], false) {
				return node{}, fmt.Errorf("bad BigInteger value %.24q", s)
			}
			return node{kind: nBigInt, text: s[3:]}, nil
		}
	case 'o':
		switch {
		case s == "#om":
			return node{kind: nOptional}, nil
		case strings.HasPrefix(s, "#op"):
			if depth+1 > MaxReflectionDepth {
				return node{}, fmt.Errorf("nested deeper than %d", MaxReflectionDepth)
			}
			n, err := parseValue(s[3:], depth+1)
			if err != nil {
				return node{}, fmt.Errorf("in Optional: %w", err)
			}
			return node{kind: nOptional, items: []node{n}}, nil
		}
	case 's':
		return node{kind: nString, text: s[2:]}, nil
	case 'c':
		switch {
		case strings.HasPrefix(s, "#cl"):
			return parseCollection(nList, s[3:], depth)
		case strings.HasPrefix(s, "#cs"):
			return parseCollection(nSet, s[3:], depth)
		case strings.HasPrefix(s, "#ch"):
			if r, n := utf8.DecodeRuneInString(s[3:]); n == 0 || n != len(s)-3 || (r == utf8.RuneError && n == 1) || r > 0xffff {
				return node{}, fmt.Errorf("bad Char value %.20q: want one UTF-16 code unit", s)
			}
			return node{kind: nChar, text: s[3:]}, nil
		}
	case 'm':
		return parseMap(s[2:], depth)
	case '#':
		if depth+1 > MaxReflectionDepth {
			return node{}, fmt.Errorf("nested deeper than %d", MaxReflectionDepth)
		}
		props, err := parseBundle(s[2:], depth+1)
		if err != nil {
			return node{}, err
		}
		return node{kind: nObject, props: props}, nil
	}
	return node{}, fmt.Errorf("unknown type prefix in %.20q", s)
}

// splitItems decodes a collection payload and splits it at '&', as Ktor's
// deserializeCollection and deserializeMap do.
func splitItems(s string, depth int) ([]string, error) {
	if depth+1 > MaxReflectionDepth {
		return nil, fmt.Errorf("nested deeper than %d", MaxReflectionDepth)
	}
	s, err := percentDecode(s, false)
	if err != nil {
		return nil, err
	}
	if s == "" {
		return nil, nil
	}
	if n := strings.Count(s, "&") + 1; n > MaxReflectionItems {
		return nil, fmt.Errorf("%d items, more than %d", n, MaxReflectionItems)
	}
	return strings.Split(s, "&"), nil
}

func parseCollection(kind nodeKind, s string, depth int) (node, error) {
	elems, err := splitItems(s, depth)
	if err != nil {
		return node{}, fmt.Errorf("in %v: %w", kind, err)
	}
	n := node{kind: kind, items: make([]node, len(elems))}
	for i, e := range elems {
		if e == "" {
			return node{}, fmt.Errorf("element %d of %v is empty", i, kind)
		}
		e, err := percentDecode(e, false)
		if err != nil {
			return node{}, fmt.Errorf("element %d of %v: %v", i, kind, err)
		}
		if n.items[i], err = parseValue(e, depth+1); err != nil {
			return node{}, fmt.Errorf("element %d of %v: %w", i, kind, err)
		}
	}
	return n, nil
}

func parseMap(s string, depth int) (node, error) {
	entries, err := splitItems(s, depth)
	if err != nil {
		return node{}, fmt.Errorf("in Map: %w", err)
	}
	n := node{kind: nMap, items: make([]node, 0, 2*len(entries))}
	for i, e := range entries {
		// Ktor splits at the first '=', so a key with '=' cannot be read.
		k, v, ok := strings.Cut(e, "=")
		if !ok {
			return node{}, fmt.Errorf("entry %d of Map has no '='", i)
		}
		for _, part := range []string{k, v} {
			part, err := percentDecode(part, false)
			if err != nil {
				return node{}, fmt.Errorf("entry %d of Map: %v", i, err)
			}
			pn, err := parseValue(part, depth+1)
			if err != nil {
				return node{}, fmt.Errorf("entry %d of Map: %w", i, err)
			}
			n.items = append(n.items, pn)
		}
	}
	return n, nil
}

// parseJavaDouble parses the subset of Java's Double.parseDouble syntax
// that Double.toString produces plus plain decimal notation: an optional
// sign, then NaN, Infinity, or digits with an optional fraction and
// exponent. Out-of-range values become ±Infinity or ±0, as in Java.
func parseJavaDouble(s string) (float64, bool) {
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if !isDecimal(s, true) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// isDecimal reports whether s is [+-]?digits, or with frac also
// [+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?, in ASCII.
func isDecimal(s string, frac bool) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digits := func() int {
		n := 0
		for n < len(s) && '0' <= s[n] && s[n] <= '9' {
			n++
		}
		s = s[n:]
		return n
	}
	n := digits()
	if !frac {
		return n > 0 && s == ""
	}
	if s != "" && s[0] == '.' {
		s = s[1:]
		n += digits()
	}
	if n == 0 {
		return false
	}
	if s != "" && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s != "" && (s[0] == '+' || s[0] == '-') {
			s = s[1:]
		}
		if digits() == 0 {
			return false
		}
	}
	return s == ""
}

// ---- typed decoding ----

// assign stores n in rv, which is settable.
func assign(n *node, rv reflect.Value) error {
	t := rv.Type()
	if t.Kind() == reflect.Interface {
		if t.NumMethod() != 0 {
			return fmt.Errorf("cannot decode into interface type %v", t)
		}
		g, err := generic(n)
		if err != nil {
			return err
		}
		if g == nil {
			rv.SetZero()
		} else {
			rv.Set(reflect.ValueOf(g))
		}
		return nil
	}
	if n.kind == nOptional {
		if len(n.items) == 0 {
			return assign(&node{kind: nNull}, rv)
		}
		return assign(&n.items[0], rv)
	}
	if n.kind == nNull {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			rv.SetZero()
			return nil
		}
		return fmt.Errorf("null for non-nullable %v", t)
	}
	mismatch := func() error { return fmt.Errorf("cannot decode %v into %v", n.kind, t) }
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := assign(n, p.Elem()); err != nil {
			return err
		}
		rv.Set(p)
	case reflect.Bool:
		if n.kind != nBool {
			return mismatch()
		}
		rv.SetBool(n.b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.kind != nInt && n.kind != nLong {
			return mismatch()
		}
		if rv.OverflowInt(n.i) {
			return fmt.Errorf("%d overflows %v", n.i, t)
		}
		rv.SetInt(n.i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.kind != nInt && n.kind != nLong {
			return mismatch()
		}
		if n.i < 0 || rv.OverflowUint(uint64(n.i)) {
			return fmt.Errorf("%d overflows %v", n.i, t)
		}
		rv.SetUint(uint64(n.i))
	case reflect.Float32:
		if n.kind != nFloat {
			return mismatch()
		}
		rv.SetFloat(float64(float32(n.f))) // Kotlin's Double.toFloat()
	case reflect.Float64:
		if n.kind != nFloat {
			return mismatch()
		}
		rv.SetFloat(n.f)
	case reflect.String:
		if n.kind != nString && n.kind != nChar {
			return mismatch()
		}
		rv.SetString(n.text)
	case reflect.Slice:
		if n.kind != nList && n.kind != nSet {
			return mismatch()
		}
		s := reflect.MakeSlice(t, len(n.items), len(n.items))
		for i := range n.items {
			if err := assign(&n.items[i], s.Index(i)); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
		rv.Set(s)
	case reflect.Array:
		if n.kind != nList && n.kind != nSet {
			return mismatch()
		}
		if len(n.items) != t.Len() {
			return fmt.Errorf("%d elements for %v", len(n.items), t)
		}
		for i := range n.items {
			if err := assign(&n.items[i], rv.Index(i)); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
	case reflect.Map:
		return assignMap(n, rv)
	case reflect.Struct:
		if n.kind != nObject {
			return mismatch()
		}
		return assignStruct(n, rv)
	default:
		return fmt.Errorf("unsupported type %v", t)
	}
	return nil
}

func assignMap(n *node, rv reflect.Value) error {
	t := rv.Type()
	m := reflect.MakeMap(t)
	put := func(k, v reflect.Value) error {
		if m.MapIndex(k).IsValid() {
			return fmt.Errorf("duplicate key %v", k)
		}
		m.SetMapIndex(k, v)
		return nil
	}
	switch {
	case isSetType(t) && (n.kind == nSet || n.kind == nList):
		for i := range n.items {
			k := reflect.New(t.Key()).Elem()
			if err := assign(&n.items[i], k); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
			if err := put(k, reflect.New(t.Elem()).Elem()); err != nil {
				return err
			}
		}
	case n.kind == nMap:
		for i := 0; i < len(n.items); i += 2 {
			k, v := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
			if err := assign(&n.items[i], k); err != nil {
				return fmt.Errorf("map key %d: %w", i/2, err)
			}
			if err := assign(&n.items[i+1], v); err != nil {
				return fmt.Errorf("map value of key %v: %w", k, err)
			}
			if err := put(k, v); err != nil {
				return err
			}
		}
	case n.kind == nObject && t.Key().Kind() == reflect.String:
		for i := range n.props {
			k, v := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
			k.SetString(n.props[i].name)
			if err := assign(&n.props[i].val, v); err != nil {
				return fmt.Errorf("property %q: %w", n.props[i].name, err)
			}
			if err := put(k, v); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("cannot decode %v into %v", n.kind, t)
	}
	rv.Set(m)
	return nil
}

func assignStruct(n *node, rv reflect.Value) error {
	si := structInfoOf(rv.Type())
	if si.err != nil {
		return si.err
	}
	seen := make([]bool, len(si.declared))
	for i := range n.props {
		p := &n.props[i]
		j, ok := si.byName[p.name]
		if !ok {
			return fmt.Errorf("unknown property %q for %v", p.name, rv.Type())
		}
		seen[j] = true
		if err := assign(&p.val, rv.Field(si.declared[j].index)); err != nil {
			return fmt.Errorf("property %q: %w", p.name, err)
		}
	}
	for j, ok := range seen {
		if !ok {
			return fmt.Errorf("missing property %q for %v", si.declared[j].name, rv.Type())
		}
	}
	return nil
}

// ---- generic decoding ----

// generic returns n as a value that encoding/json can marshal.
func generic(n *node) (any, error) {
	switch n.kind {
	case nNull:
		return nil, nil
	case nInt, nLong:
		return json.Number(strconv.FormatInt(n.i, 10)), nil
	case nFloat:
		s := javaFloat(n.f, 64)
		if math.IsNaN(n.f) || math.IsInf(n.f, 0) {
			return s, nil
		}
		return json.Number(s), nil
	case nBool:
		return n.b, nil
	case nChar, nString:
		return n.text, nil
	case nBigDec:
		if isJSONNumber(n.text) {
			return json.Number(n.text), nil
		}
		return n.text, nil
	case nBigInt:
		b, _ := new(big.Int).SetString(n.text, 10) // syntax checked by parseValue
		return json.Number(b.String()), nil
	case nOptional:
		if len(n.items) == 0 {
			return nil, nil
		}
		return generic(&n.items[0])
	case nList, nSet:
		out := make([]any, len(n.items))
		for i := range n.items {
			var err error
			if out[i], err = generic(&n.items[i]); err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
		}
		return out, nil
	case nMap:
		out := make(map[string]any, len(n.items)/2)
		for i := 0; i < len(n.items); i += 2 {
			k, err := keyText(&n.items[i])
			if err != nil {
				return nil, fmt.Errorf("map key %d: %w", i/2, err)
			}
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("duplicate map key %q", k)
			}
			if out[k], err = generic(&n.items[i+1]); err != nil {
				return nil, fmt.Errorf("map value of key %q: %w", k, err)
			}
		}
		return out, nil
	case nObject:
		out := make(map[string]any, len(n.props))
		for i := range n.props {
			v, err := generic(&n.props[i].val)
			if err != nil {
				return nil, fmt.Errorf("property %q: %w", n.props[i].name, err)
			}
			out[n.props[i].name] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("internal error: node kind %d", n.kind)
}

// keyText renders a map key as the text of a JSON object key.
func keyText(n *node) (string, error) {
	g, err := generic(n)
	if err != nil {
		return "", err
	}
	switch g := g.(type) {
	case string:
		return g, nil
	case json.Number:
		return string(g), nil
	case bool:
		return strconv.FormatBool(g), nil
	case nil:
		return "null", nil
	}
	b, err := json.Marshal(g)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// isJSONNumber reports whether s is a number in JSON's grammar (RFC 8259).
func isJSONNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || s[0] < '0' || s[0] > '9' || (s[0] == '0' && len(s) > 1 && s[1] >= '0' && s[1] <= '9') {
		return false
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && (i+1 == len(s) || s[i+1] < '0' || s[i+1] > '9') {
		return false
	}
	return isDecimal(s, true)
}
