package keyring_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

func TestGenerate(t *testing.T) {
	for _, alg := range keyring.GeneratedAlgorithms() {
		t.Run(string(alg), func(t *testing.T) {
			r := generate(t, alg)
			if r.Len() != 1 {
				t.Fatalf("Generate(%q).Len() = %d; want 1", alg, r.Len())
			}
			k := r.Primary()
			if k.ID == 0 {
				t.Errorf("Generate(%q).Primary().ID = 0; want non-zero", alg)
			}
			if k.State != keyring.Primary || k.Algorithm != alg || !k.Created.Equal(now) || !k.Retired.IsZero() || !k.Destroyed.IsZero() || k.KtorLayout != "" {
				t.Errorf("Generate(%q, %v).Primary() = {%v %v %v created %v retired %v destroyed %v layout %q}; want a primary %v key created at %v",
					alg, now, k.ID, k.Algorithm, k.State, k.Created, k.Retired, k.Destroyed, k.KtorLayout, alg, now)
			}
			if got, ok := r.Lookup(k.ID); !ok || !sameKey(got, k) {
				t.Errorf("Lookup(%v) = %v, %v; want %v, true", k.ID, got, ok, k)
			}
			if s := secrets(t, r)[k.ID]; len(s) != 32 {
				t.Errorf("Generate(%q) secret is %d bytes; want 32", alg, len(s))
			}
		})
	}
}

func TestGenerateIsRandom(t *testing.T) {
	// Two fresh rings share an ID with probability 2^-32 and a secret with
	// probability 2^-256.
	a, b := generate(t, keyring.Default), generate(t, keyring.Default)
	if a.Primary().ID == b.Primary().ID {
		t.Errorf("two Generate calls gave the same ID %v", a.Primary().ID)
	}
	if sa, sb := secrets(t, a)[a.Primary().ID], secrets(t, b)[b.Primary().ID]; bytes.Equal(sa, sb) {
		t.Errorf("two Generate calls gave the same secret")
	}
}

func TestGenerateTruncatesTime(t *testing.T) {
	loc := time.FixedZone("UTC+5", 5*3600)
	at := time.Date(2030, 1, 1, 17, 0, 0, 999_999_999, loc)
	k := generate(t, keyring.Default).Primary() // created at now
	r, err := keyring.Generate(keyring.Default, at)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Primary().Created
	if want := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Generate(_, %v).Primary().Created = %v; want %v (UTC, whole seconds)", at, got, want)
	}
	if !got.Equal(k.Created) {
		t.Errorf("Created = %v; want %v", got, k.Created)
	}
}

func TestGenerateRejects(t *testing.T) {
	for _, alg := range []keyring.Algorithm{"", "XChaCha20Poly1305", "aes", keyring.KtorHMACSHA256, keyring.KtorEncrypt} {
		r, err := keyring.Generate(alg, now)
		if err == nil {
			t.Errorf("Generate(%q) = %v, nil; want an error", alg, r)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", alg)) {
			t.Errorf("Generate(%q) error %q does not name the algorithm", alg, err)
		}
	}
}

func TestRotate(t *testing.T) {
	const n = 200
	r := generate(t, keyring.Default)
	seen := map[keyring.ID]bool{r.Primary().ID: true}
	for i := range n {
		at := now.Add(time.Duration(i+1) * time.Minute)
		old, before := r.Primary(), ids(r)
		r2, k := rotate(t, r, keyring.Default, at)

		if k.ID == 0 || seen[k.ID] {
			t.Fatalf("rotation %d: new key ID %v is zero or seen before", i, k.ID)
		}
		seen[k.ID] = true
		if p := r2.Primary(); !sameKey(p, k) || p.State != keyring.Primary || !p.Created.Equal(at) {
			t.Fatalf("rotation %d: Primary() = %v created %v; want the returned key %v, created %v", i, p, p.Created, k, at)
		}
		if o, _ := r2.Lookup(old.ID); o.State != keyring.Retired || !o.Retired.Equal(at) || !o.Created.Equal(old.Created) {
			t.Fatalf("rotation %d: old primary = %v retired %v; want retired at %v", i, o, o.Retired, at)
		}
		if got, want := ids(r2), append(before, k.ID); !slices.Equal(got, want) {
			t.Fatalf("rotation %d: IDs = %v; want %v (creation order)", i, got, want)
		}
		// r is immutable: Rotate returned a new ring.
		if got := ids(r); !slices.Equal(got, before) || r.Primary().ID != old.ID {
			t.Fatalf("rotation %d changed the old ring: IDs %v, primary %v", i, got, r.Primary())
		}
		r = r2
	}
	if r.Len() != n+1 {
		t.Errorf("after %d rotations Len() = %d; want %d", n, r.Len(), n+1)
	}
	primaries := 0
	for k := range r.Keys() {
		if k.State == keyring.Primary {
			primaries++
		}
	}
	if primaries != 1 {
		t.Errorf("after %d rotations %d keys are primary; want 1", n, primaries)
	}
}

