//go:build unix

package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/redisstore"
)

// The phases of TestRestartDuringTraffic. The epoch counter goes up by one
// at each change of phase, so epoch%4 is the phase, and an operation that
// read the same epoch before and after it ran entirely within one phase.
const (
	phaseUp       = iota // one server process, answering, throughout
	phaseStopping        // the server is being stopped
	phaseDown            // no server process at all
	phaseStarting        // a new server, empty, is starting
)

// nextDown is the first epoch, from e on, in which no server runs: by then
// every command sent before e has run or is lost.
func nextDown(e int64) int64 {
	for e%4 != phaseDown {
		e++
	}
	return e
}

// restartTraffic is the shared state of TestRestartDuringTraffic.
type restartTraffic struct {
	t        *testing.T
	store    *redisstore.Store
	epoch    atomic.Int64
	answered [64]atomic.Int64 // per epoch: operations within an up phase that Redis answered
	refused  [64]atomic.Int64 // per epoch: operations within a down phase that failed with ErrUnavailable
	exact    [64]atomic.Int64 // per epoch: answers compared with what the worker knew
	failures atomic.Int64
}

func (rt *restartTraffic) errorf(format string, args ...any) {
	rt.t.Helper()
	if rt.failures.Add(1) <= 20 { // enough to diagnose, not a flood
		rt.t.Errorf(format, args...)
	}
}

// slot is one session that a worker owns, and what the worker knows of it.
type slot struct {
	id      string
	ver     int    // the last version the worker tried to write
	known   bool   // whether present and val are known
	present bool   // whether the session exists, if known
	val     string // its data, if known and present
	since   int64  // the up epoch in which present was learnt
	taint   int64  // no exact checks before this epoch (a write may be in flight)
}

// data is the distinctive value that worker w writes, as its version ver,
// into its slot i: a session served to the wrong client shows.
func data(w, i, ver int) string {
	return fmt.Sprintf("owner=%02d slot=%d ver=%d|%s", w, i, ver, strings.Repeat("x", (w*7+ver)%40))
}

// owned reports whether d is a value that worker w wrote into slot i, at a
// version no later than maxVer.
func owned(d string, w, i, maxVer int) bool {
	head := fmt.Sprintf("owner=%02d slot=%d ver=", w, i)
	rest, ok := strings.CutPrefix(d, head)
	if !ok {
		return false
	}
	v, _, ok := strings.Cut(rest, "|")
	if !ok {
		return false
	}
	ver, err := strconv.Atoi(v)
	return err == nil && ver >= 1 && ver <= maxVer && d == data(w, i, ver)
}

// worker runs operations on its own sessions until stop is closed or it has
// run maxOps, and checks every outcome against what it knows.
func (rt *restartTraffic) worker(w int, stop <-chan struct{}) {
	const slots, maxOps = 4, 100_000
	ss := make([]slot, slots)
	for i := range ss {
		ss[i] = slot{id: session.NewID()}
	}
	ctx := context.Background()
	ops := []string{"Save", "Load", "Update", "Load", "Delete", "Load", "Update", "Save", "Save", "Load"}
	for n := range maxOps {
		select {
		case <-stop:
			return
		default:
		}
		i := n % slots
		s := &ss[i]
		op := ops[(n/slots)%len(ops)]
		var got []byte
		var err error
		var val string
		e0 := rt.epoch.Load()
		switch op {
		case "Save", "Update":
			s.ver++
			val = data(w, i, s.ver)
			if op == "Save" {
				err = rt.store.Save(ctx, s.id, []byte(val), time.Hour)
			} else {
				err = rt.store.Update(ctx, s.id, []byte(val), time.Hour)
			}
		case "Load":
			got, err = rt.store.Load(ctx, s.id)
		case "Delete":
			err = rt.store.Delete(ctx, s.id)
		}
		e1 := rt.epoch.Load()
		rt.check(w, i, s, op, val, got, err, e0, e1)
		if err != nil && !errors.Is(err, session.ErrNotFound) {
			time.Sleep(time.Millisecond) // no busy loop while Redis is down
		}
	}
}

