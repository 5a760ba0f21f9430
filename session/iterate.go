package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// An Entry describes one session that an Iterable store holds, without its
// ID: a session ID is a credential, and some stores (redisstore) do not
// know it.
type Entry struct {
	// Key is the store's own handle of the session, opaque to the caller,
	// for LoadKey and DeleteKey. It may be the session ID itself (the
	// memory and directory stores): treat it as a secret, and show Hash,
	// never Key.
	Key string
	// Hash is the lowercase hexadecimal SHA-256 of the session ID, safe
	// to show: what redisstore keeps as its key.
	Hash string
	// Size is the length of the stored record, in bytes.
	Size int
	// Expires is when the store will drop the session; zero if unknown.
	Expires time.Time
	// Modified is when the session was last written, if the store knows;
	// otherwise zero.
	Modified time.Time
}

// Iterable is implemented by stores whose sessions can be enumerated:
// MemoryStore, dirstore.Store and redisstore.Store. It is optional: a Store
// need not implement it, and Manager.RevokeWhere fails on one that does
// not.
type Iterable interface {
	// Range calls f for each live session in the store, in no particular
	// order, until f returns an error, which Range returns. Sessions saved
	// or deleted while Range runs may or may not be seen.
	Range(ctx context.Context, f func(Entry) error) error
	// LoadKey is Load for an Entry's Key.
	LoadKey(ctx context.Context, key string) ([]byte, error)
	// DeleteKey is Delete for an Entry's Key. Deleting a key that has no
	// session is not an error.
	DeleteKey(ctx context.Context, key string) error
}

// ErrNotIterable is wrapped by the error of Manager.RevokeWhere when the
// Manager is client side, or its Store does not implement Iterable.
var ErrNotIterable = errors.New("session: the store cannot enumerate its sessions")

// IDHash returns the lowercase hexadecimal SHA-256 of id: the Hash of an
// Entry, and redisstore's key without its prefix.
func IDHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// A Record is a stored session decoded by ParseRecord.
type Record struct {
	// Raw is true when the value is not a sesstool session record: one
	// written with Options.RawStore, or by another program. Then Data is
	// the whole value and the times are zero.
	Raw bool
	// Created is when the session began, and Touched when it was last
	// written.
	Created, Touched time.Time
	// Remember is the "remember me" flag of Manager.RenewWith.
	Remember bool
	// Data is the session's value, as its codec encoded it.
	Data []byte
}

// ParseRecord decodes what a server-side Manager stored: its record
// (0xff 0x01 | created | touched | flags | data), or, for anything else,
// a raw value (Record.Raw) as Options.RawStore stores it.
func ParseRecord(b []byte) Record {
	md, data, err := parseRecord(b)
	if err != nil {
		return Record{Raw: true, Data: b}
	}
	return Record{Created: md.created, Touched: md.touched, Remember: md.remember, Data: data}
}

// RevokeWhere deletes every session in the Manager's store whose value
// matches: after a password change, for instance, all of one user's
// sessions. It returns how many it deleted. Values that do not decode
// with the Manager's codec (or, unless Options.RawStore, are not session
// records) are left alone.
//
// It works only server side, with a Store that implements Iterable;
// otherwise it returns an error wrapping ErrNotIterable. A client-side
// session cannot be revoked by the server: rotate its keys instead. It
// stops at the first error of the store, returning the count so far.
func (m *Manager[T]) RevokeWhere(ctx context.Context, match func(T) bool) (n int, err error) {
	sm, ok := m.mode.(*serverMode[T])
	if !ok {
		return 0, fmt.Errorf("%w: RevokeWhere needs a server-side Manager (New); client-side sessions cannot be revoked one by one, rotate the keys instead", ErrNotIterable)
	}
	it, ok := sm.store.(Iterable)
	if !ok {
		return 0, fmt.Errorf("%w: %T does not implement session.Iterable", ErrNotIterable, sm.store)
	}
	err = it.Range(ctx, func(e Entry) error {
		rec, err := it.LoadKey(ctx, e.Key)
		switch {
		case errors.Is(err, ErrNotFound):
			return nil // gone since
		case err != nil:
			return err
		}
		data := rec
		if !m.o.RawStore {
			r := ParseRecord(rec)
			if r.Raw {
				return nil
			}
			data = r.Data
		}
		var v T
		if m.codec.Unmarshal(data, &v) != nil || !match(v) {
			return nil
		}
		if err := it.DeleteKey(ctx, e.Key); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("session: RevokeWhere: %w", err)
	}
	return n, nil
}
