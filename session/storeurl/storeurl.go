// Package storeurl opens a server-side session store named by a string,
// and runs the operations of "sesstool sessions" on it: listing sessions
// by the hash of their ID, showing one, revoking one or those whose JSON
// value has a field, and pruning a directory store. It is the library
// behind the command line, usable by other operating tools.
//
// A store is named as one of:
//
//	dir:PATH                     a dirstore directory (it must exist)
//	redis://[USER:PASS@]HOST:PORT/DB
//	rediss://…                   the same, over TLS
//	redis+unix:///PATH[?db=N]    Redis on a Unix socket
//
// Sessions are named by the lowercase hexadecimal SHA-256 of their ID
// (session.IDHash), or a prefix of it, never by the ID itself.
package storeurl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/dirstore"
	"github.com/sesstool/sesstool/session/redisstore"
)

// ErrBadSpec is wrapped by the errors of Open for a store name or option
// that does not parse, and of ParseWhere for a bad condition.
var ErrBadSpec = errors.New("storeurl: bad store specification")

// ErrNoMatch is wrapped by the error of Find when no session's hash begins
// with the prefix given, and ErrAmbiguous when more than one does.
var (
	ErrNoMatch   = errors.New("storeurl: no session matches")
	ErrAmbiguous = errors.New("storeurl: more than one session matches")
)

// ErrPruneNotNeeded is wrapped by the error of Prune on a Redis store:
// Redis expires its keys itself.
var ErrPruneNotNeeded = errors.New("storeurl: Redis expires sessions itself; there is nothing to prune")

// Options configure Open.
type Options struct {
	// Prefix is a Redis store's key prefix; empty means
	// redisstore.DefaultPrefix. It must be empty for a directory store.
	Prefix string
	// MaxAge is a directory store's dirstore.Options.MaxAge: the
	// service's idle timeout. Zero means dirstore.DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// A Store is an opened session store that can enumerate its sessions.
type Store struct {
	// Kind is "dir" or "redis".
	Kind  string
	it    session.Iterable
	dir   *dirstore.Store
	close func() error
	now   func() time.Time
}

// Open opens the store named by spec (see the package documentation). A
// name that does not parse gives an error wrapping ErrBadSpec; a store
// that cannot be reached (a missing directory, a Redis server that does
// not answer PING) another error. Close the Store when done.
func Open(ctx context.Context, spec string, o Options) (*Store, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	switch {
	case strings.HasPrefix(spec, "dir:"):
		path := strings.TrimPrefix(spec, "dir:")
		if path == "" {
			return nil, fmt.Errorf("%w: dir: needs a path, as in dir:/var/lib/app/sessions", ErrBadSpec)
		}
		if o.Prefix != "" {
			return nil, fmt.Errorf("%w: a key prefix is for Redis stores; a directory store has none", ErrBadSpec)
		}
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("storeurl: the session directory %s does not exist", path)
		case err != nil:
			return nil, fmt.Errorf("storeurl: %w", err)
		case !fi.IsDir():
			return nil, fmt.Errorf("storeurl: %s is not a directory", path)
		}
		ds, err := dirstore.New(path, &dirstore.Options{MaxAge: o.MaxAge, Now: now})
		if err != nil {
			return nil, err
		}
		return &Store{Kind: "dir", it: ds, dir: ds, close: ds.Close, now: now}, nil
	case strings.HasPrefix(spec, "redis://"), strings.HasPrefix(spec, "rediss://"), strings.HasPrefix(spec, "redis+unix://"):
		u := spec
		if rest, ok := strings.CutPrefix(spec, "redis+unix://"); ok {
			u = "unix://" + rest
		}
		ro, err := redis.ParseURL(u)
		if err != nil {
			// The URL may hold a password: do not quote it.
			return nil, fmt.Errorf("%w: the Redis URL does not parse (redis://HOST:PORT/DB or redis+unix:///PATH?db=N)", ErrBadSpec)
		}
		ro.MaxRetries = -1   // an operator's command fails at once
		ro.DialerRetries = 1 // rather than retrying a dead server
		client := redis.NewClient(ro)
		if err := client.Ping(ctx).Err(); err != nil {
			client.Close()
			return nil, fmt.Errorf("storeurl: Redis at %s does not answer: %w", ro.Addr, err)
		}
		rs, err := redisstore.New(client, &redisstore.Options{Prefix: o.Prefix})
		if err != nil {
			client.Close()
			return nil, err
		}
		return &Store{Kind: "redis", it: rs, close: client.Close, now: now}, nil
	}
	return nil, fmt.Errorf("%w: want dir:PATH, redis://HOST:PORT/DB or redis+unix:///PATH", ErrBadSpec)
}

// Close releases the store.
func (s *Store) Close() error { return s.close() }

// Iterable returns the underlying store.
func (s *Store) Iterable() session.Iterable { return s.it }

// An Entry is a session as List and Find report it.
type Entry struct {
	session.Entry
	// Age is how long ago the session was last written, if known (dir);
	// -1 otherwise.
	Age time.Duration
	// ExpiresIn is the time left until the store drops it.
	ExpiresIn time.Duration
}

