package keyring_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

// TestExportImportKey moves each kind of key from one ring to another with
// its ID: the key arrives with the same secrets and the state the package
// documentation gives (primary and active come in active; retired stays
// retired with its retirement time).
func TestExportImportKey(t *testing.T) {
	src, primary, active, retired, _ := lifecycleRing(t)
	src, ktor, err := src.Import(keyring.Material{Algorithm: keyring.KtorEncrypt, Secret: bytes.Repeat([]byte{1}, 16),
		SignSecret: bytes.Repeat([]byte{2}, 32), KtorLayout: keyring.KtorLayoutBoth}, now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		key       keyring.Key
		wantState keyring.State
	}{
		{"primary", primary, keyring.Active},
		{"active", active, keyring.Active},
		{"retired", retired, keyring.Retired},
		{"ktor-encrypt", ktor, keyring.Active},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := src.Export(tt.key.ID)
			if err != nil {
				t.Fatalf("Export error: %v", err)
			}
			k, err := keyring.ParseExport(doc)
			if err != nil {
				t.Fatalf("ParseExport error: %v", err)
			}
			if !sameKey(k, tt.key) {
				t.Fatalf("ParseExport = %#v; want %#v", k, tt.key)
			}
			dst := generate(t, keyring.Default)
			dst2, got, err := dst.ImportKey(k)
			if err != nil {
				t.Fatalf("ImportKey error: %v", err)
			}
			want := tt.key
			want.State = tt.wantState
			if !sameKey(got, want) {
				t.Errorf("ImportKey key = %#v; want %#v", got, want)
			}
			in, ok := dst2.Lookup(tt.key.ID)
			if !ok || !sameKey(in, want) {
				t.Fatalf("Lookup after ImportKey = %#v, %v; want %#v", in, ok, want)
			}
			if !bytes.Equal(in.Material().Secret, tt.key.Material().Secret) || !bytes.Equal(in.Material().SignSecret, tt.key.Material().SignSecret) {
				t.Error("imported key's secrets differ from the exported key's")
			}
			if dst2.Primary().ID != dst.Primary().ID {
				t.Errorf("Primary() = %v; want %v", dst2.Primary(), dst.Primary())
			}
			// The new ring survives its file format.
			back, err := keyring.Parse(marshal(t, dst2))
			if err != nil {
				t.Fatalf("Parse(Marshal()) error: %v", err)
			}
			checkSameRing(t, dst2, back)
			// And the old one is unchanged.
			if dst.Len() != 1 {
				t.Errorf("ImportKey changed the ring it was called on")
			}
		})
	}
}

// TestImportKeyCreationOrder checks that an imported key takes its place in
// creation order and the primary stays primary.
func TestImportKeyCreationOrder(t *testing.T) {
	early := now.Add(-time.Hour)
	src, err := keyring.Generate(keyring.Default, early)
	if err != nil {
		t.Fatal(err)
	}
	dst := generate(t, keyring.Default)
	dst, later := add(t, dst, keyring.Default, now.Add(time.Hour))
	dst2, k, err := dst.ImportKey(src.Primary())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(dst2), []keyring.ID{k.ID, dst.Primary().ID, later.ID}; !slices.Equal(got, want) {
		t.Errorf("ids = %v; want %v", got, want)
	}
	if dst2.Primary().ID != dst.Primary().ID {
		t.Errorf("Primary() = %v; want %v", dst2.Primary(), dst.Primary())
	}
	if _, err := keyring.Parse(marshal(t, dst2)); err != nil {
		t.Errorf("Parse(Marshal()) error: %v", err)
	}
}

