package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/keyring"
)

// keyringEnv names the environment variable that chooses the keyring file
// when --keyring is not given.
const keyringEnv = "SESSTOOL_KEYRING"

// allowReadableEnv names the environment variable that, set to 1, lets
// commands read a keyring that other users can read but not write: a
// read-only mount such as a Kubernetes Secret volume
// (keyring.LoadOptions.AllowReadable). Commands that write a keyring
// never accept one.
const allowReadableEnv = "SESSTOOL_ALLOW_READABLE_KEYRING"

// keyringFlagUsage is the help text of --keyring.
const keyringFlagUsage = "keyring `FILE` (default $" + keyringEnv + ", else sesstool/keyring.json in the user's config directory)"

// addKeyringFlag adds --keyring to flags, completing file names.
func addKeyringFlag(cmd *cobra.Command, persistent bool, path *string) {
	fs := cmd.Flags()
	if persistent {
		fs = cmd.PersistentFlags()
	}
	fs.StringVar(path, "keyring", "", keyringFlagUsage)
	if persistent {
		_ = cmd.MarkPersistentFlagFilename("keyring", "json")
	} else {
		_ = cmd.MarkFlagFilename("keyring", "json")
	}
}

// keyringRef is a keyring file and how it was chosen.
type keyringRef struct {
	path      string
	source    string // "--keyring", "$SESSTOOL_KEYRING" or "default"
	isDefault bool
}

// describe names the keyring for messages: "keyring /x/k.json (from $SESSTOOL_KEYRING)".
func (r keyringRef) describe() string {
	if r.source == "--keyring" {
		return "keyring " + r.path
	}
	if r.isDefault {
		return "keyring " + r.path + " (the default location)"
	}
	return "keyring " + r.path + " (from " + r.source + ")"
}

// initHint is the command that creates this keyring.
func (r keyringRef) initHint() string {
	if r.source == "--keyring" {
		return "sesstool keys init --keyring " + r.path
	}
	return "sesstool keys init"
}

// resolveKeyring chooses the keyring file: flagPath, else $SESSTOOL_KEYRING,
// else the default location in the user's config directory.
func (a *app) resolveKeyring(flagPath string) (keyringRef, error) {
	if flagPath != "" {
		return keyringRef{path: flagPath, source: "--keyring"}, nil
	}
	if p := a.getenv(keyringEnv); p != "" {
		return keyringRef{path: p, source: "$" + keyringEnv}, nil
	}
	dir, err := a.configDir()
	if err != nil {
		return keyringRef{}, withHint(fmt.Errorf("no keyring chosen and no config directory to look in: %v", err),
			"choose a keyring file with --keyring FILE or $%s", keyringEnv)
	}
	return keyringRef{path: filepath.Join(dir, "sesstool", "keyring.json"), source: "default", isDefault: true}, nil
}

// loadRing reads the keyring, with errors that say what to do.
func (a *app) loadRing(ref keyringRef) (*keyring.Ring, error) {
	a.checkKeyringDir(ref)
	r, err := keyring.LoadWith(ref.path, &keyring.LoadOptions{AllowReadable: a.getenv(allowReadableEnv) == "1"})
	if errors.Is(err, keyring.ErrInsecure) {
		if fi, serr := os.Stat(ref.path); serr == nil && fi.Mode().Perm()&0o022 == 0 && a.getenv(allowReadableEnv) != "1" {
			return nil, withHint(err, "if the file is a read-only mount, such as a Kubernetes Secret volume, set %s=1 to read it; otherwise whoever else could read it may have the keys: after chmod 600, run 'sesstool keys rotate', then 'sesstool keys destroy ID --yes' on the old key, or 'sesstool keys prune' once its tokens have expired", allowReadableEnv)
		}
	}
	if err != nil {
		return nil, keyringError(ref, err)
	}
	return r, nil
}

