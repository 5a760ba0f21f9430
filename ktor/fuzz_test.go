package ktor

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/transform"
)

// vectorSeeds returns the given string fields of every case of the named
// vector file, for seeding a fuzz target.
func vectorSeeds(f *testing.F, file string, fields ...string) []string {
	f.Helper()
	data, err := os.ReadFile(filepath.Join(vectorDir, file))
	if err != nil {
		f.Fatal(err)
	}
	var vf struct{ Tests []map[string]any }
	if err := json.Unmarshal(data, &vf); err != nil {
		f.Fatal(err)
	}
	var out []string
	for _, tc := range vf.Tests {
		for _, name := range fields {
			if s, ok := tc[name].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// FuzzCookieValue checks every cookie encoding: decoding never panics and
// fails only with ErrMalformedCookie, and whatever encodes decodes back.
func FuzzCookieValue(f *testing.F) {
	for _, s := range vectorSeeds(f, "cookie_encoding.json", "value", "encoded") {
		for e := range uint8(5) {
			f.Add(s, e)
		}
	}
	f.Fuzz(func(t *testing.T, s string, e uint8) {
		enc := CookieEncoding(e % 5)
		if got, err := DecodeCookieValue(s, enc); err != nil && !errors.Is(err, ErrMalformedCookie) {
			t.Fatalf("DecodeCookieValue(%q, %v) = %q, %v; want nil or ErrMalformedCookie", s, enc, got, err)
		}
		encoded, err := EncodeCookieValue(s, enc)
		if err != nil {
			if !errors.Is(err, ErrMalformedCookie) {
				t.Fatalf("EncodeCookieValue(%q, %v) error = %v; want ErrMalformedCookie", s, enc, err)
			}
			return
		}
		back, err := DecodeCookieValue(encoded, enc)
		if err != nil || back != s {
			t.Fatalf("DecodeCookieValue(EncodeCookieValue(%q, %v) = %q) = %q, %v", s, enc, encoded, back, err)
		}
	})
}

// checkTransformerFuzz is the property both transformer targets share:
// Read never panics and fails only with transform.ErrInvalid; Read undoes
// Write.
func checkTransformerFuzz(t *testing.T, tr transform.Transformer, data []byte) {
	if got, err := tr.Read(nil, data); err != nil && !errors.Is(err, transform.ErrInvalid) {
		t.Fatalf("Read(%q) = %q, %v; want nil or transform.ErrInvalid", data, got, err)
	}
	got, err := tr.Read([]byte("dst"), tr.Write(nil, data))
	if err != nil || !bytes.Equal(got, append([]byte("dst"), data...)) {
		t.Fatalf("Read(Write(%q)) = %q, %v", data, got, err)
	}
}

// FuzzMessageAuthenticationRead fuzzes Read of the signed layout. A
// successful Read of arbitrary input means the input carried the right
// tag, so writing the result must give the input back.
func FuzzMessageAuthenticationRead(f *testing.F) {
	for _, s := range vectorSeeds(f, "message_authentication.json", "cookie") {
		f.Add([]byte(s))
	}
	tr, err := NewMessageAuthentication(vecMACKey, transform.SHA256)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkTransformerFuzz(t, tr, data)
		if got, err := tr.Read(nil, data); err == nil && !bytes.Equal(tr.Write(nil, got), data) {
			t.Fatalf("Read(%q) accepted a value Write does not produce", data)
		}
	})
}

// FuzzEncryptRead fuzzes Read of the encrypted layouts, with the keys of
// the vectors and both layouts accepted.
func FuzzEncryptRead(f *testing.F) {
	for _, s := range vectorSeeds(f, "encrypt.json", "cookie") {
		f.Add([]byte(s))
	}
	var trs []transform.Transformer
	for _, keys := range [][2][]byte{{ktorEncKey, ktorSignKey}, {vecEncKey128, vecSignKey}} {
		tr, err := NewEncrypt(keys[0], keys[1], &EncryptOptions{Read: Layout3 | Layout2})
		if err != nil {
			f.Fatal(err)
		}
		trs = append(trs, tr)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, tr := range trs {
			checkTransformerFuzz(t, tr, data)
		}
	})
}

// FuzzReflectionDecode decodes arbitrary text as the reflection format,
// into a generic value and into a struct: no panic, errors wrap
// codec.ErrInvalid, and a generic result always marshals to JSON.
func FuzzReflectionDecode(f *testing.F) {
	for _, s := range vectorSeeds(f, "reflection.json", "text") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if err := Reflection().Unmarshal(data, &v); err != nil {
			if !errors.Is(err, codec.ErrInvalid) {
				t.Fatalf("Unmarshal(%q) error = %v; want codec.ErrInvalid", data, err)
			}
		} else if _, err := json.Marshal(v); err != nil {
			t.Fatalf("json.Marshal(Unmarshal(%q)) error = %v", data, err)
		}
		var s fuzzSession
		if err := Reflection().Unmarshal(data, &s); err != nil {
			if !errors.Is(err, codec.ErrInvalid) {
				t.Fatalf("Unmarshal(%q) into a struct error = %v; want codec.ErrInvalid", data, err)
			}
			return
		}
		// What decodes into the struct encodes again and decodes equal.
		out, err := Reflection().Marshal(&s)
		if err != nil {
			t.Fatalf("Marshal(Unmarshal(%q)) error = %v", data, err)
		}
		var again fuzzSession
		if err := Reflection().Unmarshal(out, &again); err != nil {
			t.Fatalf("Unmarshal(Marshal(Unmarshal(%q)) = %q) error = %v", data, out, err)
		}
		if out2, _ := Reflection().Marshal(&again); !bytes.Equal(out, out2) {
			t.Fatalf("re-encoding %q gave %q, then %q", data, out, out2)
		}
	})
}

