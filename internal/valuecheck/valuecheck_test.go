package valuecheck

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestASCII(t *testing.T) {
	for n := 0; n <= 40; n++ {
		b := []byte(strings.Repeat("a", n))
		if !ASCII(b) || !ASCII(string(b)) {
			t.Errorf("ASCII(%d ASCII bytes) = false", n)
		}
		for i := range n {
			for _, c := range []byte{0x80, 0xff} {
				b[i] = c
				if ASCII(b) || ASCII(string(b)) {
					t.Errorf("ASCII(%d bytes with %#x at %d) = true", n, c, i)
				}
				b[i] = 'a'
			}
		}
	}
}

type pair struct {
	A string
	F float64
}

// planPair is the check that codec plans for *pair under CBOR's rules.
func planPair() *Root {
	t := reflect.TypeFor[pair]()
	a, _ := t.FieldByName("A")
	f, _ := t.FieldByName("F")
	return &Root{Type: reflect.TypeFor[*pair](), Check: &Check{Kind: Pointer, Elem: &Check{Kind: Struct, Fields: []Field{
		{Offset: a.Offset, Check: &Check{Kind: String}},
		{Offset: f.Offset, Check: &Check{Kind: Float64}},
	}}}}
}

// TestRootValue holds Value to its invariant: it reads a value only
// through a pointer of the type its tree was planned for, and reads
// nothing otherwise.
func TestRootValue(t *testing.T) {
	type other struct {
		A [64]byte // at A's offset in pair, but not a string header
	}
	var o other
	for i := range o.A {
		o.A[i] = 0xff
	}
	var errValue *Error
	for _, tc := range []struct {
		name     string
		v        any
		wantDone bool
		wantErr  bool
	}{
		{"valid", &pair{A: "ok", F: 1}, true, false},
		{"invalid UTF-8", &pair{A: "\xff"}, true, true},
		{"NaN", &pair{A: "ok", F: math.NaN()}, true, true},
		{"nil pointer", (*pair)(nil), true, false},
		{"not a pointer", pair{A: "\xff"}, false, false},
		{"another type", &o, false, false},
		{"nil", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done, err := planPair().Value(tc.v)
			if done != tc.wantDone || (err != nil) != tc.wantErr || (err != nil && !errors.As(err, &errValue)) {
				t.Errorf("Value(%T) = %v, %v; want done %v, error %v", tc.v, done, err, tc.wantDone, tc.wantErr)
			}
		})
	}
	if done, err := (&Root{Type: reflect.TypeFor[pair]()}).Value(pair{}); !done || err != nil {
		t.Errorf("a nil Check = %v, %v; want done, no error", done, err)
	}
}
