package ktor

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
)

// Go counterparts of the classes in Ktor's serializer tests (docs/ktor-format.md §7.2).
type testUserSession struct {
	UserID string   `ktor:"userId" json:"userId"`
	Cart   []string `ktor:"cart" json:"cart"`
}

type testEnum string

type testPrimitives struct {
	Int      int32
	String   string
	Boolean  bool
	Double   float64
	Float    float32
	Long     int64
	Nullable *string
	Enum     testEnum
}

type testCollections struct {
	ListS []string
	ListE []testEnum
	ListI []int32
	MapS  map[string]string
	MapI  map[string]int32
}

type testNested struct {
	Primitives testPrimitives
}

var ktorPrimitives = testPrimitives{Int: 1, String: "2", Boolean: true, Double: 3, Float: 4, Long: 5, Enum: "A"}

// TestReflectionKtorExamples checks every example of docs/ktor-format.md §7.2, which are
// Ktor test expectations: each decodes, and encodes back byte for byte
// with the serializer that wrote it.
func TestReflectionKtorExamples(t *testing.T) {
	for _, tc := range []struct {
		name  string
		codec codec.Codec
		text  string
		value any // pointer to the expected value
	}{
		{"TestUserSession", Reflection(), "cart=%23cl&userId=%23sid2",
			&testUserSession{UserID: "id2", Cart: []string{}}},
		{"primitives", KotlinxBackwardCompatible(),
			"int=%23i1&string=%23s2&boolean=%23bot&double=%23f3.0&float=%23f4.0&long=%23l5&nullable=%23n&enum=%23sA",
			&ktorPrimitives},
		{"collections", KotlinxBackwardCompatible(),
			"listS=%23cl%23s1%26%23s2&listE=%23cl%23sA%26%23sB&listI=%23cl%23i1%26%23i2&mapS=%23m%23skey1%3D%23s1%26%23skey2%3D%23s2&mapI=%23m%23skey1%3D%23i1%26%23skey2%3D%23i2",
			&testCollections{
				ListS: []string{"1", "2"}, ListE: []testEnum{"A", "B"}, ListI: []int32{1, 2},
				MapS: map[string]string{"key1": "1", "key2": "2"}, MapI: map[string]int32{"key1": 1, "key2": 2},
			}},
		{"nested", KotlinxBackwardCompatible(),
			"primitives=%23%23int%3D%2523i1%26string%3D%2523s2%26boolean%3D%2523bot%26double%3D%2523f3.0%26float%3D%2523f4.0%26long%3D%2523l5%26nullable%3D%2523n%26enum%3D%2523sA",
			&testNested{ktorPrimitives}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := reflect.New(reflect.TypeOf(tc.value).Elem())
			if err := tc.codec.Unmarshal([]byte(tc.text), got.Interface()); err != nil {
				t.Fatalf("Unmarshal error = %v", err)
			}
			if !reflect.DeepEqual(got.Interface(), tc.value) {
				t.Errorf("Unmarshal = %+v; want %+v", got.Elem(), reflect.ValueOf(tc.value).Elem())
			}
			out, err := tc.codec.Marshal(tc.value)
			if err != nil || string(out) != tc.text {
				t.Errorf("%s.Marshal =\n%s, %v\nwant\n%s", tc.codec.Name(), out, err, tc.text)
			}
			// The other serializer's order decodes to the same value.
			other := Reflection()
			if tc.codec == Reflection() {
				other = KotlinxBackwardCompatible()
			}
			out, err = other.Marshal(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			again := reflect.New(reflect.TypeOf(tc.value).Elem())
			if err := Reflection().Unmarshal(out, again.Interface()); err != nil || !reflect.DeepEqual(again.Interface(), tc.value) {
				t.Errorf("Unmarshal(%s) = %+v, %v", out, again.Elem(), err)
			}
		})
	}
}

