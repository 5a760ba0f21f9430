//go:build unix

package keyring_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

// blockTimeout bounds how long a test waits for a call that must not block:
// the code before issue 10 blocked forever opening a named pipe.
const blockTimeout = 10 * time.Second

// withTimeout runs fn and fails t if it has not returned within
// blockTimeout. unblock, if not nil, runs then, to release fn.
func withTimeout(t *testing.T, what string, fn func() error, unblock func()) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(blockTimeout):
		if unblock != nil {
			unblock()
		}
		t.Fatalf("%s still blocked after %v", what, blockTimeout)
		return nil
	}
}

// unblockFIFO opens the named pipe at path for writing, which releases a
// reader blocked opening it.
func unblockFIFO(path string) func() {
	return func() {
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}
}

func TestLoadUpdateNamedPipe(t *testing.T) {
	fn := func(r *keyring.Ring) (*keyring.Ring, error) { return r, nil }
	tests := []struct {
		name string
		call func(path string) error
	}{
		{"Load", func(path string) error { _, err := keyring.Load(path); return err }},
		{"Update", func(path string) error { _, err := keyring.Update(path, fn); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ring.json")
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skipf("cannot make a named pipe: %v", err)
			}
			err := withTimeout(t, tc.name+"(named pipe)", func() error { return tc.call(path) }, unblockFIFO(path))
			if !errors.Is(err, keyring.ErrNotRegular) {
				t.Fatalf("%s(named pipe) error %v; want one wrapping ErrNotRegular", tc.name, err)
			}
			if msg := err.Error(); !strings.Contains(msg, "named pipe") || !strings.Contains(msg, path) {
				t.Errorf("%s(named pipe) error %q; want it to name the path and say it is a named pipe", tc.name, msg)
			}
		})
	}
}

