package session

import (
	"errors"
	"log/slog"
	"net/http"
)

// Legacy describes the session cookie of the system a service moves off
// (gorilla/sessions, Flask, Rails, itsdangerous, another sesstool keyring,
// …), so that its users stay logged in through the move: see
// [Manager.AcceptLegacy].
type Legacy[T any] struct {
	// Cookie is the old cookie's name. It may be the Manager's own cookie
	// name (Options.Name), when the new cookie replaces the old one in
	// place.
	Cookie string
	// Path and Domain are the old cookie's attributes, with which it is
	// expired once replaced; a browser keeps a cookie of another Path or
	// Domain. Empty Path means "/".
	Path, Domain string
	// Open verifies the old cookie's value and returns its session. Any
	// error means the request carries no session (the cookie is forged,
	// expired, or no longer decodes). Package format opens the cookies of
	// other frameworks under a keyring: a format.Opener's Open, or
	// OpenCookie for the formats that bind the cookie's name, then a
	// conversion of Opened.JSON to T.
	Open func(name, value string) (T, error)
}

// legacy is a Manager's Legacy, with its expiring Set-Cookie line.
type legacy[T any] struct {
	Legacy[T]
	expire string // Set-Cookie line that drops the old cookie; "" when it is the Manager's own
}

// AcceptLegacy makes the Manager read the old cookie l describes when a
// request carries no session of its own: Load opens it with l.Open and, if
// it holds a session, begins a native one with its value (as Renew does:
// a new ID server side), which the response carries, and expires the old
// cookie. From then on the client sends the new cookie, and the old one
// is gone: a service moves off its old session format in one deploy,
// without logging anyone out.
//
// The old cookie is expired in every response that sets or clears the
// Manager's session (Save, Renew, Clear, a re-issue), so that a log-out,
// or a log-in as someone else, is never undone by the old cookie coming
// back. A request whose response has started keeps its old cookie until
// the next one.
//
// Call AcceptLegacy once, before the Manager serves requests. It is not
// for sessions carried in a header (Options.Header).
func (m *Manager[T]) AcceptLegacy(l Legacy[T]) error {
	switch {
	case m.o.Header:
		return errors.New("session: AcceptLegacy reads an old cookie, and this Manager carries sessions in a header")
	case !validName(l.Cookie):
		return errors.New("session: Legacy.Cookie is not a valid cookie name")
	case l.Open == nil:
		return errors.New("session: Legacy.Open is nil")
	case m.legacy != nil:
		return errors.New("session: AcceptLegacy was called already")
	}
	lg := &legacy[T]{Legacy: l}
	if l.Path == "" {
		lg.Path = "/"
	}
	if l.Cookie != m.name {
		lg.expire = (&http.Cookie{Name: l.Cookie, Path: lg.Path, Domain: l.Domain, MaxAge: -1,
			Secure: !m.o.Insecure, HttpOnly: true, SameSite: m.o.SameSite}).String()
	}
	m.legacy = lg
	return nil
}

// loadLegacy is Load for a request that carries no session of the
// Manager's own: it opens the old cookie, if any, and begins a native
// session with its value.
func (m *Manager[T]) loadLegacy(r *http.Request, st *state[T]) (v T, ok bool) {
	l := m.legacy
	if st.legacyTried || st.cleared {
		return v, false
	}
	st.legacyTried = true
	value, found := requestCookie(r, l.Cookie)
	if !found || value == "" {
		return v, false
	}
	v, err := l.Open(l.Cookie, value)
	if err != nil {
		return *new(T), false
	}
	if !st.w.started {
		if err := m.mode.save(r, st, v, true, !m.o.BrowserSession); err != nil {
			// The old cookie stays; the next request tries again.
			m.logger.LogAttrs(r.Context(), slog.LevelWarn, "session: could not re-issue a session read from the old cookie; it is served from the old cookie this time",
				slog.String("session", m.o.Name), slog.String("legacy", l.Cookie), slog.String("error", err.Error()))
		}
	}
	return v, true
}

// expireLegacy adds the old cookie's expiry to a response that sets or
// clears the Manager's session, when the request carried the old cookie.
func (m *Manager[T]) expireLegacy(r *http.Request, st *requestState) {
	if m.legacy == nil || m.legacy.expire == "" {
		return
	}
	if _, found := requestCookie(r, m.legacy.Cookie); found {
		st.legacyExpire = m.legacy.expire
	}
}
