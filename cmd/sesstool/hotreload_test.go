package main

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// TestHotReloadUnderCLI is the hot-reload scenario of issue 13 with the
// real commands: a service follows the keyring file with a
// keyring.Watcher and mints and opens tokens in a loop, while
// 'sesstool keys add', 'keys promote', 'keys rotate' and 'keys prune' change
// the file beside it. No token whose key is still in the ring, and which has
// not expired, may be rejected.
func TestHotReloadUnderCLI(t *testing.T) {
	t.Parallel() // it waits out key lifetimes, in real time
	dir := t.TempDir()
	kr := filepath.Join(dir, "k.json")
	run := func(args ...string) string {
		t.Helper()
		code, out, errOut := runApp(t, dir, "", append(args, "--keyring", kr)...)
		if code != 0 {
			t.Fatalf("sesstool %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return strings.TrimSpace(out)
	}
	run("keys", "init")
	w, err := keyring.Watch(t.Context(), kr, &keyring.WatchOptions{Interval: 2 * time.Millisecond, OnError: func(err error) {
		t.Errorf("the Watcher reported %v", err)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// The leeway covers a server that mints under the old primary until
	// it has reloaded (token.Options.Leeway: reload interval + lag).
	m, err := token.New(w, &token.Options{Purpose: "reload", Leeway: 2 * time.Second, MaxTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var opened, wrong atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			var toks []string
			for i := 0; i < 200_000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				tok, err := m.Mint(map[string]int{"i": i}, 2*time.Second)
				if err != nil {
					t.Errorf("Mint: %v", err)
					return
				}
				toks = append(toks[max(0, len(toks)-50):], tok)
				for _, tok := range []string{tok, toks[0]} {
					var v map[string]int
					_, err := m.Open(tok, &v)
					if err == nil {
						opened.Add(1)
						continue
					}
					// Allowed: expired, or under a key the current ring
					// no longer verifies with (pruned).
					h, herr := token.Inspect(tok)
					if errors.Is(err, token.ErrExpired) || herr != nil {
						continue
					}
					if k, ok := w.Ring().Lookup(h.KeyID); ok && k.State.Verifies() {
						wrong.Add(1)
						t.Errorf("a valid token under key %v was rejected: %v", h.KeyID, err)
					}
				}
			}
		})
	}
	pause := func() { time.Sleep(50 * time.Millisecond) }
	for range 2 {
		id := run("keys", "add")
		pause()
		run("keys", "promote", id)
		pause()
		run("keys", "rotate")
		// Prune drops the keys retired more than MaxTTL + Leeway (4 s)
		// ago, whose tokens (2 s) have all expired: those of the first
		// round, in the second.
		time.Sleep(2100 * time.Millisecond)
		run("keys", "prune", "--max-ttl", "2s", "--leeway", "2s")
		pause()
	}
	close(stop)
	wg.Wait()
	if opened.Load() == 0 {
		t.Fatal("no token was opened")
	}
	t.Logf("%d tokens opened, %d wrongly rejected", opened.Load(), wrong.Load())
}
