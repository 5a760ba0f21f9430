package format

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type gobTestUser struct {
	ID    int
	Name  string
	Tags  []string
	Inner gobTestInner
	Ptr   *gobTestInner
}

type gobTestInner struct {
	OK  bool
	Avg float64
}

// gobTestRole is a named basic type, gobTestPerson a struct registered by
// pointer, as gorilla/sessions' documentation does (gob.Register(&Person{})).
type (
	gobTestRole   string
	gobTestPerson struct{ Name string }
)

func init() {
	gob.Register(gobTestRole(""))
	gob.Register(&gobTestPerson{})
	gob.Register(gobTestUser{})
	gob.Register(map[string]interface{}{})
	gob.Register([]interface{}{})
	gob.Register(time.Time{})
	gob.Register(complex128(0))
}

func gobEncode(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGobJSONMatchesEncodingGob writes values with encoding/gob and checks
// that the reader renders them as encoding/json renders the same values.
func TestGobJSONMatchesEncodingGob(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string // "": json.Marshal(in)
	}{
		{"string", "hello", ""},
		{"int", -12345678901, ""},
		{"uint64 max", uint64(math.MaxUint64), ""},
		{"float", 3.25, ""},
		{"bool", true, ""},
		{"bytes", []byte{0, 1, 254, 255}, ""},
		{"[]string", []string{"a", "", "c"}, ""},
		{"[3]int", [3]int{1, 2, 3}, ""},
		{"map[string]int", map[string]int{"a": 1, "b": -2}, ""},
		{"map[int]string", map[int]string{1: "one", -2: "minus two"}, `{"-2":"minus two","1":"one"}`},
		{"struct", gobTestUser{ID: 7, Name: "bob", Tags: []string{"x"}, Inner: gobTestInner{OK: true, Avg: 0.5}}, `{"ID":7,"Name":"bob","Tags":["x"],"Inner":{"OK":true,"Avg":0.5},"Ptr":null}`},
		{"struct with zero fields", gobTestUser{}, `{"ID":0,"Name":"","Tags":null,"Inner":{"OK":false,"Avg":0},"Ptr":null}`},
		{"session", map[interface{}]interface{}{
			"user":  gobTestUser{ID: 1, Ptr: &gobTestInner{Avg: 2}},
			"list":  []interface{}{"a", 1, nil, []interface{}{true}},
			"prefs": map[string]interface{}{"k": []string{"v"}},
			"n":     nil,
			3:       "three",
		}, `{"3":"three","list":["a",1,null,[true]],"n":null,"prefs":{"k":["v"]},"user":{"ID":1,"Inner":{"Avg":0,"OK":false},"Name":"","Ptr":{"Avg":2,"OK":false},"Tags":null}}`},
		{"empty session", map[interface{}]interface{}{}, `{}`},
		{"a named string and a struct registered by pointer", map[interface{}]interface{}{"role": gobTestRole("admin"), "p": &gobTestPerson{Name: "ann"}},
			`{"p":{"Name":"ann"},"role":"admin"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gobJSON(gobEncode(t, tt.in))
			if err != nil {
				t.Fatal(err)
			}
			want := []byte(tt.want)
			if tt.want == "" {
				if want, err = json.Marshal(tt.in); err != nil {
					t.Fatal(err)
				}
			}
			var g, w any
			if json.Unmarshal(got, &g) != nil || json.Unmarshal(want, &w) != nil || !reflect.DeepEqual(g, w) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// TestGobJSONRefuses checks the values the reader does not render and the
// malformed streams it rejects, each with a message saying why.
func TestGobJSONRefuses(t *testing.T) {
	nan := gobEncode(t, math.NaN())
	// Nested []interface{} 40 deep: beyond gobMaxDepth.
	var deep any = "x"
	for range 40 {
		deep = []interface{}{deep}
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "ends before a value"},
		{"time.Time (a GobEncoder)", gobEncode(t, map[interface{}]interface{}{"t": time.Unix(0, 0)}), `"Time", which encodes itself`},
		{"complex", gobEncode(t, map[interface{}]interface{}{"c": complex128(1i)}), "complex number"},
		{"NaN", nan, "JSON cannot hold"},
		{"nesting", gobEncode(t, map[interface{}]interface{}{"d": deep}), "nested more than 32"},
		{"trailing data", append(gobEncode(t, "a"), gobEncode(t, "b")...), "data follows the value"},
		{"truncated", gobEncode(t, "hello")[:5], "a count of 8, beyond the data"},
		{"message longer than the data", []byte{0x7f, 0x0c, 0x00}, "a count of 127, beyond the data"},
		{"a value cut at the end of its message", mustHex(t, "020c000100"), "ends in the middle"},
		{"string length beyond the data", mustHex(t, "050c00fe7fff"), "a count of 32767, beyond the data"},
		{"reserved type id", mustHex(t, "037d0000"), "type 63, which is reserved"},
		{"undefined type", mustHex(t, "03ff8200"), "type 65 is not defined"},
		{"integer of 9 bytes", mustHex(t, "0c0400f7010203040506070809"), "an integer of 9 bytes"},
		{"boolean of 2", mustHex(t, "03020002"), "a boolean of 2"},
		{"type defined twice", append(mustHex(t, "0d7f040102ff80000110011000000d7f040102ff8000011001100000"), gobEncode(t, "x")...), "type 64 is defined twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gobJSON(tt.in)
			if err == nil {
				t.Fatalf("rendered %s", got)
			}
			if !errors.Is(err, errGob) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGobJSONBounded: a struct of many fields sent once, then a slice of
// thousands of empty values of it, would render millions of zero fields;
// the node budget stops it, fast.
func TestGobJSONBounded(t *testing.T) {
	type wide struct {
		F00, F01, F02, F03, F04, F05, F06, F07, F08, F09 int
		F10, F11, F12, F13, F14, F15, F16, F17, F18, F19 int
	}
	in := gobEncode(t, make([]wide, 10000))
	start := time.Now()
	_, err := gobJSON(in)
	if err == nil || !strings.Contains(err.Error(), "more than 65536 values") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
	if _, err := gobJSON(make([]byte, maxInput+1)); err == nil || !strings.Contains(err.Error(), "more than the 65536") {
		t.Fatalf("oversized input: %v", err)
	}
}

// FuzzGob feeds arbitrary bytes to the gob reader: it never panics, and
// what it accepts renders as valid JSON.
func FuzzGob(f *testing.F) {
	for _, v := range []any{"s", 1, []byte{1}, map[interface{}]interface{}{"a": 1, "b": []interface{}{"x", 2.5}, "u": gobTestUser{ID: 1}}, [2]bool{true}} {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(v); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := gobJSON(data)
		if err != nil {
			if !errors.Is(err, errGob) {
				t.Fatalf("error %v does not wrap errGob", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q", out)
		}
	})
}
