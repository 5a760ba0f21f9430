package session_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/dirstore"
	"github.com/sesstool/sesstool/transform"
)

// ktorCart is the session class of Ktor's own tests (docs/ktor-format.md §9):
// data class CartSession(val userId: String, val cart: List<String>).
type ktorCart struct {
	UserID string   `json:"userId"`
	Cart   []string `json:"cart"`
}

// ktorPath is where Ktor's directorySessionStorage keeps session id under
// root (docs/ktor-format.md §8.3): the ID in 2-character chunks, all but the last as
// directories, the last with ".dat".
func ktorPath(root, id string) string {
	var parts []string
	for i := 0; i < len(id); i += 2 {
		parts = append(parts, id[i:min(i+2, len(id))])
	}
	parts[len(parts)-1] += ".dat"
	return filepath.Join(append([]string{root}, parts...)...)
}

// TestKtorDirectorySessions shares a session directory and a signing key
// with a Ktor ≥ 3.0 application configured as
//
//	cookie<CartSession>("CART", directorySessionStorage(dir, cached = false)) {
//	    transform(SessionTransportTransformerMessageAuthentication(key))
//	}
//
// A session that Ktor wrote is read, and one that Go writes is where and
// how Ktor reads it.
func TestKtorDirectorySessions(t *testing.T) {
	dir := t.TempDir()
	store, err := dirstore.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte{0x00, 0x35, 0x15, 0x60, 0x60, 0x58, 0x61, 0x06, 0x10, 0x56, 0x10, 0x58} // Ktor's MAC test key
	mac, err := ktor.NewMessageAuthentication(key, transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New[ktorCart](store, &session.Options{Name: "CART", Codec: ktor.KotlinxJSON(), Transformer: mac, RawStore: true, IdleTimeout: dirstore.DefaultMaxAge})
	if err != nil {
		t.Fatal(err)
	}

	// Ktor wrote a session (its file, just now) and sent its cookie.
	const ktorID = "0123456789abcdef0123456789abcdef" // a Ktor ≤ 3.4 ID
	p := ktorPath(dir, ktorID)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(`{"userId":"id2","cart":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cookie, err := ktor.EncodeCookieValue(string(mac.Write(nil, []byte(ktorID))), ktor.URIEncoding)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cookie, ktorID+"%2F") {
		t.Fatalf("Ktor's cookie is %q; want %s%%2F<tag>", cookie, ktorID)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "CART", Value: cookie})
	got, ok, err := load(m, r)
	if err != nil || !ok || got.UserID != "id2" || got.Cart == nil {
		t.Fatalf("Load of Ktor's session = %+v, %v, %v", got, ok, err)
	}

	// Go adds to it: the same file, in kotlinx JSON, and the same cookie.
	w, err := save(m, r, ktorCart{UserID: "id2", Cart: []string{"book"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := w.Result().Cookies()[0]; c.Value != cookie {
		t.Fatalf("Save sent cookie %q; Ktor's was %q", c.Value, cookie)
	}
	data, err := os.ReadFile(p)
	if err != nil || string(data) != `{"userId":"id2","cart":["book"]}` {
		t.Fatalf("the session file holds %q, %v", data, err)
	}
	if fi, err := os.Stat(p); err != nil || time.Since(fi.ModTime()).Abs() > time.Minute {
		t.Fatalf("the session file's mtime is not the time of the write, as Ktor leaves it: %v, %v", fi.ModTime(), err)
	}

	// A new session from Go: a 64-character ID, in Ktor's layout.
	w, err = save(m, httptest.NewRequest("GET", "/", nil), ktorCart{UserID: "id3", Cart: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	value, _ := ktor.DecodeCookieValue(w.Result().Cookies()[0].Value, ktor.URIEncoding)
	id, _, _ := strings.Cut(value, "/")
	if data, err := os.ReadFile(ktorPath(dir, id)); err != nil || string(data) != `{"userId":"id3","cart":[]}` {
		t.Fatalf("Go's new session at Ktor's path: %q, %v", data, err)
	}
}

// TestKtorByValueCookies reads the by-value session cookies of Ktor's own
// tests (testvectors/ktor/encrypt.json, tcId 1-3), as configured there:
//
//	cookie<TestUserSession>("SESSION") {
//	    transform(SessionTransportTransformerEncrypt(encryptKey, signKey, { iv }))
//	}
//
// with Ktor's serializer of each version, then writes one back that the
// same transformer (Ktor's) reads. It also signs, as
// SessionTransportTransformerMessageAuthentication does.
func TestKtorByValueCookies(t *testing.T) {
	encKey := []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	signKey := []byte{0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c}
	for _, tc := range []struct {
		name   string
		layout ktor.Layout
		codec  codec.Codec
		cookie string // as Ktor sent it, URI-encoded
	}{
		{"Ktor 1.6.8/2.x reflection", ktor.Layout2, ktor.Reflection(), "00112233445566778899aabbccddeeff%2Fc3850fc1ddc62f71ec5eaad6d393b91fa809fe32a1cf0cb4730788c5a489daef%3A51a5e9fcd1c91418f9a623bafa5022a524348e44244265dc0cab2cebacc28a5d"},
		{"Ktor 3.x reflectionSessionSerializer", ktor.Layout3, ktor.Reflection(), "00112233445566778899aabbccddeeff%2Fc3850fc1ddc62f71ec5eaad6d393b91fa809fe32a1cf0cb4730788c5a489daef%3A65f0bd15bfa7e96b8bd9e134e23a24860b324e361c606e6800af050f5d104b68"},
		{"Ktor 3.x default JSON", ktor.Layout3, ktor.KotlinxJSON(), "00112233445566778899aabbccddeeff%2F9b8cf9900ff0f63849cb7a2ad71ed8a1ac9f0e2735492d2a5129cf278d70ab27%3A40af9f393a00034b53d2267251047259005bdf5ff104eede599149e80e6fee13"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := ktor.NewEncrypt(encKey, signKey, &ktor.EncryptOptions{Write: tc.layout})
			if err != nil {
				t.Fatal(err)
			}
			m, err := session.NewKtorClientSide[ktorCart](enc, &session.Options{Name: "SESSION", Codec: tc.codec})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.AddCookie(&http.Cookie{Name: "SESSION", Value: tc.cookie})
			got, ok, err := load(m, r)
			if err != nil || !ok || got.UserID != "id2" || len(got.Cart) != 0 {
				t.Fatalf("Load of Ktor's cookie = %+v, %v, %v", got, ok, err)
			}
			// Flipping the last hex digit, as Ktor's test does: no session.
			last := tc.cookie[len(tc.cookie)-1]
			flipped := tc.cookie[:len(tc.cookie)-1] + map[bool]string{true: "0", false: "1"}[last != '0']
			r = httptest.NewRequest("GET", "/", nil)
			r.AddCookie(&http.Cookie{Name: "SESSION", Value: flipped})
			if _, ok, _ := load(m, r); ok {
				t.Fatal("a cookie with its last digit flipped opened")
			}
			// Go writes a session; Ktor's transformer reads it back.
			w, err := save(m, httptest.NewRequest("GET", "/", nil), ktorCart{UserID: "id3", Cart: []string{"book"}})
			if err != nil {
				t.Fatal(err)
			}
			value, err := ktor.DecodeCookieValue(w.Result().Cookies()[0].Value, ktor.URIEncoding)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := enc.Read(nil, []byte(value))
			if err != nil {
				t.Fatal(err)
			}
			var back ktorCart
			if err := tc.codec.Unmarshal(plain, &back); err != nil || back.UserID != "id3" || len(back.Cart) != 1 {
				t.Fatalf("Ktor reads %q as %+v, %v", plain, back, err)
			}
		})
	}

	// Signed, not encrypted: MessageAuthentication writes "<payload>/<hmac>".
	mac, err := ktor.NewMessageAuthentication([]byte("0123456789abcdef"), transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.NewKtorClientSide[ktorCart](mac, &session.Options{Name: "SESSION"})
	if err != nil {
		t.Fatal(err)
	}
	b := newJar()
	w, err := save(m, b.request("/"), ktorCart{UserID: "id2", Cart: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	value, _ := ktor.DecodeCookieValue(w.Result().Cookies()[0].Value, ktor.URIEncoding)
	if want := string(mac.Write(nil, []byte(`{"userId":"id2","cart":[]}`))); value != want {
		t.Fatalf("the signed cookie is %q; Ktor writes %q", value, want)
	}
	b.keep(w)
	if got, ok, _ := load(m, b.request("/")); !ok || got.UserID != "id2" {
		t.Fatalf("Load of the signed cookie = %+v, %v", got, ok)
	}
}
