package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"
)

// ErrNotFound is returned, wrapped or not, by Store.Load for an ID that has
// no session: never saved, deleted, or expired.
var ErrNotFound = errors.New("session: no such session")

// ErrInvalidID is wrapped by the errors that stores return for an ID that
// ValidID rejects. The Manager never passes one; a store checks anyway,
// because an ID may name a file or a key.
var ErrInvalidID = errors.New("session: invalid session ID")

// ErrTooLarge is wrapped by the errors that Manager.Save, Manager.Renew and
// Manager.RenewWith return for a value whose encoding exceeds
// Options.MaxDataSize, or whose cookie would exceed MaxCookieSize (client
// side; nothing is sent), that Manager.Load returns for stored data past
// MaxDataSize, and that the stores in this module return for data past
// their own limits.
var ErrTooLarge = errors.New("session: session data too large")

// A Store keeps session data on the server, by session ID. Implementations
// must be safe for concurrent use, must copy the data they are given and
// return copies, and must treat an expired session as absent.
type Store interface {
	// Load returns the data saved under id, or an error wrapping
	// ErrNotFound if there is none or it has expired.
	Load(ctx context.Context, id string) ([]byte, error)
	// Save stores data under id for ttl (at least one second), replacing
	// what was there and its expiry. The Manager calls it only for a new
	// ID, fresh from NewID.
	Save(ctx context.Context, id string, data []byte, ttl time.Duration) error
	// Update replaces the data and expiry of the live session id, and
	// returns an error wrapping ErrNotFound, storing nothing, if there is
	// none: never saved, deleted, or expired. It must be atomic with
	// respect to Delete: once Delete(id) has returned, no Update(id) that
	// follows or runs concurrently may bring the session back. This is
	// what makes a log-out hold against the requests that loaded the
	// session before it (storetest's UpdateAfterDelete and
	// UpdateRacesDelete check it).
	Update(ctx context.Context, id string, data []byte, ttl time.Duration) error
	// Delete removes the session id. Deleting an ID that has no session is
	// not an error.
	Delete(ctx context.Context, id string) error
}

// IDBytes is the number of random bytes in an ID from NewID.
const IDBytes = 32

// NewID returns a new session ID: 32 bytes from crypto/rand, as 64
// lowercase hexadecimal characters, the form of Ktor ≥ 3.5.0's IDs.
func NewID() string {
	var b [IDBytes]byte
	rand.Read(b[:]) // never fails, and fills b (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// ValidID reports whether id has the form of a session ID: 32 to 128
// lowercase hexadecimal characters. That takes the IDs of every Ktor
// version (32 characters up to 3.4.x, 64 from 3.5.0) and of NewID, and
// nothing that could name a path or a pattern.
func ValidID(id string) bool {
	if len(id) < 32 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// MinTTL is the shortest lifetime a Store accepts.
const MinTTL = time.Second
