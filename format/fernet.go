package format

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Fernet returns the format of Fernet tokens (the Fernet specification,
// as Python's cryptography.fernet and the fernet-go and Ruby fernet
// libraries write them): base64url, with padding, of
//
//	version 0x80 (1 byte) || timestamp (8 bytes, big-endian Unix seconds)
//	|| IV (16 bytes) || AES-128-CBC ciphertext, PKCS #7 padded
//	|| HMAC-SHA256 over everything before it (32 bytes)
//
// under a 32-byte key: the signing key (its first 16 bytes) then the
// encryption key (its last 16). Keys are imported in Fernet's own base64url
// form ("sesstool keys import --alg fernet").
//
// A Fernet token names no key: opening one tries the ring's fernet keys,
// newest first (MultiFernet), at most MaxKeyTrial of them (see TrialKeys).
// It binds no purpose. Its timestamp is the issue time; it expires at
// timestamp + the key's max-age option (Fernet's TTL), and carries no
// expiry when the key has none, as Fernet's TTL is optional. A token issued
// more than Options.Leeway in the future is rejected as not yet valid
// (the reference implementation allows 60 s of clock skew: give a leeway
// of 60 s to match it).
//
// The payload is opaque bytes; see OpaquePayloadJSON for how it is shown.
func Fernet() Format { return fernetFormat{} }

// Fernet's layout.
const (
	fernetVersion   = 0x80
	fernetHeader    = 1 + 8 + aes.BlockSize // version, timestamp, IV
	fernetMAC       = sha256.Size
	fernetMin       = fernetHeader + aes.BlockSize + fernetMAC // one block of ciphertext
	fernetKeySize   = 32
	fernetHalfKey   = fernetKeySize / 2
	maxUnixSeconds  = 253402300799 // 9999-12-31T23:59:59Z
	fernetMaxLength = maxInput
)

var fernetEncoding = base64.URLEncoding.Strict()

type fernetFormat struct{}

func (fernetFormat) Name() string  { return "fernet" }
func (fernetFormat) Title() string { return "Fernet token" }

// BindsPurpose is false: a Fernet token holds no purpose.
func (fernetFormat) BindsPurpose() bool { return false }

// CarriesExpiry is true: a Fernet token carries its issue time, and the
// key's max-age option makes that an expiry. A token opened under a key
// without max-age has no expiry (Opened.ExpiresAt is zero), which
// Demands.Unproven rejects when an expiry check is asked for.
func (fernetFormat) CarriesExpiry() bool { return true }

// Algorithms returns keyring.Fernet.
func (fernetFormat) Algorithms() []keyring.Algorithm { return []keyring.Algorithm{keyring.Fernet} }

// Detect checks the syntax cheaply: padded base64url that starts with
// "gAAAAA" (the version byte 0x80, then a timestamp whose first 28 bits are
// zero: below 2^36, before the year 4147) and decodes to a length that is
// the header, whole AES blocks and the HMAC.
func (fernetFormat) Detect(tok string) bool {
	if len(tok) < 100 || len(tok) > fernetMaxLength || len(tok)%4 != 0 || !strings.HasPrefix(tok, "gAAAAA") {
		return false
	}
	_, err := fernetDecode(tok)
	return err == ""
}

// fernetDecode decodes tok and checks its layout, or says what is wrong.
func fernetDecode(tok string) ([]byte, string) {
	if len(tok) > fernetMaxLength {
		return nil, fmt.Sprintf("the input has %d characters; a Fernet token here has at most %d", len(tok), fernetMaxLength)
	}
	b, err := fernetEncoding.DecodeString(tok)
	switch {
	case err != nil || strings.ContainsAny(tok, "\r\n"):
		return nil, "the input is not a Fernet token: it is not padded base64url"
	case len(b) < fernetMin:
		return nil, fmt.Sprintf("the token has %d bytes; a Fernet token has at least %d", len(b), fernetMin)
	case b[0] != fernetVersion:
		return nil, fmt.Sprintf("the version byte is 0x%02x; Fernet's is 0x80", b[0])
	case (len(b)-fernetHeader-fernetMAC)%aes.BlockSize != 0:
		return nil, fmt.Sprintf("the ciphertext has %d bytes, not a multiple of the AES block size", len(b)-fernetHeader-fernetMAC)
	}
	return b, ""
}

// Peek decodes the token: version, timestamp (the issue time), IV and
// ciphertext size. The payload is encrypted. Nothing is verified.
func (f fernetFormat) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok), Sealed: true}
	b, reason := fernetDecode(tok)
	if reason != "" {
		p.Err = reject(f, token.ErrInvalid, StageEncoding, 0, "%s", reason)
		return p
	}
	p.Size = len(b)
	if ts := binary.BigEndian.Uint64(b[1:]); ts <= maxUnixSeconds {
		p.IssuedAt = unix(ts)
	}
	p.Details = []Detail{{Label: "version", Value: "0x80"}, {Label: "iv", Value: hex.EncodeToString(b[9:fernetHeader])},
		{Label: "ciphertext", Value: fmt.Sprintf("%d bytes", len(b)-fernetHeader-fernetMAC)}}
	return p
}

