package token_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/internal/testvectors"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// vectorErrors maps a vector's "error" to the sentinel Open must wrap.
var vectorErrors = map[string]error{
	"invalid":       token.ErrInvalid,
	"expired":       token.ErrExpired,
	"not-yet-valid": token.ErrNotYetValid,
}

// TestVectors opens every token of testvectors/testdata/v1_*.json through
// the public API, configured as its group says, and checks the outcome:
// valid tokens give the vector's key ID, times and payload bytes; invalid
// ones fail at exactly the vector's stage with the vector's sentinel.
func TestVectors(t *testing.T) {
	names, err := fs.Glob(testvectors.FS, "testdata/v1_*.json")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, a := range keyring.GeneratedAlgorithms() {
		want = append(want, "testdata/v1_"+string(a)+".json")
	}
	if !slices.Equal(names, want) {
		t.Errorf("vector files = %q; want one per generated algorithm: %q", names, want)
	}
	for _, path := range names {
		name := strings.TrimPrefix(path, "testdata/")
		f, err := testvectors.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for gi := range f.TestGroups {
			g := &f.TestGroups[gi]
			m, setupErr := vectorMinter(g)
			for _, tc := range g.Tests {
				t.Run(fmt.Sprintf("%s #%d %s", name, tc.TcID, tc.Comment), func(t *testing.T) {
					t.Parallel()
					for _, fl := range tc.Flags {
						if _, ok := f.Notes[fl]; !ok {
							t.Fatalf("invalid test vector: flag %q is not declared in the file's notes", fl)
						}
					}
					if setupErr != nil {
						if slices.Contains(tc.Flags, "KtorKeyInRing") && !ktorKeysSupported() {
							t.Skipf("keyring does not support Ktor keys yet (SPEC.md §2 allows them): %v", setupErr)
						}
						t.Fatalf("group %q: %v", g.Comment, setupErr)
					}
					checkVector(t, m, g, tc)
				})
			}
		}
	}
}

// ktorKeysSupported reports whether keyring accepts Ktor algorithms.
func ktorKeysSupported() bool {
	_, err := keyring.ParseAlgorithm(string(keyring.KtorHMACSHA256))
	return err == nil
}

// vectorMinter builds the reader a group describes.
func vectorMinter(g *testvectors.Group) (*token.Minter, error) {
	r, err := keyring.Parse(g.Keyring)
	if err != nil {
		return nil, fmt.Errorf("keyring.Parse: %w", err)
	}
	opts := &token.Options{
		Purpose:      g.Purpose,
		MaxTTL:       time.Duration(g.MaxTTL),
		Leeway:       time.Duration(g.Leeway),
		Now:          func() time.Time { return g.Now },
		MaxTokenSize: g.MaxTokenSize,
	}
	switch g.Codec {
	case "json", "cbor":
		if opts.Codec, err = codec.ByName(g.Codec); err != nil {
			return nil, err
		}
	case "raw":
		// Payloads are read with Unseal only; no codec is involved.
	default:
		return nil, fmt.Errorf("unknown codec %q", g.Codec)
	}
	m, err := token.New(r, opts)
	if err != nil {
		return nil, fmt.Errorf("token.New: %w", err)
	}
	return m, nil
}

func checkVector(t *testing.T, m *token.Minter, g *testvectors.Group, tc testvectors.Test) {
	payload, claims, err := m.Unseal(tc.Token)
	switch tc.Expect {
	case "success", "payload":
		// Unseal does not decode the payload, so it accepts both.
		if err != nil {
			t.Fatalf("Unseal error = %v; want success", err)
		}
		checkClaims(t, claims, tc)
		if tc.Expect == "success" && !bytes.Equal(payload, tc.Payload) {
			t.Errorf("Unseal payload = %x; want %x", payload, []byte(tc.Payload))
		}
	default:
		checkRejection(t, "Unseal", err, tc)
		if len(payload) != 0 || claims != (token.Claims{}) {
			t.Errorf("Unseal = %x, %+v with its error; want no payload and zero claims", payload, claims)
		}
	}
	if g.Codec == "raw" {
		if tc.Expect == "payload" {
			t.Fatalf("invalid test vector: expect payload in a raw group")
		}
		return
	}
	// Open decodes the payload with the group's codec into an empty
	// interface, which accepts any well-formed value.
	var v any
	claims, err = m.Open(tc.Token, &v)
	if tc.Expect == "success" {
		if err != nil {
			t.Fatalf("Open error = %v; want success", err)
		}
		checkClaims(t, claims, tc)
		return
	}
	checkRejection(t, "Open", err, tc)
	if claims != (token.Claims{}) {
		t.Errorf("Open claims = %+v with its error; want zero claims", claims)
	}
}

func checkClaims(t *testing.T, c token.Claims, tc testvectors.Test) {
	t.Helper()
	if c.KeyID.String() != tc.KeyID || !c.IssuedAt.Equal(tc.IssuedAt) || !c.ExpiresAt.Equal(tc.ExpiresAt) || !c.NotBefore.Equal(tc.NotBefore) {
		t.Errorf("claims = key %v, iat %v, exp %v, nbf %v; want key %s, iat %v, exp %v, nbf %v",
			c.KeyID, c.IssuedAt, c.ExpiresAt, c.NotBefore, tc.KeyID, tc.IssuedAt, tc.ExpiresAt, tc.NotBefore)
	}
}

func checkRejection(t *testing.T, op string, err error, tc testvectors.Test) {
	t.Helper()
	sentinel, ok := vectorErrors[tc.Error]
	if !ok {
		t.Fatalf("invalid test vector: error %q", tc.Error)
	}
	if err == nil {
		t.Fatalf("%s succeeded; want an error at stage %s wrapping %v", op, tc.Expect, sentinel)
	}
	te, ok := errors.AsType[*token.Error](err)
	if !ok {
		t.Fatalf("%s error = %v (%T); want a *token.Error", op, err, err)
	}
	if te.Stage.String() != tc.Expect || !errors.Is(err, sentinel) {
		t.Errorf("%s error at stage %v = %v; want stage %s wrapping %v", op, te.Stage, err, tc.Expect, sentinel)
	}
	for _, other := range vectorErrors {
		if other != sentinel && errors.Is(err, other) {
			t.Errorf("%s error = %v; it also wraps %v", op, err, other)
		}
	}
	// Once the header is read, the error names its key.
	if tc.KeyID != "" && te.Stage >= token.StageKey && te.KeyID.String() != tc.KeyID {
		t.Errorf("%s error key ID = %v; want %s", op, te.KeyID, tc.KeyID)
	}
}
