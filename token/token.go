package token

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/transform"
)

// Options configure a Minter. The zero value is usable: purpose "", JSON
// payloads, a 24-hour maximum TTL, no leeway, the system clock.
type Options struct {
	// Purpose is authenticated with every token, but not stored in it: a
	// token minted for one purpose never opens for another. Use one purpose
	// per kind of token, e.g. "LOGIN_SESSION" and "PASSWORD_RESET".
	Purpose string
	// Codec encodes payloads in Mint and decodes them in Open. Nil means
	// codec.JSON(). Minter and opener must agree: a token carries no codec
	// name.
	Codec codec.Codec
	// MaxTTL is the longest lifetime Mint accepts and Open tolerates. Zero
	// means DefaultMaxTTL. Prune retired keys only after MaxTTL + Leeway.
	MaxTTL time.Duration
	// Leeway is the clock skew Open tolerates around expiry, not-before and
	// issue times. Zero means none; negative is an error.
	Leeway time.Duration
	// Now is the clock. Nil means the system's wall clock (time.Now, or a
	// cheaper read of the same clock where the platform has one).
	Now func() time.Time
	// MaxTokenSize is the longest token, in characters, that Mint produces
	// and Open reads. Zero means DefaultMaxTokenSize.
	MaxTokenSize int
	// IgnoreUnknownFields makes Open ignore payload fields that the
	// destination type lacks instead of rejecting the token, so removing a
	// field from a session type does not invalidate live tokens. The
	// token is still fully authenticated, and every other rule of the
	// codec holds (see codec.IgnoreUnknownFields). New fails for a Codec
	// other than codec.JSON() and codec.CBOR(), which must offer its own
	// option.
	IgnoreUnknownFields bool
}

// Minter mints and opens tokens under the keys of a keyring.Source, for one
// purpose. It is immutable and safe for concurrent use. With a source that
// changes (a keyring.Watcher), every call uses the source's current ring:
// no restart, and no lock on the way.
type Minter struct {
	opts Options
	src  keyring.Source
	// keys is what the ring last seen needs: its sealers. A call that
	// finds the source's ring changed builds them anew (keysFor).
	keys    atomic.Pointer[ringKeys]
	rebuild sync.Mutex // serializes the builds of ringKeys
	bufs    sync.Pool  // of *[]byte scratch buffers
	// Options.Leeway and Options.MaxTTL in whole seconds, rounded down,
	// for the integer checks of a retired key's tokens.
	leewaySecs, maxTTLSecs int64
}

// ringKeys are the sealers of one ring.
type ringKeys struct {
	ring    *keyring.Ring
	primary *sealer
	byID    map[uint32]*sealer // every key of the ring, by ID
	err     error              // why the ring cannot mint or open, if it cannot
}

// sealer is one key, ready to use.
type sealer struct {
	key keyring.Key
	t   transform.Transformer // nil if the key cannot open native tokens
	why string                // why t is nil
	// retired: the key is Retired, since retiredAt (Unix seconds). It
	// opens only the tokens issued up to retiredAt + Leeway.
	retired   bool
	retiredAt int64
}

// Claims describe an opened token.
type Claims struct {
	// KeyID is the key that verified the token.
	KeyID keyring.ID
	// Rewrap is true when KeyID is not the ring's primary key: re-mint the
	// token (see Minter.Rewrap) so that the old key can be retired.
	Rewrap    bool
	IssuedAt  time.Time
	ExpiresAt time.Time
	NotBefore time.Time // zero when the token has none
}

