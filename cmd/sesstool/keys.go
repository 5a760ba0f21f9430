package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sesstool/sesstool/keyring"
)

func newKeysCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the keyring: init, rotate, add, promote, list, retire, destroy, prune, import, export",
		Long: `The keys commands manage a keyring file. Exactly one key is primary and
mints new tokens; active keys verify and wait to be promoted; retired keys
verify the tokens they sealed until those expire; destroyed keys verify
nothing.

Every change is written atomically (a new file renamed over the old), with
mode 0600, under an exclusive lock, so concurrent runs never lose a change.
sesstool refuses a keyring that other users can read, and warns when its
directory is writable by every user. No command ever prints a secret.

Rotation on one server: "keys rotate". With several servers sharing a
keyring, rotate in two phases, so that no server sees a token from a key it
does not have yet:
  1. "keys add" creates an active key, and prints its ID; distribute the
     keyring to every server;
  2. "keys promote ID" makes it primary and retires the old primary;
     distribute again;
  3. "keys prune", run on a schedule, removes retired keys once no token
     they sealed can still be live.`,
		Args: cobra.ArbitraryArgs,
		RunE: groupRun,
	}
	addKeyringFlag(cmd, true, &a.keyringFlag)
	// Under "keys", an unexpected word may be a key typed on the command
	// line: the flag parser's errors must not quote it either.
	cmd.SetFlagErrorFunc(keysFlagError)
	cmd.AddCommand(
		newKeysInitCmd(a),
		newKeysRotateCmd(a),
		newKeysAddCmd(a),
		newKeysPromoteCmd(a),
		newKeysListCmd(a),
		newKeysRetireCmd(a),
		newKeysDestroyCmd(a),
		newKeysPruneCmd(a),
		newKeysImportCmd(a),
		newKeysExportCmd(a),
	)
	return cmd
}

// keyJSON is the --json form of a key. It never holds a secret.
type keyJSON struct {
	ID         string            `json:"id"`
	Algorithm  string            `json:"algorithm"`
	State      string            `json:"state"`
	Created    string            `json:"created"`
	Retired    string            `json:"retired,omitempty"`
	Destroyed  string            `json:"destroyed,omitempty"`
	KtorLayout string            `json:"ktorLayout,omitempty"`
	Options    map[string]string `json:"options,omitempty"`
}

func newKeyJSON(k keyring.Key) keyJSON {
	return keyJSON{
		ID:         k.ID.String(),
		Algorithm:  string(k.Algorithm),
		State:      k.State.String(),
		Created:    rfc3339(k.Created),
		Retired:    rfc3339(k.Retired),
		Destroyed:  rfc3339(k.Destroyed),
		KtorLayout: string(k.KtorLayout),
		Options:    optionsJSON(k.Options),
	}
}

// optionsJSON is the --json form of a key's options: nil for none.
func optionsJSON(o keyring.Options) map[string]string {
	if o.Len() == 0 {
		return nil
	}
	return o.Map()
}

// printKey prints a key: its ID alone, or its JSON form.
func (a *app) printKey(k keyring.Key, asJSON bool) error {
	if asJSON {
		return writeJSON(a.stdout, newKeyJSON(k))
	}
	return writeLine(a.stdout, k.ID.String())
}

// notef tells a person at a terminal what happened; scripts get the data
// on stdout and the exit code.
func (a *app) notef(format string, args ...any) {
	if a.stderrTTY {
		fmt.Fprintf(a.stderr, "sesstool: "+format+"\n", args...)
	}
}

// parseAlg parses --alg; empty means keyring.Default. With generated set,
// only algorithms whose keys sesstool can generate are accepted.
func parseAlg(cmd *cobra.Command, s string, generated bool) (keyring.Algorithm, error) {
	if s == "" {
		return keyring.Default, nil
	}
	alg, err := keyring.ParseAlgorithm(s)
	if err != nil {
		// keyring's message lists every algorithm, too many for a line.
		list := "sesstool's own: " + algNames(keyring.GeneratedAlgorithms()) + "; 'sesstool keys import --help' lists those of Ktor and other frameworks"
		if generated {
			list = "the algorithms of new keys: " + algNames(keyring.GeneratedAlgorithms())
		}
		if echoable(s) {
			err = fmt.Errorf("keyring: unknown algorithm %q (%s)", s, list)
		} else {
			err = fmt.Errorf("unknown algorithm (the --alg value is not shown); %s", list)
		}
	}
	if err != nil {
		return "", &usageError{err: err, cmd: cmd}
	}
	if generated && !slices.Contains(keyring.GeneratedAlgorithms(), alg) {
		return "", &usageError{err: fmt.Errorf("keys of algorithm %s cannot be generated", alg), cmd: cmd,
			hint: "import them with 'sesstool keys import --alg " + string(alg) + "'"}
	}
	return alg, nil
}

