package format_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/internal/tamper"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// ForeignVectors is the schema of testvectors/<format>/open*.json: the
// known-answer vectors of another framework's format (see
// testvectors/README.md).
type ForeignVectors struct {
	Format string `json:"format"` // format.Format.Name()
	Source string `json:"source"` // where the tokens come from
	Keys   []struct {
		Algorithm string            `json:"algorithm"`
		Input     string            `json:"input"` // exactly what "keys import" reads on stdin
		Options   map[string]string `json:"options,omitempty"`
	} `json:"keys"`
	Tests []struct {
		ID      int             `json:"id"`
		Comment string          `json:"comment"`
		Token   string          `json:"token"`
		Cookie  string          `json:"cookie,omitempty"`  // the cookie's name, for formats that bind it
		Keys    []int           `json:"keys,omitempty"`    // the keys of the ring; all when absent
		At      string          `json:"at"`                // RFC 3339: the clock
		Purpose *string         `json:"purpose,omitempty"` // absent: no purpose asked for
		Result  string          `json:"result"`            // valid, invalid, expired, not-yet-valid
		Payload json.RawMessage `json:"payload,omitempty"`
	} `json:"tests"`
}

// loadForeignVectors returns every testvectors/*/open*.json file.
func loadForeignVectors(t testing.TB) map[string]*ForeignVectors {
	t.Helper()
	paths, err := filepath.Glob("../testvectors/*/open*.json")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ForeignVectors{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var v ForeignVectors
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[p] = &v
	}
	return out
}

// vectorRing returns a ring with a native primary key and the vector
// file's keys chosen by idx (all when idx is nil).
func vectorRing(t *testing.T, f format.Importer, v *ForeignVectors, idx []int) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	if idx == nil {
		for i := range v.Keys {
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		k := v.Keys[i]
		opts, err := keyring.NewOptions(k.Options)
		if err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		m, err := f.ParseKey(keyring.Algorithm(k.Algorithm), []byte(k.Input), opts)
		if err != nil {
			t.Fatalf("key %d: ParseKey: %v", i, err)
		}
		if r, _, err = r.Import(m, t0); err != nil {
			t.Fatalf("key %d: Import: %v", i, err)
		}
	}
	return r
}

// TestForeignVectors opens every known-answer vector of every other
// framework's format through the registry: each valid token is detected
// as its format, opens to its payload, and is rejected once tampered with
// at its first, middle and last character; each other token is rejected
// with its kind.
func TestForeignVectors(t *testing.T) {
	reg := format.Default()
	kinds := map[string]error{"invalid": token.ErrInvalid, "expired": token.ErrExpired, "not-yet-valid": token.ErrNotYetValid}
	for path, v := range loadForeignVectors(t) {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			f, ok := reg.ByName(v.Format).(format.Importer)
			if !ok {
				t.Fatalf("format %q is not a registered Importer", v.Format)
			}
			if v.Source == "" || len(v.Tests) == 0 {
				t.Fatal("a vector file needs a source and tests")
			}
			results := map[string]int{}
			for _, tc := range v.Tests {
				results[tc.Result]++
				at, err := time.Parse(time.RFC3339, tc.At)
				if err != nil {
					t.Fatalf("test %d: at: %v", tc.ID, err)
				}
				o := format.Options{Now: func() time.Time { return at }}
				if tc.Purpose != nil {
					o.Purpose = *tc.Purpose
				}
				op, err := f.NewOpener(vectorRing(t, f, v, tc.Keys), o)
				if err != nil {
					t.Fatalf("test %d: NewOpener: %v", tc.ID, err)
				}
				open := func(tok string) (format.Opened, error) {
					if co, ok := op.(format.CookieOpener); ok && tc.Cookie != "" {
						return co.OpenCookie(tc.Cookie, tok)
					}
					return op.Open(tok)
				}
				res, err := open(tc.Token)
				if tc.Result != "valid" {
					if err == nil {
						t.Errorf("test %d (%s): opened; want %s", tc.ID, tc.Comment, tc.Result)
						continue
					}
					if !errors.Is(err, kinds[tc.Result]) {
						t.Errorf("test %d (%s): %v; want %s", tc.ID, tc.Comment, err, tc.Result)
					}
					if _, ok := errors.AsType[*format.Error](err); !ok {
						t.Errorf("test %d (%s): %T is not a *format.Error", tc.ID, tc.Comment, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("test %d (%s): %v", tc.ID, tc.Comment, err)
					continue
				}
				if got := reg.Detect(tc.Token); got == nil || got.Name() != v.Format {
					t.Errorf("test %d: detected as %v, want %s", tc.ID, got, v.Format)
				}
				if !jsonEqual(t, res.JSON, tc.Payload) {
					t.Errorf("test %d (%s): payload %s, want %s", tc.ID, tc.Comment, res.JSON, tc.Payload)
				}
				if p := f.Peek(tc.Token); p.Err != nil {
					t.Errorf("test %d: Peek: %v", tc.ID, p.Err)
				}
				alnum := tamper.Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
				for _, i := range []int{0, len(tc.Token) / 2, -1} {
					bad := tamper.At(t, tc.Token, i, alnum)
					if _, err := open(bad); err == nil {
						t.Errorf("test %d: tampered at %d, it still opens", tc.ID, i)
					} else if !errors.Is(err, token.ErrInvalid) {
						t.Errorf("test %d: tampered at %d: %v, want token.ErrInvalid", tc.ID, i, err)
					}
				}
			}
			if results["valid"] == 0 || results["invalid"] == 0 {
				t.Errorf("results %v: a vector file needs valid and invalid tests", results)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
