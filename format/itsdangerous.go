package format

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// ItsDangerous returns the format of itsdangerous URLSafeTimedSerializer
// tokens and of Flask's session cookie, which is one:
//
//	[.]base64url(payload) "." base64url(timestamp) "." base64url(signature)
//
// The payload is compact JSON, zlib-compressed when that is shorter (the
// leading "."); the timestamp is the issue time in Unix seconds, a
// big-endian integer of at most 8 bytes without leading zeros; the
// signature is HMAC-SHA1 over everything before the last ".", under a key
// derived from the secret and a salt. base64url has no padding.
//
// The key's algorithm decides the rest, never the token:
//
//   - keyring.ItsDangerous: itsdangerous' defaults. The key is
//     SHA1(salt + "signer" + secret) ("django-concat"), the salt the
//     key's salt option (default "itsdangerous"), the payload plain JSON.
//     Without a max-age option the token never expires.
//   - keyring.Flask: Flask's SecureCookieSessionInterface. The key is
//     HMAC-SHA1(secret, "cookie-session") ("hmac"), the payload Flask's
//     tagged JSON (see FlaskSessionJSON), and max-age defaults to Flask's
//     PERMANENT_SESSION_LIFETIME of 31 days.
//
// The token names no key: opening tries the ring's keys of both
// algorithms, newest first (rotated secrets, Flask's SECRET_KEY_FALLBACKS),
// at most MaxKeyTrial of each. The expiry is the timestamp plus max-age; a
// timestamp in the future (beyond Options.Leeway) is rejected as not yet
// valid, as itsdangerous does. The format binds no purpose: the salt is
// fixed by the key.
func ItsDangerous() Format { return itsFormat{} }

type itsFormat struct{}

func (itsFormat) Name() string        { return "itsdangerous" }
func (itsFormat) Title() string       { return "itsdangerous / Flask session cookie" }
func (itsFormat) BindsPurpose() bool  { return false }
func (itsFormat) CarriesExpiry() bool { return true }

// Algorithms returns keyring.ItsDangerous and keyring.Flask.
func (itsFormat) Algorithms() []keyring.Algorithm {
	return []keyring.Algorithm{keyring.ItsDangerous, keyring.Flask}
}

// FlaskMaxAge is Flask's default PERMANENT_SESSION_LIFETIME: the max-age
// of a flask key without a max-age option.
const FlaskMaxAge = 31 * 24 * time.Hour

// itsMaxDecompressed bounds the decompressed payload of a compressed
// token: a zlib bomb stops there.
const itsMaxDecompressed = 64 << 10

// itsSigLen is the length of the base64url of an HMAC-SHA1 signature.
const itsSigLen = 27

// Salts and key derivations.
const (
	itsDefaultSalt = "itsdangerous"
	flaskSalt      = "cookie-session"
)

// ParseKey reads the secret as text (SECRET_KEY) and checks the options:
// salt= (itsdangerous only) and max-age=SECONDS.
func (itsFormat) ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error) {
	if alg != keyring.ItsDangerous && alg != keyring.Flask {
		return keyring.Material{}, fmt.Errorf("%w: %v is not an itsdangerous or flask algorithm", ErrKeyInput, alg)
	}
	if _, err := SecondsOption(opts, "max-age", 0); err != nil {
		return keyring.Material{}, err
	}
	secret, err := TextSecret(input)
	if err != nil {
		return keyring.Material{}, err
	}
	return keyring.Material{Algorithm: alg, Secret: secret, Options: opts}, nil
}

// itsToken is the syntax of a token, before any key.
type itsToken struct {
	compressed bool
	payload    string // base64url, without the "." of compression
	issued     time.Time
	signed     string // what the signature covers
	sig        []byte
}

