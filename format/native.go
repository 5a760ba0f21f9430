package format

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
	"github.com/sesstool/sesstool/transform"
)

// maxInput is the longest token any format here looks at: the largest
// limit token.Inspect and ktor.Inspect accept.
const maxInput = 64 << 10

// Native returns sesstool's own token format, version 1 (package token):
// base64url of version (1 byte) || key ID (4 bytes) || the envelope sealed
// under the key. It binds a purpose and carries an expiry.
func Native() Format { return native{} }

type native struct{}

func (native) Name() string        { return "sesstool-v1" }
func (native) Title() string       { return "sesstool v1" }
func (native) BindsPurpose() bool  { return true }
func (native) CarriesExpiry() bool { return true }

// Detect checks the syntax cheaply: base64url characters only, starting
// with the encoding of the version byte 0x01 ("A" then one of Q–Z, a–f).
func (native) Detect(tok string) bool {
	if len(tok) < 2 || len(tok) > maxInput || tok[0] != 'A' {
		return false
	}
	if c := tok[1]; !('Q' <= c && c <= 'Z' || 'a' <= c && c <= 'f') {
		return false
	}
	return IsBase64URL(tok[2:])
}

// IsBase64URL reports whether s has only base64url characters, as every
// sesstool token does.
func IsBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		if !base64URLChar[s[i]] {
			return false
		}
	}
	return true
}

var base64URLChar = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

// hmacGuesses are the HMAC algorithms with their tag sizes, tried by Peek
// to read a token whose envelope is in clear.
var hmacGuesses = []struct {
	alg keyring.Algorithm
	tag int
}{
	{keyring.HMACSHA256, 32},
	{keyring.HMACSHA384, 48},
	{keyring.HMACSHA512, 64},
}

// Peek decodes the header (token.Inspect). The envelope of a token sealed
// by an HMAC key is in clear: Peek reads it when the bytes between the
// header and a tag of an HMAC size parse as an envelope whose payload is
// JSON or CBOR. For AEAD tokens those bytes are a random nonce and
// ciphertext, which essentially never parse (the flags byte and four
// timestamp bytes must be zero and the times in order), so a match means
// HMAC. None of it is verified.
func (f native) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok)}
	h, err := token.Inspect(tok)
	if err != nil {
		p.Err = fromToken(f, err).(*Error)
		return p
	}
	p.Version, p.KeyID, p.Size = int(h.Version), h.KeyID, h.Size
	raw, err := transform.Base64URL().Read(nil, []byte(tok))
	if err != nil {
		return p // not reached: Inspect decoded it
	}
	const headerSize = 5 // version, key ID (SPEC.md §1)
	for _, g := range hmacGuesses {
		if len(raw) < headerSize+g.tag {
			continue
		}
		env, ok := parseEnvelope(raw[headerSize : len(raw)-g.tag])
		if !ok {
			continue
		}
		js, c, err := PayloadJSON(env.payload, "auto")
		if err != nil {
			continue
		}
		p.Algorithm, p.AlgorithmGuessed = g.alg, true
		p.IssuedAt, p.ExpiresAt, p.NotBefore = env.iat, env.exp, env.nbf
		p.Payload, p.PayloadCodec = js, c
		return p
	}
	p.Sealed = true
	return p
}

type envelope struct {
	iat, exp, nbf time.Time
	payload       []byte
}

// parseEnvelope decodes b as a format v1 envelope (SPEC.md §1), with the
// format's checks: known flags, timestamps within years 1970 to 9999, and
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

