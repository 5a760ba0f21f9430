package redisstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/redisstore"
)

// fakeServer listens on a Unix socket and treats every connection as
// behaviour says: "close" closes it at once, "hang" reads commands and
// never answers, and anything else is sent as the error reply to every
// command (the client's handshake included). It needs no redis-server, so
// these cases run everywhere.
func fakeServer(t *testing.T, behaviour string) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "fake.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { serveFake(c, behaviour) })
		}
	})
	return sock
}

func serveFake(c net.Conn, behaviour string) {
	defer c.Close()
	if behaviour == "close" {
		return
	}
	r := bufio.NewReader(c)
	for {
		if err := readCommand(r); err != nil {
			return
		}
		if behaviour == "hang" {
			continue
		}
		if _, err := io.WriteString(c, "-"+behaviour+"\r\n"); err != nil {
			return
		}
	}
}

// readCommand reads one command, an array of bulk strings, as clients send
// them.
func readCommand(r *bufio.Reader) error {
	n, err := readHeader(r, '*')
	if err != nil {
		return err
	}
	for range n {
		size, err := readHeader(r, '$')
		if err != nil {
			return err
		}
		if _, err := r.Discard(size + 2); err != nil {
			return err
		}
	}
	return nil
}

func readHeader(r *bufio.Reader, kind byte) (int, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 3 || line[0] != kind {
		return 0, fmt.Errorf("fake server: unexpected line %q", line)
	}
	return strconv.Atoi(strings.TrimSuffix(line[1:], "\r\n"))
}

// storeOps runs each method of s once on id and returns their errors.
func storeOps(ctx context.Context, s *redisstore.Store, id string) map[string]error {
	_, loadErr := s.Load(ctx, id)
	return map[string]error{
		"Load":   loadErr,
		"Save":   s.Save(ctx, id, []byte("secret data"), time.Hour),
		"Update": s.Update(ctx, id, []byte("secret data"), time.Hour),
		"Delete": s.Delete(ctx, id),
	}
}

// TestErrUnavailable checks which failures wrap ErrUnavailable (Redis could
// not serve: a handler answers 503) and that none of them reads as
// ErrNotFound (no session: a handler logs the user out).
func TestErrUnavailable(t *testing.T) {
	tests := []struct {
		name        string
		behaviour   string // for fakeServer; "" means no server at all
		unavailable bool
	}{
		{"NoServer", "", true},
		{"ConnectionClosed", "close", true},
		{"NoAnswer", "hang", true},
		{"Loading", "LOADING Redis is loading the dataset in memory", true},
		{"ReadOnly", "READONLY You can't write against a read only replica.", true},
		{"MasterDown", "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", true},
		{"ClusterDown", "CLUSTERDOWN The cluster is down", true},
		{"TryAgain", "TRYAGAIN Multiple keys request during rehashing of slot", true},
		{"NoReplicas", "NOREPLICAS Not enough good replicas to write.", true},
		{"OutOfMemory", "OOM command not allowed when used memory > 'maxmemory'.", true},
		{"MaxClients", "ERR max number of clients reached", true},
		{"WrongType", "WRONGTYPE Operation against a key holding the wrong kind of value", false},
		{"NoPermission", "NOPERM User default has no permissions to run the 'get' command", false},
		{"NoAuth", "NOAUTH Authentication required.", false},
		{"UnknownCommand", "ERR unknown command 'get', with args beginning with: ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "none.sock")
			if tt.behaviour != "" {
				sock = fakeServer(t, tt.behaviour)
			}
			client := redis.NewClient(&redis.Options{
				Network:       "unix",
				Addr:          sock,
				MaxRetries:    -1, // one attempt: the server always says the same
				DialerRetries: 1,
				ReadTimeout:   100 * time.Millisecond,
				WriteTimeout:  100 * time.Millisecond,
			})
			defer client.Close()
			s, err := redisstore.New(client, nil)
			if err != nil {
				t.Fatal(err)
			}
			id := session.NewID()
			for op, err := range storeOps(context.Background(), s, id) {
				if err == nil {
					t.Errorf("%s: no error", op)
					continue
				}
				if errors.Is(err, session.ErrNotFound) {
					t.Errorf("%s: %v; it wraps ErrNotFound, and a handler would take a failure for a missing session", op, err)
				}
				if got := errors.Is(err, redisstore.ErrUnavailable); got != tt.unavailable {
					t.Errorf("%s: %v; errors.Is(err, ErrUnavailable) = %v, want %v", op, err, got, tt.unavailable)
				}
				checkMessage(t, err, id, []byte("secret data"))
			}
		})
	}
}

// TestErrUnavailableCallerGaveUp checks that an error is not ErrUnavailable
// when the caller's context ended, even if the server is also unreachable:
// the request was abandoned, and 503 would be the wrong story.
func TestErrUnavailableCallerGaveUp(t *testing.T) {
	tests := []struct {
		name      string
		behaviour string
		ctx       func() (context.Context, context.CancelFunc)
		want      error // also wrapped, if not nil
	}{
		{"CanceledNoServer", "", canceledContext, context.Canceled},
		{"CanceledNoAnswer", "hang", canceledContext, context.Canceled},
		{"DeadlineNoAnswer", "hang", func() (context.Context, context.CancelFunc) {
			// The deadline passes before the client's read timeout.
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "none.sock")
			if tt.behaviour != "" {
				sock = fakeServer(t, tt.behaviour)
			}
			client := redis.NewClient(&redis.Options{Network: "unix", Addr: sock, MaxRetries: -1, ReadTimeout: 100 * time.Millisecond})
			defer client.Close()
			s, err := redisstore.New(client, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := tt.ctx()
			defer cancel()
			for op, err := range storeOps(ctx, s, session.NewID()) {
				if err == nil || errors.Is(err, redisstore.ErrUnavailable) || errors.Is(err, session.ErrNotFound) {
					t.Errorf("%s: %v; want an error that is neither ErrUnavailable nor ErrNotFound", op, err)
				}
				if tt.want != nil && !errors.Is(err, tt.want) {
					t.Errorf("%s: %v; want it to wrap %v", op, err, tt.want)
				}
			}
		})
	}
}

func canceledContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx, cancel
}
