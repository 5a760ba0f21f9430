package main

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
	"github.com/sesstool/sesstool/transform"
)

// nativeFormat is sesstool's own token format, version 1: base64url of
// version (1 byte) || key ID (4 bytes) || the envelope sealed under the key.
// The envelope is flags (1) || issued (8) || expires (8) || [not before (8)]
// || payload; AEAD keys encrypt it, HMAC keys leave it readable and append a
// tag.
type nativeFormat struct{}

func (nativeFormat) name() string  { return "sesstool-v1" }
func (nativeFormat) title() string { return "sesstool v1" }

// bindsPurpose: the purpose is authenticated as associated data.
func (nativeFormat) bindsPurpose() bool { return true }

// carriesExpiry: the expiry is inside the sealed envelope.
func (nativeFormat) carriesExpiry() bool { return true }

// detect checks the syntax cheaply: base64url characters only, starting
// with the encoding of the version byte 0x01 ("A" then one of Q–Z, a–f).
func (nativeFormat) detect(tok string) bool {
	if len(tok) < 2 || len(tok) > maxTokenInput || tok[0] != 'A' {
		return false
	}
	if c := tok[1]; !('Q' <= c && c <= 'Z' || 'a' <= c && c <= 'f') {
		return false
	}
	for i := 2; i < len(tok); i++ {
		if !base64URLChar[tok[i]] {
			return false
		}
	}
	return true
}

// base64URLChar reports the characters of the base64url alphabet.
var base64URLChar = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

// hmacGuesses are the native HMAC algorithms with their tag sizes, tried by
// peek to read a token whose envelope is in clear.
var hmacGuesses = []struct {
	alg keyring.Algorithm
	tag int
}{
	{keyring.HMACSHA256, 32},
	{keyring.HMACSHA384, 48},
	{keyring.HMACSHA512, 64},
}

// peek decodes the header. The envelope of a token sealed by an HMAC key is
// in clear: peek reads it when the bytes between the header and a tag of an
// HMAC size parse as an envelope whose payload is JSON or CBOR. For AEAD
// tokens those bytes are a random nonce and ciphertext, which essentially
// never parse (the flags byte and four timestamp bytes must be zero and the
// times in order), so a match means HMAC. None of it is verified.
func (f nativeFormat) peek(tok string, ref time.Time) report {
	rep := report{Format: f.name(), Title: f.title(), Length: len(tok)}
	h, err := token.Inspect(tok)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	rep.Version = int(h.Version)
	rep.KeyID = h.KeyID.String()
	rep.Size = h.Size
	raw, err := transform.Base64URL().Read(nil, []byte(tok))
	if err != nil {
		return rep // not reached: Inspect decoded it
	}
	for _, g := range hmacGuesses {
		if len(raw) < token.HeaderSize+g.tag {
			continue
		}
		env, ok := parseEnvelope(raw[token.HeaderSize : len(raw)-g.tag])
		if !ok {
			continue
		}
		js, c, err := payloadJSON(env.payload, "auto")
		if err != nil {
			continue
		}
		rep.Algorithm, rep.AlgorithmGuessed = string(g.alg), true
		rep.Issued, rep.Expires, rep.NotBefore = rfc3339(env.iat), rfc3339(env.exp), rfc3339(env.nbf)
		rep.expires = env.exp
		rep.Payload, rep.PayloadCodec = js, c
		return rep
	}
	rep.Sealed = true
	return rep
}

// envelope is a decoded envelope, for display.
type envelope struct {
	iat, exp, nbf time.Time
	payload       []byte
}

// parseEnvelope decodes b as a format v1 envelope, with the format's
// checks: known flags, timestamps within years 1970 to 9999, and
// issued < expires, issued <= not before < expires.
func parseEnvelope(b []byte) (envelope, bool) {
	const maxUnix = 253402300799
	if len(b) < 17 || b[0]&^1 != 0 {
		return envelope{}, false
	}
	iat, exp := binary.BigEndian.Uint64(b[1:]), binary.BigEndian.Uint64(b[9:])
	nbf, rest := uint64(0), b[17:]
	if b[0] == 1 {
		if len(rest) < 8 {
			return envelope{}, false
		}
		nbf, rest = binary.BigEndian.Uint64(rest), rest[8:]
		if nbf < iat || nbf >= exp {
			return envelope{}, false
		}
	}
	if iat > maxUnix || exp > maxUnix || exp <= iat {
		return envelope{}, false
	}
	e := envelope{iat: unix(iat), exp: unix(exp), payload: rest}
	if b[0] == 1 {
		e.nbf = unix(nbf)
	}
	return e, true
}

func unix(s uint64) time.Time { return time.Unix(int64(s), 0).UTC() }

// newOpener builds a token.Minter over the ring. Every ring has a native
// primary key, so errNoKeys never happens for this format.
func (f nativeFormat) newOpener(r *keyring.Ring, o openOptions) (tokenOpener, error) {
	to := &token.Options{Purpose: o.purpose, MaxTTL: o.maxTTL, Leeway: o.leeway, Now: o.now}
	// The Minter's codec serves Open and Verify only (Unseal, SealWith and
	// Rewrap take encoded payloads): for verify with a named codec, Verify
	// then checks the payload without copying it or building a value.
	c, err := codec.ByName(o.codec)
	validateOnOpen := err == nil && o.validateOnly
	if validateOnOpen {
		to.Codec = c
	}
	to.MaxTokenSize = o.maxTokenSize
	m, err := token.New(r, to)
	if err != nil {
		return nil, err
	}
	op := &nativeOpener{f: f, m: m, ring: r, codec: o.codec, validateOnly: o.validateOnly, validateOnOpen: validateOnOpen, now: o.now,
		maxTTL: cmp.Or(o.maxTTL, token.DefaultMaxTTL), maxTokenSize: cmp.Or(o.maxTokenSize, token.DefaultMaxTokenSize)}
	// unbounded reads what a token that m rejects for its lifetime holds:
	// the same keys and purpose, no bound on lifetime or time. It is built
	// on the first such rejection only.
	op.unbounded = sync.OnceValues(func() (*token.Minter, error) {
		return token.New(r, &token.Options{Purpose: o.purpose, MaxTTL: math.MaxInt64, Leeway: math.MaxInt64, Now: o.now, MaxTokenSize: o.maxTokenSize})
	})
	return op, nil
}

