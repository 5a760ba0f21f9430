package token_test

import (
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// TestHotReload: servers mint and open in a loop with a Minter on a
// keyring.Watcher, while the keyring file goes through add, promote,
// rotate and prune by keyring.Update, as "sesstool keys add", "promote",
// "rotate" and "prune" do. No valid token is ever rejected: a token minted
// under key K opens as long as K verifies in the current ring. That holds
// for a token minted under the old primary by a server that had not
// reloaded yet, because Leeway covers the Watcher's interval (the rule:
// Leeway ≥ reload interval + distribution lag). Run it under -race.
func TestHotReload(t *testing.T) {
	const (
		interval = 2 * time.Millisecond
		leeway   = 2 * time.Second // whole seconds: Open compares seconds
		servers  = 4
		perLoop  = 4000 // iterations per server at most
		cycles   = 6    // add, promote, rotate, prune, at most
		budget   = 20 * time.Second
	)
	path := filepath.Join(t.TempDir(), "k.json")
	ring0, err := keyring.Generate(keyring.Default, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.Create(path, ring0); err != nil {
		t.Fatal(err)
	}
	var reported atomic.Int32
	w, err := keyring.Watch(t.Context(), path, &keyring.WatchOptions{Interval: interval, OnError: func(err error) {
		reported.Add(1)
		t.Errorf("Watcher reported %v", err)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m, err := token.New(w, &token.Options{Purpose: "reload", Leeway: leeway, MaxTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}

	// The tokens minted so far, shared by the servers: each opens the
	// others' tokens too.
	var (
		mu     sync.Mutex
		recent []string
	)
	const keep = 512
	var stop atomic.Bool
	var opened, pruned, keysSeen atomic.Int64
	var wg sync.WaitGroup
	for s := range servers {
		wg.Go(func() {
			for i := 0; i < perLoop && !stop.Load(); i++ {
				tok, err := m.Mint(map[string]int{"s": s, "i": i}, time.Hour)
				if err != nil {
					t.Errorf("Mint: %v", err)
					return
				}
				mu.Lock()
				if len(recent) < keep {
					recent = append(recent, tok)
				} else {
					recent[(s*perLoop+i)%keep] = tok
				}
				old := recent[(i*7+s)%len(recent)]
				mu.Unlock()
				for _, tk := range []string{tok, old} {
					var v map[string]int
					_, err := m.Open(tk, &v)
					if err == nil {
						opened.Add(1)
						continue
					}
					e, ok := errors.AsType[*token.Error](err)
					if !ok {
						t.Errorf("Open: %v; want a *token.Error", err)
						return
					}
					// Rejected: only if the key has left the ring (pruned)
					// or cannot verify any more.
					if k, ok := w.Ring().Lookup(e.KeyID); ok && k.State.Verifies() {
						t.Errorf("a valid token was rejected: key %v is %v in the current ring: %v", e.KeyID, k.State, err)
						stop.Store(true)
						return
					}
					pruned.Add(1)
				}
			}
		})
	}

	update := func(what string, fn func(*keyring.Ring) (*keyring.Ring, error)) {
		t.Helper()
		if _, err := keyring.Update(path, fn); err != nil {
			t.Errorf("%s: %v", what, err)
		}
		time.Sleep(5 * interval) // let the servers mint and open under it
	}
	deadline := time.Now().Add(budget)
	for c := 0; c < cycles && time.Now().Before(deadline) && !stop.Load(); c++ {
		var added keyring.Key
		update("add", func(r *keyring.Ring) (*keyring.Ring, error) {
			r2, k, err := r.Add(keyring.Default, time.Now())
			added = k
			return r2, err
		})
		update("promote", func(r *keyring.Ring) (*keyring.Ring, error) { return r.Promote(added.ID, time.Now()) })
		update("rotate", func(r *keyring.Ring) (*keyring.Ring, error) {
			r2, _, err := r.Rotate(keyring.Default, time.Now())
			return r2, err
		})
		// Prune with a max age of zero: every retired key goes at once,
		// and the tokens under it stop opening, as they may.
		update("prune", func(r *keyring.Ring) (*keyring.Ring, error) {
			r2, _ := r.Prune(time.Now(), 0)
			return r2, nil
		})
		keysSeen.Add(3)
	}
	stop.Store(true)
	wg.Wait()
	if opened.Load() == 0 {
		t.Errorf("no token opened")
	}
	t.Logf("%d opened, %d rejected after their key was pruned, %d keys made", opened.Load(), pruned.Load(), keysSeen.Load())
}

// TestStaticSourceUnchanged: a Minter on a *keyring.Ring (a static
// Source) keeps its ring: New(ring) works as before.
func TestStaticSourceUnchanged(t *testing.T) {
	ring, err := keyring.Generate(keyring.Default, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m, err := token.New(ring, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := m.Mint(1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if c, err := m.Open(tok, &v); err != nil || v != 1 || c.KeyID != ring.Primary().ID {
		t.Errorf("Open = %v, %v, %d", c, err, v)
	}
	for _, src := range []keyring.Source{nil, (*keyring.Ring)(nil)} {
		if _, err := token.New(src, nil); !errors.Is(err, token.ErrNoKeyring) {
			t.Errorf("New(%#v): %v; want ErrNoKeyring", src, err)
		}
	}
}

// TestReloadAfterPromote pins the leeway rule with a fixed clock: a server
// whose Watcher has not seen a promotion yet mints under the old primary
// one second after its retirement; once reloaded, the token opens with a
// Leeway that covers the delay, and is refused without one.
func TestReloadAfterPromote(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		leeway time.Duration
		opens  bool
	}{{2 * time.Second, true}, {0, false}} {
		t.Run(tc.leeway.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.json")
			ring, err := keyring.Generate(keyring.Default, t0)
			if err != nil {
				t.Fatal(err)
			}
			ring, added, err := ring.Add(keyring.Default, t0)
			if err != nil {
				t.Fatal(err)
			}
			if err := keyring.Create(path, ring); err != nil {
				t.Fatal(err)
			}
			w, err := keyring.Watch(t.Context(), path, &keyring.WatchOptions{Interval: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			now := t0
			m, err := token.New(w, &token.Options{Leeway: tc.leeway, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := keyring.Update(path, func(r *keyring.Ring) (*keyring.Ring, error) { return r.Promote(added.ID, t0) }); err != nil {
				t.Fatal(err)
			}
			now = t0.Add(time.Second) // not reloaded yet: mints under the old primary
			tok, err := m.Mint(1, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Check(); err != nil {
				t.Fatal(err)
			}
			var v int
			c, err := m.Open(tok, &v)
			if (err == nil) != tc.opens {
				t.Fatalf("Open after reload: %v, %v; want opened %v", c, err, tc.opens)
			}
			if err == nil && !c.Rewrap {
				t.Errorf("Claims.Rewrap false for a token under the retired key")
			}
			// The reloaded Minter mints under the promoted key.
			tok2, err := m.Mint(1, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if c, err := m.Open(tok2, &v); err != nil || c.KeyID != added.ID {
				t.Errorf("new token: %v, %v; want key %v", c, err, added.ID)
			}
		})
	}
}
