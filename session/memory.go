package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrFull is wrapped by the error that MemoryStore.Save returns when the
// store holds MaxSessions live sessions and the ID is not one of them.
var ErrFull = errors.New("session: the store is full")

// MemoryOptions configure a MemoryStore. The zero value is usable.
type MemoryOptions struct {
	// MaxSessions bounds the number of sessions held; Save of a new ID
	// beyond it first drops expired sessions, then fails with ErrFull.
	// Zero means DefaultMaxSessions.
	MaxSessions int
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// DefaultMaxSessions is the default bound of a MemoryStore.
const DefaultMaxSessions = 100_000

// MemoryStore is a Store in the process's memory: for tests, development
// and single-instance services whose sessions may be lost on restart. It is
// bounded (see MemoryOptions.MaxSessions) and drops expired sessions as it
// meets them.
type MemoryStore struct {
	mu      sync.Mutex
	m       map[string]memEntry
	max     int
	now     func() time.Time
	nextGC  int // Save sweeps expired sessions when len(m) reaches it
	minNext int
}

type memEntry struct {
	data    []byte
	expires time.Time
}

// NewMemoryStore returns an empty MemoryStore. o may be nil.
func NewMemoryStore(o *MemoryOptions) *MemoryStore {
	s := &MemoryStore{m: make(map[string]memEntry), max: DefaultMaxSessions, now: time.Now}
	if o != nil {
		if o.MaxSessions > 0 {
			s.max = o.MaxSessions
		}
		if o.Now != nil {
			s.now = o.Now
		}
	}
	s.minNext = min(1024, s.max)
	s.nextGC = s.minNext
	return s
}

// Load implements Store.
func (s *MemoryStore) Load(_ context.Context, id string) ([]byte, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("%w: %d characters", ErrInvalidID, len(id))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok {
		return nil, ErrNotFound
	}
	if !s.now().Before(e.expires) {
		delete(s.m, id)
		return nil, ErrNotFound
	}
	return append([]byte(nil), e.data...), nil
}

// Save implements Store.
func (s *MemoryStore) Save(_ context.Context, id string, data []byte, ttl time.Duration) error {
	if !ValidID(id) {
		return fmt.Errorf("%w: %d characters", ErrInvalidID, len(id))
	}
	if ttl < MinTTL {
		return fmt.Errorf("session: TTL %v is shorter than %v", ttl, MinTTL)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if _, ok := s.m[id]; !ok {
		if len(s.m) >= s.nextGC || len(s.m) >= s.max {
			s.sweep(now)
		}
		if len(s.m) >= s.max {
			return fmt.Errorf("%w: %d live sessions", ErrFull, len(s.m))
		}
	}
	s.m[id] = memEntry{data: append([]byte(nil), data...), expires: now.Add(ttl)}
	return nil
}

// sweep drops expired sessions, and sets when to sweep next: when the map
// has doubled since, so that sweeping costs O(1) per Save on average.
func (s *MemoryStore) sweep(now time.Time) {
	for id, e := range s.m {
		if !now.Before(e.expires) {
			delete(s.m, id)
		}
	}
	s.nextGC = max(2*len(s.m), s.minNext)
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, id string) error {
	if !ValidID(id) {
		return fmt.Errorf("%w: %d characters", ErrInvalidID, len(id))
	}
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
	return nil
}

// Len returns the number of sessions held, expired ones included until
// they are dropped.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
