package codec

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

// Session is the benchmark workload of bench/WORKLOAD.md.
type Session struct {
	UserID  string   `json:"uid"     cbor:"1,keyasint"`
	Name    string   `json:"name"    cbor:"2,keyasint"`
	Roles   []string `json:"roles"   cbor:"3,keyasint"`
	CSRF    string   `json:"csrf"    cbor:"4,keyasint"`
	Created int64    `json:"created" cbor:"5,keyasint"`
}

var workload = Session{
	UserID:  "u_8f14e45fceea167a",
	Name:    "Alice Example",
	Roles:   []string{"admin", "billing", "support"},
	CSRF:    "3q2-7wAAAAAAAAAAAAAAAA",
	Created: 1764115200,
}

const workloadJSON = `{"uid":"u_8f14e45fceea167a","name":"Alice Example","roles":["admin","billing","support"],"csrf":"3q2-7wAAAAAAAAAAAAAAAA","created":1764115200}`

// unhex decodes hexadecimal test input, ignoring spaces.
func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic("bad hex in test: " + s)
	}
	return b
}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// jsonNest returns depth nested JSON arrays: [[...]].
func jsonNest(depth int) []byte {
	return []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
}

// cborNest returns depth nested CBOR arrays: 81 81 ... 80.
func cborNest(depth int) []byte {
	return append(bytes.Repeat([]byte{0x81}, depth-1), 0x80)
}

// jsonArray returns a JSON array of n zeros.
func jsonArray(n int) []byte {
	return []byte("[" + strings.TrimSuffix(strings.Repeat("0,", n), ",") + "]")
}

// jsonObject returns a JSON object with n distinct keys k0, k1, …
func jsonObject(n int) []byte {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k` + itoa(i) + `":0`)
	}
	b.WriteByte('}')
	return []byte(b.String())
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

// cborArray returns a CBOR array of n zeros (n < 65536).
func cborArray(n int) []byte {
	return append([]byte{0x99, byte(n >> 8), byte(n)}, make([]byte, n)...)
}

// cborMap returns a CBOR map of n pairs k: 0, keys 0…n-1 (n < 65536).
func cborMap(n int) []byte {
	out := []byte{0xb9, byte(n >> 8), byte(n)}
	for i := range n {
		k, err := cborEnc.Marshal(uint64(i))
		if err != nil {
			panic(err)
		}
		out = append(append(out, k...), 0x00)
	}
	return out
}

func TestNamesAndByName(t *testing.T) {
	if got, want := Names(), []string{"cbor", "json"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Names() = %q, want %q", got, want)
	}
	tests := []struct {
		name string
		want Codec
	}{
		{"json", JSON()},
		{"cbor", CBOR()},
		{"JSON", nil},
		{"Cbor", nil},
		{"", nil},
		{"gob", nil},
		{" json", nil},
	}
	for _, tt := range tests {
		got, err := ByName(tt.name)
		if tt.want == nil {
			if !errors.Is(err, ErrUnknownCodec) {
				t.Errorf("ByName(%q) error = %v, want ErrUnknownCodec", tt.name, err)
			} else if !strings.Contains(err.Error(), "valid names: cbor, json") {
				t.Errorf("ByName(%q) error %q does not list the valid names", tt.name, err)
			}
			continue
		}
		if err != nil || got != tt.want || got.Name() != tt.name {
			t.Errorf("ByName(%q) = %v, %v; want the %s codec", tt.name, got, err, tt.name)
		}
	}
}

func TestRoundTripStruct(t *testing.T) {
	for _, c := range []Codec{JSON(), CBOR()} {
		t.Run(c.Name(), func(t *testing.T) {
			data, err := c.Marshal(workload)
			if err != nil {
				t.Fatal(err)
			}
			var got Session
			if err := c.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, workload) {
				t.Errorf("got %+v, want %+v", got, workload)
			}
			again, err := c.Marshal(&got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Errorf("second encoding %x differs from first %x", again, data)
			}
		})
	}
}

func TestMarshalWorkloadBytes(t *testing.T) {
	got, err := JSON().Marshal(workload)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != workloadJSON {
		t.Errorf("JSON.Marshal = %s, want %s", got, workloadJSON)
	}
	got, err = CBOR().Marshal(workload)
	if err != nil {
		t.Fatal(err)
	}
	// a5: map of 5 pairs; 01 72 "u_8f…": key 1, text of 18 bytes; …
	// 05 1a 69264300: key 5, uint32 1764115200.
	want := cat(unhex("a5 01 72"), []byte(workload.UserID),
		unhex("02 6d"), []byte(workload.Name),
		unhex("03 83 65"), []byte("admin"), unhex("67"), []byte("billing"), unhex("67"), []byte("support"),
		unhex("04 76"), []byte(workload.CSRF),
		unhex("05 1a 69264300"))
	if !bytes.Equal(got, want) {
		t.Errorf("CBOR.Marshal = %x, want %x", got, want)
	}
}

