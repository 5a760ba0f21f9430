package token_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// retiredSetup returns a ring whose first key was the primary until it was
// retired at retiredAt, a Minter over the ring as it was before (a server
// with a stale keyring, or a thief holding the old key) and the retired
// key's ID.
func retiredSetup(t *testing.T, retiredAt time.Time, clk *clock) (after *keyring.Ring, stale *token.Minter, old keyring.ID) {
	t.Helper()
	before := newRing(t, keyring.Default)
	after, _, err := before.Rotate(keyring.Default, retiredAt)
	if err != nil {
		t.Fatal(err)
	}
	return after, newMinter(t, before, token.Options{Now: clk.Now}), before.Primary().ID
}

// TestRetiredKeyRejectsTokensIssuedAfterRetirement: a retired key opens the
// tokens issued up to its retirement plus the leeway, and no later ones,
// through every entry point that opens (Open, Verify, Unseal, Rewrap).
// Before the fix, a token minted 12 hours after the retirement opened.
func TestRetiredKeyRejectsTokensIssuedAfterRetirement(t *testing.T) {
	retiredAt := t0.Add(time.Hour)
	for _, lw := range []time.Duration{0, time.Second, 1500 * time.Millisecond, time.Minute} {
		clk := &clock{}
		ring, stale, old := retiredSetup(t, retiredAt, clk)
		m := newMinter(t, ring, token.Options{Now: clk.Now, Leeway: lw})
		whole := lw.Truncate(time.Second)
		for _, tc := range []struct {
			name string
			iat  time.Time
			ok   bool
		}{
			{"an hour before retirement", retiredAt.Add(-time.Hour), true},
			{"at retirement", retiredAt, true},
			{"at retirement plus leeway", retiredAt.Add(whole), true},
			{"one second past retirement plus leeway", retiredAt.Add(whole + time.Second), false},
			{"12 hours after retirement", retiredAt.Add(12 * time.Hour), false},
		} {
			t.Run(fmt.Sprintf("leeway %v/%s", lw, tc.name), func(t *testing.T) {
				// The reference in time.Time arithmetic: SPEC.md's rule.
				if want := !tc.iat.After(retiredAt.Add(lw)); want != tc.ok {
					t.Fatalf("bad test case: SPEC.md says ok=%v", want)
				}
				clk.t = tc.iat
				tok, err := stale.Mint(workload, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				clk.t = tc.iat.Add(time.Minute) // valid by its times alone
				var s Session
				_, errOpen := m.Open(tok, &s)
				_, errVerify := m.Verify(tok)
				_, _, errUnseal := m.Unseal(tok)
				_, _, errRewrap := m.Rewrap(tok)
				for op, err := range map[string]error{"Open": errOpen, "Verify": errVerify, "Unseal": errUnseal, "Rewrap": errRewrap} {
					if tc.ok {
						if err != nil {
							t.Errorf("%s error = %v; want success", op, err)
						}
						continue
					}
					te, isErr := errors.AsType[*token.Error](err)
					if !errors.Is(err, token.ErrInvalid) || !isErr || te.Stage != token.StageValidity || te.KeyID != old {
						t.Errorf("%s error = %#v; want ErrInvalid at the validity stage naming key %v", op, err, old)
					}
				}
			})
		}
	}
}

// TestRetiredKeyOpenAgreesWithPrune: whenever Open accepts a token under a
// retired key, keyring.Ring.Prune with MaxTTL + Leeway keeps that key, so
// that pruning never ends a session that Open would accept. Before the fix,
// a token issued within the leeway after the retirement opened for one
// leeway longer than the key was kept.
func TestRetiredKeyOpenAgreesWithPrune(t *testing.T) {
	const maxTTL = 2 * time.Hour
	retiredAt := t0.Add(time.Hour)
	for _, lw := range []time.Duration{0, time.Second, 1500 * time.Millisecond, time.Minute} {
		clk := &clock{}
		ring, stale, old := retiredSetup(t, retiredAt, clk)
		m := newMinter(t, ring, token.Options{Now: clk.Now, Leeway: lw, MaxTTL: maxTTL})
		pruneAt := retiredAt.Add(maxTTL + lw) // the first instant Prune removes the key
		for _, iat := range []time.Time{retiredAt.Add(-maxTTL / 2), retiredAt, retiredAt.Add(lw.Truncate(time.Second))} {
			clk.t = iat
			tok, err := stale.Seal([]byte(`{}`), maxTTL)
			if err != nil {
				t.Fatal(err)
			}
			accepted := 0
			for _, off := range []time.Duration{-lw - time.Second, -lw, -time.Second, -time.Nanosecond, 0, time.Nanosecond, 500 * time.Millisecond, time.Second, lw, lw + time.Second} {
				now := pruneAt.Add(off)
				clk.t = now
				_, errOpen := m.Verify(tok)
				_, removed := ring.Prune(now, maxTTL+lw)
				if errOpen == nil {
					accepted++
					if len(removed) != 0 {
						t.Errorf("leeway %v, issued %v, now %v: Open accepts a token of key %v, which Prune removes", lw, iat, now, old)
					}
				} else if !errors.Is(errOpen, token.ErrExpired) {
					t.Errorf("leeway %v, issued %v, now %v: Open error = %v; want success or ErrExpired", lw, iat, now, errOpen)
				}
			}
			if iat.Equal(retiredAt.Add(lw.Truncate(time.Second))) && lw >= time.Second && accepted == 0 {
				t.Errorf("leeway %v: the token issued at retirement plus leeway never opened near the prune time", lw)
			}
		}
	}
}

// TestNewEmptyRing: the zero keyring.Ring, and a nil one, give an error
// wrapping ErrNoKeyring. Before the fix, New(&keyring.Ring{}, nil) panicked.
func TestNewEmptyRing(t *testing.T) {
	for name, r := range map[string]*keyring.Ring{"nil": nil, "zero": {}} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("New panicked: %v", p)
				}
			}()
			m, err := token.New(r, nil)
			if m != nil || !errors.Is(err, token.ErrNoKeyring) {
				t.Errorf("New = %v, %v; want ErrNoKeyring", m, err)
			}
		})
	}
}

