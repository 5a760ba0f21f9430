package testvectors

// This file is a second implementation of token format v1, written from
// SPEC.md with the standard library and x/crypto only: it never calls the
// token, keyring or transform packages. The builder assembles one token per
// test, in the spirit of C2SP/CCTV's testkit: each case is one readable
// scenario, built, possibly damaged, and given its expected outcome.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// SPEC.md §1.1–§1.2 constants.
const (
	version1     = 0x01
	headerSize   = 5
	envelopeSize = 17 // flags, iat, exp
	flagNBF      = 0x01
	maxUnix      = 253402300799 // 9999-12-31T23:59:59Z
)

// suite is one row of the table in SPEC.md §1.3.
type suite struct {
	keyLen   int              // HKDF output length
	nonceLen int              // 0 for HMAC
	tagLen   int              // AEAD tag or HMAC output
	hash     func() hash.Hash // nil for AEADs
}

var suites = map[string]suite{
	"xchacha20poly1305": {32, chacha20poly1305.NonceSizeX, 16, nil},
	"chacha20poly1305":  {32, chacha20poly1305.NonceSize, 16, nil},
	"aes256gcm":         {32, 12, 16, nil},
	"aes128gcm":         {16, 12, 16, nil},
	"hmac-sha256":       {32, 0, sha256.Size, sha256.New},
	"hmac-sha384":       {32, 0, sha512.Size384, sha512.New384},
	"hmac-sha512":       {32, 0, sha512.Size, sha512.New},
}

// algorithms lists the native algorithms in the order of
// keyring.GeneratedAlgorithms (sorted by name).
var algorithms = []string{"aes128gcm", "aes256gcm", "chacha20poly1305", "hmac-sha256", "hmac-sha384", "hmac-sha512", "xchacha20poly1305"}

func (s suite) isHMAC() bool { return s.hash != nil }

// overhead is what sealing adds to the envelope.
func (s suite) overhead() int { return s.nonceLen + s.tagLen }

// subkey is SPEC.md §1.3's HKDF-SHA256 derivation, with label the
// algorithm name of the info string.
func subkey(secret []byte, label string, n int) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, "sesstool v1 "+label, n)
	if err != nil {
		panic(err)
	}
	return k
}

// sealParams says how to seal one body. The zero value of each deviation
// is the SPEC's behaviour.
type sealParams struct {
	alg   string // the algorithm to seal with
	key   []byte // the cipher or HMAC key (already derived, or not)
	ad    []byte
	nonce []byte // AEADs only; its length must be the suite's
	noLen bool   // HMAC only: omit uvarint(len(ad)) from the MAC input
	env   []byte
}

// seal returns the body of SPEC.md §1.3.
func seal(p sealParams) []byte {
	s := suites[p.alg]
	if s.isHMAC() {
		m := hmac.New(s.hash, p.key)
		if !p.noLen {
			m.Write(binary.AppendUvarint(nil, uint64(len(p.ad))))
		}
		m.Write(p.ad)
		m.Write(p.env)
		return m.Sum(append([]byte(nil), p.env...))
	}
	var a cipher.AEAD
	var err error
	switch p.alg {
	case "xchacha20poly1305":
		a, err = chacha20poly1305.NewX(p.key)
	case "chacha20poly1305":
		a, err = chacha20poly1305.New(p.key)
	case "aes256gcm", "aes128gcm":
		var b cipher.Block
		if b, err = aes.NewCipher(p.key); err == nil {
			a, err = cipher.NewGCM(b)
		}
	default:
		err = fmt.Errorf("unknown algorithm %q", p.alg)
	}
	if err != nil {
		panic(err)
	}
	return a.Seal(append([]byte(nil), p.nonce...), p.nonce, p.env, p.ad)
}

// envelope is SPEC.md §1.2's envelope.
type envelope struct {
	flags         byte
	iat, exp, nbf int64
	payload       []byte
}

func (e envelope) hasNBF() bool { return e.flags&flagNBF != 0 }

func (e envelope) bytes() []byte {
	b := []byte{e.flags}
	b = binary.BigEndian.AppendUint64(b, uint64(e.iat))
	b = binary.BigEndian.AppendUint64(b, uint64(e.exp))
	if e.hasNBF() {
		b = binary.BigEndian.AppendUint64(b, uint64(e.nbf))
	}
	return append(b, e.payload...)
}

// b64 is the only accepted text form of a token (SPEC.md §1.1).
var b64 = base64.RawURLEncoding

// key is one key of a group's keyring. The generator knows the secrets of
// destroyed keys too, so that it can seal tokens a reader must refuse.
type key struct {
	id         uint32
	alg        string
	state      string
	created    time.Time
	retired    time.Time
	destroyed  time.Time
	secret     []byte
	signSecret []byte // ktor-encrypt only
	ktorLayout string // ktor-encrypt only
}

