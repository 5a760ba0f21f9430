package format

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// JWT returns the format of JSON Web Tokens signed with HMAC: the JWS
// compact serialization (RFC 7515) of a JWT claims set (RFC 7519),
// header "." claims "." signature, each part unpadded base64url, with
// "alg" HS256, HS384 or HS512.
//
// The algorithm is bound to the key: a jwt-hs256 key verifies HS256
// tokens only, and a token is tried only under the keys of its header's
// algorithm (newest first, at most MaxKeyTrial), so "alg":"none" and
// algorithm switching (an HS384 token against an HS256 key, an RS256
// public key used as an HMAC secret) are rejected. "kid" is shown, never
// used to choose a key. "crit" and "b64":false are rejected. Header and
// claims are strict JSON (no duplicate member, codec's limits); "exp",
// "nbf" and "iat" are checked by CheckTimes, and the key's "iss" and
// "aud" options by the claims.
//
// A JWT binds no purpose; it carries an expiry when it has "exp".
func JWT() Format { return jwtFormat{} }

type jwtFormat struct{}

func (jwtFormat) Name() string        { return "jwt" }
func (jwtFormat) Title() string       { return "JWT" }
func (jwtFormat) BindsPurpose() bool  { return false }
func (jwtFormat) CarriesExpiry() bool { return true }

// jwtAlg is one HMAC algorithm of JWS (RFC 7518 §3.2).
type jwtAlg struct {
	name string // as "alg" names it
	alg  keyring.Algorithm
	hash func() hash.Hash
	size int // the hash output, in bytes: the tag's size and the shortest key RFC 7518 allows
}

var jwtAlgs = []jwtAlg{
	{"HS256", keyring.JWTHS256, sha256.New, 32},
	{"HS384", keyring.JWTHS384, sha512.New384, 48},
	{"HS512", keyring.JWTHS512, sha512.New, 64},
}

func jwtAlgByName(name string) (jwtAlg, bool) {
	for _, a := range jwtAlgs {
		if a.name == name {
			return a, true
		}
	}
	return jwtAlg{}, false
}

func jwtAlgByKey(alg keyring.Algorithm) (jwtAlg, bool) {
	for _, a := range jwtAlgs {
		if a.alg == alg {
			return a, true
		}
	}
	return jwtAlg{}, false
}

// Algorithms returns jwt-hs256, jwt-hs384 and jwt-hs512.
func (jwtFormat) Algorithms() []keyring.Algorithm {
	return []keyring.Algorithm{keyring.JWTHS256, keyring.JWTHS384, keyring.JWTHS512}
}

// ParseKey reads a JWT HMAC secret as text (TextSecret: its UTF-8 bytes,
// one trailing newline dropped), with the options iss and aud. A secret
// shorter than the hash output is refused by keyring's Import unless
// Material.AllowShortKey is set (RFC 7518 §3.2).
func (f jwtFormat) ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error) {
	if _, ok := jwtAlgByKey(alg); !ok {
		return keyring.Material{}, fmt.Errorf("%w: %s is not a JWT algorithm", ErrKeyInput, alg)
	}
	if err := checkClaimOptions(opts); err != nil {
		return keyring.Material{}, err
	}
	secret, err := TextSecret(input)
	if err != nil {
		return keyring.Material{}, err
	}
	return keyring.Material{Algorithm: alg, Secret: secret, Options: opts}, nil
}

// checkClaimOptions refuses an empty iss or aud option.
func checkClaimOptions(o keyring.Options) error {
	for _, name := range []string{"iss", "aud"} {
		if v, ok := o.Get(name); ok && v == "" {
			return fmt.Errorf("%w: %s is the %s the tokens must name, and is empty", keyring.ErrOption, name, map[string]string{"iss": "issuer", "aud": "audience"}[name])
		}
	}
	return nil
}

// Detect recognises three parts separated by dots, the first an unpadded
// base64url JSON object with a string "alg" and no "enc" (a JWE has five
// parts), the others base64url. Another format's token never has one:
// sesstool and Ktor tokens have no dots, PASETO's first part is "v4", and
// itsdangerous' payload carries no "alg".
func (jwtFormat) Detect(tok string) bool {
	if len(tok) > maxInput {
		return false
	}
	parts, ok := joseParts(tok, 3)
	if !ok || !IsBase64URL(parts[1]) || !IsBase64URL(parts[2]) {
		return false
	}
	h, err := parseJOSEHeader(parts[0])
	return err == nil && h.enc == ""
}

