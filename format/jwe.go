package format

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// MaxJWEPlaintext is the largest plaintext, in bytes, that opening a JWE
// produces: a compressed ("zip":"DEF") payload that inflates beyond it is
// rejected as soon as it does, whatever its compressed size.
const MaxJWEPlaintext = 64 << 10

// JWE returns the format of JSON Web Encryption tokens with a shared
// content key: the compact serialization (RFC 7516) header "." encrypted
// key "." IV "." ciphertext "." tag, with "alg":"dir" (so the encrypted
// key is empty) and "enc":"A256GCM" (a 96-bit IV and a 128-bit tag, the
// additional data being the header's base64url text). The plaintext is a
// JWT claims set, checked as JWT checks it (times, and the key's iss and
// aud options). "zip":"DEF" (raw DEFLATE) is inflated up to
// MaxJWEPlaintext bytes. Any other alg, enc or zip, "crit", and a nested
// JWT ("cty":"JWT") are rejected.
//
// A JWE names no key that sesstool uses ("kid" is shown only): opening
// tries the ring's jwe-dir-a256gcm keys, newest first, at most
// MaxKeyTrial. It binds no purpose, and carries an expiry when its claims
// have "exp".
func JWE() Format { return jweFormat{} }

type jweFormat struct{}

func (jweFormat) Name() string        { return "jwe" }
func (jweFormat) Title() string       { return "JWE" }
func (jweFormat) BindsPurpose() bool  { return false }
func (jweFormat) CarriesExpiry() bool { return true }

// Algorithms returns jwe-dir-a256gcm.
func (jweFormat) Algorithms() []keyring.Algorithm {
	return []keyring.Algorithm{keyring.JWEDirA256GCM}
}

// ParseKey reads the 32-byte content key in hexadecimal, with the options
// iss and aud.
func (jweFormat) ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error) {
	if alg != keyring.JWEDirA256GCM {
		return keyring.Material{}, fmt.Errorf("%w: %s is not a JWE algorithm", ErrKeyInput, alg)
	}
	if err := checkClaimOptions(opts); err != nil {
		return keyring.Material{}, err
	}
	s, err := HexSecrets(input, "the A256GCM key")
	if err != nil {
		return keyring.Material{}, err
	}
	if len(s[0]) != 32 {
		n := len(s[0])
		clear(s[0])
		return keyring.Material{}, fmt.Errorf("%w: the A256GCM key has %d bytes; it has 32 (64 hexadecimal digits)", ErrKeyInput, n)
	}
	return keyring.Material{Algorithm: alg, Secret: s[0], Options: opts}, nil
}

// Detect recognises five parts separated by dots, the first an unpadded
// base64url JSON object with string "alg" and "enc", the others base64url.
func (jweFormat) Detect(tok string) bool {
	if len(tok) > maxInput {
		return false
	}
	parts, ok := joseParts(tok, 5)
	if !ok {
		return false
	}
	for _, p := range parts[1:] {
		if !IsBase64URL(p) {
			return false
		}
	}
	h, err := parseJOSEHeader(parts[0])
	return err == nil && h.enc != ""
}

// jweParts is a JWE, decoded.
type jweParts struct {
	h                joseHeader
	headerB64        string
	iv, ct, tag      []byte
	zip              bool
	encryptedKeySize int
}

