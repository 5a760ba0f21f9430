package codec

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// Destinations of the planned JSON path (jsonplan.go), covering every kind
// a plan has. Each must get a plan: TestJSONPlanCovers checks it.
type (
	planName  string
	planInner struct {
		A string   `json:"a"`
		B []int    `json:"b,omitempty"`
		C *float64 `json:"c"`
	}
	planOuter struct {
		S      Session               `json:"s"`
		P      *Session              `json:"p,omitempty"`
		L      []Session             `json:"l"`
		M      map[string]Session    `json:"m"`
		MP     map[planName]*Session `json:"mp"`
		I8     int8                  `json:"i8"`
		I16    int16                 `json:"i16"`
		I32    int32                 `json:"i32,omitempty"`
		I      int                   `json:"i"`
		U8     uint8                 `json:"u8"`
		U16    uint16                `json:"u16"`
		U32    uint32                `json:"u32"`
		U64    uint64                `json:"u64,omitempty"`
		U      uint                  `json:"u"`
		F32    float32               `json:"f32"`
		F64    float64               `json:"f64,omitempty"`
		Bool   bool                  `json:"bool,omitempty"`
		Name   planName              `json:"name"`
		PP     **int                 `json:"pp"`
		PS     []*string             `json:"ps"`
		Deep   [][]planInner         `json:"deep"`
		Multi  map[string][]string   `json:"multi"`
		Inner  planInner             `json:"inner,omitempty"`
		Kelvin string                `json:"k"`
		Skip   string                `json:"-"`
		//lint:ignore SA5008 encoding/json documents "-," as the name "-"
		Dash  string `json:"-,"`
		Plain int
		//lint:ignore U1000 unexported: a key "note" is unknown, which is the point
		note string
	}
)

// planDests returns new destinations for the differential tests: the
// planned types (first return) and types that keep encoding/json (second),
// which must take the same decisions through the dispatch.
func planDests() (planned, unplanned []func() any) {
	planned = []func() any{
		func() any { return new(Session) },
		func() any { return new(planOuter) },
		func() any { return new([]Session) },
		func() any { return new(map[string]*Session) },
		func() any { return new(*Session) },
		func() any { return new([]float32) },
		func() any { return new(string) },
	}
	unplanned = []func() any{
		func() any { return new(map[string]any) },
		func() any { return new(any) },
		func() any { return new(keysOuter) },
	}
	return planned, unplanned
}

// planPrefill is a value that every destination of planDests decodes from
// (or rejects), so that the tests also compare decoding into a destination
// that already holds data: slices with spare capacity, maps with entries,
// non-nil pointers.
const planPrefill = `{"s":{"uid":"old","roles":["a","b","c","d"]},"p":{"name":"pn"},"l":[{"uid":"1","roles":["x"]},{"uid":"2"},{"uid":"3"}],` +
	`"m":{"keep":{"uid":"k"}},"mp":{"n":{"csrf":"c"}},"pp":7,"ps":["q",null],"deep":[[{"a":"x","b":[1,2,3]}]],"multi":{"m":["1"]},` +
	`"inner":{"a":"i","c":2.5},"uid":"u","roles":["r1","r2","r3"]}`

func TestJSONPlanCovers(t *testing.T) {
	planned, unplanned := planDests()
	for _, d := range planned {
		if v := d(); shapeOf(reflect.TypeOf(v)).jsonPlan == nil {
			t.Errorf("%T: no plan; the differential fuzz would not test the planned path with it", v)
		}
	}
	for _, d := range unplanned {
		if v := d(); shapeOf(reflect.TypeOf(v)).jsonPlan != nil {
			t.Errorf("%T: planned, want encoding/json", v)
		}
	}
	for _, v := range []any{
		new(struct{ B []byte }),          // base64
		new(struct{ A [2]int }),          // arrays
		new(struct{ N json.Number }),     // json.Number
		new(struct{ R json.RawMessage }), // a json.Unmarshaler
		new(struct {
			S int `json:"s,string"`
		}), // the string option
		new(struct {
			S int `json:"s,omitzero"`
		}), // omitzero
		new(struct{ M map[int]string }), // integer keys
		new(struct {
			X string `json:"x"`
			Y string `json:"X"`
		}), // two fields whose names fold to one
		new(struct{ Session }), // embedded
		new(struct{ A any }),   // an interface
	} {
		if shapeOf(reflect.TypeOf(v)).jsonPlan != nil {
			t.Errorf("%T: planned, want encoding/json", v)
		}
	}
}

