package token

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/transform"
)

var suiteNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// TestSuitesCoverNativeAlgorithms checks that the algorithms format v1
// seals with are exactly the keyring's native ones: a native key the token
// format cannot use, or a suite the keyring cannot hold, is a bug.
func TestSuitesCoverNativeAlgorithms(t *testing.T) {
	var native []keyring.Algorithm
	for _, a := range keyring.Algorithms() {
		if a.Family() == keyring.FamilyNative {
			native = append(native, a)
		}
	}
	var have []keyring.Algorithm
	for a := range suites {
		have = append(have, a)
	}
	slices.Sort(have)
	if !slices.Equal(native, have) {
		t.Errorf("suites cover %v; want the native algorithms %v", have, native)
	}
	if !slices.Equal(native, keyring.GeneratedAlgorithms()) {
		t.Errorf("native algorithms %v; want the generated ones %v", native, keyring.GeneratedAlgorithms())
	}
}

// roundTrip reports whether what w writes, r reads back.
func roundTrip(w, r transform.Transformer) error {
	msg := []byte("session 42")
	got, err := r.Read(nil, w.Write(nil, msg))
	if err != nil {
		return err
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("read %q; want %q", got, msg)
	}
	return nil
}

func mustTransformer(t *testing.T, k keyring.Key, ad []byte) transform.Transformer {
	t.Helper()
	tr, err := newTransformer(k, ad)
	if err != nil {
		t.Fatalf("newTransformer(%v, %q) error: %v", k, ad, err)
	}
	return tr
}

// suiteRing returns a ring with one key of every native algorithm and a
// second key of the default one.
func suiteRing(t *testing.T) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, suiteNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range keyring.GeneratedAlgorithms() {
		if r, _, err = r.Add(a, suiteNow); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// TestTransformerSeparation checks that no two keys read each other's
// output, and that the associated data is bound.
func TestTransformerSeparation(t *testing.T) {
	keys := slices.Collect(suiteRing(t).Keys())
	for _, a := range keys {
		for _, b := range keys {
			err := roundTrip(mustTransformer(t, a, nil), mustTransformer(t, b, nil))
			if a.ID == b.ID && err != nil {
				t.Errorf("key %v: own round trip failed: %v", a, err)
			}
			if a.ID != b.ID && !errors.Is(err, transform.ErrInvalid) {
				t.Errorf("key %v reading key %v's output: error %v; want one wrapping transform.ErrInvalid", b, a, err)
			}
		}
		if err := roundTrip(mustTransformer(t, a, []byte("ad 1")), mustTransformer(t, a, []byte("ad 2"))); err == nil {
			t.Errorf("key %v with ad %q reads output written with ad %q; want an error", a, "ad 2", "ad 1")
		}
	}
}

// rawTransformer builds the transformer of algorithm a directly on key.
func rawTransformer(t *testing.T, a keyring.Algorithm, key []byte) transform.Transformer {
	t.Helper()
	var tr transform.Transformer
	var err error
	switch a {
	case keyring.XChaCha20Poly1305:
		tr, err = transform.NewXChaCha20Poly1305(key, nil)
	case keyring.ChaCha20Poly1305:
		tr, err = transform.NewChaCha20Poly1305(key, nil)
	case keyring.AES256GCM, keyring.AES128GCM:
		tr, err = transform.NewAESGCM(key, nil)
	case keyring.HMACSHA256:
		tr, err = transform.NewHMAC(transform.SHA256, key, nil)
	case keyring.HMACSHA384:
		tr, err = transform.NewHMAC(transform.SHA384, key, nil)
	case keyring.HMACSHA512:
		tr, err = transform.NewHMAC(transform.SHA512, key, nil)
	default:
		t.Fatalf("no raw transformer for %q", a)
	}
	if err != nil {
		t.Fatalf("raw %q transformer error: %v", a, err)
	}
	return tr
}

// TestTransformerSubkey checks that a native key never seals with its
// stored secret directly, but with the HKDF-SHA256 subkey of SPEC.md §1.3:
// label "sesstool v1 " + algorithm name, no salt.
func TestTransformerSubkey(t *testing.T) {
	subkeySize := map[keyring.Algorithm]int{keyring.AES128GCM: 16}
	for _, a := range keyring.GeneratedAlgorithms() {
		t.Run(string(a), func(t *testing.T) {
			r, err := keyring.Generate(a, suiteNow)
			if err != nil {
				t.Fatal(err)
			}
			k := r.Primary()
			secret := k.Material().Secret
			tr := mustTransformer(t, k, nil)

			n := orDefault(subkeySize[a], 32)
			direct := rawTransformer(t, a, secret[:n]) // the nearest raw key the constructor accepts
			if err := roundTrip(tr, direct); err == nil {
				t.Errorf("a transformer on the raw secret reads the key's output; want the key to use a subkey")
			}
			if err := roundTrip(direct, tr); err == nil {
				t.Errorf("the key reads the output of a transformer on the raw secret; want the key to use a subkey")
			}
			sub, err := hkdf.Key(sha256.New, secret, nil, "sesstool v1 "+string(a), n)
			if err != nil {
				t.Fatal(err)
			}
			derived := rawTransformer(t, a, sub)
			if err := roundTrip(tr, derived); err != nil {
				t.Errorf("the documented subkey does not read the key's output: %v", err)
			}
			if err := roundTrip(derived, tr); err != nil {
				t.Errorf("the key does not read the documented subkey's output: %v", err)
			}
		})
	}
}

// orDefault returns a, or def if a is zero.
func orDefault(a, def int) int {
	if a == 0 {
		return def
	}
	return a
}

// TestTransformerRefuses checks that keys format v1 cannot seal with give
// an error: a destroyed key, a Ktor key, the zero Key.
func TestTransformerRefuses(t *testing.T) {
	r := suiteRing(t)
	victim := r.Primary()
	r, _, err := r.Rotate(keyring.Default, suiteNow)
	if err != nil {
		t.Fatal(err)
	}
	if r, err = r.Destroy(victim.ID, suiteNow); err != nil {
		t.Fatal(err)
	}
	destroyed, _ := r.Lookup(victim.ID)
	_, ktorKey, err := r.Import(keyring.Material{Algorithm: keyring.KtorHMACSHA256, Secret: bytes.Repeat([]byte{7}, 32)}, suiteNow)
	if err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]keyring.Key{"destroyed": destroyed, "ktor": ktorKey, "zero": {}} {
		if tr, err := newTransformer(k, nil); err == nil {
			t.Errorf("newTransformer(%s key) = %v, nil; want an error", name, tr)
		}
	}
}

// TestTransformerHidesSubkey checks that the transformers printed under
// any verb show neither a key's secret nor its subkeys.
func TestTransformerHidesSubkey(t *testing.T) {
	for k := range suiteRing(t).Keys() {
		secret := k.Material().Secret
		forms := []string{hex.EncodeToString(secret)}
		for _, n := range []int{16, 32} {
			sub, err := hkdf.Key(sha256.New, secret, nil, subkeyLabel(k.Algorithm), n)
			if err != nil {
				t.Fatal(err)
			}
			forms = append(forms, hex.EncodeToString(sub), string(sub), strings.Trim(fmt.Sprint(sub), "[]"))
		}
		tr := mustTransformer(t, k, []byte("ad"))
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			out := fmt.Sprintf(f, tr)
			for _, form := range forms {
				if strings.Contains(strings.ToLower(out), strings.ToLower(form[:16])) {
					t.Errorf("Sprintf(%q, transformer of %v) = %q shows key material", f, k, out)
				}
			}
		}
	}
}