func TestRotateAlgorithm(t *testing.T) {
	for _, alg := range keyring.GeneratedAlgorithms() {
		r, k := rotate(t, generate(t, keyring.Default), alg, now)
		if k.Algorithm != alg || r.Primary().Algorithm != alg {
			t.Errorf("Rotate(%q) made a %q key; want %q", alg, k.Algorithm, alg)
		}
	}
	r := generate(t, keyring.Default)
	if r2, _, err := r.Rotate(keyring.KtorEncrypt, now); err == nil {
		t.Errorf("Rotate(%q) = %v; want an error", keyring.KtorEncrypt, r2)
	}
}

func TestAddPromote(t *testing.T) {
	r := generate(t, keyring.Default)
	p0 := r.Primary()
	r1, k := add(t, r, keyring.AES256GCM, now)
	if k.State != keyring.Active || k.Algorithm != keyring.AES256GCM {
		t.Fatalf("Add() key = %v; want an active aes256gcm key", k)
	}
	if r1.Primary().ID != p0.ID {
		t.Errorf("after Add, Primary() = %v; want %v unchanged", r1.Primary(), p0)
	}
	if got, want := states(r1), []keyring.State{keyring.Primary, keyring.Active}; !slices.Equal(got, want) {
		t.Errorf("after Add, states = %v; want %v", got, want)
	}
	if m := k.Material(); len(m.Secret) != 32 || m.Algorithm != keyring.AES256GCM {
		t.Errorf("active key Material() has a %d-byte %q secret; want a 32-byte aes256gcm one", len(m.Secret), m.Algorithm)
	}

	later := now.Add(time.Hour)
	r2, err := r1.Promote(k.ID, later)
	if err != nil {
		t.Fatalf("Promote(%v) error: %v", k.ID, err)
	}
	if r2.Primary().ID != k.ID {
		t.Errorf("after Promote(%v), Primary() = %v", k.ID, r2.Primary())
	}
	if old, _ := r2.Lookup(p0.ID); old.State != keyring.Retired || !old.Retired.Equal(later) {
		t.Errorf("after Promote, old primary = %v retired %v; want retired at %v", old, old.Retired, later)
	}
	if got, want := states(r2), []keyring.State{keyring.Retired, keyring.Primary}; !slices.Equal(got, want) {
		t.Errorf("after Promote, states = %v; want %v", got, want)
	}
	if got := states(r1); got[0] != keyring.Primary || got[1] != keyring.Active {
		t.Errorf("Promote changed the ring it was called on: states %v", got)
	}
}

// lifecycleRing returns a ring with a primary, an active, a retired and a
// destroyed key, and those keys.
func lifecycleRing(t *testing.T) (r *keyring.Ring, primary, active, retired, destroyed keyring.Key) {
	t.Helper()
	r = generate(t, keyring.Default)
	r, active = add(t, r, keyring.Default, now)
	r, retired = add(t, r, keyring.Default, now)
	r, destroyed = add(t, r, keyring.Default, now)
	var err error
	if r, err = r.Retire(retired.ID, now); err != nil {
		t.Fatal(err)
	}
	if r, err = r.Destroy(destroyed.ID, now); err != nil {
		t.Fatal(err)
	}
	primary = r.Primary()
	retired, _ = r.Lookup(retired.ID)
	destroyed, _ = r.Lookup(destroyed.ID)
	return r, primary, active, retired, destroyed
}

// unusedID returns an ID that no key of r has.
func unusedID(r *keyring.Ring) keyring.ID {
	for id := keyring.ID(1); ; id++ {
		if _, ok := r.Lookup(id); !ok {
			return id
		}
	}
}

func TestStateErrors(t *testing.T) {
	r, primary, active, retired, destroyed := lifecycleRing(t)
	missing := unusedID(r)
	ops := map[string]func(keyring.ID) (*keyring.Ring, error){
		"Promote": func(id keyring.ID) (*keyring.Ring, error) { return r.Promote(id, now) },
		"Retire":  func(id keyring.ID) (*keyring.Ring, error) { return r.Retire(id, now) },
		"Destroy": func(id keyring.ID) (*keyring.Ring, error) { return r.Destroy(id, now) },
	}
	tests := []struct {
		op      string
		key     string
		id      keyring.ID
		wantErr error // nil: allowed
	}{
		{"Promote", "primary", primary.ID, keyring.ErrState},
		{"Promote", "active", active.ID, nil},
		{"Promote", "retired", retired.ID, keyring.ErrState},
		{"Promote", "destroyed", destroyed.ID, keyring.ErrState},
		{"Promote", "missing", missing, keyring.ErrNotFound},
		{"Retire", "primary", primary.ID, keyring.ErrState},
		{"Retire", "active", active.ID, nil},
		{"Retire", "retired", retired.ID, keyring.ErrState},
		{"Retire", "destroyed", destroyed.ID, keyring.ErrState},
		{"Retire", "missing", missing, keyring.ErrNotFound},
		{"Destroy", "primary", primary.ID, keyring.ErrState},
		{"Destroy", "active", active.ID, nil},
		{"Destroy", "retired", retired.ID, nil},
		{"Destroy", "destroyed", destroyed.ID, keyring.ErrState},
		{"Destroy", "missing", missing, keyring.ErrNotFound},
	}
	before := marshal(t, r)
	for _, tc := range tests {
		r2, err := ops[tc.op](tc.id)
		switch {
		case tc.wantErr == nil && err != nil:
			t.Errorf("%s(%s key %v) error: %v", tc.op, tc.key, tc.id, err)
		case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
			t.Errorf("%s(%s key %v) = %v, %v; want error wrapping %v", tc.op, tc.key, tc.id, r2, err, tc.wantErr)
		case tc.wantErr != nil && r2 != nil:
			t.Errorf("%s(%s key %v) returned ring %v with its error", tc.op, tc.key, tc.id, r2)
		case tc.wantErr != nil && !strings.Contains(err.Error(), tc.id.String()):
			t.Errorf("%s(%s key %v) error %q does not name the key", tc.op, tc.key, tc.id, err)
		}
	}
	if after := marshal(t, r); !bytes.Equal(after, before) {
		t.Errorf("operations changed the ring they were called on")
	}
}

