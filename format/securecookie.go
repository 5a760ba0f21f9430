package format

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// SecureCookie returns the format of gorilla/securecookie values, which
// gorilla/sessions' CookieStore writes: base64url (with padding) of
// "timestamp|value|mac", where value is base64url of the serialized
// payload (gob by default, or JSON), encrypted with AES-CTR under the
// block key (a random IV first) when there is one, and mac is
// HMAC-SHA256 under the hash key of "name|timestamp|value": the cookie's
// name is authenticated.
//
// A value verifies only under its cookie's name, so its Opener is a
// [CookieOpener]; Open without a name rejects it. The value names no key:
// the ring's securecookie keys are tried, newest first (see TrialKeys).
// Its expiry is the timestamp plus the key's max-age option (default 30
// days, securecookie's default). It binds no purpose.
func SecureCookie() Format { return secureCookieFormat{} }

// Defaults of gorilla/securecookie.
const (
	secureCookieMaxAge    = 30 * 24 * time.Hour
	secureCookieMaxLength = 4096
)

type secureCookieFormat struct{}

func (secureCookieFormat) Name() string        { return "securecookie" }
func (secureCookieFormat) Title() string       { return "gorilla/securecookie value" }
func (secureCookieFormat) BindsPurpose() bool  { return false }
func (secureCookieFormat) CarriesExpiry() bool { return true }

// Algorithms returns keyring.SecureCookie.
func (secureCookieFormat) Algorithms() []keyring.Algorithm {
	return []keyring.Algorithm{keyring.SecureCookie}
}

// ParseKey reads the hash key, then optionally the block key (16, 24 or
// 32 bytes: AES-128, -192 or -256), in hexadecimal, and checks the options
// encoder=gob|json, max-age=SECONDS (0: no limit) and max-length=BYTES
// (0: no limit).
func (f secureCookieFormat) ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error) {
	if alg != keyring.SecureCookie {
		return keyring.Material{}, fmt.Errorf("%w: %s is not a securecookie algorithm", ErrKeyInput, alg)
	}
	keys, err := HexSecretsOptional(input, 1, "the hash key", "the block key")
	if err != nil {
		return keyring.Material{}, err
	}
	m := keyring.Material{Algorithm: alg, Secret: keys[0], Options: opts}
	if len(keys) == 2 {
		m.SignSecret = keys[1]
	}
	if _, err := secureCookieSettings(m.Secret, m.SignSecret, opts); err != nil {
		return keyring.Material{}, err
	}
	return m, nil
}

// scKey is a securecookie key with its settings.
type scKey struct {
	key       keyring.Key
	hash      []byte
	block     cipher.Block // nil: the values are not encrypted
	blockBits int
	encoder   string        // "gob" or "json"
	maxAge    time.Duration // 0: no limit
	maxLength int           // 0: no limit
}

func secureCookieSettings(hash, block []byte, opts keyring.Options) (scKey, error) {
	k := scKey{hash: hash}
	if len(hash) == 0 {
		return k, fmt.Errorf("%w: the hash key is empty", ErrKeyInput)
	}
	if len(block) > 0 {
		b, err := aes.NewCipher(block)
		if err != nil {
			return k, fmt.Errorf("%w: the block key has %d bytes; an AES key has 16, 24 or 32", ErrKeyInput, len(block))
		}
		k.block, k.blockBits = b, 8*len(block)
	}
	var err error
	if k.encoder, err = ChoiceOption(opts, "encoder", "gob", "gob", "json"); err != nil {
		return k, err
	}
	k.maxAge = secureCookieMaxAge
	if v, ok := opts.Get("max-age"); ok && v == "0" {
		k.maxAge = 0
	} else if k.maxAge, err = SecondsOption(opts, "max-age", secureCookieMaxAge); err != nil {
		return k, fmt.Errorf("%w (or 0 for no limit)", err)
	}
	k.maxLength = secureCookieMaxLength
	if v, ok := opts.Get("max-length"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxInput || v != strconv.Itoa(n) {
			return k, fmt.Errorf("%w: max-length is a number of characters, 0 (no limit) to %d", keyring.ErrOption, maxInput)
		}
		k.maxLength = n
	}
	return k, nil
}

// scParts is a securecookie value, decoded: "timestamp|value|mac".
type scParts struct {
	signed []byte // "timestamp|value", what the MAC covers after "name|"
	date   []byte
	value  []byte // base64url of the (encrypted) payload
	mac    []byte
}