func (s *Store) entry(e session.Entry, now time.Time) Entry {
	x := Entry{Entry: e, Age: -1, ExpiresIn: e.Expires.Sub(now)}
	if s.dir == nil {
		// Redis gives a TTL, which redisstore turned into a time by the
		// system clock: express it on the clock of Options.Now.
		x.ExpiresIn = time.Until(e.Expires)
		x.Expires = now.Add(x.ExpiresIn)
	}
	if !e.Modified.IsZero() {
		x.Age = now.Sub(e.Modified)
	}
	return x
}

// List returns the live sessions, sorted by hash.
func (s *Store) List(ctx context.Context) ([]Entry, error) {
	now := s.now()
	var out []Entry
	err := s.it.Range(ctx, func(e session.Entry) error {
		out = append(out, s.entry(e, now))
		return nil
	})
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Hash, b.Hash) })
	return out, err
}

// ValidHashPrefix reports whether p can begin a hash: 1 to 64 lowercase
// hexadecimal characters.
func ValidHashPrefix(p string) bool {
	if p == "" || len(p) > 64 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Find returns the one session whose hash begins with prefix. It returns
// an error wrapping ErrBadSpec for a prefix that is not hexadecimal,
// ErrNoMatch if none does, and ErrAmbiguous, with the count, if several
// do.
func (s *Store) Find(ctx context.Context, prefix string) (Entry, error) {
	prefix = strings.ToLower(prefix)
	if !ValidHashPrefix(prefix) {
		return Entry{}, fmt.Errorf("%w: a session is named by the hexadecimal hash that 'list' shows, or a prefix of it", ErrBadSpec)
	}
	now := s.now()
	var found []Entry
	err := s.it.Range(ctx, func(e session.Entry) error {
		if strings.HasPrefix(e.Hash, prefix) {
			found = append(found, s.entry(e, now))
		}
		return nil
	})
	switch {
	case err != nil:
		return Entry{}, err
	case len(found) == 0:
		return Entry{}, fmt.Errorf("%w: no session's hash begins with %s", ErrNoMatch, prefix)
	case len(found) > 1:
		return Entry{}, fmt.Errorf("%w: %d sessions' hashes begin with %s; give more characters", ErrAmbiguous, len(found), prefix)
	}
	return found[0], nil
}

// Load returns the record of the session e.
func (s *Store) Load(ctx context.Context, e Entry) (session.Record, error) {
	b, err := s.it.LoadKey(ctx, e.Key)
	if err != nil {
		return session.Record{}, err
	}
	return session.ParseRecord(b), nil
}

// Delete deletes the session e.
func (s *Store) Delete(ctx context.Context, e Entry) error {
	return s.it.DeleteKey(ctx, e.Key)
}

// A Where is a condition on a session's value: its top-level JSON field
// Field equals Value.
type Where struct{ Field, Value string }

// ParseWhere parses FIELD=VALUE.
func ParseWhere(s string) (Where, error) {
	f, v, ok := strings.Cut(s, "=")
	if !ok || f == "" {
		return Where{}, fmt.Errorf("%w: --where wants FIELD=VALUE, as in uid=alice", ErrBadSpec)
	}
	return Where{Field: f, Value: v}, nil
}

// Match reports whether data, a JSON object, has the top-level field
// w.Field equal to w.Value: a JSON string equal to it, or another JSON
// value (number, true, false, null) whose text is it. Data that is not a
// JSON object never matches.
func (w Where) Match(data []byte) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return false
	}
	raw, ok := obj[w.Field]
	if !ok {
		return false
	}
	var str string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
		return str == w.Value
	}
	var compact bytes.Buffer
	if json.Compact(&compact, raw) != nil {
		return false
	}
	return compact.String() == w.Value
}

// RevokeWhere deletes every session whose data (the record's, or a raw
// value) w matches, and returns how many it deleted.
func (s *Store) RevokeWhere(ctx context.Context, w Where) (n int, err error) {
	err = s.it.Range(ctx, func(e session.Entry) error {
		b, err := s.it.LoadKey(ctx, e.Key)
		switch {
		case errors.Is(err, session.ErrNotFound):
			return nil
		case err != nil:
			return err
		}
		if !w.Match(session.ParseRecord(b).Data) {
			return nil
		}
		if err := s.it.DeleteKey(ctx, e.Key); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// Prune removes a directory store's expired sessions (dirstore's Prune).
// On Redis it returns an error wrapping ErrPruneNotNeeded.
func (s *Store) Prune(ctx context.Context) (int, error) {
	if s.dir == nil {
		return 0, ErrPruneNotNeeded
	}
	return s.dir.Prune(ctx)
}

// quietLogger drops go-redis's log lines.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// SilenceRedisLog stops go-redis from logging to the standard error, for
// the whole process: a command line reports the errors that Open and the
// Store's methods return, and go-redis's own lines would repeat them.
func SilenceRedisLog() { redis.SetLogger(quietLogger{}) }
