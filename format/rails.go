package format

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/internal/rubymarshal"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Rails returns the format of Ruby on Rails' signed and encrypted messages
// and cookies (ActiveSupport 6.1 and later):
//
//   - ActiveSupport::MessageVerifier: base64(data) "--" hex HMAC of the
//     base64 text (keys of algorithm rails-message-verifier);
//   - ActiveSupport::MessageEncryptor: aes-256-gcm, base64 of ciphertext,
//     IV and tag joined by "--"; or aes-256-cbc, whose base64(ciphertext)
//     "--" base64(IV) is signed by a MessageVerifier
//     (rails-message-encryptor);
//   - the signed and encrypted cookie jars of ActionDispatch, whose keys
//     are derived from secret_key_base by ActiveSupport::KeyGenerator
//     (rails-cookies).
//
// The payload is read with the key's serializer: JSON, or Ruby Marshal
// through a reader of plain data only (package internal/rubymarshal),
// which refuses objects and instantiates nothing. Rails' metadata envelope
// ({"_rails": {"message" or "data", "exp", "pur"}}) binds a purpose and an
// expiry: a message with a purpose opens only for that purpose, one
// without only when no purpose is asked, and a cookie's purpose is
// "cookie.<name>", so that it opens only under the name it was set with
// (see CookieOpener). Rails tokens name no key: the ring's keys of the
// three algorithms are tried, at most MaxKeyTrial of each.
func Rails() Format { return railsFormat{} }

type railsFormat struct{}

func (railsFormat) Name() string        { return "rails" }
func (railsFormat) Title() string       { return "Rails message / cookie" }
func (railsFormat) BindsPurpose() bool  { return true }
func (railsFormat) CarriesExpiry() bool { return true }

// Algorithms returns the keyring algorithms of Rails' keys.
func (railsFormat) Algorithms() []keyring.Algorithm {
	return []keyring.Algorithm{keyring.RailsMessageVerifier, keyring.RailsMessageEncryptor, keyring.RailsCookies}
}

// The ActionDispatch cookie jar salts (Rails' defaults) and the
// iterations of Rails.application.key_generator.
const (
	railsSaltSigned       = "signed cookie"
	railsSaltGCM          = "authenticated encrypted cookie"
	railsSaltCBC          = "encrypted cookie"
	railsSaltCBCSign      = "signed encrypted cookie"
	railsKeyGenIterations = 1000
)

var railsDigests = map[string]struct {
	new   func() hash.Hash
	title string
}{
	"sha1":   {sha1.New, "HMAC-SHA1"},
	"sha256": {sha256.New, "HMAC-SHA256"},
	"sha512": {sha512.New, "HMAC-SHA512"},
}

// railsSettings are a key's options, checked.
type railsSettings struct {
	digest     string // the HMAC of a verifier, a cbc encryptor, a signed jar
	serializer string // json, marshal or hybrid
	cipher     string // aes-256-gcm or aes-256-cbc
	jar        string // cookies: encrypted or signed
	keyDigest  string // cookies: the KeyGenerator's hash
}

func railsOptions(alg keyring.Algorithm, o keyring.Options) (railsSettings, error) {
	var s railsSettings
	var err error
	defSer := "marshal"
	if alg == keyring.RailsCookies {
		defSer = "json"
	}
	if s.serializer, err = ChoiceOption(o, "serializer", defSer, "json", "marshal", "hybrid"); err != nil {
		return s, err
	}
	if s.digest, err = ChoiceOption(o, "digest", "sha1", "sha1", "sha256", "sha512"); err != nil {
		return s, err
	}
	if alg != keyring.RailsMessageVerifier {
		if s.cipher, err = ChoiceOption(o, "cipher", "aes-256-gcm", "aes-256-gcm", "aes-256-cbc"); err != nil {
			return s, err
		}
	}
	if alg == keyring.RailsCookies {
		if s.jar, err = ChoiceOption(o, "jar", "encrypted", "encrypted", "signed"); err != nil {
			return s, err
		}
		if s.keyDigest, err = ChoiceOption(o, "key-digest", "sha256", "sha1", "sha256"); err != nil {
			return s, err
		}
		if _, ok := o.Get("cipher"); ok && s.jar == "signed" {
			return s, fmt.Errorf("%w: cipher is an option of the encrypted jar, not of jar=signed", keyring.ErrOption)
		}
	}
	return s, nil
}