// scSplit decodes a value. Its errors are reasons.
func scSplit(tok string) (scParts, string) {
	if len(tok) == 0 {
		return scParts{}, "the value is empty"
	}
	raw, ok := scBase64(tok)
	if !ok {
		return scParts{}, "the value is not base64url with padding, as securecookie writes it"
	}
	date, rest, ok1 := bytes.Cut(raw, []byte("|"))
	value, mac, ok2 := bytes.Cut(rest, []byte("|"))
	if !ok1 || !ok2 {
		return scParts{}, "the decoded value is not timestamp|value|mac"
	}
	return scParts{signed: raw[:len(raw)-len(mac)-1], date: date, value: value, mac: mac}, ""
}

// scBase64 decodes base64url with padding, refusing what Go's decoder
// would skip (line breaks).
func scBase64(s string) ([]byte, bool) {
	if len(s)%4 != 0 || strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	b, err := base64.URLEncoding.DecodeString(s)
	return b, err == nil
}

// Detect recognises base64url (padded) of "digits|base64url|32 bytes", the
// layout of a value with securecookie's default HMAC-SHA256.
func (secureCookieFormat) Detect(tok string) bool {
	if len(tok) < 8 || len(tok) > maxInput {
		return false
	}
	p, bad := scSplit(tok)
	if bad != "" || len(p.mac) != sha256.Size || len(p.date) == 0 || len(p.date) > 20 || len(p.value) == 0 || len(p.value)%4 != 0 {
		return false
	}
	for _, c := range p.date {
		if c < '0' || c > '9' {
			return false
		}
	}
	return IsBase64URL(strings.TrimRight(string(p.value), "="))
}

// scTime reads a timestamp, in seconds since 1970, within years 1970 to
// 9999.
func scTime(date []byte) (time.Time, bool) {
	n, err := strconv.ParseInt(string(date), 10, 64)
	if err != nil || n < 0 || n > 253402300799 {
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}

// Peek shows the timestamp and, when the value is not encrypted and its
// payload decodes as gob or JSON, the payload. Nothing is verified.
func (f secureCookieFormat) Peek(tok string) Peek {
	pk := Peek{Format: f, Length: len(tok)}
	if len(tok) > maxInput {
		pk.Err = reject(f, token.ErrInvalid, StageSize, 0, "the value has %d characters, more than %d", len(tok), maxInput)
		return pk
	}
	p, bad := scSplit(tok)
	if bad != "" {
		pk.Err = reject(f, token.ErrInvalid, StageEncoding, 0, "%s", bad)
		return pk
	}
	if t, ok := scTime(p.date); ok {
		pk.IssuedAt = t
	}
	pk.Details = []Detail{{Label: "timestamp", Value: string(p.date)}, {Label: "mac", Value: base64.RawURLEncoding.EncodeToString(p.mac)}}
	pk.Sealed = true
	if payload, ok := scBase64(string(p.value)); ok {
		if js, err := gobJSON(payload); err == nil {
			pk.Payload, pk.PayloadCodec, pk.Sealed = js, "gob", false
		} else if js, _, err := PayloadJSON(payload, "json"); err == nil {
			pk.Payload, pk.PayloadCodec, pk.Sealed = js, "json", false
		}
	}
	return pk
}

// NewOpener collects r's securecookie keys that verify, newest first (at
// most MaxKeyTrial).
func (f secureCookieFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	ks, bound, err := openerKeys(r, keyring.SecureCookie)
	if bound != nil || err != nil {
		return bound, err
	}
	op := &secureCookieOpener{f: f, o: o}
	for _, k := range ks {
		m := k.Material()
		sk, err := secureCookieSettings(m.Secret, m.SignSecret, k.Options)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %s: %w", k.ID, err)
		}
		sk.key = k
		op.keys = append(op.keys, sk)
	}
	return op, nil
}

type secureCookieOpener struct {
	f    secureCookieFormat
	o    Options
	keys []scKey // newest first
}

// Open rejects a value without its cookie's name: use OpenCookie.
func (o *secureCookieOpener) Open(tok string) (Opened, error) {
	if _, bad := scSplit(tok); bad != "" && len(tok) <= maxInput {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEncoding, 0, "%s", bad)
	}
	return Opened{}, reject(o.f, token.ErrInvalid, StageAuthentication, 0,
		"a gorilla/securecookie value authenticates its cookie's name, and none was given: pass the cookie as a Cookie: header (name=value)")
}

