// Command migrate moves a service off gorilla/sessions without logging
// anyone out. The service kept its sessions in gorilla's CookieStore (a
// securecookie value, signed under a hash key, in a cookie named
// "session"); it now keeps them in sesstool's client-side sessions. On
// each user's first request after the deploy, the Manager finds no
// session of its own, opens the old cookie with package format under the
// imported gorilla key, re-issues the session as a sesstool token and
// expires the old cookie (session.Manager.AcceptLegacy). Run it with
//
//	go run ./examples/migrate
//
// It prints the two requests of one user: the first carries only the
// CookieStore cookie (written by gorilla/sessions v1.4.0 itself: it is
// testvectors/securecookie's first vector), the second only the new one.
package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/session"
)

// Session is what the service keeps per user; gorilla kept the same
// fields in its session.Values map.
type Session struct {
	UserID int     `json:"user_id"`
	Name   string  `json:"name"`
	Admin  bool    `json:"admin"`
	Score  float64 `json:"score"`
}

// The gorilla service's configuration: its hash key (hex, as
// securecookie.New took it) and a cookie its CookieStore set for alice.
const (
	gorillaHashKey = "77e7e88542611eafaa29e1aefc82f86bbe95fe43778195150f6be7880c52b160019008c05c1e3c4c1b7c3335d2c99140c616f3a5278a9e40f3bfdc61fc5bd815"
	gorillaCookie  = "MTgwMzg5NTIwMHxEWDhFQVFMX2dBQUJFQUVRQUFCMF80QUFCQVp6ZEhKcGJtY01DUUFIZFhObGNsOXBaQU5wYm5RRUFnQlVCbk4wY21sdVp3d0dBQVJ1WVcxbEJuTjBjbWx1Wnd3SEFBVmhiR2xqWlFaemRISnBibWNNQndBRllXUnRhVzRFWW05dmJBSUNBQUVHYzNSeWFXNW5EQWNBQlhOamIzSmxCMlpzYjJGME5qUUlCQUQtREVBPXwqH8ogxC-CQoQiMWxwxynza57fFAVePlS6VEnDmSvtZQ=="
)

// now is the demo's clock: the cookie above was set at 2027-03-01 11:00
// UTC, and gorilla's default MaxAge is 30 days.
var now = func() time.Time { return time.Date(2027, 3, 1, 11, 0, 0, 0, time.UTC) }

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(w io.Writer) error {
	// The keyring: a native key that seals the new sessions, and the
	// gorilla hash key, imported as "sesstool keys import --alg
	// securecookie" would import it (only to open old cookies: foreign
	// keys never mint).
	ring, err := keyring.Generate(keyring.Default, now())
	if err != nil {
		return err
	}
	gorilla := format.SecureCookie().(format.Importer)
	m, err := gorilla.ParseKey(keyring.SecureCookie, []byte(gorillaHashKey), keyring.Options{})
	if err != nil {
		return err
	}
	if ring, _, err = ring.Import(m, now()); err != nil {
		return err
	}
	old, err := gorilla.NewOpener(ring, format.Options{Now: now})
	if err != nil {
		return err
	}

	sessions, err := session.NewClientSide[Session](ring, &session.Options{Name: "sid", Now: now})
	if err != nil {
		return err
	}
	err = sessions.AcceptLegacy(session.Legacy[Session]{
		Cookie: "session",
		Open: func(name, value string) (Session, error) {
			res, err := format.OpenCookie(old, name, value) // verified: MAC, cookie name, age
			if err != nil {
				return Session{}, err
			}
			// gorilla's gob map, rendered as JSON, decoded as strictly
			// as the new sessions are.
			var s Session
			return s, codec.JSON().Unmarshal(res.JSON, &s)
		},
	})
	if err != nil {
		return err
	}

	app := sessions.Middleware(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		s, ok, err := sessions.Load(r)
		switch {
		case err != nil:
			http.Error(rw, "sessions unavailable", http.StatusServiceUnavailable)
		case !ok:
			http.Error(rw, "please log in", http.StatusUnauthorized)
		default:
			fmt.Fprintf(rw, "hello, %s (user %d)", s.Name, s.UserID)
		}
	}))

	// The first request after the deploy: the old cookie only.
	fmt.Fprintln(w, "request 1 carries: session=<gorilla/sessions CookieStore value>")
	resp := serve(app, &http.Cookie{Name: "session", Value: gorillaCookie})
	fmt.Fprintln(w, "  response:", resp.Body.String())
	var next *http.Cookie
	for _, c := range resp.Result().Cookies() {
		switch {
		case c.Name == "session" && c.MaxAge < 0:
			fmt.Fprintln(w, "  Set-Cookie: session expired (the gorilla cookie is dropped)")
		case c.Name == "sid":
			fmt.Fprintf(w, "  Set-Cookie: sid=<sesstool token, %d characters>\n", len(c.Value))
			next = c
		}
	}
	if next == nil {
		return fmt.Errorf("the old session was not re-issued")
	}

	// The next request: the new cookie only.
	fmt.Fprintln(w, "request 2 carries: sid=<sesstool token>")
	resp = serve(app, &http.Cookie{Name: "sid", Value: next.Value})
	fmt.Fprintln(w, "  response:", resp.Body.String())

	if !strings.HasPrefix(resp.Body.String(), "hello, alice") {
		return fmt.Errorf("the new session does not open: %s", resp.Body.String())
	}
	fmt.Fprintln(w, "the new cookie is a", format.Default().Detect(next.Value).Title(), "token; the gorilla key now only reads old cookies, and can be removed once they have all expired")
	return nil
}

// serve sends one GET with cookie c through h.
func serve(h http.Handler, c *http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