// NewOpener builds a token.Minter over r. Every ring has a native primary
// key, so ErrNoKeys never happens for this format.
func (f native) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	o.Codec = cmp.Or(o.Codec, "json")
	to := &token.Options{Purpose: o.Purpose, MaxTTL: o.MaxTTL, Leeway: o.Leeway, Now: o.Now, MaxTokenSize: o.MaxTokenSize}
	// The Minter's codec serves Verify only (Unseal, SealWith and Rewrap
	// take encoded payloads): to validate with a named codec, Verify then
	// checks the payload without copying it or building a value.
	c, err := codec.ByName(o.Codec)
	validateOnOpen := err == nil && o.ValidateOnly
	if validateOnOpen {
		to.Codec = c
	}
	m, err := token.New(r, to)
	if err != nil {
		return nil, err
	}
	op := &nativeOpener{f: f, m: m, ring: r, o: o, validateOnOpen: validateOnOpen, maxTTL: cmp.Or(o.MaxTTL, token.DefaultMaxTTL)}
	if op.o.Now == nil {
		op.o.Now = time.Now
	}
	// unbounded reads a token that m rejects for its lifetime: the same
	// keys and purpose, no bound on lifetime or time. It is built on the
	// first such rejection only.
	op.unbounded = sync.OnceValues(func() (*token.Minter, error) {
		return token.New(r, &token.Options{Purpose: o.Purpose, MaxTTL: math.MaxInt64, Leeway: math.MaxInt64, Now: o.Now, MaxTokenSize: o.MaxTokenSize})
	})
	return op, nil
}

type nativeOpener struct {
	f    native
	m    *token.Minter
	ring *keyring.Ring
	o    Options
	// validateOnOpen: m's codec is the named codec, so m.Verify verifies
	// a token, payload included, with no copy of the payload.
	validateOnOpen bool
	maxTTL         time.Duration
	unbounded      func() (*token.Minter, error)
}

// reject turns the token package's errors into *Error values, and a
// rejection at StageEnvelope for a lifetime beyond MaxTTL into one that
// says so in Lifetime and MaxTTL (the token package reports both causes
// at the same stage).
func (o *nativeOpener) reject(tok string, err error) error {
	err = fromToken(o.f, err)
	e, ok := err.(*Error)
	if !ok || e.Stage != StageEnvelope {
		return err
	}
	u, uerr := o.unbounded()
	if uerr != nil {
		return err
	}
	_, c, uerr := u.Unseal(tok)
	if uerr != nil {
		return err
	}
	if life := c.ExpiresAt.Sub(c.IssuedAt); life > o.maxTTL {
		e.Lifetime, e.MaxTTL = life, o.maxTTL
		e.Reason = fmt.Sprintf("the token's lifetime, %v, is longer than MaxTTL %v", life, o.maxTTL)
	}
	return e
}

func (o *nativeOpener) opened(c token.Claims) Opened {
	k, _ := o.ring.Lookup(c.KeyID)
	return Opened{Format: o.f, Key: k, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, NotBefore: c.NotBefore, Rewrap: c.Rewrap}
}

// Open opens tok and decodes its payload with Options.Codec.
func (o *nativeOpener) Open(tok string) (Opened, error) {
	if o.validateOnOpen {
		c, err := o.m.Verify(tok)
		if err != nil {
			return Opened{}, o.reject(tok, err)
		}
		res := o.opened(c)
		res.Codec = o.o.Codec
		return res, nil
	}
	payload, c, err := o.m.Unseal(tok)
	if err != nil {
		return Opened{}, o.reject(tok, err)
	}
	res := o.opened(c)
	res.Payload = payload
	switch {
	case o.o.ValidateOnly:
		res.Codec = o.o.Codec
		err = ValidatePayload(payload, o.o.Codec)
	case o.o.Codec == "json":
		// Unseal's payload is a copy that res owns: JSON may share it,
		// which saves open --batch an allocation per token.
		res.Codec = "json"
		res.JSON, err = validJSON(payload)
	default:
		res.JSON, res.Codec, err = PayloadJSON(payload, o.o.Codec)
	}
	if err != nil && o.o.Codec == "auto" {
		return res, nil // the caller shows what it can
	}
	if err != nil {
		return Opened{}, &Error{Format: o.f, Kind: token.ErrInvalid, Stage: StagePayload, KeyID: c.KeyID, Err: err,
			Reason: fmt.Sprintf("the payload does not decode with codec %s: %v", o.o.Codec, err)}
	}
	return res, nil
}