// ParseKey reads a Rails key: the text secret of a MessageVerifier, the
// 32-byte secret of a MessageEncryptor in hex (then, for aes-256-cbc,
// optionally its sign secret in hex; without one Rails signs with the
// secret itself), or an application's secret_key_base as text.
func (railsFormat) ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error) {
	s, err := railsOptions(alg, opts)
	if err != nil {
		return keyring.Material{}, err
	}
	m := keyring.Material{Algorithm: alg, Options: opts}
	switch alg {
	case keyring.RailsMessageVerifier, keyring.RailsCookies:
		if m.Secret, err = TextSecret(input); err != nil {
			return keyring.Material{}, err
		}
	case keyring.RailsMessageEncryptor:
		ws, err := HexSecretsOptional(input, 1, "the secret", "the sign secret")
		if err != nil {
			return keyring.Material{}, err
		}
		if len(ws[0]) != 32 {
			clear(ws[0])
			return keyring.Material{}, fmt.Errorf("%w: the secret of an %s MessageEncryptor is 32 bytes (64 hexadecimal digits), not %d", ErrKeyInput, s.cipher, len(ws[0]))
		}
		m.Secret = ws[0]
		if len(ws) == 2 {
			if s.cipher == "aes-256-gcm" {
				clear(ws[0])
				clear(ws[1])
				return keyring.Material{}, fmt.Errorf("%w: an aes-256-gcm MessageEncryptor has no sign secret (add --opt cipher=aes-256-cbc if the encryptor uses cbc)", ErrKeyInput)
			}
			m.SignSecret = ws[1]
		}
	default:
		return keyring.Material{}, fmt.Errorf("%w: %s is not a Rails algorithm", ErrKeyInput, alg)
	}
	return m, nil
}

// railsShape is the syntax of a Rails token.
type railsShape struct {
	value string // the token, percent-decoded
	gcm   bool
	// gcm: the three parts, decoded.
	ct, iv, tag []byte
	// signed (a verifier message, a cbc message, a signed cookie).
	data   string // base64 text, as signed
	digest string // lowercase hex
}

// railsUnescape decodes a cookie value's percent-escapes (Rack escapes
// '=', '/' and '+' in the cookies it sets).
func railsUnescape(tok string) (string, error) {
	tok = strings.TrimSpace(tok)
	if len(tok) >= 2 && tok[0] == '"' && tok[len(tok)-1] == '"' {
		tok = tok[1 : len(tok)-1]
	}
	if !strings.Contains(tok, "%") {
		return tok, nil
	}
	return url.PathUnescape(tok)
}

var railsB64 = base64.StdEncoding.Strict()

