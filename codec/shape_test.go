package codec

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The tests of shape.go hold each shortcut to the full path it replaces:
// the value checks of Marshal to the output checks (validateJSON and
// checkCBOR), and JSON Unmarshal's known keys to json.Decoder with
// DisallowUnknownFields (unmarshalJSONDecoder).

// Types for the shape tests.
type (
	shapeFloats struct {
		F32 float32            `json:"f32" cbor:"1,keyasint"`
		F64 float64            `json:"f64" cbor:"2,keyasint"`
		P   *float64           `json:"p"   cbor:"3,keyasint"`
		M   map[string]float64 `json:"m"   cbor:"4,keyasint"`
	}
	shapeNested struct {
		Inner  *Session            `json:"inner"`
		Many   []Session           `json:"many"`
		ByName map[string][]string `json:"by_name"`
		ByID   map[int]*Session    `json:"by_id"`
		Fixed  [3]string           `json:"fixed"`
		Bytes  []byte              `json:"bytes"`
		Ptrs   []*string           `json:"ptrs"`
		Deep   [][][]string        `json:"deep"`
		Skip   string              `json:"-" cbor:"-"`
		//lint:ignore U1000 unexported: never encoded, which is the point
		hidden string
		Set    map[string]struct{}  `json:"set"`
		Grid   map[string][2]uint16 `json:"grid"`
	}
	shapeEmbedded struct {
		Session
		Extra string
	}
	shapeRecursive struct {
		Next *shapeRecursive
	}
	shapeAny struct {
		V any
	}
	shapeTime struct {
		T time.Time
	}
	shapeRaw struct {
		R json.RawMessage
	}
	shapeDupTag struct {
		A string `json:"B" cbor:"B"` // the same name as the next field
		B string
	}
	shapeKeyAsInt struct {
		A string `cbor:"1,keyasint"`
		B string `cbor:"01,keyasint"`
	}
	shapeFold struct {
		ID string
		Id string //nolint:revive // the point of the test
	}
	shapeOddTag struct {
		A string `json:"a b"`
	}
	shapeBigArray struct {
		A [MaxElements + 1]byte
	}
	shapeUnexported struct {
		Name string `json:"name"`
		//lint:ignore U1000 unexported: never encoded, which is the point
		note string
	}
)

// nest33 is 33 nested slices: deeper than MaxDepth.
type nest33 [][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][]int

func TestShapePlain(t *testing.T) {
	for _, tt := range []struct {
		v                              any
		jsonPlain, cborPlain, keysKnow bool
	}{
		{&Session{}, true, true, true},
		{Session{}, true, true, true},
		{&shapeFloats{}, true, true, true},
		{&shapeNested{}, true, true, true},
		{&shapeUnexported{}, true, true, true},
		{new(map[string]string), true, true, true},
		{new([]int), true, true, true},
		{new(string), true, true, true},
		{&shapeEmbedded{}, false, false, false},
		{&shapeRecursive{}, false, false, false},
		{&shapeAny{}, false, false, false},
		{new(any), false, false, false},
		{new(map[string]any), false, false, false},
		{&shapeTime{}, false, false, true}, // time.Time decodes itself
		{&shapeRaw{}, false, false, true},  // so does json.RawMessage
		{&shapeDupTag{}, false, false, false},
		{&shapeKeyAsInt{}, true, false, true},
		{&shapeFold{}, true, true, false},
		{&shapeOddTag{}, false, false, false},
		{&shapeBigArray{}, false, false, true},
		{new(nest33), false, false, true},
		{new(complex128), false, false, true},
		{new(chan int), false, false, true},
	} {
		s := shapeOf(reflect.TypeOf(tt.v))
		if s.jsonPlain != tt.jsonPlain || s.cborPlain != tt.cborPlain || s.keysKnown != tt.keysKnow {
			t.Errorf("%T: jsonPlain, cborPlain, keysKnown = %v, %v, %v; want %v, %v, %v",
				tt.v, s.jsonPlain, s.cborPlain, s.keysKnown, tt.jsonPlain, tt.cborPlain, tt.keysKnow)
		}
	}
}

