package codec

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// This file holds the JSON validator that runs before encoding/json. It
// accepts exactly the JSON text of RFC 8259 (one value, optionally surrounded
// by space, tab, line feed and carriage return) and additionally rejects
// duplicate object keys, escaped lone surrogates, invalid UTF-8 and input
// past MaxDepth and MaxElements. It makes one pass over the input, without
// recursion, and allocates nothing unless it fails or meets an object with
// more than linearKeys keys.

// jsonErrKind says what the validator rejected.
type jsonErrKind uint8

const (
	jsonErrSyntax       jsonErrKind = iota // a byte that cannot appear here
	jsonErrEOF                             // the input ends inside a value
	jsonErrTrailing                        // data after the top-level value
	jsonErrDupKey                          // an object key seen before in the same object
	jsonErrDepth                           // nesting deeper than MaxDepth
	jsonErrElements                        // more than MaxElements members
	jsonErrUTF8                            // invalid UTF-8 in a string
	jsonErrSurrogate                       // an escaped lone surrogate
	jsonErrControl                         // an unescaped control character in a string
	jsonErrSize                            // input longer than MaxInputSize
	jsonErrUnknownField                    // an object key that names no field of the destination struct
)

// jsonError is the error that the validator returns. It wraps ErrInvalid.
type jsonError struct {
	kind   jsonErrKind
	offset int    // byte offset in the input of the rejected item; for jsonErrSize, the input's length
	c      byte   // the offending byte, for jsonErrSyntax, jsonErrTrailing and jsonErrControl
	key    string // the key, unescaped and cut to maxKeyInError bytes, for jsonErrUnknownField
}

// maxKeyInError bounds how much of an unknown key an error repeats.
const maxKeyInError = 64

func (e *jsonError) Error() string {
	var what string
	switch e.kind {
	case jsonErrSyntax:
		what = "invalid character " + quoteByte(e.c)
	case jsonErrEOF:
		what = "unexpected end of input"
	case jsonErrTrailing:
		what = "invalid character " + quoteByte(e.c) + " after top-level value"
	case jsonErrDupKey:
		what = "duplicate object key"
	case jsonErrDepth:
		what = fmt.Sprintf("nesting deeper than %d", MaxDepth)
	case jsonErrElements:
		what = fmt.Sprintf("more than %d members in array or object", MaxElements)
	case jsonErrUTF8:
		what = "invalid UTF-8 in string"
	case jsonErrSurrogate:
		what = "lone surrogate escape in string"
	case jsonErrControl:
		what = "unescaped control character " + quoteByte(e.c) + " in string"
	case jsonErrUnknownField:
		what = fmt.Sprintf("unknown field %q", e.key)
	case jsonErrSize:
		return fmt.Sprintf("%v: json: input of %d bytes exceeds limit of %d bytes", ErrInvalid, e.offset, MaxInputSize)
	}
	return fmt.Sprintf("%v: json: %s at offset %d", ErrInvalid, what, e.offset)
}

func (e *jsonError) Unwrap() error { return ErrInvalid }

// quoteByte formats c for an error message: 'x' when printable ASCII, 0x0a
// otherwise, so that a stray byte of a multi-byte sequence is not shown as
// some unrelated character.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("0x%02x", c)
}

// linearKeys is the number of keys of one object that the validator
// compares by linear scan. Beyond it, the object's keys move into a map, so
// that a large object costs O(n) rather than O(n²).
const linearKeys = 16

// keySpan locates an object key in the input: data[start:end] is the key
// between its quotes, escaped when esc is set.
type keySpan struct {
	start, end int32
	esc        bool
}

// frame is one open array or object.
type frame struct {
	obj   bool
	n     int                 // members seen so far
	keys  int                 // this object's keys are validator.keys[keys:], while set is nil
	set   map[string]struct{} // this object's keys, unescaped, once it has more than linearKeys
	node  *keyNode            // what this container decodes into; nil: anything goes
	hint  int                 // for a struct node: the field to try first for the next key
	named uint64              // for a struct node: bit i is set once a key named field i exactly
}

