//go:build unix

package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

// rotateCmd returns an unstarted "sesstool keys rotate" on kr, with its
// stdout (the new key's ID) captured in out.
func rotateCmd(ctx context.Context, bin, kr string, out *bytes.Buffer) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, "keys", "rotate", "--keyring", kr)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + filepath.Dir(kr)}
	cmd.Stdout = out
	return cmd
}

// ringIDs loads the keyring file at kr, failing t if it does not parse or
// does not have exactly one primary key, and returns its key IDs.
func ringIDs(t *testing.T, kr string) map[keyring.ID]bool {
	t.Helper()
	r, err := keyring.Load(kr)
	if err != nil {
		t.Fatalf("the keyring does not load: %v", err)
	}
	ids := map[keyring.ID]bool{}
	primaries := 0
	for k := range r.Keys() {
		ids[k.ID] = true
		if k.State == keyring.Primary {
			primaries++
		}
	}
	if primaries != 1 {
		t.Fatalf("the keyring has %d primary keys; want exactly 1", primaries)
	}
	return ids
}

// reportedID parses the key ID that keys rotate printed, if any.
func reportedID(t *testing.T, out string) (keyring.ID, bool) {
	t.Helper()
	s := strings.TrimSpace(out)
	if s == "" {
		return 0, false
	}
	id, err := keyring.ParseID(s)
	if err != nil {
		t.Fatalf("keys rotate printed %q: %v", s, err)
	}
	return id, true
}

// tempName matches the temporary files of keyring writes next to k.json.
var tempName = regexp.MustCompile(`^\.k\.json\.tmp-[0-9]+$`)

// testKillRotate kills "sesstool keys rotate" with SIGKILL at a
// random moment, 0 to 20 ms after it starts (or up to the time a rotation
// takes, if that is longer on a loaded machine, so that kills land during
// the write too), while another rotation of the same keyring runs, in 20
// trials (100 with SESSTOOL_STRESS=1, as CI runs it; see stressTrials).
// After each, the keyring must load, hold every key it held before and every key a
// surviving rotation reported, at most one key more (written by the victim
// before it could print its ID), exactly one primary; the lock must not
// block the next rotation; and no file but the keyring, its lock file and
// at most the victim's temporary file (named .k.json.tmp-N, which nothing
// takes for the keyring) may be left in the directory, and the next
// rotation must remove that temporary file, which holds every secret.
func testKillRotate(t *testing.T, bin string) {
	dir := t.TempDir()
	kr := filepath.Join(dir, "k.json")
	if out, err := exec.Command(bin, "keys", "init", "--keyring", kr).CombinedOutput(); err != nil {
		t.Fatalf("keys init: %v\n%s", err, out)
	}
	trials := stressTrials(20, 100)
	// How long one rotation takes here, from start to exit: the fastest
	// of three is the kill window if over 20 ms.
	fastest := time.Hour
	for range 3 {
		t0 := time.Now()
		if err := rotateCmd(context.Background(), bin, kr, new(bytes.Buffer)).Run(); err != nil {
			t.Fatal(err)
		}
		fastest = min(fastest, time.Since(t0))
	}
	window := max(20*time.Millisecond, fastest)
	var killedEarly, killedLate, finished, unreported, tempLeft int
	start := time.Now()
	for trial := range trials {
		before := ringIDs(t, kr)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		var outs [2]bytes.Buffer
		var cmds [2]*exec.Cmd
		for i := range cmds {
			cmds[i] = rotateCmd(ctx, bin, kr, &outs[i])
			if err := cmds[i].Start(); err != nil {
				t.Fatal(err)
			}
		}
		victim := cmds[0]
		time.Sleep(rand.N(window))
		victim.Process.Signal(syscall.SIGKILL) // fails if it has exited
		var errs [2]error
		for i, c := range cmds {
			errs[i] = c.Wait()
		}
		cancel()
		for i, err := range errs[1:] {
			if err != nil {
				t.Fatalf("trial %d: a concurrent rotation failed: %v", trial, err)
			}
			if _, ok := reportedID(t, outs[i+1].String()); !ok {
				t.Fatalf("trial %d: a concurrent rotation printed no key ID", trial)
			}
		}

		after := ringIDs(t, kr)
		for id := range before {
			if !after[id] {
				t.Fatalf("trial %d: key %v, in the keyring before, is gone", trial, id)
			}
		}
		want := len(before)
		for i := range outs {
			if id, ok := reportedID(t, outs[i].String()); ok {
				want++
				if !after[id] {
					t.Fatalf("trial %d: key %v, reported by a rotation, is missing", trial, id)
				}
			}
		}
		switch len(after) {
		case want:
		case want + 1:
			unreported++ // the victim renamed its file but died before printing
		default:
			t.Fatalf("trial %d: %d keys after the trial; want %d (or one more)", trial, len(after), want)
		}
		switch ws, _ := victim.ProcessState.Sys().(syscall.WaitStatus); {
		case !ws.Signaled():
			finished++
		case len(after) > len(before)+1:
			killedLate++
		default:
			killedEarly++
		}

		// What is left in the directory.
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		temps := 0
		for _, e := range entries {
			switch name := e.Name(); {
			case name == "k.json", name == "k.json.lock":
			case tempName.MatchString(name):
				temps++
			default:
				t.Fatalf("trial %d: unexpected file %s next to the keyring", trial, name)
			}
		}
		if temps > 1 {
			t.Fatalf("trial %d: %d temporary files left; one kill leaves at most one", trial, temps)
		}
		tempLeft += temps

		// The dead victim's lock does not block the next rotation, which
		// removes the victim's temporary file: it holds the secrets, which
		// would otherwise outlive a later destroy or prune.
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		var out bytes.Buffer
		err = rotateCmd(ctx, bin, kr, &out).Run()
		cancel()
		if err != nil {
			t.Fatalf("trial %d: keys rotate after the kill: %v (blocked by a stale lock?)", trial, err)
		}
		if left := tempFiles(t, dir); len(left) > 0 {
			t.Fatalf("trial %d: temporary files %v outlive the next rotation", trial, left)
		}
	}
	t.Logf("%d trials in %v, kills 0 to %v after start: the victim was killed %d times before its write was visible and %d times after; it finished first %d times; %d writes landed unreported; %d temporary files left by kills (each removed by the next rotation)",
		trials, time.Since(start).Round(time.Millisecond), window.Round(time.Millisecond), killedEarly, killedLate, finished, unreported, tempLeft)

	// A stale temporary file, planted, goes with the next write; a file
	// that only looks like one stays.
	stale := filepath.Join(dir, ".k.json.tmp-123456789")
	other := filepath.Join(dir, ".k.json.tmp-notours")
	for _, f := range []string{stale, other} {
		if err := os.WriteFile(f, []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := rotateCmd(context.Background(), bin, kr, new(bytes.Buffer)).Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("the stale temporary file %s survived a rotation", stale)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("%s, not a temporary file of sesstool's, was removed: %v", other, err)
	}

	// The keyring still lists through the CLI.
	out, err := exec.Command(bin, "keys", "list", "--json", "--keyring", kr).Output()
	if err != nil || !bytes.Contains(out, []byte(`"primary"`)) {
		t.Fatalf("keys list --json after the trials: %v\n%s", err, out)
	}
}

// tempFiles returns the temporary files of keyring writes in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if tempName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names
}