// explain turns the rejections that stem from a limit set on the command
// line into ones that name the flag, with a hint; other errors are
// returned as they are. The library names its options (MaxTTL), which a
// user of the CLI never sees. A rejection is recognised by its stage and,
// for the lifetime, by opening the token again without the bound, never
// by its text.
func (o *nativeOpener) explain(tok string, err error) error {
	te, ok := errors.AsType[*token.Error](err)
	if !ok {
		return err
	}
	switch te.Stage {
	case token.StageSize:
		limit := o.maxTokenSize
		switch {
		case len(tok) <= limit || limit >= tokenSizeMax: // empty, or past any limit
		case len(tok) > token.DefaultMaxTokenSize:
			return withHint(err, "a token longer than %d characters does not fit a cookie; if this one is not a cookie, --max-token-size %d or more (at most %d) reads it",
				token.DefaultMaxTokenSize, len(tok), tokenSizeMax)
		default:
			return withHint(err, "--max-token-size %d or more reads it (the default is %d)", len(tok), token.DefaultMaxTokenSize)
		}
	case token.StageEnvelope:
		// The envelope is authentic: either it breaks the format, or its
		// lifetime exceeds MaxTTL, which the unbounded Minter tells.
		u, uerr := o.unbounded()
		if uerr != nil {
			return err
		}
		_, c, uerr := u.Unseal(tok)
		if uerr != nil {
			return err
		}
		life := c.ExpiresAt.Sub(c.IssuedAt)
		if life <= o.maxTTL {
			return err
		}
		return withHint(&rejection{kind: token.ErrInvalid, stage: token.StageEnvelope, keyID: uint32(te.KeyID),
			reason: fmt.Sprintf("the token's lifetime, %v, is longer than --max-ttl %v", life, o.maxTTL)},
			"if tokens are minted that long on purpose (mint --max-ttl), open them with --max-ttl %v or more", life)
	}
	return err
}

type nativeOpener struct {
	f            nativeFormat
	m            *token.Minter
	ring         *keyring.Ring
	codec        string
	validateOnly bool
	// validateOnOpen: m's codec is the named codec, so m.Verify verifies
	// a token, payload included, with no copy of the payload.
	validateOnOpen bool
	now            func() time.Time
	// maxTTL and maxTokenSize are the limits m applies, and unbounded a
	// Minter without the lifetime bound: see explain.
	maxTTL       time.Duration
	maxTokenSize int
	unbounded    func() (*token.Minter, error)
}

func (o *nativeOpener) opened(c token.Claims) opened {
	k, _ := o.ring.Lookup(c.KeyID)
	return opened{format: o.f, key: k, issued: c.IssuedAt, expires: c.ExpiresAt, notBefore: c.NotBefore, rewrap: c.Rewrap}
}

// open opens tok, with the rejections that a flag causes explained.
func (o *nativeOpener) open(tok string) (opened, error) {
	res, err := o.openToken(tok)
	if err != nil {
		return opened{}, o.explain(tok, err)
	}
	return res, nil
}

func (o *nativeOpener) openToken(tok string) (opened, error) {
	if o.validateOnOpen {
		// A payload that does not decode is a *token.Error at
		// StagePayload, with the same words as the rejection below.
		c, err := o.m.Verify(tok)
		if err != nil {
			return opened{}, err
		}
		res := o.opened(c)
		res.codec = o.codec
		return res, nil
	}
	payload, c, err := o.m.Unseal(tok)
	if err != nil {
		return opened{}, err
	}
	res := o.opened(c)
	res.payload = payload
	if o.validateOnly {
		// verify: the payload must decode, but nobody reads its JSON form.
		res.codec = o.codec
		err = validatePayload(payload, o.codec)
	} else {
		res.json, res.codec, err = payloadJSON(payload, o.codec)
	}
	if err != nil && o.codec == "auto" {
		return res, nil // inspect shows what it can
	}
	if err != nil {
		return opened{}, &rejection{kind: token.ErrInvalid, stage: token.StagePayload, keyID: uint32(c.KeyID),
			reason: fmt.Sprintf("the payload does not decode with codec %s: %v", o.codec, err)}
	}
	return res, nil
}

func (o *nativeOpener) mint(payload []byte, v token.Validity) (string, opened, error) {
	data, err := encodePayload(payload, o.codec)
	if err != nil {
		return "", opened{}, fmt.Errorf("the payload cannot be encoded as %s: %v", o.codec, err)
	}
	iat := o.now()
	tok, err := o.m.SealWith(data, v)
	if err != nil {
		return "", opened{}, err
	}
	res := opened{format: o.f, key: o.ring.Primary(), payload: data,
		issued: unix(uint64(iat.Unix())), expires: unix(uint64(v.ExpiresAt.Unix()))}
	if !v.NotBefore.IsZero() {
		res.notBefore = unix(uint64(v.NotBefore.Unix()))
	}
	return tok, res, nil
}

func (o *nativeOpener) rewrap(tok string) (string, opened, error) {
	out, c, err := o.m.Rewrap(tok)
	if err != nil {
		return "", opened{}, o.explain(tok, err)
	}
	return out, o.opened(c), nil
}
