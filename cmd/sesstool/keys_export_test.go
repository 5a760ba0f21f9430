package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysExportRefusesTerminal checks that keys export never writes a
// secret to a terminal (testscript cannot give a command a terminal as its
// stdout), while --to FILE still works there.
func TestKeysExportRefusesTerminal(t *testing.T) {
	dir := t.TempDir()
	kr := filepath.Join(dir, "k.json")
	code, id, _ := runApp(t, dir, "", "keys", "init", "--keyring", kr)
	if code != 0 {
		t.Fatalf("keys init: exit %d", code)
	}
	id = strings.TrimSpace(id)
	for _, args := range [][]string{{}, {"--to", "-"}} {
		var out, errb bytes.Buffer
		a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, stdoutTTY: true,
			getenv: func(string) string { return "" }, configDir: func() (string, error) { return dir, nil }}
		code := a.run(append([]string{"keys", "export", "--keyring", kr, id}, args...))
		if code != exitUsage || out.Len() != 0 {
			t.Errorf("keys export %v on a terminal: exit %d, stdout %q; want exit 2 and nothing", args, code, out.String())
		}
		want := "sesstool: error: refusing to write a key's secret to the terminal\n" +
			"sesstool: hint: pipe it to the other keyring, as in 'sesstool keys export " + id + " | sesstool keys import --keep-id --keyring OTHER', or write a new file with --to FILE\n"
		if errb.String() != want {
			t.Errorf("stderr = %q; want %q", errb.String(), want)
		}
	}
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, stdoutTTY: true,
		getenv: func(string) string { return "" }, configDir: func() (string, error) { return dir, nil }}
	to := filepath.Join(dir, "k.key")
	if code := a.run([]string{"keys", "export", "--keyring", kr, id, "--to", to}); code != 0 {
		t.Fatalf("keys export --to on a terminal: exit %d, stderr %q", code, errb.String())
	}
	if fi, err := os.Stat(to); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("--to file: %v, %v; want mode 0600", fi, err)
	}
}

// TestKeysExportNeverInErrors checks that no failure of export or
// import --keep-id shows any part of the export document's secret, or
// the document's other text, on stdout or stderr.
func TestKeysExportNeverInErrors(t *testing.T) {
	dir := t.TempDir()
	kr := filepath.Join(dir, "k.json")
	if code, _, _ := runApp(t, dir, "", "keys", "init", "--keyring", kr); code != 0 {
		t.Fatal("keys init failed")
	}
	// A Ktor encrypt key too, whose document has two secrets.
	const ktorKeys = "00112233445566778899aabbccddeeff 0f1e2d3c4b5a69780f1e2d3c4b5a69780f1e2d3c4b5a69780f1e2d3c4b5a6978"
	code, kid, _ := runApp(t, dir, ktorKeys, "keys", "import", "--keyring", kr, "--alg", "ktor-encrypt", "--ktor-layout", "2")
	if code != 0 {
		t.Fatal("keys import --alg ktor-encrypt failed")
	}
	data, err := os.ReadFile(kr)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Keys []struct {
			ID string `json:"id"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{f.Keys[0].ID, strings.TrimSpace(kid)} {
		code, doc, _ := runApp(t, dir, "", "keys", "export", "--keyring", kr, id)
		if code != 0 {
			t.Fatalf("keys export %s: exit %d", id, code)
		}
		var d struct {
			Key struct {
				Secret     string `json:"secret"`
				SignSecret string `json:"signSecret"`
			} `json:"key"`
		}
		if err := json.Unmarshal([]byte(doc), &d); err != nil || d.Key.Secret == "" {
			t.Fatalf("export document: %v", err)
		}
		secrets := []string{d.Key.Secret, d.Key.SignSecret}
		other := filepath.Join(dir, "other-"+id+".json")
		if code, _, _ := runApp(t, dir, "", "keys", "init", "--keyring", other); code != 0 {
			t.Fatal("keys init failed")
		}
		first := doc[:strings.Index(doc, d.Key.Secret)]
		tests := []struct {
			name  string
			stdin string
			args  []string
		}{
			{"clash", doc, []string{"keys", "import", "--keep-id", "--keyring", kr}},
			{"missing keyring", doc, []string{"keys", "import", "--keep-id", "--keyring", filepath.Join(dir, "none.json")}},
			{"truncated", doc[:len(doc)-5], []string{"keys", "import", "--keep-id", "--keyring", other}},
			{"secret cut", first + d.Key.Secret[:20] + doc[len(first)+len(d.Key.Secret):], []string{"keys", "import", "--keep-id", "--keyring", other}},
			{"secret as a name", strings.Replace(doc, `"id"`, `"`+d.Key.Secret+`": 1, "id"`, 1), []string{"keys", "import", "--keep-id", "--keyring", other}},
			{"secret in a time", strings.Replace(doc, `"2026-`, `"`+d.Key.Secret+`"`+`, "x": "`, 1), []string{"keys", "import", "--keep-id", "--keyring", other}},
			{"doubled", doc + doc, []string{"keys", "import", "--keep-id", "--keyring", other}},
			{"as raw material", doc, []string{"keys", "import", "--keyring", other}},
			{"with --alg", doc, []string{"keys", "import", "--keep-id", "--alg", "aes256gcm", "--keyring", other}},
			{"oversized", doc + strings.Repeat(" ", 70<<10), []string{"keys", "import", "--keep-id", "--keyring", other}},
		}
		for _, tt := range tests {
			code, out, errs := runApp(t, dir, tt.stdin, tt.args...)
			if code == 0 {
				t.Errorf("%s (%s): exit 0; want a failure", tt.name, id)
			}
			for _, s := range secrets {
				for i := 0; s != "" && i+8 <= len(s); i += 4 {
					if strings.Contains(out+errs, s[i:i+8]) {
						t.Errorf("%s (%s): output quotes the secret:\n%s%s", tt.name, id, out, errs)
						break
					}
				}
			}
			if strings.Contains(errs, "sesstool-key\"") || strings.Contains(errs, `"format"`) {
				t.Errorf("%s (%s): stderr quotes the document:\n%s", tt.name, id, errs)
			}
		}
	}
}