// Peek decodes the header and the claims. Nothing is verified.
func (f jwtFormat) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok)}
	h, claims, err := f.parse(tok)
	if h.json != nil {
		p.Details = h.details()
	}
	if err != nil {
		p.Err = err
		return p
	}
	raw, _ := joseDecode(claims, "the claims") // parse checked it
	if c, err := parseClaims(raw); err == nil {
		p.Payload, p.PayloadCodec = c.json, "json"
		p.IssuedAt, p.ExpiresAt, p.NotBefore = c.iat, c.exp, c.nbf
	} else {
		p.Err = reject(f, token.ErrInvalid, StagePayload, 0, "%v", err)
	}
	return p
}

// parse checks a token's syntax and header, and returns the header and
// the claims part, still encoded.
func (f jwtFormat) parse(tok string) (joseHeader, string, *Error) {
	if len(tok) > maxInput {
		return joseHeader{}, "", reject(f, token.ErrInvalid, StageSize, 0, "the token has %d bytes, more than the %d a JWT may have here", len(tok), maxInput)
	}
	parts, ok := joseParts(tok, 3)
	if !ok {
		return joseHeader{}, "", reject(f, token.ErrInvalid, StageEncoding, 0, "a JWT has three parts separated by dots (header.claims.signature), and this has %d", strings.Count(tok, ".")+1)
	}
	h, err := parseJOSEHeader(parts[0])
	if err != nil {
		return joseHeader{}, "", reject(f, token.ErrInvalid, StageHeader, 0, "%v", err)
	}
	if _, err := joseDecode(parts[1], "the claims"); err != nil {
		return h, "", reject(f, token.ErrInvalid, StageEncoding, 0, "%v", err)
	}
	if _, err := joseDecode(parts[2], "the signature"); err != nil {
		return h, "", reject(f, token.ErrInvalid, StageEncoding, 0, "%v", err)
	}
	if _, ok := h.members["zip"]; ok {
		return h, "", reject(f, token.ErrInvalid, StageHeader, 0, `the header has "zip", which only a JWE may have`)
	}
	if h.enc != "" {
		return h, "", reject(f, token.ErrInvalid, StageHeader, 0, `the header has "enc", which only a JWE (five parts) may have`)
	}
	return h, parts[1], nil
}

// jwtKey is a key of the ring that verifies JWTs.
type jwtKey struct {
	key    keyring.Key
	secret []byte
	claims joseClaimOptions
}

// NewOpener collects r's jwt-hs* keys that verify, by algorithm.
// o.KeyID (which chooses a Ktor key) does not apply.
func (f jwtFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	op := &jwtOpener{f: f, o: o, keys: map[keyring.Algorithm][]jwtKey{}, trialErr: map[keyring.Algorithm]error{}}
	for k := range r.Keys() {
		if _, ok := jwtAlgByKey(k.Algorithm); !ok {
			continue
		}
		if !k.State.Verifies() {
			continue
		}
		jk := jwtKey{key: k, secret: k.Material().Secret, claims: claimOptions(k.Options)}
		op.keys[k.Algorithm] = append(op.keys[k.Algorithm], jk)
		op.all = append(op.all, jk)
	}
	if len(op.all) == 0 {
		return nil, ErrNoKeys
	}
	for alg, ks := range op.keys {
		slices.Reverse(ks) // newest first
		if len(ks) > MaxKeyTrial {
			op.trialErr[alg] = &KeyTrialError{Algorithm: alg, Keys: len(ks), Max: MaxKeyTrial}
		}
	}
	slices.Reverse(op.all)
	return op, nil
}

// jwtOpener opens and mints JWTs. It is safe for concurrent use.
type jwtOpener struct {
	f        jwtFormat
	o        Options
	keys     map[keyring.Algorithm][]jwtKey // newest first
	all      []jwtKey                       // newest first
	trialErr map[keyring.Algorithm]error
}

