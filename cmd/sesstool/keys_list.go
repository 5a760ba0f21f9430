package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/keyring"
)

// listJSON is the --json output of keys list.
type listJSON struct {
	Keyring string        `json:"keyring"`
	Keys    []listKeyJSON `json:"keys"`
}

// listKeyJSON is a key in keys list --json: keyJSON, its age, and the
// number of tokens its algorithm's random nonces allow (absent when they
// set no limit).
type listKeyJSON struct {
	keyJSON
	AgeSeconds int64  `json:"ageSeconds"`
	TokenLimit uint64 `json:"tokenLimit,omitempty"`
}

// newListJSON returns the --json form of ring r, read from path, at t.
func newListJSON(path string, r *keyring.Ring, t time.Time) listJSON {
	out := listJSON{Keyring: path, Keys: []listKeyJSON{}}
	for k := range r.Keys() {
		limit, _ := nonceLimit(k.Algorithm)
		out.Keys = append(out.Keys, listKeyJSON{keyJSON: newKeyJSON(k), AgeSeconds: int64(age(k, t) / time.Second), TokenLimit: limit})
	}
	return out
}

// nonceLimit returns the number of tokens a key of alg may seal before a
// repeated random nonce becomes likely (0 when its nonces set no limit),
// and how keys list shows that. 96-bit random nonces (AES-GCM and
// ChaCha20-Poly1305) allow 2^32 tokens per key; XChaCha20-Poly1305's 192-bit
// nonces allow so many that the limit never matters; HMAC has no nonce.
// Ktor's Encrypt uses random 128-bit IVs, a limit that never matters either.
func nonceLimit(alg keyring.Algorithm) (uint64, string) {
	switch alg {
	case keyring.AES128GCM, keyring.AES256GCM, keyring.ChaCha20Poly1305:
		return 1 << 32, "2^32 tokens"
	case keyring.XChaCha20Poly1305, keyring.KtorEncrypt:
		return 0, "effectively none"
	case keyring.HMACSHA256, keyring.HMACSHA384, keyring.HMACSHA512,
		keyring.KtorHMACSHA256, keyring.KtorHMACSHA384, keyring.KtorHMACSHA512:
		return 0, "no nonce"
	}
	return 0, "-"
}

// age is how long ago k was created, never negative.
func age(k keyring.Key, t time.Time) time.Duration {
	return max(t.Sub(k.Created), 0)
}

// shortAge shows a duration compactly: minutes below an hour, hours below
// three days, then days.
func shortAge(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d < 72*time.Hour:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dd", d/(24*time.Hour))
}

func newKeysListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the keys: ID, algorithm, state, created and retired times",
		Long: `List shows every key of the keyring, oldest first: its ID, algorithm, state
(primary, active, retired or destroyed), when it was created and retired
(or destroyed), for a ktor-encrypt key the Ktor layout it writes and
accepts (3, 2 or both), and for another framework's key the options it was
imported with (--opt NAME=VALUE). It never shows secrets.

On a terminal the list is a table with a header and times in UTC, which
also shows each key's age and its algorithm's nonce limit: how many tokens
one key may seal before a repeated random nonce becomes likely. That is
2^32 for aes256gcm, aes128gcm and chacha20poly1305 (96-bit random nonces):
rotate the primary key well before it mints that many (see SECURITY.md).
xchacha20poly1305's 192-bit nonces set no limit that matters, and HMAC
keys use no nonce.

Otherwise it is one key per line, tab-separated, with RFC 3339 times and
"-" for none, for awk and cut: ID, algorithm, state, created, retired,
destroyed, Ktor layout, options (NAME=VALUE pairs separated by spaces). --json prints {"keyring":…,"keys":[…]}, each
key with its age in seconds ("ageSeconds") and, for the suites above, its
nonce limit ("tokenLimit": 4294967296).`,
		Example: `  sesstool keys list
  sesstool keys list --json | jq -r '.keys[] | select(.state=="retired") | .id'`,
		Args: keysNoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := a.resolveKeyring(a.keyringFlag)
			if err != nil {
				return err
			}
			r, err := a.loadRing(ref)
			if err != nil {
				return err
			}
			t := now()
			if asJSON {
				return writeJSON(a.stdout, newListJSON(ref.path, r, t))
			}
			return a.printKeyTable(r, t)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the keys as a JSON object")
	return cmd
}

// layout is the Ktor layout policy of a ktor-encrypt key, "-" for other
// keys.
func layout(k keyring.Key) string {
	if k.KtorLayout == "" {
		return "-"
	}
	return string(k.KtorLayout)
}

// options are a foreign key's options, "name=value" pairs separated by
// spaces, or "-" for none.
func options(k keyring.Key) string {
	if k.Options.Len() == 0 {
		return "-"
	}
	return k.Options.String()
}

// printKeyTable prints the keys for people (on a terminal) or for line
// tools (otherwise).
func (a *app) printKeyTable(r *keyring.Ring, t time.Time) error {
	tty := a.stdoutTTY
	ts := func(t time.Time) string {
		switch {
		case t.IsZero():
			return "-"
		case tty:
			return t.UTC().Format("2006-01-02 15:04 UTC")
		}
		return rfc3339(t)
	}
	var b strings.Builder
	if tty {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tALGORITHM\tSTATE\tCREATED\tAGE\tRETIRED\tDESTROYED\tKTOR LAYOUT\tNONCE LIMIT\tOPTIONS")
		for k := range r.Keys() {
			_, limit := nonceLimit(k.Algorithm)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.State, ts(k.Created), shortAge(age(k, t)), ts(k.Retired), ts(k.Destroyed), layout(k), limit, options(k))
		}
		tw.Flush()
	} else {
		for k := range r.Keys() {
			fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.State, ts(k.Created), ts(k.Retired), ts(k.Destroyed), layout(k), options(k))
		}
	}
	return writeLine(a.stdout, strings.TrimSuffix(b.String(), "\n"))
}