// New returns a Minter that mints with the primary key of src's ring and
// opens tokens sealed by any of its keys that still verify. opts may be nil.
//
// src is a *keyring.Ring for a fixed ring, or a *keyring.Watcher to follow
// a keyring file: each call then uses the ring src returns at that moment,
// and the Minter builds the keys' ciphers once per new ring (the first
// call after a change does it), never holding a lock in the steady state.
// Set Options.Leeway to at least the Watcher's interval plus the time a new
// keyring takes to reach every server (see "Key rotation" in the package
// doc).
//
// A nil source, or a ring that is nil or empty (the zero keyring.Ring,
// which no keyring function returns), is an error wrapping [ErrNoKeyring].
// A later ring that cannot be used (it cannot, if the keyring package
// loaded it) makes Mint and Open return that error until the next ring.
func New(src keyring.Source, opts *Options) (*Minter, error) {
	if src == nil {
		return nil, ErrNoKeyring
	}
	m := &Minter{src: src}
	if opts != nil {
		m.opts = *opts
	}
	o := &m.opts
	if o.Codec == nil {
		o.Codec = codec.JSON()
	}
	if o.IgnoreUnknownFields {
		c, err := codec.IgnoreUnknownFields(o.Codec)
		if err != nil {
			return nil, fmt.Errorf("token: IgnoreUnknownFields: %w", err)
		}
		o.Codec = c
	}
	if o.MaxTTL == 0 {
		o.MaxTTL = DefaultMaxTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxTokenSize == 0 {
		o.MaxTokenSize = DefaultMaxTokenSize
	}
	switch {
	case o.MaxTTL < time.Second:
		return nil, fmt.Errorf("token: MaxTTL %v is shorter than one second", o.MaxTTL)
	case o.Leeway < 0:
		return nil, fmt.Errorf("token: Leeway %v is negative", o.Leeway)
	case o.MaxTokenSize < 64:
		return nil, fmt.Errorf("token: MaxTokenSize %d is too small to hold any token", o.MaxTokenSize)
	}
	m.leewaySecs, m.maxTTLSecs = int64(o.Leeway/time.Second), int64(o.MaxTTL/time.Second)
	rk := m.build(src.Ring())
	if rk.err != nil {
		return nil, rk.err
	}
	m.keys.Store(rk)
	return m, nil
}

// current returns the sealers of the source's current ring: in the steady
// state two atomic loads and a comparison.
func (m *Minter) current() (*ringKeys, error) {
	r := m.src.Ring()
	rk := m.keys.Load()
	if rk.ring != r {
		rk = m.keysFor(r)
	}
	return rk, rk.err
}

// keysFor builds the sealers of r, once: concurrent calls that find the
// same new ring wait for the first to build them.
func (m *Minter) keysFor(r *keyring.Ring) *ringKeys {
	m.rebuild.Lock()
	defer m.rebuild.Unlock()
	if rk := m.keys.Load(); rk.ring == r {
		return rk
	}
	rk := m.build(r)
	m.keys.Store(rk)
	return rk
}

// build returns the sealers of r.
func (m *Minter) build(r *keyring.Ring) *ringKeys {
	rk := &ringKeys{ring: r}
	if r == nil || r.Len() == 0 {
		rk.err = ErrNoKeyring
		return rk
	}
	rk.byID = make(map[uint32]*sealer, r.Len())
	for k := range r.Keys() {
		s := &sealer{key: k}
		if k.State == keyring.Retired {
			s.retired, s.retiredAt = true, k.Retired.Unix()
		}
		_, native := suites[k.Algorithm]
		switch {
		case !native:
			s.why = fmt.Sprintf("key %v is a %v key, which does not seal sesstool tokens", k.ID, k.Algorithm)
		case !k.State.Verifies():
			s.why = fmt.Sprintf("key %v was destroyed on %s; tokens sealed under it can no longer be opened", k.ID, k.Destroyed.Format(time.DateOnly))
		default:
			ad := append(appendHeader(nil, uint32(k.ID)), m.opts.Purpose...)
			t, err := newTransformer(k, ad)
			if err != nil {
				rk.err = fmt.Errorf("token: failed to set up key %v: %v", k.ID, err)
				return rk
			}
			s.t = t
		}
		rk.byID[uint32(k.ID)] = s
	}
	rk.primary = rk.byID[uint32(r.Primary().ID)]
	if rk.primary.t == nil {
		rk.err = fmt.Errorf("token: the primary key cannot mint: %s", rk.primary.why)
	}
	return rk
}

// Purpose returns the purpose the Minter binds.
func (m *Minter) Purpose() string { return m.opts.Purpose }

// Mint encodes v with the Minter's codec and seals it under the primary key,
// valid for ttl from now. ttl must be at least one second and at most
// Options.MaxTTL.
func (m *Minter) Mint(v any, ttl time.Duration) (string, error) {
	payload, err := m.opts.Codec.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("token: failed to encode the payload with %s: %w", m.opts.Codec.Name(), err)
	}
	return m.Seal(payload, ttl)
}