func (k *key) idString() string { return fmt.Sprintf("%08x", k.id) }

// fileKey is the JSON form of a key in a keyring file (SPEC.md §2).
type fileKey struct {
	ID         string     `json:"id"`
	Algorithm  string     `json:"algorithm"`
	State      string     `json:"state"`
	Created    time.Time  `json:"created"`
	Retired    *time.Time `json:"retired,omitempty"`
	Destroyed  *time.Time `json:"destroyed,omitempty"`
	Secret     string     `json:"secret,omitempty"`
	SignSecret string     `json:"signSecret,omitempty"`
	KtorLayout string     `json:"ktorLayout,omitempty"`
}

type keyringFile struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Keys    []fileKey `json:"keys"`
}

func (k *key) fileKey() fileKey {
	fk := fileKey{ID: k.idString(), Algorithm: k.alg, State: k.state, Created: k.created, KtorLayout: k.ktorLayout}
	if !k.retired.IsZero() {
		fk.Retired = &k.retired
	}
	if !k.destroyed.IsZero() {
		fk.Destroyed = &k.destroyed
	}
	if k.state != "destroyed" {
		fk.Secret = b64.EncodeToString(k.secret)
		if k.signSecret != nil {
			fk.SignSecret = b64.EncodeToString(k.signSecret)
		}
	}
	return fk
}

// keyringJSON returns the keyring file holding keys.
func keyringJSON(keys []*key) json.RawMessage {
	f := keyringFile{Format: "sesstool-keyring", Version: 1}
	for _, k := range keys {
		f.Keys = append(f.Keys, k.fileKey())
	}
	out, err := json.Marshal(f)
	if err != nil {
		panic(err)
	}
	return out
}

// fixedBytes returns n reproducible bytes named by label: SHA-256 in counter
// mode. Secrets and nonces of the vectors come from here.
func fixedBytes(label string, n int) []byte {
	var out []byte
	for i := uint32(0); len(out) < n; i++ {
		h := sha256.New()
		h.Write([]byte("sesstool v1 test vectors: " + label))
		h.Write(binary.BigEndian.AppendUint32(nil, i))
		out = h.Sum(out)
	}
	return out[:n]
}

// caseBuilder builds one test. Its zero deviations give a valid token sealed
// under the group's primary key with the group's default envelope.
type caseBuilder struct {
	g    *groupGen
	test Test

	version byte
	keyID   uint32 // in the header
	sealKey *key   // whose secret seals; default the key named by keyID
	sealAlg string // default sealKey.alg
	label   string // HKDF label; default sealAlg
	noHKDF  bool   // use the secret itself as the cipher key
	noLen   bool   // HMAC without the length prefix
	purpose string
	noHdrAD bool // associated data without the header

	env    envelope
	rawEnv []byte // if set, replaces env.bytes()

	raw      []byte // header || body, once sealed
	tok      string
	tokSet   bool
	envValid bool // the envelope is well-formed, so the test lists its times
}

func (b *caseBuilder) Key(k *key) *caseBuilder { b.keyID, b.sealKey = k.id, k; return b }

// HeaderKeyID puts id in the header, keeping the sealing key.
func (b *caseBuilder) HeaderKeyID(id uint32) *caseBuilder {
	if b.sealKey == nil {
		b.sealKey = b.g.primary
	}
	b.keyID = id
	return b
}

func (b *caseBuilder) Version(v byte) *caseBuilder       { b.version = v; return b }
func (b *caseBuilder) SealAs(alg string) *caseBuilder    { b.sealAlg = alg; return b }
func (b *caseBuilder) Label(alg string) *caseBuilder     { b.label = alg; return b }
func (b *caseBuilder) NoHKDF() *caseBuilder              { b.noHKDF = true; return b }
func (b *caseBuilder) HMACNoLength() *caseBuilder        { b.noLen = true; return b }
func (b *caseBuilder) Purpose(p string) *caseBuilder     { b.purpose = p; return b }
func (b *caseBuilder) ADWithoutHeader() *caseBuilder     { b.noHdrAD = true; return b }
func (b *caseBuilder) Payload(p []byte) *caseBuilder     { b.env.payload = p; return b }
func (b *caseBuilder) Flags(f byte) *caseBuilder         { b.env.flags = f; return b }
func (b *caseBuilder) RawEnvelope(e []byte) *caseBuilder { b.rawEnv = e; return b }

// Envelope sets the issue and expiry times.
func (b *caseBuilder) Envelope(iat, exp time.Time) *caseBuilder {
	return b.UnixEnvelope(iat.Unix(), exp.Unix())
}

// UnixEnvelope sets the issue and expiry times in Unix seconds, which may lie
// outside what time.Time round-trips through RFC 3339.
func (b *caseBuilder) UnixEnvelope(iat, exp int64) *caseBuilder {
	b.env.iat, b.env.exp = iat, exp
	return b
}