// parse checks a JWE's syntax and header.
func (f jweFormat) parse(tok string) (jweParts, *Error) {
	if len(tok) > maxInput {
		return jweParts{}, reject(f, token.ErrInvalid, StageSize, 0, "the token has %d bytes, more than the %d a JWE may have here", len(tok), maxInput)
	}
	parts, ok := joseParts(tok, 5)
	if !ok {
		return jweParts{}, reject(f, token.ErrInvalid, StageEncoding, 0, "a compact JWE has five parts separated by dots (header.key.iv.ciphertext.tag), and this has %d", strings.Count(tok, ".")+1)
	}
	var p jweParts
	var err error
	if p.h, err = parseJOSEHeader(parts[0]); err != nil {
		return jweParts{}, reject(f, token.ErrInvalid, StageHeader, 0, "%v", err)
	}
	p.headerB64 = parts[0]
	var ek []byte
	for i, what := range []string{"the encrypted key", "the IV", "the ciphertext", "the tag"} {
		b, err := joseDecode(parts[i+1], what)
		if err != nil {
			return p, reject(f, token.ErrInvalid, StageEncoding, 0, "%v", err)
		}
		switch i {
		case 0:
			ek = b
		case 1:
			p.iv = b
		case 2:
			p.ct = b
		case 3:
			p.tag = b
		}
	}
	p.encryptedKeySize = len(ek)
	if _, ok := p.h.members["zip"]; ok {
		var zip string
		if err := p.h.str("zip", &zip); err != nil {
			return p, reject(f, token.ErrInvalid, StageHeader, 0, "%v", err)
		}
		if zip != "DEF" {
			return p, reject(f, token.ErrInvalid, StageHeader, 0, `the header's "zip" is %s; the only compression is "DEF"`, quoteClaim(zip))
		}
		p.zip = true
	}
	return p, nil
}

// check applies the algorithm rules to a parsed JWE: "alg":"dir" with an
// empty encrypted key, "enc":"A256GCM" with a 12-byte IV and a 16-byte
// tag, and no nested JWT.
func (p jweParts) check(f Format) *Error {
	switch {
	case p.h.alg != "dir":
		return reject(f, token.ErrInvalid, StageHeader, 0, `the token's key management algorithm is %s; sesstool opens JWEs with "alg":"dir" only, under a jwe-dir-a256gcm key`, quoteClaim(p.h.alg))
	case p.h.enc != "A256GCM":
		return reject(f, token.ErrInvalid, StageHeader, 0, `the token's content encryption is %s; sesstool opens JWEs with "enc":"A256GCM" only`, quoteClaim(p.h.enc))
	case p.encryptedKeySize != 0:
		return reject(f, token.ErrInvalid, StageEncoding, 0, `the encrypted key part holds %d bytes, and with "alg":"dir" it is empty`, p.encryptedKeySize)
	case len(p.iv) != 12:
		return reject(f, token.ErrInvalid, StageEncoding, 0, "the IV has %d bytes, and A256GCM's has 12", len(p.iv))
	case len(p.tag) != 16:
		return reject(f, token.ErrInvalid, StageEncoding, 0, "the tag has %d bytes, and A256GCM's has 16", len(p.tag))
	}
	var cty string
	if err := p.h.str("cty", &cty); err != nil {
		return reject(f, token.ErrInvalid, StageHeader, 0, "%v", err)
	}
	if strings.EqualFold(cty, "JWT") {
		return reject(f, token.ErrInvalid, StageHeader, 0, `the token holds a nested JWT ("cty":"JWT"), which sesstool does not open; its plaintext is a claims set`)
	}
	return nil
}

// Peek decodes the header. The claims are encrypted: Peek shows the
// header, its key ID and the ciphertext's size. Nothing is verified.
func (f jweFormat) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok), Sealed: true}
	jp, err := f.parse(tok)
	if jp.h.json != nil {
		p.Details = jp.h.details()
	}
	if err == nil {
		err = jp.check(f)
	}
	if err != nil {
		p.Err = err
		return p
	}
	p.CiphertextLen = len(jp.ct)
	return p
}

// jweKey is a key of the ring that opens JWEs.
type jweKey struct {
	key    keyring.Key
	aead   cipher.AEAD
	claims joseClaimOptions
}

