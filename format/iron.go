package format

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Iron returns the format of @hapi/iron seals (hapi's cookie and
// session tokens), with iron's default settings:
//
//	Fe26.2*passwordId*encryptionSalt*iv*encrypted*expiration*hmacSalt*hmac
//
// The payload is JSON, encrypted with AES-256-CBC under
// PBKDF2-SHA1(password, encryptionSalt, 1 iteration, 32 bytes); hmac is
// base64url of HMAC-SHA256 under PBKDF2-SHA1(password, hmacSalt, …) of
// everything before "*hmacSalt". expiration, when present, is in
// milliseconds since 1970.
//
// A seal names its password by ID (empty when it has none). A key imported
// with the option password-id=ID opens the seals that name ID, and a key
// without one the seals that name none (password-id=default also opens
// those, as iron's password map does); several keys of one ID (rotation)
// are tried, newest first, at most MaxKeyTrial. It binds no purpose.
func Iron() Format { return ironFormat{} }

const (
	ironPrefix         = "Fe26.2"
	ironMinPassword    = 32 // characters, as JavaScript counts them (UTF-16 code units)
	ironMaxSaltOrField = 1024
)

type ironFormat struct{}

func (ironFormat) Name() string        { return "iron" }
func (ironFormat) Title() string       { return "@hapi/iron seal" }
func (ironFormat) BindsPurpose() bool  { return false }
func (ironFormat) CarriesExpiry() bool { return true }

// Algorithms returns keyring.Iron.
func (ironFormat) Algorithms() []keyring.Algorithm { return []keyring.Algorithm{keyring.Iron} }

// ParseKey reads a password as text (TextSecret): at least 32 characters
// as iron counts them. Options: password-id=ID (letters, digits and '_',
// as iron allows), max-age=SECONDS.
func (ironFormat) ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error) {
	if alg != keyring.Iron {
		return keyring.Material{}, fmt.Errorf("%w: %s is not an iron algorithm", ErrKeyInput, alg)
	}
	pw, err := TextSecret(input)
	if err != nil {
		return keyring.Material{}, err
	}
	if _, err := ironSettings(pw, opts); err != nil {
		clear(pw)
		return keyring.Material{}, err
	}
	return keyring.Material{Algorithm: alg, Secret: pw, Options: opts}, nil
}

type ironKey struct {
	key      keyring.Key
	password []byte
	id       string
	maxAge   time.Duration // 0: none
}

func ironSettings(pw []byte, opts keyring.Options) (ironKey, error) {
	k := ironKey{password: pw}
	if n := len(utf16.Encode([]rune(string(pw)))); n < ironMinPassword {
		return k, fmt.Errorf("%w: the password has %d characters; iron requires at least %d", ErrKeyInput, n, ironMinPassword)
	}
	if id, ok := opts.Get("password-id"); ok {
		if !ironWord(id) {
			return k, fmt.Errorf("%w: password-id is letters, digits and '_', as iron allows", keyring.ErrOption)
		}
		k.id = id
	}
	var err error
	k.maxAge, err = SecondsOption(opts, "max-age", 0)
	return k, err
}

// ironWord reports whether s matches JavaScript's /^\w+$/.
func ironWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// opens reports whether k is a password for seals naming id.
func (k *ironKey) opens(id string) bool {
	return k.id == id || id == "" && k.id == "default"
}

// ironSeal is a seal split into its eight components.
type ironSeal struct {
	id, encSalt, iv, encrypted, expiration, hmacSalt, mac string
	macBase                                               string // the first six components, as the MAC covers them
	exp                                                   time.Time
}

// ironSplit splits and checks a seal's syntax. Its errors are reasons.
func ironSplit(tok string) (ironSeal, string) {
	if !strings.HasPrefix(tok, ironPrefix+"*") {
		return ironSeal{}, "the seal does not start with " + ironPrefix + "*"
	}
	parts := strings.Split(tok, "*")
	if len(parts) != 8 {
		return ironSeal{}, fmt.Sprintf("the seal has %d components separated by '*', not 8", len(parts))
	}
	s := ironSeal{id: parts[1], encSalt: parts[2], iv: parts[3], encrypted: parts[4], expiration: parts[5], hmacSalt: parts[6], mac: parts[7]}
	s.macBase = strings.Join(parts[:6], "*")
	switch {
	case s.id != "" && !ironWord(s.id):
		return s, "the password id is not letters, digits and '_'"
	case len(s.encSalt) > ironMaxSaltOrField || len(s.hmacSalt) > ironMaxSaltOrField:
		return s, fmt.Sprintf("a salt is longer than %d characters", ironMaxSaltOrField)
	case !isB64URLWord(s.iv) || !isB64URLWord(s.encrypted) || !isB64URLWord(s.mac):
		return s, "the IV, the ciphertext or the HMAC is not base64url"
	}
	if s.expiration != "" {
		ms, err := strconv.ParseInt(s.expiration, 10, 64)
		if err != nil || s.expiration[0] == '+' || s.expiration[0] == '-' || ms > 253402300799999 {
			return s, "the expiration is not a number of milliseconds since 1970"
		}
		s.exp = time.UnixMilli(ms).UTC()
	}
	return s, ""
}