func TestReflectionSortedOrder(t *testing.T) {
	out, err := Reflection().Marshal(ktorPrimitives)
	if err != nil {
		t.Fatal(err)
	}
	const want = "boolean=%23bot&double=%23f3.0&enum=%23sA&float=%23f4.0&int=%23i1&long=%23l5&nullable=%23n&string=%23s2"
	if string(out) != want {
		t.Errorf("Reflection.Marshal = %s; want %s", out, want)
	}
	// Java orders by UTF-16 code unit: U+1F600 (D83D DE00) sorts before
	// U+FF01, although its UTF-8 encoding sorts after.
	type unicodeNames struct {
		A int32 `ktor:"\uff01"`
		B int32 `ktor:"\U0001F600"`
	}
	out, err = Reflection().Marshal(unicodeNames{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := "%F0%9F%98%80=%23i2&%EF%BC%81=%23i1"; string(out) != want {
		t.Errorf("Reflection.Marshal = %s; want %s", out, want)
	}
}

// TestReflection1x is the input of Ktor 1.6.8's AutoSerializerTest, with
// raw '#' characters.
func TestReflection1x(t *testing.T) {
	var v struct {
		Test int32
		List []string
	}
	if err := Reflection().Unmarshal([]byte("test=#i1&list=#cl%23sa%26%23sb%26%23sc"), &v); err != nil {
		t.Fatal(err)
	}
	if v.Test != 1 || !reflect.DeepEqual(v.List, []string{"a", "b", "c"}) {
		t.Errorf("Unmarshal = %+v", v)
	}
}

func TestReflectionValues(t *testing.T) {
	type small struct {
		A int32
	}
	str := "x"
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"int fits Int", struct{ N int }{-5}, "n=%23i-5"},
		{"int beyond Int", struct{ N int }{1 << 40}, "n=%23l1099511627776"},
		{"uint beyond Int", struct{ N uint }{1 << 31}, "n=%23l2147483648"},
		{"uint8", struct{ N uint8 }{255}, "n=%23i255"},
		{"uint32", struct{ N uint32 }{7}, "n=%23l7"},
		{"int64", struct{ N int64 }{7}, "n=%23l7"},
		{"float64 exponent", struct{ F float64 }{1e10}, "f=%23f1.0E10"},
		{"float64 small", struct{ F float64 }{1e-5}, "f=%23f1.0E-5"},
		{"float32", struct{ F float32 }{0.1}, "f=%23f0.1"},
		{"NaN", struct{ F float64 }{math.NaN()}, "f=%23fNaN"},
		{"false", struct{ B bool }{}, "b=%23bof"},
		{"string with specials", struct{ S string }{"a b+c&d=é"}, "s=%23sa+b%2Bc%26d%3D%C3%A9"},
		{"string keeps -._~", struct{ S string }{"-._~"}, "s=%23s-._~"},
		{"pointer", struct{ P *string }{&str}, "p=%23sx"},
		{"nil pointer", struct{ P *string }{}, "p=%23n"},
		{"nil interface", struct{ P any }{}, "p=%23n"},
		{"nil slice", struct{ L []int32 }{}, "l=%23cl"},
		{"nil map", struct{ M map[string]int32 }{}, "m=%23m"},
		{"set", struct{ S map[string]struct{} }{map[string]struct{}{"b": {}, "a": {}}}, "s=%23cs%23sa%26%23sb"},
		{"list of float", struct{ L []float64 }{[]float64{1, 0.5}}, "l=%23cl%23f1.0%26%23f0.5"},
		{"list element with space", struct{ L []string }{[]string{"a b"}}, "l=%23cl%23sa%252520b"},
		{"list element with %", struct{ L []string }{[]string{"%"}}, "l=%23cl%23s%252525"},
		{"map with int keys", struct{ M map[int32]bool }{map[int32]bool{2: true, 10: false}}, "m=%23m%23i10%3D%23bof%26%23i2%3D%23bot"},
		{"nested list", struct{ L [][]int32 }{[][]int32{{1}, {}}}, "l=%23cl%23cl%23i1%26%23cl"},
		{"nested struct", struct{ S small }{small{7}}, "s=%23%23a%3D%2523i7"},
		{"json tag", struct {
			X int32 `json:"xx,omitempty"`
		}{1}, "xx=%23i1"},
		{"skipped fields", struct {
			A int32 `ktor:"-"`
			B int32 `json:"-"`
			c int32
			D int32
		}{1, 2, 3, 4}, "d=%23i4"},
		{"ktor tag wins over json", struct {
			X int32 `ktor:"k" json:"j"`
		}{1}, "k=%23i1"},
		{"empty struct", struct{}{}, ""},
		{"list of one-property objects", struct{ L []small }{[]small{{1}, {2}}}, "l=%23cl%23%23a%3D%25252523i1%26%23%23a%3D%25252523i2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Reflection().Marshal(tc.in)
			if err != nil || string(out) != tc.want {
				t.Fatalf("Marshal(%+v) = %q, %v; want %q", tc.in, out, err, tc.want)
			}
			// Decode into a fresh value of the same type and encode again.
			p := reflect.New(reflect.TypeOf(tc.in))
			if err := Reflection().Unmarshal(out, p.Interface()); err != nil {
				t.Fatalf("Unmarshal(%q) error = %v", out, err)
			}
			again, err := Reflection().Marshal(p.Interface())
			if err != nil || string(again) != tc.want {
				t.Errorf("Marshal(Unmarshal(%q)) = %q, %v", out, again, err)
			}
		})
	}
}

