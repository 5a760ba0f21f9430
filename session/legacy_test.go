package session_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/session"
)

type legacyUser struct {
	Name string `json:"name"`
}

// legacyOpen stands for another framework's cookie format: "ok:<name>" is
// a valid session, anything else a forgery. It counts its calls.
func legacyOpen(calls *int) func(name, value string) (legacyUser, error) {
	return func(name, value string) (legacyUser, error) {
		*calls++
		user, ok := strings.CutPrefix(value, "ok:")
		if !ok {
			return legacyUser{}, errors.New("forged")
		}
		return legacyUser{Name: user}, nil
	}
}

// legacyManagers returns a client-side and a server-side Manager that
// accept the old cookie named old.
func legacyManagers(t *testing.T, old string, calls *int) map[string]*session.Manager[legacyUser] {
	t.Helper()
	clock := newClock()
	o := &session.Options{Now: clock.Now, Insecure: true}
	client, err := session.NewClientSide[legacyUser](newRing(t, clock.Now()), o)
	if err != nil {
		t.Fatal(err)
	}
	server, err := session.New[legacyUser](session.NewMemoryStore(&session.MemoryOptions{Now: clock.Now}), o)
	if err != nil {
		t.Fatal(err)
	}
	ms := map[string]*session.Manager[legacyUser]{"client": client, "server": server}
	for _, m := range ms {
		if err := m.AcceptLegacy(session.Legacy[legacyUser]{Cookie: old, Open: legacyOpen(calls)}); err != nil {
			t.Fatal(err)
		}
	}
	return ms
}

// serve runs one request through m's Middleware and a handler.
func serve(m *session.Manager[legacyUser], j *jar, h func(w http.ResponseWriter, r *http.Request)) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(h)).ServeHTTP(w, j.request("/"))
	j.keep(w)
	return w
}

// TestAcceptLegacy moves a user from an old cookie to the Manager's own
// session in one request, in both modes: the response carries the new
// session and expires the old cookie, and from then on the old format is
// never read again.
func TestAcceptLegacy(t *testing.T) {
	for mode, m := range legacyManagers(t, "gorilla", new(int)) {
		t.Run(mode, func(t *testing.T) {
			j := newJar()
			j.cookies["gorilla"] = &http.Cookie{Name: "gorilla", Value: "ok:alice"}
			var got legacyUser
			var ok bool
			w := serve(m, j, func(w http.ResponseWriter, r *http.Request) {
				var err error
				if got, ok, err = m.Load(r); err != nil {
					t.Fatal(err)
				}
			})
			if !ok || got.Name != "alice" {
				t.Fatalf("Load = %v, %v; want alice's session from the old cookie", got, ok)
			}
			sc := setCookies(w)
			if !strings.Contains(sc, "gorilla=; Path=/; Max-Age=0") || !strings.Contains(sc, "session=") {
				t.Fatalf("Set-Cookie = %q; want the new session and the old cookie expired", sc)
			}
			if j.get("gorilla") != nil || j.get("session") == nil {
				t.Fatalf("the browser keeps %v", j.cookies)
			}
			// The next request carries only the new session.
			w = serve(m, j, func(w http.ResponseWriter, r *http.Request) {
				got, ok, _ = m.Load(r)
			})
			if !ok || got.Name != "alice" {
				t.Errorf("second Load = %v, %v", got, ok)
			}
			if strings.Contains(setCookies(w), "gorilla") {
				t.Errorf("the old cookie is expired again: %q", setCookies(w))
			}
		})
	}
}

