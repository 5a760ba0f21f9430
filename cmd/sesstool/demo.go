package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

func newDemoCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Take a tour: keyring, mint, inspect, open, rotate, rewrap, other frameworks' cookies, rejections",
		Long: `Demo needs nothing set up. It creates a keyring in a temporary directory,
mints a token, inspects it, opens it, rotates the keys, shows the old token
still opening and being rewrapped, and shows a token for another purpose
and a tampered token rejected, and reads another framework's cookie (a
Flask session, inspected, then verified under its imported SECRET_KEY).
Each step prints one line that explains it,
the command it runs, and that command's output. The directory is removed
at the end.`,
		Example: `  go run ./cmd/sesstool demo`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.keyringFlag != "" {
				return usagef(cmd, "demo makes its own keyring in a temporary directory and takes no --keyring")
			}
			return a.demo()
		},
	}
}

// demoStep is one step of the tour.
type demoStep struct {
	explain string
	show    string   // the command as shown, with $TOKEN for the token
	args    []string // the command run
	code    int      // the exit code it must have
	save    *string  // where to keep its stdout, trimmed
	stdin   string   // what the command reads on stdin
}

func (a *app) demo() error {
	dir, err := os.MkdirTemp("", "sesstool-demo-")
	if err != nil {
		return fmt.Errorf("failed to create a temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "keyring.json")

	// The steps run in this process, against the temporary keyring alone.
	sub := func(stdin string, stdout, stderr io.Writer) *app {
		return &app{
			stdin: strings.NewReader(stdin), stdout: stdout, stderr: stderr,
			stdoutTTY: a.stdoutTTY, // so that keys list shows its table to a person
			getenv: func(k string) string {
				if k == keyringEnv {
					return path
				}
				return ""
			},
			configDir: func() (string, error) { return dir, nil },
		}
	}
	w := a.stdout
	fmt.Fprintf(w, "sesstool demo: a tour in %s, which is removed at the end.\n", dir)
	fmt.Fprintf(w, "Every command below runs with SESSTOOL_KEYRING=%s.\n", path)

	const payload = `{"uid":"alice","roles":["admin"]}`
	var tok, tok2, tampered string
	steps := []demoStep{
		{explain: "Create a keyring holding one primary key; it prints the key's ID, never the key.",
			show: "sesstool keys init", args: []string{"keys", "init"}},
		{explain: "Mint a token for the purpose \"login\", valid for 1 hour, holding a JSON payload.",
			show: "TOKEN=$(sesstool mint --purpose login --ttl 1h '" + payload + "')", args: []string{"mint", "--purpose", "login", "--ttl", "1h", payload}, save: &tok},
		{explain: "Show the token: a token of the default algorithm is encrypted, so without the keyring only its header is readable, and nothing is verified.",
			show: "sesstool inspect \"$TOKEN\"", args: []string{"inspect", "$TOKEN"}},
		{explain: "Open it: verify it under the keyring for its purpose, check its expiry, print its payload.",
			show: "sesstool open --purpose login \"$TOKEN\"", args: []string{"open", "--purpose", "login", "$TOKEN"}},
		{explain: "Rotate: a new key becomes primary; the old one is retired and keeps verifying its tokens until pruned.",
			show: "sesstool keys rotate", args: []string{"keys", "rotate"}},
		{explain: "The list shows both keys: ID, algorithm, state, created and retired times.",
			show: "sesstool keys list", args: []string{"keys", "list"}},
		{explain: "The old token still opens; \"rewrap\":true says an older key verified it.",
			show: "sesstool open --purpose login --json \"$TOKEN\"", args: []string{"open", "--purpose", "login", "--json", "$TOKEN"}},
		{explain: "Rewrap moves it to the new primary key, keeping its payload and expiry.",
			show: "NEW=$(sesstool rewrap --purpose login \"$TOKEN\")", args: []string{"rewrap", "--purpose", "login", "$TOKEN"}, save: &tok2},
		{explain: "Inspected with the keyring, the new token is verified and decrypted.",
			show: "sesstool inspect --keyring \"$SESSTOOL_KEYRING\" --purpose login \"$NEW\"", args: []string{"inspect", "--keyring", path, "--purpose", "login", "$NEW"}},
		{explain: "Other frameworks' cookies: inspect names the format of a pasted Flask session cookie (set by Flask 2.2.2 on 2027-03-01) and shows it, unverified.",
			show: "sesstool inspect 'Cookie: session=" + demoFlaskCookie + "'", args: []string{"inspect", "Cookie: session=" + demoFlaskCookie}},
		{explain: "Import the Flask app's SECRET_KEY as its configuration holds it, from stdin (never from the command line).",
			show: "printenv FLASK_SECRET_KEY | sesstool keys import --alg flask", args: []string{"keys", "import", "--alg", "flask"}, stdin: "flask-secret-key-2026\n"},
		{explain: "Now open verifies the Flask cookie, as of the day it was set, and prints its session as JSON.",
			show: "sesstool open --at 2027-03-01T12:01:00Z 'Cookie: session=" + demoFlaskCookie + "'", args: []string{"open", "--at", "2027-03-01T12:01:00Z", "Cookie: session=" + demoFlaskCookie}},
		{explain: "A token opens only for the purpose it was minted for: verify rejects it with exit code 1.",
			show: "sesstool verify --purpose password-reset \"$TOKEN\"", args: []string{"verify", "--purpose", "password-reset", "$TOKEN"}, code: exitRejected},
		{explain: "Change one character of the token, and verify rejects it with exit code 1.",
			show: "sesstool verify --purpose login \"$TAMPERED\"", args: []string{"verify", "--purpose", "login", "$TAMPERED"}, code: exitRejected},
	}
	for i, s := range steps {
		if i == len(steps)-1 {
			tampered = tamperMiddle(tok)
		}
		args := make([]string, len(s.args))
		for j, arg := range s.args {
			args[j] = strings.NewReplacer("$TOKEN", tok, "$NEW", tok2, "$TAMPERED", tampered).Replace(arg)
		}
		fmt.Fprintf(w, "\n# %d. %s\n", i+1, s.explain)
		fmt.Fprintf(w, "$ %s\n", s.show)
		var out, errOut bytes.Buffer
		code := sub(s.stdin, &out, &errOut).run(args)
		w.Write(out.Bytes())
		w.Write(errOut.Bytes())
		if code != s.code {
			return fmt.Errorf("demo step %d ended with exit code %d instead of %d", i+1, code, s.code)
		}
		if code != exitOK {
			fmt.Fprintf(w, "(exit code %d)\n", code)
		}
		if s.save != nil {
			*s.save = strings.TrimSpace(out.String())
		}
	}
	fmt.Fprintf(w, "\nDone: removed %s. Next: 'sesstool keys init' for a real keyring, and 'sesstool --help'.\n", dir)
	return nil
}

// demoFlaskCookie is a Flask session cookie that Flask 2.2.2 set under the
// SECRET_KEY "flask-secret-key-2026" (testvectors/flask, test 1).
const demoFlaskCookie = "eyJfcGVybWFuZW50Ijp0cnVlLCJjc3JmX3Rva2VuIjoiNWYzYzBhMWU5YiIsInVzZXJfaWQiOjQyfQ.a4VdwA.kFGDGlLvX3vEwrkSZnL0z7pNMUg"

// tamperMiddle changes one character in the middle of tok, keeping it valid
// base64url, so that only authentication can catch it.
func tamperMiddle(tok string) string {
	b := []byte(tok)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