// railsDecode64 decodes the base64 of a message's data: strict, padded
// standard base64 as Rails writes it, or unpadded base64url (Rails 7.1's
// url_safe messages).
func railsDecode64(s string) ([]byte, error) {
	if b, err := railsB64.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

func isLowerHexString(s string) bool { return isLowerHex([]byte(s)) }

// parseRails reads a token's syntax, or says what is wrong.
func parseRails(tok string) (railsShape, string) {
	if len(tok) > maxInput {
		return railsShape{}, fmt.Sprintf("the input has %d characters; the limit is %d", len(tok), maxInput)
	}
	v, err := railsUnescape(tok)
	if err != nil {
		return railsShape{}, "the value has a bad percent-escape"
	}
	s := railsShape{value: v}
	if parts := strings.Split(v, "--"); len(parts) == 3 {
		var errs [3]error
		s.ct, errs[0] = railsB64.DecodeString(parts[0])
		s.iv, errs[1] = railsB64.DecodeString(parts[1])
		s.tag, errs[2] = railsB64.DecodeString(parts[2])
		if errors.Join(errs[:]...) != nil || len(s.ct) == 0 || len(s.iv) != 12 || len(s.tag) != 16 {
			return railsShape{}, "an encrypted message is base64 of the ciphertext, a 12-byte IV and a 16-byte tag, joined by \"--\""
		}
		s.gcm = true
		return s, ""
	}
	i := strings.LastIndex(v, "--")
	if i <= 0 {
		return railsShape{}, "a Rails message is base64 data \"--\" a hex digest, or ciphertext \"--\" IV \"--\" tag"
	}
	s.data, s.digest = v[:i], v[i+2:]
	if n := len(s.digest); n != 40 && n != 64 && n != 128 || !isLowerHexString(s.digest) {
		return railsShape{}, "a signed message ends in \"--\" and an HMAC-SHA1, -SHA256 or -SHA512 digest in lowercase hex (40, 64 or 128 digits)"
	}
	if _, err := railsDecode64(s.data); err != nil {
		return railsShape{}, "a signed message's data is not base64"
	}
	return s, ""
}

func railsDigestTitle(hexLen int) string {
	switch hexLen {
	case 40:
		return "HMAC-SHA1"
	case 64:
		return "HMAC-SHA256"
	}
	return "HMAC-SHA512"
}

// Detect recognises the layouts strictly: an encrypted message (three
// base64 parts, a 12-byte IV and a 16-byte tag), or a signed message whose
// digest is lowercase hex of an HMAC's length and whose base64 data holds
// Marshal 4.8, JSON, or a cbc encryptor's ciphertext "--" IV.
func (railsFormat) Detect(tok string) bool {
	s, bad := parseRails(tok)
	if bad != "" {
		return false
	}
	if s.gcm {
		return true
	}
	data, _ := railsDecode64(s.data)
	return bytes.HasPrefix(data, []byte{4, 8}) || json.Valid(data) || isCBCBlob(data)
}

// isCBCBlob reports whether b is base64(ciphertext) "--" base64(IV), as a
// cbc MessageEncryptor signs it.
func isCBCBlob(b []byte) bool {
	ct, iv, ok := bytes.Cut(b, []byte("--"))
	if !ok {
		return false
	}
	c, err1 := railsB64.DecodeString(string(ct))
	i, err2 := railsB64.DecodeString(string(iv))
	return err1 == nil && err2 == nil && len(i) == aes.BlockSize && len(c) > 0 && len(c)%aes.BlockSize == 0
}

// Peek shows a Rails token's layout and, for a signed message that is not
// encrypted, its metadata and payload. Nothing is verified.
func (f railsFormat) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok)}
	s, bad := parseRails(tok)
	if bad != "" {
		p.Err = reject(f, token.ErrInvalid, StageEncoding, 0, "%s", bad)
		return p
	}
	if s.gcm {
		p.Sealed, p.CiphertextLen = true, len(s.ct)
		p.Details = []Detail{{"layout", "encrypted message (aes-256-gcm)"}}
		return p
	}
	data, _ := railsDecode64(s.data)
	p.Size = len(data)
	dt := railsDigestTitle(len(s.digest))
	if isCBCBlob(data) {
		p.Sealed = true
		p.Details = []Detail{{"layout", "encrypted message (aes-256-cbc, signed with " + dt + ")"}}
		return p
	}
	p.Details = []Detail{{"layout", "signed message (" + dt + ")"}}
	m, err := railsUnwrap(data, "hybrid")
	if err != nil {
		return p
	}
	p.ExpiresAt = m.exp
	p.Details = append(p.Details, m.details()...)
	if m.json != nil {
		p.Payload, p.PayloadCodec = m.json, m.codec
	}
	return p
}

// railsMessage is a message's content once authenticated (or decrypted).
type railsMessage struct {
	envelope   string // "", "Rails 6.1 (message)" or "Rails 7.1 (data)"
	purpose    string
	hasPurpose bool
	exp        time.Time
	payload    []byte // the serialized value
	json       []byte
	codec      string
}

