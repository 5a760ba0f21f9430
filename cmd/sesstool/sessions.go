package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/session/storeurl"
)

// storeEnv names the store when --store is not given: a Redis URL with a
// password belongs there, not on the command line.
const storeEnv = "SESSTOOL_STORE"

// hashShown is how many hexadecimal characters of an ID's hash list shows.
const hashShown = 12

// sessionsFlags are the flags that every sessions command shares.
type sessionsFlags struct {
	store  string
	prefix string
	maxAge durationValue
}

func newSessionsCmd(a *app) *cobra.Command {
	f := &sessionsFlags{}
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "Operate server-side sessions in a store: list, show, revoke, prune",
		Long: `The sessions commands operate the server-side sessions that a
session.Manager (New) keeps in a directory (session/dirstore) or in Redis
(session/redisstore): list them, show one, revoke one or all those whose
value has a field, and prune a directory's expired sessions.

--store names the store (or $` + storeEnv + `, where a Redis password is
better kept than on the command line):
  dir:PATH                      a dirstore directory
  redis://[USER:PASS@]HOST:PORT/DB
  redis+unix:///PATH[?db=N]     Redis on a Unix socket
--prefix is the Redis key prefix (default "sesstool:session:"); --max-age a
directory store's MaxAge, the service's idle timeout (default 30m).

A session is named by the SHA-256 of its ID, in hexadecimal, as "list"
shows its first 12 characters: sesstool never shows a session ID, which is
a credential. Redis keeps only that hash. Values are shown as JSON: the
session's data, assuming the service uses the JSON codec (the default),
whether the Manager stored a session record or a raw value (RawStore).

Redis is scanned with SCAN, never KEYS, so listing does not block it.`,
		Args: cobra.ArbitraryArgs,
		RunE: groupRun,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.store, "store", "", "the `STORE`: dir:PATH, redis://HOST:PORT/DB or redis+unix:///PATH (default $"+storeEnv+")")
	pf.StringVar(&f.prefix, "prefix", "", "the Redis key `PREFIX` (default \"sesstool:session:\")")
	pf.Var(&f.maxAge, "max-age", "a directory store's MaxAge: the service's idle timeout (default 30m)")
	cmd.AddCommand(
		newSessionsListCmd(a, f),
		newSessionsShowCmd(a, f),
		newSessionsRevokeCmd(a, f),
		newSessionsPruneCmd(a, f),
	)
	return cmd
}

// open opens the store that the flags name.
func (f *sessionsFlags) open(cmd *cobra.Command) (*storeurl.Store, error) {
	spec := f.store
	if spec == "" {
		spec = os.Getenv(storeEnv)
	}
	if spec == "" {
		return nil, &usageError{err: errors.New("no store: pass --store or set $" + storeEnv), cmd: cmd}
	}
	if f.maxAge < 0 {
		return nil, usagef(cmd, "--max-age must be positive")
	}
	storeurl.SilenceRedisLog()
	s, err := storeurl.Open(cmd.Context(), spec, storeurl.Options{Prefix: f.prefix, MaxAge: time.Duration(f.maxAge), Now: now})
	return s, sessionsErr(cmd, err)
}

// sessionsErr makes the errors of storeurl that the command line caused
// usage errors; the others (a store that cannot be read) stay environment
// errors.
func sessionsErr(cmd *cobra.Command, err error) error {
	if errors.Is(err, storeurl.ErrBadSpec) || errors.Is(err, storeurl.ErrNoMatch) || errors.Is(err, storeurl.ErrAmbiguous) {
		return &usageError{err: err, cmd: cmd}
	}
	return err
}

// sessionJSON is the --json form of a listed session.
type sessionJSON struct {
	Hash      string `json:"hash"`
	AgeSec    *int64 `json:"ageSeconds,omitempty"`
	ExpiresIn int64  `json:"expiresInSeconds"`
	Expires   string `json:"expires"`
	Size      int    `json:"size"`
}

func newSessionJSON(e storeurl.Entry) sessionJSON {
	j := sessionJSON{Hash: e.Hash[:hashShown], ExpiresIn: int64(e.ExpiresIn / time.Second), Expires: rfc3339(e.Expires.Truncate(time.Second)), Size: e.Size}
	if e.Age >= 0 {
		age := int64(e.Age / time.Second)
		j.AgeSec = &age
	}
	return j
}

// seconds shows a duration to the second; negative means unknown.
func seconds(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return d.Truncate(time.Second).String()
}

