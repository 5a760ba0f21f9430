package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/dirstore"
	"github.com/sesstool/sesstool/session/redisstore"
)

// config chooses how the app keeps its sessions.
type config struct {
	Mode     string // "client" (sealed in the cookie) or "server"
	Store    string // server mode: "memory", "dir:PATH" or "redis:ADDR"
	Insecure bool   // no Secure attribute and no __Host- prefix
	Logger   *slog.Logger
}

func (c config) storeName() string {
	if c.Mode == "client" {
		return "cookie"
	}
	return c.Store
}

// profile is the session: who logged in, when, and their note.
type profile struct {
	User     string    `json:"user"`
	Note     string    `json:"note,omitempty"`
	LoggedIn time.Time `json:"logged_in"`
}

const (
	maxUser = 64
	// maxForm bounds a form's body: above any session that either mode
	// keeps, so that an oversize note reaches Save and gets its error.
	maxForm = 256 << 10
)

// app is the web application: an http.Handler.
type app struct {
	cfg      config
	sessions *session.Manager[profile]
	handler  http.Handler
	close    func() error
}

// newServer returns the app that cfg describes. Close it when done.
func newServer(cfg config) (*app, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	opts := &session.Options{
		// "__Host-session": only a Secure, Path=/ cookie set by this very
		// host can have that name.
		Name:       "session",
		HostPrefix: !cfg.Insecure,
		Insecure:   cfg.Insecure,
		// Remember-me is chosen per log-in (RenewWith); the defaults give
		// 30 minutes of idle time and 24 hours at most.
		Logger: cfg.Logger,
	}
	a := &app{cfg: cfg, close: func() error { return nil }}
	var err error
	switch cfg.Mode {
	case "client":
		if cfg.Store != "" && cfg.Store != "memory" {
			return nil, fmt.Errorf("%w: -store is for -mode server; a client-side session is kept in the cookie", errUsage)
		}
		// A fresh key for each run: restarting logs everyone out. A real
		// service shares a keyring file between its instances
		// (keyring.Load) and rotates it with `sesstool keys`.
		ring, gerr := keyring.Generate(keyring.Default, time.Now())
		if gerr != nil {
			return nil, gerr
		}
		a.sessions, err = session.NewClientSide[profile](ring, opts)
	case "server":
		var store session.Store
		if store, a.close, err = openStore(cfg.Store); err != nil {
			return nil, err
		}
		a.sessions, err = session.New[profile](store, opts)
	default:
		return nil, fmt.Errorf("%w: unknown -mode %q; use client or server", errUsage, cfg.Mode)
	}
	if err != nil {
		a.close()
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("GET /profile", a.profile)
	mux.HandleFunc("POST /note", a.note)
	mux.HandleFunc("POST /logout", a.logout)
	// CSRF: the cookie is SameSite=Lax, so a cross-site POST does not carry
	// it and cannot log the user out or change the note; every change is a
	// POST (GETs change nothing). A log-in needs no cookie, so SameSite
	// cannot stop a cross-site form from logging a victim into the
	// attacker's account: CrossOriginProtection refuses every cross-origin
	// POST from a browser (by Sec-Fetch-Site, or Origin).
	a.handler = http.NewCrossOriginProtection().Handler(a.sessions.Middleware(mux))
	return a, nil
}

// openStore opens the server-side store that spec names.
func openStore(spec string) (session.Store, func() error, error) {
	noClose := func() error { return nil }
	kind, arg, _ := strings.Cut(spec, ":")
	switch {
	case spec == "memory":
		return session.NewMemoryStore(nil), noClose, nil
	case kind == "dir" && arg != "":
		s, err := dirstore.New(arg, nil)
		return s, noClose, err
	case kind == "redis" && arg != "":
		client := redis.NewClient(&redis.Options{Addr: arg})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := client.Ping(ctx).Err(); err != nil {
			client.Close()
			return nil, nil, fmt.Errorf("redis at %s: %w", arg, err)
		}
		s, err := redisstore.New(client, nil)
		return s, client.Close, err
	}
	return nil, nil, fmt.Errorf("%w: unknown -store %q; use memory, dir:PATH or redis:ADDR", errUsage, spec)
}

// ServeHTTP implements http.Handler.
func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Close releases the store's connections.
func (a *app) Close() error { return a.close() }

// home shows the log-in form, or sends a logged-in user to their profile.
func (a *app) home(w http.ResponseWriter, r *http.Request) {
	if _, ok, err := a.sessions.Load(r); err != nil {
		a.fail(w, r, err)
		return
	} else if ok {
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return
	}
	a.render(w, http.StatusOK, page{View: "login", Title: "Log in"})
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	user := strings.TrimSpace(r.PostFormValue("user"))
	if user == "" || len(user) > maxUser {
		a.render(w, http.StatusBadRequest, page{View: "login", Title: "Log in",
			Error: fmt.Sprintf("Enter a user name of 1 to %d bytes.", maxUser)})
		return
	}
	p := profile{User: user, Note: r.PostFormValue("note"), LoggedIn: time.Now().UTC().Truncate(time.Second)}
	// RenewWith, not Save: a new session (a new ID, server side) at every
	// log-in, so that an ID planted before it is worth nothing.
	remember := r.PostFormValue("remember") != ""
	if err := a.sessions.RenewWith(w, r, p, session.RenewOptions{Remember: remember}); err != nil {
		a.fail(w, r, err)
		return
	}
	a.cfg.Logger.InfoContext(r.Context(), "log-in", "user", user, "remember", remember)
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}

func (a *app) profile(w http.ResponseWriter, r *http.Request) {
	p, ok, err := a.sessions.Load(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	a.render(w, http.StatusOK, page{View: "profile", Title: "Profile", Profile: &p})
}

// note changes the note kept in the session.
func (a *app) note(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	p, ok, err := a.sessions.Load(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p.Note = r.PostFormValue("note")
	if err := a.sessions.Save(w, r, p); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}

// logout is POST only, so that a link or an image elsewhere cannot log the
// user out; with the SameSite=Lax cookie, no cross-site form can either.
func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.sessions.Clear(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// parseForm reads a POST form of at most maxForm bytes, or answers the
// request itself and returns false.
func (a *app) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			a.render(w, http.StatusRequestEntityTooLarge, page{View: "error", Title: "Form too large",
				Message: fmt.Sprintf("The form is larger than %d KiB; send less.", maxForm>>10)})
			return false
		}
		a.render(w, http.StatusBadRequest, page{View: "error", Title: "Bad request", Message: "The form could not be read."})
		return false
	}
	return true
}

// fail answers a request whose session could not be loaded or saved.
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, session.ErrTooLarge):
		// Nothing was sent: the browser keeps the session it had.
		msg := "Your session is too large to keep in a cookie: browsers drop a cookie over 4096 bytes without a word. Nothing was saved, and your previous session is unchanged. Shorten the note and try again."
		if a.cfg.Mode == "server" {
			msg = fmt.Sprintf("Your session is too large to store (the limit is %d KiB). Nothing was saved, and your previous session is unchanged. Shorten the note and try again.", session.DefaultMaxDataSize>>10)
		}
		a.render(w, http.StatusRequestEntityTooLarge, page{View: "error", Title: "Session too large", Message: msg})
	case errors.Is(err, session.ErrEnded):
		// Logged out (in another tab, say) while this request ran.
		http.Redirect(w, r, "/", http.StatusSeeOther)
	default:
		a.cfg.Logger.ErrorContext(r.Context(), "session", "path", r.URL.Path, "error", err)
		a.render(w, http.StatusServiceUnavailable, page{View: "error", Title: "Try again",
			Message: "The session store did not answer. Try again in a moment."})
	}
}

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// page is what page.html shows.
type page struct {
	View    string // "login", "profile" or "error"; the body's id is View + "-page"
	Title   string
	Error   string   // login: what was wrong with the form
	Profile *profile // profile: the session
	Message string   // error: what happened
}

func (a *app) render(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The pages show the session: keep them out of shared caches.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	data := struct {
		page
		Mode string
	}{p, a.cfg.storeName()}
	if err := pageTemplate.Execute(w, data); err != nil {
		a.cfg.Logger.Warn("writing the page", "error", err)
	}
}
