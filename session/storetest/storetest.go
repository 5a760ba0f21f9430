// Package storetest is a conformance suite for session.Store
// implementations: every store in this module runs it, and a store written
// elsewhere can too.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesstool/sesstool/session"
)

// Options describe the store under test.
type Options struct {
	// Advance moves the store's clock forward by d. Nil means the store
	// keeps real time (say a Redis server), and the suite sleeps instead,
	// which makes its expiry test take about two seconds.
	Advance func(d time.Duration)
	// MaxData is the largest session the store is expected to hold, in
	// bytes. Zero means 64 KiB.
	MaxData int
}

// Run tests the store that newStore returns; each subtest gets a new one.
func Run(t *testing.T, newStore func(t *testing.T) session.Store, o Options) {
	if o.MaxData == 0 {
		o.MaxData = 64 << 10
	}
	advance := o.Advance
	if advance == nil {
		advance = time.Sleep
	}
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		id := session.NewID()
		binary := bytes.Repeat([]byte{0, 0xff, '\n'}, 100)
		for _, data := range [][]byte{[]byte(`{"user":"alice"}`)[:min(16, o.MaxData)], {}, binary[:min(len(binary), o.MaxData)], bytes.Repeat([]byte("x"), o.MaxData)} {
			if err := s.Save(ctx, id, data, time.Hour); err != nil {
				t.Fatalf("Save(%d bytes): %v", len(data), err)
			}
			got, err := s.Load(ctx, id)
			if err != nil {
				t.Fatalf("Load after Save(%d bytes): %v", len(data), err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("Load = %d bytes %.20q…; saved %d bytes %.20q…", len(got), got, len(data), data)
			}
		}
	})

	t.Run("Missing", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Load(ctx, session.NewID()); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load of an unknown ID: %v; want ErrNotFound", err)
		}
		if err := s.Delete(ctx, session.NewID()); err != nil {
			t.Fatalf("Delete of an unknown ID: %v; want nil", err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		id, other := session.NewID(), session.NewID()
		mustSave(t, s, id, "a")
		mustSave(t, s, other, "b")
		if err := s.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load after Delete: %v; want ErrNotFound", err)
		}
		if got, err := s.Load(ctx, other); err != nil || string(got) != "b" {
			t.Fatalf("the other session: %q, %v", got, err)
		}
		if err := s.Delete(ctx, id); err != nil {
			t.Fatalf("second Delete: %v", err)
		}
	})

	t.Run("Replace", func(t *testing.T) {
		s := newStore(t)
		id := session.NewID()
		mustSave(t, s, id, "first, longer value")
		mustSave(t, s, id, "second")
		if got, err := s.Load(ctx, id); err != nil || string(got) != "second" {
			t.Fatalf("Load = %q, %v; want %q", got, err, "second")
		}
	})

	t.Run("Copies", func(t *testing.T) {
		s := newStore(t)
		id := session.NewID()
		data := []byte("original")
		if err := s.Save(ctx, id, data, time.Hour); err != nil {
			t.Fatal(err)
		}
		copy(data, "CHANGED!")
		got, err := s.Load(ctx, id)
		if err != nil || string(got) != "original" {
			t.Fatalf("after changing the saved slice, Load = %q, %v", got, err)
		}
		copy(got, "CHANGED!")
		if again, _ := s.Load(ctx, id); string(again) != "original" {
			t.Fatalf("after changing a loaded slice, Load = %q", again)
		}
	})

	t.Run("KtorIDs", func(t *testing.T) {
		s := newStore(t)
		for _, id := range []string{strings.Repeat("0123456789abcdef", 2), strings.Repeat("fedcba9876543210", 4)} {
			mustSave(t, s, id, id)
			if got, err := s.Load(ctx, id); err != nil || string(got) != id {
				t.Fatalf("ID of %d characters: Load = %q, %v", len(id), got, err)
			}
		}
	})

	t.Run("InvalidIDs", func(t *testing.T) {
		s := newStore(t)
		for _, id := range []string{"", "abc", "../" + session.NewID(), session.NewID()[:63] + "/", strings.ToUpper(session.NewID()), session.NewID() + "\x00", strings.Repeat("a", 129), "*"} {
			if err := s.Save(ctx, id, []byte("x"), time.Hour); !errors.Is(err, session.ErrInvalidID) {
				t.Errorf("Save(%q): %v; want ErrInvalidID", id, err)
			}
			if _, err := s.Load(ctx, id); !errors.Is(err, session.ErrInvalidID) {
				t.Errorf("Load(%q): %v; want ErrInvalidID", id, err)
			}
			if err := s.Delete(ctx, id); !errors.Is(err, session.ErrInvalidID) {
				t.Errorf("Delete(%q): %v; want ErrInvalidID", id, err)
			}
		}
	})

	t.Run("ShortTTL", func(t *testing.T) {
		s := newStore(t)
		for _, ttl := range []time.Duration{0, -time.Second, session.MinTTL - 1} {
			if err := s.Save(ctx, session.NewID(), []byte("x"), ttl); err == nil {
				t.Errorf("Save with TTL %v: no error", ttl)
			}
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		s := newStore(t)
		short, long, renewed := session.NewID(), session.NewID(), session.NewID()
		if err := s.Save(ctx, short, []byte("short"), time.Second); err != nil {
			t.Fatal(err)
		}
		mustSave(t, s, long, "long")
		if err := s.Save(ctx, renewed, []byte("renewed"), time.Second); err != nil {
			t.Fatal(err)
		}
		mustSave(t, s, renewed, "renewed") // Save sets a new expiry
		advance(1500 * time.Millisecond)
		if _, err := s.Load(ctx, short); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load after the TTL: %v; want ErrNotFound", err)
		}
		for _, id := range []string{long, renewed} {
			if _, err := s.Load(ctx, id); err != nil {
				t.Fatalf("a live session: %v", err)
			}
		}
	})

	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		id := session.NewID()
		if err := s.Update(ctx, id, []byte("x"), time.Hour); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Update of an unknown ID: %v; want ErrNotFound", err)
		}
		if _, err := s.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load after a failed Update: %v; want ErrNotFound (Update must not create)", err)
		}
		mustSave(t, s, id, "first")
		if err := s.Update(ctx, id, []byte("second"), time.Hour); err != nil {
			t.Fatalf("Update of a live session: %v", err)
		}
		if got, err := s.Load(ctx, id); err != nil || string(got) != "second" {
			t.Fatalf("Load after Update = %q, %v; want %q", got, err, "second")
		}
		if err := s.Update(ctx, id, []byte("x"), session.MinTTL-1); err == nil {
			t.Error("Update with a TTL under MinTTL: no error")
		}
		if err := s.Update(ctx, "../x", []byte("x"), time.Hour); !errors.Is(err, session.ErrInvalidID) {
			t.Errorf("Update of an invalid ID: %v; want ErrInvalidID", err)
		}
	})

	t.Run("UpdateAfterDelete", func(t *testing.T) {
		s := newStore(t)
		id := session.NewID()
		mustSave(t, s, id, "alive")
		if err := s.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, id, []byte("resurrected"), time.Hour); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Update after Delete: %v; want ErrNotFound", err)
		}
		if got, err := s.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load after Delete and Update = %q, %v; want ErrNotFound: the session came back", got, err)
		}
	})

	t.Run("UpdateExpired", func(t *testing.T) {
		s := newStore(t)
		id := session.NewID()
		if err := s.Save(ctx, id, []byte("short"), time.Second); err != nil {
			t.Fatal(err)
		}
		advance(1500 * time.Millisecond)
		if err := s.Update(ctx, id, []byte("late"), time.Hour); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Update after expiry: %v; want ErrNotFound", err)
		}
		if _, err := s.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load after a late Update: %v; want ErrNotFound", err)
		}
	})

	// UpdateRacesDelete: requests that loaded a session keep updating it
	// while another request deletes it (a log-out). Once Delete has
	// returned, every Update must fail, and the session must stay gone.
	t.Run("UpdateRacesDelete", func(t *testing.T) {
		s := newStore(t)
		for round := range 20 {
			id := session.NewID()
			mustSave(t, s, id, "alive")
			deleted := make(chan struct{})
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() {
					for i := 0; ; i++ {
						select {
						case <-deleted:
							// Delete has returned: this Update, and every
							// one after it, must find nothing.
							if err := s.Update(ctx, id, []byte("resurrected"), time.Hour); !errors.Is(err, session.ErrNotFound) {
								errs <- fmt.Errorf("round %d: Update after Delete returned: %v; want ErrNotFound", round, err)
							}
							return
						default:
						}
						if err := s.Update(ctx, id, []byte("alive"), time.Hour); err != nil && !errors.Is(err, session.ErrNotFound) {
							errs <- err
							return
						}
						if i == 2 && round%2 == 0 {
							runtimeYield()
						}
					}
				})
			}
			if err := s.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			close(deleted)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if got, err := s.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
				t.Fatalf("round %d: Load after Delete = %q, %v; want ErrNotFound: a concurrent Update brought the session back", round, got, err)
			}
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				for i := range 25 {
					id := session.NewID()
					want := fmt.Sprintf("g%d-%d", g, i)
					if err := s.Save(ctx, id, []byte(want), time.Hour); err != nil {
						errs <- err
						return
					}
					got, err := s.Load(ctx, id)
					if err != nil || string(got) != want {
						errs <- fmt.Errorf("load = %q, %v; want %q", got, err, want)
						return
					}
					if err := s.Delete(ctx, id); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

// runtimeYield lets the deleting goroutine run between updates.
func runtimeYield() { runtime.Gosched() }

func mustSave(t *testing.T, s session.Store, id, data string) {
	t.Helper()
	if err := s.Save(context.Background(), id, []byte(data), time.Hour); err != nil {
		t.Fatalf("Save(%s…): %v", id[:8], err)
	}
}