func TestRoundTripAny(t *testing.T) {
	tests := []struct {
		codec Codec
		in    []byte
	}{
		{JSON(), []byte(`null`)},
		{JSON(), []byte(`true`)},
		{JSON(), []byte(`"x"`)},
		{JSON(), []byte(`-0`)},
		{JSON(), []byte(`123456789012345678901234567890`)},
		{JSON(), []byte(`1.5E-3`)},
		{JSON(), []byte(`{"a":[1,2.5,"x\u00e9\n",true,false,null,{}],"b":{"a":[]}}`)},
		{JSON(), []byte(workloadJSON)},
		{CBOR(), unhex("f6")},
		{CBOR(), unhex("f5")},
		{CBOR(), unhex("3bffffffffffffffff")}, // -2^64: a big.Int
		{CBOR(), unhex("1bffffffffffffffff")}, // 2^64-1
		{CBOR(), unhex("f93e00")},             // 1.5 as a half float
		{CBOR(), unhex("fb3ff199999999999a")}, // 1.1
		{CBOR(), unhex("a3 01 81 20 61 61 42 0102 41 ff f6")},
		{CBOR(), unhex("82 a0 80")},
	}
	for _, tt := range tests {
		var first any
		if err := tt.codec.Unmarshal(tt.in, &first); err != nil {
			t.Errorf("%s: Unmarshal(%q): %v", tt.codec.Name(), tt.in, err)
			continue
		}
		data, err := tt.codec.Marshal(first)
		if err != nil {
			t.Errorf("%s: Marshal(%#v): %v", tt.codec.Name(), first, err)
			continue
		}
		var second any
		if err := tt.codec.Unmarshal(data, &second); err != nil {
			t.Errorf("%s: Unmarshal(%q) after Marshal: %v", tt.codec.Name(), data, err)
			continue
		}
		if !reflect.DeepEqual(first, second) {
			t.Errorf("%s: %q: round trip gave %#v, want %#v", tt.codec.Name(), tt.in, second, first)
		}
	}
}

func TestJSONNumbersKeepDigits(t *testing.T) {
	var v any
	if err := JSON().Unmarshal([]byte(`{"n":12345678901234567891}`), &v); err != nil {
		t.Fatal(err)
	}
	n := v.(map[string]any)["n"]
	if n != json.Number("12345678901234567891") {
		t.Errorf("got %#v, want json.Number(\"12345678901234567891\")", n)
	}
}

func TestJSONMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"html is not escaped", "<a&b>", `"<a&b>"`},
		{"no trailing newline", []int{1, 2}, `[1,2]`},
		{"line separators are escaped", "\u2028", `"\u2028"`},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb", `"a\ufffdb"`},
		{"nil map", map[string]int(nil), `null`},
		{"depth 32", nestSlice(32), string(jsonNest(32))},
	}
	for _, tt := range tests {
		got, err := JSON().Marshal(tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: Marshal = %s, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

// nestSlice returns depth nested empty []any.
func nestSlice(depth int) any {
	v := []any{}
	for range depth - 1 {
		v = []any{v}
	}
	return v
}

func TestMarshalErrors(t *testing.T) {
	hugeInt, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	tests := []struct {
		name    string
		codec   Codec
		in      any
		invalid bool // the error wraps ErrInvalid: the encoding would not decode
	}{
		{"json unsupported type", JSON(), make(chan int), false},
		{"json NaN", JSON(), math.NaN(), false},
		{"json depth 33", JSON(), nestSlice(33), true},
		{"json too many elements", JSON(), make([]int, MaxElements+1), true},
		{"json duplicate keys from RawMessage", JSON(), json.RawMessage(`{"a":1,"a":2}`), true},
		{"json lone surrogate from RawMessage", JSON(), json.RawMessage(`"\ud800"`), true},
		{"json too large", JSON(), strings.Repeat("x", MaxInputSize), true},
		{"cbor unsupported type", CBOR(), make(chan int), false},
		{"cbor NaN", CBOR(), math.NaN(), true},
		{"cbor infinity", CBOR(), math.Inf(-1), true},
		{"cbor bignum", CBOR(), hugeInt, true},
		{"cbor invalid UTF-8", CBOR(), Session{Name: "a\xffb"}, true},
		{"cbor invalid UTF-8 map key", CBOR(), map[string]int{"\xff": 1}, true},
		{"cbor depth 33", CBOR(), nestSlice(33), true},
		{"cbor too many elements", CBOR(), make([]int, MaxElements+1), true},
		{"cbor too many pairs", CBOR(), bigMap(MaxElements + 1), true},
		{"cbor too large", CBOR(), strings.Repeat("x", MaxInputSize), true},
	}
	for _, tt := range tests {
		out, err := tt.codec.Marshal(tt.in)
		if err == nil {
			t.Errorf("%s: Marshal = %x, want an error", tt.name, out)
			continue
		}
		if errors.Is(err, ErrInvalid) != tt.invalid {
			t.Errorf("%s: Marshal error %q: errors.Is(err, ErrInvalid) = %v, want %v",
				tt.name, err, !tt.invalid, tt.invalid)
		}
		if !strings.HasPrefix(err.Error(), "codec: ") {
			t.Errorf("%s: error %q lacks the package prefix", tt.name, err)
		}
	}
}

func TestCBORMarshalKeyCollision(t *testing.T) {
	// The gap documented on CBOR: distinct Go keys that encode alike pass
	// Marshal's check, and Unmarshal rejects the duplicate.
	data, err := CBOR().Marshal(map[any]any{int(1): "a", uint(1): "b"})
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if err := CBOR().Unmarshal(data, new(any)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Unmarshal(%x) = %v, want a duplicate key error", data, err)
	}
}

func bigMap(n int) map[int]int {
	m := make(map[int]int, n)
	for i := range n {
		m[i] = i
	}
	return m
}

func TestMarshalAtLimits(t *testing.T) {
	for _, c := range []Codec{JSON(), CBOR()} {
		for _, v := range []any{nestSlice(MaxDepth), make([]int, MaxElements), bigMap(MaxElements)} {
			if _, err := c.Marshal(v); err != nil {
				t.Errorf("%s: Marshal of a value at the limits: %v", c.Name(), err)
			}
		}
	}
}

func TestCBORDeterministic(t *testing.T) {
	a, err := CBOR().Marshal(map[string]int{"bb": 2, "a": 1, "c": 3})
	if err != nil {
		t.Fatal(err)
	}
	// Core Deterministic order: shorter keys first, then byte-wise.
	if want := unhex("a3 6161 01 6163 03 626262 02"); !bytes.Equal(a, want) {
		t.Errorf("Marshal = %x, want %x", a, want)
	}
	b, err := CBOR().Marshal(map[any]any{"c": 3, "bb": 2, "a": 1})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("equal maps encoded differently: %x and %x", a, b)
	}
}

// dest returns a fresh destination for a strictness case.
type dest func() any

var (
	toAny     dest = func() any { return new(any) }
	toSession dest = func() any { return new(Session) }
)

// unmarshalRejectTests are inputs that Unmarshal must reject; they also seed
// the fuzz targets.
var unmarshalRejectTests = []struct {
	name  string
	codec Codec
	in    []byte
	to    dest
}{
	{"json empty", JSON(), nil, toAny},
	{"json whitespace only", JSON(), []byte(" \t\r\n"), toAny},
	{"json BOM", JSON(), []byte("\ufeff{}"), toAny},
	{"json duplicate key", JSON(), []byte(`{"a":1,"a":2}`), toAny},
	{"json duplicate key into struct", JSON(), []byte(`{"uid":"a","uid":"b"}`), toSession},
	{"json escaped duplicate key", JSON(), []byte(`{"a":1,"\u0061":2}`), toAny},
	{"json unknown field", JSON(), []byte(`{"uid":"a","admin":true}`), toSession},
	{"json trailing value", JSON(), []byte(`{} {}`), toAny},
	{"json trailing garbage", JSON(), []byte(`{}x`), toAny},
	{"json trailing NUL", JSON(), []byte("{}\x00"), toAny},
	{"json depth 33", JSON(), jsonNest(33), toAny},
	{"json too many array elements", JSON(), jsonArray(MaxElements + 1), toAny},
	{"json too many object members", JSON(), jsonObject(MaxElements + 1), toAny},
	{"json invalid UTF-8", JSON(), []byte("\"a\xffb\""), toAny},
	{"json invalid UTF-8 in key", JSON(), []byte("{\"\xc0\xaf\":1}"), toAny},
	{"json UTF-8 encoded surrogate", JSON(), []byte("\"\xed\xa0\x80\""), toAny},
	{"json lone surrogate escape", JSON(), []byte(`"\udc00"`), toAny},
	{"json NaN", JSON(), []byte(`NaN`), toAny},
	{"json Infinity", JSON(), []byte(`[Infinity]`), toAny},
	{"json array into struct", JSON(), []byte(`[]`), toSession},
	{"json string into struct", JSON(), []byte(`"x"`), toSession},
	{"json wrong field type", JSON(), []byte(`{"created":"now"}`), toSession},
	{"json int overflow", JSON(), []byte(`{"created":9223372036854775808}`), toSession},
	{"json float into int", JSON(), []byte(`{"created":1.5}`), toSession},
	{"json too large", JSON(), bytes.Repeat([]byte(" "), MaxInputSize+1), toAny},
	{"json single quotes", JSON(), []byte(`{'a':1}`), toAny},
	{"json comment", JSON(), []byte(`{} // x`), toAny},

	{"cbor empty", CBOR(), nil, toAny},
	{"cbor duplicate key", CBOR(), unhex("a2 01 01 01 02"), toAny},
	{"cbor duplicate text key", CBOR(), unhex("a2 6161 01 6161 02"), toAny},
	{"cbor duplicate key into struct", CBOR(), unhex("a2 01 6161 01 6162"), toSession},
	{"cbor unknown field", CBOR(), unhex("a2 01 6161 06 00"), toSession},
	{"cbor text key for keyasint field", CBOR(), unhex("a1 6131 6161"), toSession},
	{"cbor trailing byte", CBOR(), unhex("a0 00"), toAny},
	{"cbor trailing item", CBOR(), unhex("01 02"), toAny},
	{"cbor tag", CBOR(), unhex("c1 1a 69265e00"), toAny},
	{"cbor self-described tag", CBOR(), unhex("d9d9f7 a0"), toAny},
	{"cbor bignum", CBOR(), unhex("c2 41 01"), toAny},
	{"cbor indefinite array", CBOR(), unhex("9f ff"), toAny},
	{"cbor indefinite map", CBOR(), unhex("bf ff"), toAny},
	{"cbor indefinite text", CBOR(), unhex("7f 6161 ff"), toAny},
	{"cbor indefinite bytes", CBOR(), unhex("5f 4101 ff"), toAny},
	{"cbor depth 33", CBOR(), cborNest(33), toAny},
	{"cbor too many array elements", CBOR(), cborArray(MaxElements + 1), toAny},
	{"cbor too many map pairs", CBOR(), cborMap(MaxElements + 1), toAny},
	{"cbor invalid UTF-8", CBOR(), unhex("62 fffe"), toAny},
	{"cbor invalid UTF-8 into struct", CBOR(), unhex("a1 02 62 c0af"), toSession},
	{"cbor NaN half", CBOR(), unhex("f9 7e00"), toAny},
	{"cbor NaN double", CBOR(), unhex("fb 7ff8000000000001"), toAny},
	{"cbor infinity", CBOR(), unhex("f9 7c00"), toAny},
	{"cbor undefined", CBOR(), unhex("f7"), toAny},
	{"cbor simple value 0", CBOR(), unhex("e0"), toAny},
	{"cbor simple value 255", CBOR(), unhex("f8 ff"), toAny},
	{"cbor reserved simple value", CBOR(), unhex("f8 18"), toAny},
	{"cbor byte string of 2^62 bytes", CBOR(), unhex("5b 4000000000000000"), toAny},
	{"cbor text of 2^64-1 bytes", CBOR(), unhex("7b ffffffffffffffff"), toAny},
	{"cbor array of 2^62 items", CBOR(), unhex("9b 4000000000000000"), toAny},
	{"cbor map of 2^32-1 pairs", CBOR(), unhex("ba ffffffff"), toAny},
	{"cbor truncated", CBOR(), unhex("82 01"), toAny},
	{"cbor reserved additional info", CBOR(), unhex("1c"), toAny},
	{"cbor break alone", CBOR(), unhex("ff"), toAny},
	{"cbor array into struct", CBOR(), unhex("80"), toSession},
	{"cbor text into struct", CBOR(), unhex("6161"), toSession},
	{"cbor wrong field type", CBOR(), unhex("a1 05 6161"), toSession},
	{"cbor negative overflow into int64", CBOR(), unhex("a1 05 3b ffffffffffffffff"), toSession},
	{"cbor too large", CBOR(), bytes.Repeat([]byte(" "), MaxInputSize+1), toAny},
}

func TestUnmarshalRejects(t *testing.T) {
	for _, tt := range unmarshalRejectTests {
		err := tt.codec.Unmarshal(tt.in, tt.to())
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Unmarshal(%.40q) = %v, want an error wrapping ErrInvalid", tt.name, tt.in, err)
			continue
		}
		prefix := "codec: invalid input: " + tt.codec.Name() + ": "
		if !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("%s: error %q does not start with %q", tt.name, err, prefix)
		}
	}
}

