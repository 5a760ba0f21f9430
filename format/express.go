package format

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Express returns the format of Express's signed cookies (cookie-signature,
// as cookie-parser and express-session use it):
//
//	"s:" value "." base64(HMAC-SHA256(secret, value)), "=" padding removed
//
// The value is a cookie-parser JSON cookie ("j:" then JSON), an
// express-session ID, or any other text; browsers send the cookie
// URL-encoded ("s%3A…"), which is decoded once. An unsigned JSON cookie
// ("j:{…}") is recognised and shown by Peek, but never opens: nothing
// authenticates it.
//
// The payload is rendered as JSON: a JSON cookie as its JSON; a value of
// 32 base64url characters (express-session's default uid-safe ID) as
// {"sessionId": value}; any other value as a JSON string. Opened.Codec
// says which ("cookie-parser-json", "express-session-id",
// "cookie-signature").
//
// A signed cookie names no key and carries neither purpose nor expiry:
// opening tries the ring's express keys newest first (cookie-parser's and
// express-session's arrays of secrets), at most MaxKeyTrial.
func Express() Format { return expressFormat{} }

type expressFormat struct{}

func (expressFormat) Name() string        { return "express" }
func (expressFormat) Title() string       { return "Express signed cookie" }
func (expressFormat) BindsPurpose() bool  { return false }
func (expressFormat) CarriesExpiry() bool { return false }

// Algorithms returns keyring.Express.
func (expressFormat) Algorithms() []keyring.Algorithm { return []keyring.Algorithm{keyring.Express} }

// ParseKey reads the secret as text. An express key has no options.
func (expressFormat) ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error) {
	if alg != keyring.Express {
		return keyring.Material{}, fmt.Errorf("%w: %v is not the express algorithm", ErrKeyInput, alg)
	}
	if opts.Len() > 0 {
		return keyring.Material{}, fmt.Errorf("%w: an express key has no options", keyring.ErrOption)
	}
	secret, err := TextSecret(input)
	if err != nil {
		return keyring.Material{}, err
	}
	return keyring.Material{Algorithm: alg, Secret: secret}, nil
}

// expressSigLen is the length of an HMAC-SHA256 in base64 without padding.
const expressSigLen = 43

// expressCookie is the syntax of a cookie value.
type expressCookie struct {
	signed  bool
	value   string // what the signature covers, or the unsigned "j:…" value
	sig     string
	encoded bool // it was URL-encoded
}

// parseExpress checks the syntax of tok: "s:" value "." signature, or
// "j:" JSON, either URL-encoded once.
func parseExpress(tok string) (expressCookie, string) {
	var c expressCookie
	if len(tok) > maxInput {
		return c, fmt.Sprintf("the input has %d bytes; the limit is %d", len(tok), maxInput)
	}
	s := tok
	if len(s) >= 4 && (strings.EqualFold(s[:4], "s%3A") || strings.EqualFold(s[:4], "j%3A")) {
		u, err := url.PathUnescape(s)
		if err != nil {
			return c, "the URL-encoding is invalid"
		}
		s, c.encoded = u, true
	}
	switch {
	case strings.HasPrefix(s, "s:"):
		body := s[2:]
		i := strings.LastIndexByte(body, '.')
		if i < 0 {
			return c, `a signed cookie is "s:" value "." signature`
		}
		c.value, c.sig, c.signed = body[:i], body[i+1:], true
		if len(c.sig) != expressSigLen || !isStdBase64(c.sig) {
			return c, fmt.Sprintf("the signature has %d characters; an HMAC-SHA256 in base64 without padding has %d", len(c.sig), expressSigLen)
		}
		return c, ""
	case strings.HasPrefix(s, "j:"):
		if _, err := compactJSONCopy([]byte(s[2:])); err != nil {
			return c, "the JSON cookie does not hold JSON"
		}
		c.value = s
		return c, ""
	}
	return c, `it is neither "s:" value "." signature nor "j:" JSON`
}

func isStdBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// Detect recognises "s:" value "." and a 43-character base64 signature,
// or "j:" and JSON, raw or URL-encoded.
func (expressFormat) Detect(tok string) bool {
	_, bad := parseExpress(tok)
	return bad == ""
}

// expressPayload renders a cookie value as JSON and names how.
func expressPayload(value string) ([]byte, string, error) {
	if js, ok := strings.CutPrefix(value, "j:"); ok {
		b, err := compactJSONCopy([]byte(js))
		return b, "cookie-parser-json", err
	}
	if len(value) == 32 && IsBase64URL(value) {
		return append(append([]byte(`{"sessionId":`), jsonStringNode(value).raw...), '}'), "express-session-id", nil
	}
	return jsonStringNode(value).raw, "cookie-signature", nil
}

