package main

import (
	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/keyring"
)

func newKeysInitCmd(a *app) *cobra.Command {
	var alg string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a keyring with one new primary key",
		Long: `Init creates a new keyring file holding one freshly generated primary key,
and prints the key's ID. The file is created with mode 0600 and appears
complete or not at all. Init never overwrites an existing file (exit code
3): move it away first if you really mean to start afresh.

When the keyring is the default one, its directory is created (mode 0700).`,
		Example: `  sesstool keys init
  sesstool keys init --keyring /etc/myapp/sessions.json --alg aes256gcm
  SESSTOOL_KEYRING=$HOME/.sesstool.json sesstool keys init`,
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
			r, err := keyring.Generate(al, now())
			if err != nil {
				return err
			}
			if err := a.createRing(ref, r); err != nil {
				return err
			}
			k := r.Primary()
			a.notef("created %s with primary key %s (%s)", ref.describe(), k.ID, k.Algorithm)
			return a.printKey(k, asJSON)
		},
	}
	addAlgFlag(cmd, &alg, true)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the new key as a JSON object")
	return cmd
}