// unmarshalAcceptTests are inputs that Unmarshal must accept.
var unmarshalAcceptTests = []struct {
	name  string
	codec Codec
	in    []byte
	to    dest
}{
	{"json depth 32", JSON(), jsonNest(32), toAny},
	{"json 4096 array elements", JSON(), jsonArray(MaxElements), toAny},
	{"json 4096 object members", JSON(), jsonObject(MaxElements), toAny},
	{"json empty object into struct", JSON(), []byte(`{}`), toSession},
	{"json null into struct", JSON(), []byte(`null`), toSession},
	{"json surrounding whitespace", JSON(), []byte(" \t\r\n{}\n"), toSession},
	{"json lone surrogate pair", JSON(), []byte(`"\ud83d\ude00"`), toAny},
	{"json largest input", JSON(), cat([]byte(`"`), bytes.Repeat([]byte("x"), MaxInputSize-2), []byte(`"`)), toAny},
	{"cbor depth 32", CBOR(), cborNest(32), toAny},
	{"cbor 4096 array elements", CBOR(), cborArray(MaxElements), toAny},
	{"cbor 4096 map pairs", CBOR(), cborMap(MaxElements), toAny},
	{"cbor empty map into struct", CBOR(), unhex("a0"), toSession},
	{"cbor null into struct", CBOR(), unhex("f6"), toSession},
	{"cbor non-shortest integer", CBOR(), unhex("1b 0000000000000001"), toAny},
	{"cbor unsorted map", CBOR(), unhex("a2 02 00 01 00"), toAny},
	{"cbor byte string key", CBOR(), unhex("a1 4101 00"), toAny},
	{"cbor largest input", CBOR(), cat(unhex("5a 000ffffb"), make([]byte, MaxInputSize-5)), toAny},
}

func TestValidate(t *testing.T) {
	for _, tt := range unmarshalRejectTests {
		var v any
		want := tt.codec.Unmarshal(tt.in, &v)
		if err := Validate(tt.codec, tt.in); (err == nil) != (want == nil) || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s: Validate = %v; Unmarshal into any = %v", tt.name, err, want)
		}
	}
	for _, tt := range unmarshalAcceptTests {
		if err := Validate(tt.codec, tt.in); err != nil {
			t.Errorf("%s: Validate: %v", tt.name, err)
		}
	}
	in := []byte(workloadJSON)
	if n := testing.AllocsPerRun(100, func() { _ = Validate(JSON(), in) }); n != 0 {
		t.Errorf("Validate(JSON, workload) allocates %v times; want 0", n)
	}
}