// Peek shows the value as JSON. Nothing is verified.
func (f expressFormat) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok)}
	c, bad := parseExpress(tok)
	if bad != "" {
		p.Err = reject(f, token.ErrInvalid, StageEncoding, 0, "not an Express cookie: %s", bad)
		return p
	}
	p.Details = append(p.Details, expressDetails(c)...)
	p.Size = len(c.value)
	if js, name, err := expressPayload(c.value); err == nil {
		p.Payload, p.PayloadCodec = js, name
	}
	return p
}

func expressDetails(c expressCookie) []Detail {
	d := []Detail{{"signature", "none: an unsigned JSON cookie"}}
	if c.signed {
		d[0].Value = "HMAC-SHA256 (cookie-signature)"
	}
	if c.encoded {
		d = append(d, Detail{"encoding", "URL-encoded"})
	}
	return d
}

// NewOpener collects r's express keys, newest first, or the one chosen by
// o.KeyID; a chosen key of another algorithm is an error wrapping
// ErrNoKeys.
func (f expressFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	ks, err := TrialKeys(r, keyring.Express)
	if o.KeyID != 0 {
		k, ok := r.Lookup(o.KeyID)
		if !ok {
			return nil, fmt.Errorf("%w: %s", keyring.ErrNotFound, o.KeyID)
		}
		if k.Algorithm != keyring.Express {
			return nil, fmt.Errorf("%w: the chosen key %s is a %s key", ErrNoKeys, k.ID, k.Algorithm)
		}
		if !k.State.Verifies() {
			return nil, fmt.Errorf("%w: key %s is %s", keyring.ErrState, k.ID, k.State)
		}
		ks, err = []keyring.Key{k}, nil
	}
	if te, ok := errors.AsType[*KeyTrialError](err); ok {
		return tooManyKeys{te}, nil
	}
	if err != nil {
		return nil, err
	}
	if len(ks) == 0 {
		return nil, ErrNoKeys
	}
	op := &expressOpener{f: f, o: o}
	for _, k := range ks {
		m := k.Material()
		op.keys = append(op.keys, expressKey{key: k, secret: m.Secret})
	}
	return op, nil
}

type expressKey struct {
	key    keyring.Key
	secret []byte
}

// expressOpener opens Express signed cookies. It is safe for concurrent
// use.
type expressOpener struct {
	f    expressFormat
	o    Options
	keys []expressKey // newest first
}

func expressSign(secret []byte, value string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(value))
	return base64.RawStdEncoding.EncodeToString(h.Sum(nil))
}

// Open verifies a signed cookie under each key in turn and renders its
// value (see Express).
func (op *expressOpener) Open(tok string) (Opened, error) {
	c, bad := parseExpress(tok)
	if bad != "" {
		return Opened{}, reject(op.f, token.ErrInvalid, StageEncoding, 0, "not an Express cookie: %s", bad)
	}
	if !c.signed {
		return Opened{}, reject(op.f, token.ErrInvalid, StageAuthentication, 0,
			`an unsigned JSON cookie ("j:…") carries no signature: anyone can write one, so it proves nothing; use inspect to read it`)
	}
	var k *expressKey
	for i := range op.keys {
		if hmac.Equal([]byte(expressSign(op.keys[i].secret, c.value)), []byte(c.sig)) {
			k = &op.keys[i]
			break
		}
	}
	if k == nil {
		if len(op.keys) == 1 {
			return Opened{}, reject(op.f, token.ErrInvalid, StageAuthentication, op.keys[0].key.ID,
				"the signature does not verify under key %s: wrong secret, or tampered", op.keys[0].key.ID)
		}
		return Opened{}, reject(op.f, token.ErrInvalid, StageAuthentication, 0,
			"the signature verifies under none of the %d express keys tried: wrong secret, or tampered", len(op.keys))
	}
	res := Opened{Format: op.f, Key: k.key, Payload: []byte(c.value), Details: expressDetails(c)}
	js, name, err := expressPayload(c.value)
	res.Codec = name
	if err != nil {
		e := reject(op.f, token.ErrInvalid, StagePayload, k.key.ID, "the JSON cookie does not decode: %v", err)
		e.Err = err
		return Opened{}, e
	}
	if !op.o.ValidateOnly {
		res.JSON = js
	}
	return res, nil
}