// testConcurrentRotate runs 8 processes that each run "sesstool
// keys rotate" 4 times (20 with SESSTOOL_STRESS=1) on one keyring: none may
// fail, and the keyring must end with every key, 1+8×4 = 33 (161 with
// SESSTOOL_STRESS=1), exactly one of them primary.
func testConcurrentRotate(t *testing.T, bin string) {
	dir := t.TempDir()
	kr := filepath.Join(dir, "k.json")
	if out, err := exec.Command(bin, "keys", "init", "--keyring", kr).CombinedOutput(); err != nil {
		t.Fatalf("keys init: %v\n%s", err, out)
	}
	const procs = 8
	rotations := stressTrials(4, 20)
	start := time.Now()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		reported = map[keyring.ID]bool{}
	)
	for p := range procs {
		wg.Go(func() {
			for i := range rotations {
				var out bytes.Buffer
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				cmd := rotateCmd(ctx, bin, kr, &out)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				err := cmd.Run()
				cancel()
				if err != nil {
					t.Errorf("process %d, rotation %d: %v\n%s", p, i, err, stderr.String())
					return
				}
				id, err := keyring.ParseID(strings.TrimSpace(out.String()))
				if err != nil {
					t.Errorf("process %d, rotation %d printed %q", p, i, out.String())
					return
				}
				mu.Lock()
				reported[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	ids := ringIDs(t, kr)
	if len(ids) != 1+procs*rotations || len(reported) != procs*rotations {
		t.Fatalf("%d keys in the keyring, %d distinct IDs reported; want %d and %d", len(ids), len(reported), 1+procs*rotations, procs*rotations)
	}
	for id := range reported {
		if !ids[id] {
			t.Errorf("key %v, reported by a rotation, is missing", id)
		}
	}
	t.Logf("%d rotations by %d processes in %v", procs*rotations, procs, time.Since(start).Round(time.Millisecond))
}
