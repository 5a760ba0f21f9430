//go:build unix

package dirstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/dirstore"
)

// TestLock checks that Update, Delete, and the removal of an expired
// session by Load and by Prune wait while another process sharing the
// directory holds its lock, and decide on what that process left. A flock
// lock belongs to an open file, so the test's own open of the lock file
// stands for the other process. (storetest races Update and Delete within
// one Store, where the Store's mutex alone would do.)
//
// An operation that does not take the lock returns while the test holds it
// and fails the test, unless it was not scheduled within the wait; an
// operation that takes it passes, however slow the machine.
func TestLock(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// expired: the session has expired when op runs.
		expired bool
		op      func(s *dirstore.Store, id string) error
		// other is what the other process does holding the lock:
		// "delete" the session (a log-out) or "write" it anew.
		other    string
		wantErr  error
		wantLive bool // the session is there after op
	}{
		{"Update after a log-out", false, func(s *dirstore.Store, id string) error {
			return s.Update(ctx, id, []byte("resurrected"), time.Hour)
		}, "delete", session.ErrNotFound, false},
		{"Delete after a write", false, func(s *dirstore.Store, id string) error {
			return s.Delete(ctx, id)
		}, "write", nil, false},
		{"Load of an expired session written anew", true, func(s *dirstore.Store, id string) error {
			_, err := s.Load(ctx, id)
			return err
		}, "write", session.ErrNotFound, true},
		{"Prune of an expired session written anew", true, func(s *dirstore.Store, id string) error {
			if removed, err := s.Prune(ctx); err != nil || removed != 0 {
				return errors.New("Prune removed a session written anew")
			}
			return nil
		}, "write", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir, clk := newStore(t, nil)
			id := session.NewID()
			p := filepath.Join(dir, filepath.FromSlash(ktorPath(id)))
			if err := s.Save(ctx, id, []byte("alive"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if tt.expired {
				clk.Advance(time.Hour)
			}
			lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer lock.Close()
			if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- tt.op(s, id) }()
			select {
			case err := <-done:
				syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
				t.Fatalf("%s returned (%v) while another process held the lock", tt.name, err)
			case <-time.After(50 * time.Millisecond):
			}
			switch tt.other {
			case "delete":
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
			case "write":
				writeFile(t, dir, ktorPath(id), []byte("anew"), clk.Now())
			}
			if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_UN); err != nil {
				t.Fatal(err)
			}
			if err := <-done; !errors.Is(err, tt.wantErr) || tt.wantErr == nil && err != nil {
				t.Fatalf("%s = %v; want %v", tt.name, err, tt.wantErr)
			}
			if got := exists(t, p); got != tt.wantLive {
				t.Errorf("after %s, the session's file exists: %v; want %v", tt.name, got, tt.wantLive)
			}
		})
	}
}