// Seal is Mint for a payload that is already encoded.
func (m *Minter) Seal(payload []byte, ttl time.Duration) (string, error) {
	if ttl < time.Second || ttl > m.opts.MaxTTL {
		return "", fmt.Errorf("token: TTL %v is outside 1s to MaxTTL (%v)", ttl, m.opts.MaxTTL)
	}
	now := m.opts.Now()
	return m.sealWith(payload, Validity{ExpiresAt: now.Add(ttl)}, now)
}

// Validity says when a token may be opened.
type Validity struct {
	// ExpiresAt is when the token stops opening. Required.
	ExpiresAt time.Time
	// NotBefore, if not zero, is when the token starts opening.
	NotBefore time.Time
}

// SealWith seals an encoded payload under the primary key with an explicit
// validity. The issue time is now; ExpiresAt must lie after it, at most
// Options.MaxTTL ahead; NotBefore, if set, must lie in [now, ExpiresAt).
// Times are stored in whole seconds, rounded down.
func (m *Minter) SealWith(payload []byte, val Validity) (string, error) {
	return m.sealWith(payload, val, m.opts.Now())
}

func (m *Minter) sealWith(payload []byte, val Validity, now time.Time) (string, error) {
	e := envelope{payload: payload}
	var ok bool
	if e.iat, ok = toUnix(now); !ok {
		return "", fmt.Errorf("token: the clock reads %v, outside years 1970 to 9999", now)
	}
	if e.exp, ok = toUnix(val.ExpiresAt); !ok || e.exp <= e.iat {
		return "", fmt.Errorf("token: expiry %v must be at least one second after now (%v)", val.ExpiresAt, now)
	}
	if overMaxTTL(e.exp-e.iat, m.opts.MaxTTL) {
		return "", fmt.Errorf("token: expiry %v is more than MaxTTL (%v) ahead", val.ExpiresAt, m.opts.MaxTTL)
	}
	if !val.NotBefore.IsZero() {
		e.hasNBF = true
		if e.nbf, ok = toUnix(val.NotBefore); !ok || e.nbf < e.iat || e.nbf >= e.exp {
			return "", fmt.Errorf("token: not-before time %v must lie between now and the expiry", val.NotBefore)
		}
	}
	return m.seal(&e)
}

func (m *Minter) seal(e *envelope) (string, error) {
	rk, err := m.current()
	if err != nil {
		return "", err
	}
	// One buffer holds the envelope, then the header and sealed envelope.
	n := envelopeSize + 8 + len(e.payload)
	// One buffer holds the envelope, the header and sealed envelope, then
	// their encoding, which the string copies.
	bp := m.getBuf(2*n + HeaderSize + maxOverhead + b64len(n+HeaderSize+maxOverhead))
	defer m.bufs.Put(bp)
	env := appendEnvelope((*bp)[:0], e)
	raw := rk.primary.t.Write(appendHeader(env[len(env):], uint32(rk.primary.key.ID)), env)
	if n := b64len(len(raw)); n > m.opts.MaxTokenSize {
		return "", fmt.Errorf("token: the token would be %d characters; the limit is %d: keep less data in the token, or keep it on the server", n, m.opts.MaxTokenSize)
	}
	out := transform.Base64URL().Write(raw[len(raw):], raw)
	return string(out), nil
}

