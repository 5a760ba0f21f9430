package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/keyring"
)

func newKeysExportCmd(a *app) *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "export ID [--to FILE]",
		Short: "Write one key, secret included, for 'keys import --keep-id' into another keyring",
		Long: `Export writes key ID with its ID, algorithm, state, times and secret, as the
key export document of SPEC.md §2.1, so that "sesstool keys import
--keep-id" can add it to another keyring under the same ID: tokens sealed
under the key then open under both keyrings.

The document holds the secret, so it goes only where a person cannot read
it by accident: to stdout when stdout is a pipe or a file (never a
terminal), or to --to FILE, which is created with mode 0600 and never
replaces an existing file (no partial file is left on error). A destroyed
key has no secret and cannot be exported.

The imported key is active (a primary key comes in active: promote it on
the other side once every server has it) or retired, as it was.`,
		Example: `  sesstool keys export 9f2c01ab | ssh host2 sesstool keys import --keep-id
  sesstool keys export 9f2c01ab --to key-9f2c01ab.json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseKeyID(cmd, args[0])
			if err != nil {
				return err
			}
			toStdout := to == "" || to == "-"
			if toStdout && a.stdoutTTY {
				return &usageError{err: errors.New("refusing to write a key's secret to the terminal"),
					hint: fmt.Sprintf("pipe it to the other keyring, as in 'sesstool keys export %s | sesstool keys import --keep-id --keyring OTHER', or write a new file with --to FILE", id)}
			}
			ref, err := a.resolveKeyring(a.keyringFlag)
			if err != nil {
				return err
			}
			r, err := a.loadRing(ref)
			if err != nil {
				return err
			}
			doc, err := r.Export(id)
			if err != nil {
				return stateHint(err)
			}
			defer clear(doc)
			if toStdout {
				if _, err := a.stdout.Write(doc); err != nil {
					return fmt.Errorf("failed to write the key to stdout: %w", err)
				}
				return nil
			}
			if err := writeNewSecretFile(to, doc); err != nil {
				return err
			}
			a.notef("exported key %s to %s", id, to)
			return nil
		},
	}
	cmd.ValidArgsFunction = a.completeKeyIDs(keyring.Primary, keyring.Active, keyring.Retired)
	cmd.Flags().StringVar(&to, "to", "", "write the key to a new `FILE` of mode 0600 instead of stdout (never replaces a file)")
	_ = cmd.MarkFlagFilename("to")
	return cmd
}

// writeNewSecretFile writes data to a new file at path with mode 0600,
// created with O_EXCL so that it never replaces a file, and removes it
// again if anything fails, so that no partial file is left.
func writeNewSecretFile(path string, data []byte) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return withHint(fmt.Errorf("%s already exists", path),
			"sesstool never overwrites a file with a secret in it: choose a new name, or remove the file first")
	}
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", path, bareErr(err))
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("failed to write %s: %w", path, cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, bareErr(err))
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, bareErr(err))
	}
	return nil
}

// bareErr returns the cause of a *fs.PathError, whose message would repeat
// the path, and any other error as it is.
func bareErr(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}
