package ktor

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/transform"
)

// TestSessionFromJSONKtor derives the plaintexts behind Ktor's encrypted
// cookies (docs/ktor-format.md §9) from the JSON form of TestUserSession("id2", []).
func TestSessionFromJSONKtor(t *testing.T) {
	const in = `{"userId":"id2","cart":[]}`
	for _, tc := range []struct {
		c    codec.Codec
		want string
	}{
		{KotlinxJSON(), ktorJSONPlaintext},
		{Reflection(), ktorReflectionPlaintext},
		{KotlinxBackwardCompatible(), "userId=%23sid2&cart=%23cl"},
	} {
		got, err := SessionFromJSON(tc.c, []byte(in))
		if err != nil || string(got) != tc.want {
			t.Errorf("SessionFromJSON(%s, %s) = %q, %v; want %q", tc.c.Name(), in, got, err, tc.want)
		}
	}
	// The struct path gives the same text.
	s := testUserSession{UserID: "id2", Cart: []string{}}
	for _, c := range []codec.Codec{KotlinxJSON(), Reflection()} {
		want, err := c.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := SessionFromJSON(c, []byte(in))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("SessionFromJSON(%s) = %q, %v; Marshal gives %q", c.Name(), got, err, want)
		}
	}
}

func TestSessionFromJSON(t *testing.T) {
	for _, tc := range []struct {
		c        codec.Codec
		in, want string
	}{
		// Key order as given; insignificant space removed; kotlinx escapes.
		{KotlinxJSON(), ` { "b" : 1 , "a" : [ true, null, "x" ] } `, `{"b":1,"a":[true,null,"x"]}`},
		{KotlinxJSON(), `{"s":"\u00e9\u2028<>&\/\u0001"}`, "{\"s\":\"é\u2028<>&/\\u0001\"}"},
		{KotlinxJSON(), `{"f":1.5,"e":1e2,"g":1E10,"z":-0.0,"i":-12,"big":123456789012345678901234567890}`,
			`{"f":1.5,"e":100.0,"g":1.0E10,"z":-0.0,"i":-12,"big":123456789012345678901234567890}`},
		{KotlinxJSON(), `"just a string"`, `"just a string"`},
		{KotlinxJSON(), `{}`, `{}`},
		// Reflection: sorted by name, prefixes by JSON type.
		{Reflection(), `{"s":"a b&c=d","i":2147483647,"l":2147483648,"n":-2147483649,"f":0.5,"t":true,"o":false,"z":null}`,
			"f=%23f0.5&i=%23i2147483647&l=%23l2147483648&n=%23l-2147483649&o=%23bof&s=%23sa+b%26c%3Dd&t=%23bot&z=%23n"},
		{Reflection(), `{"listS":["1","2"],"listI":[1,2]}`, "listI=%23cl%23i1%26%23i2&listS=%23cl%23s1%26%23s2"},
		{Reflection(), `{"primitives":{"string":"2","int":1}}`, "primitives=%23%23int%3D%2523i1%26string%3D%2523s2"},
		{Reflection(), `{"f":1e2,"g":1e10,"h":1e-5}`, "f=%23f100.0&g=%23f1.0E10&h=%23f1.0E-5"},
		{Reflection(), `{}`, ""},
		// Backward compatible: declaration (input) order.
		{KotlinxBackwardCompatible(), `{"int":1,"string":"2","boolean":true,"double":3,"nullable":null}`,
			"int=%23i1&string=%23s2&boolean=%23bot&double=%23i3&nullable=%23n"},
		{KotlinxBackwardCompatible(), `{"double":3.0,"float":4.0}`, "double=%23f3.0&float=%23f4.0"},
	} {
		got, err := SessionFromJSON(tc.c, []byte(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("SessionFromJSON(%s, %s) = %q, %v; want %q", tc.c.Name(), tc.in, got, err, tc.want)
		}
	}
}

// TestSessionFromJSONRoundTrip checks that the reflection text decodes to
// the JSON it came from (numbers compared as values).
func TestSessionFromJSONRoundTrip(t *testing.T) {
	for _, in := range []string{
		`{"userId":"id2","cart":[]}`,
		`{"a":"x y+z%","b":[1,2,3],"c":{"d":true,"e":null,"f":2.5},"g":-7,"h":9007199254740993}`,
		`{"ünï":"cödé","emoji":"🙂"}`,
	} {
		text, err := SessionFromJSON(Reflection(), []byte(in))
		if err != nil {
			t.Fatalf("SessionFromJSON(%s): %v", in, err)
		}
		var got any
		if err := Reflection().Unmarshal(text, &got); err != nil {
			t.Fatalf("Unmarshal(%q): %v", text, err)
		}
		var want any
		if err := codec.JSON().Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if !bytes.Equal(gj, wj) {
			t.Errorf("%s → %q → %s", in, text, gj)
		}
	}
}

func TestSessionFromJSONErrors(t *testing.T) {
	for _, tc := range []struct {
		c        codec.Codec
		in, want string
	}{
		{KotlinxJSON(), `{"a":1,"a":2}`, "duplicate"},
		{KotlinxJSON(), `{"a":1} x`, ""},
		{KotlinxJSON(), `{"a":1e400}`, "out of the range of a Double"},
		{Reflection(), `["a"]`, "want a JSON object"},
		{Reflection(), `"a"`, "want a JSON object"},
		{Reflection(), `{"a":9223372036854775808}`, "does not fit in a Kotlin Long"},
		{Reflection(), `{"":1}`, "property name is empty"},
		{Reflection(), `{"a":` + strings.Repeat("[", 33) + strings.Repeat("]", 33) + `}`, ""},
		{Reflection(), `{"a":"` + strings.Repeat("x", MaxReflectionSize) + `"}`, "more than"},
		{codec.JSON(), `{}`, "unsupported serializer"},
	} {
		got, err := SessionFromJSON(tc.c, []byte(tc.in))
		if !errors.Is(err, codec.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SessionFromJSON(%s, %.40s) = %q, %v; want an error wrapping codec.ErrInvalid containing %q", tc.c.Name(), tc.in, got, err, tc.want)
		}
	}
}

// TestReadLayout checks that Encrypt.ReadLayout reports the layout that
// verified, on Ktor's cookies (docs/ktor-format.md §9).
func TestReadLayout(t *testing.T) {
	both, err := NewEncrypt(ktorEncKey, ktorSignKey, &EncryptOptions{Read: Layout3 | Layout2})
	if err != nil {
		t.Fatal(err)
	}
	only3, err := NewEncrypt(ktorEncKey, ktorSignKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tr     *Encrypt
		cookie string
		want   Layout
		pt     string
	}{
		{both, ktorCookie2, Layout2, ktorReflectionPlaintext},
		{both, ktorCookie3Reflection, Layout3, ktorReflectionPlaintext},
		{both, ktorCookie3JSON, Layout3, ktorJSONPlaintext},
		{only3, ktorCookie3JSON, Layout3, ktorJSONPlaintext},
		{only3, ktorCookie2, 0, ""},
		{both, "INVALID", 0, ""},
		{both, "abc/abc:abc", 0, ""},
		{both, flipLastHex(ktorCookie3JSON), 0, ""},
	} {
		got, l, err := tc.tr.ReadLayout(nil, []byte(tc.cookie))
		if tc.want == 0 {
			if !errors.Is(err, transform.ErrInvalid) || l != 0 || len(got) != 0 {
				t.Errorf("ReadLayout(%.40s…) = %q, %v, %v; want transform.ErrInvalid", tc.cookie, got, l, err)
			}
			continue
		}
		if err != nil || l != tc.want || string(got) != tc.pt {
			t.Errorf("ReadLayout(%.40s…) = %q, %v, %v; want %q, %v", tc.cookie, got, l, err, tc.pt, tc.want)
		}
	}
}
