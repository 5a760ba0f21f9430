package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// maxSeed keeps the seed corpus small: inputs at the limits are tested by
// the unit tests, and would slow every fuzzing iteration that mutates them.
const maxSeed = 16 << 10

// addSeeds adds to f the inputs of the unit-test tables for codec c.
func addSeeds(f *testing.F, c Codec) {
	add := func(b []byte) {
		if len(b) <= maxSeed {
			f.Add(b)
		}
	}
	add(mustMarshal(c, workload))
	for _, tt := range unmarshalRejectTests {
		if tt.codec == c {
			add(tt.in)
		}
	}
	for _, tt := range unmarshalAcceptTests {
		if tt.codec == c {
			add(tt.in)
		}
	}
	if c == JSON() {
		for _, tt := range jsonValidatorTests {
			add([]byte(tt.in))
		}
	} else {
		for _, tt := range cborToJSONTests {
			add(tt.in)
		}
	}
}

func mustMarshal(c Codec, v any) []byte {
	b, err := c.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// fuzzRoundTrip checks that data is either rejected with ErrInvalid, or
// decodes into any, encodes, and decodes again to an equal value.
func fuzzRoundTrip(t *testing.T, c Codec, data []byte) {
	var first any
	err := c.Unmarshal(data, &first)
	if verr := Validate(c, data); (verr == nil) != (err == nil) {
		t.Fatalf("Validate(%q) = %v, but Unmarshal into any = %v", data, verr, err)
	}
	if err != nil {
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("Unmarshal(%q) = %v, which does not wrap ErrInvalid", data, err)
		}
		return
	}
	out, err := c.Marshal(first)
	if err != nil {
		t.Fatalf("Marshal(%#v) of a decoded value: %v", first, err)
	}
	var second any
	if err := c.Unmarshal(out, &second); err != nil {
		t.Fatalf("Unmarshal(%q) of Marshal output: %v", out, err)
	}
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("round trip of %q through %q: got %#v, want %#v", data, out, second, first)
	}
}

func FuzzJSONRoundTrip(f *testing.F) {
	addSeeds(f, JSON())
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRoundTrip(t, JSON(), data) })
}

func FuzzCBORRoundTrip(f *testing.F) {
	addSeeds(f, CBOR())
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRoundTrip(t, CBOR(), data) })
}

// surrogateEscape matches what may be an escaped surrogate; it also matches
// an escaped backslash followed by "ud800", which only makes the fuzz target
// below more forgiving.
var surrogateEscape = regexp.MustCompile(`\\u[dD][89a-fA-F]`)

// FuzzJSONValidatorAgreesWithStdlib checks the validator against
// encoding/json: it must never accept what json.Valid rejects, and it may
// reject what json.Valid accepts only for a reason of its own (a duplicate
// key, a limit, invalid UTF-8 or a lone surrogate) that an independent check
// confirms.
func FuzzJSONValidatorAgreesWithStdlib(f *testing.F) {
	addSeeds(f, JSON())
	f.Fuzz(func(t *testing.T, data []byte) {
		err := validateJSON(data)
		std := json.Valid(data)
		if err == nil {
			if !std {
				t.Fatalf("validator accepts %q, json.Valid rejects it", data)
			}
			if s := walkJSON(t, data); s.dupKey || s.depth > MaxDepth || s.elements > MaxElements {
				t.Fatalf("validator accepts %q past its rules: %+v", data, s)
			}
			return
		}
		var je *jsonError
		if !errors.As(err, &je) || !errors.Is(err, ErrInvalid) {
			t.Fatalf("validateJSON(%q) = %v, want a *jsonError wrapping ErrInvalid", data, err)
		}
		if !std {
			return
		}
		s := walkJSON(t, data)
		var confirmed bool
		switch je.kind {
		case jsonErrDupKey:
			confirmed = s.dupKey
		case jsonErrDepth:
			confirmed = s.depth > MaxDepth
		case jsonErrElements:
			confirmed = s.elements > MaxElements
		case jsonErrUTF8:
			confirmed = !utf8.Valid(data)
		case jsonErrSurrogate:
			confirmed = surrogateEscape.Match(data)
		case jsonErrSize:
			confirmed = len(data) > MaxInputSize
		}
		if !confirmed {
			t.Fatalf("validator rejects %q, which json.Valid accepts: %v (walk: %+v)", data, err, s)
		}
	})
}