func TestRetire(t *testing.T) {
	r, _, active, _, _ := lifecycleRing(t)
	later := now.Add(time.Hour)
	r2, err := r.Retire(active.ID, later)
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := r2.Lookup(active.ID); k.State != keyring.Retired || !k.Retired.Equal(later) || !k.Destroyed.IsZero() {
		t.Errorf("Retire(%v, %v): key = %v retired %v destroyed %v; want retired at %v", active.ID, later, k, k.Retired, k.Destroyed, later)
	}
	if _, ok := r.Lookup(active.ID); !ok {
		t.Errorf("Retire removed key %v from the ring it was called on", active.ID)
	}
}

func TestDestroy(t *testing.T) {
	r, _, active, retired, _ := lifecycleRing(t)
	later := now.Add(time.Hour)
	for _, k0 := range []keyring.Key{active, retired} {
		t.Run(k0.State.String(), func(t *testing.T) {
			if _, ok := secrets(t, r)[k0.ID]; !ok {
				t.Fatalf("key %v has no secret before Destroy", k0.ID)
			}
			r2, err := r.Destroy(k0.ID, later)
			if err != nil {
				t.Fatal(err)
			}
			k, ok := r2.Lookup(k0.ID)
			if !ok || k.State != keyring.Destroyed || !k.Destroyed.Equal(later) || !k.Retired.Equal(k0.Retired) {
				t.Errorf("Destroy(%v, %v): key = %v destroyed %v retired %v; want destroyed at %v, retired %v", k0.ID, later, k, k.Destroyed, k.Retired, later, k0.Retired)
			}
			if m := k.Material(); m.Secret != nil || m.SignSecret != nil {
				t.Errorf("destroyed key Material() has a %d-byte secret and a %d-byte sign secret; want none", len(m.Secret), len(m.SignSecret))
			}
			if s, ok := secrets(t, r2)[k0.ID]; ok {
				t.Errorf("Marshal after Destroy holds a %d-byte secret for key %v; want none", len(s), k0.ID)
			}
			// The ring Destroy was called on still holds the key.
			if m := k0.Material(); len(m.Secret) == 0 {
				t.Errorf("the key before Destroy: Material() has no secret")
			}
		})
	}
}

func TestPrune(t *testing.T) {
	const maxAge = 24 * time.Hour
	deadline := now.Add(-maxAge)
	r := generate(t, keyring.Default)
	retireAt := map[string]time.Time{
		"long ago":            deadline.Add(-time.Hour),
		"exactly at deadline": deadline, // retired at or before now-maxAge: pruned
		"just after deadline": deadline.Add(time.Second),
		"recently":            now,
	}
	names := []string{"long ago", "exactly at deadline", "just after deadline", "recently"}
	id := map[string]keyring.ID{}
	var err error
	for _, name := range names {
		var k keyring.Key
		r, k = add(t, r, keyring.Default, deadline.Add(-48*time.Hour))
		if r, err = r.Retire(k.ID, retireAt[name]); err != nil {
			t.Fatal(err)
		}
		id[name] = k.ID
	}
	r, k := add(t, r, keyring.Default, now)
	if r, err = r.Destroy(k.ID, now); err != nil { // destroyed just now: pruned anyway
		t.Fatal(err)
	}
	id["destroyed"] = k.ID
	r, k = add(t, r, keyring.Default, deadline.Add(-100*24*time.Hour)) // old but active: kept
	id["active"] = k.ID
	id["primary"] = r.Primary().ID

	got, removed := r.Prune(now, maxAge)
	wantRemoved := []keyring.ID{id["long ago"], id["exactly at deadline"], id["destroyed"]}
	if !slices.Equal(removed, wantRemoved) {
		t.Errorf("Prune(%v, %v) removed %v; want %v (long ago, exactly at deadline, destroyed)", now, maxAge, removed, wantRemoved)
	}
	wantKept := []keyring.ID{id["primary"], id["just after deadline"], id["recently"], id["active"]}
	if !slices.Equal(ids(got), wantKept) {
		t.Errorf("Prune(%v, %v) kept %v; want %v in creation order", now, maxAge, ids(got), wantKept)
	}
	if got.Primary().ID != id["primary"] || got.Primary().State != keyring.Primary {
		t.Errorf("after Prune, Primary() = %v; want %v", got.Primary(), id["primary"])
	}
	if r.Len() != 7 {
		t.Errorf("Prune changed the ring it was called on: Len() = %d; want 7", r.Len())
	}
	// The pruned ring is a valid keyring.
	if _, err := keyring.Parse(marshal(t, got)); err != nil {
		t.Errorf("Parse(Marshal(pruned ring)) error: %v", err)
	}
	// One second earlier, the key retired exactly at the deadline stays.
	_, removed = r.Prune(now.Add(-time.Second), maxAge)
	if want := []keyring.ID{id["long ago"], id["destroyed"]}; !slices.Equal(removed, want) {
		t.Errorf("Prune(%v, %v) removed %v; want %v", now.Add(-time.Second), maxAge, removed, want)
	}
}