// ParseKey reads a Fernet key as Fernet.generate_key() writes it: 32 bytes
// in base64url, padded or not, with one trailing newline dropped. Its only
// option is max-age (whole seconds), Fernet's TTL.
func (f fernetFormat) ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error) {
	if alg != keyring.Fernet {
		return keyring.Material{}, fmt.Errorf("%w: the Fernet format has no %s keys", ErrKeyInput, alg)
	}
	if err := checkMaxAge(opts); err != nil {
		return keyring.Material{}, err
	}
	text, err := TextSecret(input)
	if err != nil {
		return keyring.Material{}, err
	}
	defer clear(text)
	s := strings.TrimRight(string(text), "=")
	key, err := base64.RawURLEncoding.Strict().DecodeString(s)
	switch {
	case err != nil && strings.ContainsAny(s, "+/"):
		return keyring.Material{}, fmt.Errorf("%w: a Fernet key is base64url (with - and _), and the input has + or /: it is standard base64, not a Fernet key", ErrKeyInput)
	case err != nil:
		return keyring.Material{}, fmt.Errorf("%w: a Fernet key is 32 bytes in base64url (44 characters, as Fernet.generate_key() writes it), and the input is not base64url", ErrKeyInput)
	case len(key) != fernetKeySize:
		clear(key)
		return keyring.Material{}, fmt.Errorf("%w: a Fernet key is 32 bytes in base64url (44 characters), and the input decodes to %d bytes", ErrKeyInput, len(key))
	}
	return keyring.Material{Algorithm: alg, Secret: key, Options: opts}, nil
}

// checkMaxAge checks the max-age option of a Fernet or Branca key.
func checkMaxAge(opts keyring.Options) error {
	for name := range opts.All() {
		if name != "max-age" {
			return fmt.Errorf("%w: %s is not an option of this format; it has max-age=SECONDS", keyring.ErrOption, name)
		}
	}
	_, err := SecondsOption(opts, "max-age", 0)
	return err
}

// fernetKey is a Fernet key ready to open tokens.
type fernetKey struct {
	key    keyring.Key
	sign   []byte
	block  cipher.Block
	maxAge time.Duration // 0: no expiry
}

// NewOpener collects r's fernet keys that verify, newest first. With more
// than MaxKeyTrial of them, Open fails with a *KeyTrialError.
func (f fernetFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	ks, bound, err := openerKeys(r, keyring.Fernet)
	if bound != nil || err != nil {
		return bound, err
	}
	op := &fernetOpener{f: f, o: o}
	for _, k := range ks {
		m := k.Material()
		maxAge, err := SecondsOption(m.Options, "max-age", 0)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		if len(m.Secret) != fernetKeySize {
			return nil, fmt.Errorf("%w: key %s: a fernet key has %d bytes, not %d", keyring.ErrState, k.ID, len(m.Secret), fernetKeySize)
		}
		block, err := aes.NewCipher(m.Secret[fernetHalfKey:])
		if err != nil {
			return nil, err // not reached: the key has 16 bytes
		}
		op.keys = append(op.keys, fernetKey{key: k, sign: m.Secret[:fernetHalfKey], block: block, maxAge: maxAge})
	}
	return op, nil
}

// fernetOpener opens (and mints) Fernet tokens under a ring's fernet keys.
// It is safe for concurrent use.
type fernetOpener struct {
	f    fernetFormat
	o    Options
	keys []fernetKey // newest first
}

// Open verifies a Fernet token: its HMAC under each key in turn, newest
// first, then decrypts it and checks its times (see Fernet).
func (o *fernetOpener) Open(tok string) (Opened, error) {
	if len(tok) > fernetMaxLength {
		return Opened{}, reject(o.f, token.ErrInvalid, StageSize, 0, "the input has %d characters; a Fernet token here has at most %d", len(tok), fernetMaxLength)
	}
	b, reason := fernetDecode(tok)
	if reason != "" {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEncoding, 0, "%s", reason)
	}
	signed, tag := b[:len(b)-fernetMAC], b[len(b)-fernetMAC:]
	var k *fernetKey
	for i := range o.keys {
		mac := hmac.New(sha256.New, o.keys[i].sign)
		mac.Write(signed)
		if hmac.Equal(mac.Sum(nil), tag) {
			k = &o.keys[i]
			break
		}
	}
	if k == nil {
		return Opened{}, o.noKey()
	}
	id := k.key.ID
	ts := binary.BigEndian.Uint64(b[1:])
	if ts > maxUnixSeconds {
		return Opened{}, reject(o.f, token.ErrInvalid, StageHeader, id, "the timestamp %d is past the year 9999", ts)
	}
	ct := bytes.Clone(b[fernetHeader:len(signed)])
	cipher.NewCBCDecrypter(k.block, b[9:fernetHeader]).CryptBlocks(ct, ct)
	pt, ok := pkcs7Unpad(ct)
	if !ok {
		return Opened{}, reject(o.f, token.ErrInvalid, StageEnvelope, id, "the decrypted payload has invalid PKCS #7 padding")
	}
	res := Opened{Format: o.f, Key: k.key, IssuedAt: unix(ts), Payload: pt}
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

