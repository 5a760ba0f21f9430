package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// respWriter is a reusable http.ResponseWriter that keeps the status and
// the headers, so that the harness costs every row the same and little.
type respWriter struct {
	h    http.Header
	code int
}

func newRespWriter() *respWriter { return &respWriter{h: http.Header{}} }

func (w *respWriter) Header() http.Header { return w.h }

func (w *respWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *respWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (w *respWriter) reset() {
	clear(w.h)
	w.code = 0
}

// cookies returns the cookies that the response sets.
func (w *respWriter) cookies() []*http.Cookie {
	return (&http.Response{Header: w.h}).Cookies()
}

// withCookies returns a new GET request carrying the name and value of each
// cookie, as a browser sends them back.
func withCookies(cs []*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://example.com/", nil)
	for _, c := range cs {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	return r
}

// serve runs one request through h and returns the response.
func serve(h http.Handler, r *http.Request) *respWriter {
	w := newRespWriter()
	h.ServeHTTP(w, r)
	return w
}

// primeHTTP logs in once (a request without a cookie, which must begin a
// session) and returns a request carrying the response's cookies, the
// template of the measured requests. For the baseline it returns a request
// without cookies.
func primeHTTP(s HTTPSystem) (*http.Request, error) {
	w := serve(s.Handler, withCookies(nil))
	if s.Kind == "baseline" {
		return withCookies(nil), nil
	}
	if w.code != http.StatusCreated || len(w.cookies()) == 0 {
		return nil, fmt.Errorf("%s: the log-in answered %d with %d cookies, want 201 with a session cookie", s.Name, w.code, len(w.cookies()))
	}
	return withCookies(w.cookies()), nil
}

// cpuTime returns the CPU time (user and system) that the process has used:
// the benchmark's goroutine and every other one, the garbage collector's
// included, which is part of what a request costs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic("bench: getrusage: " + err.Error())
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHTTP/<system> measures one full request of every HTTPSystem: a
// request carrying the cookie of an earlier response goes through the
// system's middleware and handler, which loads the session and saves it
// back, and the response's headers (Set-Cookie) are written. Each iteration
// serves a shallow copy of one template request (as Request.WithContext
// makes, so that libraries that store state in the request's context start
// afresh) into a reused response writer. Besides ns/op (wall clock) it
// reports cpu-ns/op, the process's CPU time per request (getrusage), which
// waiting for a core on a loaded machine does not inflate.
func BenchmarkHTTP(b *testing.B) {
	systems := HTTPSystems()
	defer func() {
		for _, s := range systems {
			if s.Close != nil {
				s.Close()
			}
		}
	}()
	for _, s := range systems {
		b.Run(s.Name, func(b *testing.B) {
			tmpl, err := primeHTTP(s)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			w := newRespWriter()
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				w.reset()
				s.Handler.ServeHTTP(w, tmpl.WithContext(ctx))
				if w.code != http.StatusOK {
					b.Fatalf("answered %d, want 200", w.code)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// TestHTTPSystems checks that every HTTP row does the work it is measured
// for: the cookie of the log-in loads the workload's value (200), the
// response sets the cookie where the system says it does, the cookie of
// that response loads again, and a tampered or absent cookie loads nothing
// (a new log-in, 201).
func TestHTTPSystems(t *testing.T) {
	systems := HTTPSystems()
	t.Cleanup(func() {
		for _, s := range systems {
			if s.Close != nil {
				s.Close()
			}
		}
	})
	seen := map[string]bool{}
	for _, s := range systems {
		t.Run(s.Name, func(t *testing.T) {
			if !nameRE.MatchString(s.Name) || seen[s.Name] {
				t.Fatalf("bad or duplicate name %q", s.Name)
			}
			seen[s.Name] = true
			tmpl, err := primeHTTP(s)
			if err != nil {
				t.Fatal(err)
			}
			if s.Kind == "baseline" {
				if w := serve(s.Handler, tmpl); w.code != http.StatusOK || len(w.cookies()) != 0 {
					t.Fatalf("baseline answered %d with %d cookies", w.code, len(w.cookies()))
				}
				return
			}
			// Every row but sesstool's server mode sets the cookie on
			// every response; sesstool's server mode updates the store
			// and leaves the cookie as it is.
			wantCookie := s.Name != "sesstool-server"
			for i := range 3 {
				w := serve(s.Handler, tmpl.WithContext(context.Background()))
				if w.code != http.StatusOK {
					t.Fatalf("request %d answered %d, want 200", i, w.code)
				}
				cs := w.cookies()
				if got := len(cs) > 0; got != wantCookie {
					t.Fatalf("request %d: Set-Cookie present %v, want %v", i, got, wantCookie)
				}
				for _, c := range cs {
					if c.Name != CookieName || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 {
						t.Fatalf("request %d: cookie %q", i, c.String())
					}
				}
				if wantCookie {
					tmpl = withCookies(cs) // the next request carries this response's cookie
				}
			}
			c, err := tmpl.Cookie(CookieName)
			if err != nil {
				t.Fatal(err)
			}
			// A changed character in the middle of the cookie's value.
			v := []byte(c.Value)
			i := len(v) / 2
			if v[i] == 'A' {
				v[i] = 'B'
			} else {
				v[i] = 'A'
			}
			if string(v) == c.Value {
				t.Fatal("the tampered cookie equals the original")
			}
			for _, bad := range []string{string(v), c.Value[:len(c.Value)-4], ""} {
				r := withCookies([]*http.Cookie{{Name: CookieName, Value: bad}})
				if w := serve(s.Handler, r); w.code != http.StatusCreated {
					t.Errorf("cookie %q… answered %d, want 201 (a new session)", strings.Clone(bad[:min(len(bad), 12)]), w.code)
				}
			}
		})
	}
}