func (m railsMessage) details() []Detail {
	var d []Detail
	if m.envelope != "" {
		d = append(d, Detail{"metadata", m.envelope})
	}
	if m.hasPurpose {
		d = append(d, Detail{"purpose", m.purpose})
	}
	return d
}

// errRailsPayload is a message whose serialized value does not read.
type errRailsPayload struct{ reason string }

func (e errRailsPayload) Error() string { return e.reason }

// railsUnwrap reads Rails' metadata envelope, if any, then the value
// with serializer ser (json, marshal or hybrid).
//
// Rails 6.1 to 7.0 wrap a value with a purpose or an expiry in JSON:
// {"_rails":{"message":base64(serialized),"exp":ISO8601|null,"pur":…}},
// whatever the serializer. Rails 7.1 (use_message_serializer_for_metadata)
// wraps it in the serializer itself: {"_rails":{"data":value,"exp":…,
// "pur":…}}, in JSON or in Marshal.
func railsUnwrap(plain []byte, ser string) (railsMessage, error) {
	var m railsMessage
	if len(plain) > 0 && plain[0] == '{' {
		var outer map[string]json.RawMessage
		if codec.JSON().Unmarshal(plain, &outer) == nil {
			if raw, ok := outer["_rails"]; ok {
				return railsJSONEnvelope(raw, ser)
			}
		}
	}
	if ser != "json" && bytes.HasPrefix(plain, []byte{4, 8}) {
		v, err := rubymarshal.Decode(plain)
		if err != nil {
			return m, errRailsPayload{"the Marshal payload cannot be read: " + strings.TrimPrefix(err.Error(), "rubymarshal: ")}
		}
		if h, ok := v.(*rubymarshal.Hash); ok {
			if env, ok := h.Get("_rails"); ok {
				if e, ok := env.(*rubymarshal.Hash); ok {
					if data, ok := e.Get("data"); ok {
						m.envelope = "Rails 7.1 (data)"
						if err := m.marshalMeta(e); err != nil {
							return m, err
						}
						v = data
					}
				}
			}
		}
		js, err := rubymarshal.JSON(v)
		if err != nil {
			return m, errRailsPayload{"the Marshal payload has no JSON form: " + strings.TrimPrefix(err.Error(), "rubymarshal: ")}
		}
		m.payload, m.json, m.codec = plain, js, "ruby-marshal"
		return m, nil
	}
	return m, m.value(plain, ser)
}

// value reads a serialized value.
func (m *railsMessage) value(b []byte, ser string) error {
	m.payload = b
	if ser == "marshal" || ser == "hybrid" && bytes.HasPrefix(b, []byte{4, 8}) {
		v, err := rubymarshal.Decode(b)
		if err != nil {
			return errRailsPayload{"the Marshal payload cannot be read: " + strings.TrimPrefix(err.Error(), "rubymarshal: ")}
		}
		js, err := rubymarshal.JSON(v)
		if err != nil {
			return errRailsPayload{"the Marshal payload has no JSON form: " + strings.TrimPrefix(err.Error(), "rubymarshal: ")}
		}
		m.json, m.codec = js, "ruby-marshal"
		return nil
	}
	if err := codec.Validate(codec.JSON(), b); err != nil {
		return errRailsPayload{"the JSON payload does not parse: " + err.Error()}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return errRailsPayload{"the JSON payload does not parse"}
	}
	m.json, m.codec = buf.Bytes(), "json"
	return nil
}

func railsJSONEnvelope(raw json.RawMessage, ser string) (railsMessage, error) {
	var m railsMessage
	var env map[string]json.RawMessage
	if err := codec.JSON().Unmarshal(raw, &env); err != nil {
		return m, errRailsPayload{"the metadata envelope (_rails) is not a JSON object"}
	}
	for _, name := range []string{"pur", "exp"} {
		r, ok := env[name]
		if !ok || string(r) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return m, errRailsPayload{"the metadata's " + name + " is not a string"}
		}
		if name == "pur" {
			m.purpose, m.hasPurpose = s, true
		} else if err := m.setExp(s); err != nil {
			return m, err
		}
	}
	if r, ok := env["message"]; ok {
		m.envelope = "Rails 6.1 (message)"
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return m, errRailsPayload{"the metadata's message is not a string"}
		}
		b, err := railsB64.DecodeString(s)
		if err != nil {
			return m, errRailsPayload{"the metadata's message is not base64"}
		}
		return m, m.value(b, ser)
	}
	if r, ok := env["data"]; ok && ser != "marshal" {
		m.envelope = "Rails 7.1 (data)"
		return m, m.value(r, "json")
	}
	return m, errRailsPayload{"the metadata envelope (_rails) holds no message or data"}
}

