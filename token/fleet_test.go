package token_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// fleetToken is a token minted by one host of TestFleetRotation.
type fleetToken struct {
	tok  string
	host int
	exp  int64 // Unix seconds
}

// TestFleetRotation simulates the README's "Rotating keys across a fleet":
// five hosts, each with its own copy of the keyring file followed by a
// keyring.Watcher and a token.Minter on it, receive each new version of the
// file one after the other, a clock step and a few milliseconds apart (the
// distribution lag), and rotate with add → distribute → promote →
// distribute → prune → distribute, while every host mints tokens and opens
// the others'. No token is ever rejected before its expiry.
//
// The clock is shared and moves only when the test moves it, one second per
// copy, so the lag in token time is exact: a host loads a new file at most
// fleetHosts × step after the master file changed. The timing rules it
// pins: promote only once every host has the new key (the test waits for
// each Watcher to hold it); Leeway ≥ the lag, so the tokens that a host not
// yet reloaded mints under the retired key still open; prune at MaxTTL +
// Leeway after the promotion (what "keys prune --max-ttl --leeway" does),
// which is past MaxTTL + lag because Leeway ≥ lag. Run it under -race.
func TestFleetRotation(t *testing.T) {
	const (
		hosts  = 5
		step   = time.Second // clock step per copy: whole seconds, as tokens and keys count time
		lag    = hosts * step
		leeway = lag
		maxTTL = 20 * time.Second
		cycles = 2
		keep   = 256 // tokens kept for opening later
		budget = 60 * time.Second
	)
	var clock atomic.Int64 // Unix seconds
	clock.Store(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC).Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0).UTC() }
	advance := func(d time.Duration) { clock.Add(int64(d / time.Second)) }

	dir := t.TempDir()
	master := filepath.Join(dir, "master.json")
	ring, err := keyring.Generate(keyring.Default, now())
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.Create(master, ring); err != nil {
		t.Fatal(err)
	}
	// copyTo installs the master file on host i as a distribution tool
	// would: a whole new file renamed into place.
	copyTo := func(i int) {
		data, err := os.ReadFile(master)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("host%d", i), "k.json")
		tmp := path + ".new"
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	watchers := make([]*keyring.Watcher, hosts)
	minters := make([]*token.Minter, hosts)
	for i := range hosts {
		if err := os.Mkdir(filepath.Join(dir, fmt.Sprintf("host%d", i)), 0o700); err != nil {
			t.Fatal(err)
		}
		copyTo(i)
		w, err := keyring.Watch(t.Context(), filepath.Join(dir, fmt.Sprintf("host%d", i), "k.json"), &keyring.WatchOptions{
			Interval: time.Millisecond,
			OnError:  func(err error) { t.Errorf("host %d: Watcher reported %v", i, err) },
		})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		watchers[i] = w
		if minters[i], err = token.New(w, &token.Options{Purpose: "fleet", Leeway: leeway, MaxTTL: maxTTL, Now: now}); err != nil {
			t.Fatal(err)
		}
	}

	var (
		mu     sync.Mutex
		recent []fleetToken // recent tokens of every host
		pinned []fleetToken // a few tokens kept until long after they expire
		latest [hosts]fleetToken
	)
	var stop atomic.Bool
	var iterations [hosts]atomic.Int64
	var opened, expired, lateOldKey atomic.Int64
	var wg sync.WaitGroup
	for h := range hosts {
		wg.Go(func() {
			m := minters[h]
			for i := 0; !stop.Load(); i++ {
				iat := clock.Load()
				tok, err := m.Mint(map[string]int{"h": h, "i": i}, maxTTL)
				if err != nil {
					t.Errorf("host %d: Mint: %v", h, err)
					return
				}
				ft := fleetToken{tok: tok, host: h, exp: iat + int64(maxTTL/time.Second)}
				mu.Lock()
				latest[h] = ft
				if len(recent) < keep {
					recent = append(recent, ft)
				} else {
					recent[(h*7919+i)%keep] = ft
				}
				// Open the newest token of every other host, a recent one
				// and an old one.
				var open []fleetToken
				for o := range hosts {
					if o != h && latest[o].tok != "" {
						open = append(open, latest[o])
					}
				}
				open = append(open, recent[(i*31+h)%len(recent)])
				if i%1024 == 0 && len(pinned) < keep {
					pinned = append(pinned, ft)
				}
				open = append(open, pinned[(i+h)%len(pinned)])
				mu.Unlock()
				for _, ft := range open {
					var v map[string]int
					c, err := m.Open(ft.tok, &v)
					switch {
					case err == nil:
						opened.Add(1)
						if k, ok := watchers[h].Ring().Lookup(c.KeyID); ok && k.State == keyring.Retired && c.IssuedAt.After(k.Retired) {
							lateOldKey.Add(1) // minted by a host that had not reloaded yet
						}
					case clock.Load() >= ft.exp:
						expired.Add(1) // rejected at or after its expiry: as it should
					default:
						t.Errorf("host %d rejected a valid token of host %d (expires in %ds): %v", h, ft.host, ft.exp-clock.Load(), err)
						stop.Store(true)
						return
					}
				}
				iterations[h].Add(1)
			}
		})
	}
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()

	deadline := time.Now().Add(budget)
	// traffic waits until every host has minted and opened twice more.
	traffic := func() {
		var start [hosts]int64
		for h := range hosts {
			start[h] = iterations[h].Load()
		}
		for h := range hosts {
			for iterations[h].Load() < start[h]+2 && !stop.Load() {
				if time.Now().After(deadline) {
					t.Fatalf("no traffic from host %d within %v", h, budget)
				}
				time.Sleep(100 * time.Microsecond)
			}
		}
	}
	// distribute copies the master file to every host, one clock step and
	// a few milliseconds apart, with traffic in between, then waits until
	// every host has loaded it (ok says whether host h has).
	distribute := func(ok func(r *keyring.Ring) bool) {
		for h := range hosts {
			advance(step)
			copyTo(h)
			time.Sleep(2 * time.Millisecond)
			traffic()
		}
		for h := range hosts {
			for !ok(watchers[h].Ring()) {
				if time.Now().After(deadline) {
					t.Fatalf("host %d did not load the new keyring within %v", h, budget)
				}
				time.Sleep(time.Millisecond)
			}
		}
		traffic()
	}
	update := func(fn func(*keyring.Ring) (*keyring.Ring, error)) {
		t.Helper()
		if _, err := keyring.Update(master, fn); err != nil {
			t.Fatal(err)
		}
	}

	for range cycles {
		if stop.Load() {
			break
		}
		// add → distribute: the new key verifies everywhere, mints nowhere.
		advance(step)
		var added keyring.Key
		update(func(r *keyring.Ring) (*keyring.Ring, error) {
			r2, k, err := r.Add(keyring.Default, now())
			added = k
			return r2, err
		})
		distribute(func(r *keyring.Ring) bool { _, ok := r.Lookup(added.ID); return ok })

		// promote, only now that every host has the key → distribute: hosts
		// not reloaded yet keep minting under the old primary for up to lag.
		advance(step)
		promoted := now()
		var old keyring.Key
		update(func(r *keyring.Ring) (*keyring.Ring, error) {
			old = r.Primary()
			return r.Promote(added.ID, promoted)
		})
		distribute(func(r *keyring.Ring) bool { return r.Primary().ID == added.ID })

		// prune at MaxTTL + Leeway after the promotion, as
		// "keys prune --max-ttl 20s --leeway 5s" would, in steps so that
		// tokens expire under traffic → distribute.
		for now().Before(promoted.Add(maxTTL + leeway)) {
			advance(step)
			traffic()
		}
		update(func(r *keyring.Ring) (*keyring.Ring, error) {
			r2, gone := r.Prune(now(), maxTTL+leeway)
			if len(gone) != 1 || gone[0] != old.ID {
				t.Errorf("Prune removed %v; want the old primary %v", gone, old.ID)
			}
			return r2, nil
		})
		distribute(func(r *keyring.Ring) bool { _, ok := r.Lookup(old.ID); return !ok })
	}
	stop.Store(true)
	wg.Wait()
	if opened.Load() == 0 || expired.Load() == 0 {
		t.Errorf("%d tokens opened and %d expired; want both", opened.Load(), expired.Load())
	}
	t.Logf("%d tokens opened (%d minted under a retired key by a host that had not reloaded), %d rejected after their expiry",
		opened.Load(), lateOldKey.Load(), expired.Load())
}
