//go:build unix

package keyring_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

// errLog collects what a Watcher reports.
type errLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errLog) add(err error) { l.mu.Lock(); l.errs = append(l.errs, err); l.mu.Unlock() }

func (l *errLog) get() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// watch starts a Watcher that never looks at the file by itself (an
// interval of an hour): the tests call Check, so they never sleep.
func watch(t *testing.T, path string, allowReadable bool) (*keyring.Watcher, *errLog) {
	t.Helper()
	log := &errLog{}
	w, err := keyring.Watch(t.Context(), path, &keyring.WatchOptions{Interval: time.Hour, OnError: log.add, AllowReadable: allowReadable})
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	t.Cleanup(w.Close)
	return w, log
}

func TestWatchFollowsUpdate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.json")
	if err := keyring.Create(path, generate(t, keyring.Default)); err != nil {
		t.Fatal(err)
	}
	w, log := watch(t, path, false)
	before := w.Ring()
	if err := w.Check(); err != nil || w.Ring() != before {
		t.Fatalf("Check of an unchanged file: %v, ring replaced %v; want nil, the same ring", err, w.Ring() != before)
	}
	r2, err := keyring.Update(path, func(r *keyring.Ring) (*keyring.Ring, error) {
		r2, _, err := r.Rotate(keyring.Default, now)
		return r2, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Check(); err != nil {
		t.Fatalf("Check after Update: %v", err)
	}
	if got := w.Ring().Primary().ID; got != r2.Primary().ID {
		t.Errorf("primary after reload %v; want %v", got, r2.Primary().ID)
	}
	if errs := log.get(); len(errs) != 0 {
		t.Errorf("reported %v; want nothing", errs)
	}
}

// TestWatchKeepsRingOnError: a new file that is missing, corrupt or open
// to other users leaves the previous ring in use, and is reported once,
// without the file's text; a good file afterwards is picked up.
func TestWatchKeepsRingOnError(t *testing.T) {
	const marker = "NOT-A-KEYRING-marker"
	tests := []struct {
		name    string
		allow   bool
		break_  func(t *testing.T, path string)
		wantErr error
	}{
		{"missing", false, func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, fs.ErrNotExist},
		{"corrupt", false, func(t *testing.T, path string) {
			replaceFile(t, path, []byte(`{"format": "`+marker+`"}`), 0o600)
		}, keyring.ErrCorrupt},
		{"0644 without opt-in", false, func(t *testing.T, path string) {
			replaceFile(t, path, readFile(t, path), 0o644)
		}, keyring.ErrInsecure},
		{"0666 with opt-in", true, func(t *testing.T, path string) {
			replaceFile(t, path, readFile(t, path), 0o666)
		}, keyring.ErrInsecure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.json")
			ring := generate(t, keyring.Default)
			if err := keyring.Create(path, ring); err != nil {
				t.Fatal(err)
			}
			w, log := watch(t, path, tc.allow)
			old := w.Ring()
			tc.break_(t, path)
			for i := range 3 { // reported once, however often the file is looked at
				if err := w.Check(); !errors.Is(err, tc.wantErr) {
					t.Fatalf("Check #%d: %v; want an error wrapping %v", i+1, err, tc.wantErr)
				}
				if w.Ring() != old {
					t.Fatalf("the ring was replaced after a bad file")
				}
			}
			errs := log.get()
			if len(errs) != 1 || !errors.Is(errs[0], tc.wantErr) {
				t.Fatalf("reported %v; want one error wrapping %v", errs, tc.wantErr)
			}
			if msg := errs[0].Error(); strings.Contains(msg, marker) || !strings.Contains(msg, "keys loaded before stay in use") {
				t.Errorf("reported %q: want no file text, and that the old keys stay", msg)
			}
			// Fixed: the next look loads it.
			r2, _ := rotate(t, ring, keyring.Default, now)
			replaceFile(t, path, marshal(t, r2), 0o600)
			if err := w.Check(); err != nil {
				t.Fatalf("Check after the fix: %v", err)
			}
			if got := w.Ring().Primary().ID; got != r2.Primary().ID {
				t.Errorf("primary after the fix %v; want %v", got, r2.Primary().ID)
			}
		})
	}
}

// replaceFile replaces path by a new file, as a deployment tool would:
// written beside it and renamed over it.
func replaceFile(t *testing.T, path string, data []byte, mode fs.FileMode) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestWatchFirstLoadFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.json")
	if _, err := keyring.Watch(context.Background(), path, nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Watch of a missing file: %v; want ErrNotExist", err)
	}
	if _, err := keyring.Watch(context.Background(), path, &keyring.WatchOptions{Interval: -1}); err == nil {
		t.Errorf("Watch with a negative interval: no error")
	}
}

// TestWatchSecretVolume: the kubelet updates a Secret volume by pointing
// ..data at a new timestamped directory; the path read never changes.
func TestWatchSecretVolume(t *testing.T) {
	dir := t.TempDir()
	ring := generate(t, keyring.Default)
	path := secretVolume(t, dir, "keyring.json", marshal(t, ring), 0o644)
	w, log := watch(t, path, true)
	r2, _ := rotate(t, ring, keyring.Default, now)
	swapSecretVolume(t, dir, "..2026_01_02_00_00_00.000000002", "keyring.json", marshal(t, r2), 0o644)
	if err := w.Check(); err != nil {
		t.Fatalf("Check after the swap: %v", err)
	}
	if got := w.Ring().Primary().ID; got != r2.Primary().ID {
		t.Errorf("primary after the swap %v; want %v", got, r2.Primary().ID)
	}
	if errs := log.get(); len(errs) != 0 {
		t.Errorf("reported %v", errs)
	}
}

// TestWatchPolls: without Check, the Watcher's own polling picks up a
// change within a bounded time.
func TestWatchPolls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.json")
	if err := keyring.Create(path, generate(t, keyring.Default)); err != nil {
		t.Fatal(err)
	}
	w, err := keyring.Watch(t.Context(), path, &keyring.WatchOptions{Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r2, err := keyring.Update(path, func(r *keyring.Ring) (*keyring.Ring, error) {
		r2, _, err := r.Rotate(keyring.Default, now)
		return r2, err
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.Ring().Primary().ID != r2.Primary().ID {
		if time.Now().After(deadline) {
			t.Fatal("the Watcher did not reload within 10s")
		}
		time.Sleep(time.Millisecond)
	}
	w.Close()
	w.Close() // twice is fine
}