func TestUnmarshalAccepts(t *testing.T) {
	for _, tt := range unmarshalAcceptTests {
		if err := tt.codec.Unmarshal(tt.in, tt.to()); err != nil {
			t.Errorf("%s: Unmarshal(%.40q): %v", tt.name, tt.in, err)
		}
	}
}

func TestUnmarshalKeepsUnsetFields(t *testing.T) {
	// Documented in the package doc: Unmarshal does not reset v.
	for _, tt := range []struct {
		codec Codec
		in    []byte
	}{
		{JSON(), []byte(`null`)},
		{JSON(), []byte(`{}`)},
		{CBOR(), unhex("f6")},
		{CBOR(), unhex("a0")},
	} {
		got := workload
		if err := tt.codec.Unmarshal(tt.in, &got); err != nil {
			t.Fatalf("%s: %v", tt.codec.Name(), err)
		}
		if !reflect.DeepEqual(got, workload) {
			t.Errorf("%s: Unmarshal(%x) changed the destination to %+v", tt.codec.Name(), tt.in, got)
		}
	}
}

func TestJSONFieldNamesFoldCase(t *testing.T) {
	// The leniency documented in the package doc: encoding/json matches
	// field names case-insensitively. CBOR does not.
	var s Session
	if err := JSON().Unmarshal([]byte(`{"UID":"x"}`), &s); err != nil || s.UserID != "x" {
		t.Errorf("JSON: got %+v, %v; want UserID x", s, err)
	}
	s = Session{}
	if err := JSON().Unmarshal([]byte(`{"uid":"a","UID":"b"}`), &s); err != nil || s.UserID != "b" {
		t.Errorf("JSON: got %+v, %v; want UserID b", s, err)
	}
	type named struct {
		UserID string `cbor:"uid"`
	}
	var n named
	if err := CBOR().Unmarshal(unhex("a1 63554944 6178"), &n); !errors.Is(err, ErrInvalid) {
		t.Errorf("CBOR: key \"UID\" for field \"uid\": got %+v, %v; want ErrInvalid", n, err)
	}
}

func TestUnmarshalNeedsPointer(t *testing.T) {
	for _, c := range []Codec{JSON(), CBOR()} {
		for _, v := range []any{nil, Session{}, (*Session)(nil)} {
			err := c.Unmarshal([]byte("{}"), v)
			if err == nil || errors.Is(err, ErrInvalid) {
				t.Errorf("%s: Unmarshal into %T: got %v, want a misuse error not wrapping ErrInvalid", c.Name(), v, err)
			}
		}
	}
}

