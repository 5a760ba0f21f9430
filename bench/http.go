package bench

import (
	"encoding/gob"
	"net/http"
	"os"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gorilla/sessions"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/session"
)

// An HTTPSystem serves one request path through a session library: its
// middleware (where it has one), then a handler that loads the request's
// session and saves it back. Handler answers
//
//   - 200 after loading the workload's Session from the request's cookie and
//     saving it back (the measured path);
//   - 201 after beginning a session holding Value, for a request that
//     carried none (the log-in that makes the first cookie);
//   - 500 on any error, or when the loaded session is not Value.
//
// Every system stores the whole Session value under one key, sends the
// cookie with the same attributes (Path=/, Secure, HttpOnly, SameSite=Lax, a
// persistent Max-Age) and keeps a session for 1 h after its last request.
type HTTPSystem struct {
	// Name is the benchmark's sub-test name (see System.Name).
	Name string
	// Kind is "sesstool", "peer" or "baseline".
	Kind string
	// Mode is "client" (the value travels in the cookie), "server" (the
	// cookie carries an ID) or "" for the baseline.
	Mode string
	// Handler is the whole stack, middleware included.
	Handler http.Handler
	// Close releases what the system holds (a temporary directory, a
	// cleanup goroutine). It may be nil.
	Close func()
}

// The HTTP rows' parameters.
const (
	// CookieName is every system's cookie name.
	CookieName = "session"
	// sessionKey is the key under which the map-based peers store the
	// value.
	sessionKey = "s"
)

func init() {
	// gorilla/sessions and scs store values in a map of interfaces, gob
	// encoded by default: a struct stored there must be registered.
	gob.Register(Session{})
}

// HTTPSystems returns every HTTP row, built afresh, in report order. The
// caller must call Close on each. It panics if one cannot be built.
func HTTPSystems() []HTTPSystem {
	return []HTTPSystem{
		baselineHTTP(),
		sesstoolClientHTTP(),
		gorillaCookieHTTP(),
		sesstoolServerHTTP(),
		scsHTTP(),
		gorillaFilesystemHTTP(),
	}
}

// baselineHTTP answers 200 and touches no session: what the harness itself
// costs (copying the request, the response writer), for every row alike.
func baselineHTTP() HTTPSystem {
	return HTTPSystem{
		Name: "baseline-no-session",
		Kind: "baseline",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
		}),
	}
}

// sesstoolHandler is the handler behind sesstool's Middleware: Load, then
// Save of the loaded value, or Renew at "log-in".
func sesstoolHandler(m *session.Manager[Session]) http.Handler {
	return m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok, err := m.Load(r)
		switch {
		case err != nil:
			w.WriteHeader(http.StatusInternalServerError)
			return
		case !ok:
			if err := m.Renew(w, r, Value); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusCreated)
			return
		case v.UserID != Value.UserID:
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if err := m.Save(w, r, v); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
}

// sesstoolClientHTTP is session.NewClientSide with the default suite
// (XChaCha20-Poly1305) and codec (JSON), a ring from keyring.Generate, idle
// timeout 1 h. Save seals a new token and sets the cookie every time.
func sesstoolClientHTTP() HTTPSystem {
	ring := must(keyring.Generate(keyring.Default, time.Now()))
	m := must(session.NewClientSide[Session](ring, &session.Options{Name: CookieName, IdleTimeout: TTL}))
	return HTTPSystem{Name: "sesstool-client", Kind: "sesstool", Mode: "client", Handler: sesstoolHandler(m)}
}

// sesstoolServerHTTP is session.New over a MemoryStore, JSON, idle timeout
// 1 h. Save of a loaded session is a store Update of the re-encoded value,
// with no Set-Cookie (the ID has not changed); Load touches the store at
// most once per TouchInterval (6 min here), so never in the timed loop.
func sesstoolServerHTTP() HTTPSystem {
	m := must(session.New[Session](session.NewMemoryStore(nil), &session.Options{Name: CookieName, IdleTimeout: TTL}))
	return HTTPSystem{Name: "sesstool-server", Kind: "sesstool", Mode: "server", Handler: sesstoolHandler(m)}
}

