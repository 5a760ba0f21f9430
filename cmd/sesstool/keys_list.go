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
	Keyring string    `json:"keyring"`
	Keys    []keyJSON `json:"keys"`
}

func newKeysListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the keys: ID, algorithm, state, created and retired times",
		Long: `List shows every key of the keyring, oldest first: its ID, algorithm, state
(primary, active, retired or destroyed), when it was created and retired
(or destroyed), and for a ktor-encrypt key the Ktor layout it writes and
accepts (3, 2 or both). It never shows secrets.

On a terminal the list is a table with a header and times in UTC. Otherwise
it is one key per line, tab-separated, with RFC 3339 times and "-" for none,
for awk and cut. --json prints {"keyring":…,"keys":[…]}.`,
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
			if asJSON {
				out := listJSON{Keyring: ref.path, Keys: []keyJSON{}}
				for k := range r.Keys() {
					out.Keys = append(out.Keys, newKeyJSON(k))
				}
				return writeJSON(a.stdout, out)
			}
			return a.printKeyTable(r)
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

// printKeyTable prints the keys for people (on a terminal) or for line
// tools (otherwise).
func (a *app) printKeyTable(r *keyring.Ring) error {
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
		fmt.Fprintln(tw, "ID\tALGORITHM\tSTATE\tCREATED\tRETIRED\tDESTROYED\tKTOR LAYOUT")
		for k := range r.Keys() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.State, ts(k.Created), ts(k.Retired), ts(k.Destroyed), layout(k))
		}
		tw.Flush()
	} else {
		for k := range r.Keys() {
			fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.State, ts(k.Created), ts(k.Retired), ts(k.Destroyed), layout(k))
		}
	}
	return writeLine(a.stdout, strings.TrimSuffix(b.String(), "\n"))
}
