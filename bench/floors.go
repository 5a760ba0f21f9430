package bench

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"unsafe"

	"github.com/fxamacker/cbor/v2"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/sesstool/sesstool/codec"
)

// The floors are what no token format built from the same parts can beat by
// much: codec marshal + primitive + base64url on Mint, and the reverse on
// Open, with nothing else.
//
// What a floor does:
//   - Mint: marshal Value with the codec; seal it (AEAD with a fresh random
//     nonce from crypto/rand, prepended) or append an HMAC-SHA256 tag; encode
//     the result with unpadded base64url into one exactly sized allocation,
//     returned as a string without a copy.
//   - Open: decode the base64url; open the AEAD in place, or recompute the
//     HMAC and compare it with hmac.Equal; unmarshal into the reused
//     destination.
//
// What a floor does not do (and a real format must, or may):
//   - no expiry or issue time: the token carries none, so Open checks none;
//   - no version byte, no key ID, no key lookup, no purpose or other
//     associated data;
//   - no size limit, and no strictness beyond what the codec and
//     base64.RawURLEncoding do by default (the bare-codec floors use
//     encoding/json and fxamacker/cbor's default modes; the "-sesscodec"
//     floors use sesstool's strict codec package instead, to separate the
//     cost of strict decoding from the cost of the token layer);
//   - no error wrapping beyond what the parts return;
//   - no safety for concurrent use: each floor owns one scratch buffer and,
//     for HMAC, one keyed hash that it resets. A concurrent-safe version
//     needs a pool or per-call allocation, which sesstool does pay for.
//
// Each floor's Mint allocates what the codec's Marshal allocates plus the
// token string; each Open allocates only what the codec's Unmarshal does.

// Floors returns the floors, built afresh.
func Floors() []System {
	gcm := must(cipher.NewGCM(must(aes.NewCipher(Key1))))
	xc := must(chacha20poly1305.NewX(Key1))
	return []System{
		hmacFloor("floor-json-hmac", jsonMarshal, json.Unmarshal),
		aeadFloor("floor-json-aes256gcm", gcm, jsonMarshal, json.Unmarshal),
		aeadFloor("floor-cbor-xchacha", xc, cborMarshal, cbor.Unmarshal),
		aeadFloor("floor-json-aes256gcm-sesscodec", gcm, codec.JSON().Marshal, codec.JSON().Unmarshal),
		aeadFloor("floor-cbor-xchacha-sesscodec", xc, codec.CBOR().Marshal, codec.CBOR().Unmarshal),
	}
}

// jsonMarshal is json.Marshal, and cborMarshal fxamacker/cbor's Marshal in
// its default mode (the workload's keyasint fields already come out sorted).
func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
func cborMarshal(v any) ([]byte, error) { return cbor.Marshal(v) }

var b64 = base64.RawURLEncoding

// encodeToken base64url-encodes raw into a new, exactly sized buffer and
// returns it as a string without copying it again: one allocation.
func encodeToken(raw []byte) string {
	out := b64.AppendEncode(make([]byte, 0, b64.EncodedLen(len(raw))), raw)
	return unsafe.String(unsafe.SliceData(out), len(out))
}

// decodeToken decodes tok into scratch, which it grows if needed.
func decodeToken(scratch *[]byte, tok string) ([]byte, error) {
	raw, err := b64.AppendDecode((*scratch)[:0], unsafe.Slice(unsafe.StringData(tok), len(tok)))
	*scratch = raw
	return raw, err
}

var errFloor = errors.New("bench: floor: authentication failed")

// aeadFloor: token = base64url(nonce || AEAD-Seal(marshal(v))).
func aeadFloor(name string, a cipher.AEAD, marshal func(any) ([]byte, error), unmarshal func([]byte, any) error) System {
	scratch := make([]byte, 0, 512)
	ns := a.NonceSize()
	return System{
		Name: name,
		Kind: "floor",
		Mint: func() (string, error) {
			p, err := marshal(&Value)
			if err != nil {
				return "", err
			}
			buf := scratch[:ns]
			rand.Read(buf)
			return encodeToken(a.Seal(buf, buf, p, nil)), nil
		},
		Open: func(tok string, dst *Session) error {
			raw, err := decodeToken(&scratch, tok)
			if err != nil {
				return err
			}
			if len(raw) < ns+a.Overhead() {
				return errFloor
			}
			p, err := a.Open(raw[ns:ns], raw[:ns], raw[ns:], nil)
			if err != nil {
				return errFloor
			}
			return unmarshal(p, dst)
		},
	}
}