// parseItsDangerous checks the syntax of tok strictly. It decodes the
// timestamp and the signature, not the payload.
func parseItsDangerous(tok string) (itsToken, string) {
	var t itsToken
	if len(tok) > maxInput {
		return t, fmt.Sprintf("the input has %d bytes; the limit is %d", len(tok), maxInput)
	}
	s := tok
	if strings.HasPrefix(s, ".") {
		t.compressed, s = true, s[1:]
	}
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return t, "it is not payload.timestamp.signature"
	}
	sig := s[i+1:]
	rest := s[:i]
	j := strings.LastIndexByte(rest, '.')
	if j < 0 {
		return t, "it is not payload.timestamp.signature"
	}
	ts, payload := rest[j+1:], rest[:j]
	if payload == "" || !IsBase64URL(payload) {
		return t, "the payload is not base64url"
	}
	if len(sig) != itsSigLen || !IsBase64URL(sig) {
		return t, fmt.Sprintf("the signature has %d characters; an HMAC-SHA1 signature in base64url has %d", len(sig), itsSigLen)
	}
	var err error
	if t.sig, err = rawURL.DecodeString(sig); err != nil {
		return t, "the signature is not canonical base64url"
	}
	tb, err := rawURL.DecodeString(ts)
	if err != nil || len(tb) == 0 || len(tb) > 8 || tb[0] == 0 {
		return t, "the timestamp is not base64url of a big-endian integer of 1 to 8 bytes"
	}
	var buf [8]byte
	copy(buf[8-len(tb):], tb)
	n := binary.BigEndian.Uint64(buf[:])
	if n > uint64(math.MaxInt64/int64(time.Second)) {
		return t, "the timestamp is out of range"
	}
	t.issued = time.Unix(int64(n), 0).UTC()
	t.payload = payload
	t.signed = tok[:len(tok)-len(sig)-1]
	return t, ""
}

var rawURL = base64.RawURLEncoding.Strict()

// payloadBytes decodes the payload's base64url and, for a compressed
// token, inflates it, at most itsMaxDecompressed bytes.
func (t itsToken) payloadBytes() ([]byte, error) {
	b, err := rawURL.DecodeString(t.payload)
	if err != nil {
		return nil, errors.New("the payload is not canonical base64url")
	}
	if !t.compressed {
		return b, nil
	}
	return inflateZlib(b, itsMaxDecompressed)
}

// Detect recognises the syntax strictly: a signature of exactly 27
// base64url characters (HMAC-SHA1; a JWT's HS256 signature has 43) and a
// timestamp of at most 8 bytes. Native tokens have no ".", Ktor cookies
// need a "/".
func (itsFormat) Detect(tok string) bool {
	_, bad := parseItsDangerous(tok)
	return bad == ""
}

// Peek shows the issue time and, when it decodes, the payload as JSON
// (Flask's tags are not rendered). Nothing is verified.
func (f itsFormat) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok)}
	t, bad := parseItsDangerous(tok)
	if bad != "" {
		p.Err = reject(f, token.ErrInvalid, StageEncoding, 0, "not an itsdangerous token: %s", bad)
		return p
	}
	p.IssuedAt = t.issued
	if t.compressed {
		p.Details = append(p.Details, Detail{"compressed", "zlib"})
	}
	b, err := t.payloadBytes()
	if err != nil {
		p.Err = reject(f, token.ErrInvalid, StageEncoding, 0, "%v", err)
		return p
	}
	p.Size = len(b)
	if js, err := compactJSONCopy(b); err == nil {
		p.Payload, p.PayloadCodec = js, "json"
	}
	return p
}

// compactJSONCopy validates b with the project's strict JSON rules and
// returns it compacted, in a new slice.
func compactJSONCopy(b []byte) ([]byte, error) {
	js, err := validJSON(b)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(js), nil
}

// itsKey is one key with its derived HMAC key and settings.
type itsKey struct {
	key    keyring.Key
	mac    []byte // the derived HMAC-SHA1 key
	salt   string
	maxAge time.Duration // 0: no expiry
}