// TestReflectionKtorBug reproduces the non-round-trip of elements that
// contain '&' or '=' (docs/ktor-format.md §7.2): the encoding is Ktor's, and it cannot
// be read back.
func TestReflectionKtorBug(t *testing.T) {
	type inner struct{ A, B int32 }
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"list element with &", struct{ L []string }{[]string{"a&b"}}, "l=%23cl%23sa%26b"},
		{"map key with =", struct{ M map[string]string }{map[string]string{"k=": "v"}}, "m=%23m%23sk%3D%3D%23sv"},
		{"list of two-property objects", struct{ L []inner }{[]inner{{1, 2}}}, "l=%23cl%23%23a%3D%25252523i1%26b%3D%25252523i2"},
		{"nested list of two elements", struct{ L [][]int32 }{[][]int32{{1, 2}}}, "l=%23cl%23cl%23i1%26%23i2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Reflection().Marshal(tc.in)
			if err != nil || string(out) != tc.want {
				t.Fatalf("Marshal = %q, %v; want %q", out, err, tc.want)
			}
			p := reflect.New(reflect.TypeOf(tc.in))
			if err := Reflection().Unmarshal(out, p.Interface()); err == nil {
				t.Errorf("Unmarshal(%q) = %+v; want an error (the Ktor bug)", out, p.Elem())
			}
		})
	}
	// A map value with '=' does round-trip: Ktor splits at the first '='.
	in := struct{ M map[string]string }{map[string]string{"k": "a=b"}}
	out, err := Reflection().Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var back struct{ M map[string]string }
	if err := Reflection().Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, in) {
		t.Errorf("Unmarshal(%q) = %+v, %v; want %+v", out, back, err, in)
	}
}