func TestExportImportKeyRejects(t *testing.T) {
	r, primary, active, _, destroyed := lifecycleRing(t)
	if _, err := r.Export(destroyed.ID); !errors.Is(err, keyring.ErrState) {
		t.Errorf("Export(destroyed) error = %v; want ErrState", err)
	}
	if _, err := r.Export(unusedID(r)); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Export(unknown) error = %v; want ErrNotFound", err)
	}
	// A clash of IDs, whatever the state of either key.
	for _, k := range []keyring.Key{primary, active, destroyed} {
		if _, _, err := r.ImportKey(k); !errors.Is(err, keyring.ErrIDTaken) || !strings.Contains(err.Error(), k.ID.String()) {
			t.Errorf("ImportKey(%v) into its own ring: error = %v; want ErrIDTaken naming the ID", k, err)
		}
	}
	if _, _, err := generate(t, keyring.Default).ImportKey(destroyed); !errors.Is(err, keyring.ErrState) {
		t.Errorf("ImportKey(destroyed) error = %v; want ErrState", err)
	}
}

// TestParseExportRejects feeds broken documents, each holding a secret,
// and checks the typed error and that no error quotes the secret or the
// document's text.
func TestParseExportRejects(t *testing.T) {
	r := generate(t, keyring.Default)
	doc, err := r.Export(r.Primary().ID)
	if err != nil {
		t.Fatal(err)
	}
	secret := base64.RawURLEncoding.EncodeToString(r.Primary().Material().Secret)
	good := string(doc)
	tests := []struct {
		name string
		doc  string
	}{
		{"empty", ""},
		{"truncated", good[:len(good)/2]},
		{"trailing data", good + "{}"},
		{"array", "[" + good + "]"},
		{"unknown top field", strings.Replace(good, `"format"`, `"extra": "`+secret+`", "format"`, 1)},
		{"secret as a field name", strings.Replace(good, `"format"`, `"`+secret+`": 1, "format"`, 1)},
		{"case-folded name", strings.Replace(good, `"key"`, `"KEY"`, 1)},
		{"duplicate field", strings.Replace(good, `"format"`, `"version": 1, "format"`, 1)},
		{"unknown key field", strings.Replace(good, `"id"`, `"note": "`+secret+`", "id"`, 1)},
		{"keyring file", string(marshal(t, r))},
		{"wrong format", strings.Replace(good, `"sesstool-key"`, `"sesstool-keyring"`, 1)},
		{"wrong version", strings.Replace(good, `"version": 1`, `"version": 2`, 1)},
		{"no key", `{"format": "sesstool-key", "version": 1}`},
		{"secret in a time", strings.Replace(good, `"2030-01-01T12:00:00Z"`, `"`+secret+`"`, 1)},
		{"short secret", strings.Replace(good, secret, secret[:20], 1)},
		{"destroyed", strings.Replace(strings.Replace(good, `"primary"`, `"destroyed", "destroyed": "2030-01-01T12:00:00Z"`, 1), `"secret": "`+secret+`",`, "", 1)},
		{"too large", good + strings.Repeat(" ", keyring.MaxExportSize)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.doc == good {
				t.Fatal("the test case does not change the document")
			}
			_, err := keyring.ParseExport([]byte(tt.doc))
			if !errors.Is(err, keyring.ErrCorruptExport) {
				t.Fatalf("ParseExport error = %v; want ErrCorruptExport", err)
			}
			if errors.Is(err, keyring.ErrCorrupt) {
				t.Errorf("ParseExport error %v also wraps ErrCorrupt; errors wrap at most one sentinel", err)
			}
			if msg := err.Error(); strings.Contains(msg, secret[:8]) || strings.Contains(msg, "sesstool-keyring") {
				t.Errorf("ParseExport error quotes the document: %v", err)
			}
		})
	}
}

// TestExportNeverInErrors checks that errors about an export document never
// carry any part of it beyond what the package documents (key IDs).
func TestExportNeverInErrors(t *testing.T) {
	r := generate(t, keyring.Default)
	doc, err := r.Export(r.Primary().ID)
	if err != nil {
		t.Fatal(err)
	}
	k, err := keyring.ParseExport(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = r.ImportKey(k)
	if err == nil {
		t.Fatal("ImportKey into the same ring succeeded")
	}
	secret := base64.RawURLEncoding.EncodeToString(k.Material().Secret)
	for _, s := range []string{err.Error(), k.String(), k.GoString()} {
		if strings.Contains(s, secret[:8]) {
			t.Errorf("%q holds the secret", s)
		}
	}
}
