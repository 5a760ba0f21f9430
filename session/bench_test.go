package session_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/session"
)

// BenchmarkManager measures a request's Load and Save of a small session
// in a MemoryStore, with plain and signed IDs: the Manager's own cost,
// since the store is a map.
func BenchmarkManager(b *testing.B) {
	mac, err := ktor.NewMessageAuthentication([]byte("0123456789abcdef0123456789abcdef"), ktor.HmacSHA256)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		o    session.Options
	}{
		{"plain", session.Options{}},
		{"signed", session.Options{Transformer: mac}},
	} {
		m, err := session.New[cart](session.NewMemoryStore(nil), &bc.o)
		if err != nil {
			b.Fatal(err)
		}
		w := httptest.NewRecorder()
		if err := m.Save(w, httptest.NewRequest("GET", "/", nil), cart{User: "alice", Items: []string{"book", "pen"}}); err != nil {
			b.Fatal(err)
		}
		c := w.Result().Cookies()[0]
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		b.Run(bc.name+"/Load", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := m.Load(r); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
		b.Run(bc.name+"/Save", func(b *testing.B) {
			b.ReportAllocs()
			v := cart{User: "alice", Items: []string{"book", "pen"}}
			for b.Loop() {
				w := httptest.NewRecorder()
				if err := m.Save(w, r, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
