package format

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/chacha20"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// PasetoV4Local returns the format of PASETO v4.local tokens:
// "v4.local." base64url(n || c || t) ["." base64url(footer)], where the
// 32-byte nonce n and the key k give, by keyed BLAKE2b, the XChaCha20 key
// and nonce ("paseto-encryption-key") and the MAC key
// ("paseto-auth-key-for-aead"), c is the XChaCha20 ciphertext of the
// claims, and t the 32-byte keyed BLAKE2b of PAE(header, n, c, footer,
// implicit assertion).
//
// The keys are paseto-v4-local keys (32 bytes); a key's
// "implicit-assertion" option is the implicit assertion its tokens were
// made with. A token names no key: opening tries the ring's keys, newest
// first, at most MaxKeyTrial of them. The claims are a JSON object, read
// strictly; its "exp", "nbf" and "iat" (RFC 3339) are checked with
// CheckTimes. PASETO binds no purpose.
func PasetoV4Local() Format { return pasetoFormat{local: true} }

// PasetoV4Public returns the format of PASETO v4.public tokens:
// "v4.public." base64url(m || sig) ["." base64url(footer)], where sig is
// the Ed25519 signature of PAE(header, m, footer, implicit assertion) and
// m the claims, in clear.
//
// The keys are paseto-v4-public keys: the 32-byte Ed25519 public key,
// which verifies, or the 64-byte secret key (seed || public key), which
// also mints. Otherwise as PasetoV4Local.
func PasetoV4Public() Format { return pasetoFormat{} }

type pasetoFormat struct{ local bool }

// The sizes of v4's parts, in bytes.
const (
	pasetoNonceSize = 32 // v4.local's n
	pasetoMACSize   = 32 // v4.local's t
	pasetoKeySize   = 32
)

// pasetoImplicit is the option that holds a key's implicit assertion.
const pasetoImplicit = "implicit-assertion"

func (f pasetoFormat) Name() string {
	if f.local {
		return "paseto-v4-local"
	}
	return "paseto-v4-public"
}

func (f pasetoFormat) Title() string {
	if f.local {
		return "PASETO v4.local token"
	}
	return "PASETO v4.public token"
}

func (pasetoFormat) BindsPurpose() bool { return false }

// CarriesExpiry is true: a token's "exp" claim is authenticated. A token
// without one carries no expiry, which Demands.Unproven rejects when an
// expiry check is asked for.
func (pasetoFormat) CarriesExpiry() bool { return true }

func (f pasetoFormat) header() string {
	if f.local {
		return "v4.local."
	}
	return "v4.public."
}

func (f pasetoFormat) algorithm() keyring.Algorithm {
	if f.local {
		return keyring.PasetoV4Local
	}
	return keyring.PasetoV4Public
}

// minBody is the fewest bytes the decoded body has: n and t, or the
// signature.
func (f pasetoFormat) minBody() int {
	if f.local {
		return pasetoNonceSize + pasetoMACSize
	}
	return ed25519.SignatureSize
}

// Algorithms returns the one algorithm of the format's keys.
func (f pasetoFormat) Algorithms() []keyring.Algorithm {
	return []keyring.Algorithm{f.algorithm()}
}

// Detect checks the header and that the rest is one or two base64url
// parts separated by a dot. It decodes nothing.
func (f pasetoFormat) Detect(tok string) bool {
	if len(tok) > maxInput || !strings.HasPrefix(tok, f.header()) {
		return false
	}
	body, footer, two := strings.Cut(tok[len(f.header()):], ".")
	return body != "" && IsBase64URL(body) && (!two || footer != "" && IsBase64URL(footer))
}

// pasetoParts is a token split and decoded, nothing verified.
type pasetoParts struct {
	body   []byte // n || c || t, or m || sig
	footer []byte
}