// OpenCookie verifies the value of the cookie called name under each
// securecookie key in turn, checks its age, decrypts it and renders its
// payload as JSON, in the order securecookie's Decode does.
func (o *secureCookieOpener) OpenCookie(name, value string) (Opened, error) {
	if len(value) > maxInput {
		return Opened{}, reject(o.f, token.ErrInvalid, StageSize, 0, "the value has %d characters, more than %d", len(value), maxInput)
	}
	// securecookie checks the length first.
	fits := 0
	for _, c := range o.keys {
		if c.maxLength == 0 || len(value) <= c.maxLength {
			fits++
		}
	}
	if fits == 0 {
		e := reject(o.f, token.ErrInvalid, StageSize, 0, "the value has %d characters, more than the max-length of every securecookie key", len(value))
		if len(o.keys) == 1 {
			e.KeyID = o.keys[0].key.ID
			e.Reason = fmt.Sprintf("the value has %d characters, more than the max-length of %d of key %s", len(value), o.keys[0].maxLength, e.KeyID)
		}
		return Opened{}, e
	}
	p, bad := scSplit(value)
	if bad != "" {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEncoding, 0, "%s", bad)
	}
	msg := make([]byte, 0, len(name)+1+len(p.signed))
	msg = append(append(append(msg, name...), '|'), p.signed...)
	// Every key whose hash key verifies the MAC is a candidate: a ring may
	// hold one hash key with and without a block key (values written
	// before and after encryption was turned on), or with two encoders.
	var cands []*scKey
	for i := range o.keys {
		c := &o.keys[i]
		if c.maxLength != 0 && len(value) > c.maxLength {
			continue
		}
		h := hmac.New(sha256.New, c.hash)
		h.Write(msg)
		if hmac.Equal(h.Sum(nil), p.mac) {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		under := "key " + o.keys[0].key.ID.String()
		var id keyring.ID
		if len(o.keys) == 1 {
			id = o.keys[0].key.ID
		} else {
			ids := make([]string, len(o.keys))
			for i, c := range o.keys {
				ids[i] = c.key.ID.String()
			}
			under = fmt.Sprintf("each of the %d securecookie keys %s", len(ids), strings.Join(ids, ", "))
		}
		return Opened{}, reject(o.f, token.ErrInvalid, StageAuthentication, id,
			"the MAC does not verify under %s for the cookie name %q (a value verifies only under the name it was set with)", under, name)
	}
	var first error
	for _, k := range cands {
		res, err := o.read(k, name, p)
		if err == nil {
			return res, nil
		}
		if first == nil {
			first = err
		}
	}
	return Opened{}, first
}

// read checks the age of an authentic value under key k, decrypts it and
// decodes its payload.
func (o *secureCookieOpener) read(k *scKey, name string, p scParts) (Opened, error) {
	iat, ok := scTime(p.date)
	if !ok {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, k.key.ID, "the timestamp is not a time between 1970 and 9999")
	}
	var exp time.Time
	if k.maxAge > 0 {
		// securecookie accepts a value while timestamp >= now - max-age,
		// in whole seconds: the first instant it rejects is one second
		// after timestamp + max-age.
		exp = iat.Add(k.maxAge + time.Second)
	}
	if err := CheckTimes(o.f, o.o, k.key.ID, iat, exp, time.Time{}); err != nil {
		return Opened{}, err
	}
	payload, ok := scBase64(string(p.value))
	if !ok {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, k.key.ID, "the value inside is not base64url with padding")
	}
	if k.block != nil {
		bs := k.block.BlockSize()
		if len(payload) <= bs {
			return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, k.key.ID, "the encrypted value has %d bytes, too few to hold the IV and a payload", len(payload))
		}
		pt := make([]byte, len(payload)-bs)
		cipher.NewCTR(k.block, payload[:bs]).XORKeyStream(pt, payload[bs:])
		payload = pt
	}
	res := Opened{Format: o.f, Key: k.key, IssuedAt: iat, ExpiresAt: exp, Payload: payload, Codec: k.encoder, Details: k.details(name)}
	var js []byte
	var err error
	if k.encoder == "json" {
		js, _, err = PayloadJSON(payload, "json")
	} else {
		js, err = gobJSON(payload)
	}
	if err != nil {
		hint := ""
		if k.block != nil {
			hint = " (is the block key right? securecookie's MAC does not cover it)"
		} else if len(payload) > 0 && payload[0] != '{' && payload[0] != '[' && k.encoder == "json" {
			hint = " (is the value gob? see the encoder option)"
		}
		e := reject(o.f, token.ErrInvalid, StagePayload, k.key.ID, "the payload does not decode with the %s encoder: %v%s", k.encoder, err, hint)
		e.Err = err
		return Opened{}, e
	}
	if !o.o.ValidateOnly {
		res.JSON = js
	}
	return res, nil
}