// validator is the state of one validateJSON call.
type validator struct {
	data  []byte
	depth int
	stack [MaxDepth]frame
	keys  []keySpan
	next  *keyNode // the node of the value about to be parsed
	unesc []byte   // scratch space for unescaping a key
}

// validateJSON reports whether data is exactly one JSON value within the
// package limits, with no duplicate keys, invalid UTF-8 or lone surrogates.
// The error is a *jsonError.
func validateJSON(data []byte) error {
	return validateJSONKeys(data, nil)
}

// validateJSONKeys is validateJSON that also rejects, as encoding/json's
// DisallowUnknownFields does, object keys that name no field of the struct
// they decode into, as root describes it.
func validateJSONKeys(data []byte, root *keyNode) error {
	if len(data) > MaxInputSize {
		return &jsonError{kind: jsonErrSize, offset: len(data)}
	}
	v := validatorPool.Get().(*validator)
	v.data = data
	v.next = root
	err := v.run()
	v.reset()
	validatorPool.Put(v)
	return err
}

// validatorPool holds validators between calls, so that their key slices
// are allocated once: a validator would otherwise escape to the heap on
// every call, because it appends to its own slice.
var validatorPool = sync.Pool{New: func() any {
	return &validator{keys: make([]keySpan, 0, 4*linearKeys)}
}}

// reset readies v for the next input and drops its references to this one.
func (v *validator) reset() {
	v.data = nil
	v.next = nil
	for ; v.depth > 0; v.depth-- {
		v.stack[v.depth-1].set = nil
		v.stack[v.depth-1].node = nil
	}
	v.keys = v.keys[:0]
}

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func (v *validator) skipSpace(i int) int {
	for i < len(v.data) && isSpace(v.data[i]) {
		i++
	}
	return i
}

func (v *validator) fail(kind jsonErrKind, i int) error {
	e := &jsonError{kind: kind, offset: i}
	if i < len(v.data) {
		e.c = v.data[i]
	}
	return e
}