// checkPlanAgrees decodes data with Unmarshal (strict, and with
// IgnoreUnknownFields) and with the encoding/json reference path into
// destinations made by newDest, each started from a zero value and from
// planPrefill, and fails unless both accept or both reject, rejections
// wrap ErrInvalid, and accepted input decodes to equal values that Marshal
// encodes to the same bytes on both paths.
func checkPlanAgrees(t *testing.T, newDest func() any, data []byte) {
	t.Helper()
	lenientJSON, _ := IgnoreUnknownFields(JSON())
	for _, lenient := range []bool{false, true} {
		c := JSON()
		if lenient {
			c = lenientJSON
		}
		for _, prefill := range []bool{false, true} {
			got, want := newDest(), newDest()
			if prefill {
				// Either both decode the prefill or neither does.
				_ = unmarshalJSONStd([]byte(planPrefill), got, true)
				_ = unmarshalJSONStd([]byte(planPrefill), want, true)
			}
			errGot := c.Unmarshal(data, got)
			errWant := unmarshalJSONStd(data, want, lenient)
			if (errGot == nil) != (errWant == nil) {
				t.Fatalf("%T (lenient %v, prefill %v) from %q: planned path says %v, encoding/json %v", got, lenient, prefill, data, errGot, errWant)
			}
			if errGot != nil {
				if !errors.Is(errGot, ErrInvalid) {
					t.Fatalf("%T from %q: %v does not wrap ErrInvalid", got, data, errGot)
				}
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%T (lenient %v, prefill %v) from %q: planned path decodes %+v, encoding/json %+v", got, lenient, prefill, data, got, want)
			}
			checkMarshalAgrees(t, got)
			checkMarshalAgrees(t, reflect.ValueOf(got).Elem().Interface())
		}
	}
}

// checkMarshalAgrees fails unless JSON().Marshal and the encoding/json
// reference path encode v to the same bytes, or both fail.
func checkMarshalAgrees(t *testing.T, v any) {
	t.Helper()
	got, errGot := JSON().Marshal(v)
	want, errWant := marshalJSONStd(v)
	if (errGot == nil) != (errWant == nil) || string(got) != string(want) {
		t.Fatalf("Marshal(%T %+v): planned path writes %q, %v; encoding/json %q, %v", v, v, got, errGot, want, errWant)
	}
}

// FuzzJSONPlanAgrees holds JSON's planned path (jsonplan.go) to the
// encoding/json path it replaces for planned types: for any input, the same
// acceptance, the same decoded value (into fresh and into reused
// destinations, strict and ignoring unknown fields), and the same encoding
// of what was decoded; and for values built from the input, the same
// Marshal output. Types without a plan go through the same dispatch, so
// they are decoded too.
func FuzzJSONPlanAgrees(f *testing.F) {
	addSeeds(f, JSON())
	for _, tt := range jsonPlanTests {
		f.Add([]byte(tt.in))
	}
	f.Add([]byte(planPrefill))
	f.Fuzz(func(t *testing.T, data []byte) {
		planned, unplanned := planDests()
		for _, d := range append(planned, unplanned...) {
			checkPlanAgrees(t, d, data)
		}
		for _, v := range fuzzValues(data) {
			checkMarshalAgrees(t, v)
		}
	})
}

