package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

// TestKeyTableOnTerminal checks the table keys list prints for people.
func TestKeyTableOnTerminal(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err = r.Rotate(keyring.HMACSHA256, t0.Add(90*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	a := &app{stdout: &out, stdoutTTY: true}
	if err := a.printKeyTable(r, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines:\n%s", len(lines), out.String())
	}
	if !strings.HasPrefix(lines[0], "ID        ALGORITHM          STATE    CREATED               AGE  RETIRED               DESTROYED  KTOR LAYOUT  NONCE LIMIT       OPTIONS") {
		t.Errorf("header = %q", lines[0])
	}
	if !strings.Contains(lines[1], "  xchacha20poly1305  retired  2026-01-01 00:00 UTC  2h   2026-01-01 01:30 UTC  -          -            effectively none") {
		t.Errorf("row = %q", lines[1])
	}
	if !strings.Contains(lines[2], "  hmac-sha256        primary  2026-01-01 01:30 UTC  30m  -                     -          -            no nonce") {
		t.Errorf("row = %q", lines[2])
	}
}

// TestKeysListNonceLimit pins the visibility part of issue 10 item 14: keys
// list shows each key's age and its suite's nonce limit (2^32 tokens for
// the suites with 96-bit random nonces), on a terminal and in --json.
func TestKeysListNonceLimit(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		alg       keyring.Algorithm
		text      string // NONCE LIMIT column
		limit     uint64 // --json tokenLimit
		createdAt time.Duration
		age       string
	}{
		{keyring.AES256GCM, "2^32 tokens", 1 << 32, 0, "40d"},
		{keyring.AES128GCM, "2^32 tokens", 1 << 32, 39 * 24 * time.Hour, "24h"},
		{keyring.ChaCha20Poly1305, "2^32 tokens", 1 << 32, 40*24*time.Hour - 5*time.Minute, "5m"},
		{keyring.XChaCha20Poly1305, "effectively none", 0, 38 * 24 * time.Hour, "48h"},
		{keyring.HMACSHA512, "no nonce", 0, 30 * 24 * time.Hour, "10d"},
	}
	at := t0.Add(40 * 24 * time.Hour)
	for _, tc := range tests {
		r, err := keyring.Generate(tc.alg, t0.Add(tc.createdAt))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		a := &app{stdout: &out, stdoutTTY: true}
		if err := a.printKeyTable(r, at); err != nil {
			t.Fatal(err)
		}
		row := strings.Fields(strings.Split(out.String(), "\n")[1])
		// ID ALGORITHM STATE CREATED(3 words) AGE RETIRED DESTROYED LAYOUT LIMIT…
		if got := row[6]; got != tc.age {
			t.Errorf("%s: AGE = %q, want %q\n%s", tc.alg, got, tc.age, out.String())
		}
		if got := strings.Join(row[10:len(row)-1], " "); got != tc.text { // OPTIONS is last
			t.Errorf("%s: NONCE LIMIT = %q, want %q\n%s", tc.alg, got, tc.text, out.String())
		}

		got := newListJSON("k.json", r, at)
		if k := got.Keys[0]; k.AgeSeconds != int64(at.Sub(t0.Add(tc.createdAt))/time.Second) || k.TokenLimit != tc.limit {
			t.Errorf("%s: --json ageSeconds %d, tokenLimit %d; want %d, %d", tc.alg, k.AgeSeconds, k.TokenLimit, int64(at.Sub(t0.Add(tc.createdAt))/time.Second), tc.limit)
		}
	}
}