// jsonValidatorTests pin what the JSON validator accepts and, for what it
// rejects, why and where; they also seed the fuzz targets.
var jsonValidatorTests = []struct {
	in     string
	kind   jsonErrKind // checked only when ok is false
	offset int
	ok     bool
}{
	// Literals and numbers in every JSON form.
	{in: `true`, ok: true},
	{in: `false`, ok: true},
	{in: `null`, ok: true},
	{in: `0`, ok: true},
	{in: `-0`, ok: true},
	{in: `1e5`, ok: true},
	{in: `1E+5`, ok: true},
	{in: `1.5E-3`, ok: true},
	{in: `-12.0e-00`, ok: true},
	{in: `123456789012345678901234567890`, ok: true},
	{in: `01`, kind: jsonErrTrailing, offset: 1},
	{in: `[01]`, kind: jsonErrSyntax, offset: 2},
	{in: `-01`, kind: jsonErrTrailing, offset: 2},
	{in: `1.`, kind: jsonErrEOF, offset: 2},
	{in: `1.e5`, kind: jsonErrSyntax, offset: 2},
	{in: `.5`, kind: jsonErrSyntax, offset: 0},
	{in: `+1`, kind: jsonErrSyntax, offset: 0},
	{in: `-`, kind: jsonErrEOF, offset: 1},
	{in: `-a`, kind: jsonErrSyntax, offset: 1},
	{in: `1e`, kind: jsonErrEOF, offset: 2},
	{in: `1e+`, kind: jsonErrEOF, offset: 3},
	{in: `1e+x`, kind: jsonErrSyntax, offset: 3},
	{in: `0x10`, kind: jsonErrTrailing, offset: 1},
	{in: `NaN`, kind: jsonErrSyntax, offset: 0},
	{in: `tru`, kind: jsonErrEOF, offset: 3},
	{in: `trux`, kind: jsonErrSyntax, offset: 3},
	{in: `True`, kind: jsonErrSyntax, offset: 0},
	{in: `nul`, kind: jsonErrEOF, offset: 3},
	{in: `falsey`, kind: jsonErrTrailing, offset: 5},

	// Strings.
	{in: `""`, ok: true},
	{in: `"a\"\\\/\b\f\n\r\t\u00e9\u0000"`, ok: true},
	{in: "\"caf\u00e9 \U0001f600\"", ok: true},
	{in: `"\ud83d\ude00"`, ok: true},
	{in: `"\uD83D\uDE00"`, ok: true},
	{in: `"\ufffd"`, ok: true},
	{in: `"abc`, kind: jsonErrEOF, offset: 4},
	{in: `"\`, kind: jsonErrEOF, offset: 2},
	{in: `"\x"`, kind: jsonErrSyntax, offset: 2},
	{in: `"\u12"`, kind: jsonErrSyntax, offset: 5},
	{in: `"\u12`, kind: jsonErrEOF, offset: 5},
	{in: `"\u12g4"`, kind: jsonErrSyntax, offset: 5},
	{in: "\"a\nb\"", kind: jsonErrControl, offset: 2},
	{in: "\"a\tb\"", kind: jsonErrControl, offset: 2},
	{in: "\"\x00\"", kind: jsonErrControl, offset: 1},
	{in: "\"\x7f\"", ok: true},
	{in: "\"a\xffb\"", kind: jsonErrUTF8, offset: 2},
	{in: "\"\xc0\xaf\"", kind: jsonErrUTF8, offset: 1},
	{in: "\"\xed\xa0\x80\"", kind: jsonErrUTF8, offset: 1},
	{in: "\"\xf4\x90\x80\x80\"", kind: jsonErrUTF8, offset: 1},
	{in: "\"\xe2\x82\"", kind: jsonErrUTF8, offset: 1},
	// Lone surrogates: encoding/json accepts them and decodes U+FFFD;
	// we reject them, as invalid Unicode.
	{in: `"\ud800"`, kind: jsonErrSurrogate, offset: 1},
	{in: `"\udc00"`, kind: jsonErrSurrogate, offset: 1},
	{in: `"x\ud800\u0041"`, kind: jsonErrSurrogate, offset: 2},
	{in: `"\ud800\ud800"`, kind: jsonErrSurrogate, offset: 1},
	{in: `"\ude00\ud83d"`, kind: jsonErrSurrogate, offset: 1},
	{in: `"\ud800\n"`, kind: jsonErrSurrogate, offset: 1},
	{in: `"\ud800\u12"`, kind: jsonErrSyntax, offset: 11},

	// Structure.
	{in: `[]`, ok: true},
	{in: `{}`, ok: true},
	{in: ` [ 1 , [ ] , { } ] `, ok: true},
	{in: `{ "a" : 1 , "b" : [ ] }`, ok: true},
	{in: ``, kind: jsonErrEOF, offset: 0},
	{in: " \n\t\r", kind: jsonErrEOF, offset: 4},
	{in: "\ufeff{}", kind: jsonErrSyntax, offset: 0},
	{in: "\f{}", kind: jsonErrSyntax, offset: 0},
	{in: "{}\u00a0", kind: jsonErrTrailing, offset: 2},
	{in: `[`, kind: jsonErrEOF, offset: 1},
	{in: `[1`, kind: jsonErrEOF, offset: 2},
	{in: `[1,`, kind: jsonErrEOF, offset: 3},
	{in: `{`, kind: jsonErrEOF, offset: 1},
	{in: `{"a"`, kind: jsonErrEOF, offset: 4},
	{in: `{"a":`, kind: jsonErrEOF, offset: 5},
	{in: `{"a":1`, kind: jsonErrEOF, offset: 6},
	{in: `[1,]`, kind: jsonErrSyntax, offset: 3},
	{in: `[,1]`, kind: jsonErrSyntax, offset: 1},
	{in: `[1 2]`, kind: jsonErrSyntax, offset: 3},
	{in: `[1}`, kind: jsonErrSyntax, offset: 2},
	{in: `{"a":1]`, kind: jsonErrSyntax, offset: 6},
	{in: `{"a"}`, kind: jsonErrSyntax, offset: 4},
	{in: `{"a":}`, kind: jsonErrSyntax, offset: 5},
	{in: `{,}`, kind: jsonErrSyntax, offset: 1},
	{in: `{"a":1,}`, kind: jsonErrSyntax, offset: 7},
	{in: `{1:2}`, kind: jsonErrSyntax, offset: 1},
	{in: `{a:1}`, kind: jsonErrSyntax, offset: 1},
	{in: `]`, kind: jsonErrSyntax, offset: 0},
	{in: `[] []`, kind: jsonErrTrailing, offset: 3},
	{in: `[]]`, kind: jsonErrTrailing, offset: 2},

	// Duplicate keys: compared after unescaping, per object.
	{in: `{"a":1,"a":2}`, kind: jsonErrDupKey, offset: 7},
	{in: `{"a":1,"\u0061":2}`, kind: jsonErrDupKey, offset: 7},
	{in: `{"\u0061":1,"a":2}`, kind: jsonErrDupKey, offset: 12},
	{in: `{"\u0061":1,"\u0061":2}`, kind: jsonErrDupKey, offset: 12},
	{in: `{"\/":1,"/":2}`, kind: jsonErrDupKey, offset: 8},
	{in: "{\"\u00e9\":1,\"\\u00e9\":2}", kind: jsonErrDupKey, offset: 8},
	{in: "{\"\U0001f600\":1,\"\\ud83d\\ude00\":2}", kind: jsonErrDupKey, offset: 10},
	{in: `{"a":1,"b":2,"a":3}`, kind: jsonErrDupKey, offset: 13},
	{in: `{"a":{"a":{"a":1}}}`, ok: true},
	{in: `{"a":{"b":1},"b":2}`, ok: true},
	{in: `[{"a":1},{"a":2}]`, ok: true},
	{in: `{"a":{"b":1,"b":2}}`, kind: jsonErrDupKey, offset: 12},
	{in: `{"a":{"b":1},"a":2}`, kind: jsonErrDupKey, offset: 13},
	{in: `{"a":1,"A":2}`, ok: true},
	{in: `{"a":1,"a ":2}`, ok: true},
	{in: `{"ab":1,"a":2,"\u0061b":3}`, kind: jsonErrDupKey, offset: 14},
	{in: `{"":1,"":2}`, kind: jsonErrDupKey, offset: 6},

	// Limits.
	{in: string(jsonNest(MaxDepth)), ok: true},
	{in: string(jsonNest(MaxDepth + 1)), kind: jsonErrDepth, offset: MaxDepth},
	{in: strings.Repeat(`{"a":`, MaxDepth) + `1` + strings.Repeat(`}`, MaxDepth), ok: true},
	{in: strings.Repeat(`{"a":`, MaxDepth+1) + `1` + strings.Repeat(`}`, MaxDepth+1), kind: jsonErrDepth, offset: 5 * MaxDepth},
	{in: string(jsonArray(MaxElements)), ok: true},
	{in: string(jsonArray(MaxElements + 1)), kind: jsonErrElements, offset: 1 + 2*MaxElements},
	{in: string(jsonObject(MaxElements)), ok: true},
}

func TestJSONValidator(t *testing.T) {
	for _, tt := range jsonValidatorTests {
		err := validateJSON([]byte(tt.in))
		if tt.ok {
			if err != nil {
				t.Errorf("validateJSON(%.60q) = %v, want nil", tt.in, err)
			}
			if !json.Valid([]byte(tt.in)) {
				t.Errorf("json.Valid(%.60q) = false, but the validator accepts it", tt.in)
			}
			continue
		}
		var je *jsonError
		if !errors.As(err, &je) {
			t.Errorf("validateJSON(%.60q) = %v, want a *jsonError", tt.in, err)
			continue
		}
		if je.kind != tt.kind || je.offset != tt.offset {
			t.Errorf("validateJSON(%.60q) = %v (kind %d, offset %d), want kind %d at offset %d",
				tt.in, err, je.kind, je.offset, tt.kind, tt.offset)
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("validateJSON(%.60q) = %v, does not wrap ErrInvalid", tt.in, err)
		}
	}
}

func TestJSONValidatorLargeObjects(t *testing.T) {
	// Past linearKeys keys an object's keys move into a map; both halves
	// must see duplicates, escaped or not, and forget keys when it closes.
	keys := func(n int) []string {
		var ks []string
		for i := range n {
			ks = append(ks, `"k`+itoa(i)+`":0`)
		}
		return ks
	}
	obj := func(members ...string) string { return "{" + strings.Join(members, ",") + "}" }
	n := linearKeys + 8
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"distinct", obj(keys(n)...), true},
		{"duplicate after switch", obj(append(keys(n), `"k3":1`)...), false},
		{"duplicate at switch", obj(append(keys(linearKeys), `"k0":1`)...), false},
		{"escaped duplicate after switch", obj(append(keys(n), `"\u006b3":1`)...), false},
		{"escaped key then plain duplicate", obj(append([]string{`"\u006b99":0`}, append(keys(n), `"k99":1`)...)...), false},
		{"nested large objects reuse keys", obj(`"a":`+obj(keys(n)...), `"b":`+obj(keys(n)...), `"k1":0`), true},
		{"siblings reuse keys", "[" + obj(keys(n)...) + "," + obj(keys(n)...) + "]", true},
		{"nested duplicate", obj(`"a":` + obj(append(keys(n), `"k5":1`)...)), false},
		{"outer duplicate after large inner", obj(append([]string{`"x":` + obj(keys(n)...)}, `"x":1`)...), false},
	}
	for _, tt := range tests {
		err := validateJSON([]byte(tt.in))
		if tt.ok != (err == nil) {
			t.Errorf("%s: validateJSON = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if !tt.ok && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v does not wrap ErrInvalid", tt.name, err)
		}
	}
}