// noKey is the rejection of a token that no key verifies.
func (o *fernetOpener) noKey() error {
	if len(o.keys) == 1 {
		return reject(o.f, token.ErrInvalid, StageAuthentication, o.keys[0].key.ID,
			"the HMAC does not verify under key %s: the token is tampered with or was made with another Fernet key", o.keys[0].key.ID)
	}
	ids := make([]string, len(o.keys))
	for i, k := range o.keys {
		ids[i] = k.key.ID.String()
	}
	return reject(o.f, token.ErrInvalid, StageAuthentication, 0,
		"the HMAC verifies under none of the %d fernet keys %s: the token is tampered with or was made with another Fernet key", len(ids), strings.Join(ids, ", "))
}

// mintKey returns the newest active key, which Mint writes with, or nil.
func (o *fernetOpener) mintKey() *fernetKey {
	for i := range o.keys {
		if o.keys[i].key.State == keyring.Active {
			return &o.keys[i]
		}
	}
	return nil
}

// pkcs7Unpad removes PKCS #7 padding of AES blocks from b.
func pkcs7Unpad(b []byte) ([]byte, bool) {
	if len(b) == 0 || len(b)%aes.BlockSize != 0 {
		return nil, false
	}
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, false
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}

// ErrNoActiveForeignKey is returned by the Minter of a foreign format
// (Fernet, Branca) when the ring holds no active key of that format.
var ErrNoActiveForeignKey = errors.New("the keyring holds no active key of this format to write the token")

// ErrValidityUnsupported is returned by the Minter of a format that
// cannot carry a validity asked for (a not-before time in a Fernet or
// Branca token).
var ErrValidityUnsupported = errors.New("the format cannot carry this validity")

// Mint writes a Fernet token of payload (opaque bytes, stored as they
// are: give a JSON value to read JSON back) under the newest active fernet
// key, issued now (Options.Now), with a random IV. A Fernet token carries
// no expiry of its own: v.ExpiresAt is not stored (the token expires at
// its issue time plus the opening key's max-age, as the returned Opened
// says), and a v.NotBefore is refused with ErrValidityUnsupported.
func (o *fernetOpener) Mint(payload []byte, v token.Validity) (string, Opened, error) {
	if !v.NotBefore.IsZero() {
		return "", Opened{}, fmt.Errorf("%w: a Fernet token has no not-before time", ErrValidityUnsupported)
	}
	if len(payload) > maxInput {
		return "", Opened{}, fmt.Errorf("format: the payload has %d bytes; a Fernet token here holds at most %d", len(payload), maxInput)
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
	if ts < 0 || ts > maxUnixSeconds {
		return "", Opened{}, fmt.Errorf("format: the clock reads %v, outside years 1970 to 9999", now)
	}
	n := len(payload)/aes.BlockSize*aes.BlockSize + aes.BlockSize
	b := make([]byte, fernetHeader, fernetHeader+n+fernetMAC)
	b[0] = fernetVersion
	binary.BigEndian.PutUint64(b[1:], uint64(ts))
	rand.Read(b[9:fernetHeader])
	pad := byte(n - len(payload))
	ct := append(bytes.Clone(payload), bytes.Repeat([]byte{pad}, int(pad))...)
	cipher.NewCBCEncrypter(k.block, b[9:fernetHeader]).CryptBlocks(ct, ct)
	b = append(b, ct...)
	mac := hmac.New(sha256.New, k.sign)
	mac.Write(b)
	b = mac.Sum(b)
	res := Opened{Format: o.f, Key: k.key, IssuedAt: unix(uint64(ts)), Payload: bytes.Clone(payload)}
	if k.maxAge > 0 {
		res.ExpiresAt = res.IssuedAt.Add(k.maxAge)
	}
	res.JSON, res.Codec = OpaquePayloadJSON(payload)
	return fernetEncoding.EncodeToString(b), res, nil
}

// OpaquePayloadJSON renders a payload of opaque bytes (Fernet, Branca) as
// JSON and names what it did: a payload that is one JSON value (by the
// strict rules of codec.JSON) is kept, compacted ("json"); other valid
// UTF-8 text becomes a JSON string ("text"); anything else becomes a JSON
// string of its standard base64 with padding ("base64"). An empty payload
// is the empty string ("text"). So the payload hello shows as "hello",
// {"a":1} as {"a":1}, and the byte 0x80 as "gA==".
func OpaquePayloadJSON(p []byte) ([]byte, string) {
	var raw json.RawMessage
	if err := codec.JSON().Unmarshal(p, &raw); err == nil {
		var buf bytes.Buffer
		if json.Compact(&buf, p) == nil {
			return buf.Bytes(), "json"
		}
	}
	if utf8.Valid(p) {
		return marshalJSON(string(p)), "text"
	}
	return marshalJSON(base64.StdEncoding.EncodeToString(p)), "base64"
}