func newItsKey(k keyring.Key) (itsKey, error) {
	m := k.Material()
	defer clear(m.Secret)
	ik := itsKey{key: k}
	switch k.Algorithm {
	case keyring.Flask:
		ik.salt = flaskSalt
		h := hmac.New(sha1.New, m.Secret)
		h.Write([]byte(flaskSalt))
		ik.mac = h.Sum(nil)
		age, err := SecondsOption(k.Options, "max-age", FlaskMaxAge)
		if err != nil {
			return ik, fmt.Errorf("key %s: %w", k.ID, err)
		}
		ik.maxAge = age
	default:
		ik.salt = itsDefaultSalt
		if s, ok := k.Options.Get("salt"); ok {
			ik.salt = s
		}
		h := sha1.New()
		h.Write([]byte(ik.salt))
		h.Write([]byte("signer"))
		h.Write(m.Secret)
		ik.mac = h.Sum(nil)
		age, err := SecondsOption(k.Options, "max-age", 0)
		if err != nil {
			return ik, fmt.Errorf("key %s: %w", k.ID, err)
		}
		ik.maxAge = age
	}
	return ik, nil
}

func (k itsKey) sign(signed string) []byte {
	h := hmac.New(sha1.New, k.mac)
	h.Write([]byte(signed))
	return h.Sum(nil)
}

// NewOpener collects r's itsdangerous and flask keys, newest first (at
// most MaxKeyTrial of each), or the one chosen by o.KeyID; a chosen key of
// another algorithm is an error wrapping ErrNoKeys.
func (f itsFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	op := &itsOpener{f: f, o: o}
	for _, alg := range f.Algorithms() {
		ks, err := TrialKeys(r, alg)
		if te, ok := errors.AsType[*KeyTrialError](err); ok && o.KeyID == 0 {
			return tooManyKeys{te}, nil
		}
		if err != nil && o.KeyID == 0 {
			return nil, err
		}
		for _, k := range ks {
			if o.KeyID != 0 && k.ID != o.KeyID {
				continue
			}
			ik, err := newItsKey(k)
			if err != nil {
				return nil, err
			}
			op.keys = append(op.keys, ik)
		}
	}
	if o.KeyID != 0 && len(op.keys) == 0 {
		k, ok := r.Lookup(o.KeyID)
		if !ok {
			return nil, fmt.Errorf("%w: %s", keyring.ErrNotFound, o.KeyID)
		}
		if k.Algorithm != keyring.ItsDangerous && k.Algorithm != keyring.Flask {
			return nil, fmt.Errorf("%w: the chosen key %s is a %s key", ErrNoKeys, k.ID, k.Algorithm)
		}
		return nil, fmt.Errorf("%w: key %s is %s", keyring.ErrState, k.ID, k.State)
	}
	if len(op.keys) == 0 {
		return nil, ErrNoKeys
	}
	// Newest first across both algorithms: the key most likely to have
	// written a live token.
	for i := 1; i < len(op.keys); i++ {
		for j := i; j > 0 && op.keys[j].key.Created.After(op.keys[j-1].key.Created); j-- {
			op.keys[j], op.keys[j-1] = op.keys[j-1], op.keys[j]
		}
	}
	return op, nil
}

// itsOpener opens itsdangerous tokens and Flask session cookies, and mints
// them under its newest key. It is safe for concurrent use.
type itsOpener struct {
	f    itsFormat
	o    Options
	keys []itsKey // newest first
}