func (m *railsMessage) marshalMeta(e *rubymarshal.Hash) error {
	if v, ok := e.Get("pur"); ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return errRailsPayload{"the metadata's pur is not a string"}
		}
		m.purpose, m.hasPurpose = s, true
	}
	if v, ok := e.Get("exp"); ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return errRailsPayload{"the metadata's exp is not a string"}
		}
		return m.setExp(s)
	}
	return nil
}

func (m *railsMessage) setExp(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return errRailsPayload{"the metadata's exp is not an ISO 8601 time"}
	}
	m.exp = t
	return nil
}

// railsKey is a key ready to open: its derived keys are computed once,
// when the opener is built.
type railsKey struct {
	key    keyring.Key
	s      railsSettings
	cookie bool
	gcm    cipher.AEAD  // aes-256-gcm
	block  cipher.Block // aes-256-cbc
	mac    []byte       // the HMAC key of a signed layout (verifier, cbc, signed jar)
	hash   func() hash.Hash
	hexLen int // the digest's length in hex
}

func (k *railsKey) layout() string {
	switch {
	case k.gcm != nil:
		return "aes-256-gcm"
	case k.block != nil:
		return "aes-256-cbc"
	}
	return "signed"
}

func newRailsKey(k keyring.Key) (*railsKey, error) {
	m := k.Material()
	s, err := railsOptions(k.Algorithm, m.Options)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", k.ID, err)
	}
	rk := &railsKey{key: k, s: s, cookie: k.Algorithm == keyring.RailsCookies}
	d := railsDigests[s.digest]
	rk.hash, rk.hexLen = d.new, 2*d.new().Size()
	secret, sign := m.Secret, m.SignSecret
	if rk.cookie {
		kd := sha256.New
		if s.keyDigest == "sha1" {
			kd = sha1.New
		}
		derive := func(salt string, n int) ([]byte, error) {
			return pbkdf2.Key(kd, string(m.Secret), []byte(salt), railsKeyGenIterations, n)
		}
		switch {
		case s.jar == "signed":
			secret, err = derive(railsSaltSigned, 64)
		case s.cipher == "aes-256-gcm":
			secret, err = derive(railsSaltGCM, 32)
		default:
			if secret, err = derive(railsSaltCBC, 32); err == nil {
				sign, err = derive(railsSaltCBCSign, 64)
			}
		}
		clear(m.Secret) // only the derived keys are kept
		if err != nil {
			return nil, fmt.Errorf("key %s: deriving the cookie keys: %w", k.ID, err)
		}
	}
	switch {
	case k.Algorithm == keyring.RailsMessageVerifier || rk.cookie && s.jar == "signed":
		rk.mac = secret
	case s.cipher == "aes-256-gcm":
		b, err := aes.NewCipher(secret)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		if rk.gcm, err = cipher.NewGCM(b); err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
	default:
		if rk.block, err = aes.NewCipher(secret); err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		rk.mac = secret
		if len(sign) > 0 {
			rk.mac = sign
		}
	}
	return rk, nil
}

