// Package redisstore is a [session.Store] kept in Redis, for services that
// run as several instances and must share their sessions, or keep them
// across restarts. Use it in place of [session.MemoryStore] once more than
// one process serves the same users.
//
// Construct it from any go-redis client (a [redis.Client], a
// [redis.ClusterClient] or a [redis.Ring]; the store uses only single-key
// commands, so sessions spread over a Cluster's shards):
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	store, err := redisstore.New(client, &redisstore.Options{Prefix: "myapp:session:"})
//
// The store does not own the client: close it yourself when you are done.
//
// # Keys
//
// A session is one Redis string. Its key is [Options.Prefix] followed by the
// lowercase hexadecimal SHA-256 of the session ID, never the ID itself. The
// cookie carries the ID and the store only its hash, so an RDB dump, an AOF
// file, a replica, the output of MONITOR or the slow log holds no ID that
// could be replayed as a cookie. A plain, unsalted hash is enough for this:
// an ID from [session.NewID] carries 256 random bits and one from Ktor at
// least 128, far too many to find an ID from its hash by guessing.
//
// The session data is stored as given. Hashing the key hides the IDs, not
// what the sessions contain: if the data is sensitive, encrypt it before it
// reaches the store, and protect the Redis server (ACLs, TLS) as you would
// any database.
//
// Give each application and environment its own prefix, so that they cannot
// read or overwrite each other's sessions when they share a server.
//
// # Expiry
//
// Save sets the key with its TTL in the same command (SET … PX, in
// milliseconds, or EX for a whole number of seconds), and Redis removes the
// session when it runs out; nothing in the store sweeps. Expiry
// therefore follows the Redis server's clock, not the caller's.
//
// # Limits
//
// Save refuses, and Load rejects, a session longer than [Options.MaxData]
// bytes, with an error wrapping [session.ErrTooLarge]. The check on Load guards
// against a value that something other than this store wrote under the
// prefix.
//
// # Errors
//
// A handler must tell three outcomes apart, and the errors make that a
// matter of [errors.Is]:
//
//   - [session.ErrNotFound]: Redis answered, and there is no session under
//     the ID (never saved, deleted, or expired). Treat the client as logged
//     out.
//   - [ErrUnavailable]: Redis did not answer, or answered that it cannot
//     serve now; the session may well exist. Answer 503 Service Unavailable
//     (perhaps with Retry-After), never "no session": a user must not be
//     logged out, or handed a fresh session, because Redis restarted.
//   - anything else is a fault to log and answer with 500: a key of the
//     wrong type under the prefix, an ACL that forbids the commands, a
//     session over [Options.MaxData] ([session.ErrTooLarge]). When the
//     caller's own context has ended, the error is not ErrUnavailable
//     whatever went wrong: the caller gave up, and its context's Err says
//     why.
//
// An error never wraps both ErrNotFound and ErrUnavailable, and a failure
// to reach Redis is never reported as ErrNotFound.
package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesstool/sesstool/session"
)

// ErrUnavailable is wrapped by the errors of Load, Save, Update and Delete
// when Redis could not be asked: the connection could not be made, broke, or
// timed out, the client's pool was exhausted or closed, or the server
// answered that it cannot serve for now (LOADING, READONLY, MASTERDOWN,
// CLUSTERDOWN, TRYAGAIN, NOREPLICAS, OOM, or too many clients). The
// outcome of a write that fails so is unknown: it may have been applied.
// Map it to 503 Service Unavailable. It is not wrapped when the caller's
// context ended; see the package documentation, "Errors".
var ErrUnavailable = errors.New("session: redisstore: Redis is unavailable")

// DefaultPrefix is the key prefix used when Options.Prefix is empty.
const DefaultPrefix = "sesstool:session:"

// DefaultMaxData is the largest session, in bytes, accepted when
// Options.MaxData is zero: 64 KiB.
const DefaultMaxData = 64 << 10

// Options configure a Store. The zero value, or a nil *Options, is usable.
type Options struct {
	// Prefix begins every key the store writes. Empty means DefaultPrefix.
	// End it with a separator, and make it distinct for each application
	// and environment that shares a Redis server.
	Prefix string
	// MaxData is the largest session, in bytes, that Save accepts and Load
	// returns. Zero means DefaultMaxData; it must not be negative.
	MaxData int
}

// Store is a session.Store backed by Redis. It is safe for concurrent use,
// as long as the client is.
type Store struct {
	client  redis.UniversalClient
	prefix  string
	maxData int
}

var _ session.Store = (*Store)(nil)

// New returns a Store that keeps sessions in Redis through client. o may be
// nil. New does not contact the server.
func New(client redis.UniversalClient, o *Options) (*Store, error) {
	if isNil(client) {
		return nil, errors.New("session: redisstore: the Redis client is nil; pass one made by redis.NewClient or redis.NewClusterClient")
	}
	s := &Store{client: client, prefix: DefaultPrefix, maxData: DefaultMaxData}
	if o != nil {
		if o.Prefix != "" {
			s.prefix = o.Prefix
		}
		if o.MaxData < 0 {
			return nil, fmt.Errorf("session: redisstore: Options.MaxData is %d; use a positive size in bytes, or 0 for the default of %d", o.MaxData, DefaultMaxData)
		}
		if o.MaxData > 0 {
			s.maxData = o.MaxData
		}
	}
	return s, nil
}