// NotBefore sets the not-before time and its flag.
func (b *caseBuilder) NotBefore(nbf time.Time) *caseBuilder { return b.UnixNotBefore(nbf.Unix()) }

func (b *caseBuilder) UnixNotBefore(nbf int64) *caseBuilder {
	b.env.flags |= flagNBF
	b.env.nbf = nbf
	return b
}

// header returns the token's header.
func (b *caseBuilder) header() []byte {
	return binary.BigEndian.AppendUint32([]byte{b.version}, b.keyID)
}

// Seal builds header || body. Later calls rebuild it.
func (b *caseBuilder) Seal() *caseBuilder {
	k := b.sealKey
	if k == nil {
		k = b.g.keys[b.keyID]
	}
	alg := b.sealAlg
	if alg == "" {
		alg = k.alg
	}
	label := b.label
	if label == "" {
		label = alg
	}
	s := suites[alg]
	cipherKey := subkey(k.secret, label, s.keyLen)
	if b.noHKDF {
		cipherKey = k.secret[:s.keyLen]
	}
	hdr := b.header()
	ad := append([]byte(nil), hdr...)
	if b.noHdrAD {
		ad = ad[:0]
	}
	ad = append(ad, b.purpose...)
	env := b.env.bytes()
	if b.rawEnv != nil {
		env = b.rawEnv
	}
	body := seal(sealParams{
		alg:   alg,
		key:   cipherKey,
		ad:    ad,
		nonce: fixedBytes(fmt.Sprintf("nonce %s %d", b.g.file.Algorithm, b.test.TcID), s.nonceLen),
		noLen: b.noLen,
		env:   env,
	})
	b.raw = append(hdr, body...)
	return b
}

func (b *caseBuilder) sealed() {
	if b.raw == nil {
		b.Seal()
	}
}

// FlipBit flips bit (0–7, 0 the least significant) of byte i of header ||
// body; a negative i counts from the end.
func (b *caseBuilder) FlipBit(i, bit int) *caseBuilder {
	b.sealed()
	if i < 0 {
		i += len(b.raw)
	}
	b.raw[i] ^= 1 << bit
	return b
}

// Poke overwrites header || body from byte off with data.
func (b *caseBuilder) Poke(off int, data []byte) *caseBuilder {
	b.sealed()
	copy(b.raw[off:], data)
	return b
}

// Truncate drops n bytes from the end of header || body.
func (b *caseBuilder) Truncate(n int) *caseBuilder {
	b.sealed()
	b.raw = b.raw[:len(b.raw)-n]
	return b
}

// Raw replaces header || body.
func (b *caseBuilder) Raw(raw []byte) *caseBuilder { b.raw = raw; return b }

// Token sets the token text explicitly.
func (b *caseBuilder) Token(tok string) *caseBuilder { b.tok, b.tokSet = tok, true; return b }

// EditToken encodes the token and then rewrites its text.
func (b *caseBuilder) EditToken(f func(string) string) *caseBuilder {
	b.sealed()
	return b.Token(f(b64.EncodeToString(b.raw)))
}

// Valid marks the test valid: it must open to its payload and times.
func (b *caseBuilder) Valid() {
	b.test.Result, b.test.Expect = Valid, "success"
	b.envValid = true
	b.done()
}

// Expect marks the test invalid at stage, with the error kind "invalid".
func (b *caseBuilder) Expect(stage string) { b.ExpectError(stage, "invalid") }

// ExpectError marks the test invalid at stage with error kind kind.
func (b *caseBuilder) ExpectError(stage, kind string) {
	b.test.Result, b.test.Expect, b.test.Error = Invalid, stage, kind
	b.envValid = stage == "validity" || stage == "payload"
	b.done()
}

// done completes the test and adds it to its group.
func (b *caseBuilder) done() {
	if !b.tokSet {
		b.sealed()
		b.tok = b64.EncodeToString(b.raw)
	}
	t := &b.test
	t.Token = b.tok
	if raw, err := b64.Strict().DecodeString(b.tok); err == nil && len(raw) >= headerSize && raw[0] == version1 {
		t.KeyID = fmt.Sprintf("%08x", binary.BigEndian.Uint32(raw[1:]))
	}
	if b.envValid {
		t.IssuedAt = time.Unix(b.env.iat, 0).UTC()
		t.ExpiresAt = time.Unix(b.env.exp, 0).UTC()
		if b.env.hasNBF() {
			t.NotBefore = time.Unix(b.env.nbf, 0).UTC()
		}
	}
	if t.Result == Valid {
		t.Payload = append(HexBytes{}, b.env.payload...)
		if b.g.group.Codec == "json" {
			t.PayloadJSON = append(json.RawMessage(nil), b.env.payload...)
		}
	}
	b.g.group.Tests = append(b.g.group.Tests, *t)
}
