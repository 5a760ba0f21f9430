package format_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/token"
)

// FuzzDetectPeek feeds arbitrary input to detection and Peek: they never
// panic, at most one format claims an input, and a malformed input is
// reported as an *Error of the format that claimed it.
func FuzzDetectPeek(f *testing.F) {
	for _, s := range []string{"", "A", "AQ", "AQAAAAE", "x/" + string(make([]byte, 64)), "%2F%3A", "00/00:00", "a=%23s/0"} {
		f.Add(s)
	}
	reg := format.Default()
	fs := reg.Formats()
	f.Fuzz(func(t *testing.T, tok string) {
		claimed := 0
		for _, fm := range fs {
			if fm.Detect(tok) {
				claimed++
			}
		}
		if claimed > 1 {
			t.Fatalf("%d formats detect %q", claimed, tok)
		}
		p, ok := reg.Peek(tok)
		if ok != (claimed == 1) {
			t.Fatalf("Peek ok = %v, but %d formats detect %q", ok, claimed, tok)
		}
		if p.Length != len(tok) {
			t.Fatalf("Peek.Length = %d, want %d", p.Length, len(tok))
		}
		if p.Err != nil {
			var e *format.Error
			if !errors.As(error(p.Err), &e) || e.Format != p.Format || e.Reason == "" {
				t.Fatalf("Peek.Err = %#v", p.Err)
			}
		}
	})
}

// vectorTokens returns the tokens of testvectors/<dir>/open*.json, as fuzz
// seeds.
func vectorTokens(f *testing.F, dirs ...string) []string {
	var out []string
	for path, v := range loadForeignVectors(f) {
		for _, d := range dirs {
			if strings.Contains(path, "/"+d+"/") {
				for _, tc := range v.Tests {
					out = append(out, tc.Token)
				}
			}
		}
	}
	if len(out) == 0 {
		f.Fatalf("no vectors in %v", dirs)
	}
	return out
}

// fuzzOpen checks what every format's Open promises on any input: no
// panic, a rejection is a *format.Error, an input the format does not
// detect never opens, and an opened token's JSON is valid.
func fuzzOpen(t *testing.T, fm format.Format, op format.Opener, tok string) {
	res, err := op.Open(tok)
	if err != nil {
		if _, ok := errors.AsType[*format.Error](err); !ok {
			t.Fatalf("%T is not a *format.Error: %v", err, err)
		}
		return
	}
	if !fm.Detect(tok) {
		t.Fatalf("%q opens but is not detected", tok)
	}
	if !json.Valid(res.JSON) {
		t.Fatalf("%q opens to invalid JSON %q", tok, res.JSON)
	}
	if p := fm.Peek(tok); p.Err != nil {
		t.Fatalf("%q opens, but Peek: %v", tok, p.Err)
	}
}

// FuzzItsDangerous opens arbitrary input as itsdangerous tokens and Flask
// session cookies under the vectors' secrets (see fuzzOpen).
func FuzzItsDangerous(f *testing.F) {
	for _, s := range vectorTokens(f, "itsdangerous", "flask") {
		f.Add(s)
	}
	fm := format.ItsDangerous()
	r := foreignRing(f, fm.(format.Importer), [3]string{"itsdangerous", "its-secret-2026", ""}, [3]string{"flask", "flask-secret-key-2026", ""})
	op, err := fm.NewOpener(r, format.Options{Now: func() time.Time { return time.Unix(1803902460, 0) }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tok string) { fuzzOpen(t, fm, op, tok) })
}

// FuzzFlaskTaggedJSON feeds arbitrary JSON to Flask's tagged JSON: it
// renders to valid JSON or is refused with an error, and any JSON value
// minted as a Flask session opens to itself, compacted.
func FuzzFlaskTaggedJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{" t":[1,{" b":"AA=="}]}`, `{" di":{" u__":{" m":"x"}}}`, `{" d":"Sun, 28 Feb 2027 09:30:15 GMT"}`,
		`{" u":"12345678123456781234567812345678"}`, `[{" t":[]},{" di":{}}]`, `"\u00e9"`} {
		f.Add([]byte(s))
	}
	fm := format.ItsDangerous()
	r := foreignRing(f, fm.(format.Importer), [3]string{"flask", "k", ""})
	op, err := fm.NewOpener(r, format.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := format.FlaskSessionJSON(data)
		if err == nil && !json.Valid(out) {
			t.Fatalf("%q renders to invalid JSON %q", data, out)
		}
		if codec.Validate(codec.JSON(), data) != nil {
			return
		}
		tok, _, err := op.(format.Minter).Mint(data, token.Validity{})
		if err != nil {
			t.Fatalf("Mint(%q): %v", data, err)
		}
		res, err := op.Open(tok)
		if err != nil {
			t.Fatalf("Open(Mint(%q)): %v", data, err)
		}
		var want bytes.Buffer
		json.Compact(&want, data)
		if !bytes.Equal(res.JSON, want.Bytes()) {
			t.Fatalf("%q round-trips to %q", data, res.JSON)
		}
	})
}

// FuzzExpress opens arbitrary input as Express cookies under the vectors'
// secret (see fuzzOpen).
func FuzzExpress(f *testing.F) {
	for _, s := range vectorTokens(f, "express") {
		f.Add(s)
	}
	fm := format.Express()
	r := foreignRing(f, fm.(format.Importer), [3]string{"express", "keyboard cat 2026", ""})
	op, err := fm.NewOpener(r, format.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tok string) { fuzzOpen(t, fm, op, tok) })
}
