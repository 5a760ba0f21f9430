package session_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sesstool/sesstool/internal/testclock"
	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/storetest"
)

func TestMemoryStore(t *testing.T) {
	clk := testclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	storetest.Run(t, func(t *testing.T) session.Store {
		return session.NewMemoryStore(&session.MemoryOptions{Now: clk.Now})
	}, storetest.Options{Advance: clk.Advance})
}

func TestMemoryStoreBound(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := session.NewMemoryStore(&session.MemoryOptions{MaxSessions: 3, Now: clk.Now})
	ids := []string{session.NewID(), session.NewID(), session.NewID()}
	for i, id := range ids {
		// ids[0] expires first.
		if err := s.Save(ctx, id, []byte("x"), time.Duration(i+1)*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Save(ctx, ids[1], []byte("y"), 2*time.Minute); err != nil {
		t.Fatalf("Save of a held ID when full: %v", err)
	}
	fresh := session.NewID()
	if err := s.Save(ctx, fresh, []byte("x"), time.Minute); err != nil {
		t.Fatalf("Save beyond MaxSessions: %v; want an eviction, not an error", err)
	}
	if n, ev := s.Len(), s.Evicted(); n != 3 || ev != 1 {
		t.Fatalf("Len, Evicted = %d, %d; want 3, 1", n, ev)
	}
	if _, err := s.Load(ctx, ids[0]); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("the session nearest its expiry survived the eviction: %v", err)
	}
	for _, id := range append(ids[1:], fresh) {
		if _, err := s.Load(ctx, id); err != nil {
			t.Fatalf("a session that should have stayed: %v", err)
		}
	}
	clk.Advance(4 * time.Minute) // all expired: the next Save drops them
	if err := s.Save(ctx, session.NewID(), []byte("x"), time.Minute); err != nil {
		t.Fatalf("Save after the others expired: %v", err)
	}
	if n := s.Len(); n != 1 {
		t.Fatalf("Len = %d; want 1 (expired sessions dropped)", n)
	}
}

// TestMemoryStoreFloodDoesNotLockOutLogIns is the review's scenario: a
// store filled by anonymous sessions still takes a log-in, and keeps it
// through a further flood of the same size as long as the flood's sessions
// expire first.
func TestMemoryStoreFloodDoesNotLockOutLogIns(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	const max = 1000
	s := session.NewMemoryStore(&session.MemoryOptions{MaxSessions: max, Now: clk.Now})
	for range max {
		if err := s.Save(ctx, session.NewID(), []byte("anonymous"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	user := session.NewID()
	if err := s.Save(ctx, user, []byte("alice"), time.Hour); err != nil {
		t.Fatalf("log-in into a full store: %v", err)
	}
	if _, err := s.Load(ctx, user); err != nil {
		t.Fatalf("the logged-in session: %v", err)
	}
	if s.Len() > max {
		t.Fatalf("Len = %d; the bound is %d", s.Len(), max)
	}
}

func TestMemoryStoreIterable(t *testing.T) {
	clk := testclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	storetest.RunIterable(t, func(t *testing.T) session.Store {
		return session.NewMemoryStore(&session.MemoryOptions{Now: clk.Now})
	}, storetest.Options{Advance: clk.Advance})
}

// notIterable hides a MemoryStore's Range.
type notIterable struct{ session.Store }

func TestRevokeWhereNotIterable(t *testing.T) {
	server, err := session.New[map[string]any](notIterable{session.NewMemoryStore(nil)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	client, err := session.NewClientSide[map[string]any](newRing(t, time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, revoke := range map[string]func(context.Context, func(map[string]any) bool) (int, error){
		"store without Range": server.RevokeWhere,
		"client side":         client.RevokeWhere,
	} {
		if n, err := revoke(context.Background(), func(map[string]any) bool { return true }); !errors.Is(err, session.ErrNotIterable) || n != 0 {
			t.Errorf("%s: RevokeWhere = %d, %v; want 0, ErrNotIterable", name, n, err)
		}
	}
}
