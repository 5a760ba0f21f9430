package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/transform"
)

// Defaults of Options.
const (
	DefaultName        = "session"
	DefaultIdleTimeout = 30 * time.Minute
	DefaultLifetime    = 24 * time.Hour
	DefaultMaxDataSize = 64 << 10
	// maxTransportValue bounds a server-side session's cookie or header
	// value read, before any decoding: a transformed ID is a few hundred
	// bytes at most.
	maxTransportValue = 4096
	// MaxCookieSize is the most bytes a cookie may take, its name, value
	// and attributes together, as Set-Cookie renders them: RFC 6265 §6.1
	// asks browsers for at least 4096, and most drop a larger cookie
	// silently.
	MaxCookieSize = 4096
	// MaxChunks is the most cookies Options.Chunks may spread a
	// client-side session over.
	MaxChunks = 16
)

// Errors of the Manager.
var (
	// ErrEnded is returned by Save when the session that the request
	// loaded was ended (by Clear or Renew in another request, or by
	// expiry) before Save could store it. Nothing was stored: the user is
	// logged out, and the handler should answer as it does to a request
	// without a session.
	ErrEnded = errors.New("session: the session ended while this request used it")
	// ErrNoMiddleware is returned by Load, Save, Renew and Clear for a
	// request that did not pass through the Manager's Middleware.
	ErrNoMiddleware = errors.New("session: the request did not pass through the Manager's Middleware; wrap the handler with Manager.Middleware")
	// ErrResponseStarted is returned by Save, Renew and Clear once the
	// handler has begun writing the response: the cookie or header can no
	// longer be sent. Call them before writing.
	ErrResponseStarted = errors.New("session: the response has already been written; save, renew or clear the session before writing it")
)

