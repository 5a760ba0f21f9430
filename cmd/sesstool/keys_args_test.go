package main

import (
	"encoding/base64"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/keyring"
)

// TestKeysNeverEchoArguments pins issue 10 item 6: a key typed on the
// command line of any keys command (as an argument, a flag, a flag value,
// the --from file name) is refused, and no part of it appears in the output.
func TestKeysNeverEchoArguments(t *testing.T) {
	dir := t.TempDir()
	kr := "--keyring=" + filepath.Join(dir, "k.json")
	if code, _, errOut := runApp(t, dir, "", "keys", "init", kr); code != 0 {
		t.Fatalf("keys init: exit %d: %s", code, errOut)
	}
	raw := []byte{
		0x9b, 0x1e, 0xf3, 0x57, 0xc8, 0x2a, 0x64, 0xd0, 0x3f, 0x81, 0xe6, 0x4c, 0xb5, 0x17, 0x7a, 0xde,
		0xfb, 0x2f, 0x6b, 0xab, 0x0e, 0x95, 0x48, 0xc2, 0x71, 0xbd, 0x06, 0xe9, 0x53, 0xaf, 0x3c, 0x88,
	}
	hexKey := hex.EncodeToString(raw)
	b64Key := base64.RawURLEncoding.EncodeToString(raw) // starts with "mx7z", so:
	dashKey := "-" + b64Key[1:]                         // a base64url key may start with "-"
	shortHex := "02030405060708090a0b0c"                // Ktor's 11-byte test key
	const keyHint = "keys are never taken from the command line"
	tests := []struct {
		args     []string
		code     int
		wantHint bool // the message says how to pass a key
	}{
		{[]string{"keys", "import", hexKey}, 2, true},
		{[]string{"keys", "import", b64Key}, 2, true},
		{[]string{"keys", "import", "--alg", "ktor-hmac-sha256", shortHex}, 2, true},
		{[]string{"keys", "import", dashKey}, 2, true},
		{[]string{"keys", "import", "--" + hexKey}, 2, true},
		{[]string{"keys", "import", "--from", hexKey}, 3, true},
		{[]string{"keys", "import", "--from=" + b64Key}, 3, true},
		{[]string{"keys", "import", "--from", shortHex}, 3, true},
		{[]string{"keys", "import", "--alg", hexKey}, 2, false},
		{[]string{"keys", "import", "--alg", "ktor-encrypt", "--ktor-layout", hexKey}, 2, true},
		{[]string{"keys", hexKey}, 2, true},
		{[]string{"keys", dashKey}, 2, true},
		{[]string{"keys", "add", hexKey}, 2, true},
		{[]string{"keys", "rotate", b64Key}, 2, true},
		{[]string{"keys", "init", hexKey}, 2, true},
		{[]string{"keys", "list", hexKey}, 2, true},
		{[]string{"keys", "list", "--json=" + hexKey}, 2, true},
		{[]string{"keys", "prune", hexKey}, 2, true},
		{[]string{"keys", "prune", "--max-age", hexKey}, 2, false},
		{[]string{"keys", "promote", hexKey}, 2, false},
		{[]string{"keys", "promote", hexKey, "x"}, 2, false},
		{[]string{"keys", "retire", b64Key}, 2, false},
		{[]string{"keys", "destroy", hexKey, "--yes"}, 2, false},
		// A key typed where a command belongs, at the top level.
		{[]string{hexKey}, 2, true},
		{[]string{b64Key}, 2, true},
	}
	for _, tc := range tests {
		args := append(tc.args, kr)
		code, out, errOut := runApp(t, dir, "", args...)
		name := strings.Join(tc.args, " ")
		if code != tc.code {
			t.Errorf("sesstool %s: exit %d, want %d\n%s", name, code, tc.code, errOut)
		}
		for _, text := range []string{hexKey, b64Key, dashKey, shortHex} {
			// Any 12 characters of the key's text, as typed, count as a leak.
			for i := 0; i+12 <= len(text); i++ {
				if strings.Contains(out+errOut, text[i:i+12]) {
					t.Errorf("sesstool %s: output shows part of the key %q:\n%s%s", name, text[i:i+12], out, errOut)
					break
				}
			}
		}
		if tc.wantHint && !strings.Contains(errOut, keyHint) {
			t.Errorf("sesstool %s: stderr does not say %q:\n%s", name, keyHint, errOut)
		}
	}
}

// TestKeysEchoCommandTypos checks that groupRun and keysFlagError still
// quote what is plainly a mistyped command or flag name.
func TestKeysEchoCommandTypos(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "rotat"}, `unknown command "rotat" for "sesstool keys"`},
		{[]string{"keys", "list", "--jsn"}, "unknown flag: --jsn"},
		{[]string{"keys", "import", "--alg", "ktor-encrypt", "--ktor-layout", "4"}, `invalid argument "4" for "--ktor-layout" flag`},
		{[]string{"keys", "import", "--alg", "rot13"}, `unknown algorithm "rot13"`},
	} {
		code, _, errOut := runApp(t, dir, "", tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("sesstool %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}

// TestKeysImportHelpListsAlgorithms checks that "keys import --help" names
// every algorithm a key can be imported for.
func TestKeysImportHelpListsAlgorithms(t *testing.T) {
	cmd := newKeysImportCmd(&app{})
	for _, a := range keyring.Algorithms() {
		if !strings.Contains(cmd.Long, string(a)) {
			t.Errorf("keys import --help does not name algorithm %s", a)
		}
	}
}
