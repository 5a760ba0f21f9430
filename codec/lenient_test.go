package codec

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// mustLenient returns IgnoreUnknownFields(c), failing the test on error.
func mustLenient(t testing.TB, c Codec) Codec {
	t.Helper()
	l, err := IgnoreUnknownFields(c)
	if err != nil {
		t.Fatalf("IgnoreUnknownFields(%s): %v", c.Name(), err)
	}
	return l
}

// namedCodec is a custom codec, which IgnoreUnknownFields does not know.
type namedCodec struct{ Codec }

func (namedCodec) Name() string { return "custom" }

func TestIgnoreUnknownFieldsAPI(t *testing.T) {
	for _, c := range []Codec{JSON(), CBOR()} {
		l := mustLenient(t, c)
		if l.Name() != c.Name() {
			t.Errorf("IgnoreUnknownFields(%s).Name() = %q, want %q", c.Name(), l.Name(), c.Name())
		}
		if l == c {
			t.Errorf("IgnoreUnknownFields(%s) is the strict codec", c.Name())
		}
		if again := mustLenient(t, l); again != l {
			t.Errorf("IgnoreUnknownFields of the %s variant is not the variant", c.Name())
		}
		if other := mustLenient(t, c); other != l {
			t.Errorf("two IgnoreUnknownFields(%s) variants differ", c.Name())
		}
		if byName, err := ByName(l.Name()); err != nil || byName != c {
			t.Errorf("ByName(%q) = %v, %v; want the strict codec", l.Name(), byName, err)
		}
		// Encoding is the same.
		want := mustMarshal(c, &workload)
		if got := mustMarshal(l, &workload); !bytes.Equal(got, want) {
			t.Errorf("%s variant Marshal = %x, want %x", c.Name(), got, want)
		}
	}
	for _, tt := range []struct {
		name string
		c    Codec
		want string
	}{
		{"custom", namedCodec{JSON()}, `codec: unknown codec "custom": IgnoreUnknownFields knows only cbor and json`},
		{"nil", nil, `codec: unknown codec "<nil>": IgnoreUnknownFields knows only cbor and json`},
	} {
		l, err := IgnoreUnknownFields(tt.c)
		if l != nil || !errors.Is(err, ErrUnknownCodec) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: IgnoreUnknownFields = %v, %v; want an error wrapping ErrUnknownCodec starting %q", tt.name, l, err, tt.want)
		}
	}
}

// Versions of a session type: sessionV2 has the fields of sessionV1 and
// one more, which a later deploy removes again.
type (
	sessionV1 struct {
		UserID string `json:"uid" cbor:"1,keyasint"`
		Roles  []string
	}
	sessionV2 struct {
		UserID string `json:"uid" cbor:"1,keyasint"`
		Roles  []string
		Theme  map[string][]any `json:"theme" cbor:"9,keyasint"`
	}
	outerV1 struct {
		S sessionV1
		L []sessionV1
		M map[string]*sessionV1
	}
	outerV2 struct {
		S     sessionV2
		L     []sessionV2
		M     map[string]*sessionV2
		Extra string
	}
	// withAny has an interface field, so JSON decodes it with a
	// json.Decoder rather than json.Unmarshal.
	withAny struct {
		UserID string `json:"uid" cbor:"1,keyasint"`
		Any    any
	}
)

func TestIgnoreUnknownFieldsDecodes(t *testing.T) {
	v2 := sessionV2{UserID: "u_1", Roles: []string{"admin"}, Theme: map[string][]any{"dark": {true, "x", 1.5}}}
	for _, tt := range []struct {
		name string
		in   any // encoded with the codec under test
		dest func() any
		want any
	}{
		{"removed field", &v2, func() any { return new(sessionV1) },
			&sessionV1{UserID: "u_1", Roles: []string{"admin"}}},
		{"removed fields at every depth", &outerV2{S: v2, L: []sessionV2{v2, {}}, M: map[string]*sessionV2{"k": &v2}, Extra: "x"},
			func() any { return new(outerV1) },
			&outerV1{
				S: sessionV1{UserID: "u_1", Roles: []string{"admin"}},
				L: []sessionV1{{UserID: "u_1", Roles: []string{"admin"}}, {}},
				M: map[string]*sessionV1{"k": {UserID: "u_1", Roles: []string{"admin"}}},
			}},
		{"removed field, destination with an interface", &v2, func() any { return new(withAny) },
			&withAny{UserID: "u_1"}},
	} {
		for _, c := range []Codec{JSON(), CBOR()} {
			data := mustMarshal(c, tt.in)
			if err := c.Unmarshal(data, tt.dest()); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: strict %s Unmarshal = %v, want an error wrapping ErrInvalid", tt.name, c.Name(), err)
			}
			got := tt.dest()
			if err := mustLenient(t, c).Unmarshal(data, got); err != nil {
				t.Errorf("%s: lenient %s Unmarshal: %v", tt.name, c.Name(), err)
				continue
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: lenient %s Unmarshal = %+v, want %+v", tt.name, c.Name(), got, tt.want)
			}
		}
	}
}