// NewOpener collects r's jwe-dir-a256gcm keys that verify. o.KeyID
// (which chooses a Ktor key) does not apply.
func (f jweFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	op := &jweOpener{f: f, o: o}
	for k := range r.Keys() {
		if k.Algorithm != keyring.JWEDirA256GCM {
			continue
		}
		if !k.State.Verifies() {
			continue
		}
		secret := k.Material().Secret
		b, err := aes.NewCipher(secret)
		clear(secret)
		if err != nil {
			return nil, fmt.Errorf("format: key %s: %w", k.ID, err)
		}
		g, err := cipher.NewGCM(b)
		if err != nil {
			return nil, fmt.Errorf("format: key %s: %w", k.ID, err)
		}
		op.keys = append(op.keys, jweKey{key: k, aead: g, claims: claimOptions(k.Options)})
	}
	if len(op.keys) == 0 {
		return nil, ErrNoKeys
	}
	slices.Reverse(op.keys) // newest first
	return op, nil
}

// jweOpener opens and mints JWEs. It is safe for concurrent use.
type jweOpener struct {
	f    jweFormat
	o    Options
	keys []jweKey // newest first
}

// Open decrypts a JWE under each key in turn, inflates it if "zip":"DEF",
// and checks its claims.
func (o *jweOpener) Open(tok string) (Opened, error) {
	p, rerr := o.f.parse(tok)
	if rerr == nil {
		rerr = p.check(o.f)
	}
	if rerr != nil {
		return Opened{}, rerr
	}
	if len(o.keys) > MaxKeyTrial {
		return Opened{}, &KeyTrialError{Algorithm: keyring.JWEDirA256GCM, Keys: len(o.keys), Max: MaxKeyTrial}
	}
	sealed := make([]byte, 0, len(p.ct)+len(p.tag))
	sealed = append(append(sealed, p.ct...), p.tag...)
	var (
		k  *jweKey
		pt []byte
	)
	for i := range o.keys {
		out, err := o.keys[i].aead.Open(nil, p.iv, sealed, []byte(p.headerB64))
		if err == nil {
			k, pt = &o.keys[i], out
			break
		}
	}
	if k == nil {
		e := reject(o.f, token.ErrInvalid, StageAuthentication, 0, "the A256GCM tag does not verify under %s", underKeys(o.keys, func(k jweKey) keyring.ID { return k.key.ID }, string(keyring.JWEDirA256GCM)))
		if len(o.keys) == 1 {
			e.KeyID = o.keys[0].key.ID
		}
		return Opened{}, e
	}
	if p.zip {
		var err error
		if pt, err = inflateRaw(pt, MaxJWEPlaintext); err != nil {
			return Opened{}, reject(o.f, token.ErrInvalid, StagePayload, k.key.ID, "the compressed plaintext (\"zip\":\"DEF\") %v", err)
		}
	}
	return openClaims(o.f, o.o, k.key, k.claims, pt, p.h)
}

// Mint writes a JWE under the newest active JWE key,
// with the header {"alg":"dir","enc":"A256GCM"} and a random IV, without
// compression. payload is the claims, completed as JWT's Mint completes
// them.
func (o *jweOpener) Mint(payload []byte, v token.Validity) (string, Opened, error) {
	k, err := mintKey(o.keys, func(k jweKey) keyring.Key { return k.key })
	if err != nil {
		return "", Opened{}, err
	}
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
		Enc string `json:"enc"`
	}{"dir", "A256GCM"})
	hb := joseB64.EncodeToString(header)
	iv := make([]byte, 12)
	rand.Read(iv)
	sealed := k.aead.Seal(nil, iv, claims, []byte(hb))
	ct, tag := sealed[:len(sealed)-16], sealed[len(sealed)-16:]
	tok := hb + ".." + joseB64.EncodeToString(iv) + "." + joseB64.EncodeToString(ct) + "." + joseB64.EncodeToString(tag)
	res, err := o.Open(tok)
	if err != nil {
		return "", Opened{}, fmt.Errorf("format: the minted JWE does not open: %w", err)
	}
	return tok, res, nil
}
