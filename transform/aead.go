package transform

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// NewXChaCha20Poly1305 returns a Transformer that encrypts and authenticates
// with XChaCha20-Poly1305 under a 32-byte key, binding ad (which may be nil)
// as associated data. It is the default choice: its 24-byte random nonces make
// nonce reuse negligible however many messages a key seals.
//
// Written form: nonce (24 bytes) || ciphertext || tag (16 bytes).
func NewXChaCha20Poly1305(key, ad []byte) (Transformer, error) {
	a, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("transform: XChaCha20-Poly1305 key is %d bytes; it must be %d", len(key), chacha20poly1305.KeySize)
	}
	return newAEAD("XChaCha20-Poly1305", a, ad), nil
}

// NewChaCha20Poly1305 returns a Transformer that encrypts and authenticates
// with ChaCha20-Poly1305 (RFC 8439) under a 32-byte key, binding ad (which
// may be nil) as associated data.
//
// Its nonces are 12 random bytes, so a key MUST NOT seal more than 2^32
// messages (the chance of a nonce collision then reaches 2^-32): rotate keys
// well before that, or prefer [NewXChaCha20Poly1305].
//
// Written form: nonce (12 bytes) || ciphertext || tag (16 bytes).
func NewChaCha20Poly1305(key, ad []byte) (Transformer, error) {
	a, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, fmt.Errorf("transform: ChaCha20-Poly1305 key is %d bytes; it must be %d", len(key), chacha20poly1305.KeySize)
	}
	return newAEAD("ChaCha20-Poly1305", a, ad), nil
}

// NewAESGCM returns a Transformer that encrypts and authenticates with
// AES-GCM under a 16-byte (AES-128) or 32-byte (AES-256) key, binding ad
// (which may be nil) as associated data.
//
// Its nonces are 12 random bytes, so a key MUST NOT seal more than 2^32
// messages: rotate keys well before that, or prefer [NewXChaCha20Poly1305].
//
// Written form: nonce (12 bytes) || ciphertext || tag (16 bytes).
func NewAESGCM(key, ad []byte) (Transformer, error) {
	if len(key) != 16 && len(key) != 32 {
		return nil, fmt.Errorf("transform: AES-GCM key is %d bytes; it must be 16 or 32", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("transform: failed to set up AES: %v", err)
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("transform: failed to set up AES-GCM: %v", err)
	}
	return newAEAD(fmt.Sprintf("AES-%d-GCM", 8*len(key)), a, ad), nil
}

// aeadTransformer prepends a fresh random nonce to every sealed message.
type aeadTransformer struct {
	name string
	aead cipher.AEAD
	ad   []byte
}

func newAEAD(name string, a cipher.AEAD, ad []byte) *aeadTransformer {
	return &aeadTransformer{name: name, aead: a, ad: append([]byte(nil), ad...)}
}

// Format prints the algorithm's name under every verb, never the key.
func (t *aeadTransformer) Format(f fmt.State, verb rune) { fmt.Fprintf(f, "transform.%s", t.name) }

func (t *aeadTransformer) Write(dst, src []byte) []byte {
	ns := t.aead.NonceSize()
	head, out := sliceForAppend(dst, ns+len(src)+t.aead.Overhead())
	rand.Read(out[:ns]) // never fails since Go 1.24
	t.aead.Seal(out[ns:ns], out[:ns], src, t.ad)
	return head
}

var errAEAD = errors.New("message authentication failed")

func (t *aeadTransformer) Read(dst, src []byte) ([]byte, error) {
	ns := t.aead.NonceSize()
	if len(src) < ns+t.aead.Overhead() {
		return dst, fmt.Errorf("%w: %v", ErrInvalid, errAEAD)
	}
	out, err := t.aead.Open(dst, src[:ns], src[ns:], t.ad)
	if err != nil {
		return dst, fmt.Errorf("%w: %v", ErrInvalid, errAEAD)
	}
	return out, nil
}

// sliceForAppend extends in by n bytes, returning the whole slice and the
// n new bytes.
func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	tail = head[len(in):]
	return
}
