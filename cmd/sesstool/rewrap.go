package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// rewrapJSON is rewrap's --json output.
type rewrapJSON struct {
	Token         string `json:"token"`
	Format        string `json:"format"`
	KeyID         string `json:"keyId"`
	PreviousKeyID string `json:"previousKeyId"`
	Expires       string `json:"expires"`
	NotBefore     string `json:"notBefore,omitempty"`
}

func newRewrapCmd(a *app) *cobra.Command {
	f := &openFlags{}
	cmd := &cobra.Command{
		Use:   "rewrap [TOKEN | -]",
		Short: "Re-mint a valid token under the primary key, keeping payload and expiry",
		Long: `Rewrap opens a token and seals its payload again under the keyring's
primary key, keeping its expiry (and its not-before time, if still ahead),
and prints the new token. Use it to move live tokens off a key before
retiring or destroying it. The token must be valid: an invalid or expired
token is rejected with exit code 1.`,
		Example: `  sesstool rewrap --purpose login "$OLD" > new
  sesstool rewrap --purpose login --json < tok`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(cmd, args); err != nil {
				return err
			}
			_, set, err := a.openSetup(f)
			if err != nil {
				return err
			}
			input, err := a.readTokenInput(cmd, args)
			if err != nil {
				return err
			}
			c, err := singleToken(cmd, input, f.cookie)
			if err != nil {
				return err
			}
			op, tf, err := set.opener(c.Value)
			if err != nil {
				return err
			}
			tok, old, ok, err := op.(explained).rewrap(c.Value)
			if !ok && tf.Name() == ktorFmt.Name() {
				return &usageError{err: fmt.Errorf("a %s cannot be rewrapped: it names no key and has no expiry to keep", tf.Title()), cmd: cmd,
					hint: "mint a new one with 'sesstool mint --format ktor' (it uses the newest active Ktor key, or --key ID)"}
			}
			if !ok {
				return &usageError{err: fmt.Errorf("%s cannot be rewrapped: rewrap re-mints a token of its own format under the primary key, and %s keys are imported, never primary", aOf(tf.Title()), tf.Title()), cmd: cmd,
					hint: "to move its sessions to sesstool tokens, open it and mint a new token (see examples/migrate)"}
			}
			if err != nil {
				return rejectionHint(err, f)
			}
			if !f.json {
				return writeLine(a.stdout, tok)
			}
			nt, err := set.open(tok)
			if err != nil {
				return fmt.Errorf("the rewrapped token does not open: %v", err)
			}
			return writeJSON(a.stdout, rewrapJSON{
				Token: tok, Format: tf.Name(), KeyID: nt.Key.ID.String(), PreviousKeyID: old.Key.ID.String(),
				Expires: rfc3339(nt.ExpiresAt), NotBefore: rfc3339(nt.NotBefore),
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.purpose, "purpose", "", "the `PURPOSE` the token was minted for; the new token keeps it")
	addLeewayMaxTTL(cmd, f)
	fs.StringVar(&f.cookie, "cookie", "", "when the input is a cookie header with several cookies, use the one called `NAME`")
	fs.BoolVar(&f.json, "json", false, "print the new token with its key IDs and times as one JSON object")
	f.codec = "auto"
	return cmd
}