// jsonStats is what walkJSON finds in a valid JSON text.
type jsonStats struct {
	dupKey   bool // some object has two keys equal after decoding
	depth    int  // deepest nesting of arrays and objects
	elements int  // most members of one array or object
}

// walkJSON measures data, which json.Valid accepts, with encoding/json's
// tokenizer: an implementation independent of the validator. Strings with
// lone surrogates or invalid UTF-8 decode with U+FFFD, which may make
// distinct keys equal, but never equal keys distinct.
func walkJSON(t *testing.T, data []byte) jsonStats {
	t.Helper()
	type level struct {
		obj     bool
		wantKey bool
		n       int
		keys    map[string]bool
	}
	var (
		s     jsonStats
		stack []*level
	)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return s
		}
		if err != nil {
			t.Fatalf("json.Decoder.Token on valid %q: %v", data, err)
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		// tok starts a member of top: a key, an array element, or an
		// object member's value.
		if top != nil {
			switch {
			case top.obj && top.wantKey:
				k := tok.(string)
				if top.keys[k] {
					s.dupKey = true
				}
				top.keys[k] = true
				top.n++
				s.elements = max(s.elements, top.n)
				top.wantKey = false
				continue
			case top.obj:
				top.wantKey = true
			default:
				top.n++
				s.elements = max(s.elements, top.n)
			}
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &level{obj: d == '{', wantKey: true, keys: map[string]bool{}})
			s.depth = max(s.depth, len(stack))
		}
	}
}

func FuzzCBORToJSON(f *testing.F) {
	addSeeds(f, CBOR())
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := CBORToJSON(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("CBORToJSON(%x) = %v, which does not wrap ErrInvalid", data, err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("CBORToJSON(%x) = %q, not valid JSON", data, out)
		}
		if len(out) <= MaxInputSize {
			if err := validateJSON(out); err != nil {
				t.Fatalf("CBORToJSON(%x) = %q, which the JSON validator rejects: %v", data, out, err)
			}
		}
		if err := CBOR().Unmarshal(data, new(any)); err != nil {
			t.Fatalf("CBORToJSON accepts %x, CBOR.Unmarshal rejects it: %v", data, err)
		}
	})
}

// FuzzCheckCBORAgreesWithDecoder: Marshal's output check accepts exactly
// what Unmarshal accepts, but for two things that depend on decoding, not on
// the bytes alone: duplicate map keys, and map keys (arrays, maps) that fit
// a typed destination but not an interface value. A disagreement means Marshal could mint an unopenable token, or
// refuse a good value.
func FuzzCheckCBORAgreesWithDecoder(f *testing.F) {
	for _, tc := range []string{"a10102", "8080", "f97e00", "c11a00000000", "7f61616162ff", "6161", "f7", "818181818181818181818181818181818181818181818181818181818181818180"} {
		f.Add(unhex(tc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkErr := checkCBOR(data)
		var v any
		decErr := CBOR().Unmarshal(data, &v)
		switch {
		case checkErr != nil && !errors.Is(checkErr, ErrInvalid):
			t.Fatalf("checkCBOR(%x) error %v does not wrap ErrInvalid", data, checkErr)
		case decErr == nil && checkErr != nil:
			t.Fatalf("checkCBOR(%x) = %v, but Unmarshal accepts it", data, checkErr)
		case decErr != nil && checkErr == nil &&
			!strings.Contains(decErr.Error(), "duplicate map key") && !strings.Contains(decErr.Error(), "invalid map key type"):
			t.Fatalf("checkCBOR(%x) accepts what Unmarshal rejects: %v", data, decErr)
		}
	})
}