// run validates v.data. Its loop parses one value at i; the inner loop then
// consumes the separators and closing brackets that follow, until another
// value is due or the top-level value is complete.
func (v *validator) run() error {
	d := v.data
	i := 0
	var err error
	for {
		i = v.skipSpace(i)
		if i >= len(d) {
			return v.fail(jsonErrEOF, i)
		}
		switch c := d[i]; {
		case c == '{' || c == '[':
			if v.depth == MaxDepth {
				return v.fail(jsonErrDepth, i)
			}
			node := v.next
			if node != nil && !node.takes(c) {
				node = nil // a type mismatch, which encoding/json reports
			}
			v.stack[v.depth] = frame{obj: c == '{', keys: len(v.keys), node: node}
			v.depth++
			i = v.skipSpace(i + 1)
			if i >= len(d) {
				return v.fail(jsonErrEOF, i)
			}
			if d[i] == c+2 { // '{'+2 == '}' and '['+2 == ']'
				i++
				v.pop()
				break
			}
			v.stack[v.depth-1].n = 1
			if c == '{' {
				if i, err = v.key(i); err != nil {
					return err
				}
			} else {
				v.next = elemNode(node)
			}
			continue
		case c == '"':
			if i, _, err = v.str(i); err != nil {
				return err
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if i, err = v.number(i); err != nil {
				return err
			}
		case c == 't':
			if i, err = v.literal(i, "true"); err != nil {
				return err
			}
		case c == 'f':
			if i, err = v.literal(i, "false"); err != nil {
				return err
			}
		case c == 'n':
			if i, err = v.literal(i, "null"); err != nil {
				return err
			}
		default:
			return v.fail(jsonErrSyntax, i)
		}

		// A value ended at i: close containers until a comma asks for
		// another value.
		for {
			i = v.skipSpace(i)
			if v.depth == 0 {
				if i < len(d) {
					return v.fail(jsonErrTrailing, i)
				}
				return nil
			}
			if i >= len(d) {
				return v.fail(jsonErrEOF, i)
			}
			f := &v.stack[v.depth-1]
			c := d[i]
			if c == ',' {
				i = v.skipSpace(i + 1)
				if f.n == MaxElements {
					return v.fail(jsonErrElements, i)
				}
				f.n++
				if f.obj {
					if i, err = v.key(i); err != nil {
						return err
					}
				} else {
					v.next = elemNode(f.node)
				}
				break
			}
			if (f.obj && c == '}') || (!f.obj && c == ']') {
				i++
				v.pop()
				continue
			}
			return v.fail(jsonErrSyntax, i)
		}
	}
}

// pop closes the innermost container and forgets its keys.
func (v *validator) pop() {
	v.depth--
	f := &v.stack[v.depth]
	v.keys = v.keys[:f.keys]
	f.set = nil
	f.node = nil
}

// elemNode returns the node of the members of an array, or the values of
// an object, whose node is n.
func elemNode(n *keyNode) *keyNode {
	if n == nil {
		return nil
	}
	return n.elem
}

// key parses an object key at i, which must be a string, checks it against
// the object's other keys, and consumes the colon after it. It returns the
// offset just past the colon.
func (v *validator) key(i int) (int, error) {
	d := v.data
	if i >= len(d) {
		return i, v.fail(jsonErrEOF, i)
	}
	if d[i] != '"' {
		return i, v.fail(jsonErrSyntax, i)
	}
	end, esc, err := v.str(i)
	if err != nil {
		return end, err
	}
	k := keySpan{start: int32(i + 1), end: int32(end - 1), esc: esc}
	f := &v.stack[v.depth-1]
	if n := f.node; n != nil && n.kind == knStruct {
		if err := v.structKey(f, k, i); err != nil {
			return i, err
		}
	} else {
		if err := v.addKey(f, k, i); err != nil {
			return i, err
		}
		v.next = elemNode(n)
	}
	j := v.skipSpace(end)
	if j >= len(d) {
		return j, v.fail(jsonErrEOF, j)
	}
	if d[j] != ':' {
		return j, v.fail(jsonErrSyntax, j)
	}
	return j + 1, nil
}

// structKey handles key k of object f, which decodes into a struct: it
// fails if the struct has no field for k, or if f had k before, and sets
// v.next to the field's node. at is the offset of the key's opening quote,
// for the errors.
//
// A key that names a field exactly is a duplicate exactly when that field
// was named exactly before, which a bit per field records. Other keys
// (fields matched case-insensitively) go through addKey, against the other
// keys of their kind: none of them can equal a field's name.
func (v *validator) structKey(f *frame, k keySpan, at int) error {
	key := v.data[k.start:k.end]
	if k.esc {
		v.unesc = appendUnescaped(v.unesc[:0], key)
		key = v.unesc
	}
	n := f.node
	i, exact, ok := n.field(key, f.hint)
	if !ok {
		e := v.fail(jsonErrUnknownField, at).(*jsonError)
		e.key = strings.ToValidUTF8(string(key[:min(len(key), maxKeyInError)]), "")
		return e
	}
	if exact && i < 64 {
		if f.named&(1<<i) != 0 {
			return v.fail(jsonErrDupKey, at)
		}
		f.named |= 1 << i
	} else if err := v.addKey(f, k, at); err != nil {
		return err
	}
	v.next, f.hint = n.fields[i].node, i+1
	return nil
}

// addKey records key k of object f, failing if f already has an equal key.
// at is the offset of the key's opening quote, for the error.
func (v *validator) addKey(f *frame, k keySpan, at int) error {
	raw := v.data[k.start:k.end]
	if f.set != nil {
		var s string
		if k.esc {
			s = string(appendUnescaped(nil, raw))
		} else {
			s = string(raw)
		}
		if _, dup := f.set[s]; dup {
			return v.fail(jsonErrDupKey, at)
		}
		f.set[s] = struct{}{}
		return nil
	}
	seen := v.keys[f.keys:]
	for _, o := range seen {
		other := v.data[o.start:o.end]
		if !o.esc && !k.esc {
			// The fast path: plain keys are equal when their bytes are.
			if string(other) == string(raw) {
				return v.fail(jsonErrDupKey, at)
			}
			continue
		}
		if keysEqual(other, o.esc, raw, k.esc) {
			return v.fail(jsonErrDupKey, at)
		}
	}
	if len(seen) < linearKeys {
		v.keys = append(v.keys, k)
		return nil
	}
	// The object outgrew the linear scan: move its keys into a map.
	f.set = make(map[string]struct{}, 2*linearKeys)
	var buf []byte
	for _, o := range append(seen, k) {
		buf = appendUnescaped(buf[:0], v.data[o.start:o.end])
		f.set[string(buf)] = struct{}{}
	}
	v.keys = v.keys[:f.keys]
	return nil
}

// keysEqual reports whether two raw keys, each escaped or not, are the same
// string after unescaping.
func keysEqual(a []byte, aEsc bool, b []byte, bEsc bool) bool {
	if !aEsc && !bEsc {
		return string(a) == string(b)
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ra, na := nextRune(a, i)
		rb, nb := nextRune(b, j)
		if ra != rb {
			return false
		}
		i, j = na, nb
	}
	return i == len(a) && j == len(b)
}

// nextRune decodes the character at s[i] of a validated string body, which
// may be an escape sequence, and returns it and the offset of the next one.
func nextRune(s []byte, i int) (rune, int) {
	c := s[i]
	if c != '\\' {
		if c < utf8.RuneSelf {
			return rune(c), i + 1
		}
		r, n := utf8.DecodeRune(s[i:])
		return r, i + n
	}
	switch s[i+1] {
	case 'b':
		return '\b', i + 2
	case 'f':
		return '\f', i + 2
	case 'n':
		return '\n', i + 2
	case 'r':
		return '\r', i + 2
	case 't':
		return '\t', i + 2
	case 'u':
		r := hex4(s[i+2 : i+6])
		if r >= 0xd800 && r < 0xdc00 {
			// A validated high surrogate is followed by \u and a low one.
			lo := hex4(s[i+8 : i+12])
			return 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00), i + 12
		}
		return r, i + 6
	default: // '"', '\\', '/'
		return rune(s[i+1]), i + 2
	}
}

