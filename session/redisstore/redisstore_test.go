package redisstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"

	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/redisstore"
	"github.com/sesstool/sesstool/session/storetest"
)

// requireEnv names the variable that turns a missing redis-server from a
// skip into a failure. CI sets it, so these tests never skip silently there.
const requireEnv = "SESSTOOL_REQUIRE_REDIS"

// server is the throwaway redis-server that the tests share. It is started
// by the first test that needs it and stopped by TestMain.
var server struct {
	once   sync.Once
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
	dir    string
	sock   string
	log    *syncBuffer
	client *redis.Client
	skip   string // why the tests are skipped, if they are
	err    error  // why the server could not start, if it could not
}

func TestMain(m *testing.M) {
	// The tests provoke failed dials on purpose; go-redis would log each.
	redis.SetLogger(logging.NewBlacklistLogger([]string{"failed to dial"}))
	code := m.Run()
	stopServer()
	os.Exit(code)
}

// newClient returns a client of the shared server, starting it first if
// need be. It skips the test if redis-server is not installed, unless
// SESSTOOL_REQUIRE_REDIS=1.
func newClient(t *testing.T) *redis.Client {
	t.Helper()
	server.once.Do(startServer)
	if server.skip != "" {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%s; %s=1 requires the Redis tests to run", server.skip, requireEnv)
		}
		t.Skipf("%s; set %s=1 to make this a failure", server.skip, requireEnv)
	}
	if server.err != nil {
		t.Fatal(server.err)
	}
	return server.client
}

