package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/transform"
)

// Defaults of Options.
const (
	DefaultName        = "session"
	DefaultTTL         = 30 * time.Minute
	DefaultMaxDataSize = 64 << 10
	// maxTransportValue bounds the cookie or header value read, before any
	// decoding: a transformed ID is a few hundred bytes at most.
	maxTransportValue = 4096
)

// Options configure a Manager. The zero value is usable: a cookie named
// "session" (Secure, HttpOnly, SameSite=Lax, Path=/), sessions that live 30
// minutes after their last Save, JSON data.
type Options struct {
	// Name is the name of the cookie, or of the header, that carries the
	// session ID. Empty means DefaultName.
	Name string
	// Header carries the ID in a request header and a response header
	// named Name instead of a cookie, as Ktor's header transport does: for
	// API clients that keep the ID themselves.
	Header bool
	// TTL is how long a session lives after its last Save or Renew; it is
	// also the cookie's Max-Age. Zero means DefaultTTL.
	TTL time.Duration
	// Codec encodes session values for the store. Nil means codec.JSON.
	// ktor.KotlinxJSON stores what Ktor ≥ 3.0.0 stores.
	Codec codec.Codec
	// Transformer, if not nil, transforms the ID on its way to the client
	// and back, as Ktor's transport transformers do: with
	// ktor.NewMessageAuthentication the cookie carries "<id>/<hmac>", so a
	// forged ID is rejected before the store is asked. In a cookie the
	// result is URI-encoded as Ktor encodes it; in a header it is sent as
	// it is.
	Transformer transform.Transformer
	// Path and Domain are the cookie's attributes. Empty Path means "/".
	Path, Domain string
	// Insecure leaves the Secure attribute off the cookie, for development
	// over plain HTTP on a host other than localhost (browsers send Secure
	// cookies to http://localhost). Never set it in production.
	Insecure bool
	// SameSite is the cookie's SameSite attribute. Zero means
	// http.SameSiteLaxMode.
	SameSite http.SameSite
	// MaxDataSize bounds a session's encoded data. Zero means
	// DefaultMaxDataSize.
	MaxDataSize int
}

// Manager keeps sessions of type T on the server, in a Store, and their IDs
// on the client, in a cookie or a header. It is safe for concurrent use.
//
// Handlers call Load to read the request's session, Save to store one
// (which issues an ID if the request has none), Renew to move it to a new
// ID, and Clear to end it. Save, Renew and Clear set response headers, so
// they must come before the handler writes its response. Wrap the handler
// with Middleware when one request may call more than one of them: it
// makes the ID that Save or Renew issued the one that later calls use.
type Manager[T any] struct {
	store Store
	o     Options
}