// jsonPlanTests are inputs whose decoding depends on one of encoding/json's
// rules that the planned path must copy; ok says whether Unmarshal into a
// planOuter accepts it.
var jsonPlanTests = []struct {
	name string
	in   string
	ok   bool
}{
	{"workload fields at the top", `{"s":{"uid":"u_8f14e45fceea167a","name":"Alice Example","roles":["admin","billing","support"],"csrf":"3q2-7wAAAAAAAAAAAAAAAA","created":1764115200}}`, true},
	{"escapes", `{"name":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\u2028<&>"}`, true},
	{"case-insensitive field", `{"NAME":"x","Plain":1,"PLAIN":2}`, true},
	{"kelvin sign folds to k", `{"\u212a":"kelvin"}`, true},
	{"dash name", `{"-":"d"}`, true},
	{"null everywhere", `{"s":null,"p":null,"l":null,"m":null,"mp":null,"i8":null,"f32":null,"bool":null,"name":null,"pp":null,"ps":[null],"deep":[[null]],"inner":null}`, true},
	{"empty containers", `{"l":[],"m":{},"ps":[],"deep":[[]],"multi":{"x":[]},"inner":{"b":[]}}`, true},
	{"int8 bounds", `{"i8":-128,"u8":255,"i16":32767,"u16":65535,"i32":-2147483648,"u32":4294967295}`, true},
	{"int8 overflow", `{"i8":128}`, false},
	{"uint8 overflow", `{"u8":256}`, false},
	{"uint negative", `{"u":-1}`, false},
	{"uint minus zero", `{"u":-0}`, false},
	{"int minus zero", `{"i":-0}`, true},
	{"int64 past 2^63", `{"i":9223372036854775808}`, false},
	{"uint64 max", `{"u64":18446744073709551615}`, true},
	{"uint64 past max", `{"u64":18446744073709551616}`, false},
	{"int from a fraction", `{"i":1.0}`, false},
	{"int from an exponent", `{"i":1e3}`, false},
	{"huge float64", `{"f64":1e309}`, false},
	{"huge float32", `{"f32":3.5e38}`, false},
	{"tiny float", `{"f64":1e-400,"f32":1e-50}`, true},
	{"many digits", `{"f64":3.14159265358979323846264338327950288419716939937510}`, true},
	{"string into int", `{"i":"1"}`, false},
	{"number into string", `{"name":1}`, false},
	{"bool into string", `{"name":true}`, false},
	{"object into string", `{"name":{}}`, false},
	{"array into struct", `{"s":[]}`, false},
	{"object into slice", `{"l":{}}`, false},
	{"array into map", `{"m":[]}`, false},
	{"string into bool", `{"bool":"true"}`, false},
	{"number into pointer to int", `{"pp":3}`, true},
	{"string into pointer to int", `{"pp":"3"}`, false},
	{"map values fresh", `{"m":{"keep":{"name":"n"}}}`, true},
	{"escaped map key", `{"multi":{"\u0041\n":["v"]}}`, true},
	{"unknown field", `{"nope":1}`, false},
	{"unknown nested field", `{"deep":[[{"a":"x","zz":[1,{"y":2}]}]]}`, false},
	{"unexported field", `{"note":"x"}`, false},
	{"skipped field", `{"Skip":"x"}`, false},
	{"duplicate key", `{"name":"a","name":"b"}`, false},
	{"duplicate key, escaped", `{"name":"a","n\u0061me":"b"}`, false},
	{"duplicate key at depth", `{"l":[{"uid":"a"},{"uid":"b","uid":"c"}]}`, false},
	{"duplicate map key at depth", `{"mp":{"a":{},"a":null}}`, false},
	{"fold duplicates fill one field", `{"name":"a","NAME":"b"}`, true},
	{"invalid UTF-8", "{\"name\":\"\xff\"}", false},
	{"lone surrogate", `{"name":"\ud800"}`, false},
	{"trailing data", `{} {}`, false},
	{"top-level null", `null`, true},
	{"too deep", strings.Repeat(`{"deep":[[`, 11) + strings.Repeat(`]]}`, 11), false},
	{"whitespace", " \t\r\n{ \"s\" : { \"roles\" : [ \"a\" , \"b\" ] } , \"i\" : -12 }\n", true},
}

