//go:build unix

package dirstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/dirstore"
)

// nobody is the user ID that the tests give files "of another user": the
// conventional nobody, which owns nothing the tests make otherwise.
const nobody = 65534

// needRoot skips t unless the process can give files to another user.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("needs root to chown files to user %d; run the tests as root to check that files of another user are refused", nobody)
	}
}

func chown(t *testing.T, p string, uid int) {
	t.Helper()
	if err := os.Lchown(p, uid, uid); err != nil {
		t.Fatal(err)
	}
}

func chmod(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// TestNewUnsafe checks that New refuses a directory, or a lock file in it,
// in which another local user could plant sessions: one that another user
// owns, or that the group or others can write. The directory it accepts is
// the one a symbolic link leads to when New is called.
func TestNewUnsafe(t *testing.T) {
	tests := []struct {
		name     string
		root     bool // needs root
		make     func(t *testing.T, base string) string
		wantMsg  string // a part of the message of an ErrUnsafeDirectory; "" for no error
		wantLock bool   // a refused directory holds a lock file (the test's own)
	}{
		{"own, 0700", false, func(t *testing.T, base string) string {
			return mkdir(t, base, "d", 0o700)
		}, "", false},
		{"own, 0755", false, func(t *testing.T, base string) string {
			return mkdir(t, base, "d", 0o755)
		}, "", false},
		{"new, under an own directory", false, func(t *testing.T, base string) string {
			return filepath.Join(base, "new", "sessions")
		}, "", false},
		{"0777", false, func(t *testing.T, base string) string {
			return mkdir(t, base, "d", 0o777)
		}, "lets its group or other users write it; run chmod go-w ", false},
		{"group-writable", false, func(t *testing.T, base string) string {
			return mkdir(t, base, "d", 0o770)
		}, "chmod go-w", false},
		{"others-writable", false, func(t *testing.T, base string) string {
			return mkdir(t, base, "d", 0o702)
		}, "chmod go-w", false},
		{"sticky and world-writable, like /tmp", false, func(t *testing.T, base string) string {
			return mkdir(t, base, "d", 0o777|os.ModeSticky)
		}, "chmod go-w", false},
		{"symbolic link to an own directory", false, func(t *testing.T, base string) string {
			return symlink(t, mkdir(t, base, "d", 0o700), filepath.Join(base, "link"))
		}, "", false},
		{"symbolic link to a 0777 directory", false, func(t *testing.T, base string) string {
			return symlink(t, mkdir(t, base, "d", 0o777), filepath.Join(base, "link"))
		}, "chmod go-w", false},
		{"under a 0777 directory", false, func(t *testing.T, base string) string {
			mkdir(t, base, "d", 0o777)
			return filepath.Join(base, "d", "sessions") // created 0700
		}, "", false},
		{"group-writable lock file", false, func(t *testing.T, base string) string {
			d := mkdir(t, base, "d", 0o700)
			writeFile(t, d, ".lock", nil, time.Now())
			chmod(t, filepath.Join(d, ".lock"), 0o660)
			return d
		}, "chmod go-w", true},
		{"owned by another user", true, func(t *testing.T, base string) string {
			d := mkdir(t, base, "d", 0o700)
			chown(t, d, nobody)
			return d
		}, "is owned by user 65534, not by this process's user 0; ", false},
		{"symbolic link to a directory of another user", true, func(t *testing.T, base string) string {
			d := mkdir(t, base, "d", 0o700)
			chown(t, d, nobody)
			return symlink(t, d, filepath.Join(base, "link"))
		}, "chown 0 ", false},
		{"lock file of another user", true, func(t *testing.T, base string) string {
			d := mkdir(t, base, "d", 0o700)
			writeFile(t, d, ".lock", nil, time.Now())
			chown(t, filepath.Join(d, ".lock"), nobody)
			return d
		}, "is owned by user 65534", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root {
				needRoot(t)
			}
			dir := tt.make(t, t.TempDir())
			s, err := dirstore.New(dir, nil)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				defer s.Close()
				if err := s.Save(context.Background(), session.NewID(), []byte("x"), time.Hour); err != nil {
					t.Fatalf("Save: %v", err)
				}
				return
			}
			if !errors.Is(err, dirstore.ErrUnsafeDirectory) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("New = %v; want ErrUnsafeDirectory, with %q in the message", err, tt.wantMsg)
			}
			if s != nil {
				t.Error("New returned a store with the error")
			}
			if got := exists(t, filepath.Join(dir, ".lock")); got != tt.wantLock {
				t.Errorf("after New refused the directory, a lock file exists: %v; want %v (New must not write to it)", got, tt.wantLock)
			}
		})
	}
}

