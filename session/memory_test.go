package session_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/storetest"
)

func TestMemoryStore(t *testing.T) {
	clk := storetest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	storetest.Run(t, func(t *testing.T) session.Store {
		return session.NewMemoryStore(&session.MemoryOptions{Now: clk.Now})
	}, storetest.Options{Advance: clk.Advance})
}

func TestMemoryStoreBound(t *testing.T) {
	ctx := context.Background()
	clk := storetest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := session.NewMemoryStore(&session.MemoryOptions{MaxSessions: 3, Now: clk.Now})
	ids := []string{session.NewID(), session.NewID(), session.NewID()}
	for _, id := range ids {
		if err := s.Save(ctx, id, []byte("x"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Save(ctx, session.NewID(), []byte("x"), time.Minute); !errors.Is(err, session.ErrFull) {
		t.Fatalf("Save beyond MaxSessions: %v; want ErrFull", err)
	}
	if err := s.Save(ctx, ids[0], []byte("y"), time.Minute); err != nil {
		t.Fatalf("Save of a held ID when full: %v", err)
	}
	clk.Advance(2 * time.Minute) // all expired: the next Save drops them
	if err := s.Save(ctx, session.NewID(), []byte("x"), time.Minute); err != nil {
		t.Fatalf("Save after the others expired: %v", err)
	}
	if n := s.Len(); n != 1 {
		t.Fatalf("Len = %d; want 1 (expired sessions dropped)", n)
	}
}
