package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// pruneJSON is the --json output of keys prune.
type pruneJSON struct {
	DryRun bool       `json:"dryRun"`
	MaxAge string     `json:"maxAge"`
	Pruned []keyJSON  `json:"pruned"`
	Kept   []keptJSON `json:"kept"`
}

type keptJSON struct {
	keyJSON
	PrunableAfter string `json:"prunableAfter"`
}

func newKeysPruneCmd(a *app) *cobra.Command {
	var (
		maxAge  durationValue // unset: maxTTL + leeway
		maxTTL  = durationValue(token.DefaultMaxTTL)
		leeway  durationValue
		dryRun  bool
		asJSON  bool
		verbose bool
	)
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove keys that can no longer have live tokens",
		Long: `Prune removes the keys that can no longer verify a live token: destroyed
keys, and keys retired longer ago than the maximum age of a token. Primary
and active keys are never pruned. It prints one line per key it removes,
and nothing else, so that cron mails only changes. --verbose adds one line
per retired key it keeps, with the time from which it can go, or says that
there is nothing to prune.

The maximum age is --max-age, or else --max-ttl plus --leeway: use the
longest TTL and the leeway that any service opening these tokens allows
(--max-ttl's default, 24h, is the token package's default maximum TTL).
Pruning sooner would reject live tokens. With several hosts, each with its
own copy of the keyring, prune does not know how long a copy takes to reach
them all (the distribution lag): --leeway covers it when the services'
leeway is at least that lag, as it must be; otherwise add the lag yourself
(--max-age MAXTTL+LEEWAY+LAG). See "Rotating keys across a fleet" in the
README.

Safe to run from cron: it only writes the keyring when it removes a key.
--dry-run shows what would be removed, and what is kept, and changes
nothing.`,
		Example: `  sesstool keys prune --dry-run
  sesstool keys prune --max-ttl 12h --leeway 1m
  sesstool keys prune --max-age 7d --json`,
		Args: keysNoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			if fs.Changed("max-age") && (fs.Changed("max-ttl") || fs.Changed("leeway")) {
				return &usageError{err: errors.New("--max-age cannot be used with --max-ttl or --leeway"), cmd: cmd,
					hint: "--max-age is --max-ttl plus --leeway: give one or the other"}
			}
			age := time.Duration(maxTTL) + time.Duration(leeway)
			if fs.Changed("max-age") {
				age = time.Duration(maxAge)
			}
			if age <= 0 || time.Duration(leeway) < 0 {
				return usagef(cmd, "the maximum age must be positive, and --leeway not negative")
			}
			ref, err := a.resolveKeyring(a.keyringFlag)
			if err != nil {
				return err
			}
			t := now()
			var before *keyring.Ring
			prune := func(r *keyring.Ring) (*keyring.Ring, error) {
				before = r
				r2, removed := r.Prune(t, age)
				if len(removed) == 0 || dryRun {
					return nil, errUnchanged
				}
				return r2, nil
			}
			if dryRun {
				r, err := a.loadRing(ref)
				if err != nil {
					return err
				}
				_, _ = prune(r)
			} else if _, err := a.updateRing(ref, prune); err != nil && !errors.Is(err, errUnchanged) {
				return err
			}
			return a.reportPrune(before, t, age, dryRun, asJSON, verbose || dryRun)
		},
	}
	fs := cmd.Flags()
	fs.Var(&maxAge, "max-age", "prune keys retired longer ago than this (the longest token lifetime plus leeway; default --max-ttl plus --leeway)")
	// --max-age has no default of its own: it excludes --max-ttl and
	// --leeway, whose defaults apply without it.
	fs.Lookup("max-age").DefValue = ""
	fs.Var(&maxTTL, "max-ttl", "the longest TTL of any token sealed by these keys")
	fs.Var(&leeway, "leeway", "the clock leeway of the services that open the tokens")
	fs.BoolVar(&dryRun, "dry-run", false, "show what would be pruned and what is kept; change nothing")
	fs.BoolVar(&verbose, "verbose", false, "also show the retired keys kept, and when they can go")
	fs.BoolVar(&asJSON, "json", false, "print the result as a JSON object")
	return cmd
}

// reportPrune prints what prune did (or would do) to the ring before.
// Kept keys and "nothing to prune" are shown only when verbose.
func (a *app) reportPrune(before *keyring.Ring, t time.Time, age time.Duration, dryRun, asJSON, verbose bool) error {
	_, removed := before.Prune(t, age)
	out := pruneJSON{DryRun: dryRun, MaxAge: age.String(), Pruned: []keyJSON{}, Kept: []keptJSON{}}
	verb := "pruned"
	if dryRun {
		verb = "would prune"
	}
	var lines []string
	for k := range before.Keys() {
		deadline, prunable := keyring.PruneDeadline(k, age)
		switch {
		case !prunable:
			continue
		case containsID(removed, k.ID):
			out.Pruned = append(out.Pruned, newKeyJSON(k))
			since := k.Retired
			if k.State == keyring.Destroyed {
				since = k.Destroyed
			}
			lines = append(lines, fmt.Sprintf("%s %s (%s %s)", verb, k.ID, k.State, rfc3339(since)))
		default:
			out.Kept = append(out.Kept, keptJSON{keyJSON: newKeyJSON(k), PrunableAfter: rfc3339(deadline)})
			if verbose {
				lines = append(lines, fmt.Sprintf("kept %s (%s %s; prunable after %s)", k.ID, k.State, rfc3339(k.Retired), rfc3339(deadline)))
			}
		}
	}
	if asJSON {
		return writeJSON(a.stdout, out)
	}
	switch {
	case len(removed) == 0 && verbose:
		lines = append(lines, fmt.Sprintf("nothing to prune (max age %v)", age))
	case len(removed) == 0:
		a.notef("nothing to prune (max age %v)", age)
	}
	for _, l := range lines {
		if err := writeLine(a.stdout, l); err != nil {
			return err
		}
	}
	return nil
}

func containsID(ids []keyring.ID, id keyring.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