// Open verifies tok under each key in turn and decodes the payload with
// the serializer of the key that verified it.
func (op *itsOpener) Open(tok string) (Opened, error) {
	t, bad := parseItsDangerous(tok)
	if bad != "" {
		return Opened{}, reject(op.f, token.ErrInvalid, StageEncoding, 0, "not an itsdangerous token: %s", bad)
	}
	var k *itsKey
	for i := range op.keys {
		if hmac.Equal(op.keys[i].sign(t.signed), t.sig) {
			k = &op.keys[i]
			break
		}
	}
	if k == nil {
		if len(op.keys) == 1 {
			return Opened{}, reject(op.f, token.ErrInvalid, StageAuthentication, op.keys[0].key.ID,
				"the signature does not verify under key %s (%s, salt %q): wrong secret, wrong salt, or tampered", op.keys[0].key.ID, op.keys[0].key.Algorithm, op.keys[0].salt)
		}
		return Opened{}, reject(op.f, token.ErrInvalid, StageAuthentication, 0,
			"the signature verifies under none of the %d itsdangerous and flask keys tried: wrong secret, wrong salt, or tampered", len(op.keys))
	}
	res := Opened{Format: op.f, Key: k.key, IssuedAt: t.issued}
	if k.maxAge > 0 {
		res.ExpiresAt = t.issued.Add(k.maxAge)
	}
	if err := CheckTimes(op.f, op.o, k.key.ID, res.IssuedAt, res.ExpiresAt, time.Time{}); err != nil {
		return Opened{}, err
	}
	payload, err := t.payloadBytes()
	if err != nil {
		return Opened{}, reject(op.f, token.ErrInvalid, StagePayload, k.key.ID, "%v", err)
	}
	res.Payload = payload
	res.Details = []Detail{{"salt", k.salt}}
	if t.compressed {
		res.Details = append(res.Details, Detail{"compressed", "zlib"})
	}
	if k.key.Algorithm == keyring.Flask {
		res.Codec = "flask-tagged-json"
		res.JSON, err = FlaskSessionJSON(payload)
	} else {
		res.Codec = "json"
		res.JSON, err = compactJSONCopy(payload)
	}
	if err != nil {
		e := reject(op.f, token.ErrInvalid, StagePayload, k.key.ID, "the payload does not decode as %s: %v", res.Codec, err)
		e.Err = err
		return Opened{}, e
	}
	if op.o.ValidateOnly {
		res.JSON = nil
	}
	return res, nil
}

// Mint writes payload (JSON) as a token of the newest key, issued now
// (Options.Now): for a flask key in Flask's tagged JSON (a one-key object
// whose key is a tag is wrapped in " di", as Flask does), for an
// itsdangerous key as compact JSON; compressed when that is shorter, as
// itsdangerous does. v is ignored: the expiry is the key's max-age.
func (op *itsOpener) Mint(payload []byte, _ token.Validity) (string, Opened, error) {
	k := op.keys[0]
	data, err := compactJSONCopy(payload)
	if err != nil {
		return "", Opened{}, fmt.Errorf("the payload is not JSON: %w", err)
	}
	codecName := "json"
	if k.key.Algorithm == keyring.Flask {
		codecName = "flask-tagged-json"
		if data, err = flaskTag(data); err != nil {
			return "", Opened{}, err
		}
	}
	now := time.Now()
	if op.o.Now != nil {
		now = op.o.Now()
	}
	iat := now.Unix()
	if iat <= 0 {
		return "", Opened{}, errors.New("the clock is before 1970")
	}
	body := data
	compressed := false
	var zb bytes.Buffer
	zw := zlib.NewWriter(&zb)
	zw.Write(data)
	zw.Close()
	if zb.Len() < len(data)-1 {
		body, compressed = zb.Bytes(), true
	}
	var sb strings.Builder
	if compressed {
		sb.WriteByte('.')
	}
	sb.WriteString(rawURL.EncodeToString(body))
	sb.WriteByte('.')
	var tb [8]byte
	binary.BigEndian.PutUint64(tb[:], uint64(iat))
	ts := bytes.TrimLeft(tb[:], "\x00")
	sb.WriteString(rawURL.EncodeToString(ts))
	signed := sb.String()
	tok := signed + "." + rawURL.EncodeToString(k.sign(signed))
	res := Opened{Format: op.f, Key: k.key, IssuedAt: time.Unix(iat, 0).UTC(), Payload: data, Codec: codecName,
		Details: []Detail{{"salt", k.salt}}}
	if k.maxAge > 0 {
		res.ExpiresAt = res.IssuedAt.Add(k.maxAge)
	}
	res.JSON, _ = compactJSONCopy(payload)
	return tok, res, nil
}