func (k *scKey) details(name string) []Detail {
	enc := "none"
	if k.block != nil {
		enc = fmt.Sprintf("AES-%d-CTR", k.blockBits)
	}
	return []Detail{{Label: "cookie name", Value: name}, {Label: "encoder", Value: k.encoder}, {Label: "encryption", Value: enc}}
}

// ErrCookieName is returned by minting a value of a format that binds the
// cookie's name when Options.CookieName is empty.
var ErrCookieName = errors.New("the value binds its cookie's name: set the cookie name to mint it")

var registerGob sync.Once

// Mint writes a securecookie value for the cookie named by
// Options.CookieName with the newest active securecookie key, timestamped
// now: its expiry is then the timestamp plus the key's max-age, whatever
// v says. payload is a JSON value; with the gob encoder it must be an
// object, written as a CookieStore session (map[interface{}]interface{}):
// integers as int, other numbers as float64, nested objects as
// map[string]interface{} and arrays as []interface{} (both registered with
// encoding/gob on first use).
func (o *secureCookieOpener) Mint(payload []byte, _ token.Validity) (string, Opened, error) {
	name := o.o.CookieName
	if name == "" {
		return "", Opened{}, ErrCookieName
	}
	var k *scKey
	for i := range o.keys {
		if o.keys[i].key.State == keyring.Active {
			k = &o.keys[i]
			break
		}
	}
	if k == nil {
		return "", Opened{}, fmt.Errorf("%w: the keyring holds no active securecookie key", keyring.ErrState)
	}
	var data []byte
	if k.encoder == "json" {
		var buf bytes.Buffer
		if err := json.Compact(&buf, payload); err != nil {
			return "", Opened{}, fmt.Errorf("the payload is not JSON: %w", err)
		}
		buf.WriteByte('\n') // as json.Encoder, which securecookie uses, ends it
		data = buf.Bytes()
	} else {
		v, err := gobSession(payload)
		if err != nil {
			return "", Opened{}, err
		}
		registerGob.Do(func() {
			gob.Register(map[string]interface{}{})
			gob.Register([]interface{}{})
		})
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(v); err != nil {
			return "", Opened{}, fmt.Errorf("the payload cannot be written as gob: %w", err)
		}
		data = buf.Bytes()
	}
	plain := data
	if k.block != nil {
		bs := k.block.BlockSize()
		ct := make([]byte, bs+len(data))
		rand.Read(ct[:bs])
		cipher.NewCTR(k.block, ct[:bs]).XORKeyStream(ct[bs:], data)
		data = ct
	}
	now := time.Now()
	if o.o.Now != nil {
		now = o.o.Now()
	}
	date := strconv.FormatInt(now.Unix(), 10)
	signed := date + "|" + base64.URLEncoding.EncodeToString(data)
	h := hmac.New(sha256.New, k.hash)
	h.Write([]byte(name + "|" + signed))
	out := base64.URLEncoding.EncodeToString(append([]byte(signed+"|"), h.Sum(nil)...))
	if k.maxLength != 0 && len(out) > k.maxLength {
		return "", Opened{}, fmt.Errorf("the value has %d characters, more than the key's max-length of %d", len(out), k.maxLength)
	}
	iat := time.Unix(now.Unix(), 0).UTC()
	res := Opened{Format: o.f, Key: k.key, IssuedAt: iat, Payload: plain, Codec: k.encoder, Details: k.details(name)}
	if k.maxAge > 0 {
		res.ExpiresAt = iat.Add(k.maxAge + time.Second)
	}
	return out, res, nil
}

// gobSession converts a JSON object to the map a CookieStore session
// holds.
func gobSession(payload []byte) (map[interface{}]interface{}, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return nil, errors.New("the gob encoder writes a session: the payload must be one JSON object")
	}
	out := make(map[interface{}]interface{}, len(m))
	for k, v := range m {
		out[k] = gobValue(v)
	}
	return out, nil
}

func gobValue(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return int(n)
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = gobValue(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = gobValue(e)
		}
		return v
	}
	return v
}