// NewOpener collects r's Rails keys that verify (at most MaxKeyTrial of
// each algorithm) and derives the cookie keys of each once.
func (f railsFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	op := &railsOpener{f: f, o: o}
	for _, alg := range f.Algorithms() {
		ks, err := TrialKeys(r, alg)
		if te, ok := errors.AsType[*KeyTrialError](err); ok {
			return tooManyKeys{te}, nil
		}
		if err != nil {
			return nil, err
		}
		for _, k := range ks {
			rk, err := newRailsKey(k)
			if err != nil {
				return nil, err
			}
			if rk.cookie {
				op.cookies = append(op.cookies, rk)
			} else {
				op.messages = append(op.messages, rk)
			}
		}
	}
	if len(op.cookies)+len(op.messages) == 0 {
		return nil, ErrNoKeys
	}
	return op, nil
}

// railsOpener opens Rails messages and cookies. It is safe for concurrent
// use: its keys are read only.
type railsOpener struct {
	f        railsFormat
	o        Options
	messages []*railsKey // verifier and encryptor keys, newest first
	cookies  []*railsKey // cookie keys, newest first
}

// Open verifies a MessageVerifier or MessageEncryptor message. A cookie of
// a Rails cookie jar binds its name: Open rejects it, and OpenCookie
// opens it.
func (o *railsOpener) Open(tok string) (Opened, error) {
	return o.open("", tok)
}

// OpenCookie verifies the value of cookie name: under the cookie keys,
// with purpose "cookie.<name>", then as a message.
func (o *railsOpener) OpenCookie(name, value string) (Opened, error) {
	return o.open(name, value)
}

func (o *railsOpener) open(name, tok string) (Opened, error) {
	s, bad := parseRails(tok)
	if bad != "" {
		stage := StageEncoding
		if len(tok) > maxInput {
			stage = StageSize
		}
		return Opened{}, reject(o.f, token.ErrInvalid, stage, 0, "%s", bad)
	}
	keys := o.messages
	if name != "" {
		keys = append(append([]*railsKey(nil), o.cookies...), o.messages...)
	}
	var tried []*railsKey
	for _, k := range keys {
		plain, r := k.read(s)
		switch r {
		case railsUnfit:
			continue
		case railsFailed:
			tried = append(tried, k)
			continue
		}
		return o.finish(k, name, plain)
	}
	cookieHint := ""
	if name == "" && slices.ContainsFunc(o.cookies, func(k *railsKey) bool { return k.fits(s) }) {
		cookieHint = "; if the value is a Rails cookie, it opens only under its name: give the whole Cookie: header, or name=value"
	}
	if len(tried) == 0 {
		if cookieHint != "" {
			e := reject(o.f, token.ErrInvalid, StageKey, 0, "the value may be a Rails cookie, which opens only under its name: give the whole Cookie: header, or name=value")
			e.Err = ErrNoKeys
			return Opened{}, e
		}
		layout := "a signed message with an " + railsDigestTitle(len(s.digest)) + " digest"
		if s.gcm {
			layout = "an aes-256-gcm encrypted message"
		}
		e := reject(o.f, token.ErrInvalid, StageKey, 0, "%s, and the keyring holds no Rails key of that kind (digest, cipher and jar options) to open it", layout)
		e.Err = ErrNoKeys
		return Opened{}, e
	}
	ids := make([]string, len(tried))
	for i, k := range tried {
		ids[i] = k.key.ID.String()
	}
	e := reject(o.f, token.ErrInvalid, StageAuthentication, 0, "authentication failed under %s: the value was altered, or written with another secret%s", strings.Join(ids, ", "), cookieHint)
	if len(tried) == 1 {
		e.KeyID = tried[0].key.ID
	}
	return Opened{}, e
}

// railsRead is what reading a token under one key found.
type railsRead int

const (
	railsAuthentic railsRead = iota // plain is the plaintext
	railsUnfit                      // the key does not fit the layout (another cipher or digest)
	railsFailed                     // the key fits, and the token does not authenticate
)

// fits reports whether k can read s's layout (its cipher, its digest).
func (k *railsKey) fits(s railsShape) bool {
	if s.gcm {
		return k.gcm != nil
	}
	return k.mac != nil && len(s.digest) == k.hexLen
}