// Open verifies a JWT under the keys of its header's algorithm, then its
// claims: the key's iss and aud options, and its times.
func (o *jwtOpener) Open(tok string) (Opened, error) {
	h, claims, rerr := o.f.parse(tok)
	if rerr != nil {
		return Opened{}, rerr
	}
	a, ok := jwtAlgByName(h.alg)
	switch {
	case h.alg == "none":
		return Opened{}, reject(o.f, token.ErrInvalid, StageHeader, 0, `the token is an unsecured JWT ("alg":"none"), which carries no signature and is never accepted`)
	case !ok:
		return Opened{}, reject(o.f, token.ErrInvalid, StageHeader, 0, "the token's algorithm is %s; sesstool verifies JWTs signed with HS256, HS384 or HS512, each under a key of that algorithm only", quoteClaim(h.alg))
	}
	if err := o.trialErr[a.alg]; err != nil {
		return Opened{}, err
	}
	keys := o.keys[a.alg]
	if len(keys) == 0 {
		what := fmt.Sprintf("a JWT signed with %s", a.name)
		e := reject(o.f, token.ErrInvalid, StageKey, 0, "%s, and the keyring holds no %s key: a JWT key verifies tokens of its own algorithm only", what, a.alg)
		e.Err, e.Algorithm, e.Subject = ErrNoKeys, a.alg, what
		return Opened{}, e
	}
	sig, _ := joseDecode(tok[strings.LastIndexByte(tok, '.')+1:], "the signature") // parse checked it
	if len(sig) != a.size {
		return Opened{}, reject(o.f, token.ErrInvalid, StageAuthentication, 0, "the signature has %d bytes, and an %s signature has %d", len(sig), a.name, a.size)
	}
	input := tok[:strings.LastIndexByte(tok, '.')]
	var k *jwtKey
	for i := range keys {
		m := hmac.New(a.hash, keys[i].secret)
		m.Write([]byte(input))
		if hmac.Equal(m.Sum(nil), sig) {
			k = &keys[i]
			break
		}
	}
	if k == nil {
		e := reject(o.f, token.ErrInvalid, StageAuthentication, 0, "the %s signature does not verify under %s", a.name, underKeys(keys, func(k jwtKey) keyring.ID { return k.key.ID }, string(a.alg)))
		if len(keys) == 1 {
			e.KeyID = keys[0].key.ID
		}
		return Opened{}, e
	}
	raw, _ := joseDecode(claims, "the claims")
	return openClaims(o.f, o.o, k.key, k.claims, raw, h)
}

// openClaims checks a verified claims set against the key's options and
// the clock, and returns the Opened token.
func openClaims(f Format, o Options, k keyring.Key, co joseClaimOptions, raw []byte, h joseHeader) (Opened, error) {
	c, err := parseClaims(raw)
	if err != nil {
		return Opened{}, reject(f, token.ErrInvalid, StagePayload, k.ID, "%v", err)
	}
	if err := co.check(f, k.ID, c); err != nil {
		return Opened{}, err
	}
	if err := CheckTimes(f, o, k.ID, c.iat, c.exp, c.nbf); err != nil {
		return Opened{}, err
	}
	res := Opened{Format: f, Key: k, IssuedAt: c.iat, ExpiresAt: c.exp, NotBefore: c.nbf,
		Payload: raw, Codec: "json", Details: h.details()}
	if !o.ValidateOnly {
		res.JSON = c.json
	}
	return res, nil
}

// underKeys names the keys a token was tried under, for messages.
func underKeys[K any](keys []K, id func(K) keyring.ID, alg string) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = id(k).String()
	}
	if len(ids) == 1 {
		return "key " + ids[0]
	}
	return fmt.Sprintf("any of the %d %s keys %s", len(ids), alg, strings.Join(ids, ", "))
}

// ErrNoActiveJOSEKey is returned by the Minter of JWT or JWE when the ring
// holds no active key of the format.
var ErrNoActiveJOSEKey = errors.New("the keyring holds no active key to write the token")

// mintKey returns the newest active key of keys (newest first).
func mintKey[K any](keys []K, key func(K) keyring.Key) (K, error) {
	for _, k := range keys {
		if s := key(k).State; s == keyring.Active || s == keyring.Primary {
			return k, nil
		}
	}
	var zero K
	return zero, ErrNoActiveJOSEKey
}

// Mint writes a JWT under the newest active JWT key,
// with the header {"alg":…,"typ":"JWT"}. payload is the claims, a JSON
// object; "iat" is set to now, and "exp", "nbf", "iss" and "aud" from v and
// the key's options where payload does not have them. The result opens
// under the same key at now.
func (o *jwtOpener) Mint(payload []byte, v token.Validity) (string, Opened, error) {
	k, err := mintKey(o.all, func(k jwtKey) keyring.Key { return k.key })
	if err != nil {
		return "", Opened{}, err
	}
	a, _ := jwtAlgByKey(k.key.Algorithm)
	now := time.Now()
	if o.o.Now != nil {
		now = o.o.Now()
	}
	claims, err := mintClaims(payload, v, now, k.claims)
	if err != nil {
		return "", Opened{}, err
	}
	header, _ := json.Marshal(struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}{a.name, "JWT"})
	input := joseB64.EncodeToString(header) + "." + joseB64.EncodeToString(claims)
	m := hmac.New(a.hash, k.secret)
	m.Write([]byte(input))
	tok := input + "." + joseB64.EncodeToString(m.Sum(nil))
	res, err := o.Open(tok)
	if err != nil {
		return "", Opened{}, fmt.Errorf("format: the minted JWT does not open: %w", err)
	}
	return tok, res, nil
}