func startServer() {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		server.skip = "redis-server is not in $PATH (install it with: apt-get install redis-server)"
		return
	}
	dir, err := os.MkdirTemp("", "redisstore")
	if err != nil {
		server.err = err
		return
	}
	server.dir = dir
	server.sock = filepath.Join(dir, "redis.sock")
	server.log = new(syncBuffer)
	// Port 0 turns TCP off: only this process can reach the server, through
	// a socket in its own temporary directory. Nothing is persisted.
	cmd := exec.Command(bin,
		"--port", "0",
		"--unixsocket", server.sock,
		"--unixsocketperm", "700",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
	)
	cmd.Stdout = server.log
	cmd.Stderr = server.log
	if err := cmd.Start(); err != nil {
		server.err = fmt.Errorf("failed to start redis-server: %v", err)
		return
	}
	server.cmd = cmd
	server.exited = make(chan struct{})
	go func() {
		cmd.Wait()
		close(server.exited)
	}()

	server.client = redis.NewClient(&redis.Options{Network: "unix", Addr: server.sock})
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		err := server.client.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		select {
		case <-server.exited:
			server.err = fmt.Errorf("redis-server exited at startup (%v); its output:\n%s", cmd.ProcessState, server.log)
			return
		default:
		}
		if time.Now().After(deadline) {
			server.err = fmt.Errorf("redis-server did not answer PING within 5s (last error: %v); its output:\n%s", err, server.log)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stopServer() {
	if server.client != nil {
		server.client.Close()
	}
	if server.cmd != nil {
		server.cmd.Process.Kill()
		<-server.exited
	}
	if server.dir != "" {
		os.RemoveAll(server.dir)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use: the server writes
// its log while a test may read it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// uniquePrefix returns a key prefix no other test uses.
func uniquePrefix() string {
	return "test:" + rand.Text() + ":"
}

// newStore returns a Store over the shared server with a prefix of its own,
// so that tests cannot see each other's sessions.
func newStore(t *testing.T, o redisstore.Options) (*redisstore.Store, *redis.Client, string) {
	t.Helper()
	client := newClient(t)
	if o.Prefix == "" {
		o.Prefix = uniquePrefix()
	}
	s, err := redisstore.New(client, &o)
	if err != nil {
		t.Fatal(err)
	}
	return s, client, o.Prefix
}

// keyOf is the key the store should use for id, computed independently.
func keyOf(prefix, id string) string {
	sum := sha256.Sum256([]byte(id))
	return prefix + hex.EncodeToString(sum[:])
}

// keysWithPrefix lists the keys under prefix, with SCAN.
func keysWithPrefix(t *testing.T, client *redis.Client, prefix string) []string {
	t.Helper()
	var keys []string
	iter := client.Scan(context.Background(), 0, prefix+"*", 100).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("SCAN: %v", err)
	}
	return keys
}

func TestConformance(t *testing.T) {
	// In parallel with the other slow tests: most of its time is spent
	// waiting for Redis servers and for sessions to expire in real time.
	t.Parallel()
	newClient(t) // skip or fail once, not in every subtest
	storetest.Run(t, func(t *testing.T) session.Store {
		s, _, _ := newStore(t, redisstore.Options{})
		return s
	}, storetest.Options{})
}

func TestKeyIsHashedID(t *testing.T) {
	ctx := context.Background()
	for _, id := range []string{session.NewID(), strings.Repeat("0123456789abcdef", 2), strings.Repeat("a", 128)} {
		t.Run(fmt.Sprint(len(id)), func(t *testing.T) {
			s, client, prefix := newStore(t, redisstore.Options{})
			if err := s.Save(ctx, id, []byte("data"), time.Hour); err != nil {
				t.Fatal(err)
			}
			want := keyOf(prefix, id)
			keys := keysWithPrefix(t, client, prefix)
			if len(keys) != 1 || keys[0] != want {
				t.Fatalf("keys under %q = %q; want [%q]", prefix, keys, want)
			}
			if got, err := client.Get(ctx, want).Result(); err != nil || got != "data" {
				t.Fatalf("GET %s = %q, %v; want %q", want, got, err, "data")
			}
			all, err := client.Keys(ctx, "*").Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range all {
				if strings.Contains(k, id) {
					t.Errorf("key %q contains the raw session ID", k)
				}
			}
			if err := s.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			if n, err := client.Exists(ctx, want).Result(); err != nil || n != 0 {
				t.Fatalf("EXISTS after Delete = %d, %v; want 0", n, err)
			}
		})
	}
}

func TestDefaultPrefix(t *testing.T) {
	ctx := context.Background()
	client := newClient(t)
	for _, o := range []*redisstore.Options{nil, {}, {MaxData: 10}} {
		s, err := redisstore.New(client, o)
		if err != nil {
			t.Fatal(err)
		}
		id := session.NewID()
		if err := s.Save(ctx, id, []byte("x"), time.Minute); err != nil {
			t.Fatal(err)
		}
		key := keyOf(redisstore.DefaultPrefix, id)
		n, err := client.Exists(ctx, key).Result()
		if err != nil || n != 1 {
			t.Errorf("New(client, %+v): EXISTS %s = %d, %v; want 1", o, key, n, err)
		}
		if err := s.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTTL(t *testing.T) {
	ctx := context.Background()
	s, client, prefix := newStore(t, redisstore.Options{})
	const slack = 250 * time.Millisecond
	for _, ttl := range []time.Duration{
		session.MinTTL,
		1500 * time.Millisecond, // not whole seconds: needs PX
		time.Minute + 500*time.Millisecond,
		time.Hour,
		30 * 24 * time.Hour,
	} {
		id := session.NewID()
		if err := s.Save(ctx, id, []byte("x"), ttl); err != nil {
			t.Fatalf("Save with TTL %v: %v", ttl, err)
		}
		got, err := client.PTTL(ctx, keyOf(prefix, id)).Result()
		if err != nil {
			t.Fatal(err)
		}
		// PTTL counts down from ttl; allow for the time the test takes,
		// but not for a TTL rounded down to whole seconds.
		if got > ttl || got < ttl-slack {
			t.Errorf("Save with TTL %v: PTTL = %v; want within %v below %v", ttl, got, slack, ttl)
		}
	}

	// A second Save replaces the expiry, shorter or longer.
	id := session.NewID()
	for _, ttl := range []time.Duration{time.Hour, 2 * time.Second, 2 * time.Hour} {
		if err := s.Save(ctx, id, []byte("x"), ttl); err != nil {
			t.Fatal(err)
		}
		got, err := client.PTTL(ctx, keyOf(prefix, id)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got > ttl || got < ttl-slack {
			t.Errorf("re-Save with TTL %v: PTTL = %v; want within %v below %v", ttl, got, slack, ttl)
		}
	}
}

func TestMaxData(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		maxData int // Options.MaxData
		limit   int // the size that must be accepted
	}{
		{"Default", 0, redisstore.DefaultMaxData},
		{"Small", 10, 10},
		{"One", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, client, prefix := newStore(t, redisstore.Options{MaxData: tt.maxData})
			id := session.NewID()
			fits := bytes.Repeat([]byte("a"), tt.limit)
			over := bytes.Repeat([]byte("b"), tt.limit+1)

			if err := s.Save(ctx, id, fits, time.Hour); err != nil {
				t.Fatalf("Save(%d bytes): %v", len(fits), err)
			}
			err := s.Save(ctx, id, over, time.Hour)
			if !errors.Is(err, session.ErrTooLarge) {
				t.Fatalf("Save(%d bytes): %v; want ErrTooLarge", len(over), err)
			}
			checkMessage(t, err, id, over)
			// The refused Save left the session as it was.
			if got, err := s.Load(ctx, id); err != nil || !bytes.Equal(got, fits) {
				t.Fatalf("Load after a refused Save = %d bytes, %v; want the %d bytes saved before", len(got), err, len(fits))
			}

			// A value written behind the store's back is refused on Load.
			if err := client.Set(ctx, keyOf(prefix, id), over, time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			got, err := s.Load(ctx, id)
			if err == nil || errors.Is(err, session.ErrNotFound) || !errors.Is(err, session.ErrTooLarge) {
				t.Fatalf("Load of a %d-byte value = %d bytes, %v; want ErrTooLarge", len(over), len(got), err)
			}
			if got != nil {
				t.Errorf("Load of a too-large value returned %d bytes with its error", len(got))
			}
			checkMessage(t, err, id, over)
		})
	}
}

func TestNew(t *testing.T) {
	client := redis.NewClient(&redis.Options{Network: "unix", Addr: filepath.Join(t.TempDir(), "none.sock")})
	defer client.Close()
	tests := []struct {
		name   string
		client redis.UniversalClient
		o      *redisstore.Options
		ok     bool
	}{
		{"NilClient", nil, nil, false},
		{"NilClientPointer", (*redis.Client)(nil), nil, false},
		{"NilClusterClientPointer", (*redis.ClusterClient)(nil), nil, false},
		{"NegativeMaxData", client, &redisstore.Options{MaxData: -1}, false},
		{"NilOptions", client, nil, true},
		{"ZeroOptions", client, &redisstore.Options{}, true},
		{"Options", client, &redisstore.Options{Prefix: "app:", MaxData: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisstore.New(tt.client, tt.o)
			if tt.ok && (err != nil || s == nil) {
				t.Fatalf("New = %v, %v; want a Store", s, err)
			}
			if !tt.ok && (err == nil || s != nil) {
				t.Fatalf("New = %v, %v; want an error", s, err)
			}
		})
	}
}

// TestInvalidIDNotSent checks that invalid IDs are refused before Redis is
// contacted: the client points at no server, so any command would fail with
// a connection error rather than ErrInvalidID.
func TestInvalidIDNotSent(t *testing.T) {
	ctx := context.Background()
	client := redis.NewClient(&redis.Options{Network: "unix", Addr: filepath.Join(t.TempDir(), "none.sock"), MaxRetries: -1, DialerRetries: 1})
	defer client.Close()
	var sent []string
	var mu sync.Mutex
	client.AddHook(recordHook{func(_ context.Context, cmd redis.Cmder) {
		mu.Lock()
		sent = append(sent, cmd.Name())
		mu.Unlock()
	}})
	s, err := redisstore.New(client, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "*", "abc", strings.ToUpper(session.NewID()), session.NewID() + "\n"} {
		if err := s.Save(ctx, id, []byte("x"), time.Hour); !errors.Is(err, session.ErrInvalidID) {
			t.Errorf("Save(%q): %v; want ErrInvalidID", id, err)
		}
		if _, err := s.Load(ctx, id); !errors.Is(err, session.ErrInvalidID) {
			t.Errorf("Load(%q): %v; want ErrInvalidID", id, err)
		}
		err := s.Delete(ctx, id)
		if !errors.Is(err, session.ErrInvalidID) {
			t.Errorf("Delete(%q): %v; want ErrInvalidID", id, err)
		}
		if id != "" && err != nil && strings.Contains(err.Error(), id) {
			t.Errorf("Delete(%q): the error %q contains the ID", id, err)
		}
	}
	mu.Lock()
	if len(sent) != 0 {
		t.Errorf("commands sent for invalid IDs: %q", sent)
	}
	mu.Unlock()

	// The control: a valid ID does reach the client, and fails there.
	err = s.Delete(ctx, session.NewID())
	if err == nil || errors.Is(err, session.ErrInvalidID) {
		t.Fatalf("Delete of a valid ID with no server: %v; want a connection error", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sent) != 1 || sent[0] != "del" {
		t.Errorf("commands sent for a valid ID: %q; want [del]", sent)
	}
}

func TestCanceledContext(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{})
	id := session.NewID()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	err := s.Save(ctx, id, []byte("secret data"), time.Hour)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Save with a canceled context: %v; want context.Canceled", err)
	}
	checkMessage(t, err, id, []byte("secret data"))
	if n, err := client.Exists(context.Background(), keyOf(prefix, id)).Result(); err != nil || n != 0 {
		t.Errorf("after Save with a canceled context, EXISTS = %d, %v; want 0", n, err)
	}

	if err := s.Save(context.Background(), id, []byte("secret data"), time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, id)
	if !errors.Is(err, context.Canceled) || errors.Is(err, session.ErrNotFound) {
		t.Errorf("Load with a canceled context = %q, %v; want context.Canceled", got, err)
	}
	checkMessage(t, err, id, []byte("secret data"))

	if err := s.Delete(ctx, id); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete with a canceled context: %v; want context.Canceled", err)
	}
	if n, err := client.Exists(context.Background(), keyOf(prefix, id)).Result(); err != nil || n != 1 {
		t.Errorf("after Delete with a canceled context, EXISTS = %d, %v; want 1", n, err)
	}
}

// TestContextPassed checks that each method hands the caller's context to
// the client, by a value that a hook looks for.
func TestContextPassed(t *testing.T) {
	newClient(t) // starts the server, or skips
	client := redis.NewClient(&redis.Options{Network: "unix", Addr: server.sock})
	defer client.Close()
	type ctxKey struct{}
	var mu sync.Mutex
	seen := map[string]bool{}
	client.AddHook(recordHook{func(ctx context.Context, cmd redis.Cmder) {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Value(ctxKey{}) == "mark" {
			seen[cmd.Name()] = true
		}
	}})
	s, err := redisstore.New(client, &redisstore.Options{Prefix: uniquePrefix()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), ctxKey{}, "mark")
	id := session.NewID()
	if err := s.Save(ctx, id, []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, name := range []string{"set", "get", "del"} {
		if !seen[name] {
			t.Errorf("%s was not sent with the caller's context (seen: %v)", strings.ToUpper(name), seen)
		}
	}
}

func TestServerError(t *testing.T) {
	ctx := context.Background()
	s, client, prefix := newStore(t, redisstore.Options{})
	id := session.NewID()
	// A key of the wrong type, written behind the store's back.
	if err := client.RPush(ctx, keyOf(prefix, id), "x").Err(); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load(ctx, id)
	if err == nil || errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load of a list key: %v; want a server error", err)
	}
	if !strings.Contains(err.Error(), "failed to load session") {
		t.Errorf("Load error %q does not say what failed", err)
	}
	checkMessage(t, err, id, nil)
}

// checkMessage fails the test if err's message holds the session ID or the
// session data.
func checkMessage(t *testing.T, err error, id string, data []byte) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if strings.Contains(msg, id) || strings.Contains(msg, id[:16]) {
		t.Errorf("the error %q contains the session ID", msg)
	}
	if len(data) > 0 && strings.Contains(msg, string(data)) {
		t.Errorf("the error %q contains the session data", msg)
	}
}

// recordHook calls f for every command the client processes.
type recordHook struct {
	f func(ctx context.Context, cmd redis.Cmder)
}

func (h recordHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h recordHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.f(ctx, cmd)
		return next(ctx, cmd)
	}
}