func TestPruneNeverRemovesPrimaryOrActive(t *testing.T) {
	r, primary, active, retired, destroyed := lifecycleRing(t)
	for _, maxAge := range []time.Duration{0, time.Second, -time.Hour} {
		got, removed := r.Prune(now.Add(100*365*24*time.Hour), maxAge)
		if want := []keyring.ID{retired.ID, destroyed.ID}; !slices.Equal(removed, want) {
			t.Errorf("Prune(far future, %v) removed %v; want %v", maxAge, removed, want)
		}
		if want := []keyring.ID{primary.ID, active.ID}; !slices.Equal(ids(got), want) {
			t.Errorf("Prune(far future, %v) kept %v; want %v", maxAge, ids(got), want)
		}
	}
	if _, removed := r.Prune(now, 1000*time.Hour); !slices.Equal(removed, []keyring.ID{destroyed.ID}) {
		t.Errorf("Prune(now, 1000h) removed %v; want only the destroyed key %v", removed, destroyed.ID)
	}
	if _, removed := generate(t, keyring.Default).Prune(now, 0); removed != nil {
		t.Errorf("Prune of a fresh ring removed %v; want nil", removed)
	}
}

func TestPruneDeadline(t *testing.T) {
	const maxAge = time.Hour
	_, primary, active, retired, destroyed := lifecycleRing(t)
	tests := []struct {
		k      keyring.Key
		want   time.Time
		wantOK bool
	}{
		{primary, time.Time{}, false},
		{active, time.Time{}, false},
		{retired, now.Add(maxAge), true},
		{destroyed, now, true},
	}
	for _, tc := range tests {
		got, ok := keyring.PruneDeadline(tc.k, maxAge)
		if !got.Equal(tc.want) || ok != tc.wantOK {
			t.Errorf("PruneDeadline(%v, %v) = %v, %v; want %v, %v", tc.k, maxAge, got, ok, tc.want, tc.wantOK)
		}
	}
}

// TestPruneDeadlineAgreesWithPrune checks that Prune removes a key exactly
// when its PruneDeadline has been reached. It starts at the destruction
// time: Prune removes a destroyed key even at a now before its destruction
// time (a clock that went back), where PruneDeadline still lies ahead.
func TestPruneDeadlineAgreesWithPrune(t *testing.T) {
	const maxAge = 10 * time.Second
	r, _, _, _, _ := lifecycleRing(t)
	for d := time.Duration(0); d <= maxAge+time.Second; d += 500 * time.Millisecond {
		at := now.Add(d)
		_, removed := r.Prune(at, maxAge)
		for k := range r.Keys() {
			deadline, ok := keyring.PruneDeadline(k, maxAge)
			want := ok && !deadline.After(at)
			if got := slices.Contains(removed, k.ID); got != want {
				t.Errorf("at now%+v: Prune removed %v = %v; PruneDeadline = %v, %v", d, k, got, deadline, ok)
			}
		}
	}
}

