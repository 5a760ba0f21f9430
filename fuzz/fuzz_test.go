package fuzz

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

var now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// FuzzKeyringThenOpen mutates a keyring file and, when the mutated file
// still parses, uses it to open a token minted under the original: no panic,
// and the token opens only if the mutated ring still holds the original key
// material under the token's key ID (a changed secret or algorithm must make
// it fail authentication).
func FuzzKeyringThenOpen(f *testing.F) {
	r, err := keyring.Generate(keyring.Default, now)
	if err != nil {
		f.Fatal(err)
	}
	r, _, err = r.Rotate(keyring.AES256GCM, now)
	if err != nil {
		f.Fatal(err)
	}
	file, err := r.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	m, err := token.New(r, &token.Options{Purpose: "p", Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	tok, err := m.Seal([]byte("payload"), time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(file)
	f.Add(bytes.Replace(file, []byte(`"aes256gcm"`), []byte(`"chacha20poly1305"`), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		r2, err := keyring.Parse(data)
		if err != nil {
			if !errors.Is(err, keyring.ErrCorrupt) {
				t.Fatalf("Parse error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		m2, err := token.New(r2, &token.Options{Purpose: "p", Now: func() time.Time { return now }})
		if err != nil {
			return // e.g. a primary that cannot mint; New says so
		}
		got, _, err := m2.Unseal(tok)
		if err != nil {
			if !errors.Is(err, token.ErrInvalid) {
				t.Fatalf("Unseal error %v; want ErrInvalid", err)
			}
			return
		}
		if string(got) != "payload" {
			t.Fatalf("Unseal = %q under a mutated keyring", got)
		}
		// Opening succeeded, so the key must be the original one.
		orig, _ := r.Lookup(r.Primary().ID)
		k, ok := r2.Lookup(orig.ID)
		if !ok || k.Algorithm != orig.Algorithm {
			t.Fatalf("token opened under key %v of a mutated keyring that changed it (%v, %v)", orig.ID, k, ok)
		}
	})
}