// split decodes tok strictly: the header, unpadded canonical base64url,
// no empty footer after a dot.
func (f pasetoFormat) split(tok string) (pasetoParts, *Error) {
	if len(tok) > maxInput {
		return pasetoParts{}, reject(f, token.ErrInvalid, StageSize, 0, "the input has %d characters, more than the %d a PASETO token may have here", len(tok), maxInput)
	}
	if !strings.HasPrefix(tok, f.header()) {
		what := "the input"
		if v, p, ok := pasetoHeader(tok); ok {
			what = fmt.Sprintf("the input is a %s.%s token, and", v, p)
		}
		return pasetoParts{}, reject(f, token.ErrInvalid, StageHeader, 0, "%s does not start with %q: only %ss open here", what, f.header(), f.Title())
	}
	b64, fb64, two := strings.Cut(tok[len(f.header()):], ".")
	if strings.Contains(fb64, ".") {
		return pasetoParts{}, reject(f, token.ErrInvalid, StageEncoding, 0, "the token has more than four dot-separated parts")
	}
	if two && fb64 == "" {
		return pasetoParts{}, reject(f, token.ErrInvalid, StageEncoding, 0, "the token ends with a dot but has no footer")
	}
	var p pasetoParts
	var ok bool
	if p.body, ok = decodeBase64URL(b64); !ok {
		return pasetoParts{}, reject(f, token.ErrInvalid, StageEncoding, 0, "the token's body is not unpadded base64url")
	}
	if p.footer, ok = decodeBase64URL(fb64); !ok {
		return pasetoParts{}, reject(f, token.ErrInvalid, StageEncoding, 0, "the token's footer is not unpadded base64url")
	}
	if len(p.body) < f.minBody() {
		return pasetoParts{}, reject(f, token.ErrInvalid, StageEncoding, 0, "the token's body has %d bytes, fewer than the %d of its nonce and tag", len(p.body), f.minBody())
	}
	return p, nil
}