// TestOpenBadDestination: a destination that is not a non-nil pointer is a
// usage error, reported as such whatever the token, and never as an invalid
// token. Before the fix, Open(tok, nil) said ErrInvalid.
func TestOpenBadDestination(t *testing.T) {
	m := newMinter(t, newRing(t, keyring.Default), token.Options{Now: (&clock{t0}).Now})
	tok, err := m.Mint(workload, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"nil pointer", (*Session)(nil)},
		{"not a pointer", Session{}},
	} {
		for _, in := range []string{tok, "garbage"} {
			t.Run(tc.name, func(t *testing.T) {
				c, err := m.Open(in, tc.v)
				if !errors.Is(err, token.ErrBadDestination) || errors.Is(err, token.ErrInvalid) || c != (token.Claims{}) {
					t.Errorf("Open(%.10q, %T) = %+v, %v; want ErrBadDestination and not ErrInvalid", in, tc.v, c, err)
				}
			})
		}
	}
}

// TestVerify: Verify accepts what Open accepts, with the same claims, and
// rejects what Open rejects, with the same error, including a payload that
// does not decode with the Minter's codec.
func TestVerify(t *testing.T) {
	clk := &clock{t0}
	r := newRing(t, keyring.Default)
	for _, c := range []codec.Codec{codec.JSON(), codec.CBOR()} {
		m := newMinter(t, r, token.Options{Now: clk.Now, Codec: c})
		good, err := m.Mint(workload, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		undecodable, err := m.Seal([]byte{0xff, 0xfe}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			tok   string
			at    time.Time
			err   error
			stage token.Stage
		}{
			{"valid", good, t0, nil, 0},
			{"expired", good, t0.Add(2 * time.Hour), token.ErrExpired, token.StageValidity},
			{"payload does not decode", undecodable, t0, token.ErrInvalid, token.StagePayload},
			{"unknown key", "AQAAAAAA", t0, token.ErrInvalid, token.StageKey},
		} {
			t.Run(c.Name()+"/"+tc.name, func(t *testing.T) {
				clk.t = tc.at
				var v any
				wantClaims, wantErr := m.Open(tc.tok, &v)
				got, err := m.Verify(tc.tok)
				if got != wantClaims || fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Errorf("Verify = %+v, %v; Open = %+v, %v", got, err, wantClaims, wantErr)
				}
				if tc.err == nil {
					if err != nil {
						t.Errorf("Verify error = %v; want success", err)
					}
					return
				}
				if !errors.Is(err, tc.err) || stageOf(err) != tc.stage {
					t.Errorf("Verify error = %v; want %v at stage %v", err, tc.err, tc.stage)
				}
			})
		}
	}
}

// TestRewrapReturnsTheOldTokensClaims pins what Rewrap's Claims describe:
// the token given (its key and issue time), not the new one.
func TestRewrapReturnsTheOldTokensClaims(t *testing.T) {
	clk := &clock{t0}
	r1 := newRing(t, keyring.Default)
	old, err := newMinter(t, r1, token.Options{Now: clk.Now}).Mint(workload, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r2, k2, err := r1.Rotate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	m2 := newMinter(t, r2, token.Options{Now: clk.Now})
	clk.t = t0.Add(10 * time.Minute)
	var s Session
	opened, err := m2.Open(old, &s)
	if err != nil {
		t.Fatal(err)
	}
	fresh, c, err := m2.Rewrap(old)
	if err != nil {
		t.Fatal(err)
	}
	if c != opened || c.KeyID != r1.Primary().ID || !c.IssuedAt.Equal(t0) || !c.Rewrap {
		t.Errorf("Rewrap claims = %+v; want the old token's, as Open gives them: %+v", c, opened)
	}
	nc, err := m2.Open(fresh, &s)
	want := token.Claims{KeyID: k2.ID, IssuedAt: clk.t, ExpiresAt: c.ExpiresAt}
	if err != nil || nc != want {
		t.Errorf("new token's claims = %+v, %v; want %+v", nc, err, want)
	}
}

// TestErrorKeyIDType: token.Error and token.Claims name keys with the same
// type, keyring.ID.
func TestErrorKeyIDType(t *testing.T) {
	e, c := reflect.TypeFor[token.Error](), reflect.TypeFor[token.Claims]()
	ef, _ := e.FieldByName("KeyID")
	cf, _ := c.FieldByName("KeyID")
	if ef.Type != cf.Type || cf.Type != reflect.TypeFor[keyring.ID]() {
		t.Errorf("Error.KeyID is a %v and Claims.KeyID a %v; want keyring.ID for both", ef.Type, cf.Type)
	}
}