// TestAcceptLegacyRejects: a forged old cookie is no session, and nothing
// is set; a request with its own session never reads the old cookie.
func TestAcceptLegacyRejects(t *testing.T) {
	calls := 0
	for mode, m := range legacyManagers(t, "gorilla", &calls) {
		t.Run(mode, func(t *testing.T) {
			j := newJar()
			j.cookies["gorilla"] = &http.Cookie{Name: "gorilla", Value: "forged:bob"}
			w := serve(m, j, func(w http.ResponseWriter, r *http.Request) {
				if _, ok, err := m.Load(r); ok || err != nil {
					t.Errorf("Load of a forged old cookie = %v, %v", ok, err)
				}
			})
			if sc := setCookies(w); sc != "" {
				t.Errorf("Set-Cookie = %q; want none", sc)
			}
			// Log in: the new session replaces the old cookie.
			serve(m, j, func(w http.ResponseWriter, r *http.Request) {
				if err := m.Renew(w, r, legacyUser{Name: "carol"}); err != nil {
					t.Fatal(err)
				}
			})
			if j.get("gorilla") != nil {
				t.Errorf("Renew left the old cookie: %v", j.cookies)
			}
			j.cookies["gorilla"] = &http.Cookie{Name: "gorilla", Value: "ok:mallory"}
			before := calls
			serve(m, j, func(w http.ResponseWriter, r *http.Request) {
				if u, ok, _ := m.Load(r); !ok || u.Name != "carol" {
					t.Errorf("Load = %v, %v; want carol's own session", u, ok)
				}
			})
			if calls != before {
				t.Errorf("the old cookie was opened beside a live session")
			}
		})
	}
}

// TestAcceptLegacyClear: logging out with only the old cookie expires it,
// so that it cannot log the user back in.
func TestAcceptLegacyClear(t *testing.T) {
	for mode, m := range legacyManagers(t, "gorilla", new(int)) {
		t.Run(mode, func(t *testing.T) {
			j := newJar()
			j.cookies["gorilla"] = &http.Cookie{Name: "gorilla", Value: "ok:dave"}
			serve(m, j, func(w http.ResponseWriter, r *http.Request) {
				if err := m.Clear(w, r); err != nil {
					t.Fatal(err)
				}
				if _, ok, _ := m.Load(r); ok {
					t.Error("Load after Clear found the old session")
				}
			})
			if len(j.cookies) != 0 {
				t.Errorf("after Clear the browser keeps %v", j.cookies)
			}
		})
	}
}

// TestAcceptLegacySameName replaces an old cookie of the Manager's own
// name in place: one Set-Cookie, no separate expiry.
func TestAcceptLegacySameName(t *testing.T) {
	for mode, m := range legacyManagers(t, "session", new(int)) {
		t.Run(mode, func(t *testing.T) {
			j := newJar()
			j.cookies["session"] = &http.Cookie{Name: "session", Value: "ok:erin"}
			w := serve(m, j, func(w http.ResponseWriter, r *http.Request) {
				if u, ok, _ := m.Load(r); !ok || u.Name != "erin" {
					t.Errorf("Load = %v, %v", u, ok)
				}
			})
			if n := len(w.Header().Values("Set-Cookie")); n != 1 || strings.Contains(setCookies(w), "Max-Age=0") {
				t.Errorf("Set-Cookie = %q; want the one new session cookie", setCookies(w))
			}
			if c := j.get("session"); c == nil || strings.HasPrefix(c.Value, "ok:") {
				t.Errorf("the cookie is %v; want the new session", c)
			}
		})
	}
}

func TestAcceptLegacyErrors(t *testing.T) {
	ok := func(string, string) (legacyUser, error) { return legacyUser{}, nil }
	header, err := session.NewClientSide[legacyUser](newRing(t, newClock().Now()), &session.Options{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := header.AcceptLegacy(session.Legacy[legacyUser]{Cookie: "old", Open: ok}); err == nil {
		t.Error("AcceptLegacy on a header Manager: no error")
	}
	m, err := session.NewClientSide[legacyUser](newRing(t, newClock().Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []session.Legacy[legacyUser]{{Cookie: "a b", Open: ok}, {Cookie: "old"}} {
		if err := m.AcceptLegacy(l); err == nil {
			t.Errorf("AcceptLegacy(%q, Open nil: %v): no error", l.Cookie, l.Open == nil)
		}
	}
	if err := m.AcceptLegacy(session.Legacy[legacyUser]{Cookie: "old", Open: ok}); err != nil {
		t.Fatal(err)
	}
	if err := m.AcceptLegacy(session.Legacy[legacyUser]{Cookie: "old", Open: ok}); err == nil {
		t.Error("a second AcceptLegacy: no error")
	}
}