func TestIDString(t *testing.T) {
	tests := []struct {
		id   keyring.ID
		want string
	}{
		{1, "00000001"},
		{0x9f2c01ab, "9f2c01ab"},
		{0xffffffff, "ffffffff"},
		{0xabcdef, "00abcdef"},
	}
	for _, tc := range tests {
		if got := tc.id.String(); got != tc.want {
			t.Errorf("ID(%#x).String() = %q; want %q", uint32(tc.id), got, tc.want)
		}
		if got, err := keyring.ParseID(tc.want); got != tc.id || err != nil {
			t.Errorf("ParseID(%q) = %v, %v; want %v, nil", tc.want, got, err, tc.id)
		}
	}
	// Random IDs round-trip too.
	r := generate(t, keyring.Default)
	for range 50 {
		r, _ = rotate(t, r, keyring.Default, now)
	}
	for _, id := range ids(r) {
		if got, err := keyring.ParseID(id.String()); got != id || err != nil {
			t.Errorf("ParseID(%q) = %v, %v; want %v, nil", id.String(), got, err, id)
		}
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		in      string
		want    keyring.ID
		wantErr bool
	}{
		{"9f2c01ab", 0x9f2c01ab, false},
		// ParseID accepts upper case (strconv.ParseUint does); String
		// always writes lower case.
		{"9F2C01AB", 0x9f2c01ab, false},
		{"", 0, true},
		{"00000000", 0, true}, // reserved
		{"0000000g", 0, true},
		{"1234567", 0, true},
		{"123456789", 0, true},
		{"9b1ef357c82a64d03f81e64cb5177adefb2f6bab0e9548c271bd06e953af3c88", 0, true}, // a key, not an ID
		{"0x123456", 0, true},
		{"+1234567", 0, true},
		{"-1234567", 0, true},
		{" 1234567", 0, true},
		{"1234567 ", 0, true},
		{"1234_567", 0, true},
		{"９f2c01a", 0, true}, // non-ASCII digit
	}
	for _, tc := range tests {
		got, err := keyring.ParseID(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseID(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "8 hexadecimal digits") {
			t.Errorf("ParseID(%q) error %q does not say what an ID looks like", tc.in, err)
		}
		if len(tc.in) > 8 && err != nil && strings.Contains(err.Error(), tc.in[:9]) {
			t.Errorf("ParseID(%q) error %q quotes its input, which may be a key typed in the wrong place", tc.in, err)
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	for _, a := range keyring.Algorithms() {
		if got, err := keyring.ParseAlgorithm(string(a)); got != a || err != nil {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q, nil", a, got, err, a)
		}
	}
	tests := []struct {
		in      string
		want    keyring.Algorithm
		wantErr bool
	}{
		// ParseAlgorithm ignores case and surrounding space.
		{"XChaCha20Poly1305", keyring.XChaCha20Poly1305, false},
		{" hmac-sha256\n", keyring.HMACSHA256, false},
		{"AES128GCM", keyring.AES128GCM, false},
		{"", "", true},
		{"aes", "", true},
		{"xchacha20-poly1305", "", true},
		{"hmac_sha256", "", true},
		// Ktor algorithms are known to the keyring, which does not import
		// package ktor.
		{string(keyring.KtorHMACSHA256), keyring.KtorHMACSHA256, false},
		{"KTOR-HMAC-SHA384", keyring.KtorHMACSHA384, false},
		{string(keyring.KtorHMACSHA512), keyring.KtorHMACSHA512, false},
		{string(keyring.KtorEncrypt), keyring.KtorEncrypt, false},
	}
	for _, tc := range tests {
		got, err := keyring.ParseAlgorithm(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), string(keyring.XChaCha20Poly1305)) {
			t.Errorf("ParseAlgorithm(%q) error %q does not list the known algorithms", tc.in, err)
		}
	}
}

func TestAlgorithms(t *testing.T) {
	all, gen := keyring.Algorithms(), keyring.GeneratedAlgorithms()
	want := []keyring.Algorithm{
		keyring.AES128GCM, keyring.AES256GCM, keyring.ChaCha20Poly1305,
		keyring.HMACSHA256, keyring.HMACSHA384, keyring.HMACSHA512, keyring.XChaCha20Poly1305,
	}
	if !slices.Equal(gen, want) {
		t.Errorf("GeneratedAlgorithms() = %v; want %v", gen, want)
	}
	if !slices.IsSorted(all) {
		t.Errorf("Algorithms() = %v; want sorted", all)
	}
	for _, a := range gen {
		if !slices.Contains(all, a) || a.Family() != keyring.FamilyNative {
			t.Errorf("generated algorithm %q: in Algorithms() %v, Family() %v; want true, native", a, slices.Contains(all, a), a.Family())
		}
	}
	if !slices.Contains(gen, keyring.Default) {
		t.Errorf("Default %q is not a generated algorithm", keyring.Default)
	}
	for a, want := range map[keyring.Algorithm]keyring.Family{
		keyring.KtorHMACSHA256: keyring.FamilyKtor,
		keyring.KtorHMACSHA384: keyring.FamilyKtor,
		keyring.KtorHMACSHA512: keyring.FamilyKtor,
		keyring.KtorEncrypt:    keyring.FamilyKtor,
		"nonsense":             0,
	} {
		if got := a.Family(); got != want {
			t.Errorf("%q.Family() = %v; want %v", a, got, want)
		}
	}
	for _, a := range all {
		if a.Family() == 0 {
			t.Errorf("%q.Family() = 0; want a family for every known algorithm", a)
		}
	}
}

func TestImportNative(t *testing.T) {
	base := generate(t, keyring.Default)
	for _, a := range keyring.GeneratedAlgorithms() {
		t.Run(string(a), func(t *testing.T) {
			secret := bytes.Repeat([]byte{0x5a}, 32)
			m := keyring.Material{Algorithm: a, Secret: secret}
			r, k, err := base.Import(m, now)
			if err != nil {
				t.Fatalf("Import(%q, 32 bytes) error: %v", a, err)
			}
			if k.State != keyring.Active || k.Algorithm != a || k.ID == 0 || !k.Created.Equal(now) || k.KtorLayout != "" {
				t.Errorf("Import(%q) key = %v created %v layout %q; want an active %q key created at %v", a, k, k.Created, k.KtorLayout, a, now)
			}
			if r.Len() != 2 || base.Len() != 1 || r.Primary().ID != base.Primary().ID {
				t.Errorf("Import: Len() = %d (was %d), primary %v; want 2 keys, primary unchanged", r.Len(), base.Len(), r.Primary())
			}
			if got := secrets(t, r)[k.ID]; !bytes.Equal(got, secret) {
				t.Errorf("Marshal holds secret %x for the imported key; want %x", got, secret)
			}
			// The secret is copied: changing the material afterwards
			// changes nothing.
			secret[0] ^= 1
			if got := secrets(t, r)[k.ID]; got[0] != 0x5a {
				t.Errorf("changing Material.Secret after Import changed the key")
			}
			if got := k.Material(); got.Algorithm != a || !bytes.Equal(got.Secret, bytes.Repeat([]byte{0x5a}, 32)) || got.SignSecret != nil || got.KtorLayout != "" {
				t.Errorf("imported key's Material() = %v with a %d-byte secret; want the imported material", got, len(got.Secret))
			}
			// A native imported key can be promoted.
			if _, err := r.Promote(k.ID, now); err != nil {
				t.Errorf("Promote(imported %q key) error: %v", a, err)
			}
		})
	}
}

func TestImportRejects(t *testing.T) {
	base := generate(t, keyring.Default)
	key := func(n int) []byte { return bytes.Repeat([]byte{0xa5}, n) }
	tests := []struct {
		name string
		m    keyring.Material
		want string // in the error
	}{
		{"31 bytes", keyring.Material{Algorithm: keyring.XChaCha20Poly1305, Secret: key(31)}, "must be 32 bytes, not 31"},
		{"33 bytes", keyring.Material{Algorithm: keyring.AES128GCM, Secret: key(33)}, "must be 32 bytes, not 33"},
		{"no secret", keyring.Material{Algorithm: keyring.HMACSHA256}, "must be 32 bytes, not 0"},
		{"sign secret", keyring.Material{Algorithm: keyring.HMACSHA256, Secret: key(32), SignSecret: key(32)}, "has no sign secret"},
		{"ktor layout", keyring.Material{Algorithm: keyring.AES256GCM, Secret: key(32), KtorLayout: keyring.KtorLayout3}, "only ktor-encrypt keys have a Ktor layout"},
		{"no algorithm", keyring.Material{Secret: key(32)}, `unknown algorithm ""`},
		{"unknown algorithm", keyring.Material{Algorithm: "rot13", Secret: key(32)}, `unknown algorithm "rot13"`},
	}
	for _, tc := range tests {
		r, k, err := base.Import(tc.m, now)
		if err == nil {
			t.Errorf("Import(%s) = %v, %v; want an error", tc.name, r, k)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Import(%s) error %q; want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// TestImportKtor checks the import of Ktor keys, and the refusal of
// material that does not fit the algorithm.
func TestImportKtor(t *testing.T) {
	base := generate(t, keyring.Default)
	key := func(n int) []byte { return bytes.Repeat([]byte{0x3c}, n) }
	tests := []struct {
		m       keyring.Material
		wantErr string // "" when the import must succeed
	}{
		{keyring.Material{Algorithm: keyring.KtorHMACSHA256, Secret: key(32)}, ""},
		{keyring.Material{Algorithm: keyring.KtorHMACSHA256, Secret: key(11), AllowShortKey: true}, ""}, // Ktor's own tests use short keys
		{keyring.Material{Algorithm: keyring.KtorHMACSHA256, Secret: key(16)}, ""},
		{keyring.Material{Algorithm: keyring.KtorHMACSHA384, Secret: key(48)}, ""},
		{keyring.Material{Algorithm: keyring.KtorHMACSHA512, Secret: key(64)}, ""},
		{keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: key(16), SignSecret: key(32)}, ""},
		{keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: key(24), SignSecret: key(11), KtorLayout: keyring.KtorLayout2, AllowShortKey: true}, ""},
		{keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: key(24), SignSecret: key(16)}, ""},
		{keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: key(32), SignSecret: key(32), KtorLayout: keyring.KtorLayoutBoth}, ""},
		{keyring.Material{Algorithm: keyring.KtorHMACSHA256}, "must be 1 to 1024 bytes"},
		{keyring.Material{Algorithm: keyring.KtorHMACSHA256, Secret: key(32), SignSecret: key(32)}, "has no sign secret"},
		{keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: key(16)}, "needs a sign secret"},
		{keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: key(20), SignSecret: key(32)}, "a ktor-encrypt secret must be 16, 24 or 32 bytes, not 20"},
		{keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: key(33), SignSecret: key(32)}, "a ktor-encrypt secret must be 16, 24 or 32 bytes, not 33"},
		{keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: key(16), SignSecret: key(32), KtorLayout: "4"}, "must be 2, 3 or both"},
	}
	for _, tc := range tests {
		a := tc.m.Algorithm
		r, k, err := base.Import(tc.m, now)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Import(%q) = %v, %v, %v; want an error containing %q", a, r, k, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Import(%q) error: %v", a, err)
			continue
		}
		if k.State != keyring.Active || k.Algorithm != a || a.Family() != keyring.FamilyKtor {
			t.Errorf("Import(%q) key = %v, Family %v; want an active Ktor key", a, k, a.Family())
		}
		if _, err := r.Promote(k.ID, now); !errors.Is(err, keyring.ErrAlgorithm) || errors.Is(err, keyring.ErrState) {
			t.Errorf("Promote(%q key) error %v; want ErrAlgorithm (not ErrState): Ktor keys are never primary", a, err)
		}
		// Whatever its state: a retired Ktor key is refused for its
		// algorithm too, so that the error does not suggest a state change.
		if retired, err := r.Retire(k.ID, now); err != nil {
			t.Errorf("Retire(%q key) error: %v", a, err)
		} else if _, err := retired.Promote(k.ID, now); !errors.Is(err, keyring.ErrAlgorithm) {
			t.Errorf("Promote(retired %q key) error %v; want ErrAlgorithm", a, err)
		}
		wantLayout := tc.m.KtorLayout
		if a == keyring.KtorEncrypt && wantLayout == "" {
			wantLayout = keyring.KtorLayout3
		}
		if got := k.Material(); got.Algorithm != a || !bytes.Equal(got.Secret, tc.m.Secret) || !bytes.Equal(got.SignSecret, tc.m.SignSecret) || got.KtorLayout != wantLayout {
			t.Errorf("Import(%q) key Material() = %v; want the imported material with layout %q", a, got, wantLayout)
		}
	}
}