// appendUnescaped appends the unescaped form of a validated string body.
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		var r rune
		r, i = nextRune(s, i)
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// hexVal maps a byte to its value as a hexadecimal digit, or -1.
var hexVal = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = int8(c - 'a' + 10)
		t[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	return t
}()

// hex4 decodes four validated hexadecimal digits.
func hex4(s []byte) rune {
	return rune(hexVal[s[0]])<<12 | rune(hexVal[s[1]])<<8 | rune(hexVal[s[2]])<<4 | rune(hexVal[s[3]])
}

// parseHex4 decodes the four hexadecimal digits of a \u escape at s[i:],
// returning -1 if they are not all there and valid.
func parseHex4(s []byte, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	a, b, c, d := hexVal[s[i]], hexVal[s[i+1]], hexVal[s[i+2]], hexVal[s[i+3]]
	if a|b|c|d < 0 {
		return -1
	}
	return rune(a)<<12 | rune(b)<<8 | rune(c)<<4 | rune(d)
}

// plainASCII marks the bytes that stand for themselves inside a string:
// printable ASCII other than '"' and '\\'.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str parses the string whose opening quote is at i. It returns the offset
// just past the closing quote, and whether the string holds any escape.
func (v *validator) str(i int) (end int, esc bool, err error) {
	d := v.data
	i++
	for {
		for i < len(d) && plainASCII[d[i]] {
			i++
		}
		if i >= len(d) {
			return i, esc, v.fail(jsonErrEOF, i)
		}
		switch c := d[i]; {
		case c == '"':
			return i + 1, esc, nil
		case c == '\\':
			esc = true
			if i, err = v.escape(i); err != nil {
				return i, esc, err
			}
		case c < 0x20:
			return i, esc, v.fail(jsonErrControl, i)
		default:
			r, n := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && n == 1 {
				return i, esc, v.fail(jsonErrUTF8, i)
			}
			i += n
		}
	}
}