func TestValueCheckErrors(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		name  string
		codec Codec
		v     any
		want  string // "" for success
	}{
		{"invalid UTF-8 field", CBOR(), &Session{Name: "a\xffb"}, "invalid UTF-8"},
		{"invalid UTF-8 in slice", CBOR(), &Session{Roles: []string{"ok", "\xc0\xaf"}}, "invalid UTF-8"},
		{"invalid UTF-8 map key", CBOR(), &shapeNested{ByName: map[string][]string{"\xff": nil}}, "invalid UTF-8"},
		{"invalid UTF-8 map value", CBOR(), &shapeNested{ByName: map[string][]string{"k": {"\xff"}}}, "invalid UTF-8"},
		{"invalid UTF-8 behind pointer", CBOR(), &shapeNested{Inner: &Session{CSRF: "\xff"}}, "invalid UTF-8"},
		{"invalid UTF-8 in array", CBOR(), &shapeNested{Fixed: [3]string{"", "", "\xff"}}, "invalid UTF-8"},
		{"invalid UTF-8 in skipped field", CBOR(), &shapeNested{Skip: "\xff"}, ""},
		{"invalid UTF-8 in JSON", JSON(), &Session{Name: "a\xffb"}, ""}, // becomes U+FFFD
		{"invalid UTF-8 JSON map key", JSON(), &shapeNested{ByName: map[string][]string{"a\xff": nil, "b": nil}}, ""},
		{"JSON map keys that collide as U+FFFD", JSON(), &shapeNested{ByName: map[string][]string{"a\xff": nil, "a\xfe": nil}}, "duplicate object key"},
		{"NaN float32", CBOR(), &shapeFloats{F32: float32(nan)}, "NaN or infinity"},
		{"infinite float64", CBOR(), &shapeFloats{F64: math.Inf(-1)}, "NaN or infinity"},
		{"NaN behind pointer", CBOR(), &shapeFloats{P: &nan}, "NaN or infinity"},
		{"NaN map value", CBOR(), &shapeFloats{M: map[string]float64{"x": nan}}, "NaN or infinity"},
		{"NaN in JSON", JSON(), &shapeFloats{F64: nan}, "unsupported value"},
		{"long slice JSON", JSON(), &Session{Roles: make([]string, MaxElements+1)}, "4097 members"},
		{"long slice CBOR", CBOR(), &Session{Roles: make([]string, MaxElements+1)}, "4097 members"},
		{"longest slice", CBOR(), &Session{Roles: make([]string, MaxElements)}, ""},
		{"long nested slice", JSON(), &shapeNested{Deep: [][][]string{{make([]string, MaxElements+1)}}}, "4097 members"},
		{"big map", CBOR(), &shapeNested{Set: bigSet(MaxElements + 1)}, "4097 members"},
		{"long byte slice", CBOR(), &shapeNested{Bytes: make([]byte, 3*MaxElements)}, ""},
		{"long byte slice JSON", JSON(), &shapeNested{Bytes: make([]byte, 3*MaxElements)}, ""},
		{"value, not pointer", CBOR(), Session{Name: "\xff"}, "invalid UTF-8"},
	} {
		_, err := tt.codec.Marshal(tt.v)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %s.Marshal: %v", tt.name, tt.codec.Name(), err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %s.Marshal: got %v, want an error containing %q", tt.name, tt.codec.Name(), err, tt.want)
		case tt.want != "" && strings.Contains(tt.want, "members") && !errors.Is(err, ErrInvalid):
			t.Errorf("%s: %v does not wrap ErrInvalid", tt.name, err)
		}
	}
}

func bigSet(n int) map[string]struct{} {
	m := make(map[string]struct{}, n)
	for i := range n {
		m[itoa(i)] = struct{}{}
	}
	return m
}

// fuzzReader turns fuzz input into values: strings of any bytes, floats of
// any bits (NaN and infinities included) and lengths up to past the limits.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fuzzReader) len() int {
	switch c := r.byte(); {
	case c < 250:
		return int(c % 6)
	case c == 250:
		return MaxElements
	default:
		return MaxElements + 1
	}
}

func (r *fuzzReader) string() string {
	n := int(r.byte() % 12)
	n = min(n, len(r.b))
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *fuzzReader) float() float64 {
	var b [8]byte
	for i := range b {
		b[i] = r.byte()
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
}

func (r *fuzzReader) strings() []string {
	n := r.len()
	if n == 0 && r.byte()%2 == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.string()
	}
	return out
}

// fuzzValues builds one value of each shape-test type from data.
func fuzzValues(data []byte) []any {
	r := &fuzzReader{b: data}
	session := func() Session {
		return Session{UserID: r.string(), Name: r.string(), Roles: r.strings(), CSRF: r.string(), Created: int64(r.float())}
	}
	f := r.float()
	floats := &shapeFloats{F32: float32(r.float()), F64: r.float(), P: &f, M: map[string]float64{r.string(): r.float()}}
	inner := session()
	ptr := r.string()
	nested := &shapeNested{
		Inner:  &inner,
		Many:   []Session{session(), session()},
		ByName: map[string][]string{r.string(): r.strings(), r.string(): r.strings()},
		ByID:   map[int]*Session{1: nil, 2: &inner},
		Fixed:  [3]string{r.string(), r.string(), r.string()},
		Bytes:  []byte(r.string()),
		Ptrs:   []*string{&ptr, nil},
		Deep:   [][][]string{{r.strings()}, {r.strings(), r.strings()}},
		Skip:   r.string(),
		Set:    map[string]struct{}{r.string(): {}},
		Grid:   map[string][2]uint16{r.string(): {1, 2}},
	}
	s := session()
	return []any{&s, s, floats, nested, &map[string]string{r.string(): r.string()}}
}

