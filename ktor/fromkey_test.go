package ktor

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/transform"
)

var fromKeyNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// importKey returns m imported into a fresh ring.
func importKey(t *testing.T, m keyring.Material) (*keyring.Ring, keyring.Key) {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, fromKeyNow)
	if err != nil {
		t.Fatal(err)
	}
	r, k, err := r.Import(m, fromKeyNow)
	if err != nil {
		t.Fatalf("Import(%v) error: %v", m, err)
	}
	return r, k
}

// TestNewFromKeyMessageAuthentication checks that a ktor-hmac-* key gives
// the MessageAuthentication of its hash on its secret.
func TestNewFromKeyMessageAuthentication(t *testing.T) {
	secret := bytes.Repeat([]byte{0x3c, 0x91}, 16)
	for alg, h := range map[keyring.Algorithm]transform.Hash{
		keyring.KtorHMACSHA256: transform.SHA256,
		keyring.KtorHMACSHA384: transform.SHA384,
		keyring.KtorHMACSHA512: transform.SHA512,
	} {
		_, k := importKey(t, keyring.Material{Algorithm: alg, Secret: secret})
		got, err := NewFromKey(k)
		if err != nil {
			t.Fatalf("NewFromKey(%v) error: %v", k, err)
		}
		want, err := NewMessageAuthentication(secret, h)
		if err != nil {
			t.Fatal(err)
		}
		msg := []byte("session 42")
		if g, w := got.Write(nil, msg), want.Write(nil, msg); !bytes.Equal(g, w) {
			t.Errorf("NewFromKey(%v).Write = %s; want %s (MessageAuthentication with %v)", k, g, w, h)
		}
	}
}

// TestNewEncryptFromKey checks the layout policy of each KtorLayout, and
// reproduces Ktor's known-answer cookies (docs/ktor-format.md §9) from keyring keys with
// a fixed IV.
func TestNewEncryptFromKey(t *testing.T) {
	for _, tc := range []struct {
		layout      keyring.KtorLayout
		write, read Layout
		plaintext   string
		cookie      string
	}{
		{keyring.KtorLayout2, Layout2, Layout2, ktorReflectionPlaintext, ktorCookie2},
		{keyring.KtorLayout3, Layout3, Layout3, ktorReflectionPlaintext, ktorCookie3Reflection},
		{keyring.KtorLayoutBoth, Layout3, Layout3 | Layout2, ktorJSONPlaintext, ktorCookie3JSON},
	} {
		_, k := importKey(t, keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: ktorEncKey, SignSecret: ktorSignKey, KtorLayout: tc.layout, AllowShortKey: true})
		e, err := NewEncryptFromKey(k, &EncryptOptions{IV: fixedIV(ktorIV)})
		if err != nil {
			t.Fatalf("NewEncryptFromKey(layout %s) error: %v", tc.layout, err)
		}
		if w, r := e.Layouts(); w != tc.write || r != tc.read {
			t.Errorf("layout %s: Layouts() = %v, %v; want %v, %v", tc.layout, w, r, tc.write, tc.read)
		}
		if got := string(e.Write(nil, []byte(tc.plaintext))); got != tc.cookie {
			t.Errorf("layout %s: Write = %s; want %s", tc.layout, got, tc.cookie)
		}
		// NewFromKey gives the same policy, with a random IV.
		tr, err := NewFromKey(k)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := tr.Read(nil, []byte(tc.cookie)); err != nil || string(got) != tc.plaintext {
			t.Errorf("layout %s: NewFromKey(k).Read(Ktor's cookie) = %q, %v; want %q", tc.layout, got, err, tc.plaintext)
		}
		if got := tr.Write(nil, []byte(tc.plaintext)); bytes.HasPrefix(got, []byte(tc.cookie[:2*IVSize])) {
			t.Errorf("layout %s: NewFromKey(k) wrote the fixed IV: %s", tc.layout, got)
		}
		// A reader of the key's policy reads Layout2 cookies only if the
		// policy says so.
		_, l, err := e.ReadLayout(nil, []byte(ktorCookie2))
		if wantL2 := tc.read&Layout2 != 0; (err == nil) != wantL2 || wantL2 && l != Layout2 {
			t.Errorf("layout %s: ReadLayout(Ktor 2.x cookie) = %v, %v; want success %v", tc.layout, l, err, wantL2)
		}
	}
}