// overMaxTTL reports whether a lifetime of secs seconds exceeds maxTTL. It
// compares whole seconds: secs can reach 2.5e11 (years 1970 to 9999), and
// secs*time.Second would overflow past 292 years and wrap below maxTTL.
func overMaxTTL(secs int64, maxTTL time.Duration) bool {
	return secs > int64(maxTTL/time.Second)
}

// secondsString formats a lifetime of secs seconds, as a time.Duration
// where one can hold it.
func secondsString(secs int64) string {
	if secs > int64(math.MaxInt64/time.Second) {
		return strconv.FormatInt(secs, 10) + "s"
	}
	return (time.Duration(secs) * time.Second).String()
}

func b64len(n int) int { return (n*8 + 5) / 6 }

// maxOverhead bounds what a native transformer adds: a 24-byte nonce and a
// 16-byte tag, or a 64-byte HMAC tag.
const maxOverhead = 64

// getBuf returns a pooled scratch buffer of capacity at least n. Callers
// stay within that capacity, so a buffer never grows behind the pool's back.
func (m *Minter) getBuf(n int) *[]byte {
	bp, _ := m.bufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, max(n, 1024))
		return &b
	}
	if cap(*bp) < n {
		*bp = make([]byte, 0, n)
	}
	return bp
}

// Open authenticates tok, checks its validity, and decodes its payload into
// v with the Minter's codec. v must be a non-nil pointer: anything else is
// a bug in the caller, reported as [ErrBadDestination] before tok is read
// (to check a token without decoding it, use [Minter.Verify]).
//
// Open checks, in order: the token's size, its base64url encoding, its header,
// its key, its authentication tag (AEAD or HMAC, with the purpose), its
// envelope, its validity times (and, for a key that is now retired, that the
// token was issued before the key's retirement, give or take the leeway),
// and then decodes the payload. Every error for the token is an *Error
// wrapping ErrInvalid, ErrExpired or ErrNotYetValid; ErrExpired and
// ErrNotYetValid are returned only for authentic tokens.
func (m *Minter) Open(tok string, v any) (Claims, error) {
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return Claims{}, fmt.Errorf("%w, not %T: to check a token without decoding its payload, use Minter.Verify", ErrBadDestination, v)
	}
	bp := m.getBuf(m.openBufSize(tok))
	e, c, err := m.open(tok, bp)
	if err == nil {
		// The codec must not keep e.payload, which aliases the pooled
		// buffer (see the codec.Codec contract).
		err = m.opts.Codec.Unmarshal(e.payload, v)
		if err != nil {
			err = reject(ErrInvalid, StagePayload, c.KeyID, "the payload does not decode with codec %s: %v", m.opts.Codec.Name(), err)
		}
	}
	// A panic in Unmarshal (say in a method of v's type) leaves the
	// buffer to the garbage collector, which is all a defer would save.
	m.bufs.Put(bp)
	if err != nil {
		return Claims{}, err
	}
	return c, nil
}

// Verify is Open without a destination: it runs every stage of Open, and
// at the payload stage checks that the payload decodes with the Minter's
// codec (see codec.Validate) without building a value. Use it where a token
// must be valid but nobody reads its payload.
func (m *Minter) Verify(tok string) (Claims, error) {
	bp := m.getBuf(m.openBufSize(tok))
	e, c, err := m.open(tok, bp)
	if err == nil {
		if err = codec.Validate(m.opts.Codec, e.payload); err != nil {
			err = reject(ErrInvalid, StagePayload, c.KeyID, "the payload does not decode with codec %s: %v", m.opts.Codec.Name(), err)
		}
	}
	m.bufs.Put(bp)
	if err != nil {
		return Claims{}, err
	}
	return c, nil
}