func TestReflectionGeneric(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // JSON
	}{
		{"cart=%23cl&userId=%23sid2", `{"cart":[],"userId":"id2"}`},
		{"int=%23i1&string=%23s2&boolean=%23bot&double=%23f3.0&float=%23f4.0&long=%23l5&nullable=%23n&enum=%23sA",
			`{"boolean":true,"double":3.0,"enum":"A","float":4.0,"int":1,"long":5,"nullable":null,"string":"2"}`},
		{"mapI=%23m%23skey1%3D%23i1%26%23skey2%3D%23i2", `{"mapI":{"key1":1,"key2":2}}`},
		{"m=%23m%23i1%3D%23bot%26%23bof%3D%23n%26%23n%3D%23s", `{"m":{"1":true,"false":null,"null":""}}`},
		{"m=%23m%23cl%2523i1%3D%23i2", `{"m":{"[1]":2}}`},
		{"primitives=%23%23int%3D%2523i1%26nullable%3D%2523n", `{"primitives":{"int":1,"nullable":null}}`},
		{"c=%23chx&bd=%23bd1.50&bi=%23bi-0012&bd2=%23bd.5&e=%23om&o=%23op%23i3&n=%23", `{"bd":1.50,"bd2":".5","bi":-12,"c":"x","e":null,"n":null,"o":3}`},
		{"f=%23fNaN&g=%23f-Infinity&h=%231e400", ``},
		{"f=%23fNaN&g=%23f-Infinity&h=%23f1e400&i=%23f-1.5e-3", `{"f":"NaN","g":"-Infinity","h":"Infinity","i":-0.0015}`},
		{"s=%23cs%23i1%26%23i2", `{"s":[1,2]}`},
		{"sp=%23sa+b", `{"sp":"a b"}`},
		{" padded = %23i1 ", `{"padded":1}`},
		{"", `{}`},
	} {
		var v any
		err := Reflection().Unmarshal([]byte(tc.in), &v)
		if tc.want == "" {
			if err == nil {
				t.Errorf("Unmarshal(%q) = %v; want error", tc.in, v)
			}
			continue
		}
		if err != nil {
			t.Errorf("Unmarshal(%q) error = %v", tc.in, err)
			continue
		}
		got, err := json.Marshal(v)
		if err != nil || string(got) != tc.want {
			t.Errorf("Unmarshal(%q) as JSON = %s, %v; want %s", tc.in, got, err, tc.want)
		}
		var m map[string]any
		if err := Reflection().Unmarshal([]byte(tc.in), &m); err != nil || !reflect.DeepEqual(any(m), v) {
			t.Errorf("Unmarshal(%q) into map[string]any = %v, %v; want %v", tc.in, m, err, v)
		}
	}
}

func TestReflectionErrors(t *testing.T) {
	type pair struct {
		A int32
		B *string
	}
	deep := "a=%23i1"
	for range MaxReflectionDepth + 1 {
		deep = "a=" + strings.ReplaceAll(strings.ReplaceAll("##"+deep, "%", "%25"), "&", "%26")
		deep = strings.ReplaceAll(deep, "#", "%23")
	}
	for _, tc := range []struct {
		name string
		in   string
		dst  any
	}{
		{"missing property", "a=%23i1", new(pair)},
		{"unknown property", "a=%23i1&b=%23n&c=%23n", new(pair)},
		{"duplicate property", "a=%23i1&a=%23i2&b=%23n", new(pair)},
		{"empty pair", "a=%23i1&&b=%23n", new(pair)},
		{"trailing &", "a=%23i1&b=%23n&", new(pair)},
		{"pair without =", "a=%23i1&b", new(pair)},
		{"empty name", "=%23i1", new(any)},
		{"no # prefix", "a=1&b=%23n", new(pair)},
		{"unknown prefix", "a=%23x1", new(any)},
		{"null into int", "a=%23n&b=%23n", new(pair)},
		{"Long into int32 overflow", "a=%23l4294967296&b=%23n", new(pair)},
		{"Int out of range", "a=%23i2147483648", new(any)},
		{"Int with junk", "a=%23i1x", new(any)},
		{"Int unicode digit", "a=%23i%D9%A1", new(any)},
		{"Double hex", "a=%23f0x1p3", new(any)},
		{"Double suffix", "a=%23f1.0d", new(any)},
		{"Double empty", "a=%23f", new(any)},
		{"Boolean junk", "a=%23boo", new(any)},
		{"#n junk", "a=%23nx", new(any)},
		{"Char two chars", "a=%23chab", new(any)},
		{"Char empty", "a=%23ch", new(any)},
		{"bad escape in value", "a=%23s%G0", new(any)},
		{"bad escape in name", "%ZZ=%23s", new(any)},
		{"bad escape in list", "a=%23cl%25", new(any)},
		{"empty list element", "a=%23cl%23i1%26%26%23i2", new(any)},
		{"map entry without =", "a=%23m%23i1", new(any)},
		{"duplicate generic map key", "a=%23m%23i1%3D%23n%26%23s1%3D%23n", new(any)},
		{"string into int", "a=%23s1&b=%23n", new(pair)},
		{"too deep", deep, new(any)},
		{"too many pairs", strings.Repeat("a=%23n&", MaxReflectionItems) + "a=%23n", new(any)},
		{"too many list items", "a=%23cl" + strings.Repeat("%23n%26", MaxReflectionItems) + "%23n", new(any)},
		{"too large", "a=%23s" + strings.Repeat("x", MaxReflectionSize), new(any)},
		{"non-pointer", "a=%23n", pair{}},
		{"nil pointer", "a=%23n", (*pair)(nil)},
		{"array length", "a=%23cl%23i1", new(struct{ A [2]int32 })},
		{"negative into uint", "a=%23i-1", new(struct{ A uint8 })},
		{"duplicate set element", "a=%23cs%23i1%26%23i1", new(struct{ A map[int32]struct{} })},
		{"interface with methods", "a=%23i1", new(struct{ A error })},
		{"unsupported type", "a=%23i1", new(struct{ A complex64 })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Reflection().Unmarshal([]byte(tc.in), tc.dst)
			if !errors.Is(err, codec.ErrInvalid) {
				t.Errorf("Unmarshal(%.60q) error = %v; want codec.ErrInvalid", tc.in, err)
			}
		})
	}
}

