package session

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
	"github.com/sesstool/sesstool/transform"
)

// NewClientSide returns a Manager that keeps sessions of type T on the
// client: each is sealed, with its expiry and start, into a sesstool token
// under the primary key of keys' ring, bound to Options.Purpose (by
// default "session:" + Name), and carried in the cookie or header. Nothing
// is kept on the server. o may be nil.
//
// keys is a *keyring.Ring for a fixed ring, or a *keyring.Watcher to
// follow a keyring file: every request then uses its current ring, with no
// restart and no lock (see token.New); set Options.Leeway to at least the
// Watcher's interval plus the time a new keyring takes to reach every
// server.
//
// Tokens sealed under another key of the ring still open, and are
// re-issued under the primary on the response, so keys rotate without
// logging anyone out. A client-side session cannot be revoked before it
// expires: see the package doc for what to do instead.
func NewClientSide[T any](keys keyring.Source, o *Options) (*Manager[T], error) {
	m, err := newManager[T](o)
	if err != nil {
		return nil, err
	}
	if err := clientOnly(&m.o); err != nil {
		return nil, err
	}
	purpose := m.o.Purpose
	if purpose == "" {
		purpose = "session:" + m.o.Name
	}
	minter, err := token.New(keys, &token.Options{
		Purpose: purpose,
		Codec:   m.codec,
		MaxTTL:  m.o.IdleTimeout,
		Leeway:  m.o.Leeway,
		Now:     m.o.Now,
		// Larger than any cookie budget, so that Save's own check, which
		// names the cookie's size, is the one that refuses; Load reads no
		// more than the budget.
		MaxTokenSize: MaxCookieSize * MaxChunks,
	})
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	m.mode = &tokenMode[T]{m: m, minter: minter}
	return m, nil
}

func clientOnly(o *Options) error {
	switch {
	case o.Transformer != nil:
		return errors.New("session: Transformer transforms server-side session IDs; a client-side session is sealed by its keyring (NewClientSide) or its transformer (NewKtorClientSide)")
	case o.RawStore:
		return errors.New("session: RawStore is for server-side sessions (New)")
	}
	return nil
}

// envelope is the payload of a client-side session's token: the value, when
// the session began (for Options.Lifetime) and whether its cookie persists.
type envelope[T any] struct {
	V T     `json:"v" cbor:"1,keyasint"`
	C int64 `json:"c" cbor:"2,keyasint"`
	R bool  `json:"r,omitempty" cbor:"3,keyasint,omitempty"`
}

// tokenMode keeps sessions in sesstool tokens.
type tokenMode[T any] struct {
	m      *Manager[T]
	minter *token.Minter
}

func (c *tokenMode[T]) load(r *http.Request, st *state[T]) (ok bool, err error) {
	if st.has {
		return true, nil
	}
	tok := c.m.readValue(r, &st.requestState, MaxCookieSize*max(1, c.m.o.Chunks))
	if tok == "" {
		return false, nil
	}
	st.env = envelope[T]{} // Unmarshal fills in only what the payload has
	env := &st.env
	claims, err := c.minter.Open(tok, env)
	if err != nil {
		if e, ok := errors.AsType[*token.Error](err); ok && e.Stage == token.StagePayload {
			c.m.dropped(r, err)
		}
		return false, nil
	}
	now := c.m.now()
	md := meta{created: time.Unix(env.C, 0), remember: env.R}
	end := md.created.Add(c.m.o.Lifetime)
	if !now.Before(end) {
		return false, nil
	}
	st.meta, st.has = md, true
	// Re-issue when that moves the expiry by half the idle timeout or
	// more (never on every request, nor near the absolute end), or to move
	// the session to the primary key.
	next := now.Add(c.m.o.IdleTimeout)
	if next.After(end) {
		next = end
	}
	if claims.Rewrap || next.Sub(claims.ExpiresAt) >= c.m.o.IdleTimeout/2 {
		// A session that fitted when it was sealed fits again, unless the
		// Options changed; then it simply is not re-issued.
		_ = c.seal(&st.requestState, env, md, now)
	}
	return true, nil
}

// seal sends env as the response's session.
func (c *tokenMode[T]) seal(st *requestState, env *envelope[T], md meta, now time.Time) error {
	ttl := min(c.m.o.IdleTimeout, md.created.Add(c.m.o.Lifetime).Sub(now))
	if ttl < time.Second {
		return fmt.Errorf("%w: it reached its Lifetime", ErrEnded)
	}
	tok, err := c.minter.Mint(env, ttl)
	if err != nil {
		return fmt.Errorf("session: failed to seal the session: %w", err)
	}
	return c.m.sendValue(st, tok, maxAge(ttl, md.remember))
}

func (c *tokenMode[T]) save(r *http.Request, st *state[T], v T, begin, remember bool) error {
	now := c.m.now()
	if !begin && !st.has && !st.cleared {
		// Saving without a Load: keep the start of the request's session,
		// if it has one.
		if _, err := c.load(r, st); err != nil {
			return err
		}
	}
	md := st.meta
	if begin || !st.has {
		md = meta{created: now, remember: remember}
	}
	if err := c.checkSize(v); err != nil {
		return err
	}
	// Seal from the request's state, which Mint's interface argument
	// would otherwise copy to the heap; put back what was there if
	// sealing fails, for the Loads after.
	old := st.env
	st.env = envelope[T]{V: v, C: md.created.Unix(), R: md.remember}
	if err := c.seal(&st.requestState, &st.env, md, now); err != nil {
		st.env = old
		return err
	}
	st.meta, st.has, st.cleared = md, true, false
	return nil
}