func newSessionsListCmd(a *app, f *sessionsFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the live sessions: hash of the ID, age, time to expiry, size",
		Long: `List prints one line per live session: the first 12 hexadecimal
characters of the SHA-256 of its ID, how long ago it was last written (for
a directory store; "-" for Redis, which does not say), the time left until
it expires, and its size in bytes.`,
		Example: `  sesstool sessions list --store dir:/var/lib/app/sessions
  sesstool sessions list --store redis://localhost:6379/0 --prefix myapp:session: --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			list, err := s.List(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]sessionJSON, 0, len(list))
				for _, e := range list {
					out = append(out, newSessionJSON(e))
				}
				return writeJSON(a.stdout, out)
			}
			for _, e := range list {
				if err := writeLine(a.stdout, fmt.Sprintf("%s  age %s  expires in %s  %d bytes", e.Hash[:hashShown], seconds(e.Age), seconds(max(e.ExpiresIn, 0)), e.Size)); err != nil {
					return err
				}
			}
			a.notef("%d sessions", len(list))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

// showJSON is the output of sessions show.
type showJSON struct {
	sessionJSON
	Format   string          `json:"format"`
	Created  string          `json:"created,omitempty"`
	Touched  string          `json:"touched,omitempty"`
	Remember bool            `json:"remember,omitempty"`
	Data     json.RawMessage `json:"data"`
}

func newSessionsShowCmd(a *app, f *sessionsFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show HASHPREFIX",
		Short: "Show one session's value as JSON",
		Long: `Show prints the value of the one session whose ID's hash begins with
HASHPREFIX (as "list" shows it), as JSON: the session's data, assuming the
service uses the JSON codec. A session record's times are shown too; a raw
value (Options.RawStore) has none. A value that is not JSON (the CBOR codec,
say) is refused.`,
		Example: `  sesstool sessions show 3f2a9c01d4e7 --store dir:/var/lib/app/sessions`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			e, err := s.Find(cmd.Context(), args[0])
			if err != nil {
				return sessionsErr(cmd, err)
			}
			rec, err := s.Load(cmd.Context(), e)
			if err != nil {
				return err
			}
			if !json.Valid(rec.Data) {
				return withHint(errors.New("the session's value is not JSON"), "show assumes the JSON codec; a service using CBOR stores binary values")
			}
			out := showJSON{sessionJSON: newSessionJSON(e), Format: "record", Data: rec.Data, Remember: rec.Remember,
				Created: rfc3339(rec.Created), Touched: rfc3339(rec.Touched)}
			if rec.Raw {
				out.Format = "raw"
			}
			if asJSON {
				return writeJSON(a.stdout, out)
			}
			lines := []string{"hash:     " + out.Hash, "format:   " + out.Format}
			if !rec.Raw {
				lines = append(lines, "created:  "+out.Created, "touched:  "+out.Touched, fmt.Sprintf("remember: %v", rec.Remember))
			}
			lines = append(lines, "expires:  "+out.Expires, fmt.Sprintf("size:     %d bytes", e.Size), "data:     "+string(compactJSON(rec.Data)))
			for _, l := range lines {
				if err := writeLine(a.stdout, l); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object")
	return cmd
}

// compactJSON returns valid JSON on one line.
func compactJSON(b []byte) []byte {
	var out []byte
	if v, err := json.Marshal(json.RawMessage(b)); err == nil {
		out = v
	}
	return out
}

func newSessionsRevokeCmd(a *app, f *sessionsFlags) *cobra.Command {
	var (
		asJSON bool
		where  string
	)
	cmd := &cobra.Command{
		Use:   "revoke (HASHPREFIX | --where FIELD=VALUE)",
		Short: "End one session, or every session whose value has a field",
		Long: `Revoke deletes the one session whose ID's hash begins with HASHPREFIX,
or, with --where FIELD=VALUE, every session whose JSON value has the
top-level field FIELD equal to VALUE (a string equal to it, or a number,
true, false or null written so): after a password change, say,
--where uid=alice. It prints how many sessions it revoked.

A prefix that matches no session, or more than one, is a usage error
(exit code 2) that says how many match; nothing is deleted.`,
		Example: `  sesstool sessions revoke 3f2a9c01d4e7 --store dir:/var/lib/app/sessions
  sesstool sessions revoke --where uid=alice --store redis://localhost:6379/0`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == cmd.Flags().Changed("where") {
				return usagef(cmd, "give either one HASHPREFIX or --where FIELD=VALUE")
			}
			var w storeurl.Where
			if len(args) == 0 {
				var err error
				if w, err = storeurl.ParseWhere(where); err != nil {
					return sessionsErr(cmd, err)
				}
			}
			s, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			n, err := revoke(cmd.Context(), s, args, w)
			if err != nil {
				return sessionsErr(cmd, err)
			}
			if asJSON {
				return writeJSON(a.stdout, map[string]int{"revoked": n})
			}
			return writeLine(a.stdout, fmt.Sprintf("revoked %d", n))
		},
	}
	cmd.Flags().StringVar(&where, "where", "", "revoke every session whose JSON value has `FIELD=VALUE` (a top-level field)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object")
	return cmd
}

// revoke deletes the session args[0] names, or those w matches.
func revoke(ctx context.Context, s *storeurl.Store, args []string, w storeurl.Where) (int, error) {
	if len(args) == 0 {
		return s.RevokeWhere(ctx, w)
	}
	e, err := s.Find(ctx, args[0])
	if err != nil {
		return 0, err
	}
	if err := s.Delete(ctx, e); err != nil {
		return 0, err
	}
	return 1, nil
}

func newSessionsPruneCmd(a *app, f *sessionsFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove a directory store's expired sessions",
		Long: `Prune removes the expired session files of a directory store, and the
directories they leave empty (dirstore's Prune), and prints how many it
removed. Run it from cron. --max-age must be the service's idle timeout.

A Redis store needs no pruning: Redis expires its keys itself. Prune says
so and exits 0.`,
		Example: `  sesstool sessions prune --store dir:/var/lib/app/sessions --max-age 30m`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.open(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			n, err := s.Prune(cmd.Context())
			if errors.Is(err, storeurl.ErrPruneNotNeeded) {
				if asJSON {
					return writeJSON(a.stdout, map[string]any{"pruned": 0, "note": "Redis expires sessions itself"})
				}
				return writeLine(a.stdout, "nothing to prune: Redis expires sessions itself")
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, map[string]int{"pruned": n})
			}
			return writeLine(a.stdout, fmt.Sprintf("pruned %d", n))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object")
	return cmd
}
