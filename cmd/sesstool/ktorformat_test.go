package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
)

// ktorVectorCookies returns every cookie of the Ktor vector files, raw and
// URI-encoded, valid or not.
func ktorVectorCookies(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, name := range []string{"encrypt.json", "message_authentication.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testvectors", "ktor", name))
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Tests []struct {
				Cookie  string `json:"cookie"`
				Encoded string `json:"encoded"`
			} `json:"tests"`
		}
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		for _, tc := range f.Tests {
			for _, c := range []string{tc.Cookie, tc.Encoded} {
				if c != "" {
					out = append(out, c)
				}
			}
		}
	}
	if len(out) < 100 {
		t.Fatalf("only %d cookies in the Ktor vectors", len(out))
	}
	return out
}

// nativeTokens mints tokens with every generated algorithm, payload sizes
// from 0 to 300 bytes, with and without not-before.
func nativeTokens(t *testing.T) []string {
	t.Helper()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []string
	for _, alg := range keyring.GeneratedAlgorithms() {
		r, err := keyring.Generate(alg, t0)
		if err != nil {
			t.Fatal(err)
		}
		m, err := token.New(r, &token.Options{Purpose: "p", Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n <= 300; n += 7 {
			payload := []byte(strings.Repeat("/", n)) // '/' in clear must not matter
			for _, nbf := range []time.Time{{}, t0.Add(time.Minute)} {
				tok, err := m.SealWith(payload, token.Validity{ExpiresAt: t0.Add(time.Hour), NotBefore: nbf})
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, tok)
			}
		}
	}
	return out
}

// TestFormatsDisjoint checks that no native token is taken for a Ktor
// cookie and no Ktor cookie for a native token, so that detection routes
// every input to one format.
func TestFormatsDisjoint(t *testing.T) {
	for _, tok := range nativeTokens(t) {
		if !nativeFmt.Detect(tok) {
			t.Errorf("native detect(%s) = false", tok)
		}
		if ktorFmt.Detect(tok) {
			t.Errorf("ktor detect(%s) = true for a native token", tok)
		}
		if f := formats.Detect(tok); f == nil || f.Name() != "sesstool-v1" {
			t.Errorf("formats.Detect(%s) = %v; want sesstool-v1", tok, f)
		}
	}
	known := 0
	for _, c := range ktorVectorCookies(t) {
		if nativeFmt.Detect(c) {
			t.Errorf("native detect(%q) = true for a Ktor cookie", c)
		}
		if _, err := ktor.Inspect(c); err == nil {
			known++
			if f := formats.Detect(c); f == nil || f.Name() != "ktor" {
				t.Errorf("formats.Detect(%q) = %v; want ktor", c, f)
			}
		}
	}
	if known < 50 {
		t.Errorf("only %d vector cookies have a Ktor layout", known)
	}
	// Random strings of each format's alphabet.
	rng := rand.New(rand.NewPCG(1, 2))
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	const ktorChars = "0123456789abcdef/:%2F3A{}\"=#&"
	for range 20000 {
		n := 2 + rng.IntN(200)
		var b, k strings.Builder
		b.WriteString("AQ")
		for range n {
			b.WriteByte(b64[rng.IntN(len(b64))])
			k.WriteByte(ktorChars[rng.IntN(len(ktorChars))])
		}
		if ktorFmt.Detect(b.String()) {
			t.Fatalf("ktor detect(%q) = true for base64url text", b.String())
		}
		// Both Ktor layouts need a '/', raw or as %2F.
		kt := k.String()
		if i := rng.IntN(len(kt)); rng.IntN(2) == 0 {
			kt = kt[:i] + "/" + kt[i:]
		} else {
			kt = kt[:i] + "%2F" + kt[i:]
		}
		if nativeFmt.Detect(kt) {
			t.Fatalf("native detect(%q) = true for Ktor-like text", kt)
		}
	}
}

// TestSplitCookiesKtor checks how pasted Ktor cookies are split: a raw
// signed cookie whose session has '=' is one token, a name=value pair
// holding a Ktor cookie is a cookie.
func TestSplitCookiesKtor(t *testing.T) {
	const tag = "51a5e9fcd1c91418f9a623bafa5022a524348e44244265dc0cab2cebacc28a5d"
	for _, tc := range []struct {
		in, name, value string
	}{
		{"cart=%23cl&userId=%23sid2/" + tag, "", "cart=%23cl&userId=%23sid2/" + tag},
		{"cart=#cl&userId=#sid2/" + tag, "", "cart=#cl&userId=#sid2/" + tag},
		{"session=cart%3D%2523cl%26userId%3D%2523sid2%2F" + tag, "session", "cart%3D%2523cl%26userId%3D%2523sid2%2F" + tag},
		{"session=cart%3D%2523cl%26userId%3D%2523sid2%2F" + tag + "; Path=/; HttpOnly", "session", "cart%3D%2523cl%26userId%3D%2523sid2%2F" + tag},
		{"s=%7B%22a%22%3A1%7D%2F" + tag, "s", "%7B%22a%22%3A1%7D%2F" + tag},
		{"00112233445566778899aabbccddeeff/c3850fc1ddc62f71ec5eaad6d393b91f:" + tag, "", "00112233445566778899aabbccddeeff/c3850fc1ddc62f71ec5eaad6d393b91f:" + tag},
	} {
		cs, err := splitCookies(nil, tc.in, "")
		if err != nil || len(cs) != 1 || cs[0].Name != tc.name || cs[0].Value != tc.value {
			t.Errorf("splitCookies(%q) = %+v, %v; want [{%s %s}]", tc.in, cs, err, tc.name, tc.value)
		}
	}
}

func TestKtorPayloadJSON(t *testing.T) {
	for _, tc := range []struct {
		text, js, codec string
	}{
		{`{"userId":"id2","cart":[]}`, `{"userId":"id2","cart":[]}`, "kotlinx-json"},
		{`{ "b" : 1, "a" : 2 }`, `{"b":1,"a":2}`, "kotlinx-json"},
		{"cart=%23cl&userId=%23sid2", `{"cart":[],"userId":"id2"}`, "ktor-reflection"},
		{"n=#i1&s=#sa+b", `{"n":1,"s":"a b"}`, "ktor-reflection"},
		{"0123456789abcdef0123456789abcdef", `"0123456789abcdef0123456789abcdef"`, "session-id"},
		{"hello/world", `"hello/world"`, "text"},
		{"<a & b>", `"<a & b>"`, "text"},
		{"\xff", "\"\ufffd\"", "text"},
		{"", `""`, "text"},
	} {
		js, c, err := format.KtorSessionJSON([]byte(tc.text))
		if err != nil || string(js) != tc.js || c != tc.codec {
			t.Errorf("format.KtorSessionJSON(%q) = %s, %q, %v; want %s, %q", tc.text, js, c, err, tc.js, tc.codec)
		}
	}
	for _, text := range []string{`{"a":1`, `{"a":1,"a":2}`, "a=#x", "a=#i1&a=#i2"} {
		if js, c, err := format.KtorSessionJSON([]byte(text)); err == nil {
			t.Errorf("format.KtorSessionJSON(%q) = %s, %q; want an error", text, js, c)
		}
	}
}

func TestDisplayText(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":"b c"}`:    `{"a":"b c"}`,
		"héllo":          "héllo",
		"a\x1b[31mred":   `"a\x1b[31mred"`,
		"line\nbreak":    `"line\nbreak"`,
		"bad \xff utf-8": `"bad \xff utf-8"`,
	} {
		if got := displayText(in); got != want {
			t.Errorf("displayText(%q) = %s; want %s", in, got, want)
		}
	}
}