// New returns a Manager of sessions of type T in store. o may be nil.
func New[T any](store Store, o *Options) (*Manager[T], error) {
	if store == nil {
		return nil, errors.New("session: New needs a Store")
	}
	m := &Manager[T]{store: store}
	if o != nil {
		m.o = *o
	}
	if m.o.Name == "" {
		m.o.Name = DefaultName
	}
	if m.o.TTL == 0 {
		m.o.TTL = DefaultTTL
	}
	if m.o.Codec == nil {
		m.o.Codec = codec.JSON
	}
	if m.o.Path == "" {
		m.o.Path = "/"
	}
	if m.o.SameSite == 0 {
		m.o.SameSite = http.SameSiteLaxMode
	}
	if m.o.MaxDataSize == 0 {
		m.o.MaxDataSize = DefaultMaxDataSize
	}
	switch {
	case m.o.TTL < MinTTL:
		return nil, fmt.Errorf("session: TTL %v is shorter than %v", m.o.TTL, MinTTL)
	case m.o.MaxDataSize < 0:
		return nil, fmt.Errorf("session: MaxDataSize %d is negative", m.o.MaxDataSize)
	case !validName(m.o.Name):
		return nil, fmt.Errorf("session: %q is not a valid cookie or header name: use letters, digits and !#$%%&'*+-.^_`|~", m.o.Name)
	}
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

// Load returns the request's session. ok is false when the request
// carries no session ID, or one that is malformed, fails the Transformer,
// or names no live session in the store: the client has no session, and
// that is no error. err is set only when the store fails or the stored
// data does not decode.
func (m *Manager[T]) Load(r *http.Request) (v T, ok bool, err error) {
	id := m.currentID(r)
	if id == "" {
		return v, false, nil
	}
	data, err := m.store.Load(r.Context(), id)
	switch {
	case errors.Is(err, ErrNotFound):
		return v, false, nil
	case err != nil:
		return v, false, fmt.Errorf("session: failed to load the session: %w", err)
	case len(data) > m.o.MaxDataSize:
		return v, false, fmt.Errorf("%w: the store holds %d bytes; the limit is %d", ErrTooLarge, len(data), m.o.MaxDataSize)
	}
	if err := m.o.Codec.Unmarshal(data, &v); err != nil {
		var zero T
		return zero, false, fmt.Errorf("session: the stored session does not decode with codec %s: %w", m.o.Codec.Name(), err)
	}
	if st := stateOf(r, m); st != nil {
		st.loaded = id
	}
	return v, true, nil
}

// Save stores v as the request's session, valid for Options.TTL from now.
// A request whose ID names a live session keeps it (and its cookie's
// Max-Age is refreshed); any other request gets a new ID, sent in the
// response. An ID that the client made up is never adopted, so an attacker
// cannot choose a victim's ID; still, call Renew at log-in.
func (m *Manager[T]) Save(w http.ResponseWriter, r *http.Request, v T) error {
	id, err := m.liveID(r)
	if err != nil {
		return err
	}
	if id == "" {
		id = NewID()
	}
	return m.saveAs(w, r, id, v)
}

// liveID returns the request's session ID if it names a live session in
// the store (or was issued earlier in this request), else "".
func (m *Manager[T]) liveID(r *http.Request) (string, error) {
	st := stateOf(r, m)
	if st != nil && st.set {
		return st.id, nil
	}
	id := m.currentID(r)
	if id == "" || (st != nil && st.loaded == id) {
		return id, nil
	}
	switch _, err := m.store.Load(r.Context(), id); {
	case errors.Is(err, ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("session: failed to look the session up: %w", err)
	}
	return id, nil
}

// Renew stores v under a new session ID, deletes the request's old
// session, and sends the new ID. Call it whenever the session's privileges
// change, above all at log-in: an ID that an attacker planted or saw before
// then (session fixation) stops working.
func (m *Manager[T]) Renew(w http.ResponseWriter, r *http.Request, v T) error {
	old := m.currentID(r)
	if err := m.saveAs(w, r, NewID(), v); err != nil {
		return err
	}
	if old != "" {
		if err := m.store.Delete(r.Context(), old); err != nil {
			return fmt.Errorf("session: saved the session under a new ID, but failed to delete the old one: %w", err)
		}
	}
	return nil
}

// Clear deletes the request's session from the store and, for a cookie,
// tells the browser to drop it. A header-carried ID cannot be recalled; it
// simply names no session any more.
func (m *Manager[T]) Clear(w http.ResponseWriter, r *http.Request) error {
	id := m.currentID(r)
	if st := stateOf(r, m); st != nil {
		st.id, st.set = "", true
	}
	if !m.o.Header {
		http.SetCookie(w, m.cookie("", -1))
	}
	if id == "" {
		return nil
	}
	if err := m.store.Delete(r.Context(), id); err != nil {
		return fmt.Errorf("session: failed to delete the session: %w", err)
	}
	return nil
}

// saveAs encodes v, stores it under id and sends id.
func (m *Manager[T]) saveAs(w http.ResponseWriter, r *http.Request, id string, v T) error {
	data, err := m.o.Codec.Marshal(v)
	if err != nil {
		return fmt.Errorf("session: failed to encode the session with codec %s: %w", m.o.Codec.Name(), err)
	}
	if len(data) > m.o.MaxDataSize {
		return fmt.Errorf("%w: %d bytes encoded; the limit is %d", ErrTooLarge, len(data), m.o.MaxDataSize)
	}
	value, err := m.encodeID(id)
	if err != nil {
		return err
	}
	if err := m.store.Save(r.Context(), id, data, m.o.TTL); err != nil {
		return fmt.Errorf("session: failed to save the session: %w", err)
	}
	if st := stateOf(r, m); st != nil {
		st.id, st.set = id, true
	}
	if m.o.Header {
		w.Header().Set(m.o.Name, value)
	} else {
		http.SetCookie(w, m.cookie(value, int(m.o.TTL/time.Second)))
	}
	return nil
}

func (m *Manager[T]) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     m.o.Name,
		Value:    value,
		Path:     m.o.Path,
		Domain:   m.o.Domain,
		MaxAge:   maxAge,
		Secure:   !m.o.Insecure,
		HttpOnly: true,
		SameSite: m.o.SameSite,
	}
}

// encodeID returns what the client carries for id.
func (m *Manager[T]) encodeID(id string) (string, error) {
	if m.o.Transformer == nil {
		return id, nil
	}
	value := string(m.o.Transformer.Write(nil, []byte(id)))
	if m.o.Header {
		return value, nil
	}
	enc, err := ktor.EncodeCookieValue(value, ktor.URIEncoding)
	if err != nil {
		return "", fmt.Errorf("session: the transformed ID cannot be put in a cookie: %w", err)
	}
	return enc, nil
}

// currentID returns the session ID that the request carries, or that an
// earlier Save, Renew or Clear in the same request (under Middleware) set;
// "" if there is none or it is not valid.
func (m *Manager[T]) currentID(r *http.Request) string {
	if st := stateOf(r, m); st != nil && st.set {
		return st.id
	}
	var value string
	if m.o.Header {
		value = r.Header.Get(m.o.Name)
	} else if c, err := r.Cookie(m.o.Name); err == nil {
		value = c.Value
	}
	if value == "" || len(value) > maxTransportValue {
		return ""
	}
	if m.o.Transformer != nil {
		if !m.o.Header {
			dec, err := ktor.DecodeCookieValue(value, ktor.URIEncoding)
			if err != nil {
				return ""
			}
			value = dec
		}
		id, err := m.o.Transformer.Read(nil, []byte(value))
		if err != nil {
			return ""
		}
		value = string(id)
	}
	if !ValidID(value) {
		return ""
	}
	return value
}

// requestState is what Middleware keeps for one request: the ID that Save,
// Renew or Clear set (set is true once one of them ran).
type requestState struct {
	id     string
	set    bool
	loaded string // the ID whose session Load found, if it did
}

// Middleware returns next wrapped so that, within one request, the ID that
// Save or Renew issued (or Clear removed) is the one that later Load, Save,
// Renew and Clear calls see, instead of the one the request came with.
func (m *Manager[T]) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), m, &requestState{})))
	})
}

func stateOf[T any](r *http.Request, m *Manager[T]) *requestState {
	st, _ := r.Context().Value(m).(*requestState)
	return st
}
