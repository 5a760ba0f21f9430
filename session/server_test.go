package session_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/internal/testclock"
	"github.com/sesstool/sesstool/session"
)

func newTimedManager(t *testing.T, clk *testclock.Clock, o session.Options) (*session.Manager[cart], *countingStore) {
	t.Helper()
	o.Now = clk.Now
	store := &countingStore{Store: session.NewMemoryStore(&session.MemoryOptions{Now: clk.Now})}
	m, err := session.New[cart](store, &o)
	if err != nil {
		t.Fatal(err)
	}
	return m, store
}

func TestServerSideIdleTimeout(t *testing.T) {
	clk := newClock()
	m, store := newTimedManager(t, clk, session.Options{IdleTimeout: 10 * time.Minute, TouchInterval: time.Minute, Lifetime: time.Hour})
	b := newJar()
	w, err := renew(m, b.request("/"), cart{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)

	// Many requests within one TouchInterval write to the store once at
	// most; each interval's first request pushes the idle end back.
	for minute := range 25 {
		before := store.updates.Load()
		for range 5 {
			if _, ok, err := load(m, b.request("/")); !ok || err != nil {
				t.Fatalf("minute %d: Load = %v, %v", minute, ok, err)
			}
		}
		if n := store.updates.Load() - before; n > 1 {
			t.Fatalf("minute %d: %d store writes for 5 Loads; want at most one per TouchInterval", minute, n)
		}
		clk.Advance(time.Minute)
	}
	if store.updates.Load() < 20 {
		t.Fatalf("%d touches in 25 minutes of activity; want one a minute", store.updates.Load())
	}
	// Idle for the timeout: gone, server side, whatever the cookie says.
	clk.Advance(10 * time.Minute)
	if _, ok, _ := load(m, b.request("/")); ok {
		t.Fatal("a session idle for IdleTimeout is still alive")
	}
}

func TestServerSideLifetime(t *testing.T) {
	clk := newClock()
	m, _ := newTimedManager(t, clk, session.Options{IdleTimeout: 10 * time.Minute, TouchInterval: time.Minute, Lifetime: 30 * time.Minute})
	b := newJar()
	w, err := renew(m, b.request("/"), cart{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if set := setCookies(w); !strings.Contains(set, "Max-Age=1800") {
		t.Fatalf("Set-Cookie %q; want a cookie that lasts the Lifetime", set)
	}
	b.keep(w)
	for elapsed := 5 * time.Minute; ; elapsed += 5 * time.Minute {
		clk.Advance(5 * time.Minute)
		var ok bool
		var err error
		call(m, b.request("/"), func(w http.ResponseWriter, r *http.Request) {
			var c cart
			if c, ok, err = m.Load(r); ok {
				c.Items = append(c.Items, "x")
				err = m.Save(w, r, c)
			}
		})
		switch {
		case elapsed < 30*time.Minute && (!ok || err != nil):
			t.Fatalf("after %v of activity: ok = %v, err = %v", elapsed, ok, err)
		case elapsed >= 30*time.Minute && ok:
			t.Fatalf("after %v of activity the session lives on, past its Lifetime", elapsed)
		}
		if elapsed >= 30*time.Minute {
			break
		}
	}
	// Renew begins a new Lifetime.
	w, err = renew(m, b.request("/"), cart{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)
	if _, ok, _ := load(m, b.request("/")); !ok {
		t.Fatal("no session after a new log-in")
	}
}

func TestServerSideRemember(t *testing.T) {
	clk := newClock()
	m, _ := newTimedManager(t, clk, session.Options{BrowserSession: true})
	b := newJar()
	w, err := renew(m, b.request("/"), cart{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if set := setCookies(w); set == "" || strings.Contains(set, "Max-Age") {
		t.Fatalf("BrowserSession: Set-Cookie %q; want no Max-Age", set)
	}
	w = call(m, b.request("/"), func(w http.ResponseWriter, r *http.Request) {
		if err := m.RenewWith(w, r, cart{User: "alice"}, session.RenewOptions{Remember: true}); err != nil {
			t.Error(err)
		}
	})
	if set := setCookies(w); !strings.Contains(set, "Max-Age=86400") {
		t.Fatalf("Remember: Set-Cookie %q; want a persistent cookie", set)
	}
}

// TestServerSideEndedSave: a request that loaded the session before
// another request cleared it cannot save it back.
func TestServerSideEndedSave(t *testing.T) {
	m, store := newManager(t, nil)
	b := newJar()
	w, err := renew(m, b.request("/"), cart{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)
	for _, end := range []string{"Clear", "Renew"} {
		if end == "Renew" {
			w, err := renew(m, b.request("/"), cart{User: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			b.keep(w)
		}
		stolen := b.request("/")
		w = call(m, stolen, func(w http.ResponseWriter, r *http.Request) {
			c, ok, err := m.Load(r)
			if !ok || err != nil {
				t.Fatalf("%s: Load = %v, %v", end, ok, err)
			}
			// Meanwhile, the user logs out (or in again) in another request.
			var w2 *httptest.ResponseRecorder
			if end == "Clear" {
				w2, err = clear(m, b.request("/"))
			} else {
				w2, err = renew(m, b.request("/"), cart{User: "alice"})
			}
			if err != nil {
				t.Fatal(err)
			}
			b.keep(w2)
			c.Items = append(c.Items, "stolen")
			if err := m.Save(w, r, c); !errors.Is(err, session.ErrEnded) {
				t.Errorf("%s: Save after the session ended: %v; want ErrEnded", end, err)
			}
		})
		if set := setCookies(w); set != "" {
			t.Errorf("%s: the refused Save sent %q", end, set)
		}
		if _, ok, _ := load(m, stolen); ok {
			t.Errorf("%s: the ended session came back", end)
		}
	}
	_ = store
}
