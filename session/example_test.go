package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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
