package token_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Session is the benchmark workload's value (bench/WORKLOAD.md).
type Session struct {
	UserID  string   `json:"uid"     cbor:"1,keyasint"`
	Name    string   `json:"name"    cbor:"2,keyasint"`
	Roles   []string `json:"roles"   cbor:"3,keyasint"`
	CSRF    string   `json:"csrf"    cbor:"4,keyasint"`
	Created int64    `json:"created" cbor:"5,keyasint"`
}

var workload = Session{
	UserID:  "u_8f14e45fceea167a",
	Name:    "Alice Example",
	Roles:   []string{"admin", "billing", "support"},
	CSRF:    "3q2-7wAAAAAAAAAAAAAAAA",
	Created: 1764115200,
}

var t0 = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newRing(t testing.TB, alg keyring.Algorithm) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(alg, t0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newMinter(t testing.TB, r *keyring.Ring, o token.Options) *token.Minter {
	t.Helper()
	m, err := token.New(r, &o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRoundTripEverySuiteAndCodec(t *testing.T) {
	for _, alg := range keyring.GeneratedAlgorithms() {
		for _, c := range []codec.Codec{codec.JSON(), codec.CBOR()} {
			t.Run(fmt.Sprintf("%s/%s", alg, c.Name()), func(t *testing.T) {
				clk := &clock{t0}
				r := newRing(t, alg)
				m := newMinter(t, r, token.Options{Purpose: "LOGIN_SESSION", Codec: c, Now: clk.Now})
				tok, err := m.Mint(workload, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				if len(tok) > 320 {
					t.Errorf("token is %d characters; want a compact token", len(tok))
				}
				var got Session
				claims, err := m.Open(tok, &got)
				if err != nil {
					t.Fatalf("Open error = %v", err)
				}
				if fmt.Sprint(got) != fmt.Sprint(workload) {
					t.Errorf("Open = %+v; want %+v", got, workload)
				}
				want := token.Claims{KeyID: r.Primary().ID, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
				if claims != want {
					t.Errorf("claims = %+v; want %+v", claims, want)
				}
				h, err := token.Inspect(tok)
				if err != nil || h.KeyID != r.Primary().ID || h.Version != token.Version1 {
					t.Errorf("Inspect = %+v, %v; want key %v", h, err, r.Primary().ID)
				}
			})
		}
	}
}

func TestOpenAs(t *testing.T) {
	m := newMinter(t, newRing(t, keyring.Default), token.Options{})
	tok, err := m.Mint(workload, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := token.OpenAs[Session](m, tok)
	if err != nil || s.UserID != workload.UserID {
		t.Fatalf("OpenAs = %+v, %v", s, err)
	}
}

// TestEveryBitFlipRejected flips every bit of a token's decoded bytes, and
// every character of its text, for every suite.
func TestEveryBitFlipRejected(t *testing.T) {
	for _, alg := range keyring.GeneratedAlgorithms() {
		t.Run(string(alg), func(t *testing.T) {
			m := newMinter(t, newRing(t, alg), token.Options{Purpose: "p", Now: (&clock{t0}).Now})
			tok, err := m.Seal([]byte(`{"a":1}`), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			for i := range len(tok) {
				for _, c := range alphabet {
					if byte(c) == tok[i] {
						continue
					}
					mod := tok[:i] + string(c) + tok[i+1:]
					if _, _, err := m.Unseal(mod); !errors.Is(err, token.ErrInvalid) {
						t.Fatalf("Unseal(token with char %d = %q) error = %v; want ErrInvalid", i, c, err)
					}
				}
			}
			for n := range len(tok) {
				if _, _, err := m.Unseal(tok[:n]); !errors.Is(err, token.ErrInvalid) {
					t.Fatalf("Unseal(token truncated to %d) error = %v; want ErrInvalid", n, err)
				}
			}
			for _, c := range alphabet {
				if _, _, err := m.Unseal(tok + string(c)); !errors.Is(err, token.ErrInvalid) {
					t.Fatalf("Unseal(token + %q) error = %v; want ErrInvalid", c, err)
				}
			}
		})
	}
}

func stageOf(err error) token.Stage {
	if e, ok := errors.AsType[*token.Error](err); ok {
		return e.Stage
	}
	return 0
}

func TestRejections(t *testing.T) {
	clk := &clock{t0}
	r := newRing(t, keyring.Default)
	m := newMinter(t, r, token.Options{Purpose: "LOGIN", Now: clk.Now, Leeway: 30 * time.Second})
	tok, err := m.Mint(workload, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	other := newMinter(t, newRing(t, keyring.Default), token.Options{Purpose: "LOGIN", Now: clk.Now})
	foreign, _ := other.Mint(workload, time.Hour)
	wrongPurpose := newMinter(t, r, token.Options{Purpose: "RESET", Now: clk.Now})
	cborMinter := newMinter(t, r, token.Options{Purpose: "LOGIN", Now: clk.Now, Codec: codec.CBOR()})

	tests := []struct {
		name  string
		m     *token.Minter
		tok   string
		at    time.Time
		err   error
		stage token.Stage
		msg   string
	}{
		{"valid", m, tok, t0, nil, 0, ""},
		{"empty", m, "", t0, token.ErrInvalid, token.StageSize, "empty token"},
		{"oversized", m, strings.Repeat("A", 4001), t0, token.ErrInvalid, token.StageSize, "limit is 4000"},
		{"padding", m, tok + "=", t0, token.ErrInvalid, token.StageEncoding, "not a sesstool token"},
		{"line break", m, tok[:10] + "\n" + tok[10:], t0, token.ErrInvalid, token.StageEncoding, "line break"},
		{"standard alphabet", m, strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+", t0, token.ErrInvalid, token.StageEncoding, ""},
		{"short header", m, "AQAA", t0, token.ErrInvalid, token.StageHeader, "header alone"},
		{"version 2", m, "AgAAAAAA", t0, token.ErrInvalid, token.StageHeader, "unknown format version 2"},
		{"unknown key", m, foreign, t0, token.ErrInvalid, token.StageKey, "unknown key"},
		{"wrong purpose", wrongPurpose, tok, t0, token.ErrInvalid, token.StageAuthentication, `another purpose than "RESET"`},
		{"wrong codec", cborMinter, tok, t0, token.ErrInvalid, token.StagePayload, "codec cbor"},
		{"just before expiry plus leeway", m, tok, t0.Add(time.Hour + 29*time.Second), nil, 0, ""},
		{"expired at expiry plus leeway", m, tok, t0.Add(time.Hour + 30*time.Second), token.ErrExpired, token.StageValidity, "expired at 2030-01-01T13:00:00Z"},
		{"issued in the future within leeway", m, tok, t0.Add(-30 * time.Second), nil, 0, ""},
		{"issued in the future beyond leeway", m, tok, t0.Add(-31 * time.Second), token.ErrNotYetValid, token.StageValidity, "check the clocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.t = tt.at
			defer func() { clk.t = t0 }()
			var s Session
			_, err := tt.m.Open(tt.tok, &s)
			if tt.err == nil {
				if err != nil {
					t.Fatalf("Open error = %v; want success", err)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("Open error = %v; want %v", err, tt.err)
			}
			if got := stageOf(err); got != tt.stage {
				t.Errorf("stage = %v; want %v (error %v)", got, tt.stage, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func TestNotBefore(t *testing.T) {
	clk := &clock{t0}
	m := newMinter(t, newRing(t, keyring.Default), token.Options{Now: clk.Now, Leeway: 5 * time.Second})
	tok, err := m.SealWith([]byte("1"), token.Validity{NotBefore: t0.Add(time.Minute), ExpiresAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at   time.Time
		want error
	}{
		{t0, token.ErrNotYetValid},
		{t0.Add(54 * time.Second), token.ErrNotYetValid},
		{t0.Add(55 * time.Second), nil},
		{t0.Add(59 * time.Minute), nil},
		{t0.Add(time.Hour + 5*time.Second), token.ErrExpired},
	} {
		clk.t = tt.at
		_, c, err := m.Unseal(tok)
		if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
			t.Errorf("Unseal at %v error = %v; want %v", tt.at, err, tt.want)
		}
		if err == nil && !c.NotBefore.Equal(t0.Add(time.Minute)) {
			t.Errorf("NotBefore = %v", c.NotBefore)
		}
	}
}

func TestMintErrors(t *testing.T) {
	m := newMinter(t, newRing(t, keyring.Default), token.Options{Now: (&clock{t0}).Now, MaxTTL: time.Hour})
	for name, f := range map[string]func() (string, error){
		"zero ttl":       func() (string, error) { return m.Seal(nil, 0) },
		"sub-second ttl": func() (string, error) { return m.Seal(nil, time.Millisecond) },
		"ttl over max":   func() (string, error) { return m.Seal(nil, time.Hour+time.Second) },
		"negative ttl":   func() (string, error) { return m.Seal(nil, -time.Hour) },
		"too large":      func() (string, error) { return m.Seal(make([]byte, 3000), time.Minute) },
		"nbf after exp": func() (string, error) {
			return m.SealWith(nil, token.Validity{ExpiresAt: t0.Add(time.Minute), NotBefore: t0.Add(time.Hour)})
		},
		"nbf before now": func() (string, error) {
			return m.SealWith(nil, token.Validity{ExpiresAt: t0.Add(time.Minute), NotBefore: t0.Add(-time.Hour)})
		},
		"exp in the past": func() (string, error) { return m.SealWith(nil, token.Validity{ExpiresAt: t0.Add(-time.Second)}) },
		"unencodable":     func() (string, error) { return m.Mint(make(chan int), time.Minute) },
	} {
		if tok, err := f(); err == nil {
			t.Errorf("%s: got token %q; want an error", name, tok)
		}
	}
	// The largest payload that fits is accepted, one byte more is not.
	fits := 0
	for n := 2900; n < 3100; n++ {
		if _, err := m.Seal(make([]byte, n), time.Minute); err == nil {
			fits = n
		}
	}
	tok, err := m.Seal(make([]byte, fits), time.Minute)
	if err != nil || len(tok) > token.DefaultMaxTokenSize || len(tok) < token.DefaultMaxTokenSize-3 {
		t.Errorf("largest token: %d characters, %v; want just under %d", len(tok), err, token.DefaultMaxTokenSize)
	}
	if _, _, err := m.Unseal(tok); err != nil {
		t.Errorf("Unseal(largest token) error = %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	r := newRing(t, keyring.Default)
	for name, o := range map[string]token.Options{
		"negative leeway": {Leeway: -time.Second},
		"tiny max ttl":    {MaxTTL: time.Millisecond},
		"tiny max size":   {MaxTokenSize: 10},
	} {
		if _, err := token.New(r, &o); err == nil {
			t.Errorf("%s: New succeeded; want an error", name)
		}
	}
	if _, err := token.New(nil, nil); err == nil {
		t.Error("New(nil ring) succeeded")
	}
}

// TestLifetimeOverMaxTTLRejected: a token minted with a longer MaxTTL does
// not open under a shorter one.
func TestLifetimeOverMaxTTLRejected(t *testing.T) {
	r := newRing(t, keyring.Default)
	clk := &clock{t0}
	long := newMinter(t, r, token.Options{Now: clk.Now, MaxTTL: 48 * time.Hour})
	short := newMinter(t, r, token.Options{Now: clk.Now, MaxTTL: 24 * time.Hour})
	tok, err := long.Seal(nil, 25*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := short.Unseal(tok); !errors.Is(err, token.ErrInvalid) || stageOf(err) != token.StageEnvelope {
		t.Errorf("Unseal error = %v; want ErrInvalid at the envelope stage", err)
	}
}

func TestRotation(t *testing.T) {
	clk := &clock{t0}
	r1 := newRing(t, keyring.Default)
	m1 := newMinter(t, r1, token.Options{Now: clk.Now})
	old, _ := m1.Mint(workload, time.Hour)

	r2, k2, err := r1.Rotate(keyring.AES256GCM, t0)
	if err != nil {
		t.Fatal(err)
	}
	m2 := newMinter(t, r2, token.Options{Now: clk.Now})
	var s Session
	c, err := m2.Open(old, &s)
	if err != nil {
		t.Fatalf("old token after rotation: %v", err)
	}
	if c.KeyID != r1.Primary().ID || !c.Rewrap {
		t.Errorf("claims = %+v; want key %v with Rewrap", c, r1.Primary().ID)
	}
	fresh, _ := m2.Mint(workload, time.Hour)
	if h, _ := token.Inspect(fresh); h.KeyID != k2.ID {
		t.Errorf("new token key = %v; want %v", h.KeyID, k2.ID)
	}
	if c, err := m2.Open(fresh, &s); err != nil || c.Rewrap {
		t.Errorf("fresh token: %+v, %v; want no Rewrap", c, err)
	}

	// Rewrap moves the old token to the new key, keeping its expiry.
	clk.t = t0.Add(10 * time.Minute)
	re, c, err := m2.Rewrap(old)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := m2.Open(re, &s)
	if err != nil || c2.KeyID != k2.ID || !c2.ExpiresAt.Equal(c.ExpiresAt) || !c2.IssuedAt.Equal(clk.t) {
		t.Errorf("rewrapped: %+v, %v; want key %v, expiry %v", c2, err, k2.ID, c.ExpiresAt)
	}

	// A destroyed key's tokens are rejected with a message saying so.
	r3, _, err := r2.Rotate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	r3, err = r3.Destroy(r1.Primary().ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	m3 := newMinter(t, r3, token.Options{Now: clk.Now})
	if _, err := m3.Open(old, &s); !errors.Is(err, token.ErrInvalid) || stageOf(err) != token.StageKey || !strings.Contains(err.Error(), "destroyed") {
		t.Errorf("token of destroyed key: %v; want ErrInvalid at the key stage saying destroyed", err)
	}
	if _, err := m3.Open(fresh, &s); err != nil {
		t.Errorf("token of retired key: %v", err)
	}
	// Pruned: unknown key.
	r4, removed := r3.Prune(t0.Add(48*time.Hour), 25*time.Hour)
	if len(removed) != 2 {
		t.Fatalf("Prune removed %v; want 2 keys", removed)
	}
	m4 := newMinter(t, r4, token.Options{Now: clk.Now})
	if _, err := m4.Open(fresh, &s); stageOf(err) != token.StageKey || !strings.Contains(err.Error(), "unknown key") {
		t.Errorf("token of pruned key: %v; want unknown key", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	m := newMinter(t, newRing(t, keyring.Default), token.Options{Now: (&clock{t0}).Now, Codec: codec.CBOR()})
	done := make(chan error)
	for range 8 {
		go func() {
			for range 200 {
				tok, err := m.Mint(workload, time.Hour)
				if err != nil {
					done <- err
					return
				}
				var s Session
				if _, err := m.Open(tok, &s); err != nil || s.Name != workload.Name {
					done <- fmt.Errorf("open: %+v, %v", s, err)
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
