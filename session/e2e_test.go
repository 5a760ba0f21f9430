package session_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestBrowserRoundTrip runs a real HTTPS server and a client with a cookie
// jar, as a browser keeps cookies: log in, see the session, log out.
func TestBrowserRoundTrip(t *testing.T) {
	m, _ := newManager(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Renew(w, r, cart{User: r.FormValue("user")}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		s, ok, err := m.Load(r)
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		case !ok:
			http.Error(w, "anonymous", http.StatusUnauthorized)
		default:
			fmt.Fprint(w, s.User)
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Clear(w, r); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	srv := httptest.NewTLSServer(m.Middleware(mux))
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := srv.Client()
	client.Jar = jar

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(body))
	}
	post := func(path, form string) {
		t.Helper()
		resp, err := client.Post(srv.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %s", path, resp.Status)
		}
	}

	if code, _ := get("/me"); code != http.StatusUnauthorized {
		t.Fatalf("before log-in: %d", code)
	}
	post("/login", "user=alice")
	if code, body := get("/me"); code != http.StatusOK || body != "alice" {
		t.Fatalf("after log-in: %d %q", code, body)
	}
	post("/login", "user=bob") // a second log-in: a new ID, the old one gone
	if code, body := get("/me"); code != http.StatusOK || body != "bob" {
		t.Fatalf("after the second log-in: %d %q", code, body)
	}
	post("/logout", "")
	if code, _ := get("/me"); code != http.StatusUnauthorized {
		t.Fatalf("after log-out: %d", code)
	}
	if n := len(jar.Cookies(mustURL(t, srv.URL))); n != 0 {
		t.Fatalf("the jar still holds %d cookies after log-out", n)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