// check judges one operation, op on slot i of worker w, which wrote val or
// loaded got, returned err, and ran from epoch e0 to e1.
func (rt *restartTraffic) check(w, i int, s *slot, op, val string, got []byte, err error, e0, e1 int64) {
	notFound := errors.Is(err, session.ErrNotFound)
	where := fmt.Sprintf("worker %d, session %d, %s in epoch %d..%d", w, i, op, e0, e1)

	// Whatever the phase: data comes only from this worker's own writes,
	// and a failure is ErrUnavailable, never ErrNotFound in disguise.
	if op == "Load" && err == nil && !owned(string(got), w, i, s.ver) {
		rt.errorf("%s returned %.60q, which this worker never wrote to this session: a session served to the wrong client", where, got)
	}
	if err != nil && !notFound && !errors.Is(err, redisstore.ErrUnavailable) {
		rt.errorf("%s: %v; want ErrUnavailable", where, err)
	}
	if err != nil && notFound && errors.Is(err, redisstore.ErrUnavailable) {
		rt.errorf("%s: %v wraps both ErrNotFound and ErrUnavailable", where, err)
	}
	answered := err == nil || notFound

	stable := e0 == e1
	if stable && e0%4 == phaseDown {
		// No server ran at all during the operation.
		if answered {
			rt.errorf("%s returned %v with no server running; want ErrUnavailable", where, err)
		} else {
			rt.refused[e0].Add(1)
		}
		return
	}
	if !answered {
		if op != "Load" {
			// The write may have been applied, or, if it was sent, still
			// be on its way to the server that got it.
			s.known = false
			if mayHaveBeenSent(err) {
				s.taint = max(s.taint, nextDown(e1))
			}
		}
		return
	}
	if !stable || e0%4 != phaseUp {
		// Answered, but by the old server or the new one: unknown.
		if op != "Load" {
			s.known = false
		}
		return
	}
	rt.answered[e0].Add(1)

	// One server, throughout: the answer must agree with what the worker
	// knows, unless an earlier failed write may still land.
	exact := e0 >= s.taint && s.known
	present := s.present && s.since == e0 // a restart empties Redis
	if exact {
		rt.exact[e0].Add(1)
		switch {
		case op == "Load" && err == nil && !present:
			rt.errorf("%s returned %.60q; the session was deleted, or lost in a restart", where, got)
		case op == "Load" && err == nil && string(got) != s.val:
			rt.errorf("%s returned %.60q; want the last value written, %.60q", where, got, s.val)
		case op == "Load" && notFound && present:
			rt.errorf("%s returned ErrNotFound for a session saved in the same server's life", where)
		case op == "Update" && err == nil && !present:
			rt.errorf("%s succeeded on a session that was deleted, or lost in a restart: it came back", where)
		case op == "Update" && notFound && present:
			rt.errorf("%s returned ErrNotFound for a live session", where)
		}
	}
	if e0 < s.taint {
		return
	}
	s.known, s.since = true, e0
	switch {
	case op == "Save" || (op == "Update" && err == nil):
		s.present, s.val = true, val
	case op == "Load" && err == nil:
		s.present, s.val = true, string(got)
	default: // Delete, or ErrNotFound from Load or Update
		s.present = false
	}
}

// mayHaveBeenSent reports whether the command that failed with err may have
// reached a server: unless it failed to connect. (A command retried after
// an attempt that failed otherwise ends with that attempt's error, or
// with a failure to connect, which means that the server that may have
// got the first attempt has gone.)
func mayHaveBeenSent(err error) bool {
	var op *net.OpError
	return !errors.As(err, &op) || op.Op != "dial"
}

