package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sesstool/sesstool/session"
)

// RunIterable tests a store that implements session.Iterable: Range,
// LoadKey, DeleteKey, and Manager.RevokeWhere over it. Each subtest gets a
// new store from newStore, which must be empty.
func RunIterable(t *testing.T, newStore func(t *testing.T) session.Store, o Options) {
	advance := o.Advance
	if advance == nil {
		advance = time.Sleep
	}
	ctx := context.Background()
	iterable := func(t *testing.T) (session.Store, session.Iterable) {
		s := newStore(t)
		it, ok := s.(session.Iterable)
		if !ok {
			t.Fatalf("%T does not implement session.Iterable", s)
		}
		return s, it
	}
	collect := func(t *testing.T, it session.Iterable) map[string]session.Entry {
		t.Helper()
		m := make(map[string]session.Entry)
		if err := it.Range(ctx, func(e session.Entry) error {
			if _, dup := m[e.Hash]; dup {
				t.Errorf("Range reported %s twice", e.Hash)
			}
			m[e.Hash] = e
			return nil
		}); err != nil {
			t.Fatalf("Range: %v", err)
		}
		return m
	}

	t.Run("RangeLoadDelete", func(t *testing.T) {
		s, it := iterable(t)
		if got := collect(t, it); len(got) != 0 {
			t.Fatalf("Range of an empty store reported %d sessions", len(got))
		}
		ids := []string{session.NewID(), session.NewID(), session.NewID()[:32]}
		for i, id := range ids {
			mustSave(t, s, id, string(make([]byte, 10*(i+1))))
		}
		got := collect(t, it)
		if len(got) != len(ids) {
			t.Fatalf("Range reported %d sessions; saved %d", len(got), len(ids))
		}
		for i, id := range ids {
			e, ok := got[session.IDHash(id)]
			if !ok {
				t.Fatalf("Range did not report session %d (hash %s)", i, session.IDHash(id))
			}
			if e.Size != 10*(i+1) {
				t.Errorf("session %d: Size = %d; saved %d bytes", i, e.Size, 10*(i+1))
			}
			if e.Expires.IsZero() {
				t.Errorf("session %d: Expires is zero", i)
			}
			data, err := it.LoadKey(ctx, e.Key)
			if err != nil || len(data) != e.Size {
				t.Errorf("LoadKey(session %d) = %d bytes, %v; want %d bytes", i, len(data), err, e.Size)
			}
		}
		// Expires follows the TTL: a session saved for three hours
		// expires two hours after one saved for one.
		longer := session.NewID()
		if err := s.Save(ctx, longer, []byte("z"), 3*time.Hour); err != nil {
			t.Fatal(err)
		}
		gap := collect(t, it)[session.IDHash(longer)].Expires.Sub(got[session.IDHash(ids[0])].Expires)
		if gap < 2*time.Hour-5*time.Second || gap > 2*time.Hour+5*time.Second {
			t.Errorf("Expires of sessions saved for 3h and 1h differ by %v; want 2h", gap)
		}
		if err := s.Delete(ctx, longer); err != nil {
			t.Fatal(err)
		}
		e := got[session.IDHash(ids[0])]
		if err := it.DeleteKey(ctx, e.Key); err != nil {
			t.Fatalf("DeleteKey: %v", err)
		}
		if err := it.DeleteKey(ctx, e.Key); err != nil {
			t.Fatalf("DeleteKey of a deleted session: %v", err)
		}
		if _, err := s.Load(ctx, ids[0]); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load after DeleteKey: %v; want ErrNotFound", err)
		}
		if _, err := it.LoadKey(ctx, e.Key); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("LoadKey after DeleteKey: %v; want ErrNotFound", err)
		}
		if got := collect(t, it); len(got) != 2 {
			t.Fatalf("Range after DeleteKey reported %d sessions; want 2", len(got))
		}
	})

	t.Run("RangeStops", func(t *testing.T) {
		s, it := iterable(t)
		mustSave(t, s, session.NewID(), "a")
		mustSave(t, s, session.NewID(), "b")
		stop := errors.New("stop")
		calls := 0
		err := it.Range(ctx, func(session.Entry) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("Range with f failing: %v after %d calls; want f's error after 1", err, calls)
		}
	})

	t.Run("RangeSkipsExpired", func(t *testing.T) {
		s, it := iterable(t)
		short, long := session.NewID(), session.NewID()
		if err := s.Save(ctx, short, []byte("x"), session.MinTTL); err != nil {
			t.Fatal(err)
		}
		if err := s.Save(ctx, long, []byte("y"), time.Hour); err != nil {
			t.Fatal(err)
		}
		advance(session.MinTTL + 100*time.Millisecond)
		got := collect(t, it)
		if _, ok := got[session.IDHash(short)]; ok || len(got) != 1 {
			t.Fatalf("Range reported %d sessions, the expired one among them: %v", len(got), ok)
		}
	})

	t.Run("RevokeWhere", func(t *testing.T) {
		type user struct {
			UID string `json:"uid"`
		}
		for _, raw := range []bool{false, true} {
			s, it := iterable(t)
			m, err := session.New[user](s, &session.Options{RawStore: raw})
			if err != nil {
				t.Fatal(err)
			}
			// Sessions as a Manager stores them: records, or raw JSON.
			var aliceIDs []string
			for _, uid := range []string{"alice", "bob", "alice", "carol"} {
				id := session.NewID()
				data := []byte(`{"uid":"` + uid + `"}`)
				if !raw {
					data = append([]byte{0xff, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0}, data...)
				}
				if err := s.Save(ctx, id, data, time.Hour); err != nil {
					t.Fatal(err)
				}
				if uid == "alice" {
					aliceIDs = append(aliceIDs, id)
				}
			}
			mustSave(t, s, session.NewID(), "not JSON")
			n, err := m.RevokeWhere(ctx, func(u user) bool { return u.UID == "alice" })
			if err != nil || n != 2 {
				t.Fatalf("RawStore=%v: RevokeWhere = %d, %v; want 2, nil", raw, n, err)
			}
			for _, id := range aliceIDs {
				if _, err := s.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
					t.Errorf("RawStore=%v: alice's session is still there: %v", raw, err)
				}
			}
			left := collect(t, it)
			if len(left) != 3 {
				t.Fatalf("RawStore=%v: %d sessions left; want 3", raw, len(left))
			}
			if slices.ContainsFunc(aliceIDs, func(id string) bool { _, ok := left[session.IDHash(id)]; return ok }) {
				t.Fatalf("RawStore=%v: Range still reports one of alice's sessions", raw)
			}
		}
	})
}
