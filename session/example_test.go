package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/session"
)

type login struct {
	User string `json:"user"`
}

func Example() {
	sessions, err := session.New[login](session.NewMemoryStore(nil), &session.Options{Name: "sid"})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// A new ID at log-in, whatever the request came with.
		if err := sessions.Renew(w, r, login{User: "alice"}); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		s, ok, err := sessions.Load(r)
		switch {
		case err != nil:
			http.Error(w, "try again", http.StatusServiceUnavailable)
		case !ok:
			http.Error(w, "log in first", http.StatusUnauthorized)
		default:
			fmt.Fprintf(w, "hello, %s", s.User)
		}
	})
	handler := sessions.Middleware(mux)

	login := httptest.NewRecorder()
	handler.ServeHTTP(login, httptest.NewRequest("POST", "/login", nil))
	cookie := login.Result().Cookies()[0]
	fmt.Println("cookie:", cookie.Name, len(cookie.Value), "characters,", "HttpOnly:", cookie.HttpOnly)

	me := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/me", nil)
	r.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	handler.ServeHTTP(me, r)
	fmt.Println(me.Body.String())

	anon := httptest.NewRecorder()
	handler.ServeHTTP(anon, httptest.NewRequest("GET", "/me", nil))
	fmt.Print(anon.Code, " ", anon.Body.String())
	// Output:
	// cookie: sid 64 characters, HttpOnly: true
	// hello, alice
	// 401 log in first
}

// The same handlers, with the session sealed into the cookie itself:
// nothing is kept on the server.
func ExampleNewClientSide() {
	ring, err := keyring.Generate(keyring.Default, time.Now()) // in production: keyring.Load
	if err != nil {
		panic(err)
	}
	sessions, err := session.NewClientSide[login](ring, &session.Options{Name: "sid", IdleTimeout: 15 * time.Minute})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := sessions.Renew(w, r, login{User: "alice"}); err != nil {
			http.Error(w, "try again", http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if s, ok, _ := sessions.Load(r); ok {
			fmt.Fprintf(w, "hello, %s", s.User)
			return
		}
		http.Error(w, "log in first", http.StatusUnauthorized)
	})
	handler := sessions.Middleware(mux)

	login := httptest.NewRecorder()
	handler.ServeHTTP(login, httptest.NewRequest("POST", "/login", nil))
	cookie := login.Result().Cookies()[0]
	fmt.Println("cookie:", cookie.Name, "Max-Age:", cookie.MaxAge, "HttpOnly:", cookie.HttpOnly)

	me := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/me", nil)
	r.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	handler.ServeHTTP(me, r)
	fmt.Println(me.Body.String())
	// Output:
	// cookie: sid Max-Age: 900 HttpOnly: true
	// hello, alice
}

// LoginSession is what the session of the examples holds.
type LoginSession struct {
	User string `json:"user"`
}

// serverSide is the README's server-side set-up.
func serverSide(store session.Store) (*session.Manager[LoginSession], error) {
	// Server side: the session in a store, a random ID in the cookie.
	sessions, err := session.New[LoginSession](store, &session.Options{IdleTimeout: 30 * time.Minute})
	return sessions, err
}

// clientSide is the README's client-side set-up.
func clientSide(ring *keyring.Ring) (*session.Manager[LoginSession], error) {
	// Client side: the session sealed into the cookie, nothing on the server.
	sessions, err := session.NewClientSide[LoginSession](ring, &session.Options{IdleTimeout: 30 * time.Minute})
	return sessions, err
}

// routes is the README's example: log in, read the session, log out, the
// same in both modes.
func routes(sessions *session.Manager[LoginSession]) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// After checking the password: a new session (server side, a new ID).
		if err := sessions.Renew(w, r, LoginSession{User: "alice"}); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		s, ok, err := sessions.Load(r) // ok=false: no session
		switch {
		case err != nil:
			http.Error(w, "try again", http.StatusServiceUnavailable)
		case !ok:
			http.Error(w, "log in first", http.StatusUnauthorized)
		default:
			fmt.Fprintf(w, "hello, %s", s.User) // after a change: sessions.Save(w, r, s)
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := sessions.Clear(w, r); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	})
	return sessions.Middleware(mux)
}

func Example_routes() {
	ring, err := keyring.Generate(keyring.Default, time.Now())
	if err != nil {
		panic(err)
	}
	server, err := serverSide(session.NewMemoryStore(nil))
	if err != nil {
		panic(err)
	}
	client, err := clientSide(ring)
	if err != nil {
		panic(err)
	}
	for _, sessions := range []*session.Manager[LoginSession]{server, client} {
		handler := routes(sessions)
		login := httptest.NewRecorder()
		handler.ServeHTTP(login, httptest.NewRequest("POST", "/login", nil))
		cookie := login.Result().Cookies()[0]
		for _, path := range []string{"/me", "/logout"} {
			method := map[string]string{"/me": "GET", "/logout": "POST"}[path]
			rec := httptest.NewRecorder()
			r := httptest.NewRequest(method, path, nil)
			r.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
			handler.ServeHTTP(rec, r)
			fmt.Println(strings.TrimSpace(fmt.Sprint(method, " ", path, " ", rec.Code, " ", rec.Body.String())))
		}
	}
	// Output:
	// GET /me 200 hello, alice
	// POST /logout 200
	// GET /me 200 hello, alice
	// POST /logout 200
}