// isB64URLWord reports whether s holds only base64url characters, as
// iron's decoder requires (/^[\w-]*$/).
func isB64URLWord(s string) bool { return IsBase64URL(s) }

// Detect recognises the Fe26.2 prefix and eight components.
func (ironFormat) Detect(tok string) bool {
	if len(tok) > maxInput || !strings.HasPrefix(tok, ironPrefix+"*") {
		return false
	}
	return strings.Count(tok, "*") == 7
}

// Peek shows the password ID and the expiration; the payload is
// encrypted. Nothing is verified.
func (f ironFormat) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok), Sealed: true}
	if len(tok) > maxInput {
		p.Err = reject(f, token.ErrInvalid, StageSize, 0, "the seal has %d characters, more than %d", len(tok), maxInput)
		return p
	}
	s, bad := ironSplit(tok)
	if bad != "" {
		p.Err = reject(f, token.ErrInvalid, StageEncoding, 0, "%s", bad)
		return p
	}
	p.ExpiresAt = s.exp
	p.Details = []Detail{{Label: "password id", Value: ironIDText(s.id)}}
	return p
}

// ironIDPhrase says which password a seal names, in words.
func ironIDPhrase(id string) string {
	if id == "" {
		return "the seal names no password id"
	}
	return "the seal names password id " + id
}

func ironIDText(id string) string {
	if id == "" {
		return "(none)"
	}
	return id
}

// NewOpener collects r's iron keys that verify, newest first.
func (f ironFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	ks, bound, err := openerKeys(r, keyring.Iron)
	if bound != nil || err != nil {
		return bound, err
	}
	op := &ironOpener{f: f, o: o}
	for _, k := range ks {
		ik, err := ironSettings(k.Material().Secret, k.Options)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %s: %w", k.ID, err)
		}
		ik.key = k
		op.keys = append(op.keys, ik)
	}
	return op, nil
}

type ironOpener struct {
	f    ironFormat
	o    Options
	keys []ironKey // newest first
}

// ironKeyOf derives a key as iron does: PBKDF2-SHA1 of the password with
// the salt's text, one iteration, 32 bytes.
// Its error (in FIPS 140-only mode, for a salt shorter than 16 bytes) is
// returned as it is.
func ironKeyOf(password []byte, salt string) ([]byte, error) {
	return pbkdf2.Key(sha1.New, string(password), []byte(salt), 1, 32)
}