type fuzzInner struct {
	X int32
	S string
}

type fuzzSession struct {
	Str   string
	I     int32
	L     int64
	N     int
	U     uint16
	F     float64
	F32   float32
	B     bool
	P     *string
	List  []string
	Ints  []int64
	Set   map[int32]struct{}
	Map   map[string]float64
	Inner fuzzInner
	Opt   *fuzzInner
}

// FuzzReflectionRoundTrip encodes generated structs with both reflection
// codecs and decodes them back, except where Ktor's format cannot: list
// elements and map values with '&', map keys with '&' or '=' (docs/ktor-format.md §7.2).
func FuzzReflectionRoundTrip(f *testing.F) {
	f.Add("id2", int32(1), int64(5), 7, uint16(3), 3.0, float32(4), true, "a", "b=c", "k", 1e10)
	f.Add("", int32(-1), int64(math.MinInt64), math.MaxInt, uint16(0), math.Inf(-1), float32(0.1), false, " +%#", "é€😀", "", math.SmallestNonzeroFloat64)
	f.Fuzz(func(t *testing.T, s string, i int32, l int64, n int, u uint16, fl float64, f32 float32, b bool, e1, e2, k string, mv float64) {
		if strings.Contains(e1, "&") || strings.Contains(e2, "&") || strings.ContainsAny(k, "&=") {
			t.Skip("not representable in Ktor's format")
		}
		in := fuzzSession{
			Str: s, I: i, L: l, N: n, U: u, F: fl, F32: f32, B: b,
			List: []string{e1, e2}, Ints: []int64{l, int64(i)},
			Set:   map[int32]struct{}{i: {}, i / 2: {}},
			Map:   map[string]float64{k: mv, k + "x": fl},
			Inner: fuzzInner{i, s},
		}
		if b {
			in.P, in.Opt = &e1, &fuzzInner{-i, e2}
		}
		for _, c := range []codec.Codec{Reflection(), KotlinxBackwardCompatible()} {
			out, err := c.Marshal(in)
			if err != nil {
				t.Fatalf("%s.Marshal(%+v) error = %v", c.Name(), in, err)
			}
			var back fuzzSession
			if err := c.Unmarshal(out, &back); err != nil {
				t.Fatalf("%s.Unmarshal(%q) error = %v", c.Name(), out, err)
			}
			again, err := c.Marshal(back)
			if err != nil || !bytes.Equal(again, out) {
				t.Fatalf("%s: Marshal(Unmarshal(%q)) = %q, %v", c.Name(), out, again, err)
			}
			if !math.IsNaN(fl) && !math.IsNaN(float64(f32)) && !math.IsNaN(mv) && !reflect.DeepEqual(in, back) {
				t.Fatalf("%s: Unmarshal(Marshal(%+v)) = %+v", c.Name(), in, back)
			}
		}
	})
}

// FuzzInspect checks that Inspect never panics, that it reports a layout
// exactly when it returns no error, and that its Data marshals to JSON.
func FuzzInspect(f *testing.F) {
	for _, file := range []string{"encrypt.json", "message_authentication.json"} {
		for _, s := range vectorSeeds(f, file, "cookie", "encoded") {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := Inspect(s)
		if (err == nil) == (info.Kind == KindUnknown) {
			t.Fatalf("Inspect(%q) = kind %v, error %v", s, info.Kind, err)
		}
		if err != nil && !errors.Is(err, ErrUnrecognized) && !errors.Is(err, ErrMalformedCookie) {
			t.Fatalf("Inspect(%q) error = %v", s, err)
		}
		if _, err := json.Marshal(info.Data); err != nil {
			t.Fatalf("Inspect(%q).Data does not marshal: %v", s, err)
		}
	})
}

// FuzzJavaFloat checks the Double.toString/Float.toString formatter: the
// output parses back to the input, has Java's shape, and is no longer than
// Go's shortest form needs.
func FuzzJavaFloat(f *testing.F) {
	for _, x := range []float64{0, 1, 0.1, 1e7, 1e-3, 9.999999e-4, math.MaxFloat64, math.SmallestNonzeroFloat64, 1e23} {
		f.Add(math.Float64bits(x))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		x := math.Float64frombits(bits)
		for _, size := range []int{64, 32} {
			if size == 32 {
				x = float64(float32(x))
			}
			s := javaFloat(x, size)
			if math.IsNaN(x) {
				if s != "NaN" {
					t.Fatalf("javaFloat(NaN) = %q", s)
				}
				continue
			}
			if math.IsInf(x, 0) {
				continue
			}
			back, err := strconv.ParseFloat(s, size)
			if err != nil || back != x || math.Signbit(back) != math.Signbit(x) {
				t.Fatalf("javaFloat(%v, %d) = %q parses as %v, %v", x, size, s, back, err)
			}
			mant, exp, sci := strings.Cut(strings.TrimPrefix(s, "-"), "E")
			intPart, frac, ok := strings.Cut(mant, ".")
			if !ok || frac == "" || intPart == "" {
				t.Fatalf("javaFloat(%v, %d) = %q: want digits.digits", x, size, s)
			}
			abs := math.Abs(x)
			if plain := abs == 0 || (abs >= 1e-3 && abs < 1e7); plain == sci {
				t.Fatalf("javaFloat(%v, %d) = %q: wrong notation", x, size, s)
			}
			if sci && (len(intPart) != 1 || intPart == "0" || exp == "") {
				t.Fatalf("javaFloat(%v, %d) = %q: bad scientific form", x, size, s)
			}
		}
	})
}