// updateRing applies fn to the keyring file under its lock and writes the
// result atomically (keyring.Update).
func (a *app) updateRing(ref keyringRef, fn func(*keyring.Ring) (*keyring.Ring, error)) (*keyring.Ring, error) {
	a.checkKeyringDir(ref)
	// Check first, so that a missing keyring is reported plainly and no
	// lock file is left behind next to a keyring that does not exist.
	if _, err := os.Stat(ref.path); err != nil {
		return nil, keyringError(ref, err)
	}
	r, err := keyring.Update(ref.path, fn)
	if err != nil {
		return nil, keyringError(ref, err)
	}
	return r, nil
}

// createRing writes a new keyring file; it never replaces one.
func (a *app) createRing(ref keyringRef, r *keyring.Ring) error {
	if ref.isDefault {
		if err := os.MkdirAll(filepath.Dir(ref.path), 0o700); err != nil {
			return fmt.Errorf("failed to create the keyring's directory: %w", err)
		}
	}
	a.checkKeyringDir(ref)
	if err := keyring.Create(ref.path, r); err != nil {
		if errors.Is(err, keyring.ErrExists) {
			return withHint(err, "sesstool never overwrites a keyring: to rotate its keys run 'sesstool keys rotate'; to start afresh, move the file away first")
		}
		return keyringError(ref, err)
	}
	return nil
}

// keyringError adds what to do to an error from reading or writing the
// keyring. Errors that the keyring package already explains, and errors of
// the caller's own function, pass through.
func keyringError(ref keyringRef, err error) error {
	switch {
	case errors.Is(err, keyring.ErrInsecure):
		// The message says who else the mode lets in: its group, or every user.
		return withHint(err, "whoever else could read the file may have the keys: after chmod 600, run 'sesstool keys rotate' (it makes a new primary key and retires the old one), then 'sesstool keys destroy ID --yes' on the old key to reject its tokens at once, or 'sesstool keys prune' once they have expired")
	case errors.Is(err, keyring.ErrCorrupt):
		return withHint(err, "restore the keyring from a backup; sesstool itself never writes a broken keyring")
	case errors.Is(err, keyring.ErrNotRegular):
		return withHint(err, "%s", notRegularHint(ref))
	case errors.Is(err, keyring.ErrOwner):
		return withHint(err, "a key change keeps the keyring's owner and group, so that the service that reads it still can afterwards")
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(ref.path)
		if _, derr := os.Stat(dir); derr != nil && !ref.isDefault {
			return withHint(fmt.Errorf("the directory %s of the %s does not exist", dir, ref.describe()),
				"check the path, or create the directory with mkdir -m 700 %s", dir)
		}
		return withHint(fmt.Errorf("%s does not exist", ref.describe()),
			"create it with '%s', or choose another with --keyring FILE or $%s", ref.initHint(), keyringEnv)
	case errors.Is(err, fs.ErrPermission):
		return withHint(fmt.Errorf("%s: permission denied", ref.describe()),
			"run sesstool as the keyring's owner, or check the permissions of the file and its directory")
	}
	return err
}

// notRegularHint says what to do when the keyring file or its lock file
// is not a regular file; the error from the keyring package says which.
func notRegularHint(ref keyringRef) string {
	if fi, err := os.Stat(ref.path); err == nil && fi.IsDir() {
		return fmt.Sprintf("the keyring is a file, not a directory: give the file's path, such as %s", filepath.Join(ref.path, "keyring.json"))
	}
	if fi, err := os.Lstat(ref.path + ".lock"); err == nil && !fi.Mode().IsRegular() {
		return fmt.Sprintf("remove %s.lock (sesstool creates it again), and keep the keyring in a directory that only its owner can write to", ref.path)
	}
	return "the keyring must be a regular file: check the path; sesstool never reads a named pipe, socket or device as a keyring"
}

// checkKeyringDir warns when the keyring's directory lets other users
// replace the keyring or its lock file.
func (a *app) checkKeyringDir(ref keyringRef) {
	if runtime.GOOS == "windows" {
		return
	}
	dir := filepath.Dir(ref.path)
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm()&0o002 == 0 {
		return
	}
	fmt.Fprintf(a.stderr, "sesstool: warning: the keyring's directory %s is writable by every user, who could replace or lock the keyring: keep keyrings in a private directory (chmod 700)\n", dir)
}