func TestReflectionUnmarshalLeavesValueOnError(t *testing.T) {
	v := testUserSession{UserID: "keep"}
	if err := Reflection().Unmarshal([]byte("userId=%23snew"), &v); err == nil {
		t.Fatal("Unmarshal without cart: error = nil")
	}
	if v.UserID != "keep" {
		t.Errorf("Unmarshal changed v on error: %+v", v)
	}
}

func TestReflectionMarshalErrors(t *testing.T) {
	type self struct {
		Next *self
	}
	loop := &self{}
	loop.Next = loop
	type pp *pp
	var p pp
	p = &p
	type embedded struct{ Embedded }
	for _, tc := range []struct {
		name string
		in   any
	}{
		{"not a struct", 5},
		{"nil pointer", (*testUserSession)(nil)},
		{"complex", struct{ C complex128 }{}},
		{"channel", struct{ C chan int }{}},
		{"func", struct{ F func() }{}},
		{"uint64 beyond Long", struct{ N uint64 }{1 << 63}},
		{"cycle", loop},
		{"self pointer", struct{ P pp }{p}},
		{"duplicate names", struct {
			A int32 `ktor:"x"`
			B int32 `json:"x"`
		}{}},
		{"embedded", embedded{}},
		{"struct with only unexported fields", struct{ T time.Time }{time.Now()}},
		{"too large", struct{ S string }{strings.Repeat("é", MaxReflectionSize)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if out, err := Reflection().Marshal(tc.in); !errors.Is(err, codec.ErrInvalid) {
				t.Errorf("Marshal = %.40q, %v; want codec.ErrInvalid", out, err)
			}
		})
	}
}

// Embedded is exported so that it can be embedded as an exported field.
type Embedded struct{ X int32 }

func TestReflectionNames(t *testing.T) {
	if Reflection().Name() != "ktor-reflection" || KotlinxBackwardCompatible().Name() != "kotlinx-backward-compatible" {
		t.Errorf("names = %q, %q", Reflection().Name(), KotlinxBackwardCompatible().Name())
	}
	// The kotlinx encoder writes sets as lists.
	out, err := KotlinxBackwardCompatible().Marshal(struct{ S map[int32]struct{} }{map[int32]struct{}{1: {}}})
	if err != nil || string(out) != "s=%23cl%23i1" {
		t.Errorf("KotlinxBackwardCompatible.Marshal(set) = %q, %v", out, err)
	}
}
