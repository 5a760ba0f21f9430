package session

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// MemoryOptions configure a MemoryStore. The zero value is usable.
type MemoryOptions struct {
	// MaxSessions bounds the number of sessions held. Save of a new ID
	// beyond it first drops expired sessions and, if the store is still
	// full, evicts a live one (see MemoryStore). Zero means
	// DefaultMaxSessions.
	MaxSessions int
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// DefaultMaxSessions is the default bound of a MemoryStore.
const DefaultMaxSessions = 100_000

// MemoryStore is a Store in the process's memory: for tests, development
// and single-instance services whose sessions may be lost on restart. It
// drops expired sessions as it meets them, and is bounded by
// MemoryOptions.MaxSessions.
//
// # Eviction
//
// A full store never refuses a Save: a flood of anonymous sessions must not
// lock everyone out of logging in. It first drops every expired session;
// if none had expired, it evicts the session that expires first among
// evictionSample (16) sessions taken in the map's random order, as Redis's
// volatile-ttl policy does, so that the sessions nearest their end go
// first at O(1) cost per Save. An evicted user simply has no session any
// more and logs in again. A client that can make sessions at will can
// still push others out of a full store: keep MaxSessions well above the
// number of live users, save a session only when there is something to
// keep (not for every anonymous visit), or use a store outside the process.
type MemoryStore struct {
	mu      sync.Mutex
	m       map[string]memEntry
	max     int
	now     func() time.Time
	nextGC  int // Save sweeps expired sessions when len(m) reaches it
	minNext int
	evicted int // live sessions evicted because the store was full
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
	if err := checkWrite(id, ttl); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if _, ok := s.m[id]; !ok {
		if len(s.m) >= s.nextGC || len(s.m) >= s.max {
			s.sweep(now)
		}
		if len(s.m) >= s.max {
			s.evict()
		}
	}
	s.m[id] = memEntry{data: append([]byte(nil), data...), expires: now.Add(ttl)}
	return nil
}

// checkWrite returns the error for arguments that Save and Update refuse.
func checkWrite(id string, ttl time.Duration) error {
	if !ValidID(id) {
		return fmt.Errorf("%w: %d characters", ErrInvalidID, len(id))
	}
	if ttl < MinTTL {
		return fmt.Errorf("session: TTL %v is shorter than %v", ttl, MinTTL)
	}
	return nil
}

// Update implements Store: under the store's lock, it replaces only a
// session that is there and live, so a Delete cannot be undone.
func (s *MemoryStore) Update(_ context.Context, id string, data []byte, ttl time.Duration) error {
	if err := checkWrite(id, ttl); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	e, ok := s.m[id]
	if !ok {
		return ErrNotFound
	}
	if !now.Before(e.expires) {
		delete(s.m, id)
		return ErrNotFound
	}
	s.m[id] = memEntry{data: append(e.data[:0:0], data...), expires: now.Add(ttl)}
	return nil
}

// evictionSample is how many sessions evict compares.
const evictionSample = 16

// evict drops, of up to evictionSample sessions in the map's random order,
// the one that expires first.
func (s *MemoryStore) evict() {
	var victim string
	var first time.Time
	n := 0
	for id, e := range s.m {
		if n == 0 || e.expires.Before(first) {
			victim, first = id, e.expires
		}
		if n++; n == evictionSample {
			break
		}
	}
	delete(s.m, victim)
	s.evicted++
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

// Evicted returns the number of live sessions evicted so far because the
// store was full: a metric to watch, since each one is a user logged out.
func (s *MemoryStore) Evicted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.evicted
}

// Len returns the number of sessions held, expired ones included until
// they are dropped.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

var _ Iterable = (*MemoryStore)(nil)

// Range implements Iterable. An Entry's Key is the session ID. It works on
// a snapshot taken under the store's lock, so f may call the store.
func (s *MemoryStore) Range(ctx context.Context, f func(Entry) error) error {
	s.mu.Lock()
	now := s.now()
	entries := make([]Entry, 0, len(s.m))
	for id, e := range s.m {
		if now.Before(e.expires) {
			entries = append(entries, Entry{Key: id, Hash: IDHash(id), Size: len(e.data), Expires: e.expires})
		}
	}
	s.mu.Unlock()
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := f(e); err != nil {
			return err
		}
	}
	return nil
}

// LoadKey implements Iterable: the key is the ID.
func (s *MemoryStore) LoadKey(ctx context.Context, key string) ([]byte, error) {
	return s.Load(ctx, key)
}

// DeleteKey implements Iterable: the key is the ID.
func (s *MemoryStore) DeleteKey(ctx context.Context, key string) error {
	return s.Delete(ctx, key)
}
