package format_test

import (
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/internal/tamper"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

var b64 = base64.RawURLEncoding

// joseRing returns a ring with a native primary key and ms imported.
func joseRing(t testing.TB, ms ...keyring.Material) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if r, _, err = r.Import(m, t0); err != nil {
			t.Fatalf("Import(%v): %v", m, err)
		}
	}
	return r
}

func opener(t *testing.T, f format.Format, r *keyring.Ring, now time.Time) format.Opener {
	t.Helper()
	op, err := f.NewOpener(r, format.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return op
}

func joseStage(err error) (format.Stage, bool) {
	e, ok := errors.AsType[*format.Error](err)
	if !ok {
		return 0, false
	}
	return e.Stage, true
}

// TestJWTRFC7515 opens the example of RFC 7515 appendix A.1 (HS256, a
// 64-byte binary key, a header and claims with CRLFs), before and after
// its expiry.
func TestJWTRFC7515(t *testing.T) {
	const tok = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	key, err := b64.DecodeString("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
	if err != nil {
		t.Fatal(err)
	}
	r := joseRing(t, keyring.Material{Algorithm: keyring.JWTHS256, Secret: key})
	exp := time.Unix(1300819380, 0).UTC()
	res, err := opener(t, format.JWT(), r, exp.Add(-time.Minute)).Open(tok)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"iss":"joe","exp":1300819380,"http://example.com/is_root":true}`; string(res.JSON) != want {
		t.Errorf("JSON = %s, want %s", res.JSON, want)
	}
	if !res.ExpiresAt.Equal(exp) || res.Format.Name() != "jwt" || res.Codec != "json" {
		t.Errorf("Opened = %+v", res)
	}
	if len(res.Details) == 0 || res.Details[0].Value != `{"typ":"JWT","alg":"HS256"}` {
		t.Errorf("Details = %v", res.Details)
	}
	if _, err := opener(t, format.JWT(), r, exp).Open(tok); !errors.Is(err, token.ErrExpired) {
		t.Errorf("at exp: %v, want ErrExpired", err)
	}
	// An HS512 key of the same bytes never verifies it.
	r512 := joseRing(t, keyring.Material{Algorithm: keyring.JWTHS512, Secret: key})
	if _, err := opener(t, format.JWT(), r512, exp.Add(-time.Minute)).Open(tok); !errors.Is(err, format.ErrNoKeys) {
		t.Errorf("under an HS512 key: %v, want ErrNoKeys (StageKey)", err)
	}
}

// wycheproof is the part of a Wycheproof JSON web signature or encryption
// file that the tests read.
type wycheproof struct {
	TestGroups []struct {
		Comment string          `json:"comment"`
		Private json.RawMessage `json:"private"`
		Tests   []struct {
			TcID    int             `json:"tcId"`
			Comment string          `json:"comment"`
			JWS     json.RawMessage `json:"jws"`
			JWE     json.RawMessage `json:"jwe"`
			Result  string          `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

func loadWycheproof(t *testing.T, name string) wycheproof {
	t.Helper()
	data, err := os.ReadFile("../testvectors/wycheproof/" + name)
	if err != nil {
		t.Skipf("no %s: %v", name, err)
	}
	var w wycheproof
	if err := json.Unmarshal(data, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestJWTWycheproof runs Wycheproof's JSON web signature tests
// (testvectors/wycheproof/json_web_signature_test.json), each group under
// a ring with its HS256 key (the groups of other algorithms under the
// first group's HS256 key). Their payloads ("foo", RFC 7520's quotation)
// are not claims sets, so a valid HS256 test passes authentication and is
// rejected at StagePayload; every other test (other algorithms, "none",
// modified or missing parts, the JSON serialization, HS256 under an EC
// key's bytes) is rejected before it. Two differences, both stricter:
// tcId 372 and 373, "valid" with a '?' inside a base64url part, are
// rejected at StageEncoding; and tcId 367 and 370 ("invalid" padding) are
// byte for byte tcId 357 in the file, a valid token, and read as such.
func TestJWTWycheproof(t *testing.T) {
	w := loadWycheproof(t, "json_web_signature_test.json")
	var first []byte
	n, reachedPayload := 0, 0
	for _, g := range w.TestGroups {
		var k struct{ Alg, K string }
		key := first
		if json.Unmarshal(g.Private, &k) == nil && k.Alg == "HS256" {
			key, _ = b64.DecodeString(k.K)
			if first == nil {
				first = key
			}
		}
		if len(key) == 0 {
			t.Fatalf("group %s comes before any HS256 key", g.Comment)
		}
		op := opener(t, format.JWT(), joseRing(t, keyring.Material{Algorithm: keyring.JWTHS256, Secret: key, AllowShortKey: true}), t0)
		valid := map[string]bool{}
		for _, tc := range g.Tests {
			if tc.Result == "valid" {
				valid[string(tc.JWS)] = true
			}
		}
		for _, tc := range g.Tests {
			var tok string
			if json.Unmarshal(tc.JWS, &tok) != nil {
				tok = string(tc.JWS) // the JSON serialization: an object
			}
			n++
			_, err := op.Open(tok)
			st, ok := joseStage(err)
			hs256 := k.Alg == "HS256" && strings.HasPrefix(tok, "ey") && jwtHeaderAlg(tok) == "HS256"
			switch {
			case !ok:
				t.Errorf("tc %d (%s %s): %v, want a *format.Error", tc.TcID, g.Comment, tc.Comment, err)
			case st == format.StagePayload:
				reachedPayload++
				if !valid[string(tc.JWS)] {
					t.Errorf("tc %d (%s %s): %v; want a rejection before the payload", tc.TcID, g.Comment, tc.Comment, err)
				}
			case tc.Result == "valid" && hs256 && !(st == format.StageEncoding && strings.ContainsAny(tok, "?# ")):
				t.Errorf("tc %d (%s): rejected at %v, want at the payload (its signature verifies, and its payload is no claims set): %v", tc.TcID, tc.Comment, st, err)
			}
		}
	}
	if n < 300 || reachedPayload < 8 {
		t.Errorf("%d tests, %d verified: the file is not what it was", n, reachedPayload)
	}
}

// jwtHeaderAlg returns the "alg" of tok's header, or "".
func jwtHeaderAlg(tok string) string {
	h, _, _ := strings.Cut(tok, ".")
	raw, err := b64.DecodeString(h)
	if err != nil {
		return ""
	}
	var m map[string]json.RawMessage
	var alg string
	if json.Unmarshal(raw, &m) != nil || json.Unmarshal(m["alg"], &alg) != nil {
		return ""
	}
	return alg
}

// TestJWEWycheproof checks that Wycheproof's JSON web encryption tokens,
// none of which is "dir" + A256GCM, are all rejected before decryption,
// under a ring with a jwe-dir-a256gcm key: the algorithm is bound to the
// key, whatever the header says.
func TestJWEWycheproof(t *testing.T) {
	w := loadWycheproof(t, "json_web_encryption_test.json")
	op := opener(t, format.JWE(), joseRing(t, keyring.Material{Algorithm: keyring.JWEDirA256GCM, Secret: bytes.Repeat([]byte{7}, 32)}), t0)
	n := 0
	for _, g := range w.TestGroups {
		for _, tc := range g.Tests {
			var tok string
			if json.Unmarshal(tc.JWE, &tok) != nil {
				tok = string(tc.JWE)
			}
			n++
			_, err := op.Open(tok)
			if st, ok := joseStage(err); !ok || st == format.StageAuthentication || st >= format.StageEnvelope && st != format.StageFormat {
				t.Errorf("tc %d (%s): %v (stage %v); want a rejection of its form or header", tc.TcID, tc.Comment, err, st)
			}
		}
	}
	if n < 50 {
		t.Errorf("%d tests: the file is not what it was", n)
	}
}

// hs256 signs header and claims, given as JSON text, with HMAC-SHA256.
func hs256(key, header, claims string) string {
	in := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(claims))
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(in))
	return in + "." + b64.EncodeToString(m.Sum(nil))
}

const jwtKey = "a JWT secret of 32 bytes or more, for tests"

// TestJWTRejects pins the rules of the JWT header and claims, one by one,
// with tokens signed under the ring's key: what the vectors of
// testvectors/jwt cover through a JS library, plus edges no library
// writes.
func TestJWTRejects(t *testing.T) {
	now := t0
	r := joseRing(t, keyring.Material{Algorithm: keyring.JWTHS256, Secret: []byte(jwtKey)})
	op := opener(t, format.JWT(), r, now)
	exp := now.Add(time.Hour).Unix()
	claims := func(extra string) string {
		return `{"sub":"u"` + extra + `}`
	}
	for _, tc := range []struct {
		name   string
		tok    string
		kind   error
		stage  format.Stage
		reason string // a part of the reason
	}{
		{"none", hs256(jwtKey, `{"alg":"none"}`, claims("")), token.ErrInvalid, format.StageHeader, `"alg":"none"`},
		{"alg missing", hs256(jwtKey, `{"typ":"JWT"}`, claims("")), token.ErrInvalid, format.StageHeader, `no "alg"`},
		{"alg not a string", hs256(jwtKey, `{"alg":256}`, claims("")), token.ErrInvalid, format.StageHeader, `"alg" is not a string`},
		{"alg empty", hs256(jwtKey, `{"alg":""}`, claims("")), token.ErrInvalid, format.StageHeader, `no "alg"`},
		{"ES256", hs256(jwtKey, `{"alg":"ES256"}`, claims("")), token.ErrInvalid, format.StageHeader, "HS256, HS384 or HS512"},
		{"HS384 header, no HS384 key", hs256(jwtKey, `{"alg":"HS384"}`, claims("")), token.ErrInvalid, format.StageKey, "no jwt-hs384 key"},
		{"crit", hs256(jwtKey, `{"alg":"HS256","crit":[]}`, claims("")), token.ErrInvalid, format.StageHeader, `"crit"`},
		{"b64 false", hs256(jwtKey, `{"alg":"HS256","b64":false}`, claims("")), token.ErrInvalid, format.StageHeader, `"b64"`},
		{"zip in a JWS", hs256(jwtKey, `{"alg":"HS256","zip":"DEF"}`, claims("")), token.ErrInvalid, format.StageHeader, `"zip"`},
		{"enc in a JWS", hs256(jwtKey, `{"alg":"HS256","enc":"A256GCM"}`, claims("")), token.ErrInvalid, format.StageHeader, `"enc"`},
		{"kid not a string", hs256(jwtKey, `{"alg":"HS256","kid":7}`, claims("")), token.ErrInvalid, format.StageHeader, `"kid"`},
		{"header an array", hs256(jwtKey, `["alg","HS256"]`, claims("")), token.ErrInvalid, format.StageHeader, "not a JSON object"},
		{"header duplicate", hs256(jwtKey, `{"alg":"HS256","alg":"HS256"}`, claims("")), token.ErrInvalid, format.StageHeader, "duplicate"},
		{"header too deep", hs256(jwtKey, `{"alg":"HS256","x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`}`, claims("")), token.ErrInvalid, format.StageHeader, "strict JSON"},
		{"header too long", hs256(jwtKey, `{"alg":"HS256","x":"`+strings.Repeat("x", 5000)+`"}`, claims("")), token.ErrInvalid, format.StageHeader, "longer than"},
		{"claims duplicate", hs256(jwtKey, `{"alg":"HS256"}`, `{"sub":"a","sub":"b"}`), token.ErrInvalid, format.StagePayload, "duplicate"},
		{"claims too deep", hs256(jwtKey, `{"alg":"HS256"}`, `{"x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`}`), token.ErrInvalid, format.StagePayload, "strict JSON"},
		{"claims null", hs256(jwtKey, `{"alg":"HS256"}`, `null`), token.ErrInvalid, format.StagePayload, "not a JSON object"},
		{"exp string", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"exp":"1"`)), token.ErrInvalid, format.StagePayload, `"exp"`},
		{"exp negative", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"exp":-1`)), token.ErrInvalid, format.StagePayload, `"exp"`},
		{"exp past 9999", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"exp":1e12`)), token.ErrInvalid, format.StagePayload, `"exp"`},
		{"nbf null", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"nbf":null`)), token.ErrInvalid, format.StagePayload, `"nbf"`},
		{"iss number", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"iss":1`)), token.ErrInvalid, format.StagePayload, `"iss"`},
		{"aud array of numbers", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"aud":[1]`)), token.ErrInvalid, format.StagePayload, `"aud"`},
		{"aud array with null", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"aud":["a",null]`)), token.ErrInvalid, format.StagePayload, `"aud"`},
		{"aud without the option", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"aud":"x"`)), token.ErrInvalid, format.StageEnvelope, "--opt aud="},
		{"expired", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"exp":`+jsonInt(now.Unix()))), token.ErrExpired, format.StageValidity, "expired"},
		{"expired, fractional", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"exp":`+jsonInt(now.Unix()-1)+`.999`)), token.ErrExpired, format.StageValidity, "expired"},
		{"nbf", hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"nbf":`+jsonInt(now.Unix()+1))), token.ErrNotYetValid, format.StageValidity, "not valid before"},
		{"signature short", strings.Join(strings.Split(hs256(jwtKey, `{"alg":"HS256"}`, claims("")), ".")[:2], ".") + ".AAAA", token.ErrInvalid, format.StageAuthentication, "3 bytes"},
		{"signature CRLF", strings.Replace(hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"exp":`+jsonInt(exp))), ".", ".\r\n", 1), token.ErrInvalid, format.StageEncoding, "not base64url"},
		{"signature non-canonical", nonCanonical(hs256(jwtKey, `{"alg":"HS256"}`, claims(""))), token.ErrInvalid, format.StageEncoding, "canonical"},
		{"empty", "", token.ErrInvalid, format.StageEncoding, "three parts"},
		{"too long", hs256(jwtKey, `{"alg":"HS256"}`, `{"x":"`+strings.Repeat("x", 64<<10)+`"}`), token.ErrInvalid, format.StageSize, "more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := op.Open(tc.tok)
			e, ok := errors.AsType[*format.Error](err)
			switch {
			case !ok:
				t.Fatalf("Open: %v, want a *format.Error", err)
			case !errors.Is(err, tc.kind) || e.Stage != tc.stage || !strings.Contains(e.Reason, tc.reason):
				t.Errorf("Open: %v (stage %v); want %v at %v, with %q", err, e.Stage, tc.kind, tc.stage, tc.reason)
			case strings.Contains(err.Error(), jwtKey):
				t.Errorf("the error quotes the key: %v", err)
			}
		})
	}
	// Leeway moves both bounds.
	tok := hs256(jwtKey, `{"alg":"HS256"}`, claims(`,"exp":`+jsonInt(now.Unix())+`,"nbf":`+jsonInt(now.Unix()+10)))
	lop, err := format.JWT().NewOpener(r, format.Options{Now: func() time.Time { return now }, Leeway: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lop.Open(tok); err != nil {
		t.Errorf("with 30 s of leeway: %v", err)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// nonCanonical changes the last character of tok's signature (32 bytes:
// 43 characters, the last one carrying 2 unused bits) so that only its
// unused bits differ.
func nonCanonical(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	c := strings.IndexByte(alphabet, tok[len(tok)-1])
	return tok[:len(tok)-1] + string(alphabet[c^1])
}

// TestJWTClaimOptions pins the iss and aud options of a key.
func TestJWTClaimOptions(t *testing.T) {
	opts, err := keyring.NewOptions(map[string]string{"iss": "https://a.example", "aud": "svc"})
	if err != nil {
		t.Fatal(err)
	}
	r := joseRing(t, keyring.Material{Algorithm: keyring.JWTHS256, Secret: []byte(jwtKey), Options: opts})
	op := opener(t, format.JWT(), r, t0)
	for _, tc := range []struct {
		claims string
		ok     bool
	}{
		{`{"iss":"https://a.example","aud":"svc"}`, true},
		{`{"iss":"https://a.example","aud":["x","svc"]}`, true},
		{`{"iss":"https://a.example","aud":["x"]}`, false},
		{`{"iss":"https://a.example","aud":[]}`, false},
		{`{"iss":"https://a.example","aud":"SVC"}`, false},
		{`{"iss":"https://b.example","aud":"svc"}`, false},
		{`{"iss":"https://a.example/","aud":"svc"}`, false},
		{`{"aud":"svc"}`, false},
		{`{"iss":"https://a.example"}`, false},
	} {
		_, err := op.Open(hs256(jwtKey, `{"alg":"HS256"}`, tc.claims))
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok = %v", tc.claims, err, tc.ok)
		}
		if st, _ := joseStage(err); err != nil && st != format.StageEnvelope {
			t.Errorf("%s: rejected at %v, want %v", tc.claims, st, format.StageEnvelope)
		}
	}
}

// TestJWTParseKey pins the key input of JWT and JWE keys.
func TestJWTParseKey(t *testing.T) {
	empty, _ := keyring.NewOptions(nil)
	emptyIss, _ := keyring.NewOptions(map[string]string{"iss": ""})
	for _, tc := range []struct {
		f     format.Importer
		alg   keyring.Algorithm
		input string
		opts  keyring.Options
		want  error
		n     int
	}{
		{format.JWT().(format.Importer), keyring.JWTHS256, jwtKey + "\n", empty, nil, len(jwtKey)},
		{format.JWT().(format.Importer), keyring.JWTHS512, "  spaces count  \r\n", empty, nil, 16},
		{format.JWT().(format.Importer), keyring.JWTHS384, "", empty, format.ErrKeyInput, 0},
		{format.JWT().(format.Importer), keyring.JWTHS256, "\xff\xfe secret", empty, format.ErrKeyInput, 0},
		{format.JWT().(format.Importer), keyring.JWEDirA256GCM, jwtKey, empty, format.ErrKeyInput, 0},
		{format.JWT().(format.Importer), keyring.JWTHS256, jwtKey, emptyIss, keyring.ErrOption, 0},
		{format.JWE().(format.Importer), keyring.JWEDirA256GCM, strings.Repeat("ab", 32) + "\n", empty, nil, 32},
		{format.JWE().(format.Importer), keyring.JWEDirA256GCM, strings.Repeat("ab", 16), empty, format.ErrKeyInput, 0},
		{format.JWE().(format.Importer), keyring.JWEDirA256GCM, strings.Repeat("zz", 32), empty, format.ErrKeyInput, 0},
		{format.JWE().(format.Importer), keyring.JWEDirA256GCM, strings.Repeat("ab", 32) + " 00", empty, format.ErrKeyInput, 0},
		{format.JWE().(format.Importer), keyring.JWTHS256, strings.Repeat("ab", 32), empty, format.ErrKeyInput, 0},
	} {
		m, err := tc.f.ParseKey(tc.alg, []byte(tc.input), tc.opts)
		switch {
		case tc.want == nil && (err != nil || len(m.Secret) != tc.n || m.Algorithm != tc.alg):
			t.Errorf("ParseKey(%s, %q) = %d bytes, %v; want %d bytes", tc.alg, tc.input, len(m.Secret), err, tc.n)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("ParseKey(%s, %q) error %v, want %v", tc.alg, tc.input, err, tc.want)
		case err != nil && len(tc.input) > 4 && strings.Contains(err.Error(), strings.TrimSpace(tc.input)):
			t.Errorf("ParseKey(%s) error %q quotes the input", tc.alg, err)
		}
	}
}

// TestJOSEMintRoundTrip mints with each algorithm, opens the result, and
// checks that a tampered token differs and is rejected.
func TestJOSEMintRoundTrip(t *testing.T) {
	opts, _ := keyring.NewOptions(map[string]string{"iss": "me", "aud": "you"})
	for _, tc := range []struct {
		f format.Format
		m keyring.Material
	}{
		{format.JWT(), keyring.Material{Algorithm: keyring.JWTHS256, Secret: []byte(jwtKey)}},
		{format.JWT(), keyring.Material{Algorithm: keyring.JWTHS384, Secret: bytes.Repeat([]byte("3"), 48), Options: opts}},
		{format.JWT(), keyring.Material{Algorithm: keyring.JWTHS512, Secret: bytes.Repeat([]byte("5"), 64)}},
		{format.JWE(), keyring.Material{Algorithm: keyring.JWEDirA256GCM, Secret: bytes.Repeat([]byte{9}, 32), Options: opts}},
	} {
		t.Run(string(tc.m.Algorithm), func(t *testing.T) {
			op := opener(t, tc.f, joseRing(t, tc.m), t0)
			v := token.Validity{ExpiresAt: t0.Add(time.Hour), NotBefore: t0}
			tok, res, err := op.(format.Minter).Mint([]byte(`{"user":"ada","n":[1,2]}`), v)
			if err != nil {
				t.Fatal(err)
			}
			if tc.f.Detect(tok) != true || format.Default().Detect(tok) != tc.f {
				t.Errorf("the minted token is not detected as %s", tc.f.Name())
			}
			got, err := op.Open(tok)
			if err != nil {
				t.Fatal(err)
			}
			var claims map[string]any
			if err := json.Unmarshal(got.JSON, &claims); err != nil || claims["user"] != "ada" {
				t.Errorf("claims %s", got.JSON)
			}
			if !got.ExpiresAt.Equal(v.ExpiresAt) || !got.IssuedAt.Equal(t0) || !got.NotBefore.Equal(t0) || !bytes.Equal(got.JSON, res.JSON) {
				t.Errorf("opened %+v, minted %+v", got, res)
			}
			if _, ok := tc.m.Options.Get("iss"); ok && (claims["iss"] != "me" || claims["aud"] != "you") {
				t.Errorf("claims %s lack the key's iss and aud", got.JSON)
			}
			for _, i := range []int{0, len(tok) / 2, -1} {
				bad := tamper.At(t, tok, i, tamper.Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
				if _, err := op.Open(bad); !errors.Is(err, token.ErrInvalid) {
					t.Errorf("tampered at %d: %v", i, err)
				}
			}
			if _, _, err := op.(format.Minter).Mint([]byte(`[1]`), v); err == nil {
				t.Error("Mint of an array succeeded; claims are an object")
			}
		})
	}
}

// sealJWE encrypts plaintext as a compact dir + A256GCM JWE with the
// header given as JSON text.
func sealJWE(t *testing.T, key []byte, header string, plaintext []byte) string {
	t.Helper()
	b, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(b)
	h := b64.EncodeToString([]byte(header))
	iv := bytes.Repeat([]byte{1}, 12)
	sealed := g.Seal(nil, iv, plaintext, []byte(h))
	n := len(sealed) - 16
	return h + ".." + b64.EncodeToString(iv) + "." + b64.EncodeToString(sealed[:n]) + "." + b64.EncodeToString(sealed[n:])
}

func deflate(t *testing.T, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(p)
	w.Close()
	return buf.Bytes()
}

// TestJWEZipBomb pins the bound on "zip":"DEF": a plaintext that
// inflates to at most MaxJWEPlaintext bytes opens; one byte more is
// refused; and a bomb of 48 MiB in under 64 KiB is refused having
// allocated far less than it would inflate to.
func TestJWEZipBomb(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	op := opener(t, format.JWE(), joseRing(t, keyring.Material{Algorithm: keyring.JWEDirA256GCM, Secret: key}), t0)
	const hdr = `{"alg":"dir","enc":"A256GCM","zip":"DEF"}`
	exact := []byte(`{"pad":"` + strings.Repeat("a", format.MaxJWEPlaintext-10) + `"}`)
	if len(exact) != format.MaxJWEPlaintext {
		t.Fatalf("%d bytes", len(exact))
	}
	if _, err := op.Open(sealJWE(t, key, hdr, deflate(t, exact))); err != nil {
		t.Errorf("%d bytes: %v", len(exact), err)
	}
	over := []byte(`{"pad":"` + strings.Repeat("a", format.MaxJWEPlaintext-9) + `"}`)
	if _, err := op.Open(sealJWE(t, key, hdr, deflate(t, over))); !errors.Is(err, token.ErrInvalid) || !strings.Contains(err.Error(), "inflates to more than") {
		t.Errorf("%d bytes: %v", len(over), err)
	}
	bomb := deflate(t, make([]byte, 48<<20))
	tok := sealJWE(t, key, hdr, bomb)
	if len(tok) > 64<<10 {
		t.Fatalf("the bomb token has %d bytes", len(tok))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := op.Open(tok)
	runtime.ReadMemStats(&after)
	if st, _ := joseStage(err); st != format.StagePayload || !strings.Contains(err.Error(), "inflates to more than") {
		t.Errorf("bomb: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("refusing a bomb allocated %d bytes", alloc)
	}
}

// TestJOSEDetect pins detection: JWTs and JWEs are told apart, and other
// formats' tokens (itsdangerous, PASETO, native, Ktor) are not claimed.
func TestJOSEDetect(t *testing.T) {
	reg := format.Default()
	jwe := sealJWE(t, bytes.Repeat([]byte{3}, 32), `{"alg":"dir","enc":"A256GCM"}`, []byte(`{}`))
	for _, tc := range []struct {
		tok  string
		want string // "" when no JOSE format claims it
	}{
		{hs256(jwtKey, `{"alg":"HS256"}`, `{}`), "jwt"},
		{hs256(jwtKey, `{"alg":"RS256"}`, `{}`), "jwt"},
		{b64.EncodeToString([]byte(`{"alg":"none"}`)) + ".e30.", "jwt"},
		{jwe, "jwe"},
		{hs256(jwtKey, `{"alg":"HS256","enc":"A256GCM"}`, `{}`), ""},                // three parts with enc
		{"eyJ1c2VyIjoxfQ.ZqK3xA.jHj7hzMYfWFTd3CTpMt5gr-7nOA", ""},                   // itsdangerous
		{".eJyrVipKLS5OTVGyUkpKLS5R0lEqSi0uzSlRsgJyAEJKBmg.ZqK3xA.sig", ""},         // Flask, compressed
		{"v4.local.eyJhbGciOiJIUzI1NiJ9", ""},                                       // PASETO
		{"eyJhbGciOiJIUzI1NiJ9.e30", ""},                                            // two parts
		{b64.EncodeToString([]byte(`{"alg":"HS256"}`)) + "=.e30.AAAA", ""},          // padding
		{b64.EncodeToString([]byte(`{"alg":"HS256","alg":"x"}`)) + ".e30.AAAA", ""}, // duplicate member
		{b64.EncodeToString([]byte(`{"alg":"HS256"}`)) + ".e30.AA AA", ""},          // a space
		{"s%3Aabc.def", ""},
	} {
		got := ""
		if f := reg.Detect(tc.tok); f != nil && (f.Name() == "jwt" || f.Name() == "jwe") {
			got = f.Name()
		}
		if got != tc.want {
			t.Errorf("Detect(%.60q) = %q, want %q", tc.tok, got, tc.want)
		}
	}
}

// TestJOSEPeek pins what inspect shows without a key: a JWT's header, key
// ID, claims and times; a JWE's header and key ID.
func TestJOSEPeek(t *testing.T) {
	tok := hs256("whatever", `{"alg":"HS256","kid":"k-1"}`, `{"sub":"u","exp":1900000000}`)
	p := format.JWT().Peek(tok)
	if p.Err != nil || string(p.Payload) != `{"sub":"u","exp":1900000000}` || p.ExpiresAt.Unix() != 1900000000 {
		t.Errorf("Peek = %+v", p)
	}
	if len(p.Details) != 2 || p.Details[0].Value != `{"alg":"HS256","kid":"k-1"}` || p.Details[1] != (format.Detail{Label: "key id", Value: `"k-1"`}) {
		t.Errorf("Details = %v", p.Details)
	}
	jwe := sealJWE(t, bytes.Repeat([]byte{3}, 32), `{"alg":"dir","enc":"A256GCM","kid":"e"}`, []byte(`{"secret":1}`))
	p = format.JWE().Peek(jwe)
	if p.Err != nil || !p.Sealed || p.Payload != nil || len(p.Details) != 2 || p.CiphertextLen != len(`{"secret":1}`) {
		t.Errorf("Peek = %+v", p)
	}
	if p := format.JWE().Peek(strings.Replace(jwe, "..", ".AAAA.", 1)); p.Err == nil || p.Err.Stage != format.StageEncoding {
		t.Errorf("Peek of a JWE with an encrypted key: %+v", p.Err)
	}
}

// TestJOSEKeyTrialBound pins the bound on trial: more than MaxKeyTrial
// keys of the token's algorithm is a *KeyTrialError, while the keys of
// other algorithms do not count.
func TestJOSEKeyTrialBound(t *testing.T) {
	var ms []keyring.Material
	for i := range format.MaxKeyTrial + 1 {
		ms = append(ms, keyring.Material{Algorithm: keyring.JWTHS256, Secret: []byte(jwtKey + string(rune('a'+i)))})
	}
	ms = append(ms, keyring.Material{Algorithm: keyring.JWTHS384, Secret: bytes.Repeat([]byte("k"), 48)})
	op := opener(t, format.JWT(), joseRing(t, ms...), t0)
	if _, err := op.Open(hs256(jwtKey+"a", `{"alg":"HS256"}`, `{}`)); !errors.Is(err, format.ErrTooManyKeys) {
		t.Errorf("HS256 with %d keys: %v, want ErrTooManyKeys", len(ms)-1, err)
	}
	// The newest key is the HS384 one: it mints, and its tokens open, since
	// only the HS256 keys are too many.
	tok, _, err := op.(format.Minter).Mint([]byte(`{}`), token.Validity{})
	if err != nil || jwtHeaderAlg(tok) != "HS384" {
		t.Fatalf("Mint under the newest (HS384) key: %q, %v", tok, err)
	}
	if _, err := op.Open(tok); err != nil {
		t.Errorf("Open of an HS384 token: %v", err)
	}
}

// TestJOSEValidateOnly: with ValidateOnly the claims are checked, not
// rendered.
func TestJOSEValidateOnly(t *testing.T) {
	r := joseRing(t, keyring.Material{Algorithm: keyring.JWTHS256, Secret: []byte(jwtKey)})
	op, err := format.JWT().NewOpener(r, format.Options{ValidateOnly: true, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := op.Open(hs256(jwtKey, `{"alg":"HS256"}`, `{"a":1}`))
	if err != nil || res.JSON != nil || string(res.Payload) != `{"a":1}` {
		t.Errorf("Open = %+v, %v", res, err)
	}
	if _, err := format.JWT().NewOpener(joseRing(t), format.Options{}); !errors.Is(err, format.ErrNoKeys) {
		t.Errorf("NewOpener without JWT keys: %v, want ErrNoKeys", err)
	}
	if _, err := format.JWE().NewOpener(r, format.Options{}); !errors.Is(err, format.ErrNoKeys) {
		t.Errorf("JWE NewOpener without JWE keys: %v, want ErrNoKeys", err)
	}
}