// hmacFloor: token = base64url(marshal(v) || HMAC-SHA256(Key1, marshal(v))).
// The payload is readable; the tag only authenticates it.
func hmacFloor(name string, marshal func(any) ([]byte, error), unmarshal func([]byte, any) error) System {
	scratch := make([]byte, 0, 512)
	var tag [sha256.Size]byte
	mac := hmac.New(sha256.New, Key1)
	return System{
		Name: name,
		Kind: "floor",
		Mint: func() (string, error) {
			p, err := marshal(&Value)
			if err != nil {
				return "", err
			}
			mac.Reset()
			mac.Write(p)
			return encodeToken(mac.Sum(append(scratch[:0], p...))), nil
		},
		Open: func(tok string, dst *Session) error {
			raw, err := decodeToken(&scratch, tok)
			if err != nil {
				return err
			}
			if len(raw) < sha256.Size {
				return errFloor
			}
			p := raw[:len(raw)-sha256.Size]
			mac.Reset()
			mac.Write(p)
			if !hmac.Equal(mac.Sum(tag[:0]), raw[len(p):]) {
				return errFloor
			}
			return unmarshal(p, dst)
		},
	}
}

// A Primitive is a bare cryptographic primitive on a 120-byte message: no codec, no base64, no randomness (the AEADs use a
// fixed nonce, which is acceptable only because nothing sealed here is ever
// published). Seal and Open work in buffers the Primitive owns, so neither
// allocates; it is not safe for concurrent use.
type Primitive struct {
	Name string
	// Seal seals (or MACs) the message.
	Seal func()
	// Open opens (or verifies) what Seal last produced. Tamper flips one bit
	// of it, so that the next Open must fail.
	Open   func() error
	Tamper func()
}

// Message is the primitives' input: the first 120 bytes of the JSON encoding
// of Value, as WORKLOAD.md specifies. (The whole encoding is 142 bytes; for
// these primitives it would cost one more AES block and the same number of
// SHA-256 and ChaCha20 blocks.)
var Message = must(json.Marshal(&Value))[:120]

// Primitives returns the bare primitives, built afresh, each sealed once.
func Primitives() []Primitive {
	ps := []Primitive{
		hmacPrimitive(),
		aeadPrimitive("prim-aes256gcm", must(cipher.NewGCM(must(aes.NewCipher(Key1))))),
		aeadPrimitive("prim-xchacha20poly1305", must(chacha20poly1305.NewX(Key1))),
	}
	for _, p := range ps {
		p.Seal()
	}
	return ps
}

func aeadPrimitive(name string, a cipher.AEAD) Primitive {
	nonce := make([]byte, a.NonceSize())
	sealed := make([]byte, 0, len(Message)+a.Overhead())
	opened := make([]byte, 0, len(Message))
	return Primitive{
		Name: name,
		Seal: func() { sealed = a.Seal(sealed[:0], nonce, Message, nil) },
		Open: func() error {
			var err error
			opened, err = a.Open(opened[:0], nonce, sealed, nil)
			return err
		},
		Tamper: func() { sealed[len(sealed)/2] ^= 1 },
	}
}

func hmacPrimitive() Primitive {
	mac := hmac.New(sha256.New, Key1)
	var tag, check [sha256.Size]byte
	sum := func(dst *[sha256.Size]byte) {
		mac.Reset()
		mac.Write(Message)
		mac.Sum(dst[:0])
	}
	return Primitive{
		Name: "prim-hmac-sha256",
		Seal: func() { sum(&tag) },
		Open: func() error {
			sum(&check)
			if !hmac.Equal(check[:], tag[:]) {
				return errFloor
			}
			return nil
		},
		Tamper: func() { tag[0] ^= 1 },
	}
}