// pasetoHeader reads the version and purpose of any PASETO-like token
// ("v3", "local"), for messages.
func pasetoHeader(tok string) (version, purpose string, ok bool) {
	parts := strings.SplitN(tok, ".", 3)
	if len(parts) < 3 || len(parts[0]) != 2 || parts[0][0] != 'v' || parts[0][1] < '1' || parts[0][1] > '9' {
		return "", "", false
	}
	if parts[1] != "local" && parts[1] != "public" {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// decodeBase64URL decodes unpadded, canonical base64url; "" is empty.
func decodeBase64URL(s string) ([]byte, bool) {
	if !IsBase64URL(s) {
		return nil, false // also refuses the CR and LF the decoder skips
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return b, err == nil
}

// pae is PASETO's pre-authentication encoding: the number of pieces, then
// each piece's length and bytes, the numbers as 64-bit little-endian
// with the top bit clear.
func pae(pieces ...[]byte) []byte {
	n := 8
	for _, p := range pieces {
		n += 8 + len(p)
	}
	out := make([]byte, 0, n)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(pieces))&(1<<63-1))
	for _, p := range pieces {
		out = binary.LittleEndian.AppendUint64(out, uint64(len(p))&(1<<63-1))
		out = append(out, p...)
	}
	return out
}

// keyedBLAKE2b returns the size-byte BLAKE2b of the pieces under key.
func keyedBLAKE2b(size int, key []byte, pieces ...[]byte) []byte {
	h, err := blake2b.New(size, key)
	if err != nil {
		panic("format: paseto: " + err.Error()) // not reached: sizes and keys are fixed
	}
	for _, p := range pieces {
		h.Write(p)
	}
	return h.Sum(nil)
}

// pasetoLocalKeys splits key with nonce n into the encryption key, the
// XChaCha20 nonce and the MAC key (v4.local, steps 4 of Encrypt and
// Decrypt).
func pasetoLocalKeys(key, n []byte) (ek, n2, ak []byte) {
	tmp := keyedBLAKE2b(56, key, []byte("paseto-encryption-key"), n)
	ak = keyedBLAKE2b(32, key, []byte("paseto-auth-key-for-aead"), n)
	return tmp[:32], tmp[32:], ak
}

// xchacha20 is the XChaCha20 stream over in.
func xchacha20(key, nonce, in []byte) []byte {
	c, err := chacha20.NewUnauthenticatedCipher(key, nonce)
	if err != nil {
		panic("format: paseto: " + err.Error()) // not reached: 32-byte key, 24-byte nonce
	}
	out := make([]byte, len(in))
	c.XORKeyStream(out, in)
	return out
}

// pasetoDecrypt is v4.local's Decrypt: the claims, or false when the tag
// does not verify. The tag is compared in constant time.
func pasetoDecrypt(key []byte, p pasetoParts, implicit []byte) ([]byte, bool) {
	n := p.body[:pasetoNonceSize]
	c := p.body[pasetoNonceSize : len(p.body)-pasetoMACSize]
	t := p.body[len(p.body)-pasetoMACSize:]
	ek, n2, ak := pasetoLocalKeys(key, n)
	t2 := keyedBLAKE2b(pasetoMACSize, ak, pae([]byte("v4.local."), n, c, p.footer, implicit))
	if !hmac.Equal(t, t2) {
		return nil, false
	}
	return xchacha20(ek, n2, c), true
}

// pasetoEncrypt is v4.local's Encrypt with nonce n.
func pasetoEncrypt(key, n, m, footer, implicit []byte) string {
	ek, n2, ak := pasetoLocalKeys(key, n)
	c := xchacha20(ek, n2, m)
	t := keyedBLAKE2b(pasetoMACSize, ak, pae([]byte("v4.local."), n, c, footer, implicit))
	return pasetoJoin("v4.local.", slices.Concat(n, c, t), footer)
}

// pasetoVerify is v4.public's Verify: the claims, or false.
func pasetoVerify(pub ed25519.PublicKey, p pasetoParts, implicit []byte) ([]byte, bool) {
	m := p.body[:len(p.body)-ed25519.SignatureSize]
	sig := p.body[len(p.body)-ed25519.SignatureSize:]
	if !ed25519.Verify(pub, pae([]byte("v4.public."), m, p.footer, implicit), sig) {
		return nil, false
	}
	return m, true
}

// pasetoSign is v4.public's Sign.
func pasetoSign(priv ed25519.PrivateKey, m, footer, implicit []byte) string {
	sig := ed25519.Sign(priv, pae([]byte("v4.public."), m, footer, implicit))
	return pasetoJoin("v4.public.", slices.Concat(m, sig), footer)
}

func pasetoJoin(h string, body, footer []byte) string {
	s := h + base64.RawURLEncoding.EncodeToString(body)
	if len(footer) > 0 {
		s += "." + base64.RawURLEncoding.EncodeToString(footer)
	}
	return s
}

// pasetoClaims is what a token's claims say, read strictly.
type pasetoClaims struct {
	json          []byte // compact
	iat, exp, nbf time.Time
}

// readPasetoClaims reads the claims: one JSON object (duplicate keys,
// invalid UTF-8 and excess nesting refused by codec.Validate), whose exp,
// nbf and iat, when present, are RFC 3339 strings.
func readPasetoClaims(m []byte) (pasetoClaims, error) {
	if err := codec.Validate(codec.JSON(), m); err != nil {
		return pasetoClaims{}, fmt.Errorf("the claims are not JSON: %w", err)
	}
	if t := bytes.TrimLeft(m, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return pasetoClaims{}, errors.New("the claims are JSON but not an object")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(m, &obj); err != nil {
		return pasetoClaims{}, fmt.Errorf("the claims do not decode: %w", err)
	}
	var c pasetoClaims
	for _, x := range []struct {
		name string
		t    *time.Time
	}{{"exp", &c.exp}, {"nbf", &c.nbf}, {"iat", &c.iat}} {
		raw, ok := obj[x.name]
		if !ok {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return pasetoClaims{}, fmt.Errorf("the %q claim is not a string: PASETO times are RFC 3339 strings", x.name)
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return pasetoClaims{}, fmt.Errorf("the %q claim is not an RFC 3339 time", x.name)
		}
		*x.t = t
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, m); err != nil {
		return pasetoClaims{}, fmt.Errorf("the claims do not decode: %w", err)
	}
	c.json = buf.Bytes()
	return c, nil
}

// pasetoDetails are the footer and, when the footer is a JSON object with
// a string "kid", that kid (a PASERK key ID, not a sesstool key ID).
func pasetoDetails(footer []byte) []Detail {
	if len(footer) == 0 {
		return nil
	}
	d := []Detail{{Label: "footer", Value: printable(footer)}}
	if t := bytes.TrimLeft(footer, " \t\r\n"); len(t) > 0 && t[0] == '{' && codec.Validate(codec.JSON(), footer) == nil {
		var obj map[string]json.RawMessage
		var kid string
		if json.Unmarshal(footer, &obj) == nil && obj["kid"] != nil && json.Unmarshal(obj["kid"], &kid) == nil {
			d = append(d, Detail{Label: "footer kid", Value: printable([]byte(kid))})
		}
	}
	return d
}

// printable returns b as it is when it is printable UTF-8, else quoted
// with Go escapes.
func printable(b []byte) string {
	s := string(b)
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

// Peek splits the token and, for v4.public, reads its claims (in clear);
// the footer is shown as a detail. Nothing is verified.
func (f pasetoFormat) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok)}
	parts, err := f.split(tok)
	if err != nil {
		p.Err = err
		return p
	}
	p.Size = len(parts.body)
	p.Details = pasetoDetails(parts.footer)
	if f.local {
		p.Sealed = true
		return p
	}
	if c, err := readPasetoClaims(parts.body[:len(parts.body)-ed25519.SignatureSize]); err == nil {
		p.Payload, p.PayloadCodec = c.json, "json"
		p.IssuedAt, p.ExpiresAt, p.NotBefore = c.iat, c.exp, c.nbf
	}
	return p
}

