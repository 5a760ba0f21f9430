package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sesstool/sesstool/ktor"
)

// New returns a Manager that keeps sessions of type T on the server, in
// store, and gives the client only a random ID. o may be nil.
func New[T any](store Store, o *Options) (*Manager[T], error) {
	if store == nil {
		return nil, errors.New("session: New needs a Store; for sessions kept in the cookie itself, use NewClientSide")
	}
	m, err := newManager[T](o)
	if err != nil {
		return nil, err
	}
	switch {
	case m.o.Chunks > 1:
		return nil, errors.New("session: Chunks is for client-side sessions; a server-side session's cookie holds only its ID")
	case m.o.Purpose != "" || m.o.Leeway != 0:
		return nil, errors.New("session: Purpose and Leeway are for client-side sessions (NewClientSide)")
	}
	m.mode = &serverMode[T]{m: m, store: store}
	return m, nil
}

// serverMode keeps sessions in a Store.
type serverMode[T any] struct {
	m     *Manager[T]
	store Store
}

// A record is what the store holds for a session, unless Options.RawStore:
//
//	0xff 0x01 | start (int64, Unix seconds, big-endian) | last write (same) | flags | data
//
// 0xff can begin neither JSON nor CBOR (where it is a lone "break"), so a
// record is never taken for a raw value of either. Flag 1 is "remember".
const (
	recordMagic   = 0xff
	recordVersion = 1
	recordHeader  = 2 + 8 + 8 + 1
)

var errBadRecord = errors.New("session: the stored session is not a sesstool session record (was it written with Options.RawStore, or by another program?)")

func appendRecord(b []byte, md meta, data []byte) []byte {
	b = append(b, recordMagic, recordVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(md.created.Unix()))
	b = binary.BigEndian.AppendUint64(b, uint64(md.touched.Unix()))
	var flags byte
	if md.remember {
		flags |= 1
	}
	return append(append(b, flags), data...)
}

func parseRecord(rec []byte) (md meta, data []byte, err error) {
	if len(rec) < recordHeader || rec[0] != recordMagic || rec[1] != recordVersion || rec[18]&^1 != 0 {
		return md, nil, errBadRecord
	}
	md.created = time.Unix(int64(binary.BigEndian.Uint64(rec[2:])), 0)
	md.touched = time.Unix(int64(binary.BigEndian.Uint64(rec[10:])), 0)
	md.remember = rec[18]&1 != 0
	return md, rec[recordHeader:], nil
}

// encode returns what the store holds for v with md.
func (s *serverMode[T]) encode(v T, md meta) ([]byte, error) {
	data, err := s.m.codec.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("session: failed to encode the session with codec %s: %w", s.m.codec.Name(), err)
	}
	if len(data) > s.m.o.MaxDataSize {
		return nil, fmt.Errorf("%w: %d bytes encoded; the limit is %d (Options.MaxDataSize)", ErrTooLarge, len(data), s.m.o.MaxDataSize)
	}
	if s.m.o.RawStore {
		return data, nil
	}
	return appendRecord(make([]byte, 0, recordHeader+len(data)), md, data), nil
}

// ttl returns how long the store should keep a session with md written at
// now: until its idle end, or its absolute end if that comes first. Below
// MinTTL the session is over.
func (s *serverMode[T]) ttl(md meta, now time.Time) time.Duration {
	if s.m.o.RawStore {
		return s.m.o.IdleTimeout
	}
	return min(s.m.o.IdleTimeout, md.created.Add(s.m.o.Lifetime).Sub(now))
}

// fetch loads the session id from the store into *v: ok is false when
// there is no live session under id, or one that no longer decodes
// (reported).
func (s *serverMode[T]) fetch(r *http.Request, id string, now time.Time, v *T) (md meta, rec []byte, ok bool, err error) {
	rec, err = s.store.Load(r.Context(), id)
	limit := s.m.o.MaxDataSize
	if !s.m.o.RawStore {
		limit += recordHeader
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return md, nil, false, nil
	case err != nil:
		return md, nil, false, fmt.Errorf("session: failed to load the session: %w", err)
	case len(rec) > limit:
		return md, nil, false, fmt.Errorf("%w: the store holds %d bytes; the limit is %d (Options.MaxDataSize)", ErrTooLarge, len(rec), s.m.o.MaxDataSize)
	}
	data := rec
	if !s.m.o.RawStore {
		if md, data, err = parseRecord(rec); err != nil {
			s.m.dropped(r, err)
			return md, nil, false, nil
		}
		if !now.Before(md.created.Add(s.m.o.Lifetime)) {
			return md, nil, false, nil // past its absolute end: the store's TTL will drop it
		}
	}
	*v = *new(T) // Unmarshal fills in only what the data has
	if err := s.m.codec.Unmarshal(data, v); err != nil {
		s.m.dropped(r, err)
		return md, nil, false, nil
	}
	return md, rec, true, nil
}

