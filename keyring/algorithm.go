package keyring

import (
	"fmt"
	"slices"
	"strings"
)

// Algorithm names what a key does. It is stored with the key and fixed for
// the key's life.
type Algorithm string

// Native algorithms, for sesstool's own token format (package token). Their
// keys are 32 random bytes, from which package token derives the cipher key
// per algorithm (SPEC.md §1.3).
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

// Family says which format an algorithm's keys serve. The keyring uses it
// only for lifecycle rules: only keys of [FamilyNative] can be primary.
// What a key's secret means is up to the package of its format: package
// token derives the cipher keys of FamilyNative keys, package ktor builds
// the transformers of FamilyKtor keys.
type Family uint8

// The families.
const (
	// FamilyNative is sesstool's own token format (package token). Its keys
	// are generated, and can be primary.
	FamilyNative Family = iota + 1
	// FamilyKtor is the session cookies of Ktor's Sessions feature
	// (package ktor). Its keys are imported, never generated, and never
	// primary.
	FamilyKtor
	// FamilyForeign is every other framework's tokens and cookies (Fernet,
	// JWT, Rails, Flask, …: package format). Its keys are imported from
	// that framework's configuration, with their options, never generated,
	// and never primary.
	FamilyForeign
)

// String returns the family's lowercase name: "native", "ktor" or
// "foreign".
func (f Family) String() string {
	switch f {
	case FamilyNative:
		return "native"
	case FamilyKtor:
		return "ktor"
	case FamilyForeign:
		return "foreign"
	}
	return fmt.Sprintf("Family(%d)", uint8(f))
}

// algorithmSpec says how to make and check the keys of one algorithm.
type algorithmSpec struct {
	family     Family
	secretSize int   // bytes generated; 0 when keys can only be imported
	minSecret  int   // smallest imported secret
	maxSecret  int   // largest imported secret
	sizes      []int // if not nil, the only secret sizes in [minSecret, maxSecret]
	signSecret bool  // needs a second (sign) secret
	// signOptional: the second secret may be absent (a securecookie block
	// key, the sign secret of Rails' aes-256-cbc encryptor).
	signOptional bool
	options      []string // the option names its keys may have
}

// native is the spec of every native algorithm: 32 random bytes.
var native = algorithmSpec{family: FamilyNative, secretSize: 32, minSecret: 32, maxSecret: 32}

// maxImportedSecret bounds imported HMAC keys: JCE accepts any length, but
// nothing sensible is longer than a hash block.
const maxImportedSecret = 1024

// ktorHMAC is the spec of Ktor's MessageAuthentication keys: raw JCE HMAC
// keys of any non-zero length.
var ktorHMAC = algorithmSpec{family: FamilyKtor, minSecret: 1, maxSecret: maxImportedSecret}