// checkSize applies Options.MaxDataSize to v's encoding.
func (c *tokenMode[T]) checkSize(v T) error {
	if c.m.o.MaxDataSize >= MaxCookieSize*max(1, c.m.o.Chunks) {
		return nil // the cookie's budget is the tighter bound
	}
	data, err := c.m.codec.Marshal(v)
	if err != nil {
		return fmt.Errorf("session: failed to encode the session with codec %s: %w", c.m.codec.Name(), err)
	}
	if len(data) > c.m.o.MaxDataSize {
		return fmt.Errorf("%w: %d bytes encoded; the limit is %d (Options.MaxDataSize)", ErrTooLarge, len(data), c.m.o.MaxDataSize)
	}
	return nil
}

func (c *tokenMode[T]) clear(r *http.Request, st *state[T]) error {
	c.m.dropValue(r, &st.requestState)
	return nil
}

// NewKtorClientSide returns a Manager that reads and writes the by-value
// session cookies of a Ktor service: Ktor's
// cookie<T>(name) { transform(t) }, where t is ktor.NewMessageAuthentication
// (signed), ktor.NewEncrypt, or both chained with transform.Chain (or
// ktor.NewFromKey of a keyring's Ktor key), and
// Options.Codec is the serializer (nil means ktor.KotlinxJSON(), Ktor ≥ 3.0's
// default). o may be nil.
//
// Ktor's cookies carry no expiry and no start: Options.IdleTimeout is only
// the cookie's Max-Age, Lifetime is not enforced, and a copied cookie stays
// valid as long as the key. Use it to share sessions with a Ktor service;
// for sessions only Go reads, NewClientSide seals the expiry in.
func NewKtorClientSide[T any](t transform.Transformer, o *Options) (*Manager[T], error) {
	if t == nil {
		return nil, errors.New("session: NewKtorClientSide needs Ktor's transformer (ktor.NewMessageAuthentication, ktor.NewEncrypt, or both chained)")
	}
	var oc Options
	if o != nil {
		oc = *o
	}
	if oc.Codec == nil {
		oc.Codec = ktor.KotlinxJSON()
	}
	m, err := newManager[T](&oc)
	if err != nil {
		return nil, err
	}
	if err := clientOnly(&m.o); err != nil {
		return nil, err
	}
	switch {
	case m.o.Chunks > 1:
		return nil, errors.New("session: Ktor reads one cookie: Chunks cannot be used with NewKtorClientSide")
	case m.o.Purpose != "" || m.o.Leeway != 0:
		return nil, errors.New("session: a Ktor cookie binds no purpose and carries no expiry: Purpose and Leeway cannot be used with NewKtorClientSide")
	}
	m.mode = &ktorMode[T]{m: m, t: t}
	return m, nil
}

// ktorMode keeps sessions in Ktor's by-value cookies.
type ktorMode[T any] struct {
	m *Manager[T]
	t transform.Transformer
}

func (k *ktorMode[T]) load(r *http.Request, st *state[T]) (ok bool, err error) {
	if st.has {
		return true, nil
	}
	value := k.m.readValue(r, &st.requestState, MaxCookieSize)
	if value == "" {
		return false, nil
	}
	if !k.m.o.Header {
		if value, err = ktor.DecodeCookieValue(value, ktor.URIEncoding); err != nil {
			return false, nil
		}
	}
	data, err := k.t.Read(nil, []byte(value))
	if err != nil || len(data) > k.m.o.MaxDataSize {
		return false, nil
	}
	st.env.V = *new(T)
	if err := k.m.codec.Unmarshal(data, &st.env.V); err != nil {
		k.m.dropped(r, err)
		return false, nil
	}
	st.has = true
	return true, nil
}

func (k *ktorMode[T]) save(r *http.Request, st *state[T], v T, begin, remember bool) error {
	data, err := k.m.codec.Marshal(v)
	if err != nil {
		return fmt.Errorf("session: failed to encode the session with codec %s: %w", k.m.codec.Name(), err)
	}
	if len(data) > k.m.o.MaxDataSize {
		return fmt.Errorf("%w: %d bytes encoded; the limit is %d (Options.MaxDataSize)", ErrTooLarge, len(data), k.m.o.MaxDataSize)
	}
	value := string(k.t.Write(nil, data))
	if !k.m.o.Header {
		if value, err = ktor.EncodeCookieValue(value, ktor.URIEncoding); err != nil {
			return fmt.Errorf("session: the transformed session cannot be put in a cookie: %w", err)
		}
	}
	if err := k.m.sendValue(&st.requestState, value, maxAge(k.m.o.IdleTimeout, remember)); err != nil {
		return err
	}
	st.env.V, st.has, st.cleared = v, true, false
	return nil
}

func (k *ktorMode[T]) clear(r *http.Request, st *state[T]) error {
	k.m.dropValue(r, &st.requestState)
	return nil
}
