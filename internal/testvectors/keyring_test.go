package testvectors_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/sesstool/sesstool/internal/testvectors"
	"github.com/sesstool/sesstool/keyring"
)

// TestKeyringFiles parses every file of keyring_files.json with
// keyring.Parse: valid files must give their keys, invalid ones an error
// wrapping keyring.ErrCorrupt.
func TestKeyringFiles(t *testing.T) {
	f, err := testvectors.LoadKeyringFiles()
	if err != nil {
		t.Fatal(err)
	}
	_, ktorErr := keyring.ParseAlgorithm(string(keyring.KtorHMACSHA256))
	for _, tc := range f.Tests {
		t.Run(fmt.Sprintf("keyring_files.json #%d %s", tc.TcID, tc.Comment), func(t *testing.T) {
			t.Parallel()
			for _, fl := range tc.Flags {
				if _, ok := f.Notes[fl]; !ok {
					t.Fatalf("invalid test vector: flag %q is not declared in the file's notes", fl)
				}
			}
			r, err := keyring.Parse([]byte(tc.File))
			switch tc.Result {
			case testvectors.Valid:
				if err != nil {
					if ktorErr != nil && slices.Contains(tc.Flags, "KtorKey") {
						t.Skipf("keyring does not support Ktor keys yet (SPEC.md §2 allows them): %v", err)
					}
					t.Fatalf("Parse error = %v; want success", err)
				}
				var got []testvectors.KeyringKey
				for k := range r.Keys() {
					got = append(got, testvectors.KeyringKey{ID: k.ID.String(), Algorithm: string(k.Algorithm), State: k.State.String()})
				}
				if !slices.Equal(got, tc.Keys) {
					t.Errorf("Parse keys = %v; want %v", got, tc.Keys)
				}
			case testvectors.Invalid:
				if err == nil {
					t.Fatalf("Parse succeeded with %v; want an error wrapping %v", r, keyring.ErrCorrupt)
				}
				if !errors.Is(err, keyring.ErrCorrupt) {
					t.Errorf("Parse error = %v; want it to wrap %v", err, keyring.ErrCorrupt)
				}
			default:
				t.Fatalf("invalid test vector: result %q", tc.Result)
			}
		})
	}
}
