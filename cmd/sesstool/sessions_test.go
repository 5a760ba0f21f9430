package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rogpeppe/go-internal/testscript"
)

// requireRedisEnv makes a missing redis-server a failure rather than a
// skip, as in session/redisstore's tests.
const requireRedisEnv = "SESSTOOL_REQUIRE_REDIS"

// record returns a session record (session/server.go) of data, created and
// last written at t, without the "remember" flag.
func record(t time.Time, data string) []byte {
	b := []byte{0xff, 1}
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix()))
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix()))
	return append(append(b, 0), data...)
}

// cmdMkrecord writes a session record: mkrecord FILE CREATED JSON, with
// CREATED in RFC 3339.
func cmdMkrecord(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: mkrecord FILE CREATED JSON")
	}
	t, err := time.Parse(time.RFC3339, args[1])
	ts.Check(err)
	p := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
	ts.Check(os.WriteFile(p, record(t, args[2]), 0o644))
}

// cmdMtime sets the modification time of files: mtime TIME FILE...
func cmdMtime(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mtime TIME FILE...")
	}
	t, err := time.Parse(time.RFC3339, args[0])
	ts.Check(err)
	for _, f := range args[1:] {
		ts.Check(os.Chtimes(ts.MkAbs(f), t, t))
	}
}

// cmdRedisServer starts a redis-server on a Unix socket in the work
// directory, and sets $REDIS to its redis+unix:// URL; the script ends it.
// Scripts guard it with "[!redis] skip".
func cmdRedisServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: redis-server")
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		ts.Fatalf("redis-server is not in $PATH (apt-get install redis-server); scripts guard this command with [!redis] skip")
	}
	dir := ts.MkAbs("redis")
	ts.Check(os.MkdirAll(dir, 0o700))
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", dir)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	ts.Check(cmd.Start())
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	ts.Defer(func() { cmd.Process.Kill(); <-done })
	client := redis.NewClient(&redis.Options{Network: "unix", Addr: sock})
	defer client.Close()
	deadline := time.Now().Add(5 * time.Second)
	for client.Ping(context.Background()).Err() != nil {
		select {
		case <-done:
			ts.Fatalf("redis-server exited at startup")
		default:
		}
		if time.Now().After(deadline) {
			ts.Fatalf("redis-server did not answer PING within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Setenv("REDIS", "redis+unix://"+sock)
	ts.Setenv("REDIS_SOCK", sock)
}

// cmdRedisSet stores a session in the script's redis-server as redisstore
// does, under PREFIX and the SHA-256 of ID: redisset [-record] PREFIX ID TTL
// JSON. With -record, JSON is wrapped in a session record created at
// 2026-01-01T00:00:00Z.
func cmdRedisSet(ts *testscript.TestScript, neg bool, args []string) {
	rec := len(args) > 0 && args[0] == "-record"
	if rec {
		args = args[1:]
	}
	if neg || len(args) != 4 {
		ts.Fatalf("usage: redisset [-record] PREFIX ID TTL JSON")
	}
	ttl, err := time.ParseDuration(args[2])
	ts.Check(err)
	val := []byte(args[3])
	if rec {
		val = record(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), args[3])
	}
	sum := sha256.Sum256([]byte(args[1]))
	client := redis.NewClient(&redis.Options{Network: "unix", Addr: ts.Getenv("REDIS_SOCK")})
	defer client.Close()
	ts.Check(client.Set(context.Background(), args[0]+hex.EncodeToString(sum[:]), val, ttl).Err())
}

// cmdRedisKeys prints how many keys the script's redis-server holds under
// PREFIX to stdout: rediskeys PREFIX.
func cmdRedisKeys(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: rediskeys PREFIX")
	}
	client := redis.NewClient(&redis.Options{Network: "unix", Addr: ts.Getenv("REDIS_SOCK")})
	defer client.Close()
	keys, _, err := client.Scan(context.Background(), 0, args[0]+"*", 1000).Result()
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "%d keys\n", len(keys))
}

// haveRedis is the script condition "redis": redis-server is installed, or
// SESSTOOL_REQUIRE_REDIS=1, which makes its absence a failure.
func haveRedis() bool {
	_, err := exec.LookPath("redis-server")
	return err == nil || os.Getenv(requireRedisEnv) == "1"
}
