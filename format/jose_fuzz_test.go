package format_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
)

// joseSeeds returns the tokens of testvectors/<dir>/open.json.
func joseSeeds(f *testing.F, dir string) []string {
	data, err := os.ReadFile("../testvectors/" + dir + "/open.json")
	if err != nil {
		f.Fatal(err)
	}
	var v ForeignVectors
	if err := json.Unmarshal(data, &v); err != nil {
		f.Fatal(err)
	}
	var out []string
	for _, tc := range v.Tests {
		out = append(out, tc.Token)
	}
	return out
}

// checkJOSEResult is what FuzzJWT and FuzzJWE require of every Open: a
// *format.Error of the format, or a result whose claims are valid JSON
// and whose times are in order of the clock.
func checkJOSEResult(t *testing.T, f format.Format, now time.Time, res format.Opened, err error) {
	t.Helper()
	if err != nil {
		e, ok := errors.AsType[*format.Error](err)
		if !ok || e.Format != f || e.Reason == "" {
			t.Fatalf("Open: %#v, want a *format.Error of %s", err, f.Name())
		}
		return
	}
	if !json.Valid(res.JSON) || res.JSON[0] != '{' || res.Format != f {
		t.Fatalf("Open: claims %q", res.JSON)
	}
	if !res.ExpiresAt.IsZero() && !now.Before(res.ExpiresAt) || !res.NotBefore.IsZero() && now.Before(res.NotBefore) {
		t.Fatalf("Open accepted a token outside its times: %+v", res)
	}
}

// FuzzJWT opens arbitrary tokens, and arbitrary headers and claims signed
// under the ring's key, with the ring of testvectors/jwt/open.json's
// HS256 and HS384 keys: Open and Peek never panic, every rejection is a
// *format.Error, a correctly signed token is never rejected at
// authentication (so the header and claims rules, not the MAC, decide),
// and only a token whose "alg" is the key's opens.
func FuzzJWT(f *testing.F) {
	for _, s := range joseSeeds(f, "jwt") {
		f.Add(s, `{"alg":"HS256"}`, `{"sub":"x"}`)
	}
	f.Add("", `{"alg":"HS256","kid":"a","crit":["x"]}`, `{"exp":1.5e9,"aud":["a"]}`)
	f.Add("a.b.c", `{"alg":"HS384"}`, `{"nbf":"1"}`)
	now := t0
	key := []byte(jwtKey)
	r := joseRing(f, keyring.Material{Algorithm: keyring.JWTHS256, Secret: key},
		keyring.Material{Algorithm: keyring.JWTHS384, Secret: bytes.Repeat([]byte("k"), 48)})
	op, err := format.JWT().NewOpener(r, format.Options{Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	jwt := format.JWT()
	f.Fuzz(func(t *testing.T, tok, header, claims string) {
		res, err := op.Open(tok)
		checkJOSEResult(t, jwt, now, res, err)
		if err == nil && jwtHeaderAlg(tok) != "HS256" && jwtHeaderAlg(tok) != "HS384" {
			t.Fatalf("opened a token with alg %q", jwtHeaderAlg(tok))
		}
		if jwt.Detect(tok) {
			if p := jwt.Peek(tok); p.Err != nil && p.Err.Format != jwt {
				t.Fatalf("Peek: %#v", p.Err)
			}
		}
		signed := hs256(jwtKey, header, claims)
		res, err = op.Open(signed)
		checkJOSEResult(t, jwt, now, res, err)
		if st, _ := joseStage(err); err != nil && st == format.StageAuthentication && jwtHeaderAlg(signed) == "HS256" {
			t.Fatalf("a token signed under the key failed authentication: %v", err)
		}
		if err == nil && jwtHeaderAlg(signed) != "HS256" {
			t.Fatalf("opened an HS256-signed token whose header says %q", jwtHeaderAlg(signed))
		}
	})
}

// FuzzJWE opens arbitrary tokens, and arbitrary headers and plaintexts
// encrypted under the ring's key, with a jwe-dir-a256gcm ring: Open and
// Peek never panic, every rejection is a *format.Error, a correctly
// encrypted token is never rejected at authentication, and what opens has
// "alg":"dir", "enc":"A256GCM" and at most MaxJWEPlaintext bytes of claims.
func FuzzJWE(f *testing.F) {
	for _, s := range joseSeeds(f, "jwe") {
		f.Add(s, `{"alg":"dir","enc":"A256GCM"}`, []byte(`{"sub":"x"}`))
	}
	f.Add("", `{"alg":"dir","enc":"A256GCM","zip":"DEF"}`, []byte{0x4b, 0x04, 0x00})
	now := t0
	key := bytes.Repeat([]byte{3}, 32)
	r := joseRing(f, keyring.Material{Algorithm: keyring.JWEDirA256GCM, Secret: key})
	op, err := format.JWE().NewOpener(r, format.Options{Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	b, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(b)
	jwe := format.JWE()
	f.Fuzz(func(t *testing.T, tok, header string, plaintext []byte) {
		res, err := op.Open(tok)
		checkJOSEResult(t, jwe, now, res, err)
		if err == nil {
			h := jwtHeaderAlg(tok)
			if h != "dir" || !strings.Contains(string(res.Details[0].Value), `"A256GCM"`) || len(res.JSON) > format.MaxJWEPlaintext {
				t.Fatalf("opened %q", tok)
			}
		}
		if jwe.Detect(tok) {
			if p := jwe.Peek(tok); p.Err != nil && p.Err.Format != jwe {
				t.Fatalf("Peek: %#v", p.Err)
			}
		}
		hb := b64.EncodeToString([]byte(header))
		iv := make([]byte, 12)
		sealed := g.Seal(nil, iv, plaintext, []byte(hb))
		n := len(sealed) - 16
		tok = hb + ".." + b64.EncodeToString(iv) + "." + b64.EncodeToString(sealed[:n]) + "." + b64.EncodeToString(sealed[n:])
		res, err = op.Open(tok)
		checkJOSEResult(t, jwe, now, res, err)
		if st, _ := joseStage(err); err != nil && st == format.StageAuthentication {
			t.Fatalf("a token encrypted under the key failed authentication: %v", err)
		}
	})
}
