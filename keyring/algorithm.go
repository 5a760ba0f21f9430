package keyring

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sesstool/sesstool/transform"
)

// Algorithm names what a key does. It is stored with the key and fixed for
// the key's life.
type Algorithm string

// Native algorithms, for sesstool's own token format. Their keys are 32
// random bytes; the cipher key is derived from them per algorithm.
const (
	// XChaCha20Poly1305 encrypts and authenticates, with 24-byte random
	// nonces: no practical limit on messages per key. The default.
	XChaCha20Poly1305 Algorithm = "xchacha20poly1305"
	// ChaCha20Poly1305 encrypts and authenticates (RFC 8439) with 12-byte
	// random nonces: at most 2^32 tokens per key.
	ChaCha20Poly1305 Algorithm = "chacha20poly1305"
	// AES256GCM encrypts and authenticates with AES-256-GCM and 12-byte
	// random nonces: at most 2^32 tokens per key.
	AES256GCM Algorithm = "aes256gcm"
	// AES128GCM is AES-GCM with a 128-bit derived key: at most 2^32 tokens
	// per key.
	AES128GCM Algorithm = "aes128gcm"
	// HMACSHA256 authenticates without encrypting: the payload is readable
	// by anyone holding the token.
	HMACSHA256 Algorithm = "hmac-sha256"
	// HMACSHA384 is HMACSHA256 with SHA-384.
	HMACSHA384 Algorithm = "hmac-sha384"
	// HMACSHA512 is HMACSHA256 with SHA-512.
	HMACSHA512 Algorithm = "hmac-sha512"
)

// Default is the algorithm of new keys when none is named.
const Default = XChaCha20Poly1305

// KtorLayout says which layouts of Ktor's SessionTransportTransformerEncrypt
// a KtorEncrypt key writes and accepts.
type KtorLayout string

// The Ktor Encrypt layouts.
const (
	// KtorLayout3 writes and accepts the Ktor 3.x layout (tag over the
	// ciphertext).
	KtorLayout3 KtorLayout = "3"
	// KtorLayout2 writes and accepts the layout of Ktor before 3.0 (tag
	// over the plaintext).
	KtorLayout2 KtorLayout = "2"
	// KtorLayoutBoth writes the 3.x layout and accepts both, like Ktor's
	// backwardCompatibleRead.
	KtorLayoutBoth KtorLayout = "both"
)

// algorithmSpec says how to make and use keys of one algorithm.
type algorithmSpec struct {
	secretSize  int  // bytes generated; 0 when keys can only be imported
	minSecret   int  // smallest imported secret
	maxSecret   int  // largest imported secret
	signSecret  bool // needs a second (sign) secret
	native      bool // used by sesstool's token format
	transformer func(k Key, ad []byte) (transform.Transformer, error)
}

func aeadSpec(n int, f func(key, ad []byte) (transform.Transformer, error)) algorithmSpec {
	return algorithmSpec{secretSize: 32, minSecret: 32, maxSecret: 32, native: true,
		transformer: func(k Key, ad []byte) (transform.Transformer, error) {
			sub, err := k.subkey(n)
			if err != nil {
				return nil, err
			}
			return f(sub, ad)
		}}
}

func hmacSpec(h transform.Hash) algorithmSpec {
	return aeadSpec(32, func(key, ad []byte) (transform.Transformer, error) { return transform.NewHMAC(h, key, ad) })
}

var algorithms = map[Algorithm]algorithmSpec{
	XChaCha20Poly1305: aeadSpec(32, transform.NewXChaCha20Poly1305),
	ChaCha20Poly1305:  aeadSpec(32, transform.NewChaCha20Poly1305),
	AES256GCM:         aeadSpec(32, transform.NewAESGCM),
	AES128GCM:         aeadSpec(16, transform.NewAESGCM),
	HMACSHA256:        hmacSpec(transform.SHA256),
	HMACSHA384:        hmacSpec(transform.SHA384),
	HMACSHA512:        hmacSpec(transform.SHA512),
}

// ParseAlgorithm returns the Algorithm named s. Its error lists the names.
func ParseAlgorithm(s string) (Algorithm, error) {
	a := Algorithm(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := algorithms[a]; !ok {
		return "", fmt.Errorf("keyring: unknown algorithm %q (known: %s)", s, strings.Join(names(Algorithms()), ", "))
	}
	return a, nil
}

// Algorithms returns every known algorithm, sorted by name.
func Algorithms() []Algorithm {
	var as []Algorithm
	for a := range algorithms {
		as = append(as, a)
	}
	slices.Sort(as)
	return as
}

// GeneratedAlgorithms returns the algorithms whose keys Generate, Add and
// Rotate can create, sorted by name.
func GeneratedAlgorithms() []Algorithm {
	var as []Algorithm
	for _, a := range Algorithms() {
		if algorithms[a].secretSize > 0 {
			as = append(as, a)
		}
	}
	return as
}

// Native reports whether a is an algorithm of sesstool's own token format.
func (a Algorithm) Native() bool { return algorithms[a].native }

func names(as []Algorithm) []string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return s
}

// Ktor algorithms, for cookies of Ktor's Sessions feature (see package
// ktor). Their keys are imported, never generated, and never primary.
const (
	// KtorHMACSHA256 is SessionTransportTransformerMessageAuthentication
	// with HmacSHA256 (Ktor's default).
	KtorHMACSHA256 Algorithm = "ktor-hmac-sha256"
	// KtorHMACSHA384 is the same with HmacSHA384.
	KtorHMACSHA384 Algorithm = "ktor-hmac-sha384"
	// KtorHMACSHA512 is the same with HmacSHA512.
	KtorHMACSHA512 Algorithm = "ktor-hmac-sha512"
	// KtorEncrypt is SessionTransportTransformerEncrypt: AES-CBC with an
	// HmacSHA256 tag, with an AES key and a sign key.
	KtorEncrypt Algorithm = "ktor-encrypt"
)
