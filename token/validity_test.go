package token_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Open compares whole-second envelope times with the clock ∓ the leeway in
// integers. These tests hold it to the same comparisons done on time.Time,
// at and around every boundary, with leeways that are and are not whole
// seconds.

// wantValidity is the reference: the validity rules of SPEC.md in
// time.Time arithmetic.
func wantValidity(now time.Time, lw time.Duration, iat, exp, nbf time.Time) error {
	switch {
	case !now.Before(exp.Add(lw)):
		return token.ErrExpired
	case !nbf.IsZero() && now.Before(nbf.Add(-lw)):
		return token.ErrNotYetValid
	case now.Before(iat.Add(-lw)):
		return token.ErrNotYetValid
	}
	return nil
}

func TestValidityBoundaries(t *testing.T) {
	r := newRing(t, keyring.Default)
	iat := t0
	nbf := t0.Add(10 * time.Second)
	exp := t0.Add(time.Minute)
	offsets := []time.Duration{0, 1, 499 * time.Millisecond, 500 * time.Millisecond, time.Second - 1, time.Second, time.Second + 1, 1500 * time.Millisecond, 2 * time.Second}
	for _, lw := range []time.Duration{0, 1, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond, time.Hour} {
		clk := &clock{iat}
		m := newMinter(t, r, token.Options{Now: clk.Now, Leeway: lw})
		withNBF, err := m.SealWith([]byte("x"), token.Validity{ExpiresAt: exp, NotBefore: nbf})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := m.SealWith([]byte("x"), token.Validity{ExpiresAt: exp})
		if err != nil {
			t.Fatal(err)
		}
		for _, edge := range []time.Time{iat, nbf, exp} {
			for _, base := range []time.Time{edge.Add(-lw), edge.Add(lw)} {
				for _, off := range offsets {
					for _, now := range []time.Time{base.Add(off), base.Add(-off)} {
						clk.t = now
						for _, tc := range []struct {
							tok string
							nbf time.Time
						}{{withNBF, nbf}, {plain, time.Time{}}} {
							_, _, err := m.Unseal(tc.tok)
							want := wantValidity(now, lw, iat, exp, tc.nbf)
							if (err == nil) != (want == nil) || (want != nil && !errors.Is(err, want)) {
								t.Errorf("leeway %v, now %v, not-before %v: Unseal = %v; want %v", lw, now, tc.nbf, err, want)
							}
						}
					}
				}
			}
		}
	}
}