// TestNewFromKeyRefuses checks the keys and options that the constructors
// refuse: keys of another family, destroyed keys, options that the key
// fixes.
func TestNewFromKeyRefuses(t *testing.T) {
	r, mac := importKey(t, keyring.Material{Algorithm: keyring.KtorHMACSHA256, Secret: bytes.Repeat([]byte{1}, 32)})
	r, enc, err := r.Import(keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: ktorEncKey, SignSecret: bytes.Repeat([]byte{2}, 32)}, fromKeyNow)
	if err != nil {
		t.Fatal(err)
	}
	native := r.Primary()
	r2, err := r.Destroy(mac.ID, fromKeyNow)
	if err != nil {
		t.Fatal(err)
	}
	r2, err = r2.Destroy(enc.ID, fromKeyNow)
	if err != nil {
		t.Fatal(err)
	}
	deadMAC, _ := r2.Lookup(mac.ID)
	deadEnc, _ := r2.Lookup(enc.ID)
	for _, tc := range []struct {
		name string
		call func() (any, error)
		want string
	}{
		{"NewFromKey(native)", func() (any, error) { return NewFromKey(native) }, "not a Ktor key"},
		{"NewFromKey(zero)", func() (any, error) { return NewFromKey(keyring.Key{}) }, "not a Ktor key"},
		{"NewFromKey(destroyed hmac)", func() (any, error) { return NewFromKey(deadMAC) }, "is destroyed"},
		{"NewFromKey(destroyed encrypt)", func() (any, error) { return NewFromKey(deadEnc) }, "is destroyed"},
		{"NewEncryptFromKey(hmac)", func() (any, error) { return NewEncryptFromKey(mac, nil) }, "not a Ktor key"},
		{"NewEncryptFromKey(native)", func() (any, error) { return NewEncryptFromKey(native, nil) }, "not a Ktor key"},
		{"NewEncryptFromKey(Write set)", func() (any, error) { return NewEncryptFromKey(enc, &EncryptOptions{Write: Layout2}) }, "set only EncryptOptions.IV"},
		{"NewEncryptFromKey(Read set)", func() (any, error) { return NewEncryptFromKey(enc, &EncryptOptions{Read: Layout2 | Layout3}) }, "set only EncryptOptions.IV"},
		{"NewEncryptFromKey(Sign set)", func() (any, error) { return NewEncryptFromKey(enc, &EncryptOptions{Sign: transform.SHA512}) }, "set only EncryptOptions.IV"},
	} {
		if got, err := tc.call(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s = %v, %v; want an error containing %q", tc.name, got, err, tc.want)
		}
	}
}

// TestEncryptFormatHidesKeys checks that an Encrypt prints its layouts
// under every verb, and none of its keys.
func TestEncryptFormatHidesKeys(t *testing.T) {
	_, k := importKey(t, keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: ktorEncKey, SignSecret: ktorSignKey, KtorLayout: keyring.KtorLayoutBoth, AllowShortKey: true})
	e, err := NewEncryptFromKey(k, nil)
	if err != nil {
		t.Fatal(err)
	}
	var tr transform.Transformer = e
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for _, arg := range []any{e, tr, struct{ T transform.Transformer }{tr}} {
			out := fmt.Sprintf(f, arg)
			for _, key := range [][]byte{ktorEncKey, ktorSignKey} {
				if strings.Contains(strings.ToLower(out), hex.EncodeToString(key)[:16]) || strings.Contains(out, fmt.Sprint(key[:6])[1:]) {
					t.Errorf("Sprintf(%q, %T) = %q shows a key", f, arg, out)
				}
			}
		}
		if out := fmt.Sprintf(f, e); f == "%v" && out != "ktor.Encrypt{write Layout3, read Layout3|Layout2}" {
			t.Errorf("Sprintf(%%v, Encrypt) = %q", out)
		}
	}
}
