package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/keyring"
)

func newKeysRetireCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "retire ID",
		Short: "Stop an active key from ever minting; it keeps verifying until pruned",
		Long: `Retire marks the active key ID as retired: it will never be promoted, and
keeps verifying the tokens it sealed until "keys prune" removes it. The
primary key cannot be retired: rotate first. Prints nothing unless --json.`,
		Example: `  sesstool keys retire 9f2c01ab`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseKeyID(cmd, args[0])
			if err != nil {
				return err
			}
			ref, err := a.resolveKeyring(a.keyringFlag)
			if err != nil {
				return err
			}
			r, err := a.updateRing(ref, func(r *keyring.Ring) (*keyring.Ring, error) {
				return r.Retire(id, now())
			})
			if err != nil {
				return stateHint(err)
			}
			a.notef("retired key %s", id)
			if asJSON {
				k, _ := r.Lookup(id)
				return a.printKey(k, true)
			}
			return nil
		},
	}
	cmd.ValidArgsFunction = a.completeKeyIDs(keyring.Active)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the retired key as a JSON object")
	return cmd
}

func newKeysDestroyCmd(a *app) *cobra.Command {
	var yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "destroy ID --yes",
		Short: "Erase a key's secret, rejecting every token it sealed (irreversible)",
		Long: `Destroy erases the secret of key ID, so that every token it sealed is
rejected from now on, for instance after the key leaked. The key's ID stays
in the keyring, so that rejections can say the key was destroyed, until
"keys prune" removes it. The primary key cannot be destroyed: rotate first.

Destroying cannot be undone, so it asks no question but requires --yes
(without it, exit code 2 and nothing changes).`,
		Example: `  sesstool keys rotate && sesstool keys destroy 9f2c01ab --yes`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseKeyID(cmd, args[0])
			if err != nil {
				return err
			}
			if !yes {
				return &usageError{err: fmt.Errorf("destroying key %s is irreversible: every token it sealed will be rejected", id), cmd: cmd,
					hint: "add --yes to confirm"}
			}
			ref, err := a.resolveKeyring(a.keyringFlag)
			if err != nil {
				return err
			}
			r, err := a.updateRing(ref, func(r *keyring.Ring) (*keyring.Ring, error) {
				return r.Destroy(id, now())
			})
			if err != nil {
				return stateHint(err)
			}
			a.notef("destroyed key %s: tokens it sealed are now rejected", id)
			if asJSON {
				k, _ := r.Lookup(id)
				return a.printKey(k, true)
			}
			return nil
		},
	}
	cmd.ValidArgsFunction = a.completeKeyIDs(keyring.Active, keyring.Retired)
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm that the key's secret is to be erased for good")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the destroyed key as a JSON object")
	return cmd
}

// stateHint adds what to do to the keyring's refusals.
func stateHint(err error) error {
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return withHint(err, "'sesstool keys list' shows the key IDs")
	case errors.Is(err, keyring.ErrState):
		return withHint(err, "'sesstool keys list' shows each key's state")
	case errors.Is(err, keyring.ErrAlgorithm):
		return withHint(err, "promote a key of sesstool's own format instead: 'sesstool keys list' shows each key's algorithm")
	}
	return err
}
