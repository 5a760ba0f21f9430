// Package valuecheck runs, on a Go value in memory, the checks that package
// codec plans for a type: the one use of unsafe in this module.
//
// codec's Marshal checks that its output decodes. For a "plain" type (see
// codec/shape.go) that check reduces to what depends on the value: slice and
// map lengths, and for CBOR the UTF-8 of strings and the finiteness of
// floats. A Check walks the value for those. Reading the value through
// pointers at the offsets that reflect gave when the Check was planned costs
// about 10% fewer instructions, and 15% less CPU time, per CBOR Marshal of the
// benchmark workload than walking it with reflect.Value (BENCHMARKS.md,
// "unsafe and platform code"); that gain is why this package exists.
//
// # Invariant
//
// A Check reads memory only, never writes it, and reads it only as the type
// it was planned for: every offset, size and kind in a Check tree comes from
// reflect for exactly that type, and [Root.Value] runs a tree only on a
// pointer whose dynamic type is the one the tree was planned for
// (Root.Type), which it verifies. A pointer to a value of any other type
// returns done == false, and codec falls back to checking its output. The
// planner (codec/shape.go) must therefore build a tree from one type's
// reflect data and never patch a tree after building it; FuzzMarshalShapeAgrees
// in codec holds the result to the full output check.
package valuecheck

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"unicode/utf8"
	"unsafe"
)

// Kind says what a Check checks.
type Kind uint8

// The kinds of Check.
const (
	String  Kind = iota + 1 // the string is valid UTF-8
	JSONKey                 // the map key is valid UTF-8, else ErrUndecided
	Float32                 // the float is finite
	Float64                 // the float is finite
	Pointer                 // the pointed-to value, if not nil
	Slice                   // at most Limit members, then each member
	Array                   // each member
	Map                     // at most Limit pairs, then each key and value
	Struct                  // the fields that need a check
)

// Check checks one value of the type it was planned for. A nil *Check
// checks nothing: the type alone proves the value fine.
type Check struct {
	Kind   Kind
	Elem   *Check       // Pointer, Slice, Array, Map (values)
	Key    *Check       // Map
	Size   uintptr      // Slice, Array: the size of one member, reflect's Type.Size
	N      int          // Array: the length
	Limit  int          // Slice, Map: the most members allowed
	Type   reflect.Type // Map: the map type
	Fields []Field      // Struct
}

// Field is the check of one struct field, at its offset (reflect's
// StructField.Offset).
type Field struct {
	Offset uintptr
	Check  *Check
}

// Root is a Check tree with the type it was planned for.
type Root struct {
	Type  reflect.Type // the type of the values given to Value
	Check *Check       // nil checks nothing: the type alone proves every value fine
}

// ErrUndecided is what a JSONKey check reports for a key that is not valid
// UTF-8: encoding/json turns it into U+FFFD, so two keys that differ only
// there collide, and only the output can tell.
var ErrUndecided = errors.New("valuecheck: the value check cannot decide")

// Error is what a Check reports for a value that would not decode.
type Error struct{ What string }

func (e *Error) Error() string { return "valuecheck: " + e.What }

// Value runs r on v, whose type must be r.Type. A nil r.Check is done at
// once. Otherwise only a pointer is followed in place: for any other type,
// or a v whose type is not r.Type, Value reads nothing and returns done ==
// false, and the caller checks the output instead.
func (r *Root) Value(v any) (done bool, err error) {
	if r.Check == nil {
		return true, nil
	}
	if r.Check.Kind != Pointer || reflect.TypeOf(v) != r.Type {
		return false, nil
	}
	rv := reflect.ValueOf(v)
	if rv.IsNil() {
		return true, nil
	}
	return true, r.Check.Elem.run(rv.UnsafePointer())
}

