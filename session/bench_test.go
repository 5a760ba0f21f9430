package session_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/transform"
)

// BenchmarkManager measures one request through Middleware for a small
// session, in each mode: server side in a MemoryStore with plain and signed
// IDs, and client side (NewClientSide: XChaCha20-Poly1305, JSON). Each
// iteration serves a request carrying the cookie of an earlier response
// into a new httptest.ResponseRecorder:
//
//   - Middleware: a handler that does nothing, what every request costs;
//   - Load: a handler that calls Load (Load's own cost is this minus
//     Middleware);
//   - LoadSave: a handler that calls Load, then Save of the loaded value
//     (server side an Update of the store and no Set-Cookie; client side a
//     new token in Set-Cookie).
//
// The store is a map, so this is the Manager's own cost; bench/ compares
// whole requests with other libraries.
func BenchmarkManager(b *testing.B) {
	mac, err := ktor.NewMessageAuthentication([]byte("0123456789abcdef0123456789abcdef"), transform.SHA256)
	if err != nil {
		b.Fatal(err)
	}
	newServer := func(o session.Options) func() (*session.Manager[cart], error) {
		return func() (*session.Manager[cart], error) { return session.New[cart](session.NewMemoryStore(nil), &o) }
	}
	value := cart{User: "alice", Items: []string{"book", "pen"}}
	for _, bc := range []struct {
		name string
		new  func() (*session.Manager[cart], error)
	}{
		{"plain", newServer(session.Options{})},
		{"signed", newServer(session.Options{Transformer: mac})},
		{"client", func() (*session.Manager[cart], error) {
			return session.NewClientSide[cart](newRing(b, time.Now()), nil)
		}},
	} {
		m, err := bc.new()
		if err != nil {
			b.Fatal(err)
		}
		// Log in once, for the cookie that every measured request carries.
		w := httptest.NewRecorder()
		m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := m.Renew(w, r, value); err != nil {
				b.Fatal(err)
			}
		})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		c := w.Result().Cookies()[0]
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})

		load := func(r *http.Request) cart {
			v, ok, err := m.Load(r)
			if !ok || err != nil {
				b.Fatal(ok, err)
			}
			return v
		}
		for _, h := range []struct {
			name string
			f    http.HandlerFunc
		}{
			{"Middleware", func(http.ResponseWriter, *http.Request) {}},
			{"Load", func(_ http.ResponseWriter, r *http.Request) { load(r) }},
			{"LoadSave", func(w http.ResponseWriter, r *http.Request) {
				if err := m.Save(w, r, load(r)); err != nil {
					b.Fatal(err)
				}
			}},
		} {
			handler := m.Middleware(h.f)
			b.Run(bc.name+"/"+h.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					handler.ServeHTTP(httptest.NewRecorder(), r)
				}
			})
		}
	}
}
