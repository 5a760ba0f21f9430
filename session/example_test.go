package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

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
