//go:build unix

package redisstore_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// requireTools returns the paths of the named programs. It skips the test
// if one is missing, or fails it if SESSTOOL_REQUIRE_REDIS=1.
func requireTools(t *testing.T, names ...string) []string {
	t.Helper()
	var paths []string
	for _, name := range names {
		p, err := exec.LookPath(name)
		if err != nil {
			msg := fmt.Sprintf("%s is not in $PATH (install it with: apt-get install redis-server redis-tools)", name)
			if os.Getenv(requireEnv) == "1" {
				t.Fatalf("%s; %s=1 requires the Redis tests to run", msg, requireEnv)
			}
			t.Skipf("%s; set %s=1 to make this a failure", msg, requireEnv)
		}
		paths = append(paths, p)
	}
	return paths
}

// redisProc is a redis-server that a test started, in a process group of
// its own.
type redisProc struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd has been waited for
	log    *syncBuffer
}

// startRedis starts bin with args and registers its end with t.Cleanup, so
// that it is killed even if the test fails. It does not wait for the
// server to answer: see waitPing.
func startRedis(t *testing.T, bin string, args ...string) *redisProc {
	t.Helper()
	p := &redisProc{cmd: exec.Command(bin, args...), exited: make(chan struct{}), log: new(syncBuffer)}
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	p.cmd.SysProcAttr = procAttr()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("failed to start %s: %v", bin, err)
	}
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(syscall.SIGKILL) })
	return p
}

// stop sends sig to the server's process group and waits for the server to
// exit, killing the group if it has not within 5 s. It does nothing if the
// server has already exited.
func (p *redisProc) stop(sig syscall.Signal) {
	select {
	case <-p.exited:
		return
	default:
	}
	// The negative PID names the process group that Setpgid made, whose
	// ID is the server's PID: the server and anything it forked.
	syscall.Kill(-p.cmd.Process.Pid, sig)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
}

// waitPing waits until a client made by opt answers PING, for at most 5 s.
// It fails early if the server p exits.
func waitPing(p *redisProc, opt *redis.Options) error {
	client := redis.NewClient(opt)
	defer client.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("redis-server exited at startup (%v); its output:\n%s", p.cmd.ProcessState, p.log)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer PING within 5s (last error: %v); its output:\n%s", err, p.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
