package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// foreignVectors is the schema of testvectors/<format>/open*.json (see
// testvectors/README.md; package format's TestForeignVectors reads the
// same files through the library).
type foreignVectors struct {
	Format string `json:"format"`
	Source string `json:"source"`
	Keys   []struct {
		Algorithm string            `json:"algorithm"`
		Input     string            `json:"input"`
		Options   map[string]string `json:"options,omitempty"`
	} `json:"keys"`
	Tests []struct {
		ID      int             `json:"id"`
		Comment string          `json:"comment"`
		Token   string          `json:"token"`
		Cookie  string          `json:"cookie,omitempty"`
		Keys    []int           `json:"keys,omitempty"`
		At      string          `json:"at"`
		Purpose *string         `json:"purpose,omitempty"`
		Result  string          `json:"result"`
		Payload json.RawMessage `json:"payload,omitempty"`
	} `json:"tests"`
}

// TestForeignVectorsCLI runs every known-answer vector of the other
// frameworks' formats through the command line's contract: the file's keys
// go in with "keys import --alg ALG --opt NAME=VALUE" (the secret on
// stdin), and "open --keyring FILE --at T [--purpose P] INPUT" prints a
// valid token's payload with exit code 0 and rejects the others with exit
// code 1. INPUT is a "Cookie:" header for the formats that bind the
// cookie's name. "inspect" names each valid token's format without a key,
// and "verify" accepts it.
//
// A valid token that carries no expiry cannot pass --at (format.Demands):
// it is opened at the test's time through the test clock instead, and must
// be rejected with --at.
func TestForeignVectorsCLI(t *testing.T) {
	paths, err := filepath.Glob("../../testvectors/*/open*.json")
	if err != nil {
		t.Fatal(err)
	}
	defer func(old func() time.Time) { testOnlyNow = old }(testOnlyNow)
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var v foreignVectors
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		f := formats.ByName(v.Format)
		if f == nil {
			t.Fatalf("%s: unknown format %q", path, v.Format)
		}
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			rings := map[string]string{} // key indices → keyring file
			ring := func(idx []int) string {
				if idx == nil {
					for i := range v.Keys {
						idx = append(idx, i)
					}
				}
				id := fmt.Sprint(idx)
				if p, ok := rings[id]; ok {
					return p
				}
				dir := t.TempDir()
				p := filepath.Join(dir, "k.json")
				mustRun(t, dir, nil, "keys", "init", "--keyring", p)
				for _, i := range idx {
					k := v.Keys[i]
					args := []string{"keys", "import", "--keyring", p, "--alg", k.Algorithm}
					for n, val := range k.Options {
						args = append(args, "--opt", n+"="+val)
					}
					mustRun(t, dir, []byte(k.Input), args...)
				}
				rings[id] = p
				return p
			}
			for _, tc := range v.Tests {
				at, err := time.Parse(time.RFC3339, tc.At)
				if err != nil {
					t.Fatalf("test %d: %v", tc.ID, err)
				}
				testOnlyNow = func() time.Time { return at }
				input := tc.Token
				if tc.Cookie != "" {
					input = "Cookie: " + tc.Cookie + "=" + tc.Token
				}
				kr := ring(tc.Keys)
				dir := filepath.Dir(kr)
				args := []string{"open", "--keyring", kr}
				if tc.Purpose != nil {
					args = append(args, "--purpose", *tc.Purpose)
				}
				// The input goes on stdin, where a token that starts with
				// '-' cannot be read as a flag.
				in := []byte(input)
				withAt := append(append([]string(nil), args...), "--at", tc.At)
				what := fmt.Sprintf("test %d (%s)", tc.ID, tc.Comment)
				// A rejected token exits 1. Malformed input that the command
				// line cannot even read as one token (empty, several lines,
				// not a valid cookie pair) is a usage error, exit 2.
				rejected := func(code int) bool {
					return code == exitRejected || tc.Result == "invalid" && code == exitUsage
				}
				if tc.Result != "valid" {
					if r := runInProcess(dir, in, args...); !rejected(r.code) {
						t.Errorf("%s: open exits %d, want %d; stderr %q", what, r.code, exitRejected, r.stderr)
					}
					if !f.CarriesExpiry() {
						continue
					}
					if r := runInProcess(dir, in, withAt...); !rejected(r.code) {
						t.Errorf("%s: open --at exits %d, want %d; stderr %q", what, r.code, exitRejected, r.stderr)
					}
					continue
				}
				r := runInProcess(dir, in, args...)
				if r.code != exitOK {
					t.Errorf("%s: open exits %d; stderr %q", what, r.code, r.stderr)
					continue
				}
				if !sameJSON(r.stdout, tc.Payload) {
					t.Errorf("%s: open prints %s, want %s", what, r.stdout, tc.Payload)
				}
				// --at: the contract's way to give the time, for a
				// token that carries an expiry.
				j := runInProcess(dir, in, append([]string{"open", "--json"}, args[1:]...)...)
				var res struct{ Expires string }
				if j.code != exitOK || json.Unmarshal(j.stdout, &res) != nil {
					t.Errorf("%s: open --json exits %d: %s %s", what, j.code, j.stdout, j.stderr)
					continue
				}
				wantAt := exitOK
				if res.Expires == "" {
					wantAt = exitRejected // format.Demands: nothing to check --at against
				}
				if f.CarriesExpiry() {
					if r := runInProcess(dir, in, withAt...); r.code != wantAt {
						t.Errorf("%s: open --at exits %d, want %d; stderr %q", what, r.code, wantAt, r.stderr)
					}
				}
				if r := runInProcess(dir, in, append([]string{"verify"}, args[1:]...)...); r.code != exitOK {
					t.Errorf("%s: verify exits %d; stderr %q", what, r.code, r.stderr)
				}
				r = runInProcess(dir, in, "inspect", "--json")
				var rep struct{ Format, Status string }
				if err := json.Unmarshal(r.stdout, &rep); err != nil || rep.Format != v.Format || rep.Status != "not-verified" {
					t.Errorf("%s: inspect says %s (exit %d, %q); want format %s, not verified", what, r.stdout, r.code, r.stderr, v.Format)
				}
				if r := runInProcess(dir, in, append([]string{"inspect"}, args[1:]...)...); r.code != exitOK || !strings.Contains(string(r.stdout), f.Title()) {
					t.Errorf("%s: inspect --keyring exits %d: %s %s", what, r.code, r.stdout, r.stderr)
				}
			}
		})
	}
}