// ParseKey reads a v4 key: 32 bytes in hex, or a PASERK ("k4.local." for
// paseto-v4-local; "k4.public." for paseto-v4-public, or there the 64-byte
// secret key, "k4.secret." or hex, which also mints). The one option is
// implicit-assertion.
func (f pasetoFormat) ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error) {
	if alg != f.algorithm() {
		return keyring.Material{}, fmt.Errorf("%w: a %s format reads %s keys, not %s", ErrKeyInput, f.Name(), f.algorithm(), alg)
	}
	for n := range opts.All() {
		if n != pasetoImplicit {
			return keyring.Material{}, fmt.Errorf("%w: a %s key has only the option %s", keyring.ErrOption, alg, pasetoImplicit)
		}
	}
	key, err := f.parseKeyText(bytes.TrimSpace(input))
	if err != nil {
		return keyring.Material{}, err
	}
	if len(key) == ed25519.PrivateKeySize {
		pub := ed25519.NewKeyFromSeed(key[:ed25519.SeedSize]).Public().(ed25519.PublicKey)
		if !hmac.Equal(pub, key[ed25519.SeedSize:]) {
			clear(key)
			return keyring.Material{}, fmt.Errorf("%w: the secret key's second half is not the public key of its first half (the seed)", ErrKeyInput)
		}
	}
	return keyring.Material{Algorithm: alg, Secret: key, Options: opts}, nil
}

func (f pasetoFormat) parseKeyText(s []byte) ([]byte, error) {
	if len(s) == 0 {
		return nil, fmt.Errorf("%w: the input is empty", ErrKeyInput)
	}
	if s[0] == 'k' && bytes.Contains(s, []byte(".")) {
		return f.parsePASERK(string(s))
	}
	words, err := HexSecrets(s, "the key")
	if err != nil {
		return nil, err
	}
	key := words[0]
	if len(key) == pasetoKeySize || !f.local && len(key) == ed25519.PrivateKeySize {
		return key, nil
	}
	clear(key)
	if f.local {
		return nil, fmt.Errorf("%w: a v4.local key is 32 bytes (64 hexadecimal digits), not %d", ErrKeyInput, len(words[0]))
	}
	return nil, fmt.Errorf("%w: a v4.public key is the 32-byte Ed25519 public key (64 hexadecimal digits) or the 64-byte secret key (128 digits), not %d bytes", ErrKeyInput, len(words[0]))
}