func TestJSONValidatorErrorMessages(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{"a":1,"a":2}`, `codec: invalid input: json: duplicate object key at offset 7`},
		{`[1,]`, `codec: invalid input: json: invalid character ']' at offset 3`},
		{"\"\xff\"", `codec: invalid input: json: invalid UTF-8 in string at offset 1`},
		{"\xef\xbb\xbf", `codec: invalid input: json: invalid character 0xef at offset 0`},
		{"\"\n\"", `codec: invalid input: json: unescaped control character 0x0a in string at offset 1`},
		{`{} x`, `codec: invalid input: json: invalid character 'x' after top-level value at offset 3`},
		{`"\udc00"`, `codec: invalid input: json: lone surrogate escape in string at offset 1`},
		{``, `codec: invalid input: json: unexpected end of input at offset 0`},
		{string(jsonNest(33)), `codec: invalid input: json: nesting deeper than 32 at offset 32`},
		{string(jsonArray(4097)), `codec: invalid input: json: more than 4096 members in array or object at offset 8193`},
	}
	for _, tt := range tests {
		if err := validateJSON([]byte(tt.in)); err == nil || err.Error() != tt.want {
			t.Errorf("validateJSON(%.40q) = %v, want %s", tt.in, err, tt.want)
		}
	}
	err := JSON().Unmarshal(make([]byte, MaxInputSize+1), new(any))
	if want := "codec: invalid input: json: input of 1048577 bytes exceeds limit of 1048576 bytes"; err == nil || err.Error() != want {
		t.Errorf("oversized input: got %v, want %s", err, want)
	}
}

func TestCBORErrorMessage(t *testing.T) {
	err := CBOR().Unmarshal(unhex("a2 01 01 01 02"), new(any))
	if want := "codec: invalid input: cbor: found duplicate map key"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want a message starting %q", err, want)
	}
}

// cborToJSONTests pin the JSON rendering of CBOR values.
var cborToJSONTests = []struct {
	name string
	in   []byte
	want string
}{
	{"unsigned", unhex("1bffffffffffffffff"), `18446744073709551615`},
	{"negative", unhex("20"), `-1`},
	{"negative past int64", unhex("3bffffffffffffffff"), `-18446744073709551616`},
	{"half float", unhex("f93e00"), `1.5`},
	{"integral float", unhex("f93c00"), `1`},
	{"negative zero", unhex("f98000"), `-0`},
	{"large float", unhex("fb 4415af1d78b58c40"), `100000000000000000000`},
	{"larger float", unhex("fb 444b1ae4d6e2ef50"), `1e+21`},
	{"small float", unhex("fb 3eb0c6f7a0b5ed8d"), `0.000001`},
	{"text", unhex("66 3c6122c3a90a"), "\"<a\\\"\u00e9\\n\""},
	{"bytes", unhex("42 fbff"), `"-_8"`},
	{"empty bytes", unhex("40"), `""`},
	{"simple", unhex("83 f4 f5 f6"), `[false,true,null]`},
	{"empty containers", unhex("82 80 a0"), `[[],{}]`},
	{"int keys sorted as strings", unhex("a3 0a 00 02 01 20 02"), `{"-1":2,"10":0,"2":1}`},
	{"text and byte keys", unhex("a2 6162 01 41fb 02"), `{"-w":2,"b":1}`},
	{"workload", mustCBOR(workload), `{"1":"u_8f14e45fceea167a","2":"Alice Example","3":["admin","billing","support"],"4":"3q2-7wAAAAAAAAAAAAAAAA","5":1764115200}`},
}

func TestCBORToJSON(t *testing.T) {
	for _, tt := range cborToJSONTests {
		got, err := CBORToJSON(tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: CBORToJSON(%x) = %s, %v; want %s", tt.name, tt.in, got, err, tt.want)
			continue
		}
		if err := validateJSON(got); err != nil {
			t.Errorf("%s: output %s does not pass the JSON validator: %v", tt.name, got, err)
		}
	}
}

func mustCBOR(v any) []byte {
	b, err := CBOR().Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestCBORToJSONRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"float key", unhex("a1 f93c00 00")},
		{"bool key", unhex("a1 f5 00")},
		{"null key", unhex("a1 f6 00")},
		{"array key", unhex("a1 80 00")},
		{"int and text keys collide", unhex("a2 01 00 6131 00")},
		{"negative int and text keys collide", unhex("a2 20 00 622d31 00")},
		{"bytes and text keys collide", unhex("a2 41fb 00 622d77 00")},
		{"nested collision", unhex("81 a2 01 00 6131 00")},
		{"tag", unhex("c1 00")},
		{"trailing", unhex("00 00")},
		{"empty", nil},
		{"depth 33", cborNest(33)},
		{"too large", make([]byte, MaxInputSize+1)},
	}
	for _, tt := range tests {
		got, err := CBORToJSON(tt.in)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: CBORToJSON(%.40x) = %s, %v; want an error wrapping ErrInvalid", tt.name, tt.in, got, err)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	// The validator's state is pooled, and the planned encoder's buffer
	// size shared; run valid and invalid inputs side by side under the race
	// detector.
	inputs := []struct {
		in []byte
		ok bool
	}{
		{[]byte(workloadJSON), true},
		{[]byte(`{"uid":"a","uid":"b"}`), false},
		{[]byte(`{"uid":"a","name":"b"`), false},
		{jsonObject(3 * linearKeys), false}, // unknown fields, after a map-mode object
	}
	done := make(chan error)
	for g := range 8 {
		go func() {
			for i := range 200 {
				tt := inputs[(g+i)%len(inputs)]
				var s Session
				err := JSON().Unmarshal(tt.in, &s)
				if (err == nil) != tt.ok {
					done <- errors.New("unexpected result for " + string(tt.in[:10]) + ": " + errString(err))
					return
				}
				// Marshal's planned encoder sizes its buffer by the
				// last encoding, which every goroutine updates.
				if out, err := JSON().Marshal(&s); err != nil || !json.Valid(out) {
					done <- errors.New("Marshal: " + errString(err))
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