func TestJSONPlanTable(t *testing.T) {
	for _, tt := range jsonPlanTests {
		t.Run(tt.name, func(t *testing.T) {
			var v planOuter
			err := JSON().Unmarshal([]byte(tt.in), &v)
			if (err == nil) != tt.ok {
				t.Errorf("Unmarshal(%q) = %v, want ok %v", tt.in, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("Unmarshal(%q) = %v, does not wrap ErrInvalid", tt.in, err)
			}
			planned, unplanned := planDests()
			for _, d := range append(planned, unplanned...) {
				checkPlanAgrees(t, d, []byte(tt.in))
			}
		})
	}
}

// TestJSONPlanMarshal compares the planned encoder with encoding/json on
// values that decoding cannot produce: invalid UTF-8, NaN and infinities,
// floats at the format's cut-offs, nil and empty containers, omitempty.
func TestJSONPlanMarshal(t *testing.T) {
	one := 1
	pone := &one
	s := "x"
	for _, v := range []any{
		&Session{UserID: "a\xffb\xc3", Name: "\u2028\u2029\x00\x1f\x7f<>&", Roles: []string{}},
		&Session{},
		Session{Roles: nil},
		&planOuter{F64: math.NaN()},
		&planOuter{F32: float32(math.Inf(1))},
		&planOuter{F64: math.Inf(-1)},
		&planOuter{F64: 1e21, F32: 1e21},
		&planOuter{F64: 1e-6, F32: 1e-6},
		&planOuter{F64: 1e-7, F32: 1e-7},
		&planOuter{F64: 123456789e-20, F32: -0.000001},
		&planOuter{F64: math.Copysign(0, -1)},
		&planOuter{PP: &pone, PS: []*string{&s, nil}, MP: map[planName]*Session{"b": nil, "a": {}, "\xff": nil}},
		&planOuter{Multi: map[string][]string{"z": nil, "a": {}, "é": {"x"}, "\u2028": {"y"}}},
		&planOuter{Deep: [][]planInner{nil, {}, {{B: []int{}}}}},
		&planOuter{I: math.MinInt, U64: math.MaxUint64, I8: -1, U: 0, Bool: true},
		(*Session)(nil),
		[]Session(nil),
		map[string]*Session{"x": nil},
		make([]Session, maxDecodeLen+1),
	} {
		checkMarshalAgrees(t, v)
	}
}

// maxDecodeLen is one past which a slice cannot be decoded: Marshal must
// reject it on both paths.
const maxDecodeLen = MaxElements

// TestJSONPlanLimits: the planned path keeps every limit and rule, also in
// values that IgnoreUnknownFields skips, where only the validator sees
// them. Each input goes to a Session, strict and lenient, and must be
// accepted or rejected as ok says, the same as on the encoding/json path.
func TestJSONPlanLimits(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	roles := func(n int) string {
		return `{"roles":[` + strings.TrimSuffix(strings.Repeat(`"r",`, n), ",") + `]}`
	}
	lenientJSON, _ := IgnoreUnknownFields(JSON())
	for _, tt := range []struct {
		name           string
		in             string
		strict, skipOK bool // accepted strictly; accepted with IgnoreUnknownFields
	}{
		{"depth 32 in an ignored value", `{"x":` + nest(31) + `}`, false, true},
		{"depth 33 in an ignored value", `{"x":` + nest(32) + `}`, false, false},
		{"MaxElements members", roles(MaxElements), true, true},
		{"MaxElements+1 members", roles(MaxElements + 1), false, false},
		{"input of MaxInputSize+1 bytes", `{"uid":"` + strings.Repeat("a", MaxInputSize) + `"}`, false, false},
		{"invalid UTF-8 in an ignored value", "{\"x\":\"\xc3\"}", false, false},
		{"lone surrogate in an ignored key", `{"\udc00":1}`, false, false},
		{"duplicate key in an ignored value", `{"x":{"a":1,"a":2}}`, false, false},
		{"duplicate unknown key", `{"x":1,"x":1}`, false, false},
		{"duplicate key at depth in a known value", `{"roles":["a"],"name":"n","roles":["b"]}`, false, false},
		{"huge number into an int64", `{"created":123456789012345678901234567890}`, false, false},
		{"huge number in an ignored value", `{"x":123456789012345678901234567890e999}`, false, true},
		{"trailing comma", `{"uid":"a",}`, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				codec Codec
				ok    bool
			}{{JSON(), tt.strict}, {lenientJSON, tt.skipOK}} {
				var s Session
				err := c.codec.Unmarshal([]byte(tt.in), &s)
				if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
					t.Errorf("lenient %v: Unmarshal = %v, want ok %v", c.codec != JSON(), err, c.ok)
				}
			}
			checkPlanAgrees(t, func() any { return new(Session) }, []byte(tt.in))
		})
	}
}