// escape parses the escape sequence whose backslash is at i and returns the
// offset just past it. A \u escape of a high surrogate must be followed by
// one of a low surrogate; a low surrogate must not stand alone.
func (v *validator) escape(i int) (int, error) {
	d := v.data
	if i+1 >= len(d) {
		return i, v.fail(jsonErrEOF, i+1)
	}
	switch d[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 2, nil
	case 'u':
	default:
		return i, v.fail(jsonErrSyntax, i+1)
	}
	r := parseHex4(d, i+2)
	if r < 0 {
		return i, v.hexFail(i + 2)
	}
	switch {
	case r >= 0xdc00 && r < 0xe000:
		return i, v.fail(jsonErrSurrogate, i)
	case r >= 0xd800 && r < 0xdc00:
		j := i + 6
		if j+1 >= len(d) || d[j] != '\\' || d[j+1] != 'u' {
			return i, v.fail(jsonErrSurrogate, i)
		}
		lo := parseHex4(d, j+2)
		if lo < 0 {
			return i, v.hexFail(j + 2)
		}
		if lo < 0xdc00 || lo >= 0xe000 {
			return i, v.fail(jsonErrSurrogate, i)
		}
		return j + 6, nil
	}
	return i + 6, nil
}

// hexFail reports the first byte at or after i that is not a hexadecimal
// digit of a \u escape, or the end of input.
func (v *validator) hexFail(i int) error {
	for k := i; k < i+4; k++ {
		if k >= len(v.data) {
			return v.fail(jsonErrEOF, k)
		}
		if hexVal[v.data[k]] < 0 {
			return v.fail(jsonErrSyntax, k)
		}
	}
	panic("codec: hexFail called on valid hex digits")
}

// number parses the number that starts at i: an optional minus, an integer
// part without superfluous leading zeros, an optional fraction and an
// optional exponent, each with at least one digit.
func (v *validator) number(i int) (int, error) {
	d := v.data
	if d[i] == '-' {
		i++
	}
	if i >= len(d) {
		return i, v.fail(jsonErrEOF, i)
	}
	switch c := d[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		i = v.digits(i + 1)
	default:
		return i, v.fail(jsonErrSyntax, i)
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) {
			return i, v.fail(jsonErrEOF, i)
		}
		if !isDigit(d[i]) {
			return i, v.fail(jsonErrSyntax, i)
		}
		i = v.digits(i + 1)
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) {
			return i, v.fail(jsonErrEOF, i)
		}
		if !isDigit(d[i]) {
			return i, v.fail(jsonErrSyntax, i)
		}
		i = v.digits(i + 1)
	}
	return i, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (v *validator) digits(i int) int {
	for i < len(v.data) && isDigit(v.data[i]) {
		i++
	}
	return i
}

// literal parses the literal lit (true, false or null) at i.
func (v *validator) literal(i int, lit string) (int, error) {
	d := v.data
	for k := 0; k < len(lit); k++ {
		if i+k >= len(d) {
			return i + k, v.fail(jsonErrEOF, i+k)
		}
		if d[i+k] != lit[k] {
			return i + k, v.fail(jsonErrSyntax, i+k)
		}
	}
	return i + len(lit), nil
}
