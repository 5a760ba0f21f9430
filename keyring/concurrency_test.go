//go:build unix

package keyring_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

// rotateFn is the Update function of these tests.
func rotateFn(r *keyring.Ring) (*keyring.Ring, error) {
	r2, _, err := r.Rotate(keyring.Default, now)
	return r2, err
}

// checkRotated fails t unless the keyring file at path loads and holds
// want keys, exactly one of them primary.
func checkRotated(t *testing.T, path string, want int) *keyring.Ring {
	t.Helper()
	r, err := keyring.Load(path)
	if err != nil {
		t.Fatalf("Load after concurrent updates: %v", err)
	}
	primaries := 0
	for k := range r.Keys() {
		if k.State == keyring.Primary {
			primaries++
		}
	}
	if r.Len() != want || primaries != 1 {
		t.Errorf("after concurrent updates the ring holds %d keys, %d primary; want %d keys, 1 primary", r.Len(), primaries, want)
	}
	return r
}

// TestUpdateConcurrentGoroutines runs 8 goroutines that each rotate 5
// times (20 with SESSTOOL_STRESS=1) through Update on one file.
func TestUpdateConcurrentGoroutines(t *testing.T) {
	t.Parallel()
	const workers = 8
	rotations := stressTrials(5, 20)
	path := create(t, generate(t, keyring.Default))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		lens []int // Len of every ring Update returned
	)
	for range workers {
		wg.Go(func() {
			for range rotations {
				r, err := keyring.Update(path, rotateFn)
				if err != nil {
					t.Errorf("Update error: %v", err)
					return
				}
				mu.Lock()
				lens = append(lens, r.Len())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	checkRotated(t, path, 1+workers*rotations)
	// Serialized updates each see the previous one's result: the rings
	// they return hold 2, 3, ..., 1+workers*rotations keys, each length
	// once.
	slices.Sort(lens)
	for i, n := range lens {
		if n != i+2 {
			t.Fatalf("Update results hold %v keys; want each of 2..%d once", lens, 1+workers*rotations)
		}
	}
}

// TestHelperRotate is not a test: it is the child process of the tests
// below, selected by KEYRING_TEST_CHILD.
//
//   - "rotate": run KEYRING_TEST_N Update(KEYRING_TEST_PATH, rotate), then
//     exit 0.
//   - "rotate-forever": rotate until killed, printing each new primary's ID
//     once Update has returned, so the parent knows that it is on disk.
func TestHelperRotate(t *testing.T) {
	path := os.Getenv("KEYRING_TEST_PATH")
	switch os.Getenv("KEYRING_TEST_CHILD") {
	case "rotate":
		n, err := strconv.Atoi(os.Getenv("KEYRING_TEST_N"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for range n {
			if _, err := keyring.Update(path, rotateFn); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	case "rotate-forever":
		for {
			r, err := keyring.Update(path, rotateFn)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			fmt.Println(r.Primary().ID)
			if r.Len() >= keyring.MaxKeys/2 {
				select {} // wait to be killed
			}
		}
	default:
		t.Skip("helper process for TestUpdateConcurrentProcesses and TestUpdateKilled")
	}
}

func helperCommand(mode, path string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRotate$")
	cmd.Env = append(os.Environ(), "KEYRING_TEST_CHILD="+mode, "KEYRING_TEST_PATH="+path)
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// TestUpdateConcurrentProcesses runs 8 processes that each rotate 5 times
// (20 with SESSTOOL_STRESS=1) through Update on one file.
func TestUpdateConcurrentProcesses(t *testing.T) {
	t.Parallel()
	const procs = 8
	rotations := stressTrials(5, 20)
	path := create(t, generate(t, keyring.Default))
	var wg sync.WaitGroup
	for i := range procs {
		cmd := helperCommand("rotate", path, "KEYRING_TEST_N="+strconv.Itoa(rotations))
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("child %d: %v\n%s", i, err, out)
			}
		})
	}
	wg.Wait()
	checkRotated(t, path, 1+procs*rotations)
}

// TestUpdateKilled kills a process that rotates in a loop at a random
// moment, and checks that the file still loads and holds every key that an
// Update the child saw return had written, and at most one more (written
// but not yet reported), and that the lock was released; in 20 trials, or
// 100 with SESSTOOL_STRESS=1 (at most 40 under the race detector, which
// has nothing to find in a dying child and makes each start several times
// slower).
func TestUpdateKilled(t *testing.T) {
	t.Parallel()
	trials := stressTrials(20, 100)
	if raceEnabled {
		trials = min(trials, 40)
	}
	unreported, rotations := 0, 0
	defer func() {
		t.Logf("%d trials, %d rotations; %d kills hit between a write and its report", trials, rotations, unreported)
	}()
	for trial := range trials {
		r0 := generate(t, keyring.Default)
		path := create(t, r0)
		cmd := helperCommand("rotate-forever", path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		reported := make(chan keyring.ID, keyring.MaxKeys)
		go func() {
			defer close(reported)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				id, err := keyring.ParseID(sc.Text())
				if err != nil {
					t.Errorf("child printed %q: %v", sc.Text(), err)
				}
				reported <- id
			}
		}()
		// Wait until the child is rotating, then kill it mid-flight.
		var ids []keyring.ID
		select {
		case id, ok := <-reported:
			if !ok {
				cmd.Wait()
				t.Fatalf("trial %d: child exited before its first rotation: %s", trial, stderr.String())
			}
			ids = append(ids, id)
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("trial %d: child did not rotate within 10s: %s", trial, stderr.String())
		}
		time.Sleep(rand.N(31 * time.Millisecond))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// Read everything the child wrote before Wait, which closes the
		// pipe and could drop IDs still in it.
		for id := range reported {
			ids = append(ids, id)
		}
		cmd.Wait()

		r, err := keyring.Load(path)
		if err != nil {
			t.Fatalf("trial %d: Load after SIGKILL: %v", trial, err)
		}
		rotations += r.Len() - 1
		if r.Len() == 2+len(ids) {
			unreported++
		}
		if n := r.Len(); n != 1+len(ids) && n != 2+len(ids) {
			t.Errorf("trial %d: after %d reported rotations the ring holds %d keys; want %d or %d", trial, len(ids), n, 1+len(ids), 2+len(ids))
		}
		for _, id := range append(ids, r0.Primary().ID) {
			if _, ok := r.Lookup(id); !ok {
				t.Errorf("trial %d: key %v, written before the kill, is missing", trial, id)
			}
		}
		if p := r.Primary(); p.State != keyring.Primary {
			t.Errorf("trial %d: Primary() = %v", trial, p)
		}
		// The kernel released the dead child's lock.
		done := make(chan error, 1)
		go func() {
			_, err := keyring.Update(path, rotateFn)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("trial %d: Update after SIGKILL: %v", trial, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("trial %d: Update after SIGKILL still waits for the lock after 10s", trial)
		}
		if t.Failed() {
			return
		}
	}
}
