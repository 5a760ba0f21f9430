package format

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Branca returns the format of Branca tokens (the Branca specification,
// version 0xBA): base62 (alphabet 0-9, A-Z, a-z) of
//
//	version 0xBA (1 byte) || timestamp (4 bytes, big-endian Unix seconds)
//	|| nonce (24 bytes) || XChaCha20-Poly1305 ciphertext and tag
//
// where the 29-byte header is the AEAD's additional data, under a 32-byte
// key imported in hex ("sesstool keys import --alg branca").
//
// A Branca token names no key: opening one tries the ring's branca keys,
// newest first, at most MaxKeyTrial of them (see TrialKeys). It binds no
// purpose. Its timestamp is the issue time; it expires at timestamp + the
// key's max-age option, and carries no expiry when the key has none (the
// specification's TTL is optional). A token issued more than
// Options.Leeway in the future is rejected as not yet valid.
//
// Tokens longer than MaxBrancaLength characters are refused: base62 is a
// conversion of one big number, whose cost grows with the square of its
// length. The payload is opaque bytes; see OpaquePayloadJSON.
func Branca() Format { return brancaFormat{} }

// MaxBrancaLength is the longest Branca token, in characters, that the
// format reads: 8 KiB, more than a cookie or an HTTP header line holds,
// so decoding one costs at most a few milliseconds.
const MaxBrancaLength = 8 << 10

// Branca's layout.
const (
	brancaVersion = 0xBA
	brancaHeader  = 1 + 4 + chacha20poly1305.NonceSizeX
	brancaMin     = brancaHeader + chacha20poly1305.Overhead
	// brancaMinLength is the length of the shortest token (brancaMin
	// bytes starting with 0xBA) in base62.
	brancaMinLength = 61
)

type brancaFormat struct{}

func (brancaFormat) Name() string  { return "branca" }
func (brancaFormat) Title() string { return "Branca token" }

// BindsPurpose is false: a Branca token holds no purpose.
func (brancaFormat) BindsPurpose() bool { return false }

// CarriesExpiry is true: a Branca token carries its issue time, and the
// key's max-age option makes that an expiry (see Fernet's CarriesExpiry).
func (brancaFormat) CarriesExpiry() bool { return true }

// Algorithms returns keyring.Branca.
func (brancaFormat) Algorithms() []keyring.Algorithm { return []keyring.Algorithm{keyring.Branca} }

// Detect checks that tok is base62 of at most MaxBrancaLength characters
// that decodes to the version byte 0xBA and at least a header and a tag.
// A Fernet token without padding can be base62 too: one that Fernet's
// Detect claims is left to it.
func (f brancaFormat) Detect(tok string) bool {
	if len(tok) < brancaMinLength || len(tok) > MaxBrancaLength || !isBase62(tok) {
		return false
	}
	_, reason := brancaDecode(tok)
	return reason == "" && !(fernetFormat{}).Detect(tok)
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// brancaDecode decodes tok and checks its layout, or says what is wrong.
// The encoding is canonical: the token cannot start with '0' (a leading
// zero byte), since its first byte is 0xBA.
func brancaDecode(tok string) ([]byte, string) {
	switch {
	case len(tok) > MaxBrancaLength:
		return nil, fmt.Sprintf("the input has %d characters; a Branca token here has at most %d", len(tok), MaxBrancaLength)
	case !isBase62(tok):
		return nil, "the input is not a Branca token: it is not base62 (only 0-9, A-Z and a-z)"
	case len(tok) < brancaMinLength:
		return nil, fmt.Sprintf("the input has %d characters; a Branca token has at least %d", len(tok), brancaMinLength)
	}
	// math/big reads base 62 with the digits 0-9, a-z, A-Z: swap the
	// cases of Branca's alphabet (0-9, A-Z, a-z).
	swapped := []byte(tok)
	for i, c := range swapped {
		switch {
		case 'a' <= c && c <= 'z':
			swapped[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
			swapped[i] = c - 'A' + 'a'
		}
	}
	var n big.Int
	if _, ok := n.SetString(string(swapped), 62); !ok {
		return nil, "the input is not a Branca token: it is not base62" // not reached: checked above
	}
	b := n.Bytes()
	switch {
	case len(b) == 0 || b[0] != brancaVersion || tok[0] == '0':
		v := byte(0)
		if len(b) > 0 && tok[0] != '0' {
			v = b[0]
		}
		return nil, fmt.Sprintf("the version byte is 0x%02x; Branca's is 0xba", v)
	case len(b) < brancaMin:
		return nil, fmt.Sprintf("the token has %d bytes; a Branca token has at least %d", len(b), brancaMin)
	}
	return b, ""
}

// base62Encode encodes b, whose first byte is not zero, in Branca's
// base62.
func base62Encode(b []byte) string {
	s := []byte(new(big.Int).SetBytes(b).Text(62))
	for i, c := range s {
		switch {
		case 'a' <= c && c <= 'z':
			s[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
			s[i] = c - 'A' + 'a'
		}
	}
	return string(s)
}

// Peek decodes the token: timestamp (the issue time), nonce and
// ciphertext size. The payload is encrypted. Nothing is verified.
func (f brancaFormat) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok), Sealed: true}
	b, reason := brancaDecode(tok)
	if reason != "" {
		p.Err = reject(f, token.ErrInvalid, StageEncoding, 0, "%s", reason)
		return p
	}
	p.Size = len(b)
	p.IssuedAt = unix(uint64(binary.BigEndian.Uint32(b[1:])))
	p.Details = []Detail{{Label: "version", Value: "0xba"}, {Label: "nonce", Value: hex.EncodeToString(b[5:brancaHeader])},
		{Label: "ciphertext", Value: fmt.Sprintf("%d bytes", len(b)-brancaMin)}}
	return p
}

// ParseKey reads a Branca key: 32 bytes in hexadecimal (64 digits), with
// surrounding white space ignored. Its only option is max-age (whole
// seconds), the specification's TTL.
func (f brancaFormat) ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error) {
	if alg != keyring.Branca {
		return keyring.Material{}, fmt.Errorf("%w: the Branca format has no %s keys", ErrKeyInput, alg)
	}
	if err := checkMaxAge(opts); err != nil {
		return keyring.Material{}, err
	}
	ws, err := HexSecrets(input, "the key")
	if err != nil {
		return keyring.Material{}, err
	}
	if len(ws[0]) != chacha20poly1305.KeySize {
		clear(ws[0])
		return keyring.Material{}, fmt.Errorf("%w: a Branca key is 32 bytes (64 hexadecimal digits), and the input has %d bytes", ErrKeyInput, len(ws[0]))
	}
	return keyring.Material{Algorithm: alg, Secret: ws[0], Options: opts}, nil
}