// jsonUnknownArray returns {"uid":"a","x":[0,0,…]} with n zeros.
func jsonUnknownArray(n int) []byte {
	return cat([]byte(`{"uid":"a","x":`), jsonArray(n), []byte(`}`))
}

// cborUnknownArray returns {1:"a",9:[0,0,…]} with n zeros.
func cborUnknownArray(n int) []byte {
	head := unhex("a2 01 6161 09")
	if n < 65536 {
		return cat(head, cborArray(n))
	}
	return cat(head, []byte{0x9a, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, make([]byte, n))
}

// lenientRejectTests are inputs into a sessionV1 that both the strict
// codec and its IgnoreUnknownFields variant reject, the variant for the
// reason that want names.
var lenientRejectTests = []struct {
	name  string
	codec Codec
	in    []byte
	want  string // in the variant's error
}{
	{"json duplicate known key", JSON(), []byte(`{"uid":"a","uid":"b"}`), "duplicate object key"},
	{"json duplicate unknown key", JSON(), []byte(`{"uid":"a","x":1,"x":2}`), "duplicate object key"},
	{"json duplicate unknown key, escaped", JSON(), []byte(`{"x":1,"uid":"a","\u0078":2}`), "duplicate object key"},
	{"json duplicate key inside an unknown value", JSON(), []byte(`{"uid":"a","x":{"y":1,"y":2}}`), "duplicate object key"},
	{"json unknown value nested past MaxDepth", JSON(), cat([]byte(`{"x":`), jsonNest(MaxDepth), []byte(`}`)), "nesting deeper than 32"},
	{"json unknown objects nested past MaxDepth", JSON(), []byte(strings.Repeat(`{"x":`, MaxDepth+1) + "0" + strings.Repeat("}", MaxDepth+1)), "nesting deeper than 32"},
	{"json unknown array past MaxElements", JSON(), jsonUnknownArray(MaxElements + 1), "more than 4096 members"},
	{"json unknown array of 10^6 elements", JSON(), jsonUnknownArray(1_000_000), "exceeds limit of 1048576 bytes"},
	{"json invalid UTF-8 in an unknown value", JSON(), []byte("{\"x\":\"\xff\"}"), "invalid UTF-8"},
	{"json invalid UTF-8 in an unknown key", JSON(), []byte("{\"\xff\":1}"), "invalid UTF-8"},
	{"json lone surrogate in an unknown value", JSON(), []byte(`{"x":"\udc00"}`), "lone surrogate"},
	{"json trailing data", JSON(), []byte(`{"x":1} {}`), "after top-level value"},
	{"json NaN in an unknown value", JSON(), []byte(`{"x":NaN}`), "invalid character 'N'"},
	{"json wrong type for a known field", JSON(), []byte(`{"x":1,"uid":2}`), "cannot unmarshal number"},

	{"cbor duplicate known key", CBOR(), unhex("a2 01 6161 01 6162"), "duplicate map key"},
	{"cbor duplicate unknown key", CBOR(), unhex("a3 01 6161 09 00 09 01"), "duplicate map key"},
	{"cbor duplicate unknown text key", CBOR(), unhex("a3 6178 00 01 6161 6178 01"), "duplicate map key"},
	{"cbor duplicate unknown key, non-shortest", CBOR(), unhex("a3 09 00 01 6161 1809 01"), "duplicate map key"},
	{"cbor duplicate key inside an unknown value", CBOR(), unhex("a2 01 6161 09 a2 00 00 00 01"), "duplicate map key"},
	{"cbor unknown value nested past MaxDepth", CBOR(), cat(unhex("a1 09"), cborNest(MaxDepth)), "exceeded max nested level"},
	{"cbor unknown maps nested past MaxDepth", CBOR(), cat(bytes.Repeat(unhex("a1 09"), MaxDepth+1), []byte{0}), "exceeded max nested level"},
	{"cbor unknown array past MaxElements", CBOR(), cborUnknownArray(MaxElements + 1), "exceeded max number of elements"},
	{"cbor unknown array of 10^6 elements", CBOR(), cborUnknownArray(1_000_000), "exceeded max number of elements"},
	{"cbor invalid UTF-8 in an unknown value", CBOR(), unhex("a2 01 6161 09 62 c0af"), "invalid UTF-8"},
	{"cbor invalid UTF-8 in an unknown key", CBOR(), unhex("a2 01 6161 62 c0af 00"), "invalid UTF-8"},
	{"cbor tag in an unknown value", CBOR(), unhex("a2 01 6161 09 c1 00"), "tag"},
	{"cbor NaN in an unknown value", CBOR(), unhex("a2 01 6161 09 f9 7e00"), "NaN"},
	{"cbor undefined in an unknown value", CBOR(), unhex("a2 01 6161 09 f7"), "simple value 23"},
	{"cbor indefinite length in an unknown value", CBOR(), unhex("a2 01 6161 09 9f ff"), "indefinite-length"},
	{"cbor trailing data", CBOR(), unhex("a1 09 00 00"), "extraneous data"},
	{"cbor wrong type for a known field", CBOR(), unhex("a2 09 00 01 02"), "cannot unmarshal"},
}

func TestIgnoreUnknownFieldsStillRejects(t *testing.T) {
	for _, tt := range lenientRejectTests {
		if err := tt.codec.Unmarshal(tt.in, new(sessionV1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: strict Unmarshal = %v, want an error wrapping ErrInvalid", tt.name, err)
		}
		err := mustLenient(t, tt.codec).Unmarshal(tt.in, new(sessionV1))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: lenient Unmarshal(%.40q) = %v, want an error wrapping ErrInvalid that says %q", tt.name, tt.in, err, tt.want)
		}
	}
}

// FuzzIgnoreUnknownAgrees checks each codec's IgnoreUnknownFields variant
// against the codec: it accepts everything the codec accepts, decoding to
// the same value; what it accepts beyond that, the codec rejects for an
// unknown field, and it passes every other rule (Validate, which decodes
// into an interface value, where no field is unknown, accepts it); and it
// rejects only with errors wrapping ErrInvalid.
func FuzzIgnoreUnknownAgrees(f *testing.F) {
	addSeeds(f, JSON())
	addSeeds(f, CBOR())
	for _, tt := range lenientRejectTests {
		if len(tt.in) <= maxSeed {
			f.Add(tt.in)
		}
	}
	v2 := sessionV2{UserID: "u_1", Roles: []string{"admin"}, Theme: map[string][]any{"dark": {true, "x", 1.5}}}
	for _, c := range []Codec{JSON(), CBOR()} {
		f.Add(mustMarshal(c, &v2))
		f.Add(mustMarshal(c, &outerV2{S: v2, L: []sessionV2{v2}, M: map[string]*sessionV2{"k": &v2}, Extra: "x"}))
	}
	dests := []func() any{
		func() any { return new(Session) },
		func() any { return new(sessionV1) },
		func() any { return new(outerV1) },
		func() any { return new(withAny) },
		func() any { return new(keysOuter) },
		func() any { return new(map[string]*sessionV1) },
		func() any { return new(any) },
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range []Codec{JSON(), CBOR()} {
			l := mustLenient(t, c)
			for _, newDest := range dests {
				strict, lenient := newDest(), newDest()
				errStrict := c.Unmarshal(data, strict)
				errLenient := l.Unmarshal(data, lenient)
				switch {
				case errLenient != nil && !errors.Is(errLenient, ErrInvalid):
					t.Fatalf("%s %T from %q: lenient error %v does not wrap ErrInvalid", c.Name(), strict, data, errLenient)
				case errStrict == nil && errLenient != nil:
					t.Fatalf("%s %T from %q: strict accepts, lenient rejects: %v", c.Name(), strict, data, errLenient)
				case errStrict == nil && !reflect.DeepEqual(strict, lenient):
					t.Fatalf("%s %T from %q: strict decodes %+v, lenient %+v", c.Name(), strict, data, strict, lenient)
				case errStrict != nil && errLenient == nil:
					if !strings.Contains(errStrict.Error(), "unknown field") {
						t.Fatalf("%s %T from %q: lenient accepts what strict rejects for another reason: %v", c.Name(), strict, data, errStrict)
					}
					if err := Validate(c, data); err != nil {
						t.Fatalf("%s %T from %q: lenient accepts input that breaks another rule: %v", c.Name(), strict, data, err)
					}
				}
			}
		}
	})
}
