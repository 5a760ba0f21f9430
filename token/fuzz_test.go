package token_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// fuzzMinters returns a Minter over a ring with a key of every generated
// algorithm, with a fixed clock, and one authentic token per key.
func fuzzMinters(f *testing.F) (*token.Minter, []string) {
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		f.Fatal(err)
	}
	for _, alg := range keyring.GeneratedAlgorithms() {
		if r, _, err = r.Add(alg, t0); err != nil {
			f.Fatal(err)
		}
	}
	clk := &clock{t0}
	var seeds []string
	// One seed per key: a ring in which that key is promoted mints it.
	for k := range r.Keys() {
		rk := r
		if k.State == keyring.Active {
			if rk, err = r.Promote(k.ID, t0); err != nil {
				f.Fatal(err)
			}
		}
		m, err := token.New(rk, &token.Options{Purpose: "p", Now: clk.Now})
		if err != nil {
			f.Fatal(err)
		}
		tok, err := m.Seal([]byte(`{"a":1}`), time.Hour)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, tok)
	}
	m, err := token.New(r, &token.Options{Purpose: "p", Now: clk.Now, Codec: codec.JSON()})
	if err != nil {
		f.Fatal(err)
	}
	return m, seeds
}

// FuzzOpen feeds arbitrary strings to Open: it must never panic, and every
// error must be a *token.Error wrapping exactly one sentinel, with a stage.
// Only the seed tokens can be authentic.
func FuzzOpen(f *testing.F) {
	m, seeds := fuzzMinters(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add("")
	f.Add("AQAAAAA")
	f.Add("AQAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		var v any
		_, err := m.Open(tok, &v)
		if err == nil {
			return
		}
		e, ok := errors.AsType[*token.Error](err)
		if !ok || e.Stage == 0 {
			t.Fatalf("Open error %v is not a staged *token.Error", err)
		}
		n := 0
		for _, s := range []error{token.ErrInvalid, token.ErrExpired, token.ErrNotYetValid} {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("Open error %v wraps %d sentinels; want 1", err, n)
		}
		if (errors.Is(err, token.ErrExpired) || errors.Is(err, token.ErrNotYetValid)) && e.Stage != token.StageValidity {
			t.Fatalf("Open reported %v at stage %v", err, e.Stage)
		}
		if _, herr := token.Inspect(tok); herr == nil && e.Stage < token.StageKey && e.Stage != token.StageSize {
			t.Fatalf("Inspect accepts a header that Open rejects at stage %v: %v", e.Stage, err)
		}
	})
}

// FuzzSealOpen checks the round trip for arbitrary payloads, purposes and
// TTLs, and that flipping any one bit of the token's text breaks it.
func FuzzSealOpen(f *testing.F) {
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"uid":7}`), "LOGIN", uint32(3600), uint16(0))
	f.Add([]byte{}, "", uint32(1), uint16(5))
	f.Fuzz(func(t *testing.T, payload []byte, purpose string, ttl uint32, flip uint16) {
		clk := &clock{t0}
		m, err := token.New(r, &token.Options{Purpose: purpose, Now: clk.Now, MaxTTL: 1 << 31 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := m.Seal(payload, time.Duration(ttl)*time.Second)
		if err != nil {
			if ttl == 0 || strings.Contains(err.Error(), "the limit is") {
				return
			}
			t.Fatalf("Seal(%d bytes, ttl %d) error = %v", len(payload), ttl, err)
		}
		got, c, err := m.Unseal(tok)
		if err != nil || string(got) != string(payload) || c.ExpiresAt.Sub(c.IssuedAt) != time.Duration(ttl)*time.Second {
			t.Fatalf("Unseal(Seal(x)) = %q, %+v, %v", got, c, err)
		}
		i := int(flip) % len(tok)
		b := []byte(tok)
		b[i] ^= 1 // stays ASCII; may leave the alphabet, which is also a rejection
		if _, _, err := m.Unseal(string(b)); !errors.Is(err, token.ErrInvalid) {
			t.Fatalf("Unseal(token with bit 0 of char %d flipped) error = %v; want ErrInvalid", i, err)
		}
	})
}

// FuzzInspect: Inspect never panics, and accepts exactly the tokens whose
// header Open accepts.
func FuzzInspect(f *testing.F) {
	f.Add("AQAAAAE")
	f.Add("AgAAAAE")
	f.Fuzz(func(t *testing.T, tok string) {
		h, err := token.Inspect(tok)
		if err != nil {
			if !errors.Is(err, token.ErrInvalid) {
				t.Fatalf("Inspect error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if h.Version != token.Version1 || h.Size < token.HeaderSize {
			t.Fatalf("Inspect = %+v", h)
		}
	})
}