// Options configure a Manager; the same Options serve both modes, and a
// field that only one mode uses says so. The zero value is usable: a cookie
// named "session" (Secure, HttpOnly, SameSite=Lax, Path=/), sessions that end
// after 30 minutes without a request and 24 hours after log-in at the
// latest, JSON data.
type Options struct {
	// Name is the name of the cookie, or of the header, that carries the
	// session. Empty means DefaultName.
	Name string
	// Header carries the session in a request header and a response
	// header named Name instead of a cookie, as Ktor's header transport
	// does: for API clients that keep it themselves.
	Header bool
	// IdleTimeout ends a session that long after its last request. Zero
	// means DefaultIdleTimeout; it must be at least MinTTL.
	//
	// Server side, each Load that comes at least TouchInterval after the
	// last write to the store pushes the end back (one store write), and
	// Save does too. Client side, the token expires IdleTimeout after it
	// was sealed, and Load re-issues it (through Middleware) once half of
	// that has passed.
	IdleTimeout time.Duration
	// Lifetime is the absolute limit: a session never lives longer than
	// this after it began (its first Save, or its last Renew), however
	// active. Zero means DefaultLifetime; it must be at least
	// IdleTimeout. Not enforced with RawStore, nor for Ktor by-value
	// cookies, which cannot carry their start.
	Lifetime time.Duration
	// TouchInterval is, server side, the least time between two writes to
	// the store that only push the idle end back, so that a busy session
	// costs at most one write per interval. Zero means IdleTimeout/10
	// (at least one second). The idle end may come up to TouchInterval
	// early. Client side, the interval is half the IdleTimeout and this
	// field is not used.
	TouchInterval time.Duration
	// BrowserSession makes cookies browser-session cookies (no Max-Age:
	// the browser forgets them when it closes) unless a session was begun
	// with RenewOptions.Remember; by default cookies persist until the
	// session's end. Remember-me per session: see RenewWith.
	BrowserSession bool
	// Codec encodes session values. Nil means codec.JSON(). ktor.KotlinxJSON
	// stores what Ktor ≥ 3.0.0 stores.
	Codec codec.Codec
	// IgnoreUnknownFields decodes stored sessions and cookies even when
	// they hold fields that T no longer has, so that a deploy that removes
	// a field keeps everyone logged in. Without it such a session is
	// dropped (the user logs in again) and reported to Logger.
	IgnoreUnknownFields bool
	// Logger receives the sessions dropped because they no longer decode
	// (never their IDs or contents). Nil means slog.Default().
	Logger *slog.Logger
	// Path and Domain are the cookie's attributes. Empty Path means "/".
	Path, Domain string
	// Insecure leaves the Secure attribute off the cookie, for development
	// over plain HTTP on a host other than localhost (browsers send Secure
	// cookies to http://localhost). Never set it in production.
	Insecure bool
	// SameSite is the cookie's SameSite attribute. Zero means
	// http.SameSiteLaxMode.
	SameSite http.SameSite
	// HostPrefix names the cookie "__Host-" + Name, which browsers accept
	// only when it is Secure, has Path=/ and no Domain: a sibling
	// subdomain or a plain-HTTP page can then neither set nor overwrite
	// it. It needs Insecure false, Path "/" or empty, and Domain empty.
	HostPrefix bool
	// MaxDataSize bounds a session's encoded data. Zero means
	// DefaultMaxDataSize.
	MaxDataSize int

	// Transformer, server side only, transforms the ID on its way to the
	// client and back, as Ktor's transport transformers do: with
	// ktor.NewMessageAuthentication the cookie carries "<id>/<hmac>", so a
	// forged ID is rejected before the store is asked. In a cookie the
	// result is URI-encoded as Ktor encodes it; in a header it is sent as
	// it is.
	Transformer transform.Transformer
	// RawStore, server side only, stores the encoded value alone, as Ktor
	// does, instead of with the session's start and last write: for a
	// store shared with a Ktor service. Lifetime is then not enforced,
	// sessions end IdleTimeout after their last Save (Load does not
	// touch), and a session's cookie persists unless BrowserSession is set.
	RawStore bool

	// Purpose, client side with native tokens only, is bound to every
	// token (see token.Options.Purpose). Empty means "session:" + Name, so
	// that two Managers on one keyring never take each other's cookies.
	Purpose string
	// Chunks, client side only, lets a session too large for one cookie
	// spread over up to Chunks cookies, named Name, Name.1, Name.2, …;
	// they open only together, as one token. Zero or one means one cookie,
	// and Save refuses a larger session with ErrTooLarge. At most
	// MaxChunks.
	Chunks int
	// Leeway, client side with native tokens only, is the clock skew
	// tolerated between the servers that share a keyring.
	Leeway time.Duration

	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// RenewOptions are the per-session choices made when a session begins.
type RenewOptions struct {
	// Remember makes the session's cookie persistent ("remember me") when
	// true, and a browser-session cookie when false, whatever
	// Options.BrowserSession says.
	Remember bool
}

// Manager keeps sessions of type T: on the server, in a Store, with only a
// random ID on the client (New); or on the client, sealed into the cookie
// or header itself (NewClientSide, NewKtorClientSide). Handlers use the same
// methods in both modes. It is safe for concurrent use.
//
// Every request must pass through Middleware. Handlers call Load to read the
// request's session, Save to store one, Renew to begin one (at log-in) and
// Clear to end it (at log-out). Save, Renew and Clear set response headers,
// so they must come before the handler writes its response.
type Manager[T any] struct {
	o      Options
	name   string // the cookie's or header's name, with the prefix
	codec  codec.Codec
	mode   mode[T]
	logger *slog.Logger
	legacy *legacy[T] // AcceptLegacy
}

// mode is what differs between server-side and client-side sessions.
type mode[T any] interface {
	// load reads the request's session into st; ok is false when there is
	// none.
	// The value goes to st.env.V.
	load(r *http.Request, st *state[T]) (ok bool, err error)
	// save stores v as the request's session, beginning a new one when
	// begin is set (Renew).
	save(r *http.Request, st *state[T], v T, begin bool, remember bool) error
	// clear ends the request's session.
	clear(r *http.Request, st *state[T]) error
}

// newManager checks and completes o, for both modes.
func newManager[T any](o *Options) (*Manager[T], error) {
	m := &Manager[T]{}
	if o != nil {
		m.o = *o
	}
	p := &m.o
	if p.Name == "" {
		p.Name = DefaultName
	}
	if p.IdleTimeout == 0 {
		p.IdleTimeout = DefaultIdleTimeout
	}
	if p.Lifetime == 0 {
		p.Lifetime = max(DefaultLifetime, p.IdleTimeout)
	}
	if p.TouchInterval == 0 {
		p.TouchInterval = max(p.IdleTimeout/10, time.Second)
	}
	if p.Codec == nil {
		p.Codec = codec.JSON()
	}
	if p.Path == "" {
		p.Path = "/"
	}
	if p.SameSite == 0 {
		p.SameSite = http.SameSiteLaxMode
	}
	if p.MaxDataSize == 0 {
		p.MaxDataSize = DefaultMaxDataSize
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	switch {
	case p.IdleTimeout < MinTTL:
		return nil, fmt.Errorf("session: IdleTimeout %v is shorter than %v", p.IdleTimeout, MinTTL)
	case p.Lifetime < p.IdleTimeout:
		return nil, fmt.Errorf("session: Lifetime %v is shorter than IdleTimeout %v; make it at least as long", p.Lifetime, p.IdleTimeout)
	case p.TouchInterval < 0 || p.TouchInterval > p.IdleTimeout:
		return nil, fmt.Errorf("session: TouchInterval %v is not between 0 and IdleTimeout %v", p.TouchInterval, p.IdleTimeout)
	case p.MaxDataSize < 0:
		return nil, fmt.Errorf("session: MaxDataSize %d is negative", p.MaxDataSize)
	case p.Chunks < 0 || p.Chunks > MaxChunks:
		return nil, fmt.Errorf("session: Chunks %d is not between 0 and %d", p.Chunks, MaxChunks)
	case p.Leeway < 0:
		return nil, fmt.Errorf("session: Leeway %v is negative", p.Leeway)
	case !validName(p.Name):
		return nil, fmt.Errorf("session: %q is not a valid cookie or header name: use letters, digits and !#$%%&'*+-.^_`|~", p.Name)
	case p.HostPrefix && p.Header:
		return nil, errors.New("session: HostPrefix applies to cookies; remove it, or Header")
	case p.HostPrefix && (p.Insecure || p.Path != "/" || p.Domain != ""):
		return nil, errors.New("session: HostPrefix needs a Secure cookie with Path=/ and no Domain (browsers reject a __Host- cookie otherwise); unset Insecure, Path and Domain")
	}
	if p.IgnoreUnknownFields {
		c, err := codec.IgnoreUnknownFields(p.Codec)
		if err != nil {
			return nil, fmt.Errorf("session: IgnoreUnknownFields: %w", err)
		}
		p.Codec = c
	}
	m.name = p.Name
	if p.HostPrefix {
		m.name = "__Host-" + p.Name
	}
	m.codec, m.logger = p.Codec, p.Logger
	return m, nil
}

// validName reports whether s is an HTTP token (RFC 9110), which both a
// cookie name and a header name must be.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Load returns the request's session. ok is false when the request has
// none: it carries nothing, or something malformed, forged, expired or
// ended, or a session that no longer decodes as T (reported to
// Options.Logger). That is no error: err is set only when the store fails
// (answer 503), or when the request did not pass through Middleware.
//
// Client side, Load re-issues the session, through Middleware, when half
// its idle time has passed or a key other than the primary sealed it.
// Server side, it pushes the session's idle end back in the store at most
// once per TouchInterval.
func (m *Manager[T]) Load(r *http.Request) (v T, ok bool, err error) {
	st := m.state(r)
	if st == nil {
		return v, false, ErrNoMiddleware
	}
	if st.cleared {
		return v, false, nil
	}
	if ok, err = m.mode.load(r, st); !ok {
		if err == nil && m.legacy != nil {
			v, ok = m.loadLegacy(r, st)
		}
		return v, ok, err
	}
	return st.env.V, true, nil
}

// Save stores v as the request's session. A request with a live session
// keeps it: its idle end moves back (its absolute end stays). Any other
// request begins a new session, under a new server-side ID. An ID that the
// client made up is never adopted, so an attacker cannot choose a victim's
// ID; still, call Renew at log-in.
//
// If the session that the request loaded has ended meanwhile (another
// request cleared or renewed it), Save stores nothing and returns an error
// wrapping ErrEnded: a log-out holds against requests already under way.
func (m *Manager[T]) Save(w http.ResponseWriter, r *http.Request, v T) error {
	st, err := m.writable(r)
	if err != nil {
		return err
	}
	return m.mode.save(r, st, v, false, !m.o.BrowserSession)
}

// Renew begins a new session holding v: a new ID server side (the old
// session is deleted), a new start for the absolute Lifetime in both modes.
// Call it whenever the session's privileges change, above all at log-in:
// an ID that an attacker planted or saw before then (session fixation)
// stops working. The cookie persists unless Options.BrowserSession is set;
// RenewWith chooses per session.
func (m *Manager[T]) Renew(w http.ResponseWriter, r *http.Request, v T) error {
	return m.RenewWith(w, r, v, RenewOptions{Remember: !m.o.BrowserSession})
}

// RenewWith is Renew with per-session choices: o.Remember makes the cookie
// persistent ("remember me") or a browser-session cookie, for the whole
// life of the session.
func (m *Manager[T]) RenewWith(w http.ResponseWriter, r *http.Request, v T, o RenewOptions) error {
	st, err := m.writable(r)
	if err != nil {
		return err
	}
	return m.mode.save(r, st, v, true, o.Remember)
}

// Clear ends the request's session: server side it is deleted from the
// store, so it ends everywhere at once, and no request that loaded it can
// bring it back; client side the browser is told to drop the cookie, but a
// copy kept elsewhere stays valid until it expires (see the package doc).
// A header-carried session cannot be recalled from the client; server side
// it simply names no session any more.
func (m *Manager[T]) Clear(w http.ResponseWriter, r *http.Request) error {
	st, err := m.writable(r)
	if err != nil {
		return err
	}
	st.cleared, st.has, st.pending = true, false, nil
	return m.mode.clear(r, st)
}

// writable returns the request's state, if headers can still be set.
func (m *Manager[T]) writable(r *http.Request) (*state[T], error) {
	st := m.state(r)
	switch {
	case st == nil:
		return nil, ErrNoMiddleware
	case st.w.started:
		return nil, ErrResponseStarted
	}
	return st, nil
}

// dropped reports a session that Load could not decode.
func (m *Manager[T]) dropped(r *http.Request, err error) {
	m.logger.LogAttrs(r.Context(), slog.LevelWarn, "session: dropped a session that no longer decodes; the user must log in again (set Options.IgnoreUnknownFields if a field was removed)",
		slog.String("session", m.o.Name), slog.String("codec", m.codec.Name()), slog.String("error", err.Error()))
}

// now returns the Manager's clock, at one-second resolution, as sessions
// record it.
func (m *Manager[T]) now() time.Time { return m.o.Now().Truncate(time.Second) }

// requestState is what Middleware keeps for one request and Manager. It
// holds the request's responseWriter, so that both take one allocation.
type requestState struct {
	w responseWriter
	// cleared is set by Clear: Load finds no session after it.
	cleared bool
	// id is the server-side session ID in use ("" none), meta its
	// record, and loaded whether id names a session that this request
	// found live (or stored).
	id     string
	meta   meta
	loaded bool
	// pending are the cookies that Middleware sets as the response
	// starts: what Save, Renew or Clear sent, or a client-side session
	// that Load re-issued. The last call wins.
	pending []string // Set-Cookie lines
	header  string   // the header value to send, for Options.Header
	// chunks is the number of chunk cookies (Name.1, …) the request
	// carried, so that Save and Clear can expire those it no longer uses.
	chunks int
	// legacyTried is set once Load has tried the old cookie of
	// AcceptLegacy; legacyExpire is the Set-Cookie line that expires it,
	// sent with the session's own cookies.
	legacyTried  bool
	legacyExpire string
}

// state is a request's requestState with room for the session's value, so
// that decoding it takes no allocation of its own.
type state[T any] struct {
	requestState
	// env.V is the value Load decoded; client side, env is the whole
	// payload of the token.
	env envelope[T]
	// has is set, client side, when env.V holds the session that Load
	// decoded or Save stored in this request, for the Loads after it.
	has bool
}

// meta is what a session records beside its value.
type meta struct {
	created  time.Time // when it began: its first Save, or its last Renew
	touched  time.Time // server side: the last write to the store
	remember bool      // a persistent cookie
}

// Middleware returns next wrapped so that the Manager can keep per-request
// state (what Load found, what Save stored) and add the headers of a
// re-issued session before the response starts. Managers of several
// sessions compose: a.Middleware(b.Middleware(mux)).
func (m *Manager[T]) Middleware(next http.Handler) http.Handler {
	flush := m.flush // one method value for every request
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state[T]{}
		st.w = responseWriter{ResponseWriter: w, before: flush, st: &st.requestState}
		m.expireLegacy(r, &st.requestState)
		next.ServeHTTP(&st.w, r.WithContext(context.WithValue(r.Context(), m, st)))
		st.w.start()
	})
}

