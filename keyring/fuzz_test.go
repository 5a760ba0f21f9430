package keyring_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sesstool/sesstool/keyring"
)

// FuzzParse checks that Parse never panics, that every error it returns
// wraps ErrCorrupt and shows no secret, and that whatever it accepts
// Marshal writes in one canonical form: Parse(Marshal(r)) equals r and
// marshals to the same bytes.
func FuzzParse(f *testing.F) {
	mixed, _ := mixedRing(f)
	for _, r := range []*keyring.Ring{generate(f, keyring.Default), mixed} {
		f.Add(marshal(f, r))
	}
	f.Add([]byte(validFile))
	f.Add([]byte(fileOf(primaryKey)))
	for _, tc := range corruptFiles() {
		if len(tc.data) < 64<<10 { // large seeds slow every fuzz iteration
			f.Add([]byte(tc.data))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := keyring.Parse(data)
		if err != nil {
			if !errors.Is(err, keyring.ErrCorrupt) {
				t.Fatalf("Parse error %q does not wrap ErrCorrupt", err)
			}
			if r != nil {
				t.Fatalf("Parse returned ring %v with its error", r)
			}
			checkNoSecret(t, "Parse error", err.Error(), [][]byte{testSecret})
			return
		}
		if r.Len() < 1 || r.Len() > keyring.MaxKeys || r.Primary().State != keyring.Primary {
			t.Fatalf("Parse accepted a ring of %d keys with primary %v", r.Len(), r.Primary())
		}
		m1, err := r.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed ring: %v", err)
		}
		r2, err := keyring.Parse(m1)
		if err != nil {
			t.Fatalf("Parse(Marshal(Parse(data))) error: %v\n%s", err, m1)
		}
		checkSameRing(t, r, r2)
		m2, err := r2.Marshal()
		if err != nil {
			t.Fatalf("second Marshal: %v", err)
		}
		if !bytes.Equal(m1, m2) {
			t.Fatalf("Marshal is not canonical:\n%s\nthen\n%s", m1, m2)
		}
	})
}
