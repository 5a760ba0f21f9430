package session_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/dirstore"
)

// ktorCart is the session class of Ktor's own tests (spec §9):
// data class CartSession(val userId: String, val cart: List<String>).
type ktorCart struct {
	UserID string   `json:"userId"`
	Cart   []string `json:"cart"`
}

// ktorPath is where Ktor's directorySessionStorage keeps session id under
// root (spec §8.3): the ID in 2-character chunks, all but the last as
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
	mac, err := ktor.NewMessageAuthentication(key, ktor.HmacSHA256)
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New[ktorCart](store, &session.Options{Name: "CART", Codec: ktor.KotlinxJSON, Transformer: mac, RawStore: true, IdleTimeout: dirstore.DefaultMaxAge})
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
