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
	if err := a.printKeyTable(r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines:\n%s", len(lines), out.String())
	}
	if !strings.HasPrefix(lines[0], "ID        ALGORITHM          STATE    CREATED               RETIRED               DESTROYED  KTOR LAYOUT") {
		t.Errorf("header = %q", lines[0])
	}
	if !strings.Contains(lines[1], "  xchacha20poly1305  retired  2026-01-01 00:00 UTC  2026-01-01 01:30 UTC  -          -") {
		t.Errorf("row = %q", lines[1])
	}
	if !strings.Contains(lines[2], "  hmac-sha256        primary  2026-01-01 01:30 UTC  -                     -") {
		t.Errorf("row = %q", lines[2])
	}
}