// TestLockFileLink checks that a symbolic link at the lock file's path is
// refused and not followed: before issue 10, a link planted in a writable
// keyring directory made Create and Update create or open its target.
func TestLockFileLink(t *testing.T) {
	good := generate(t, keyring.Default)
	fn := func(r *keyring.Ring) (*keyring.Ring, error) { return r, nil }
	tests := []struct {
		name   string
		exists bool // the link's target exists
		call   func(path string) error
	}{
		{"Create, link to a new file", false, func(path string) error { return keyring.Create(path, good) }},
		{"Create, link to an existing file", true, func(path string) error { return keyring.Create(path, good) }},
		{"Update, link to a new file", false, func(path string) error { _, err := keyring.Update(path, fn); return err }},
		{"Update, link to an existing file", true, func(path string) error { _, err := keyring.Update(path, fn); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "ring.json")
			if strings.HasPrefix(tc.name, "Update") {
				if err := os.WriteFile(path, marshal(t, good), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			target := filepath.Join(t.TempDir(), "victim")
			if tc.exists {
				if err := os.WriteFile(target, []byte("victim"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(target, path+".lock"); err != nil {
				t.Fatal(err)
			}
			err := tc.call(path)
			if !errors.Is(err, keyring.ErrNotRegular) {
				t.Fatalf("%s: error %v; want one wrapping ErrNotRegular", tc.name, err)
			}
			if msg := err.Error(); !strings.Contains(msg, "symbolic link") || !strings.Contains(msg, path+".lock") {
				t.Errorf("%s: error %q; want it to name the lock file and say it is a symbolic link", tc.name, msg)
			}
			fi, err := os.Lstat(target)
			switch {
			case !tc.exists && err == nil:
				t.Errorf("%s created the link's target", tc.name)
			case tc.exists && (err != nil || fi.Mode().Perm() != 0o644 || !bytes.Equal(readFile(t, target), []byte("victim"))):
				t.Errorf("%s changed the link's target", tc.name)
			}
		})
	}
}

func TestLockFileNotRegular(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ring.json")
	if err := os.Mkdir(path+".lock", 0o700); err != nil {
		t.Fatal(err)
	}
	err := keyring.Create(path, generate(t, keyring.Default))
	if !errors.Is(err, keyring.ErrNotRegular) || !strings.Contains(err.Error(), "directory") {
		t.Errorf("Create with a directory as lock file: error %v; want one wrapping ErrNotRegular that says it is a directory", err)
	}
}

// ownerOf returns the uid and gid of the file at path.
func ownerOf(t *testing.T, path string) (uid, gid int) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return int(st.Uid), int(st.Gid)
}

// TestUpdateKeepsOwner checks that a key change run by root keeps the
// keyring's owner and group, so the service that owns it can still read it:
// before issue 10 the new file belonged to root.
func TestUpdateKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to give the keyring to another user")
	}
	const uid, gid = 65534, 65533
	tests := []struct {
		name      string
		lockOwned bool // the lock file exists already, owned by root
	}{
		{"no lock file yet", false},
		{"lock file owned by root", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := create(t, generate(t, keyring.Default))
			if !tc.lockOwned {
				if err := os.Remove(path + ".lock"); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chown(path, uid, gid); err != nil {
				t.Fatal(err)
			}
			r, err := keyring.Update(path, rotateFn)
			if err != nil {
				t.Fatalf("Update error: %v", err)
			}
			if r.Len() != 2 {
				t.Fatalf("Update wrote %d keys; want 2", r.Len())
			}
			if u, g := ownerOf(t, path); u != uid || g != gid {
				t.Errorf("after Update the keyring belongs to %d:%d; want %d:%d", u, g, uid, gid)
			}
			if got := perm(t, path); got != 0o600 {
				t.Errorf("after Update the keyring has mode %04o; want 0600", got)
			}
			if u, g := ownerOf(t, path+".lock"); u != uid || g != gid {
				t.Errorf("after Update the lock file belongs to %d:%d; want the keyring's owner %d:%d", u, g, uid, gid)
			}
		})
	}
}

// TestUpdateRefusesOwnerChange checks that a writer who cannot give the new
// file the old one's owner and group refuses, naming them, and leaves the
// file alone. It runs a child process as uid 65534, which owns the keyring
// but is not in the keyring's group, so it cannot keep the group.
func TestUpdateRefusesOwnerChange(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run a child process as another user")
	}
	const uid, gid, fileGID = 65534, 65534, 65533
	// The child must reach the directory and run the test binary: both
	// go in a directory of its own under the system's temporary directory,
	// since t.TempDir and the go command's build directory are private.
	dir, err := os.MkdirTemp("", "keyring-owner-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm()&0o001 == 0 {
			t.Skipf("uid %d cannot reach %s", uid, d)
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	bin := filepath.Join(dir, "keyring.test")
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "ring")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(sub, "ring.json")
	if err := keyring.Create(path, generate(t, keyring.Default)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{sub, path, path + ".lock"} {
		if err := os.Chown(p, uid, fileGID); err != nil {
			t.Fatal(err)
		}
	}
	before := readFile(t, path)
	cmd := helperCommand("rotate", path, "KEYRING_TEST_N=1")
	cmd.Path, cmd.Args[0] = bin, bin
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("Update as uid %d, not in group %d, succeeded; want it to refuse", uid, fileGID)
	}
	if _, ok := err.(*exec.ExitError); !ok {
		t.Skipf("cannot run the child as uid %d: %v", uid, err)
	}
	msg := string(out)
	t.Logf("the child's error: %s", msg)
	if !strings.Contains(msg, keyring.ErrOwner.Error()) || !strings.Contains(msg, "gid "+strconv.Itoa(fileGID)) {
		t.Errorf("Update as another user: error %q; want ErrOwner's message naming gid %d", msg, fileGID)
	}
	if !bytes.Equal(readFile(t, path), before) {
		t.Error("the refused Update changed the keyring")
	}
	if u, g := ownerOf(t, path); u != uid || g != fileGID {
		t.Errorf("after the refused Update the keyring belongs to %d:%d; want %d:%d", u, g, uid, fileGID)
	}
	if names := dirNames(t, sub); fmt.Sprint(names) != "[ring.json ring.json.lock]" {
		t.Errorf("after the refused Update, directory holds %q; want only the keyring and its lock file", names)
	}
}
