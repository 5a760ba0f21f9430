package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/internal/tamper"
)

// runApp runs one sesstool command in process and returns its exit code,
// stdout and stderr.
func runApp(t *testing.T, dir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{
		stdin:     strings.NewReader(stdin),
		stdout:    &out,
		stderr:    &errb,
		getenv:    func(string) string { return "" },
		configDir: func() (string, error) { return dir, nil },
	}
	code := a.run(args)
	return code, out.String(), errb.String()
}

// keyringSecrets returns the secrets of a keyring file.
func keyringSecrets(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Keys []struct {
			Secret     string `json:"secret"`
			SignSecret string `json:"signSecret"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var secrets [][]byte
	for _, k := range f.Keys {
		for _, s := range []string{k.Secret, k.SignSecret} {
			if s == "" {
				continue
			}
			raw, err := base64.RawURLEncoding.DecodeString(s)
			if err != nil {
				t.Fatalf("keyring secret is not base64url: %v", err)
			}
			secrets = append(secrets, raw)
		}
	}
	return secrets
}

// rawForms returns every spelling of a secret that could leak: raw bytes,
// hex in both cases, and base64 in both alphabets, padded or not.
func rawForms(raw []byte) []string {
	return []string{
		string(raw),
		hex.EncodeToString(raw),
		strings.ToUpper(hex.EncodeToString(raw)),
		base64.StdEncoding.EncodeToString(raw),
		base64.RawStdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw),
		// A secret's encoding may also leak in part; 16 bytes of it are
		// 22 base64 characters, long enough never to occur by chance.
		base64.RawURLEncoding.EncodeToString(raw[:16]),
		base64.RawStdEncoding.EncodeToString(raw[:16]),
		hex.EncodeToString(raw[:16]),
	}
}

// TestNoSecretsInOutput runs every command, on success and error paths,
// against keyrings whose secrets it knows, and checks that no form of any
// key appears in stdout or stderr, and that nothing looks like a panic.
func TestNoSecretsInOutput(t *testing.T) {
	dir := t.TempDir()
	kr := filepath.Join(dir, "k.json")
	seen := map[string]bool{}
	var outputs []string
	collect := func() {
		if _, err := os.Stat(kr); err == nil {
			for _, s := range keyringSecrets(t, kr) {
				seen[string(s)] = true
			}
		}
	}
	run := func(stdin string, args ...string) (int, string) {
		t.Helper()
		collect() // before, so that destroyed and pruned keys are known
		code, out, errOut := runApp(t, dir, stdin, args...)
		collect()
		outputs = append(outputs, "$ sesstool "+strings.Join(args, " ")+"\n"+out+errOut)
		return code, strings.TrimSpace(out)
	}
	must := func(want int, stdin string, args ...string) string {
		t.Helper()
		code, out := run(stdin, args...)
		if code != want {
			t.Fatalf("sesstool %s: exit code %d, want %d\n%s", strings.Join(args, " "), code, want, outputs[len(outputs)-1])
		}
		return out
	}
	k := "--keyring=" + kr

	imported := bytes.Repeat([]byte{0x5a, 0xa5, 0x3c, 0xc3}, 8)
	seen[string(imported)] = true

	must(0, "", "keys", "init", k)
	must(0, "", "keys", "list", k)
	must(0, "", "keys", "list", k, "--json")
	added := must(0, "", "keys", "add", k, "--json")
	var addedKey keyJSON
	if err := json.Unmarshal([]byte(added), &addedKey); err != nil {
		t.Fatal(err)
	}
	tok := must(0, "", "mint", k, "--purpose", "p", `{"uid":"alice"}`)
	must(0, "", "mint", k, "--purpose", "p", "--json", "--codec", "cbor", `{"uid":"bob"}`)
	must(0, tok, "open", k, "--purpose", "p")
	must(0, tok, "open", k, "--purpose", "p", "--json")
	must(0, tok, "verify", k, "--purpose", "p", "--json")
	must(0, tok+"\n"+tok+"\n", "verify", k, "--purpose", "p", "--batch")
	must(0, tok+"\n", "open", k, "--purpose", "p", "--batch")
	must(0, "", "inspect", tok)
	must(0, "", "inspect", "--json", "Cookie: a=1; s="+tok)
	must(0, "", "inspect", k, "--purpose", "p", tok)
	must(0, "", "keys", "promote", k, addedKey.ID)
	must(0, tok, "rewrap", k, "--purpose", "p", "--json")
	must(0, "", "keys", "rotate", k, "--alg", "hmac-sha512")
	hmacTok := must(0, "", "mint", k, "--purpose", "p", `{"uid":"carol"}`)
	must(0, "", "inspect", hmacTok)
	must(0, "", "inspect", "--json", hmacTok)
	must(0, hex.EncodeToString(imported), "keys", "import", k)
	imp := must(0, base64.RawURLEncoding.EncodeToString(imported), "keys", "import", k, "--alg", "aes256gcm", "--json")
	var impKey keyJSON
	if err := json.Unmarshal([]byte(imp), &impKey); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(imported)), 0o600); err != nil {
		t.Fatal(err)
	}
	must(0, "", "keys", "import", k, "--from", keyFile)
	encOut := must(0, "000102030405060708090a0b0c0d0e0f1011121314151617 a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3", "keys", "import", k, "--alg", "ktor-encrypt", "--json")
	var encKey keyJSON
	if err := json.Unmarshal([]byte(encOut), &encKey); err != nil {
		t.Fatal(err)
	}
	must(0, "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978", "keys", "import", k, "--alg", "ktor-hmac-sha512")
	// Ktor cookies: minted (signed, then encrypted), opened, inspected.
	signed := must(0, "", "mint", k, "--format", "ktor", `{"uid":"dave"}`)
	encrypted := must(0, "", "mint", k, "--format", "ktor", "--key", encKey.ID, "--ktor-serializer", "reflection", "--json", `{"uid":"erin"}`)
	var encMint mintJSON
	if err := json.Unmarshal([]byte(encrypted), &encMint); err != nil {
		t.Fatal(err)
	}
	must(0, "", "mint", k, "--format", "ktor", "--set-cookie", "s", "--raw", "session")
	must(0, signed, "open", k)
	must(0, signed, "open", k, "--raw")
	must(0, encMint.Token, "open", k, "--json")
	must(0, encMint.Token, "verify", k, "--json")
	must(0, "", "inspect", signed)
	must(0, "", "inspect", encMint.Token)
	must(0, "", "inspect", k, "--json", encMint.Token)
	must(0, "", "inspect", k, "Cookie: a="+signed+"; b="+encMint.Token)
	must(0, signed+"\n"+encMint.Token+"\n", "open", k, "--batch")
	must(0, "", "keys", "retire", k, impKey.ID, "--json")
	must(0, "", "keys", "prune", k, "--dry-run", "--json")
	must(0, "", "keys", "destroy", k, addedKey.ID, "--yes", "--json")
	must(0, "", "keys", "prune", k)
	must(0, "", "keys", "list", k)

	// Error paths.
	must(1, tok, "verify", k, "--purpose", "other")
	must(1, tok, "verify", k, "--purpose", "p", "--at", "+2h")
	must(1, tamper.Middle(t, tok, tamper.Base64URL), "open", k, "--purpose", "p", "--json")
	must(1, "", "inspect", k, "--purpose", "other", hmacTok)
	must(2, "zz", "keys", "import", k)
	must(2, "00112233", "keys", "import", k)
	must(2, hex.EncodeToString(imported)+" extra", "keys", "import", k)
	must(2, "", "keys", "destroy", k, "deadbeef")
	must(2, "", "mint", k, "{")
	must(1, tamper.Last(t, signed, tamper.Hex), "verify", k)
	must(1, tamper.Last(t, encMint.Token, tamper.Hex), "open", k, "--json")
	must(1, "", "inspect", k, tamper.Last(t, encMint.Token, tamper.Hex))
	must(1, "abc/abc:abc", "open", k)
	must(2, "", "mint", k, "--format", "ktor", "--ttl", "1h", "{}")
	must(2, "", "mint", k, "--format", "ktor", "--key", "01020304", "{}")
	must(2, "zz", "keys", "import", k, "--alg", "ktor-hmac-sha256")
	must(2, "0f1e2d3c4b5a69788796a5b4c3d2e1f", "keys", "import", k, "--alg", "ktor-hmac-sha256")
	must(2, "00112233 a0a1a2a3a4a5a6a7a8a9aaab", "keys", "import", k, "--alg", "ktor-encrypt")
	must(3, "", "keys", "init", k)
	must(0, "", "version", "--json")
	must(0, "", "completion", "bash")
	must(0, "", "--help")
	must(0, "", "keys", "--help")

	// A corrupt keyring holding a secret of the wrong size, and one that
	// others can read: neither error shows the secret.
	bad := filepath.Join(dir, "bad.json")
	short := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
	badFile := `{"format":"sesstool-keyring","version":1,"keys":[{"id":"11111111","algorithm":"xchacha20poly1305","state":"primary","created":"2026-01-01T00:00:00Z","secret":"` + base64.RawURLEncoding.EncodeToString(short) + `"}]}`
	if err := os.WriteFile(bad, []byte(badFile), 0o600); err != nil {
		t.Fatal(err)
	}
	seen[string(short)] = true
	must(3, "", "keys", "list", "--keyring", bad)
	must(3, tok, "open", "--keyring", bad)
	if err := os.Chmod(kr, 0o644); err != nil {
		t.Fatal(err)
	}
	must(3, "", "keys", "list", k)
	must(3, tok, "verify", k)

	// The keys of init, add and rotate, the imported native key, the two
	// of the Ktor Encrypt key, the Ktor HMAC key, the short one.
	if len(seen) != 8 {
		t.Fatalf("%d secrets collected, want 8: the test did not see the keyring's keys", len(seen))
	}
	all := strings.Join(outputs, "\n")
	for secret := range seen {
		for _, form := range rawForms([]byte(secret)) {
			if strings.Contains(all, form) {
				t.Errorf("a secret (in a %d-character form) appears in the output", len(form))
			}
		}
	}
	for _, bad := range []string{"panic:", "goroutine ", ".go:"} {
		if strings.Contains(all, bad) {
			t.Errorf("output contains %q, like a stack trace", bad)
		}
	}
}
