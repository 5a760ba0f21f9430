//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKeyringNamedPipe checks that a named pipe at the keyring's path is
// refused at once, with exit code 3 and a message that says what it is:
// before issue 10 every command blocked forever opening it.
func TestKeyringNamedPipe(t *testing.T) {
	tests := [][]string{
		{"keys", "list"},
		{"keys", "rotate"},
		{"mint", "{}"},
		{"verify", "AQAAAAAA"},
	}
	for _, args := range tests {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "k.json")
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skipf("cannot make a named pipe: %v", err)
			}
			done := make(chan cliResult, 1)
			go func() { done <- runInProcess(dir, nil, append(args, "--keyring", path)...) }()
			var r cliResult
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				// Release the blocked reader, so the process can end.
				if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					f.Close()
				}
				t.Fatalf("sesstool %s still blocked on a named pipe after 10s", name)
			}
			if r.code != exitEnv {
				t.Errorf("sesstool %s on a named pipe: exit code %d; want %d", name, r.code, exitEnv)
			}
			want := "sesstool: error: keyring: not a regular file: " + path + " is a named pipe\n" +
				"sesstool: hint: the keyring must be a regular file: check the path; sesstool never reads a named pipe, socket or device as a keyring\n"
			if r.stderr != want {
				t.Errorf("sesstool %s on a named pipe: stderr\n%s\nwant\n%s", name, r.stderr, want)
			}
		})
	}
}

// TestKeyChangeKeepsOwner checks that a key change run as root leaves the
// keyring with its owner and group, so the service that owns it can still
// read it: before issue 10 it ended up owned by root.
func TestKeyChangeKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to give the keyring to another user")
	}
	const uid, gid = 65534, 65533
	tests := [][]string{
		{"keys", "rotate"},
		{"keys", "add"},
	}
	for _, args := range tests {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "k.json")
			if r := runInProcess(dir, nil, "keys", "init", "--keyring", path); r.code != exitOK {
				t.Fatalf("keys init: exit code %d: %s", r.code, r.stderr)
			}
			if err := os.Chown(path, uid, gid); err != nil {
				t.Fatal(err)
			}
			if r := runInProcess(dir, nil, append(args, "--keyring", path)...); r.code != exitOK {
				t.Fatalf("sesstool %s: exit code %d: %s", name, r.code, r.stderr)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			st := fi.Sys().(*syscall.Stat_t)
			if st.Uid != uid || st.Gid != gid || fi.Mode().Perm() != 0o600 {
				t.Errorf("after sesstool %s as root the keyring is %d:%d mode %04o; want %d:%d mode 0600", name, st.Uid, st.Gid, fi.Mode().Perm(), uid, gid)
			}
		})
	}
}
