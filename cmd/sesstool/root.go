package main

// User-interface rules of sesstool, which every command follows:
//
//   - Data goes to stdout, and only data: tokens, payloads, key IDs, JSON.
//   - Diagnostics go to stderr, one line each, prefixed "sesstool: error: ",
//     "sesstool: warning: " or "sesstool: hint: ", lowercase, with no final
//     period. Only Main prints errors, once, through report.
//   - Confirmations meant for people ("sesstool: rotated …") go to stderr,
//     and only when stderr is a terminal.
//   - Secrets never reach stdout or stderr, and keys never come from argv.
//   - The exit code says what happened; exitCode is the one place that maps
//     errors to codes.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Exit codes. They are a contract with scripts: see rootLong.
const (
	exitOK       = 0 // success; verify: the token is valid
	exitRejected = 1 // a token was rejected: invalid, expired or not yet valid
	exitUsage    = 2 // bad flags or arguments, or an operation the keyring's state forbids
	exitEnv      = 3 // keyring missing, unreadable, insecure or corrupt; I/O failure
)

const rootLong = `sesstool mints, opens, verifies and inspects session tokens, and manages the
keyring of keys that seal them: one primary key mints, older keys keep
verifying until no token sealed under them can still be live. It reads and
writes the session cookies of Ktor's Sessions plugin too, with a Ktor
service's keys imported into the keyring ("keys import --alg ktor-…").

Start with "sesstool demo", which needs nothing set up.

The keyring file is --keyring FILE, else $SESSTOOL_KEYRING, else
keyring.json in the sesstool folder of the user's config directory
(e.g. ~/.config/sesstool/keyring.json). It must be readable by its owner
only (chmod 600); with SESSTOOL_ALLOW_READABLE_KEYRING=1, commands that only
read it accept a read-only mount that others can read, such as a Kubernetes
Secret volume. Keys never come from the command line.

Tokens and payloads come from an argument, or from stdin when the argument
is "-" or absent.

Exit codes:
  0  ok (verify: the token is valid)
  1  token rejected: invalid, expired or not yet valid (the message says which)
  2  usage error: unknown flag or command, wrong arguments, bad input such
     as an invalid JSON payload, or a key change the keyring's state forbids
     (e.g. retiring the primary key)
  3  environment error: keyring missing, unreadable, insecure or corrupt;
     a keyring that already exists (keys init); any I/O failure

Errors are one line on stderr, "sesstool: error: …", often followed by a
"sesstool: hint: …" line that says what to do.`

// version is the release version, set at link time with
// -ldflags "-X main.version=v1.2.3"; empty means "ask the build info".
var version = ""

// testOnlyNow, when not nil, replaces the clock. Only tests set it (see
// applyTestHooks in sesstool_test.go); production code reads no environment
// variable for it.
var testOnlyNow func() time.Time

// now returns the current time, truncated to whole seconds as tokens and
// keyrings store it.
func now() time.Time {
	if testOnlyNow != nil {
		return testOnlyNow()
	}
	return time.Now()
}

// app is what every command needs from its surroundings, so that tests can
// run commands in process with buffers for stdin, stdout and stderr.
type app struct {
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	stdinFile *os.File // stdin, when it is a file (for terminal checks); else nil
	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	getenv    func(string) string
	configDir func() (string, error)

	// keyringFlag is the root's persistent --keyring flag: empty unless
	// given (see resolveKeyring for the fallbacks).
	keyringFlag string
}

// Main runs sesstool with the process's arguments and standard streams and
// returns the exit code.
func Main() int {
	a := &app{
		stdin:     os.Stdin,
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		stdinFile: os.Stdin,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		getenv:    os.Getenv,
		configDir: os.UserConfigDir,
	}
	return a.run(os.Args[1:])
}

// run executes one command line and returns its exit code, having printed
// any error.
func (a *app) run(args []string) (code int) {
	defer func() {
		// A bug must not print a stack trace full of internals: say what
		// happened in one line, as for any other error.
		if r := recover(); r != nil {
			code = a.report(withHint(fmt.Errorf("internal error: %v", r),
				"this is a bug in sesstool: please report it with the command that caused it"))
		}
	}()
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.Execute()
	return a.report(err)
}

// report prints err, if any, as one error line and its hints, and returns
// the exit code for it.
func (a *app) report(err error) int {
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if se, ok := errors.AsType[*silentError](err); ok {
		return se.code
	}
	fmt.Fprintf(a.stderr, "sesstool: error: %s\n", oneLine(err.Error()))
	for _, h := range hints(err) {
		fmt.Fprintf(a.stderr, "sesstool: hint: %s\n", oneLine(h))
	}
	return code
}