// TestImportShortKtorHMACKey pins issue 10 item 7: a Ktor HMAC key (the key
// of a ktor-hmac-* key, the sign key of a ktor-encrypt key) shorter than 16
// bytes can be recovered from one cookie, and is refused with ErrWeakKey
// unless the material opts in with AllowShortKey.
func TestImportShortKtorHMACKey(t *testing.T) {
	base := generate(t, keyring.Default)
	key := func(n int) []byte { return bytes.Repeat([]byte{0x3c}, n) }
	for _, alg := range []keyring.Algorithm{keyring.KtorHMACSHA256, keyring.KtorHMACSHA384, keyring.KtorHMACSHA512, keyring.KtorEncrypt} {
		for _, n := range []int{1, 11, keyring.MinKtorHMACKeySize - 1, keyring.MinKtorHMACKeySize} {
			m := keyring.Material{Algorithm: alg, Secret: key(n)}
			if alg == keyring.KtorEncrypt {
				m.Secret, m.SignSecret = key(16), key(n)
			}
			_, _, err := base.Import(m, now)
			short := n < keyring.MinKtorHMACKeySize
			switch {
			case short && !errors.Is(err, keyring.ErrWeakKey):
				t.Errorf("Import(%s, %d-byte HMAC key) error %v; want ErrWeakKey", alg, n, err)
			case short && !strings.Contains(err.Error(), "forge"):
				t.Errorf("Import(%s, %d-byte HMAC key) error %q does not name the risk", alg, n, err)
			case !short && err != nil:
				t.Errorf("Import(%s, %d-byte HMAC key) error %v; want success", alg, n, err)
			}
			m.AllowShortKey = true
			if _, k, err := base.Import(m, now); err != nil || k.Algorithm != alg {
				t.Errorf("Import(%s, %d-byte HMAC key, AllowShortKey) = %v, %v; want success", alg, n, k, err)
			}
		}
	}
	// The option is about Ktor HMAC keys only: native sizes stay fixed.
	if _, _, err := base.Import(keyring.Material{Algorithm: keyring.HMACSHA256, Secret: key(11), AllowShortKey: true}, now); err == nil {
		t.Error("Import(hmac-sha256, 11 bytes, AllowShortKey) succeeded; want the native size error")
	}
}