// mustRun runs a command line in process and fails the test unless it
// succeeds.
func mustRun(t *testing.T, dir string, stdin []byte, args ...string) []byte {
	t.Helper()
	r := runInProcess(dir, stdin, args...)
	if r.code != exitOK {
		t.Fatalf("%s: exit %d: %s", strings.Join(args[:2], " "), r.code, r.stderr)
	}
	return r.stdout
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// TestTooManyForeignKeys: a keyring with more keys of one foreign
// algorithm than a token may be tried under (format.MaxKeyTrial) rejects
// that format's tokens with the reason, and still opens every other
// format's.
func TestTooManyForeignKeys(t *testing.T) {
	dir := t.TempDir()
	kr := filepath.Join(dir, "k.json")
	mustRun(t, dir, nil, "keys", "init", "--keyring", kr)
	for i := range 9 {
		mustRun(t, dir, []byte(fmt.Sprintf("express secret number %d\n", i)), "keys", "import", "--keyring", kr, "--alg", "express")
	}
	tok := strings.TrimSpace(string(mustRun(t, dir, nil, "mint", "--keyring", kr, `{"n":1}`)))
	if r := runInProcess(dir, nil, "open", "--keyring", kr, tok); r.code != exitOK {
		t.Errorf("a native token under a ring with 9 express keys: exit %d, %s", r.code, r.stderr)
	}
	r := runInProcess(dir, nil, "open", "--keyring", kr, "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI")
	if r.code != exitRejected || !strings.Contains(r.stderr, "at most 8") {
		t.Errorf("an Express cookie under 9 express keys: exit %d, %q; want 1 and the trial bound", r.code, r.stderr)
	}
}