func (h recordHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			h.f(ctx, cmd)
		}
		return next(ctx, cmds)
	}
}

func TestIterable(t *testing.T) {
	newClient(t) // skip or fail once, not in every subtest
	storetest.RunIterable(t, func(t *testing.T) session.Store {
		s, _, _ := newStore(t, redisstore.Options{})
		return s
	}, storetest.Options{})
}

// TestRangeIgnoresOtherKeys checks that Range sees only its prefix (a
// prefix with glob characters is matched literally) and skips keys under
// it that are not hashes.
func TestRangeIgnoresOtherKeys(t *testing.T) {
	ctx := context.Background()
	prefix := uniquePrefix() + "[a*]?"
	s, client, _ := newStore(t, redisstore.Options{Prefix: prefix})
	other, _, _ := newStore(t, redisstore.Options{Prefix: strings.ReplaceAll(prefix, "[a*]?", "a")})
	id := session.NewID()
	if err := s.Save(ctx, id, []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := other.Save(ctx, session.NewID(), []byte("y"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := client.Set(ctx, prefix+"not-a-hash", "z", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := s.Range(ctx, func(e session.Entry) error { got = append(got, e.Hash); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != session.IDHash(id) {
		t.Fatalf("Range reported %v; want only %s", got, session.IDHash(id))
	}
}
