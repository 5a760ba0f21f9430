package format_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// FuzzDetectPeek feeds arbitrary input to detection and Peek: they never
// panic, at most one format claims an input, and a malformed input is
// reported as an *Error of the format that claimed it.
func FuzzDetectPeek(f *testing.F) {
	for _, s := range []string{"", "A", "AQ", "AQAAAAE", "x/" + string(make([]byte, 64)), "%2F%3A", "00/00:00", "a=%23s/0",
		"BAgw--" + strings.Repeat("a", 40), "YWJj--YWJjZGVmZ2hpamts--YWJjZGVmZ2hpamtsbW5vcA==", "e30%3D--" + strings.Repeat("0", 64)} {
		f.Add(s)
	}
	for _, dir := range []string{"fernet", "branca"} {
		for _, s := range vectorTokens(f, dir) {
			f.Add(s)
		}
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

// FuzzPaseto opens arbitrary input as a v4.local and a v4.public token,
// under keys of the official vectors, and peeks at it: nothing panics,
// every rejection is an *Error of the format, and what opens is an
// authentic token whose claims are a JSON object. Seeded with the tokens
// of testvectors/paseto.
func FuzzPaseto(f *testing.F) {
	for _, tc := range pasetoSeeds(f) {
		f.Add(tc)
	}
	f.Add("v4.local.")
	f.Add("v4.public.AAAA.")
	type opener struct {
		f  format.Format
		op format.Opener
	}
	var ops []opener
	for _, fm := range []format.Format{format.PasetoV4Local(), format.PasetoV4Public()} {
		alg, secret := keyring.PasetoV4Local, pasetoLocalKey
		if fm == format.PasetoV4Public() {
			alg, secret = keyring.PasetoV4Public, []byte(pasetoSecret)
		}
		r := pasetoRing(f, pasetoMat(f, alg, secret, ""), pasetoMat(f, alg, secret, `{"test-vector":"4-E-7"}`))
		op, err := fm.NewOpener(r, format.Options{Now: func() time.Time { return t0 }})
		if err != nil {
			f.Fatal(err)
		}
		ops = append(ops, opener{fm, op})
	}
	f.Fuzz(func(t *testing.T, tok string) {
		for _, o := range ops {
			res, err := o.op.Open(tok)
			if err != nil {
				e, ok := errors.AsType[*format.Error](err)
				if !ok || e.Format != o.f || e.Reason == "" {
					t.Fatalf("%s: Open(%q): %#v", o.f.Name(), tok, err)
				}
			} else if !o.f.Detect(tok) || len(res.JSON) == 0 || res.JSON[0] != '{' {
				t.Fatalf("%s: Open(%q) = %s", o.f.Name(), tok, res.JSON)
			}
			p := o.f.Peek(tok)
			if p.Err != nil && p.Err.Format != o.f {
				t.Fatalf("%s: Peek(%q).Err = %v", o.f.Name(), tok, p.Err)
			}
			if err == nil && p.Err != nil {
				t.Fatalf("%s: %q opens, but Peek says %v", o.f.Name(), tok, p.Err)
			}
		}
	})
}

// pasetoSeeds returns the tokens of testvectors/paseto.
func pasetoSeeds(tb testing.TB) []string {
	paths, _ := filepath.Glob("../testvectors/paseto/open*.json")
	var out []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var v struct {
			Tests []struct {
				Token string `json:"token"`
			} `json:"tests"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			tb.Fatal(err)
		}
		for _, tc := range v.Tests {
			out = append(out, tc.Token)
		}
	}
	return out
}

// FuzzPASERK feeds arbitrary key input to both PASETO importers: nothing
// panics, every error wraps ErrKeyInput, and a key that parses has its
// algorithm's size (a 64-byte v4.public key whose halves agree).
func FuzzPASERK(f *testing.F) {
	for _, s := range []string{
		"k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8",
		"k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8",
		"k4.secret.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8c5WpIyC_5kWKhS8VEYSZ05dYfuTF-ZdQFV4D9vLTcNQ",
		"k3.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8",
		"k4.lid.x", "k4..", "k", "707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, fm := range []format.Format{format.PasetoV4Local(), format.PasetoV4Public()} {
			im := fm.(format.Importer)
			alg := im.Algorithms()[0]
			m, err := im.ParseKey(alg, []byte(in), keyring.Options{})
			if err != nil {
				if !errors.Is(err, format.ErrKeyInput) {
					t.Fatalf("%s: %q: %v does not wrap ErrKeyInput", alg, in, err)
				}
				continue
			}
			switch n := len(m.Secret); {
			case n == 32:
			case n == 64 && alg == keyring.PasetoV4Public:
				if pub := ed25519.NewKeyFromSeed(m.Secret[:32]).Public().(ed25519.PublicKey); !bytes.Equal(pub, m.Secret[32:]) {
					t.Fatalf("%q: a secret key whose halves disagree", in)
				}
			default:
				t.Fatalf("%s: %q: a %d-byte key", alg, in, n)
			}
			if _, _, err := pasetoRing(t).Import(m, t0); err != nil {
				t.Fatalf("%s: %q: Import: %v", alg, in, err)
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