// parsePASERK reads a k4.local, k4.public or k4.secret PASERK. Its errors
// name the type, never the key.
func (f pasetoFormat) parsePASERK(s string) ([]byte, error) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 3 {
		return nil, fmt.Errorf("%w: a PASERK is k4.TYPE.DATA, and the input is not", ErrKeyInput)
	}
	version, typ, data := parts[0], parts[1], parts[2]
	if version != "k4" {
		return nil, fmt.Errorf("%w: the PASERK is not of version 4 (k4.); sesstool reads PASETO v4 keys only", ErrKeyInput)
	}
	var want []string
	if f.local {
		want = []string{"local"}
	} else {
		want = []string{"public", "secret"}
	}
	switch {
	case typ == "local" || typ == "public" || typ == "secret":
		if !slices.Contains(want, typ) {
			other := "paseto-v4-public"
			if typ == "local" {
				other = "paseto-v4-local"
			}
			return nil, fmt.Errorf("%w: the input is a k4.%s PASERK, which is a key for --alg %s, not %s", ErrKeyInput, typ, other, f.algorithm())
		}
	default:
		if len(typ) > 16 || !IsBase64URL(typ) {
			typ = "unknown"
		}
		return nil, fmt.Errorf("%w: a PASERK of type %s is not a key sesstool reads; give k4.%s", ErrKeyInput, typ, strings.Join(want, ". or k4.")+".")
	}
	key, ok := decodeBase64URL(data)
	size := pasetoKeySize
	if typ == "secret" {
		size = ed25519.PrivateKeySize
	}
	if !ok || len(key) != size {
		clear(key)
		return nil, fmt.Errorf("%w: a k4.%s PASERK holds %d bytes in unpadded base64url, and this one does not", ErrKeyInput, typ, size)
	}
	return key, nil
}

// NewOpener collects r's keys of the format's algorithm that verify,
// newest first.
func (f pasetoFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	op := &pasetoOpener{f: f, o: o}
	var has bool
	for k := range r.Keys() {
		if k.Algorithm == f.algorithm() && k.State.Verifies() {
			has = true
			break
		}
	}
	if !has {
		return nil, fmt.Errorf("%w: no %s key", ErrNoKeys, f.algorithm())
	}
	keys, err := TrialKeys(r, f.algorithm())
	if err != nil {
		// Reported by Open, so that the ring's other formats still open.
		op.trialErr = err
		return op, nil
	}
	for _, k := range keys {
		m := k.Material()
		pk := pasetoKey{key: k, secret: m.Secret}
		if v, ok := k.Options.Get(pasetoImplicit); ok {
			pk.implicit = []byte(v)
		}
		op.keys = append(op.keys, pk)
	}
	return op, nil
}

type pasetoKey struct {
	key      keyring.Key
	secret   []byte // 32 bytes, or for v4.public 64 (seed || public key)
	implicit []byte
}

// public returns a v4.public key's Ed25519 public key.
func (k pasetoKey) public() ed25519.PublicKey {
	if len(k.secret) == ed25519.PrivateKeySize {
		return ed25519.PublicKey(k.secret[ed25519.SeedSize:])
	}
	return ed25519.PublicKey(k.secret)
}

// pasetoOpener opens PASETO v4 tokens under a ring's keys of one purpose,
// and mints them. It is safe for concurrent use: it changes nothing after
// NewOpener.
type pasetoOpener struct {
	f        pasetoFormat
	o        Options
	keys     []pasetoKey // newest first
	trialErr error
}

// Open verifies tok under each key in turn, then reads its claims and
// checks their times.
func (op *pasetoOpener) Open(tok string) (Opened, error) {
	parts, rerr := op.f.split(tok)
	if rerr != nil {
		return Opened{}, rerr
	}
	if op.trialErr != nil {
		return Opened{}, op.trialErr
	}
	for _, k := range op.keys {
		var m []byte
		var ok bool
		if op.f.local {
			m, ok = pasetoDecrypt(k.secret, parts, k.implicit)
		} else {
			m, ok = pasetoVerify(k.public(), parts, k.implicit)
		}
		if !ok {
			continue
		}
		res, err := op.opened(k, m, parts.footer)
		if err != nil {
			return Opened{}, err
		}
		if err := CheckTimes(op.f, op.o, k.key.ID, res.IssuedAt, res.ExpiresAt, res.NotBefore); err != nil {
			return Opened{}, err
		}
		return res, nil
	}
	what := "tag"
	if !op.f.local {
		what = "signature"
	}
	e := reject(op.f, token.ErrInvalid, StageAuthentication, 0, "the %s does not verify under %s (or the token was made with another footer or implicit assertion)", what, op.under())
	if len(op.keys) == 1 {
		e.KeyID = op.keys[0].key.ID
	}
	return Opened{}, e
}

