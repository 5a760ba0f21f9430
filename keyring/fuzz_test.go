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

// FuzzParseExport checks that ParseExport never panics, that every error
// it returns wraps ErrCorruptExport and shows no secret, and that what it
// accepts Export writes in one canonical form, which ParseExport reads back
// as the same key.
func FuzzParseExport(f *testing.F) {
	mixed, _ := mixedRing(f)
	for k := range mixed.Keys() {
		if doc, err := mixed.Export(k.ID); err == nil {
			f.Add(doc)
		}
	}
	f.Add([]byte(`{"format":"sesstool-key","version":1,"key":{"id":"00000001","algorithm":"xchacha20poly1305","state":"retired","created":"2030-01-01T00:00:00Z","retired":"2030-01-02T00:00:00Z","secret":"` + testSecretB64 + `"}}`))
	f.Add([]byte(validFile))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := keyring.ParseExport(data)
		if err != nil {
			if !errors.Is(err, keyring.ErrCorruptExport) || errors.Is(err, keyring.ErrCorrupt) {
				t.Fatalf("ParseExport error %q does not wrap exactly ErrCorruptExport", err)
			}
			checkNoSecret(t, "ParseExport error", err.Error(), [][]byte{testSecret})
			return
		}
		r, err := keyring.Generate(keyring.Default, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, taken := r.Lookup(k.ID); taken {
			return
		}
		r2, in, err := r.ImportKey(k)
		if err != nil {
			// Only a key that no keyring could hold is refused here.
			t.Fatalf("ImportKey of a parsed key %v: %v", k, err)
		}
		d1, err := r2.Export(in.ID)
		if err != nil {
			t.Fatalf("Export of an imported key: %v", err)
		}
		k2, err := keyring.ParseExport(d1)
		if err != nil {
			t.Fatalf("ParseExport(Export()) error: %v\n%s", err, d1)
		}
		if !sameKey(k2, in) || !bytes.Equal(k2.Material().Secret, k.Material().Secret) || !bytes.Equal(k2.Material().SignSecret, k.Material().SignSecret) {
			t.Fatalf("ParseExport(Export()) = %#v; want %#v with the same secrets", k2, in)
		}
		d2, err := r2.Export(in.ID)
		if err != nil || !bytes.Equal(d1, d2) {
			t.Fatalf("Export is not canonical: %v\n%s\nthen\n%s", err, d1, d2)
		}
	})
}