// ironMAC returns iron's HMAC of base: base64url without padding. It
// returns "" when the key cannot be derived, which no MAC equals.
func ironMAC(password []byte, salt, base string) string {
	key, err := ironKeyOf(password, salt)
	if err != nil {
		return ""
	}
	h := hmac.New(sha256.New, key)
	h.Write([]byte(base))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Open verifies a seal's HMAC under each key for its password ID, checks
// its expiration and the key's max-age, decrypts it and checks that the
// payload is JSON.
func (o *ironOpener) Open(tok string) (Opened, error) {
	if len(tok) > maxInput {
		return Opened{}, reject(o.f, token.ErrInvalid, StageSize, 0, "the seal has %d characters, more than %d", len(tok), maxInput)
	}
	s, bad := ironSplit(tok)
	if bad != "" {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEncoding, 0, "%s", bad)
	}
	var cands []*ironKey
	for i := range o.keys {
		if o.keys[i].opens(s.id) {
			cands = append(cands, &o.keys[i])
		}
	}
	if len(cands) == 0 {
		what := "password-id=" + s.id
		if s.id == "" {
			what = "no password-id (or password-id=default)"
		}
		e := reject(o.f, token.ErrInvalid, StageKey, 0, "%s, and the keyring holds no iron key imported with %s", ironIDPhrase(s.id), what)
		e.Err, e.Algorithm = ErrNoKeys, keyring.Iron
		return Opened{}, e
	}
	var k *ironKey
	for _, c := range cands {
		if mac := ironMAC(c.password, s.hmacSalt, s.macBase); mac != "" && hmac.Equal([]byte(mac), []byte(s.mac)) {
			k = c
			break
		}
	}
	if k == nil {
		var id keyring.ID
		under := "key " + cands[0].key.ID.String()
		if len(cands) == 1 {
			id = cands[0].key.ID
		} else {
			ids := make([]string, len(cands))
			for i, c := range cands {
				ids[i] = c.key.ID.String()
			}
			under = fmt.Sprintf("each of the %d iron keys %s", len(ids), strings.Join(ids, ", "))
		}
		return Opened{}, reject(o.f, token.ErrInvalid, StageAuthentication, id, "the HMAC does not verify under %s (%s)", under, ironIDPhrase(s.id))
	}
	if err := CheckTimes(o.f, o.o, k.key.ID, time.Time{}, s.exp, time.Time{}); err != nil {
		return Opened{}, err
	}
	if k.maxAge > 0 {
		if s.exp.IsZero() {
			return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, k.key.ID, "the seal has no expiration, and key %s's max-age of %v asks for one", k.key.ID, k.maxAge)
		}
		if left := s.exp.Sub(o.now()); left > k.maxAge+o.o.Leeway {
			return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, k.key.ID, "the seal expires in %v, later than key %s's max-age of %v allows", left.Round(time.Second), k.key.ID, k.maxAge)
		}
	}
	iv, err1 := base64.RawURLEncoding.DecodeString(s.iv)
	ct, err2 := base64.RawURLEncoding.DecodeString(s.encrypted)
	if err1 != nil || err2 != nil || len(iv) != aes.BlockSize || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, k.key.ID, "the IV or the ciphertext does not have AES-256-CBC's sizes")
	}
	key, err := ironKeyOf(k.password, s.encSalt)
	if err != nil {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, k.key.ID, "the encryption key cannot be derived from the salt: %v", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return Opened{}, err // not reached: the key has 32 bytes
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > aes.BlockSize || !bytes.Equal(pt[len(pt)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return Opened{}, reject(o.f, token.ErrInvalid, StagePayload, k.key.ID, "the decrypted payload has no valid PKCS#7 padding (were the encryption and integrity passwords different?)")
	}
	pt = pt[:len(pt)-pad]
	js, _, err := PayloadJSON(pt, "json")
	if err != nil {
		e := reject(o.f, token.ErrInvalid, StagePayload, k.key.ID, "the payload is not JSON: %v", err)
		e.Err = err
		return Opened{}, e
	}
	res := Opened{Format: o.f, Key: k.key, ExpiresAt: s.exp, Payload: pt, Codec: "json",
		Details: []Detail{{Label: "password id", Value: ironIDText(s.id)}}}
	if !o.o.ValidateOnly {
		res.JSON = js
	}
	return res, nil
}

func (o *ironOpener) now() time.Time {
	if o.o.Now != nil {
		return o.o.Now()
	}
	return time.Now()
}

// Mint seals a JSON payload with the newest active iron key, under its
// password ID, as iron's seal does with its defaults: fresh random salts
// (256 bits, as hex) and IV. The expiration is v.ExpiresAt, or none when
// it is zero.
func (o *ironOpener) Mint(payload []byte, v token.Validity) (string, Opened, error) {
	var k *ironKey
	for i := range o.keys {
		if o.keys[i].key.State == keyring.Active {
			k = &o.keys[i]
			break
		}
	}
	if k == nil {
		return "", Opened{}, fmt.Errorf("%w: the keyring holds no active iron key", keyring.ErrState)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, payload); err != nil {
		return "", Opened{}, fmt.Errorf("the payload is not JSON: %w", err)
	}
	pt := buf.Bytes()
	salt := func() string {
		b := make([]byte, 32)
		rand.Read(b)
		return hex.EncodeToString(b)
	}
	encSalt, hmacSalt := salt(), salt()
	iv := make([]byte, aes.BlockSize)
	rand.Read(iv)
	pad := aes.BlockSize - len(pt)%aes.BlockSize
	padded := append(bytes.Clone(pt), bytes.Repeat([]byte{byte(pad)}, pad)...)
	key, err := ironKeyOf(k.password, encSalt)
	if err != nil {
		return "", Opened{}, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", Opened{}, err
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(padded, padded)
	exp := ""
	if !v.ExpiresAt.IsZero() {
		exp = strconv.FormatInt(v.ExpiresAt.UnixMilli(), 10)
	}
	id := k.id
	base := strings.Join([]string{ironPrefix, id, encSalt, base64.RawURLEncoding.EncodeToString(iv), base64.RawURLEncoding.EncodeToString(padded), exp}, "*")
	out := base + "*" + hmacSalt + "*" + ironMAC(k.password, hmacSalt, base)
	res := Opened{Format: o.f, Key: k.key, Payload: pt, Codec: "json", Details: []Detail{{Label: "password id", Value: ironIDText(id)}}}
	if exp != "" {
		res.ExpiresAt = time.UnixMilli(v.ExpiresAt.UnixMilli()).UTC()
	}
	return out, res, nil
}