var algorithms = map[Algorithm]algorithmSpec{
	XChaCha20Poly1305: native,
	ChaCha20Poly1305:  native,
	AES256GCM:         native,
	AES128GCM:         native,
	HMACSHA256:        native,
	HMACSHA384:        native,
	HMACSHA512:        native,
	KtorHMACSHA256:    ktorHMAC,
	KtorHMACSHA384:    ktorHMAC,
	KtorHMACSHA512:    ktorHMAC,
	// Ktor's Encrypt: an AES key (AES-128, -192 or -256) and an HMAC
	// sign key.
	KtorEncrypt: {family: FamilyKtor, minSecret: 16, maxSecret: 32, sizes: []int{16, 24, 32}, signSecret: true},

	// Foreign formats (package format). Text secrets are their UTF-8
	// bytes; what the options mean is the format's to check.
	Fernet:                {family: FamilyForeign, minSecret: 32, maxSecret: 32, options: []string{"max-age"}},
	Branca:                {family: FamilyForeign, minSecret: 32, maxSecret: 32, options: []string{"max-age"}},
	PasetoV4Local:         {family: FamilyForeign, minSecret: 32, maxSecret: 32, options: []string{"implicit-assertion"}},
	PasetoV4Public:        {family: FamilyForeign, minSecret: 32, maxSecret: 64, sizes: []int{32, 64}, options: []string{"implicit-assertion"}},
	JWTHS256:              {family: FamilyForeign, minSecret: 1, maxSecret: maxImportedSecret, options: []string{"iss", "aud"}},
	JWTHS384:              {family: FamilyForeign, minSecret: 1, maxSecret: maxImportedSecret, options: []string{"iss", "aud"}},
	JWTHS512:              {family: FamilyForeign, minSecret: 1, maxSecret: maxImportedSecret, options: []string{"iss", "aud"}},
	JWEDirA256GCM:         {family: FamilyForeign, minSecret: 32, maxSecret: 32, options: []string{"iss", "aud"}},
	ItsDangerous:          {family: FamilyForeign, minSecret: 1, maxSecret: maxImportedSecret, options: []string{"salt", "max-age"}},
	Flask:                 {family: FamilyForeign, minSecret: 1, maxSecret: maxImportedSecret, options: []string{"max-age"}},
	RailsMessageVerifier:  {family: FamilyForeign, minSecret: 1, maxSecret: maxImportedSecret, options: []string{"digest", "serializer"}},
	RailsMessageEncryptor: {family: FamilyForeign, minSecret: 32, maxSecret: 32, signOptional: true, options: []string{"cipher", "digest", "serializer"}},
	RailsCookies:          {family: FamilyForeign, minSecret: 1, maxSecret: maxImportedSecret, options: []string{"jar", "serializer", "cipher", "digest", "key-digest"}},
	Express:               {family: FamilyForeign, minSecret: 1, maxSecret: maxImportedSecret},
	Iron:                  {family: FamilyForeign, minSecret: 32, maxSecret: maxImportedSecret, options: []string{"password-id", "max-age"}},
	SecureCookie:          {family: FamilyForeign, minSecret: 1, maxSecret: maxImportedSecret, signOptional: true, options: []string{"encoder", "max-age", "max-length"}},
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

// Family returns the family of a, or 0 for an unknown algorithm.
func (a Algorithm) Family() Family { return algorithms[a].family }

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

// Foreign algorithms, for the tokens and cookies of other frameworks (see
// package format). Each is named as "sesstool keys import --alg" takes it.
// Their keys are imported, never generated, and never primary.
const (
	// Fernet is a Fernet key (signing key || encryption key, 32 bytes);
	// several make a MultiFernet.
	Fernet Algorithm = "fernet"
	// Branca is a Branca key: 32 bytes (XChaCha20-Poly1305).
	Branca Algorithm = "branca"
	// PasetoV4Local is a PASETO v4.local key: 32 bytes.
	PasetoV4Local Algorithm = "paseto-v4-local"
	// PasetoV4Public is a PASETO v4.public Ed25519 key: the 32-byte public
	// key, or the 64-byte private key (seed || public key), which can
	// also mint.
	PasetoV4Public Algorithm = "paseto-v4-public"
	// JWTHS256 is a JWT HMAC secret for HS256: the algorithm is bound to
	// the key, never read from the token.
	JWTHS256 Algorithm = "jwt-hs256"
	// JWTHS384 is a JWT HMAC secret for HS384.
	JWTHS384 Algorithm = "jwt-hs384"
	// JWTHS512 is a JWT HMAC secret for HS512.
	JWTHS512 Algorithm = "jwt-hs512"
	// JWEDirA256GCM is a JWE content key for "alg":"dir", "enc":"A256GCM":
	// 32 bytes.
	JWEDirA256GCM Algorithm = "jwe-dir-a256gcm"
	// ItsDangerous is an itsdangerous URLSafeTimedSerializer secret key.
	ItsDangerous Algorithm = "itsdangerous"
	// Flask is a Flask application's SECRET_KEY, for its session cookie.
	Flask Algorithm = "flask"
	// RailsMessageVerifier is the secret of an
	// ActiveSupport::MessageVerifier.
	RailsMessageVerifier Algorithm = "rails-message-verifier"
	// RailsMessageEncryptor is the 32-byte secret of an
	// ActiveSupport::MessageEncryptor; with aes-256-cbc, the sign secret is
	// the second secret.
	RailsMessageEncryptor Algorithm = "rails-message-encryptor"
	// RailsCookies is a Rails application's secret_key_base, for its signed
	// and encrypted cookies.
	RailsCookies Algorithm = "rails-cookies"
	// Express is the secret of cookie-parser or express-session.
	Express Algorithm = "express"
	// Iron is a password of @hapi/iron (at least 32 characters).
	Iron Algorithm = "iron"
	// SecureCookie is gorilla/securecookie's hash key; its block key, when
	// the cookies are encrypted, is the second secret.
	SecureCookie Algorithm = "securecookie"
)
