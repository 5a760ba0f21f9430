//go:build unix

package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/redisstore"
	"github.com/sesstool/sesstool/session/storetest"
)

// clusterNode is one master of a test cluster.
type clusterNode struct {
	addr string
	proc *redisProc
}

// freeClusterPorts returns n ports on 127.0.0.1 that are free, each with
// its cluster bus port (the port + 10000) free too. The ports are released
// before it returns, so another process may take one: startCluster retries.
func freeClusterPorts(t *testing.T, n int) []int {
	t.Helper()
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries == 100 {
			t.Fatal("found no free pair of ports (p, p+10000) on 127.0.0.1 in 100 tries")
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, l)
		p := l.Addr().(*net.TCPAddr).Port
		if p+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		if err != nil {
			continue
		}
		held = append(held, bus)
		ports = append(ports, p)
	}
	return ports
}

// startCluster starts a Redis Cluster of n masters on 127.0.0.1, without
// replicas, and waits until every node reports cluster_state:ok. The
// servers are killed when the test ends.
func startCluster(t *testing.T, n int) []clusterNode {
	t.Helper()
	bins := requireTools(t, "redis-server", "redis-cli")
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		nodes, err := tryStartCluster(t, bins[0], bins[1], n)
		if err == nil {
			return nodes
		}
		lastErr = err
		for _, node := range nodes {
			node.proc.stop(syscall.SIGKILL)
		}
		t.Logf("attempt %d to start a cluster: %v", attempt, err)
	}
	t.Fatalf("failed to start a Redis Cluster in 3 attempts: %v", lastErr)
	return nil
}

func tryStartCluster(t *testing.T, server, cli string, n int) ([]clusterNode, error) {
	dir := t.TempDir()
	var nodes []clusterNode
	for _, port := range freeClusterPorts(t, n) {
		p := strconv.Itoa(port)
		proc := startRedis(t, server,
			"--bind", "127.0.0.1",
			"--port", p,
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes-"+p+".conf"),
			"--cluster-node-timeout", "5000",
			"--dir", dir,
			"--save", "",
			"--appendonly", "no",
		)
		nodes = append(nodes, clusterNode{addr: "127.0.0.1:" + p, proc: proc})
	}
	args := []string{"--cluster", "create"}
	for _, node := range nodes {
		if err := waitPing(node.proc, &redis.Options{Addr: node.addr}); err != nil {
			return nodes, err
		}
		args = append(args, node.addr)
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.SysProcAttr = procAttr()
	cmd.WaitDelay = time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return nodes, fmt.Errorf("redis-cli %s: %v; its output:\n%s", strings.Join(args, " "), err, out)
	}

	// redis-cli returns once the nodes agree on the slots; each node says
	// cluster_state:ok once it knows that every slot is served.
	deadline := time.Now().Add(10 * time.Second)
	for _, node := range nodes {
		client := redis.NewClient(&redis.Options{Addr: node.addr})
		for {
			info, err := client.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				client.Close()
				return nodes, fmt.Errorf("node %s did not report cluster_state:ok within 10s (CLUSTER INFO: %q, %v)", node.addr, info, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		client.Close()
	}
	return nodes, nil
}

// TestCluster runs the conformance suite against a real three-master Redis
// Cluster through a redis.ClusterClient, checks that sessions spread over
// every master, and that a master going down fails its sessions with
// ErrUnavailable, not ErrNotFound, while the others still answer.
func TestCluster(t *testing.T) {
	// In parallel with the other slow tests: most of its time is spent
	// waiting for Redis servers and for sessions to expire in real time.
	t.Parallel()
	nodes := startCluster(t, 3)
	var addrs []string
	for _, node := range nodes {
		addrs = append(addrs, node.addr)
	}
	client := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:           addrs,
		MaxRetries:      1,
		MinRetryBackoff: time.Millisecond,
		MaxRetryBackoff: 10 * time.Millisecond,
		DialerRetries:   1,
	})
	defer client.Close()

	storetest.Run(t, func(t *testing.T) session.Store {
		s, err := redisstore.New(client, &redisstore.Options{Prefix: uniquePrefix()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, storetest.Options{})

	// Fixed IDs and prefix on a cluster whose slots redis-cli always
	// divides the same way: where each session lands is the same every run.
	const prefix, sessions = "spread:", 30
	s, err := redisstore.New(client, &redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ids := make([]string, sessions)
	for i := range ids {
		sum := sha256.Sum256([]byte("cluster session " + strconv.Itoa(i)))
		ids[i] = hex.EncodeToString(sum[:])
		if err := s.Save(ctx, ids[i], []byte("data "+strconv.Itoa(i)), time.Hour); err != nil {
			t.Fatalf("Save of session %d: %v", i, err)
		}
	}

	// Ask each master, directly, which of the sessions it holds.
	holder := make(map[string]int) // key -> index of the node holding it
	for n, node := range nodes {
		direct := redis.NewClient(&redis.Options{Addr: node.addr})
		keys := keysWithPrefix(t, direct, prefix)
		direct.Close()
		if len(keys) == 0 {
			t.Errorf("node %d (%s) holds none of the %d sessions; want them spread over every master", n, node.addr, sessions)
		}
		t.Logf("node %d (%s) holds %d of the %d sessions", n, node.addr, len(keys), sessions)
		for _, k := range keys {
			holder[k] = n
		}
	}
	if len(holder) != sessions {
		t.Fatalf("the masters hold %d distinct sessions; want %d", len(holder), sessions)
	}

	// Take one master down: its sessions fail with ErrUnavailable, the
	// others' still load. (The cluster marks the node failed only after
	// cluster-node-timeout, 5 s, far longer than this takes.)
	const down = 2
	nodes[down].proc.stop(syscall.SIGKILL)
	for i, id := range ids {
		got, err := s.Load(ctx, id)
		if holder[keyOf(prefix, id)] == down {
			if !errors.Is(err, redisstore.ErrUnavailable) || errors.Is(err, session.ErrNotFound) {
				t.Errorf("Load of session %d, on the stopped node = %q, %v; want ErrUnavailable", i, got, err)
			}
			continue
		}
		if want := "data " + strconv.Itoa(i); err != nil || string(got) != want {
			t.Errorf("Load of session %d, on a live node = %q, %v; want %q", i, got, err, want)
		}
	}
}