// isNil reports whether c is nil, or an interface holding a nil pointer
// such as a (*redis.Client)(nil), which would panic on first use.
func isNil(c redis.UniversalClient) bool {
	if c == nil {
		return true
	}
	v := reflect.ValueOf(c)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// key returns the Redis key of the session id: the prefix and the hex
// SHA-256 of id, so that the server never holds a usable ID.
func (s *Store) key(id string) string {
	sum := sha256.Sum256([]byte(id))
	return s.prefix + hex.EncodeToString(sum[:])
}

// checkID returns an error wrapping session.ErrInvalidID if id is not a
// valid session ID. The message gives its length, never the ID.
func checkID(id string) error {
	if !session.ValidID(id) {
		return fmt.Errorf("%w: %d characters; want 32 to 128 lowercase hexadecimal characters, as from session.NewID", session.ErrInvalidID, len(id))
	}
	return nil
}

// Load implements session.Store. It returns an error wrapping
// session.ErrNotFound if there is no session under id, and one wrapping
// session.ErrTooLarge if the stored value is longer than Options.MaxData.
func (s *Store) Load(ctx context.Context, id string) ([]byte, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	val, err := s.client.Get(ctx, s.key(id)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, session.ErrNotFound
	}
	if err != nil {
		return nil, wrapErr(ctx, "load", err)
	}
	if len(val) > s.maxData {
		return nil, fmt.Errorf("%w: the stored value has %d bytes, more than Options.MaxData (%d); delete the key or raise MaxData", session.ErrTooLarge, len(val), s.maxData)
	}
	// Converting the string copies it: the caller owns the result. (The
	// client's StringCmd.Bytes would instead alias the string's memory.)
	return []byte(val), nil
}

// Save implements session.Store. It sets the session's key to data with a
// Redis TTL of ttl, which must be at least session.MinTTL. Data longer than
// Options.MaxData is refused with an error wrapping session.ErrTooLarge, and the
// session already under id, if any, is left as it was.
func (s *Store) Save(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	if err := s.checkWrite(id, data, ttl); err != nil {
		return err
	}
	// SET key data PX ttl (or EX for whole seconds): it replaces the value
	// and its expiry in one command.
	if err := s.client.Set(ctx, s.key(id), data, ttl).Err(); err != nil {
		return wrapErr(ctx, "save", err)
	}
	return nil
}

// checkWrite returns the error for arguments that Save and Update refuse.
func (s *Store) checkWrite(id string, data []byte, ttl time.Duration) error {
	if err := checkID(id); err != nil {
		return err
	}
	if ttl < session.MinTTL {
		return fmt.Errorf("session: redisstore: TTL %v is shorter than the minimum of %v; use a longer one", ttl, session.MinTTL)
	}
	if len(data) > s.maxData {
		return fmt.Errorf("%w: %d bytes, more than Options.MaxData (%d); store less in the session or raise MaxData", session.ErrTooLarge, len(data), s.maxData)
	}
	return nil
}

// Update implements session.Store. It sets the key only if it exists (SET
// … XX, one command), so a session that Delete removed, or that Redis
// expired, stays gone.
func (s *Store) Update(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	if err := s.checkWrite(id, data, ttl); err != nil {
		return err
	}
	err := s.client.SetArgs(ctx, s.key(id), data, redis.SetArgs{Mode: "XX", TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return session.ErrNotFound
	}
	if err != nil {
		return wrapErr(ctx, "update", err)
	}
	return nil
}

// Delete implements session.Store. Deleting an ID that has no session is
// not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := s.client.Del(ctx, s.key(id)).Err(); err != nil {
		return wrapErr(ctx, "delete", err)
	}
	return nil
}

// wrapErr returns the error of a failed command, err, for the operation op
// ("load", "save", ...), wrapping ErrUnavailable if unavailable(ctx, err).
func wrapErr(ctx context.Context, op string, err error) error {
	if unavailable(ctx, err) {
		return fmt.Errorf("%w: failed to %s session: %w", ErrUnavailable, op, err)
	}
	return fmt.Errorf("session: redisstore: failed to %s session: %w", op, err)
}

// unavailable reports whether err, from a command sent with ctx, means that
// Redis could not serve it, rather than that the caller gave up or that the
// server refused the command itself.
func unavailable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		// The caller's deadline or cancellation: its own error says so.
		return false
	}
	var reply redis.Error
	if !errors.As(err, &reply) {
		// No reply from the server: dialing failed, the connection broke
		// or timed out, or the pool had no connection to give.
		return true
	}
	// Replies that say "not now" rather than "not this command".
	return redis.IsLoadingError(err) || redis.IsReadOnlyError(err) ||
		redis.IsMasterDownError(err) || redis.IsClusterDownError(err) ||
		redis.IsTryAgainError(err) || redis.IsNoReplicasError(err) ||
		redis.IsOOMError(err) || redis.IsMaxClientsError(err)
}
