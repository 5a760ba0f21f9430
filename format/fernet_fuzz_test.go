package format_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// fuzzForeign is the body of FuzzFernet and FuzzBranca: for any input,
// Detect, Peek and Open never panic, every rejection is an *Error of the
// format (or a KeyTrialError, which these rings never cause), a token that
// opens is detected and peeks without error, and its payload renders as
// valid JSON; any payload minted opens to itself, and one flipped
// character of the minted token is rejected.
func fuzzForeign(f *testing.F, fm format.Importer, alg keyring.Algorithm, key string, seeds []string, alphabet string) {
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		f.Fatal(err)
	}
	m, err := fm.ParseKey(alg, []byte(key), keyring.Options{})
	if err != nil {
		f.Fatal(err)
	}
	if r, _, err = r.Import(m, t0); err != nil {
		f.Fatal(err)
	}
	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	op, err := fm.NewOpener(r, format.Options{Leeway: 200 * 365 * 24 * time.Hour, Now: func() time.Time { return at }})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add(s, []byte(`{"a":1}`))
	}
	f.Add("", []byte{0x80})
	f.Fuzz(func(t *testing.T, tok string, payload []byte) {
		detected := fm.Detect(tok)
		p := fm.Peek(tok)
		if p.Length != len(tok) || (detected && p.Err != nil) {
			t.Fatalf("Peek = %+v, detected %v", p, detected)
		}
		res, err := op.Open(tok)
		if err != nil {
			e, ok := errors.AsType[*format.Error](err)
			if !ok || e.Format == nil || e.Format.Name() != fm.Name() || !errors.Is(err, token.ErrInvalid) && !errors.Is(err, token.ErrExpired) && !errors.Is(err, token.ErrNotYetValid) {
				t.Fatalf("Open: %v (%T)", err, err)
			}
		} else {
			if !detected || p.Err != nil || !json.Valid(res.JSON) {
				t.Fatalf("opened, but detected %v, Peek.Err %v, JSON %q", detected, p.Err, res.JSON)
			}
		}
		if len(payload) > 4096 {
			return
		}
		minted, _, err := op.(format.Minter).Mint(payload, token.Validity{})
		if err != nil {
			t.Fatalf("Mint: %v", err)
		}
		back, err := op.Open(minted)
		if err != nil || !bytes.Equal(back.Payload, payload) || !json.Valid(back.JSON) {
			t.Fatalf("round trip: %v, %q, want %q", err, back.Payload, payload)
		}
		i := len(tok) % len(minted)
		c := alphabet[(bytes.IndexByte([]byte(alphabet), minted[i])+1)%len(alphabet)]
		bad := minted[:i] + string(c) + minted[i+1:]
		if bad == minted {
			t.Fatal("the tampered token equals the original")
		}
		if _, err := op.Open(bad); err == nil {
			t.Fatalf("a token changed at %d opens", i)
		}
	})
}

// FuzzFernet: see fuzzForeign.
func FuzzFernet(f *testing.F) {
	fuzzForeign(f, format.Fernet().(format.Importer), keyring.Fernet, fernetSpecKey, vectorTokens(f, "fernet"),
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}

// FuzzBranca: see fuzzForeign.
func FuzzBranca(f *testing.F) {
	fuzzForeign(f, format.Branca().(format.Importer), keyring.Branca, brancaSpecKey, vectorTokens(f, "branca"),
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
}
