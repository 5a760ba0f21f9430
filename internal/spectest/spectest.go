// Package spectest builds, for tests, what SPEC.md specifies without going
// through the code that implements it: a test that seals with these pieces
// checks the specification, not the implementation against itself.
package spectest

import (
	"crypto/hkdf"
	"crypto/sha256"
	"testing"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/transform"
)

// Transformer builds the format v1 sealer of native key k from SPEC.md
// §1.3 alone (HKDF-SHA256 subkey labelled "sesstool v1 <algorithm>"), so
// that tests can seal envelopes that token.Minter would refuse to mint.
func Transformer(t testing.TB, k keyring.Key, ad []byte) transform.Transformer {
	t.Helper()
	n := 32
	if k.Algorithm == keyring.AES128GCM {
		n = 16
	}
	sub, err := hkdf.Key(sha256.New, k.Material().Secret, nil, "sesstool v1 "+string(k.Algorithm), n)
	if err != nil {
		t.Fatal(err)
	}
	var tr transform.Transformer
	switch k.Algorithm {
	case keyring.XChaCha20Poly1305:
		tr, err = transform.NewXChaCha20Poly1305(sub, ad)
	case keyring.ChaCha20Poly1305:
		tr, err = transform.NewChaCha20Poly1305(sub, ad)
	case keyring.AES256GCM, keyring.AES128GCM:
		tr, err = transform.NewAESGCM(sub, ad)
	case keyring.HMACSHA256:
		tr, err = transform.NewHMAC(transform.SHA256, sub, ad)
	case keyring.HMACSHA384:
		tr, err = transform.NewHMAC(transform.SHA384, sub, ad)
	case keyring.HMACSHA512:
		tr, err = transform.NewHMAC(transform.SHA512, sub, ad)
	default:
		t.Fatalf("spectest.Transformer: %v is not a native key", k)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