// exitCode maps an error to the exit code: the one place that does.
func exitCode(err error) int {
	if se, ok := errors.AsType[*silentError](err); ok {
		return se.code
	}
	if _, ok := errors.AsType[*usageError](err); ok {
		return exitUsage
	}
	switch {
	case errors.Is(err, token.ErrInvalid), errors.Is(err, token.ErrExpired), errors.Is(err, token.ErrNotYetValid):
		return exitRejected
	case errors.Is(err, keyring.ErrNotFound), errors.Is(err, keyring.ErrState), errors.Is(err, keyring.ErrAlgorithm):
		// The key ID or the requested change does not fit the keyring:
		// the command line asked for something that cannot be done.
		return exitUsage
	}
	// keyring.ErrCorrupt, ErrInsecure, ErrExists, file system and I/O
	// errors, and anything unexpected.
	return exitEnv
}

// oneLine keeps an error message on one line, whatever it quotes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
	// A message quoting a huge argument (cobra's "unknown command %q", say)
	// would bury the point: keep the line readable.
	if len(s) > maxMessage {
		s = strings.ToValidUTF8(s[:maxMessage], "") + "… (message cut)"
	}
	return s
}

// maxMessage is the longest diagnostic line, in bytes, before it is cut.
const maxMessage = 400

// usageError is a mistake in the command line or its input: exit code 2.
// Its hint shows the command's usage line.
type usageError struct {
	err  error
	cmd  *cobra.Command // may be nil
	hint string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error for cmd.
func usagef(cmd *cobra.Command, format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), cmd: cmd}
}

// hintError adds a hint to an error without changing its exit code.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// withHint returns err with a hint line; nil stays nil.
func withHint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &hintError{err: err, hint: fmt.Sprintf(format, args...)}
}

// silentError ends the command with an exit code and prints nothing: the
// command has already said what went wrong (batch summaries).
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// hints collects the hints of err's chain, outermost first.
func hints(err error) []string {
	var hs []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch e := e.(type) {
		case *hintError:
			hs = append(hs, e.hint)
		case *usageError:
			if e.hint != "" {
				hs = append(hs, e.hint)
			}
			if e.cmd != nil {
				hs = append(hs, fmt.Sprintf("Usage: %s (see '%s --help')", e.cmd.UseLine(), e.cmd.CommandPath()))
			}
		}
	}
	return hs
}

// flagError turns the flag parser's errors into usage errors.
func flagError(cmd *cobra.Command, err error) error {
	return &usageError{err: err, cmd: cmd}
}

// usageArgs wraps a cobra argument validator so that its errors are usage
// errors.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &usageError{err: err, cmd: cmd}
		}
		return nil
	}
}

// groupRun is the RunE of commands that only group others: without
// arguments it shows help; an unknown subcommand is a usage error, so that a
// typo in a cron job fails instead of printing help and exiting 0.
func groupRun(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	if !echoable(args[0]) {
		// Anything but a plausible command name may be a key or a token
		// typed in the wrong place: it is not repeated (issue 10, item 6).
		return &usageError{err: fmt.Errorf("unknown command for '%s' (not shown, in case it is a key)", cmd.CommandPath()),
			cmd: cmd, hint: keyArgHint}
	}
	err := &usageError{err: fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath()), cmd: cmd}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		err.hint = "did you mean " + strings.Join(s, " or ") + "?"
	}
	return err
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "sesstool",
		Short:         "Mint, open, verify and inspect session tokens; manage their keys",
		Long:          rootLong,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE:          groupRun,
		Example: `  sesstool demo
  sesstool keys init
  sesstool mint --purpose login --ttl 1h '{"uid":"alice"}' > tok
  sesstool open --purpose login < tok
  sesstool inspect 'Cookie: session=AQ…'`,
	}
	addKeyringFlag(root, true, &a.keyringFlag)
	root.SetVersionTemplate("sesstool {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.CompletionOptions.HiddenDefaultCmd = false
	root.AddCommand(
		newKeysCmd(a),
		newMintCmd(a),
		newOpenCmd(a),
		newVerifyCmd(a),
		newInspectCmd(a),
		newRewrapCmd(a),
		newSessionsCmd(a),
		newDemoCmd(a),
		newVersionCmd(a),
	)
	// Completion is cobra's; create it now so that the reference docs list
	// it. Its commands capture the output stream when created.
	if a.stdout != nil {
		root.SetIn(a.stdin)
		root.SetOut(a.stdout)
		root.SetErr(a.stderr)
	}
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			// "sesstool completion tcsh" is a usage error, not help.
			c.Args, c.RunE = cobra.ArbitraryArgs, groupRun
		}
	}
	return root
}