// gorillaOptions are the cookie attributes of the gorilla rows, set to
// sesstool's defaults (gorilla's own are SameSite=None and no HttpOnly).
func gorillaOptions() *sessions.Options {
	return &sessions.Options{Path: "/", MaxAge: int(TTL / time.Second), Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// gorillaHandler loads the session named CookieName from store with
// store.Get and saves it with Session.Save. gorilla/sessions has no
// middleware (since v1.2 its registry lives in the request's context).
func gorillaHandler(store sessions.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Get returns a new session along with the error when the
		// cookie does not decode (forged, expired): that is a log-in.
		s, err := store.Get(r, CookieName)
		if s == nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		code := http.StatusOK
		v, ok := s.Values[sessionKey].(Session)
		switch {
		case err != nil || s.IsNew || !ok:
			v, code = Value, http.StatusCreated
		case v.UserID != Value.UserID:
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		s.Values[sessionKey] = v
		if err := s.Save(r, w); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(code)
	})
}

// gorillaCookieHTTP is gorilla/sessions' CookieStore with a hash key (Key1,
// HMAC-SHA256) and a block key (Key2, AES-256-CTR), its default gob
// encoding, MaxAge 1 h. Save encodes and sets the cookie every time.
func gorillaCookieHTTP() HTTPSystem {
	store := sessions.NewCookieStore(Key1, Key2)
	store.Options = gorillaOptions()
	store.MaxAge(store.Options.MaxAge)
	return HTTPSystem{Name: "gorilla-cookie", Kind: "peer", Mode: "client", Handler: gorillaHandler(store)}
}

// gorillaFilesystemHTTP is gorilla/sessions' FilesystemStore in a new
// temporary directory, with the same keys: the cookie carries the session's
// ID, encoded (signed and encrypted) by securecookie; the file holds the
// values, gob-encoded and encoded by securecookie again. Save rewrites the
// file and sets the cookie every time.
func gorillaFilesystemHTTP() HTTPSystem {
	dir := must(os.MkdirTemp("", "bench-gorilla-fs-"))
	store := sessions.NewFilesystemStore(dir, Key1, Key2)
	store.Options = gorillaOptions()
	store.MaxAge(store.Options.MaxAge)
	return HTTPSystem{
		Name: "gorilla-filesystem", Kind: "peer", Mode: "server", Handler: gorillaHandler(store),
		Close: func() { os.RemoveAll(dir) },
	}
}

// scsHTTP is alexedwards/scs/v2 with its memstore and its default gob codec,
// through LoadAndSave; the handler reads with Get and writes with Put.
// IdleTimeout 1 h and Lifetime 24 h, as sesstool's rows. With an idle
// timeout scs commits every loaded session (a new gob encoding into the
// store) and sets the cookie on every response; the Put would make it do so
// anyway.
func scsHTTP() HTTPSystem {
	store := memstore.New()
	sm := scs.New()
	sm.Store = store
	sm.Lifetime = 24 * time.Hour
	sm.IdleTimeout = TTL
	sm.Cookie.Name = CookieName
	sm.Cookie.Secure = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		code := http.StatusOK
		v, ok := sm.Get(ctx, sessionKey).(Session)
		switch {
		case !ok:
			if err := sm.RenewToken(ctx); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			v, code = Value, http.StatusCreated
		case v.UserID != Value.UserID:
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		sm.Put(ctx, sessionKey, v)
		w.WriteHeader(code)
	})
	return HTTPSystem{
		Name: "scs-memstore", Kind: "peer", Mode: "server", Handler: sm.LoadAndSave(h),
		Close: store.StopCleanup,
	}
}
