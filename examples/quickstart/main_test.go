package main

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	ring, err := keyring.Generate(keyring.Default, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.Create(path, ring); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(path, &out); err != nil || out.String() != "hello, alice\n" {
		t.Errorf("run = %q, %v; want hello, alice", out.String(), err)
	}
	// Without a keyring: an error, not a panic.
	out.Reset()
	if err := run(filepath.Join(t.TempDir(), "missing.json"), &out); !errors.Is(err, fs.ErrNotExist) || out.Len() != 0 {
		t.Errorf("run without a keyring = %q, %v; want fs.ErrNotExist", out.String(), err)
	}
}