func (s *serverMode[T]) load(r *http.Request, st *state[T]) (ok bool, err error) {
	id := st.id
	if !st.loaded {
		if id = s.m.requestID(r); id == "" {
			return false, nil
		}
	}
	now := s.m.now()
	md, rec, ok, err := s.fetch(r, id, now, &st.env.V)
	if !ok || err != nil {
		st.id, st.loaded = "", false
		return false, err
	}
	st.id, st.meta, st.loaded = id, md, true
	if s.m.o.RawStore || now.Sub(md.touched) < s.m.o.TouchInterval {
		return true, nil
	}
	// Touch: push the idle end back, rewriting only the last-write time.
	md.touched = now
	ttl := s.ttl(md, now)
	if ttl < MinTTL {
		st.id, st.loaded = "", false
		return false, nil
	}
	binary.BigEndian.PutUint64(rec[10:], uint64(now.Unix()))
	switch err := s.store.Update(r.Context(), id, rec, ttl); {
	case errors.Is(err, ErrNotFound):
		st.id, st.loaded = "", false
		return false, nil // ended since the Load above
	case err != nil:
		return false, fmt.Errorf("session: failed to extend the session: %w", err)
	}
	st.meta = md
	return true, nil
}

func (s *serverMode[T]) save(r *http.Request, st *state[T], v T, begin, remember bool) error {
	now := s.m.now()
	if !begin {
		if !st.loaded && !st.cleared {
			// The handler saves without having loaded: find the request's
			// live session, if any, to keep its ID and start.
			if id := s.m.requestID(r); id != "" {
				md, _, ok, err := s.fetch(r, id, now, &st.env.V)
				if err != nil {
					return err
				}
				if ok {
					st.id, st.meta, st.loaded = id, md, true
				}
			}
		}
		if st.loaded {
			return s.update(r, st, v, now)
		}
	}
	// Begin a session under a new ID.
	old := ""
	if st.loaded {
		old = st.id
	} else if !st.cleared {
		old = s.m.requestID(r)
	}
	md := meta{created: now, touched: now, remember: remember}
	rec, err := s.encode(v, md)
	if err != nil {
		return err
	}
	id := NewID()
	value, err := s.m.encodeID(id)
	if err != nil {
		return err
	}
	if begin && old != "" {
		// The old session goes first: if that fails, nothing changed; if
		// the Save below fails, the user is logged out, never left in a
		// session whose ID an attacker may have planted.
		if err := s.store.Delete(r.Context(), old); err != nil {
			return fmt.Errorf("session: failed to delete the old session, so no new one was begun: %w", err)
		}
		st.id, st.loaded = "", false
	}
	if err := s.store.Save(r.Context(), id, rec, s.ttl(md, now)); err != nil {
		return fmt.Errorf("session: failed to save the session: %w", err)
	}
	st.id, st.meta, st.loaded, st.cleared = id, md, true, false
	age := maxAge(s.m.o.Lifetime, remember)
	if s.m.o.RawStore {
		age = maxAge(s.m.o.IdleTimeout, remember)
	}
	return s.m.sendValue(&st.requestState, value, age)
}

// update stores v in the live session st.id, unless it has ended.
func (s *serverMode[T]) update(r *http.Request, st *state[T], v T, now time.Time) error {
	md := st.meta
	md.touched = now
	ttl := s.ttl(md, now)
	if ttl < MinTTL {
		st.id, st.loaded = "", false
		return fmt.Errorf("%w: it reached its Lifetime", ErrEnded)
	}
	rec, err := s.encode(v, md)
	if err != nil {
		return err
	}
	switch err := s.store.Update(r.Context(), st.id, rec, ttl); {
	case errors.Is(err, ErrNotFound):
		st.id, st.loaded = "", false
		return fmt.Errorf("%w: nothing was saved", ErrEnded)
	case err != nil:
		return fmt.Errorf("session: failed to save the session: %w", err)
	}
	st.meta = md
	if s.m.o.RawStore {
		// The cookie lasts IdleTimeout after the last Save, as the
		// session does.
		value, err := s.m.encodeID(st.id)
		if err != nil {
			return err
		}
		return s.m.sendValue(&st.requestState, value, maxAge(s.m.o.IdleTimeout, md.remember))
	}
	return nil
}

func (s *serverMode[T]) clear(r *http.Request, st *state[T]) error {
	id := st.id
	if !st.loaded {
		id = s.m.requestID(r)
	}
	st.id, st.loaded = "", false
	s.m.dropValue(r, &st.requestState)
	if id == "" {
		return nil
	}
	if err := s.store.Delete(r.Context(), id); err != nil {
		return fmt.Errorf("session: failed to delete the session: %w", err)
	}
	return nil
}

// encodeID returns what the client carries for id.
func (m *Manager[T]) encodeID(id string) (string, error) {
	if m.o.Transformer == nil {
		return id, nil
	}
	value := string(m.o.Transformer.Write(nil, []byte(id)))
	if m.o.Header {
		return value, nil
	}
	enc, err := ktor.EncodeCookieValue(value, ktor.URIEncoding)
	if err != nil {
		return "", fmt.Errorf("session: the transformed ID cannot be put in a cookie: %w", err)
	}
	return enc, nil
}

// requestID returns the valid session ID that the request carries, or "".
func (m *Manager[T]) requestID(r *http.Request) string {
	var value string
	if m.o.Header {
		value = r.Header.Get(m.name)
	} else {
		value, _ = requestCookie(r, m.name)
	}
	if value == "" || len(value) > maxTransportValue {
		return ""
	}
	if m.o.Transformer != nil {
		if !m.o.Header {
			dec, err := ktor.DecodeCookieValue(value, ktor.URIEncoding)
			if err != nil {
				return ""
			}
			value = dec
		}
		id, err := m.o.Transformer.Read(nil, []byte(value))
		if err != nil {
			return ""
		}
		value = string(id)
	}
	if !ValidID(value) {
		return ""
	}
	return value
}