// under names the keys tried, for messages.
func (op *pasetoOpener) under() string {
	if len(op.keys) == 1 {
		return "key " + op.keys[0].key.ID.String()
	}
	ids := make([]string, len(op.keys))
	for i, k := range op.keys {
		ids[i] = k.key.ID.String()
	}
	return fmt.Sprintf("each of the %d %s keys %s", len(ids), op.f.algorithm(), strings.Join(ids, ", "))
}

// opened reads authentic claims m into an Opened, without checking times.
func (op *pasetoOpener) opened(k pasetoKey, m, footer []byte) (Opened, error) {
	c, err := readPasetoClaims(m)
	if err != nil {
		e := reject(op.f, token.ErrInvalid, StagePayload, k.key.ID, "%v", err)
		e.Err = err
		return Opened{}, e
	}
	res := Opened{
		Format: op.f, Key: k.key, Payload: m, Codec: "json",
		IssuedAt: c.iat, ExpiresAt: c.exp, NotBefore: c.nbf,
		Details: pasetoDetails(footer),
	}
	if len(k.implicit) > 0 {
		res.Details = append(res.Details, Detail{Label: "implicit assertion", Value: printable(k.implicit)})
	}
	if !op.o.ValidateOnly {
		res.JSON = c.json
	}
	return res, nil
}

// Mint makes a token of the claims payload (a JSON object) under the
// newest key that can: for v4.local any key, with a random nonce; for
// v4.public a 64-byte secret key. It adds "iat" (now), "exp"
// (v.ExpiresAt, when set) and "nbf" (v.NotBefore, when set) as RFC 3339
// times in whole seconds; a payload that has one of them already is
// refused. The token has no footer.
func (op *pasetoOpener) Mint(payload []byte, v token.Validity) (string, Opened, error) {
	if op.trialErr != nil {
		return "", Opened{}, op.trialErr
	}
	var k *pasetoKey
	for i := range op.keys {
		if op.f.local || len(op.keys[i].secret) == ed25519.PrivateKeySize {
			k = &op.keys[i]
			break
		}
	}
	if k == nil {
		return "", Opened{}, fmt.Errorf("format: %s: minting needs a secret key (k4.secret. or 64 bytes in hex); the keyring holds only public keys", op.f.Name())
	}
	now := time.Now()
	if op.o.Now != nil {
		now = op.o.Now()
	}
	m, err := pasetoAddClaims(payload, now, v)
	if err != nil {
		return "", Opened{}, fmt.Errorf("format: %s: %w", op.f.Name(), err)
	}
	var tok string
	if op.f.local {
		n := make([]byte, pasetoNonceSize)
		rand.Read(n)
		tok = pasetoEncrypt(k.secret, n, m, nil, k.implicit)
	} else {
		tok = pasetoSign(ed25519.PrivateKey(k.secret), m, nil, k.implicit)
	}
	res, err := op.opened(*k, m, nil)
	if err != nil {
		return "", Opened{}, err // not reached: m was read by pasetoAddClaims
	}
	return tok, res, nil
}

// pasetoAddClaims returns payload, a JSON object, with iat, exp and nbf
// added at its start.
func pasetoAddClaims(payload []byte, now time.Time, v token.Validity) ([]byte, error) {
	if _, err := readPasetoClaims(payload); err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(payload, &obj); err != nil {
		return nil, err
	}
	var add []string
	for _, c := range []struct {
		name string
		t    time.Time
	}{{"iat", now}, {"exp", v.ExpiresAt}, {"nbf", v.NotBefore}} {
		if c.t.IsZero() {
			continue
		}
		if _, ok := obj[c.name]; ok {
			return nil, fmt.Errorf("the payload has a %q claim already; the validity sets it", c.name)
		}
		add = append(add, fmt.Sprintf("%q:%q", c.name, c.t.UTC().Truncate(time.Second).Format(time.RFC3339)))
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, payload); err != nil {
		return nil, err
	}
	rest := buf.Bytes()[1:] // after '{'
	out := "{" + strings.Join(add, ",")
	if len(rest) > 1 { // not "}"
		out += ","
	}
	return []byte(out + string(rest)), nil
}