// TestImportShortJWTKey pins RFC 7518 §3.2 for imported JWT secrets: an
// HS256, HS384 or HS512 key shorter than the hash's output (32, 48, 64
// bytes) is refused with ErrWeakKey unless the material opts in with
// AllowShortKey, as a short Ktor HMAC key is.
func TestImportShortJWTKey(t *testing.T) {
	base := generate(t, keyring.Default)
	for _, tc := range []struct {
		alg keyring.Algorithm
		min int
	}{{keyring.JWTHS256, 32}, {keyring.JWTHS384, 48}, {keyring.JWTHS512, 64}} {
		if got := keyring.MinHMACKeySize(tc.alg); got != tc.min {
			t.Errorf("MinHMACKeySize(%s) = %d, want %d", tc.alg, got, tc.min)
		}
		for _, n := range []int{1, 6, tc.min - 1, tc.min, tc.min + 1} {
			m := keyring.Material{Algorithm: tc.alg, Secret: bytes.Repeat([]byte("s"), n)}
			_, _, err := base.Import(m, now)
			short := n < tc.min
			switch {
			case short && !errors.Is(err, keyring.ErrWeakKey):
				t.Errorf("Import(%s, %d-byte secret) error %v; want ErrWeakKey", tc.alg, n, err)
			case short && (!strings.Contains(err.Error(), "forge") || !strings.Contains(err.Error(), "RFC 7518")):
				t.Errorf("Import(%s, %d-byte secret) error %q does not name the risk and the rule", tc.alg, n, err)
			case short && strings.Contains(err.Error(), "sss"):
				t.Errorf("Import(%s, %d-byte secret) error %q quotes the secret", tc.alg, n, err)
			case !short && err != nil:
				t.Errorf("Import(%s, %d-byte secret) error %v; want success", tc.alg, n, err)
			}
			m.AllowShortKey = true
			if _, k, err := base.Import(m, now); err != nil || k.Algorithm != tc.alg {
				t.Errorf("Import(%s, %d-byte secret, AllowShortKey) = %v, %v; want success", tc.alg, n, k, err)
			}
		}
	}
	// Other foreign text secrets have no such rule here.
	if keyring.MinHMACKeySize(keyring.Flask) != 0 || keyring.MinHMACKeySize(keyring.HMACSHA256) != 0 {
		t.Error("MinHMACKeySize applies beyond Ktor and JWT keys")
	}
}