// TestRestartDuringTraffic kills and restarts the Redis server, on the same
// socket, while workers run Save, Load, Update and Delete on sessions of
// their own. It checks that no operation panics or is served another's
// data; that with no server every operation fails with ErrUnavailable and
// none with ErrNotFound; that answers from one server agree with what was
// written; and that traffic recovers after each restart.
func TestRestartDuringTraffic(t *testing.T) {
	// In parallel with the other slow tests: most of its time is spent
	// waiting for Redis servers and for sessions to expire in real time.
	t.Parallel()
	bin := requireTools(t, "redis-server")[0]
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	args := []string{
		"--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", dir,
	}
	start := func() *redisProc {
		p := startRedis(t, bin, args...)
		if err := waitPing(p, &redis.Options{Network: "unix", Addr: sock}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	proc := start()

	const workers = 8
	client := redis.NewClient(&redis.Options{
		Network:         "unix",
		Addr:            sock,
		PoolSize:        workers,
		MaxRetries:      2,
		MinRetryBackoff: time.Millisecond,
		MaxRetryBackoff: 10 * time.Millisecond,
		DialerRetries:   1,
		DialTimeout:     time.Second,
		ReadTimeout:     3 * time.Second,
		WriteTimeout:    3 * time.Second,
	})
	defer client.Close()
	store, err := redisstore.New(client, &redisstore.Options{Prefix: uniquePrefix()})
	if err != nil {
		t.Fatal(err)
	}
	rt := &restartTraffic{t: t, store: store}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { rt.worker(w, stop) })
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()

	// waitFor waits until count says enough has happened in the current
	// epoch, for at most limit.
	waitFor := func(count *[64]atomic.Int64, min int64, limit time.Duration) bool {
		e := rt.epoch.Load()
		for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if count[e].Load() >= min {
				return true
			}
		}
		return false
	}
	// An up phase lasts until enough answers have been compared with what
	// was written (so the checks ran, and traffic has recovered); a down
	// phase, until enough operations have failed.
	const minExact, minRefused = 200, 20
	for cycle, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM, syscall.SIGKILL} {
		if !waitFor(&rt.exact, minExact, 5*time.Second) {
			t.Fatalf("cycle %d: fewer than %d operations answered and checked within 5s of the server's start: traffic did not recover", cycle, minExact)
		}
		rt.epoch.Add(1) // stopping
		proc.stop(sig)
		rt.epoch.Add(1) // down
		if !waitFor(&rt.refused, minRefused, 3*time.Second) {
			t.Fatalf("cycle %d: fewer than %d operations failed with ErrUnavailable within 3s with the server down", cycle, minRefused)
		}
		rt.epoch.Add(1) // starting
		proc = start()
		rt.epoch.Add(1) // up
	}
	if !waitFor(&rt.exact, minExact, 5*time.Second) {
		t.Fatalf("fewer than %d operations answered and checked within 5s of the last restart: traffic did not recover", minExact)
	}
	close(stop)
	wg.Wait()
	stop = make(chan struct{}) // for the deferred close

	for e := range rt.epoch.Load() + 1 {
		t.Logf("epoch %d (%s): %d answered (%d checked exactly), %d refused", e, []string{"up", "stopping", "down", "starting"}[e%4], rt.answered[e].Load(), rt.exact[e].Load(), rt.refused[e].Load())
	}

	// Once recovered, every operation succeeds.
	ctx := context.Background()
	for w := range workers {
		id := session.NewID()
		if err := store.Save(ctx, id, []byte(data(w, 0, 1)), time.Hour); err != nil {
			t.Fatalf("Save after recovery: %v", err)
		}
		if err := store.Update(ctx, id, []byte(data(w, 0, 2)), time.Hour); err != nil {
			t.Fatalf("Update after recovery: %v", err)
		}
		if got, err := store.Load(ctx, id); err != nil || string(got) != data(w, 0, 2) {
			t.Fatalf("Load after recovery = %.60q, %v; want %.60q", got, err, data(w, 0, 2))
		}
		if err := store.Delete(ctx, id); err != nil {
			t.Fatalf("Delete after recovery: %v", err)
		}
		if _, err := store.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load after Delete, after recovery: %v; want ErrNotFound", err)
		}
	}
}
