package format_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Fixed PASETO keys of these tests (those of the official v4 vectors).
var (
	pasetoLocalKey = mustHex("707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f")
	pasetoSeed     = mustHex("b4cbfb43df4ce210727d953e4a713307fa19bb7d9f85041438d9e11b942a3774")
	pasetoSecret   = ed25519.NewKeyFromSeed(pasetoSeed)
	pasetoPublic   = pasetoSecret.Public().(ed25519.PublicKey)
)

// pasetoRing returns a ring with a native primary key and the given PASETO
// keys, each with an optional implicit assertion.
func pasetoRing(t testing.TB, keys ...keyring.Material) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range keys {
		if r, _, err = r.Import(m, t0); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func pasetoMat(t testing.TB, alg keyring.Algorithm, secret []byte, implicit string) keyring.Material {
	t.Helper()
	opts := map[string]string{}
	if implicit != "" {
		opts["implicit-assertion"] = implicit
	}
	o, err := keyring.NewOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	return keyring.Material{Algorithm: alg, Secret: secret, Options: o}
}

func pasetoOpener(t testing.TB, f format.Format, r *keyring.Ring, now time.Time) format.Opener {
	t.Helper()
	op, err := f.NewOpener(r, format.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// TestPASERKVectors reads every official PASERK vector of k4.local,
// k4.public and k4.secret: each PASERK that must parse gives its key,
// each that must fail is refused, and so is each key of a wrong size
// given in hex.
func TestPASERKVectors(t *testing.T) {
	for file, alg := range map[string]keyring.Algorithm{
		"k4.local.json": keyring.PasetoV4Local, "k4.public.json": keyring.PasetoV4Public, "k4.secret.json": keyring.PasetoV4Public,
	} {
		data, err := os.ReadFile(filepath.Join("../testvectors/paseto/official", file))
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Tests []struct {
				Name       string  `json:"name"`
				ExpectFail bool    `json:"expect-fail"`
				Key        *string `json:"key"`
				PASERK     *string `json:"paserk"`
			} `json:"tests"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		f := format.Default().Importer(alg)
		if len(v.Tests) < 3 {
			t.Fatalf("%s: %d tests", file, len(v.Tests))
		}
		for _, tc := range v.Tests {
			var inputs []string
			if tc.PASERK != nil {
				inputs = append(inputs, *tc.PASERK)
			}
			if tc.Key != nil {
				inputs = append(inputs, *tc.Key) // the same key in hex
			}
			for _, in := range inputs {
				m, err := f.ParseKey(alg, []byte(in+"\n"), keyring.Options{})
				switch {
				case tc.ExpectFail && err == nil:
					t.Errorf("%s: %s: parsed; want a failure", tc.Name, in)
				case tc.ExpectFail && !errors.Is(err, format.ErrKeyInput):
					t.Errorf("%s: %v does not wrap ErrKeyInput", tc.Name, err)
				case tc.ExpectFail && strings.Contains(err.Error(), in[min(len(in), 12):]):
					t.Errorf("%s: the error quotes the input: %v", tc.Name, err)
				case !tc.ExpectFail && err != nil:
					t.Errorf("%s: %v", tc.Name, err)
				case !tc.ExpectFail && hex.EncodeToString(m.Secret) != *tc.Key:
					t.Errorf("%s: key %x, want %s", tc.Name, m.Secret, *tc.Key)
				}
			}
		}
	}
}

// TestPasetoPAE pins PAE against the examples of the PASETO specification.
func TestPasetoPAE(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "0000000000000000"},
		{[]string{""}, "0100000000000000" + "0000000000000000"},
		{[]string{"test"}, "0100000000000000" + "0400000000000000" + hex.EncodeToString([]byte("test"))},
	} {
		var pieces [][]byte
		for _, s := range tc.in {
			pieces = append(pieces, []byte(s))
		}
		if got := hex.EncodeToString(format.PasetoPAE(pieces...)); got != tc.want {
			t.Errorf("PAE(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestPasetoParseKey checks key input: hex and PASERK, the sizes of each
// algorithm, a secret key whose halves disagree, other PASERK types and
// versions, and options. Errors wrap ErrKeyInput (ErrOption for options)
// and never quote the input.
func TestPasetoParseKey(t *testing.T) {
	local, public := keyring.PasetoV4Local, keyring.PasetoV4Public
	bad := bytes.Clone(pasetoSecret)
	bad[63] ^= 1
	for _, tc := range []struct {
		name  string
		alg   keyring.Algorithm
		input string
		opts  map[string]string
		want  []byte // nil: an error
		err   error
	}{
		{"local hex", local, hex.EncodeToString(pasetoLocalKey) + "\n", nil, pasetoLocalKey, nil},
		{"local hex with assertion", local, hex.EncodeToString(pasetoLocalKey), map[string]string{"implicit-assertion": "{}"}, pasetoLocalKey, nil},
		{"public hex", public, hex.EncodeToString(pasetoPublic), nil, pasetoPublic, nil},
		{"secret hex", public, hex.EncodeToString(pasetoSecret) + "\r\n", nil, pasetoSecret, nil},
		{"empty", local, "\n", nil, nil, format.ErrKeyInput},
		{"odd hex", local, "abc", nil, nil, format.ErrKeyInput},
		{"two words", local, "00 11", nil, nil, format.ErrKeyInput},
		{"local 31 bytes", local, strings.Repeat("ab", 31), nil, nil, format.ErrKeyInput},
		{"local 64 bytes", local, hex.EncodeToString(pasetoSecret), nil, nil, format.ErrKeyInput},
		{"public 33 bytes", public, strings.Repeat("ab", 33), nil, nil, format.ErrKeyInput},
		{"secret halves disagree", public, hex.EncodeToString(bad), nil, nil, format.ErrKeyInput},
		{"k4.public for local", local, "k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8", nil, nil, format.ErrKeyInput},
		{"k4.local for public", public, "k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8", nil, nil, format.ErrKeyInput},
		{"k3.local", local, "k3.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8", nil, nil, format.ErrKeyInput},
		{"k4.lid", local, "k4.lid.bqltbNc4JLUAmc9Xtpok-fBuI0dQN5_m3CD9W_nbh559", nil, nil, format.ErrKeyInput},
		{"padded PASERK", local, "k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8=", nil, nil, format.ErrKeyInput},
		{"PASERK without data", local, "k4.local", nil, nil, format.ErrKeyInput},
		{"PASERK with a dot in the data", local, "k4.local.cHFyc3R1dnd4.eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8", nil, nil, format.ErrKeyInput},
		{"k4.secret halves disagree", public, "k4.secret.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8c5WpIyC_5kWKhS8VEYSZ05dYfuTF-ZdQFV4D9vLTcNA", nil, nil, format.ErrKeyInput},
		{"unknown option", local, hex.EncodeToString(pasetoLocalKey), map[string]string{"max-age": "60"}, nil, keyring.ErrOption},
		{"wrong algorithm", keyring.Branca, hex.EncodeToString(pasetoLocalKey), nil, nil, format.ErrKeyInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := keyring.NewOptions(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			f := format.PasetoV4Local().(format.Importer)
			if tc.alg == public {
				f = format.PasetoV4Public().(format.Importer)
			}
			m, err := f.ParseKey(tc.alg, []byte(tc.input), opts)
			if tc.want != nil {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(m.Secret, tc.want) || m.Algorithm != tc.alg || m.Options != opts {
					t.Errorf("got %v %x, want %x", m, m.Secret, tc.want)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if s := strings.TrimSpace(tc.input); len(s) > 8 && strings.Contains(err.Error(), s[len(s)-8:]) {
				t.Errorf("the error quotes the input: %v", err)
			}
		})
	}
}

// TestPasetoMint mints under each format and opens the result: the
// claims gain iat, exp and nbf; local tokens differ (random nonces); a
// public-only ring cannot mint; a payload that is not a JSON object, has
// duplicate keys or sets a time itself is refused.
func TestPasetoMint(t *testing.T) {
	val := token.Validity{ExpiresAt: t0.Add(time.Hour), NotBefore: t0.Add(time.Minute)}
	for _, tc := range []struct {
		f   format.Format
		mat keyring.Material
	}{
		{format.PasetoV4Local(), pasetoMat(t, keyring.PasetoV4Local, pasetoLocalKey, "")},
		{format.PasetoV4Local(), pasetoMat(t, keyring.PasetoV4Local, pasetoLocalKey, `{"user":1}`)},
		{format.PasetoV4Public(), pasetoMat(t, keyring.PasetoV4Public, pasetoSecret, "")},
		{format.PasetoV4Public(), pasetoMat(t, keyring.PasetoV4Public, pasetoSecret, "device 7")},
	} {
		t.Run(tc.f.Name(), func(t *testing.T) {
			r := pasetoRing(t, tc.mat)
			op := pasetoOpener(t, tc.f, r, t0)
			m := op.(format.Minter)
			tok, res, err := m.Mint([]byte(`{ "sub": "u1", "n": [1, 2] }`), val)
			if err != nil {
				t.Fatal(err)
			}
			want := `{"iat":"2030-01-02T03:04:05Z","exp":"2030-01-02T04:04:05Z","nbf":"2030-01-02T03:05:05Z","sub":"u1","n":[1,2]}`
			if string(res.JSON) != want || !res.ExpiresAt.Equal(val.ExpiresAt) || !res.NotBefore.Equal(val.NotBefore) || !res.IssuedAt.Equal(t0) {
				t.Errorf("Mint: %s %v %v %v", res.JSON, res.IssuedAt, res.ExpiresAt, res.NotBefore)
			}
			if format.Default().Detect(tok) != tc.f {
				t.Errorf("%s is not detected as %s", tok, tc.f.Name())
			}
			later := pasetoOpener(t, tc.f, r, t0.Add(2*time.Minute))
			got, err := later.Open(tok)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.JSON) != want {
				t.Errorf("Open: %s, want %s", got.JSON, want)
			}
			if _, err := op.Open(tok); !errors.Is(err, token.ErrNotYetValid) {
				t.Errorf("before nbf: %v", err)
			}
			if _, err := pasetoOpener(t, tc.f, r, val.ExpiresAt).Open(tok); !errors.Is(err, token.ErrExpired) {
				t.Errorf("at exp: %v", err)
			}
			tok2, _, err := m.Mint([]byte(`{}`), token.Validity{})
			if err != nil {
				t.Fatal(err)
			}
			res2, err := op.Open(tok2)
			if err != nil || string(res2.JSON) != `{"iat":"2030-01-02T03:04:05Z"}` || !res2.ExpiresAt.IsZero() {
				t.Errorf("no validity: %s %v", res2.JSON, err)
			}
			if tc.f == format.PasetoV4Local() {
				if again, _, _ := m.Mint([]byte(`{}`), token.Validity{}); again == tok2 {
					t.Error("two local tokens are equal: the nonce is not random")
				}
			}
			for _, p := range []string{`[]`, `"x"`, `{"a":1,"a":2}`, `{"exp":"2031-01-01T00:00:00Z"}`, `{`, "{\"a\":\"\xff\"}"} {
				if _, _, err := m.Mint([]byte(p), val); err == nil {
					t.Errorf("Mint(%q) succeeded", p)
				}
			}
		})
	}
	r := pasetoRing(t, pasetoMat(t, keyring.PasetoV4Public, pasetoPublic, ""))
	if _, _, err := pasetoOpener(t, format.PasetoV4Public(), r, t0).(format.Minter).Mint([]byte(`{}`), val); err == nil {
		t.Error("a public key minted")
	}
}

// TestPasetoClaims opens tokens whose claims Mint would not write: each
// is authentic but rejected at StagePayload.
func TestPasetoClaims(t *testing.T) {
	nonce := bytes.Repeat([]byte{7}, 32)
	for _, claims := range []string{
		`{"a":1,"a":2}`,
		`{"sub":"x","sub":"y"}`,
		`[1,2]`,
		`"text"`,
		`not json`,
		"{\"a\":\"\xff\"}",
		`{"a":1} {}`,
		strings.Repeat("[", 200) + strings.Repeat("]", 200),
		`{"exp":null}`,
		`{"nbf":"2030-01-01"}`,
		`{"iat":1893456000}`,
	} {
		for _, tc := range []struct {
			f   format.Format
			tok string
			mat keyring.Material
		}{
			{format.PasetoV4Local(), format.PasetoEncrypt(pasetoLocalKey, nonce, []byte(claims), nil, nil), pasetoMat(t, keyring.PasetoV4Local, pasetoLocalKey, "")},
			{format.PasetoV4Public(), format.PasetoSign(pasetoSecret, []byte(claims), nil, nil), pasetoMat(t, keyring.PasetoV4Public, pasetoPublic, "")},
		} {
			_, err := pasetoOpener(t, tc.f, pasetoRing(t, tc.mat), t0).Open(tc.tok)
			if !errors.Is(err, token.ErrInvalid) || stageOf(err) != format.StagePayload {
				t.Errorf("%s %q: %v, want a rejection at the payload stage", tc.f.Name(), claims, err)
			}
		}
	}
}

// TestPasetoDetect: the header routes, nothing else is claimed.
func TestPasetoDetect(t *testing.T) {
	reg := format.Default()
	for _, tc := range []struct {
		tok  string
		want string // format name, or ""
	}{
		{"v4.local.AAAA", "paseto-v4-local"},
		{"v4.local.AAAA.e30", "paseto-v4-local"},
		{"v4.public.AAAA", "paseto-v4-public"},
		{"v4.public.AAAA.e30", "paseto-v4-public"},
		{"v4.local.", ""},
		{"v4.local.AAAA.", ""},
		{"v4.local.AA=A", ""},
		{"v4.local.AAAA.e30.e30", ""},
		{"v3.local.AAAA", ""},
		{"v4.secret.AAAA", ""},
		{"V4.local.AAAA", ""},
		{"k4.local.AAAA", ""},
		{"v4.local.AA AA", ""},
		{"v4.public." + strings.Repeat("A", 70<<10), ""},
	} {
		got := reg.Detect(tc.tok)
		name := ""
		if got != nil {
			name = got.Name()
		}
		if name != tc.want {
			t.Errorf("Detect(%.40q) = %q, want %q", tc.tok, name, tc.want)
		}
	}
}

// TestPasetoPeek: a public token's claims and times show unverified, a
// local one is sealed; footers show as details, a kid too; a malformed
// token has Err.
func TestPasetoPeek(t *testing.T) {
	pub := format.PasetoSign(pasetoSecret, []byte(`{"sub":"u","exp":"2030-01-01T00:00:00Z"}`), []byte(`{"kid":"k4.pid.x"}`), nil)
	p := format.PasetoV4Public().Peek(pub)
	if p.Err != nil || string(p.Payload) != `{"sub":"u","exp":"2030-01-01T00:00:00Z"}` || p.PayloadCodec != "json" ||
		!p.ExpiresAt.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) || p.Sealed {
		t.Errorf("public Peek = %+v", p)
	}
	wantDetails := []format.Detail{{Label: "footer", Value: `{"kid":"k4.pid.x"}`}, {Label: "footer kid", Value: "k4.pid.x"}}
	if !detailsEqual(p.Details, wantDetails) {
		t.Errorf("details %v, want %v", p.Details, wantDetails)
	}
	loc := format.PasetoEncrypt(pasetoLocalKey, make([]byte, 32), []byte(`{}`), []byte("a\x00b"), nil)
	p = format.PasetoV4Local().Peek(loc)
	if p.Err != nil || !p.Sealed || p.Payload != nil || !detailsEqual(p.Details, []format.Detail{{Label: "footer", Value: `"a\x00b"`}}) {
		t.Errorf("local Peek = %+v", p)
	}
	for _, bad := range []string{"v4.local.AAAA", "v4.public.AAAA.", "v4.public.!"} {
		f := format.PasetoV4Local()
		if strings.HasPrefix(bad, "v4.public") {
			f = format.PasetoV4Public()
		}
		if p := f.Peek(bad); p.Err == nil || p.Err.Format != f {
			t.Errorf("Peek(%q).Err = %v", bad, p.Err)
		}
	}
}

func detailsEqual(a, b []format.Detail) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPasetoOpenRules covers what the vector files do not: details of an
// opened token, Leeway, Demands on a token without exp, the input bound,
// a ring without PASETO keys, and the bound on keys tried.
func TestPasetoOpenRules(t *testing.T) {
	exp := t0.Add(time.Hour)
	claims := []byte(`{"sub":"u","exp":"` + exp.Format(time.RFC3339) + `"}`)
	tok := format.PasetoEncrypt(pasetoLocalKey, make([]byte, 32), claims, []byte(`{"kid":"a"}`), []byte("ctx"))
	r := pasetoRing(t, pasetoMat(t, keyring.PasetoV4Local, pasetoLocalKey, "ctx"))
	f := format.PasetoV4Local()

	res, err := pasetoOpener(t, f, r, t0).Open(tok)
	if err != nil {
		t.Fatal(err)
	}
	want := []format.Detail{{Label: "footer", Value: `{"kid":"a"}`}, {Label: "footer kid", Value: "a"}, {Label: "implicit assertion", Value: "ctx"}}
	if !detailsEqual(res.Details, want) || res.Key.Algorithm != keyring.PasetoV4Local || res.Codec != "json" {
		t.Errorf("Opened = %+v", res)
	}

	op, _ := f.NewOpener(r, format.Options{Leeway: time.Minute, Now: func() time.Time { return exp.Add(30 * time.Second) }})
	if _, err := op.Open(tok); err != nil {
		t.Errorf("within leeway: %v", err)
	}
	op, _ = f.NewOpener(r, format.Options{ValidateOnly: true, Now: func() time.Time { return t0 }})
	if res, err := op.Open(tok); err != nil || res.JSON != nil {
		t.Errorf("ValidateOnly: %s %v", res.JSON, err)
	}
	op, _ = f.NewOpener(r, format.Options{ForeignMaxTTL: time.Hour, Now: func() time.Time { return t0 }})
	if _, err := op.Open(tok); !errors.Is(err, token.ErrInvalid) || stageOf(err) != format.StageEnvelope {
		t.Errorf("ForeignMaxTTL without iat: %v", err)
	}

	noExp := format.PasetoEncrypt(pasetoLocalKey, make([]byte, 32), []byte(`{"sub":"u"}`), nil, []byte("ctx"))
	res, err = pasetoOpener(t, f, r, t0).Open(noExp)
	if err != nil {
		t.Fatal(err)
	}
	if err := (format.Demands{Expiry: "--at"}).Unproven(res); !errors.Is(err, token.ErrInvalid) || stageOf(err) != format.StageFormat {
		t.Errorf("Unproven without exp: %v", err)
	}
	if err := (format.Demands{Purpose: "login"}).Unprovable(f); err == nil {
		t.Error("a PASETO token proves a purpose")
	}

	huge := "v4.local." + strings.Repeat("A", 65<<10)
	if _, err := pasetoOpener(t, f, r, t0).Open(huge); stageOf(err) != format.StageSize {
		t.Errorf("huge: %v", err)
	}

	if _, err := f.NewOpener(pasetoRing(t), format.Options{}); !errors.Is(err, format.ErrNoKeys) {
		t.Errorf("no keys: %v", err)
	}
	var many []keyring.Material
	for i := range format.MaxKeyTrial + 1 {
		many = append(many, pasetoMat(t, keyring.PasetoV4Local, bytes.Repeat([]byte{byte(i)}, 32), ""))
	}
	op, err = f.NewOpener(pasetoRing(t, many...), format.Options{})
	if err != nil {
		t.Fatalf("NewOpener with %d keys: %v", len(many), err)
	}
	if _, err := op.Open(tok); !errors.Is(err, format.ErrTooManyKeys) {
		t.Errorf("%d keys: %v", len(many), err)
	}
}