// TestImportErrorsNameNoKeyID checks that a refused import does not name
// the random ID the key would have had: no such key exists.
func TestImportErrorsNameNoKeyID(t *testing.T) {
	base := generate(t, keyring.Default)
	for _, m := range []keyring.Material{
		{Algorithm: keyring.Default, Secret: bytes.Repeat([]byte{1}, 31)},
		{Algorithm: keyring.KtorEncrypt, Secret: bytes.Repeat([]byte{1}, 16)},
		{Algorithm: keyring.HMACSHA256, Secret: bytes.Repeat([]byte{1}, 32), KtorLayout: keyring.KtorLayout2},
	} {
		_, _, err := base.Import(m, now)
		if err == nil {
			t.Fatalf("Import(%v) succeeded; want an error", m)
		}
		if !strings.Contains(err.Error(), "the imported key") || strings.Contains(err.Error(), "keyring: key ") {
			t.Errorf("Import(%v) error %q; want it to say \"the imported key\" and name no key ID", m, err)
		}
	}
}

func TestKeyString(t *testing.T) {
	r, _, _, _, destroyed := lifecycleRing(t)
	p := r.Primary()
	tests := []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", p, p.ID.String() + " xchacha20poly1305 primary"},
		{"%s", p, p.ID.String() + " xchacha20poly1305 primary"},
		{"%+v", destroyed, destroyed.ID.String() + " xchacha20poly1305 destroyed"},
		{"%#v", p, "keyring.Key{" + p.ID.String() + " xchacha20poly1305 primary}"},
		{"%v", r, fmt.Sprintf("keyring(4 keys, primary %v)", p.ID)},
		{"%v", keyring.State(9), "State(9)"},
		{"%v", *r, fmt.Sprintf("keyring(4 keys, primary %v)", p.ID)},
		{"%d", r, fmt.Sprintf("keyring(4 keys, primary %v)", p.ID)},
		{"%v", keyring.Ring{}, "keyring(empty)"},
		{"%v", (*keyring.Ring)(nil), "<nil>"},
	}
	for _, tc := range tests {
		if got := fmt.Sprintf(tc.format, tc.arg); got != tc.want {
			t.Errorf("Sprintf(%q, %T) = %q; want %q", tc.format, tc.arg, got, tc.want)
		}
	}
}

func TestStateVerifies(t *testing.T) {
	tests := []struct {
		s    keyring.State
		want bool
	}{
		{keyring.Primary, true},
		{keyring.Active, true},
		{keyring.Retired, true},
		{keyring.Destroyed, false},
		{0, false},
		{9, false},
	}
	for _, tc := range tests {
		if got := tc.s.Verifies(); got != tc.want {
			t.Errorf("%v.Verifies() = %v; want %v", tc.s, got, tc.want)
		}
	}
}

func TestZeroKeyMaterial(t *testing.T) {
	var k keyring.Key
	if m := k.Material(); m.Secret != nil || m.SignSecret != nil || m.Algorithm != "" {
		t.Errorf("Key{}.Material() = %v with a %d-byte secret; want empty material", m, len(m.Secret))
	}
}

// TestKeyMaterial checks that Key.Material returns the key's secrets as
// stored, as a copy that the caller may change without changing the key.
func TestKeyMaterial(t *testing.T) {
	r, _ := mixedRing(t)
	stored := secrets(t, r)
	for k := range r.Keys() {
		m := k.Material()
		if m.Algorithm != k.Algorithm || m.KtorLayout != k.KtorLayout || m.SignSecret != nil {
			t.Errorf("key %v: Material() = %v; want algorithm %q, layout %q, no sign secret", k, m, k.Algorithm, k.KtorLayout)
		}
		if !bytes.Equal(m.Secret, stored[k.ID]) {
			t.Errorf("key %v: Material().Secret differs from the secret that Marshal stores", k)
		}
		if len(m.Secret) == 0 {
			continue
		}
		m.Secret[0] ^= 0xff
		if again := k.Material(); !bytes.Equal(again.Secret, stored[k.ID]) {
			t.Errorf("key %v: changing the slice Material() returned changed the key", k)
		}
	}
	// A Ktor encrypt key's sign secret comes back too.
	enc := keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: bytes.Repeat([]byte{1}, 16), SignSecret: bytes.Repeat([]byte{2}, 32), KtorLayout: keyring.KtorLayoutBoth}
	_, k, err := r.Import(enc, now)
	if err != nil {
		t.Fatal(err)
	}
	if m := k.Material(); !bytes.Equal(m.Secret, enc.Secret) || !bytes.Equal(m.SignSecret, enc.SignSecret) || m.KtorLayout != keyring.KtorLayoutBoth {
		t.Errorf("ktor-encrypt key Material() = %v; want the imported secrets and layout both", m)
	}
}