func algNames(as []keyring.Algorithm) string {
	return strings.Join(names(as), ", ")
}

func names(as []keyring.Algorithm) []string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return s
}

// addAlgFlag adds --alg with completion of the algorithms that apply.
func addAlgFlag(cmd *cobra.Command, v *string, generated bool) {
	list := keyring.Algorithms()
	usage := "the key's `ALGORITHM`: one of sesstool's own (" + algNames(keyring.GeneratedAlgorithms()) + "; default " + string(keyring.Default) + "), or a Ktor or other framework's algorithm, listed above"
	if generated {
		list = keyring.GeneratedAlgorithms()
		usage = "the new key's `ALGORITHM`: " + algNames(list) + " (default " + string(keyring.Default) + ")"
	}
	cmd.Flags().StringVar(v, "alg", "", usage)
	_ = cmd.RegisterFlagCompletionFunc("alg", cobra.FixedCompletions(names(list), cobra.ShellCompDirectiveNoFileComp))
}

// parseKeyID parses a key ID argument.
func parseKeyID(cmd *cobra.Command, s string) (keyring.ID, error) {
	id, err := keyring.ParseID(strings.ToLower(s))
	if err != nil {
		return 0, &usageError{err: err, cmd: cmd, hint: "'sesstool keys list' shows the key IDs"}
	}
	return id, nil
}

// completeKeyIDs completes the IDs of the keyring's keys in the given
// states, when the keyring can be read.
func (a *app) completeKeyIDs(states ...keyring.State) cobra.CompletionFunc {
	return a.completeKeys(func(k keyring.Key) bool { return slices.Contains(states, k.State) })
}

// completeKeys completes the IDs of the keyring's keys that ok accepts.
func (a *app) completeKeys(ok func(keyring.Key) bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ref, err := a.resolveKeyring(a.keyringFlag)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		r, err := keyring.Load(ref.path)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for k := range r.Keys() {
			if ok(k) {
				out = append(out, cobra.CompletionWithDesc(k.ID.String(), string(k.Algorithm)+" "+k.State.String()))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// keyArgHint says how to pass a key, for the refusals of arguments.
const keyArgHint = "keys are never taken from the command line, where ps and shell history see them: pass a key on stdin or in a file, as in 'sesstool keys import < key.hex' or 'sesstool keys import --from FILE'"

// keysNoArgs is cobra.NoArgs for the keys commands: cobra's says
// `unknown command "…"`, and under "keys" an unexpected argument may well be
// a key. It quotes only words that cannot be one (see echoable), and never
// the arguments of "keys import", which reads keys.
func keysNoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.Name() != "import" && !slices.ContainsFunc(args, func(w string) bool { return !echoable(w) }) {
		return usageArgs(cobra.NoArgs)(cmd, args)
	}
	return &usageError{err: fmt.Errorf("'%s' takes no arguments, and got %d (not shown, in case it is a key)", cmd.CommandPath(), len(args)),
		cmd: cmd, hint: keyArgHint}
}

// keysFlagError is flagError for the keys commands: a flag error that would
// quote a word that could be a key (say a base64url key starting with "-")
// says what went wrong without it.
func keysFlagError(cmd *cobra.Command, err error) error {
	var words []string
	what := "bad flag"
	if e, ok := errors.AsType[*pflag.NotExistError](err); ok {
		words, what = []string{e.GetSpecifiedName(), e.GetSpecifiedShortnames()}, "unknown flag"
	} else if e, ok := errors.AsType[*pflag.ValueRequiredError](err); ok {
		words, what = []string{e.GetSpecifiedName(), e.GetSpecifiedShortnames()}, "flag without its value"
	} else if e, ok := errors.AsType[*pflag.InvalidValueError](err); ok {
		words, what = []string{e.GetValue()}, "invalid value for --"+e.GetFlag().Name
	} else if e, ok := errors.AsType[*pflag.InvalidSyntaxError](err); ok {
		words = []string{e.GetSpecifiedFlag()}
	}
	if !slices.ContainsFunc(words, func(w string) bool { return !echoable(w) }) {
		return flagError(cmd, err)
	}
	return &usageError{err: fmt.Errorf("%s (not shown, in case it is a key)", what), cmd: cmd, hint: keyArgHint}
}

// echoable reports whether a word of the command line may be quoted in a
// message: at most 20 lowercase letters, digits and dashes, as the command
// names, flag names and flag values of the keys commands are. A key of the
// sizes sesstool accepts without --allow-short-key (16 bytes or more) is
// longer in hexadecimal (32 digits) and in base64 (22 characters).
func echoable(s string) bool {
	if len(s) > 20 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || c == '-' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// errUnchanged is returned by an update function that has nothing to write.
var errUnchanged = errors.New("unchanged")
