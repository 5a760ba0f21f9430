package main

import (
	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/keyring"
)

func newKeysRotateCmd(a *app) *cobra.Command {
	var alg string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new key primary and retire the old primary",
		Long: `Rotate generates a new key, makes it primary, retires the old primary, and
prints the new key's ID. Tokens sealed by the old key keep verifying until
it is pruned; new tokens are sealed by the new key.

When several servers share the keyring, prefer the two-phase "keys add"
then "keys promote": see "sesstool keys --help".`,
		Example: `  sesstool keys rotate
  sesstool keys rotate --alg aes256gcm --json`,
		Args: keysNoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			al, err := parseAlg(cmd, alg, true)
			if err != nil {
				return err
			}
			ref, err := a.resolveKeyring(a.keyringFlag)
			if err != nil {
				return err
			}
			var k, old keyring.Key
			_, err = a.updateRing(ref, func(r *keyring.Ring) (*keyring.Ring, error) {
				old = r.Primary()
				r2, nk, err := r.Rotate(al, now())
				k = nk
				return r2, err
			})
			if err != nil {
				return err
			}
			a.notef("key %s is now primary; %s is retired and verifies its tokens until pruned", k.ID, old.ID)
			return a.printKey(k, asJSON)
		},
	}
	addAlgFlag(cmd, &alg, true)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the new key as a JSON object")
	return cmd
}

func newKeysAddCmd(a *app) *cobra.Command {
	var alg string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a new active key, to be promoted later (two-phase rotation)",
		Long: `Add generates a new active key and prints its ID. An active key verifies
tokens but does not mint them until "keys promote" makes it primary.

This is the first phase of a rotation across several servers: add the key,
distribute the keyring to every server, then promote it. No server then
meets a token sealed by a key it does not have.`,
		Example: `  id=$(sesstool keys add)
  # ... distribute the keyring to every server ...
  sesstool keys promote "$id"`,
		Args: keysNoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			al, err := parseAlg(cmd, alg, true)
			if err != nil {
				return err
			}
			ref, err := a.resolveKeyring(a.keyringFlag)
			if err != nil {
				return err
			}
			var k keyring.Key
			_, err = a.updateRing(ref, func(r *keyring.Ring) (*keyring.Ring, error) {
				r2, nk, err := r.Add(al, now())
				k = nk
				return r2, err
			})
			if err != nil {
				return err
			}
			a.notef("added active key %s; promote it with 'sesstool keys promote %s' once every server has it", k.ID, k.ID)
			return a.printKey(k, asJSON)
		},
	}
	addAlgFlag(cmd, &alg, true)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the new key as a JSON object")
	return cmd
}

func newKeysPromoteCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "promote ID",
		Short: "Make an active key primary and retire the old primary",
		Long: `Promote makes the active key ID primary, so that it mints every new token,
and retires the old primary, which keeps verifying its tokens until pruned.
It prints nothing unless --json is given.

This is the second phase of a rotation across several servers; see
"sesstool keys add".`,
		Example: `  sesstool keys promote 9f2c01ab`,
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
			var old keyring.Key
			r, err := a.updateRing(ref, func(r *keyring.Ring) (*keyring.Ring, error) {
				old = r.Primary()
				return r.Promote(id, now())
			})
			if err != nil {
				return stateHint(err)
			}
			a.notef("key %s is now primary; %s is retired and verifies its tokens until pruned", id, old.ID)
			if asJSON {
				return a.printKey(r.Primary(), true)
			}
			return nil
		},
	}
	// Only active keys of sesstool's own format can be promoted: Ktor keys
	// never.
	cmd.ValidArgsFunction = a.completeKeys(func(k keyring.Key) bool {
		return k.State == keyring.Active && k.Algorithm.Family() == keyring.FamilyNative
	})
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the promoted key as a JSON object")
	return cmd
}