// run checks the value at p, which has the type that c was planned for.
// Strings, the common case, are checked in place rather than by a call
// each.
func (c *Check) run(p unsafe.Pointer) error {
	switch c.Kind {
	case String:
		return checkString(*(*string)(p))
	case JSONKey:
		if checkString(*(*string)(p)) != nil {
			return ErrUndecided
		}
	case Float32:
		return checkFloat(float64(*(*float32)(p)))
	case Float64:
		return checkFloat(*(*float64)(p))
	case Pointer:
		if q := *(*unsafe.Pointer)(p); q != nil {
			return c.Elem.run(q)
		}
	case Slice:
		// Every slice header has the layout of a []byte's.
		b := *(*[]byte)(p)
		if len(b) > c.Limit {
			return tooMany(len(b), c.Limit)
		}
		if c.Elem != nil {
			return c.Elem.runEach(unsafe.Pointer(unsafe.SliceData(b)), len(b), c.Size)
		}
	case Array:
		return c.Elem.runEach(p, c.N, c.Size)
	case Map:
		return c.runMap(p)
	case Struct:
		for _, f := range c.Fields {
			q := unsafe.Add(p, f.Offset)
			var err error
			if f.Check.Kind == String {
				err = checkString(*(*string)(q))
			} else {
				err = f.Check.run(q)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// runEach runs c on the n values of the given size from p on.
func (c *Check) runEach(p unsafe.Pointer, n int, size uintptr) error {
	for i := range n {
		q := unsafe.Add(p, uintptr(i)*size)
		var err error
		if c.Kind == String {
			err = checkString(*(*string)(q))
		} else {
			err = c.run(q)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// runMap checks the map at p. Map members cannot be addressed, so each
// key and value is copied into one scratch value of its type first.
func (c *Check) runMap(p unsafe.Pointer) error {
	m := reflect.NewAt(c.Type, p).Elem()
	if n := m.Len(); n > c.Limit {
		return tooMany(n, c.Limit)
	}
	if c.Key == nil && c.Elem == nil {
		return nil
	}
	k := reflect.New(c.Type.Key()).Elem()
	e := reflect.New(c.Type.Elem()).Elem()
	for it := m.MapRange(); it.Next(); {
		if c.Key != nil {
			k.SetIterKey(it)
			if err := c.Key.run(k.Addr().UnsafePointer()); err != nil {
				return err
			}
		}
		if c.Elem != nil {
			e.SetIterValue(it)
			if err := c.Elem.run(e.Addr().UnsafePointer()); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkString fails if s is not valid UTF-8. Session strings are mostly
// ASCII, which ASCII confirms eight bytes at a time.
func checkString(s string) error {
	if ASCII(s) || utf8.ValidString(s) {
		return nil
	}
	return &Error{"invalid UTF-8 in a text string"}
}

func checkFloat(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return &Error{"NaN or infinity"}
	}
	return nil
}

func tooMany(n, limit int) error {
	return &Error{fmt.Sprintf("%d members, over the limit of %d", n, limit)}
}

// ASCII reports whether s is all ASCII, eight bytes at a time: cheaper
// than utf8.Valid for the short strings of a session. The last word, and
// a string of four to seven bytes, is read as two loads that overlap.
func ASCII[T string | []byte](s T) bool {
	const hi64, hi32 = 0x8080808080808080, 0x80808080
	switch n := len(s); {
	case n >= 8:
		acc := le64(s[n-8:])
		for ; len(s) > 8; s = s[8:] {
			acc |= le64(s)
		}
		return acc&hi64 == 0
	case n >= 4:
		return (le32(s)|le32(s[n-4:]))&hi32 == 0
	default:
		var acc byte
		for i := 0; i < len(s); i++ {
			acc |= s[i]
		}
		return acc < 0x80
	}
}

// le64 and le32 read the first 8 and 4 bytes of s, little-endian, as
// encoding/binary does; the compiler merges the byte loads into one.
func le64[T string | []byte](s T) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32[T string | []byte](s T) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}