// Unseal is Open without the payload decoding: it returns a copy of the
// payload bytes.
func (m *Minter) Unseal(tok string) ([]byte, Claims, error) {
	bp := m.getBuf(m.openBufSize(tok))
	defer m.bufs.Put(bp)
	e, c, err := m.open(tok, bp)
	if err != nil {
		return nil, Claims{}, err
	}
	return append([]byte(nil), e.payload...), c, nil
}

// Rewrap opens tok and seals its payload again under the primary key,
// keeping its expiry and its not-before time (dropped once reached). Use it
// when Claims.Rewrap is true, to move live sessions off a key before
// retiring it. The payload is not decoded.
//
// The Claims returned are those of the token given, tok, as Open or Unseal
// would return them: KeyID is the key that verified tok (not the primary
// key that sealed the new token) and IssuedAt is tok's issue time. The new
// token's claims differ only in KeyID (the primary's), IssuedAt (now),
// Rewrap (false) and a dropped not-before time: open it to read them.
func (m *Minter) Rewrap(tok string) (string, Claims, error) {
	bp := m.getBuf(m.openBufSize(tok))
	defer m.bufs.Put(bp)
	e, c, err := m.open(tok, bp)
	if err != nil {
		return "", Claims{}, err
	}
	payload := append([]byte(nil), e.payload...)
	val := Validity{ExpiresAt: c.ExpiresAt, NotBefore: c.NotBefore}
	now := m.opts.Now()
	if !val.NotBefore.IsZero() && val.NotBefore.Before(now) {
		val.NotBefore = time.Time{} // already reached: a past not-before adds nothing
	}
	out, err := m.SealWith(payload, val)
	if err != nil {
		return "", Claims{}, err
	}
	return out, c, nil
}

// openBufSize is the scratch space open needs for tok: a copy of tok (the
// base64 decoder reads bytes), then the decoded bytes, then the opened
// envelope, each at most 3/4 of the token's length. Oversized tokens are
// rejected before any use of the buffer, so it is bounded by MaxTokenSize.
func (m *Minter) openBufSize(tok string) int {
	n := min(len(tok), m.opts.MaxTokenSize)
	return n + 2*(n*3/4+1)
}