// TestNewResolvesLinks checks that the store keeps using the directory that
// its symbolic link led to when New was called, once the link is changed.
func TestNewResolvesLinks(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	first, second := mkdir(t, base, "first", 0o700), mkdir(t, base, "second", 0o777)
	link := symlink(t, first, filepath.Join(base, "link"))
	s, err := dirstore.New(link, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	symlink(t, second, link) // to a directory that New would refuse
	id := session.NewID()
	if err := s.Save(ctx, id, []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if !exists(t, filepath.Join(first, filepath.FromSlash(ktorPath(id)))) {
		t.Error("the session is not in the directory the link led to in New")
	}
	if got := tree(t, second); len(got) != 0 {
		t.Errorf("the directory the link leads to now holds %q; want nothing", got)
	}
}

// TestForeignFile checks that Load and Update refuse a session file that
// another user owns, whatever owns its directories, and leave it alone.
func TestForeignFile(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		age     time.Duration // of the file, by its modification time
		foreign int           // how many of the path's last components another user owns: the file, and its directories
	}{
		{"own file", 0, 0},
		{"file of another user", 0, 1},
		{"expired file of another user", 2 * dirstore.DefaultMaxAge, 1},
		{"file of another user in its directory", 0, 2},
		{"file of another user in its directories", 0, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir, clk := newStore(t, nil)
			id := session.NewID()
			const planted = `{"user":"admin"}`
			p := writeFile(t, dir, ktorPath(id), []byte(planted), clk.Now().Add(-tt.age))
			for i, q := 0, p; i < tt.foreign; i, q = i+1, filepath.Dir(q) {
				chown(t, q, nobody)
			}
			got, err := s.Load(ctx, id)
			if tt.foreign == 0 {
				if err != nil || string(got) != planted {
					t.Fatalf("Load of an own file = %q, %v; want %q", got, err, planted)
				}
				if err := s.Update(ctx, id, []byte("new"), time.Hour); err != nil {
					t.Fatalf("Update of an own file: %v", err)
				}
				return
			}
			if !errors.Is(err, dirstore.ErrForeignFile) || errors.Is(err, session.ErrNotFound) || got != nil {
				t.Fatalf("Load = %q, %v; want ErrForeignFile", got, err)
			}
			if leaksID(err, id) {
				t.Errorf("the error %q holds more than 8 characters of the ID", err)
			}
			if err := s.Update(ctx, id, []byte("new"), time.Hour); !errors.Is(err, dirstore.ErrForeignFile) {
				t.Fatalf("Update = %v; want ErrForeignFile", err)
			}
			if data, err := os.ReadFile(p); err != nil || string(data) != planted {
				t.Errorf("after Load and Update, the file holds %q, %v; want it left alone", data, err)
			}
		})
	}
}

func mkdir(t *testing.T, base, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(base, name)
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	chmod(t, p, mode) // whatever the umask
	return p
}

func symlink(t *testing.T, target, link string) string {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// TestRangeForeignFile checks that Range neither reports nor lets anyone
// delete a session file of another user, goes on with the others, and
// returns ErrForeignFile.
func TestRangeForeignFile(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	s, dir, clk := newStore(t, nil)
	own, planted := session.NewID(), session.NewID()
	if err := s.Save(ctx, own, []byte("mine"), time.Hour); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, dir, ktorPath(planted), []byte(`{"user":"admin"}`), clk.Now())
	chown(t, p, nobody)
	var seen []string
	err := s.Range(ctx, func(e session.Entry) error { seen = append(seen, e.Hash); return nil })
	if !errors.Is(err, dirstore.ErrForeignFile) {
		t.Fatalf("Range = %v; want ErrForeignFile", err)
	}
	if len(seen) != 1 || seen[0] != session.IDHash(own) {
		t.Fatalf("Range reported %v; want only the own session %s", seen, session.IDHash(own))
	}
	if strings.Contains(err.Error(), planted[8:]) {
		t.Fatalf("Range's error quotes the planted file's ID: %v", err)
	}
}