// read authenticates (and decrypts) s under k.
func (k *railsKey) read(s railsShape) (plain []byte, r railsRead) {
	if s.gcm {
		if k.gcm == nil {
			return nil, railsUnfit
		}
		ct := make([]byte, 0, len(s.ct)+len(s.tag))
		ct = append(append(ct, s.ct...), s.tag...)
		pt, err := k.gcm.Open(nil, s.iv, ct, nil)
		if err != nil {
			return nil, railsFailed
		}
		return pt, railsAuthentic
	}
	if !k.fits(s) {
		return nil, railsUnfit
	}
	mac := hmac.New(k.hash, k.mac)
	mac.Write([]byte(s.data))
	want := make([]byte, hex.EncodedLen(mac.Size()))
	hex.Encode(want, mac.Sum(nil))
	if !hmac.Equal(want, []byte(s.digest)) {
		return nil, railsFailed
	}
	data, err := railsDecode64(s.data)
	if err != nil {
		return nil, railsFailed // not reached: parseRails decoded it
	}
	if k.block == nil {
		return data, railsAuthentic
	}
	// cbc: the signed data is base64(ciphertext) "--" base64(IV).
	if !isCBCBlob(data) {
		return []byte{}, railsAuthentic // authentic, but not a cbc blob: finish rejects the empty plaintext
	}
	c, v, _ := bytes.Cut(data, []byte("--"))
	ctext, _ := railsB64.DecodeString(string(c))
	iv, _ := railsB64.DecodeString(string(v))
	pt := make([]byte, len(ctext))
	cipher.NewCBCDecrypter(k.block, iv).CryptBlocks(pt, ctext)
	n := int(pt[len(pt)-1])
	if n == 0 || n > aes.BlockSize || !bytes.Equal(pt[len(pt)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return []byte{}, railsAuthentic
	}
	return pt[:len(pt)-n], railsAuthentic
}

// finish reads an authentic plaintext: its metadata, purpose, expiry and
// payload.
func (o *railsOpener) finish(k *railsKey, name string, plain []byte) (Opened, error) {
	id := k.key.ID
	if len(plain) == 0 {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, id, "the message is authentic under key %s, but holds no aes-256-cbc ciphertext with valid padding", id)
	}
	m, err := railsUnwrap(plain, k.s.serializer)
	if err != nil {
		e := reject(o.f, token.ErrInvalid, StagePayload, id, "the message is authentic under key %s (serializer %s), but %s", id, k.s.serializer, err.Error())
		e.Err = err
		return Opened{}, e
	}
	want, what := o.o.Purpose, fmt.Sprintf("purpose %q", o.o.Purpose)
	if k.cookie {
		want, what = "cookie."+name, fmt.Sprintf("cookie %q (purpose %q)", name, "cookie."+name)
	}
	switch {
	case m.purpose != want:
		got := "no purpose"
		if m.hasPurpose {
			got = fmt.Sprintf("purpose %q", m.purpose)
		}
		if want == "" {
			what = "no purpose"
		}
		return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, id, "the message has %s; it was asked for %s", got, what)
	case k.cookie && o.o.Purpose != "" && o.o.Purpose != m.purpose:
		return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, id, "the cookie has purpose %q, not %q", m.purpose, o.o.Purpose)
	}
	if err := CheckTimes(o.f, o.o, id, time.Time{}, m.exp, time.Time{}); err != nil {
		return Opened{}, err
	}
	layout := k.layout()
	switch {
	case k.cookie && k.s.jar == "signed":
		layout = "signed cookie (" + railsDigests[k.s.digest].title + ")"
	case k.cookie:
		layout = "encrypted cookie (" + layout + ")"
	case layout == "signed":
		layout = "signed message (" + railsDigests[k.s.digest].title + ")"
	default:
		layout = "encrypted message (" + layout + ")"
	}
	res := Opened{Format: o.f, Key: k.key, ExpiresAt: m.exp, Payload: m.payload, Codec: m.codec}
	if !o.o.ValidateOnly {
		res.JSON = m.json
	}
	res.Details = append([]Detail{{"layout", layout}}, m.details()...)
	if k.cookie {
		res.Details = append(res.Details, Detail{"cookie", name})
	}
	return res, nil
}