// FuzzMarshalShapeAgrees checks that, for plain types, the value checks
// that Marshal runs accept exactly the values whose encoding the full
// output checks accept.
func FuzzMarshalShapeAgrees(f *testing.F) {
	f.Add([]byte("hello"))
	f.Add([]byte("\x05a\xffbcd\xfa\x03xyz"))
	f.Add([]byte("\x06<a&b>\x04\"\\\n\x00\x03\u2028"))
	f.Add([]byte{0xfb, 0, 0, 0, 0, 0, 0xf8, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range fuzzValues(data) {
			// Marshal's json.Marshal fast path writes what the
			// Encoder without HTML escaping writes.
			got, errGot := JSON().Marshal(v)
			want, errWant := encodeNoHTMLEscape(v)
			if errWant == nil {
				errWant = checkJSONOutput(v, want)
			}
			if (errGot == nil) != (errWant == nil) || (errGot == nil && !bytes.Equal(got, want)) {
				t.Fatalf("JSON.Marshal(%T %+v) = %q, %v; the Encoder writes %q, %v", v, v, got, errGot, want, errWant)
			}
			if out, err := json.Marshal(v); err == nil {
				// json.Marshal escapes <, > and &, unlike the codec's
				// encoder; that changes nothing the validator checks.
				fast, slow := checkJSONOutput(v, out), validateJSON(out)
				if (fast == nil) != (slow == nil) {
					t.Fatalf("JSON %T %+v: value check says %v, output check %v", v, v, fast, slow)
				}
			}
			if out, err := cborEnc.Marshal(v); err == nil {
				fast, slow := checkCBOROutput(v, out), checkCBOR(out)
				if (fast == nil) != (slow == nil) {
					t.Fatalf("CBOR %T %+v: value check says %v, output check %v", v, v, fast, slow)
				}
			}
		}
	})
}

// Destinations for FuzzJSONKeysAgree, each with known keys.
type (
	keysOuter struct {
		S      Session            `json:"s"`
		P      *Session           `json:"p,omitempty"`
		L      []Session          `json:"l"`
		M      map[string]Session `json:"m"`
		A      [2]Session         `json:"a"`
		Raw    json.RawMessage    `json:"raw"`
		When   time.Time          `json:"when"`
		Kelvin string             `json:"k"`
		Skip   string             `json:"-"`
		//lint:ignore SA5008 encoding/json documents "-," as the name "-"
		Dash  string `json:"-,"`
		Plain int
		//lint:ignore U1000 unexported: a key "note" is unknown, which is the point
		note string
	}
)

// FuzzJSONKeysAgree checks that Unmarshal with known keys (the validator
// and json.Unmarshal) accepts and rejects what the json.Decoder path with
// DisallowUnknownFields does, and decodes to the same values.
func FuzzJSONKeysAgree(f *testing.F) {
	for _, s := range []string{
		workloadJSON,
		`{"uid":"a","admin":true}`,
		`{"UID":"x","Name":"y","ROLES":["r"]}`,
		`{"\u0075id":"x","n\u0061me":"y"}`,
		`{"s":{"uid":"a"},"p":{"csrf":"c"},"l":[{"name":"n"},{"nope":1}],"m":{"any key":{"uid":"u"}}}`,
		`{"s":{"uid":"a","x":1}}`,
		`{"m":{"k":{"bad":1}}}`,
		`{"a":[{"uid":"1"},{"uid":"2","zz":0}]}`,
		`{"raw":{"anything":{"goes":[1,2]}},"when":"2026-11-26T00:00:00Z"}`,
		`{"K":"kelvin","\u212a":"sign"}`,
		`{"-":"dash","Skip":"no","Plain":1,"plain":2,"note":"x"}`,
		`{"s":[],"l":{},"m":[]}`,
		`{"s":null,"p":null,"l":null}`,
		`[{"uid":"a"}]`,
		`{"s":{"roles":{"x":1}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, newDest := range []func() any{
			func() any { return new(Session) },
			func() any { return new(keysOuter) },
			func() any { return new([]Session) },
			func() any { return new(map[string]*Session) },
		} {
			fast, slow := newDest(), newDest()
			if !shapeOf(reflect.TypeOf(fast)).keysKnown {
				t.Fatalf("%T: keys not known", fast)
			}
			errFast := JSON().Unmarshal(data, fast)
			errSlow := unmarshalJSONDecoder(data, slow)
			if (errFast == nil) != (errSlow == nil) {
				t.Fatalf("%T from %q: known keys say %v, json.Decoder %v", fast, data, errFast, errSlow)
			}
			if errFast != nil && !errors.Is(errFast, ErrInvalid) {
				t.Fatalf("%T from %q: %v does not wrap ErrInvalid", fast, data, errFast)
			}
			if errFast == nil && !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%T from %q: known keys decode %+v, json.Decoder %+v", fast, data, fast, slow)
			}
		}
	})
}

func TestJSONUnknownFieldError(t *testing.T) {
	var s Session
	err := JSON().Unmarshal([]byte(`{"uid":"a","\u0061dmin":true}`), &s)
	want := `codec: invalid input: json: unknown field "admin" at offset 11`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	long := `{"` + strings.Repeat("é", 100) + `":1}`
	err = JSON().Unmarshal([]byte(long), &s)
	if err == nil || !strings.Contains(err.Error(), `unknown field "`+strings.Repeat("é", 32)+`"`) {
		t.Errorf("long key: got %v, want the key cut to %d bytes", err, maxKeyInError)
	}
}