// Mint encodes the JSON payload with Options.Codec and seals it under the
// primary key.
func (o *nativeOpener) Mint(payload []byte, v token.Validity) (string, Opened, error) {
	data, err := EncodePayload(payload, o.o.Codec)
	if err != nil {
		return "", Opened{}, fmt.Errorf("the payload cannot be encoded as %s: %w", o.o.Codec, err)
	}
	iat := o.o.Now()
	tok, err := o.m.SealWith(data, v)
	if err != nil {
		return "", Opened{}, err
	}
	res := Opened{Format: o.f, Key: o.ring.Primary(), Payload: data,
		IssuedAt: unix(uint64(iat.Unix())), ExpiresAt: unix(uint64(v.ExpiresAt.Unix()))}
	if !v.NotBefore.IsZero() {
		res.NotBefore = unix(uint64(v.NotBefore.Unix()))
	}
	return tok, res, nil
}

// Rewrap re-mints tok under the primary key.
func (o *nativeOpener) Rewrap(tok string) (string, Opened, error) {
	out, c, err := o.m.Rewrap(tok)
	if err != nil {
		return "", Opened{}, o.reject(tok, err)
	}
	return out, o.opened(c), nil
}

// PayloadJSON renders a payload as compact JSON with the named codec
// ("json", "cbor", or "auto": JSON, then CBOR), and returns the codec that
// decoded it.
func PayloadJSON(payload []byte, codecName string) ([]byte, string, error) {
	switch codecName {
	case "json":
		js, err := validJSON(payload)
		if err != nil {
			return nil, "", err
		}
		if len(js) == len(payload) {
			js = bytes.Clone(payload) // the caller's payload is not ours to return
		}
		return js, "json", nil
	case "cbor":
		out, err := codec.CBORToJSON(payload)
		return out, "cbor", err
	}
	if out, c, err := PayloadJSON(payload, "json"); err == nil {
		return out, c, nil
	}
	if out, c, err := PayloadJSON(payload, "cbor"); err == nil {
		return out, c, nil
	}
	return nil, "", fmt.Errorf("%d bytes that are neither JSON nor CBOR", len(payload))
}

// validJSON validates a JSON payload as codec.JSON's Unmarshal does, and
// returns it compacted (compactJSON: payload itself when it is compact).
//
// The validator is what Unmarshal runs first, and the stricter of the two:
// a payload it accepts, encoding/json reads too. Validating and then
// dropping the whitespace reads the payload twice and allocates at most
// once, where Unmarshal into a json.RawMessage and json.Compact read it
// four times and allocated five times: open --batch spent most of its time,
// and its collector most of its work, there (BENCHMARKS.md, batch).
func validJSON(payload []byte) ([]byte, error) {
	if err := codec.Validate(codec.JSON(), payload); err != nil {
		return nil, err
	}
	return compactJSON(payload), nil
}

// compactJSON returns js, one JSON value that the codec's validator
// accepted, without the whitespace between its tokens: what json.Compact
// writes for it. When there is none, which is the rule for payloads that
// codec.JSON encoded, it returns js itself, with its capacity cut to its
// length, and allocates nothing.
func compactJSON(js []byte) []byte {
	var dst []byte // nil until the first whitespace
	start, inString := 0, false
	for i := 0; i < len(js); i++ {
		c := js[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ' ', '\t', '\n', '\r':
			if dst == nil {
				dst = make([]byte, 0, len(js))
			}
			dst = append(dst, js[start:i]...)
			start = i + 1
		}
	}
	if dst == nil {
		return js[:len(js):len(js)]
	}
	return append(dst, js[start:]...)
}

// ValidatePayload checks that a payload decodes with the named codec
// ("cbor", else JSON).
func ValidatePayload(payload []byte, codecName string) error {
	if codecName == "cbor" {
		return codec.Validate(codec.CBOR(), payload)
	}
	return codec.Validate(codec.JSON(), payload)
}

// EncodePayload encodes a JSON value with the named codec: JSON is
// compacted, CBOR converted with codec.JSONToCBOR.
func EncodePayload(js []byte, codecName string) ([]byte, error) {
	if codecName == "cbor" {
		return codec.JSONToCBOR(js)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, js); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