type brancaKey struct {
	key    keyring.Key
	aead   cipher.AEAD
	maxAge time.Duration // 0: no expiry
}

// NewOpener collects r's branca keys that verify, newest first. With more
// than MaxKeyTrial of them, Open fails with a *KeyTrialError.
func (f brancaFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	ks, bound, err := openerKeys(r, keyring.Branca)
	if bound != nil || err != nil {
		return bound, err
	}
	op := &brancaOpener{f: f, o: o}
	for _, k := range ks {
		m := k.Material()
		maxAge, err := SecondsOption(m.Options, "max-age", 0)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		aead, err := chacha20poly1305.NewX(m.Secret)
		n := len(m.Secret)
		clear(m.Secret)
		if err != nil {
			return nil, fmt.Errorf("%w: key %s: a branca key has %d bytes, not %d", keyring.ErrState, k.ID, n, chacha20poly1305.KeySize)
		}
		op.keys = append(op.keys, brancaKey{key: k, aead: aead, maxAge: maxAge})
	}
	return op, nil
}

// brancaOpener opens (and mints) Branca tokens under a ring's branca keys.
// It is safe for concurrent use.
type brancaOpener struct {
	f    brancaFormat
	o    Options
	keys []brancaKey // newest first
}

// Open verifies a Branca token under each key in turn, newest first, and
// checks its times (see Branca).
func (o *brancaOpener) Open(tok string) (Opened, error) {
	if len(tok) > MaxBrancaLength {
		return Opened{}, reject(o.f, token.ErrInvalid, StageSize, 0, "the input has %d characters; a Branca token here has at most %d", len(tok), MaxBrancaLength)
	}
	b, reason := brancaDecode(tok)
	if reason != "" {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEncoding, 0, "%s", reason)
	}
	header, nonce, ct := b[:brancaHeader], b[5:brancaHeader], b[brancaHeader:]
	var (
		k  *brancaKey
		pt []byte
	)
	for i := range o.keys {
		if p, err := o.keys[i].aead.Open(nil, nonce, ct, header); err == nil {
			k, pt = &o.keys[i], p
			break
		}
	}
	if k == nil {
		if len(o.keys) == 1 {
			return Opened{}, reject(o.f, token.ErrInvalid, StageAuthentication, o.keys[0].key.ID,
				"the token does not decrypt under key %s: it is tampered with or was made with another Branca key", o.keys[0].key.ID)
		}
		ids := make([]string, len(o.keys))
		for i, k := range o.keys {
			ids[i] = k.key.ID.String()
		}
		return Opened{}, reject(o.f, token.ErrInvalid, StageAuthentication, 0,
			"the token decrypts under none of the %d branca keys %s: it is tampered with or was made with another Branca key", len(ids), strings.Join(ids, ", "))
	}
	id := k.key.ID
	res := Opened{Format: o.f, Key: k.key, IssuedAt: unix(uint64(binary.BigEndian.Uint32(b[1:]))), Payload: pt}
	if k.maxAge > 0 {
		res.ExpiresAt = res.IssuedAt.Add(k.maxAge)
	}
	if err := CheckTimes(o.f, o.o, id, res.IssuedAt, res.ExpiresAt, time.Time{}); err != nil {
		return Opened{}, err
	}
	if !o.o.ValidateOnly {
		res.JSON, res.Codec = OpaquePayloadJSON(pt)
	}
	return res, nil
}

