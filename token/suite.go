package token

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/transform"
)

// suite says how format v1 seals under the keys of one algorithm
// (SPEC.md §1.3): the length of the subkey derived from the key's secret,
// and the transformer built on it.
type suite struct {
	subkeySize int
	newT       func(subkey, ad []byte) (transform.Transformer, error)
}

func hmacSuite(h transform.Hash) suite {
	return suite{32, func(key, ad []byte) (transform.Transformer, error) { return transform.NewHMAC(h, key, ad) }}
}

// suites are the algorithms that seal format v1 tokens: the native ones of
// package keyring (TestSuitesCoverNativeAlgorithms checks that they match).
var suites = map[keyring.Algorithm]suite{
	keyring.XChaCha20Poly1305: {32, transform.NewXChaCha20Poly1305},
	keyring.ChaCha20Poly1305:  {32, transform.NewChaCha20Poly1305},
	keyring.AES256GCM:         {32, transform.NewAESGCM},
	keyring.AES128GCM:         {16, transform.NewAESGCM},
	keyring.HMACSHA256:        hmacSuite(transform.SHA256),
	keyring.HMACSHA384:        hmacSuite(transform.SHA384),
	keyring.HMACSHA512:        hmacSuite(transform.SHA512),
}

// subkeyLabel is the HKDF info of an algorithm's subkey (SPEC.md §1.3): one
// secret never serves two algorithms, nor another format version.
func subkeyLabel(a keyring.Algorithm) string { return "sesstool v1 " + string(a) }

// newTransformer returns the transformer that seals and opens format v1
// tokens under k, binding ad (the token's header and purpose) as associated
// data. The cipher key is an HKDF-SHA256 subkey of k's secret, labelled
// "sesstool v1 " + algorithm name. k must verify (not be destroyed) and be of
// an algorithm in suites.
func newTransformer(k keyring.Key, ad []byte) (transform.Transformer, error) {
	s, ok := suites[k.Algorithm]
	if !ok {
		return nil, fmt.Errorf("token: key %v is a %v key, which does not seal sesstool tokens", k.ID, k.Algorithm)
	}
	if !k.State.Verifies() {
		return nil, fmt.Errorf("token: key %v is %v", k.ID, k.State)
	}
	m := k.Material()
	defer clear(m.Secret)
	sub, err := hkdf.Key(sha256.New, m.Secret, nil, subkeyLabel(k.Algorithm), s.subkeySize)
	if err != nil {
		return nil, fmt.Errorf("token: key %v: %v", k.ID, err)
	}
	defer clear(sub)
	return s.newT(sub, ad)
}
