package session_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesstool/sesstool/internal/testclock"
	"github.com/sesstool/sesstool/keyring"
)

// jar is a browser's cookie jar, for one site: it keeps what Set-Cookie
// says (a negative Max-Age deletes) and sends it back.
type jar struct {
	mu      sync.Mutex
	cookies map[string]*http.Cookie
	header  map[string]string // for the header transport: what the client keeps
}

func newJar() *jar { return &jar{cookies: map[string]*http.Cookie{}, header: map[string]string{}} }

// request returns a GET of path with the jar's cookies.
func (j *jar) request(path string) *http.Request {
	r := httptest.NewRequest("GET", path, nil)
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range j.cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	for k, v := range j.header {
		r.Header.Set(k, v)
	}
	return r
}

// keep stores the cookies of a response, and the given headers' values.
func (j *jar) keep(w *httptest.ResponseRecorder, headers ...string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(j.cookies, c.Name)
		} else {
			j.cookies[c.Name] = c
		}
	}
	for _, h := range headers {
		if v := w.Header().Get(h); v != "" {
			j.header[h] = v
		}
	}
}

func (j *jar) get(name string) *http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cookies[name]
}

// newClock returns a settable clock for the Manager and the stores.
func newClock() *testclock.Clock {
	return testclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
}

// newRing returns a keyring with one primary key, made at now.
func newRing(t testing.TB, now time.Time) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// setCookies returns the Set-Cookie lines of a response, joined.
func setCookies(w *httptest.ResponseRecorder) string {
	return strings.Join(w.Header().Values("Set-Cookie"), "\n")
}