// mintKey returns the newest active key, which Mint writes with, or nil.
func (o *brancaOpener) mintKey() *brancaKey {
	for i := range o.keys {
		if o.keys[i].key.State == keyring.Active {
			return &o.keys[i]
		}
	}
	return nil
}

// Mint writes a Branca token of payload (opaque bytes, stored as they
// are: give a JSON value to read JSON back) under the newest active branca
// key, issued now (Options.Now), with a random nonce. A Branca token
// carries no expiry of its own: v.ExpiresAt is not stored (the token
// expires at its issue time plus the opening key's max-age, as the
// returned Opened says), and a v.NotBefore is refused with
// ErrValidityUnsupported. The result is at most MaxBrancaLength
// characters.
func (o *brancaOpener) Mint(payload []byte, v token.Validity) (string, Opened, error) {
	if !v.NotBefore.IsZero() {
		return "", Opened{}, fmt.Errorf("%w: a Branca token has no not-before time", ErrValidityUnsupported)
	}
	// At most 5888 token bytes: base62 needs 1.344 characters a byte, so
	// 7912 characters, within MaxBrancaLength.
	if max := MaxBrancaLength*3/4 - brancaMin - 256; len(payload) > max {
		return "", Opened{}, fmt.Errorf("format: the payload has %d bytes; a Branca token here holds at most %d", len(payload), max)
	}
	k := o.mintKey()
	if k == nil {
		return "", Opened{}, ErrNoActiveForeignKey
	}
	now := time.Now()
	if o.o.Now != nil {
		now = o.o.Now()
	}
	ts := now.Unix()
	if ts < 0 || ts > 1<<32-1 {
		return "", Opened{}, fmt.Errorf("format: the clock reads %v, outside Branca's timestamps (1970 to 2106)", now)
	}
	b := make([]byte, brancaHeader, brancaHeader+len(payload)+chacha20poly1305.Overhead)
	b[0] = brancaVersion
	binary.BigEndian.PutUint32(b[1:], uint32(ts))
	rand.Read(b[5:brancaHeader])
	b = k.aead.Seal(b, b[5:brancaHeader], payload, b[:brancaHeader])
	res := Opened{Format: o.f, Key: k.key, IssuedAt: unix(uint64(ts)), Payload: bytes.Clone(payload)}
	if k.maxAge > 0 {
		res.ExpiresAt = res.IssuedAt.Add(k.maxAge)
	}
	res.JSON, res.Codec = OpaquePayloadJSON(payload)
	return base62Encode(b), res, nil
}