// flush adds the headers that Load left pending.
func (m *Manager[T]) flush(w http.ResponseWriter, st *requestState) {
	if st.header != "" {
		w.Header().Set(m.name, st.header)
		st.header = ""
	}
	if st.legacyExpire != "" && len(st.pending) > 0 {
		// AcceptLegacy: the old cookie goes with the new one's arrival
		// or the session's end.
		w.Header().Add("Set-Cookie", st.legacyExpire)
	}
	st.legacyExpire = ""
	for _, c := range st.pending {
		if c != "" { // as http.SetCookie does
			w.Header().Add("Set-Cookie", c)
		}
	}
	st.pending = nil
}

func (m *Manager[T]) state(r *http.Request) *state[T] {
	st, _ := r.Context().Value(m).(*state[T])
	return st
}

// responseWriter calls before(ResponseWriter, st) once, just before the
// response starts. Each Middleware wraps the writer in its own.
type responseWriter struct {
	http.ResponseWriter
	before  func(http.ResponseWriter, *requestState)
	st      *requestState
	started bool
}

func (w *responseWriter) start() {
	if w.started {
		return
	}
	w.started = true
	w.before(w.ResponseWriter, w.st)
}

func (w *responseWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.start()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	w.start()
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher, when the underlying writer does.
func (w *responseWriter) Flush() {
	w.start()
	_ = http.NewResponseController(w.ResponseWriter).Flush() // not every writer flushes

}

// Unwrap gives http.ResponseController the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