// open runs every stage of Open but the payload decoding. The envelope's
// payload aliases *bp.
func (m *Minter) open(tok string, bp *[]byte) (envelope, Claims, error) {
	var c Claims
	if len(tok) == 0 {
		return envelope{}, c, reject(ErrInvalid, StageSize, 0, "empty token")
	}
	if len(tok) > m.opts.MaxTokenSize {
		return envelope{}, c, reject(ErrInvalid, StageSize, 0, "token is %d characters; the limit is %d", len(tok), m.opts.MaxTokenSize)
	}
	src := append((*bp)[:0], tok...)
	raw, err := transform.Base64URL().Read(src[len(src):], src)
	if err != nil {
		return envelope{}, c, reject(ErrInvalid, StageEncoding, 0, "not a sesstool token: %v", err)
	}
	if len(raw) < HeaderSize {
		return envelope{}, c, reject(ErrInvalid, StageHeader, 0, "token is %d bytes after decoding; a header alone is %d", len(raw), HeaderSize)
	}
	if raw[0] != Version1 {
		return envelope{}, c, reject(ErrInvalid, StageHeader, 0, "unknown format version %d (this build reads version %d)", raw[0], Version1)
	}
	rk, err := m.current()
	if err != nil {
		return envelope{}, c, err
	}
	id := binary.BigEndian.Uint32(raw[1:HeaderSize])
	s := rk.byID[id]
	if s == nil {
		return envelope{}, c, reject(ErrInvalid, StageKey, keyring.ID(id), "unknown key %v: not in this keyring (it may have been pruned, or the token comes from another keyring)", keyring.ID(id))
	}
	if s.t == nil {
		return envelope{}, c, reject(ErrInvalid, StageKey, keyring.ID(id), "%s", s.why)
	}
	env, err := s.t.Read(raw[len(raw):], raw[HeaderSize:])
	if err != nil {
		return envelope{}, c, reject(ErrInvalid, StageAuthentication, keyring.ID(id), "authentication failed under key %v: the token was altered, or minted for another purpose than %q", keyring.ID(id), m.opts.Purpose)
	}
	e, err := parseEnvelope(env)
	if err != nil {
		return envelope{}, c, reject(ErrInvalid, StageEnvelope, keyring.ID(id), "%v", err)
	}
	c = Claims{
		KeyID:     keyring.ID(id),
		Rewrap:    s != rk.primary,
		IssuedAt:  time.Unix(e.iat, 0).UTC(),
		ExpiresAt: time.Unix(e.exp, 0).UTC(),
	}
	if e.hasNBF {
		c.NotBefore = time.Unix(e.nbf, 0).UTC()
	}
	if overMaxTTL(e.exp-e.iat, m.opts.MaxTTL) {
		return envelope{}, Claims{}, reject(ErrInvalid, StageEnvelope, c.KeyID, "token lifetime %s exceeds MaxTTL %v", secondsString(e.exp-e.iat), m.opts.MaxTTL)
	}
	// The times in the envelope are whole seconds, so comparing now ∓ the
	// leeway, rounded down to a second, with them is exact: now ≥ exp + lw
	// exactly when ⌊now − lw⌋ ≥ exp, and now < iat − lw exactly when
	// ⌊now + lw⌋ < iat.
	now := m.opts.Now()
	early, late := now.Unix(), now.Unix()
	if lw := m.opts.Leeway; lw != 0 {
		early, late = now.Add(-lw).Unix(), now.Add(lw).Unix()
	}
	// A retired key opens only the tokens issued up to its retirement plus
	// the leeway: iat − R > Leeway exactly when iat − R > ⌊Leeway⌋, as both
	// are whole seconds. Its tokens then expire by R + ⌊MaxTTL⌋ + Leeway at
	// the latest, which is no later than keyring.Ring.Prune removes the
	// key given MaxTTL + Leeway: Open's answer does not depend on whether
	// the key has been pruned yet.
	switch {
	case s.retired && e.iat > s.retiredAt+m.leewaySecs:
		return envelope{}, Claims{}, reject(ErrInvalid, StageValidity, c.KeyID, "issued at %s, after key %v was retired at %s (leeway %v): a retired key opens only the tokens minted before its retirement; a server minting under it has a stale keyring (reload it), or the key has leaked (destroy it)",
			c.IssuedAt.Format(time.RFC3339), c.KeyID, unixString(s.retiredAt), m.opts.Leeway)
	case early >= e.exp:
		return envelope{}, Claims{}, reject(ErrExpired, StageValidity, c.KeyID, "expired at %s", c.ExpiresAt.Format(time.RFC3339))
	case s.retired && early >= s.retiredAt+m.maxTTLSecs:
		return envelope{}, Claims{}, reject(ErrExpired, StageValidity, c.KeyID, "expired at %s: key %v was retired at %s, and no token under it lives longer than MaxTTL (%v) after that",
			unixString(s.retiredAt+m.maxTTLSecs), c.KeyID, unixString(s.retiredAt), m.opts.MaxTTL)
	case e.hasNBF && late < e.nbf:
		return envelope{}, Claims{}, reject(ErrNotYetValid, StageValidity, c.KeyID, "not valid before %s", c.NotBefore.Format(time.RFC3339))
	case late < e.iat:
		return envelope{}, Claims{}, reject(ErrNotYetValid, StageValidity, c.KeyID, "issued at %s, in the future: check the clocks", c.IssuedAt.Format(time.RFC3339))
	}
	return e, c, nil
}
