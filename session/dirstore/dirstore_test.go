package dirstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesstool/sesstool/internal/testclock"
	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/dirstore"
	"github.com/sesstool/sesstool/session/storetest"
)

// TestMain runs the tests in a memory file system, Linux's /dev/shm, when
// there is one and TMPDIR does not choose a directory: a session's file
// lies 16 to 63 directories deep, and the tests make and remove tens of
// thousands of directories, which a disk's journal makes take half a
// minute or more on a busy machine rather than a few seconds. Set TMPDIR
// to run them on a disk's file system (TestLock checks the locking that
// the wider races there would otherwise show more often).
func TestMain(m *testing.M) {
	os.Exit(runInMemory(m))
}

func runInMemory(m *testing.M) int {
	if os.Getenv("TMPDIR") != "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("/dev/shm", "dirstore-test-")
	if err != nil {
		return m.Run() // no /dev/shm here
	}
	defer os.RemoveAll(dir)
	os.Setenv("TMPDIR", dir)
	return m.Run()
}

// newClock returns a settable clock at the wall clock's whole second, so
// that the modification times the store sets are plausible.
func newClock() *testclock.Clock { return testclock.New(time.Now().Truncate(time.Second)) }

// newStore returns a store in a new directory, with its clock. The store
// does not flush its files to stable storage (see TestSync), which would
// make the tests wait for the disk for no check: they do not crash the
// machine.
func newStore(t *testing.T, o *dirstore.Options) (*dirstore.Store, string, *testclock.Clock) {
	t.Helper()
	clk := newClock()
	if o == nil {
		o = &dirstore.Options{}
	}
	o.Now = clk.Now
	dir := t.TempDir()
	s, err := dirstore.New(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	dirstore.SetSync(s, noSync)
	return s, dir, clk
}

// noSync is a flush that returns at once.
func noSync(*os.File) error { return nil }

// TestSync checks that Save and Update flush the whole session to stable
// storage, in a temporary file beside the session's file, before renaming
// it into place; and that a failed flush fails the write, leaving the
// session as it was and no temporary file.
func TestSync(t *testing.T) {
	ctx := context.Background()
	for _, op := range []string{"Save", "Update"} {
		t.Run(op, func(t *testing.T) {
			s, dir, _ := newStore(t, nil)
			write := s.Save
			if op == "Update" {
				write = s.Update
			}
			id := session.NewID()
			p := filepath.Join(dir, filepath.FromSlash(ktorPath(id)))
			if err := s.Save(ctx, id, []byte("old"), time.Hour); err != nil {
				t.Fatal(err)
			}
			var flushes int
			var fail error
			before, data := "old", "new"
			dirstore.SetSync(s, func(f *os.File) error {
				flushes++
				if name := f.Name(); filepath.Dir(name) != filepath.Dir(p) || !strings.HasPrefix(filepath.Base(name), ".tmp-") {
					t.Errorf("%s flushed %s; want a temporary file beside the session's", op, name)
				}
				if got, err := os.ReadFile(f.Name()); err != nil || string(got) != data {
					t.Errorf("at the flush, the temporary file holds %q, %v; want all of %q", got, err, data)
				}
				if got, err := os.ReadFile(p); err != nil || string(got) != before {
					t.Errorf("at the flush, the session's file holds %q, %v; want still %q: renamed before the flush", got, err, before)
				}
				return fail
			})
			if err := write(ctx, id, []byte(data), time.Hour); err != nil {
				t.Fatal(err)
			}
			if flushes != 1 {
				t.Errorf("%s flushed %d times; want once", op, flushes)
			}
			if got, err := s.Load(ctx, id); err != nil || string(got) != data {
				t.Fatalf("Load after %s = %q, %v; want %q", op, got, err, data)
			}

			fail = errors.New("the disk is full")
			before, data = "new", "newer"
			if err := write(ctx, id, []byte(data), time.Hour); !errors.Is(err, fail) {
				t.Fatalf("%s with a failing flush: %v; want its error", op, err)
			}
			if got, err := s.Load(ctx, id); err != nil || string(got) != before {
				t.Errorf("Load after a failed %s = %q, %v; want the session as it was, %q", op, got, err, before)
			}
			if got, want := tree(t, dir), withParents(ktorPath(id)); !slices.Equal(got, want) {
				t.Errorf("after a failed %s, the directory holds %q; want %q, no temporary file", op, got, want)
			}
		})
	}
}

// tree returns the paths under dir, relative to it and with slashes, sorted,
// directories with a trailing slash; the store's lock file is left out.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir || p == filepath.Join(dir, ".lock") {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		paths = append(paths, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	return paths
}

// withParents returns file and its parent directories, as tree lists them.
func withParents(file string) []string {
	paths := []string{file}
	for i := range file {
		if file[i] == '/' {
			paths = append(paths, file[:i+1])
		}
	}
	slices.Sort(paths)
	return paths
}

// writeFile writes a file under dir as another process would, with its
// directories, and sets its modification time: to the time of the write,
// as Ktor leaves it, for a file written by Ktor.
func writeFile(t *testing.T, dir, rel string, data []byte, mtime time.Time) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return p
}

func mtime(t *testing.T, p string) time.Time {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

func exists(t *testing.T, p string) bool {
	t.Helper()
	_, err := os.Lstat(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// ktorPath is the layout of DirectoryStorage.kt, written independently of
// the store's code: chunks of two, "/" between, ".dat" after.
func ktorPath(id string) string {
	var chunks []string
	for len(id) > 2 {
		chunks, id = append(chunks, id[:2]), id[2:]
	}
	return strings.Join(append(chunks, id), "/") + ".dat"
}

func TestConformance(t *testing.T) {
	// The suite saves with TTLs of a second and an hour: shorter and
	// longer than the default MaxAge, equal to the one and the other.
	for _, maxAge := range []time.Duration{0, session.MinTTL, time.Hour, 7 * 24 * time.Hour} {
		t.Run(fmt.Sprintf("MaxAge=%v", maxAge), func(t *testing.T) {
			clk := newClock()
			storetest.Run(t, func(t *testing.T) session.Store {
				s, err := dirstore.New(t.TempDir(), &dirstore.Options{Now: clk.Now, MaxAge: maxAge})
				if err != nil {
					t.Fatal(err)
				}
				dirstore.SetSync(s, noSync) // as newStore
				return s
			}, storetest.Options{Advance: clk.Advance, MaxData: dirstore.DefaultMaxData})
		})
	}
}

func TestLayout(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, id, want string
	}{
		{"Ktor's example", "0123456789abcdef0123456789abcdef", "01/23/45/67/89/ab/cd/ef/01/23/45/67/89/ab/cd/ef.dat"},
		{"odd length", strings.Repeat("cd", 16) + "e", strings.Repeat("cd/", 16) + "e.dat"},
		{"64 characters", strings.Repeat("f0", 32), strings.Repeat("f0/", 31) + "f0.dat"},
		{"128 characters", strings.Repeat("9a", 64), strings.Repeat("9a/", 63) + "9a.dat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ktorPath(tt.id); got != tt.want {
				t.Fatalf("the test's ktorPath = %s; want %s", got, tt.want)
			}
			s, dir, clk := newStore(t, nil)
			data := []byte(`{"user":"alice","n":1}`)
			// The Manager's TTL, when it equals MaxAge as it should.
			if err := s.Save(ctx, tt.id, data, dirstore.DefaultMaxAge); err != nil {
				t.Fatal(err)
			}
			if got, want := tree(t, dir), withParents(tt.want); !slices.Equal(got, want) {
				t.Fatalf("after Save, the directory holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			p := filepath.Join(dir, filepath.FromSlash(tt.want))
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Errorf("the file holds %q; want exactly %q", got, data)
			}
			if got, want := mtime(t, p), clk.Now(); !got.Equal(want) {
				t.Errorf("with a TTL of MaxAge, modification time %v; want the time of the Save %v, as Ktor leaves it", got, want)
			}
			if err := s.Save(ctx, tt.id, data, 2*dirstore.DefaultMaxAge); err != nil {
				t.Fatal(err)
			}
			if got, want := mtime(t, p), clk.Now().Add(dirstore.DefaultMaxAge); !got.Equal(want) {
				t.Errorf("with a TTL of twice MaxAge, modification time %v; want MaxAge after the Save %v", got, want)
			}
			if err := s.Save(ctx, tt.id, data, session.MinTTL); err != nil {
				t.Fatal(err)
			}
			if got, want := mtime(t, p), clk.Now().Add(session.MinTTL-dirstore.DefaultMaxAge); !got.Equal(want) {
				t.Errorf("with a TTL of %v, modification time %v; want %v", session.MinTTL, got, want)
			}
			if err := s.Delete(ctx, tt.id); err != nil {
				t.Fatal(err)
			}
			if got := tree(t, dir); len(got) != 0 {
				t.Errorf("after Delete, the directory holds %q; want nothing", got)
			}
			if !exists(t, dir) {
				t.Error("Delete removed the store's directory")
			}
		})
	}
}

// TestForeignFiles loads files written as Ktor would have written them,
// with the time of the write as their modification time.
func TestForeignFiles(t *testing.T) {
	ctx := context.Background()
	const json = `{"user":"bob","roles":["admin"]}`
	const maxAge = dirstore.DefaultMaxAge
	tests := []struct {
		name     string
		data     string
		age      time.Duration // how long ago it was written
		wantGone bool          // Load returns ErrNotFound and removes the file
	}{
		{"written just now", json, 0, false},
		{"written a millisecond ago", json, time.Millisecond, false},
		{"written a minute ago", json, time.Minute, false},
		{"live for one more second", json, maxAge - time.Second, false},
		{"live for one more millisecond", json, maxAge - time.Millisecond, false},
		{"empty", "", 0, false},
		{"written by a clock ahead", json, -time.Hour, false},
		{"expires now", json, maxAge, true},
		{"expired a millisecond ago", json, maxAge + time.Millisecond, true},
		{"expired", json, maxAge + time.Hour, true},
		{"written a year ago", json, 365 * 24 * time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir, clk := newStore(t, nil)
			id := "ab" + session.NewID()[2:]
			neighbour := "ab" + session.NewID()[2:] // shares the first directory
			writeFile(t, dir, ktorPath(neighbour), []byte("{}"), clk.Now())
			p := writeFile(t, dir, ktorPath(id), []byte(tt.data), clk.Now().Add(-tt.age))
			got, err := s.Load(ctx, id)
			if tt.wantGone {
				if !errors.Is(err, session.ErrNotFound) {
					t.Fatalf("Load = %q, %v; want ErrNotFound", got, err)
				}
				if exists(t, p) {
					t.Error("Load left the expired file")
				}
				if got, want := tree(t, dir), withParents(ktorPath(neighbour)); !slices.Equal(got, want) {
					t.Errorf("after Load, the directory holds %q; want %q (the neighbour, and no empty directories)", got, want)
				}
				return
			}
			if err != nil || string(got) != tt.data {
				t.Fatalf("Load = %q, %v; want %q", got, err, tt.data)
			}
			if !exists(t, p) {
				t.Error("Load removed a live file")
			}
		})
	}
}

// TestKtorWritten follows a session that Ktor writes, and writes again,
// through the store's clock: it lives MaxAge after each write, to the
// nanosecond, in Load and in Prune.
func TestKtorWritten(t *testing.T) {
	ctx := context.Background()
	for _, maxAge := range []time.Duration{0, session.MinTTL, 2 * time.Hour, 7 * 24 * time.Hour} {
		t.Run(fmt.Sprintf("MaxAge=%v", maxAge), func(t *testing.T) {
			s, dir, clk := newStore(t, &dirstore.Options{MaxAge: maxAge})
			if maxAge == 0 {
				maxAge = dirstore.DefaultMaxAge
			}
			id := session.NewID()
			const data = `{"user":"carol"}`
			p := writeFile(t, dir, ktorPath(id), []byte(data), clk.Now())
			if got, err := s.Load(ctx, id); err != nil || string(got) != data {
				t.Fatalf("Load of a file Ktor has just written = %q, %v; want %q", got, err, data)
			}

			// Ktor writes it again, just before it would expire: that
			// starts a new MaxAge.
			clk.Advance(maxAge - time.Nanosecond)
			if got, err := s.Load(ctx, id); err != nil || string(got) != data {
				t.Fatalf("Load a nanosecond before MaxAge = %q, %v; want %q", got, err, data)
			}
			if removed, err := s.Prune(ctx); removed != 0 || err != nil {
				t.Fatalf("Prune a nanosecond before MaxAge = %d, %v; want 0, nil", removed, err)
			}
			written := clk.Now()
			writeFile(t, dir, ktorPath(id), []byte(data), written)

			clk.Advance(maxAge - time.Nanosecond)
			if got, err := s.Load(ctx, id); err != nil || string(got) != data {
				t.Fatalf("Load a nanosecond before MaxAge after the second write = %q, %v; want %q", got, err, data)
			}
			if removed, err := s.Prune(ctx); removed != 0 || err != nil {
				t.Fatalf("Prune a nanosecond before MaxAge after the second write = %d, %v; want 0, nil", removed, err)
			}

			clk.Advance(time.Nanosecond) // MaxAge after the second write
			if removed, err := s.Prune(ctx); removed != 1 || err != nil {
				t.Fatalf("Prune MaxAge after the second write = %d, %v; want 1, nil", removed, err)
			}
			if got := tree(t, dir); len(got) != 0 {
				t.Errorf("after Prune, the directory holds %q; want nothing", got)
			}

			// Again, expiring in Load rather than in Prune.
			writeFile(t, dir, ktorPath(id), []byte(data), clk.Now())
			clk.Advance(maxAge)
			if got, err := s.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
				t.Fatalf("Load MaxAge after Ktor's write = %q, %v; want ErrNotFound", got, err)
			}
			if exists(t, p) {
				t.Error("Load left the expired file")
			}
			if got := tree(t, dir); len(got) != 0 {
				t.Errorf("after Load, the directory holds %q; want nothing", got)
			}
		})
	}
}

// TestSaveExpiry checks that a session saved with any TTL, shorter than
// MaxAge, equal or longer, expires exactly that TTL after the Save.
func TestSaveExpiry(t *testing.T) {
	ctx := context.Background()
	for _, maxAge := range []time.Duration{0, session.MinTTL, 2 * time.Hour} {
		for _, ttl := range []time.Duration{session.MinTTL, 90 * time.Second, dirstore.DefaultMaxAge, 2 * time.Hour, 5 * time.Hour, 30 * 24 * time.Hour} {
			t.Run(fmt.Sprintf("MaxAge=%v/TTL=%v", maxAge, ttl), func(t *testing.T) {
				s, _, clk := newStore(t, &dirstore.Options{MaxAge: maxAge})
				id := session.NewID()
				if err := s.Save(ctx, id, []byte("x"), ttl); err != nil {
					t.Fatal(err)
				}
				clk.Advance(ttl - time.Nanosecond)
				if got, err := s.Load(ctx, id); err != nil || string(got) != "x" {
					t.Fatalf("Load a nanosecond before the TTL = %q, %v", got, err)
				}
				if removed, err := s.Prune(ctx); removed != 0 || err != nil {
					t.Fatalf("Prune a nanosecond before the TTL = %d, %v; want 0, nil", removed, err)
				}
				clk.Advance(time.Nanosecond)
				if got, err := s.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
					t.Fatalf("Load at the TTL = %q, %v; want ErrNotFound", got, err)
				}
			})
		}
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	live1, live2 := "aa"+session.NewID()[2:], "bb"+session.NewID()[2:]
	dead1, dead2 := "aa"+session.NewID()[2:], "cc"+session.NewID()[2:]
	dead3 := strings.Repeat("e", 33) // odd length: …/ee/e.dat
	live3, dead4 := "bb"+session.NewID()[2:], "bb"+session.NewID()[2:]
	const maxAge = dirstore.DefaultMaxAge
	old := 24 * time.Hour
	tests := []struct {
		rel      string
		age      time.Duration // how long before the Prune it was written
		wantKept bool
	}{
		// Session files, as Ktor writes them: expired MaxAge after.
		{ktorPath(live1), 0, true},
		{ktorPath(live2), maxAge - time.Second, true},
		{ktorPath(dead1), maxAge, false},
		{ktorPath(dead2), maxAge + time.Hour, false},
		{ktorPath(dead3), old, false},
		// Not session files: left alone, however old.
		{"README", old, true},
		{"aa.dat", old, true},                // in the root: an ID of 2 characters
		{"ab/cd.dat", old, true},             // too short an ID
		{"cc/notes.txt", old, true},          // beside a session's directory
		{"AB/" + ktorPath(dead1), old, true}, // under a directory outside the layout
		{"lost+found/ab.dat", old, true},
		{ktorPath(dead1)[:len(ktorPath(dead1))-6] + "ABC.dat", old, true},
		{ktorPath(dead1) + ".bak", old, true},
		{strings.Repeat("ab/", 64) + "ab.dat", old, true}, // an ID of 130 characters
		// Temporary files of a crashed Save: removed an hour after
		// MaxAge, for a Save sets their time up to MaxAge in the past.
		{ktorPath(live2)[:len(ktorPath(live2))-6] + ".tmp-123", maxAge + time.Hour, false},
		{ktorPath(live1)[:len(ktorPath(live1))-6] + ".tmp-456", maxAge + time.Hour - time.Second, true},
		{".tmp-789", old, true}, // not in a session's directory
	}
	s, dir, clk := newStore(t, nil)
	// Sessions saved by the store itself, a second before the Prune: one
	// that has a second to live, and one that has just expired.
	if err := s.Save(ctx, live3, []byte("x"), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, dead4, []byte("x"), time.Second); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	for _, tt := range tests {
		writeFile(t, dir, tt.rel, []byte("x"), clk.Now().Add(-tt.age))
	}

	removed, err := s.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if removed != 4 {
		t.Errorf("Prune removed %d sessions; want 4", removed)
	}
	want := withParents(ktorPath(live3))
	for _, tt := range tests {
		if tt.wantKept {
			want = append(want, withParents(tt.rel)...)
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Errorf("after Prune, the directory holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, id := range []string{live1, live2, live3} {
		if _, err := s.Load(ctx, id); err != nil {
			t.Errorf("Load of a live session after Prune: %v", err)
		}
	}
	if removed, err := s.Prune(ctx); removed != 0 || err != nil {
		t.Errorf("second Prune = %d, %v; want 0, nil", removed, err)
	}
}

func TestPruneCanceled(t *testing.T) {
	s, dir, clk := newStore(t, nil)
	id := session.NewID()
	p := writeFile(t, dir, ktorPath(id), []byte("x"), clk.Now().Add(-2*dirstore.DefaultMaxAge)) // expired
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if removed, err := s.Prune(ctx); removed != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("Prune with a canceled context = %d, %v; want 0, context.Canceled", removed, err)
	}
	if !exists(t, p) {
		t.Error("Prune with a canceled context removed a file")
	}
}

func TestModes(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skipf("no Unix permissions on %s", runtime.GOOS)
	}
	ctx := context.Background()
	clk := newClock()
	dir := filepath.Join(t.TempDir(), "new", "sessions")
	s, err := dirstore.New(dir, &dirstore.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{session.NewID(), strings.Repeat("0", 33)} {
		if err := s.Save(ctx, id, []byte("x"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		rel  string
		want fs.FileMode
	}{
		{"", fs.ModeDir | 0o700},
		{"00", fs.ModeDir | 0o700},
		{strings.Repeat("00/", 16), fs.ModeDir | 0o700},
		{strings.Repeat("00/", 16) + "0.dat", 0o600},
	}
	for _, tt := range tests {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(tt.rel)))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != tt.want {
			t.Errorf("%q has mode %v; want %v", tt.rel, fi.Mode(), tt.want)
		}
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if want := map[bool]fs.FileMode{true: fs.ModeDir | 0o700, false: 0o600}[d.IsDir()]; fi.Mode() != want {
			t.Errorf("%s has mode %v; want %v", p, fi.Mode(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMaxData(t *testing.T) {
	ctx := context.Background()
	const max = 100
	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"empty", 0, false},
		{"at the limit", max, false},
		{"one byte over", max + 1, true},
		{"a megabyte", 1 << 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir, clk := newStore(t, &dirstore.Options{MaxData: max})
			id := session.NewID()
			data := bytes.Repeat([]byte("y"), tt.size)
			err := s.Save(ctx, id, data, time.Hour)
			if tt.wantErr != errors.Is(err, session.ErrTooLarge) || !tt.wantErr && err != nil {
				t.Fatalf("Save of %d bytes: %v; want ErrTooLarge: %v", tt.size, err, tt.wantErr)
			}
			// The same size written by another process, just now.
			writeFile(t, dir, ktorPath(id), data, clk.Now())
			got, err := s.Load(ctx, id)
			if tt.wantErr {
				if !errors.Is(err, session.ErrTooLarge) || errors.Is(err, session.ErrNotFound) {
					t.Fatalf("Load of %d bytes: %v; want ErrTooLarge", tt.size, err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("Load of %d bytes: %d bytes, %v", tt.size, len(got), err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	base := t.TempDir()
	t.Chdir(base) // for the relative directory
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dir     string
		o       *dirstore.Options
		wantErr string // a part of the message; "" for no error
	}{
		{"existing directory", base, nil, ""},
		{"new directories", filepath.Join(base, "a", "b"), &dirstore.Options{}, ""},
		{"relative", "rel", nil, ""},
		{"a regular file", file, nil, "is not a directory"},
		{"under a regular file", filepath.Join(file, "sub"), nil, "failed to"},
		{"empty name", "", nil, "empty directory name"},
		{"negative MaxData", base, &dirstore.Options{MaxData: -1}, "MaxData is -1"},
		{"MaxAge of MinTTL", base, &dirstore.Options{MaxAge: session.MinTTL}, ""},
		{"MaxAge below MinTTL", base, &dirstore.Options{MaxAge: session.MinTTL - 1}, "MaxAge is 999.999999ms, shorter than 1s"},
		{"MaxAge of a nanosecond", base, &dirstore.Options{MaxAge: 1}, "MaxAge is 1ns"},
		{"negative MaxAge", base, &dirstore.Options{MaxAge: -time.Hour}, "MaxAge is -1h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := dirstore.New(tt.dir, tt.o)
			if tt.wantErr == "" {
				if err != nil || s == nil {
					t.Fatalf("New = %v, %v", s, err)
				}
				if fi, err := os.Stat(tt.dir); err != nil || !fi.IsDir() {
					t.Fatalf("after New, the directory: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New = %v; want an error containing %q", err, tt.wantErr)
			}
			if s != nil {
				t.Errorf("New returned a store with the error")
			}
		})
	}
	if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("New changed the regular file: %v, %v", fi, err)
	}
}

// TestTempFiles checks that a temporary file left by a crashed Save is not
// read as a session, and that Prune removes it only an hour after it would
// have expired as a session file: MaxAge and an hour after its
// modification time.
func TestTempFiles(t *testing.T) {
	ctx := context.Background()
	const maxAge = dirstore.DefaultMaxAge
	tests := []struct {
		name     string
		age      time.Duration // by its modification time
		wantKept bool
	}{
		{"just written", 0, true},
		// A Save sets the modification time before its rename: to now +
		// TTL - MaxAge, up to MaxAge in the past for a short TTL.
		{"time set for a long TTL", -time.Hour, true},
		{"time set for a TTL of MinTTL", maxAge - session.MinTTL, true},
		{"an hour past MaxAge", maxAge + time.Hour - time.Second, true},
		{"over an hour past MaxAge", maxAge + time.Hour, false},
		{"a day old", 24 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir, clk := newStore(t, nil)
			id := session.NewID()
			rel := ktorPath(id)
			tmp := writeFile(t, dir, rel[:len(rel)-6]+".tmp-1234567", []byte("half a sess"), clk.Now().Add(-tt.age))
			if got, err := s.Load(ctx, id); !errors.Is(err, session.ErrNotFound) {
				t.Fatalf("Load beside a temporary file = %q, %v; want ErrNotFound", got, err)
			}
			if removed, err := s.Prune(ctx); removed != 0 || err != nil {
				t.Fatalf("Prune = %d, %v; want 0, nil", removed, err)
			}
			if got := exists(t, tmp); got != tt.wantKept {
				t.Fatalf("after Prune, the temporary file exists: %v; want %v", got, tt.wantKept)
			}
			if !tt.wantKept && len(tree(t, dir)) != 0 {
				t.Errorf("Prune left %q", tree(t, dir))
			}
			if err := s.Save(ctx, id, []byte("whole"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Load(ctx, id); err != nil || string(got) != "whole" {
				t.Fatalf("Load after Save = %q, %v", got, err)
			}
		})
	}
}

// leaksID reports whether the message of err holds more than the first 8
// characters of id, in a path or not.
func leaksID(err error, id string) bool {
	msg := strings.ReplaceAll(err.Error(), string(filepath.Separator), "")
	return strings.Contains(msg, id[4:12]) || strings.Contains(msg, id[len(id)-8:])
}

// TestNotRegular checks what is at a session's path that the store did not
// put there: Load refuses it with an error that is not ErrNotFound, and
// Save replaces a symbolic link rather than writing through it.
func TestNotRegular(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on windows")
	}
	ctx := context.Background()
	tests := []struct {
		name     string
		make     func(t *testing.T, p, outside string)
		wantSave bool // Save succeeds, and Load then returns the session
	}{
		{"symbolic link to a file outside", func(t *testing.T, p, outside string) {
			if err := os.Symlink(outside, p); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"dangling symbolic link", func(t *testing.T, p, outside string) {
			if err := os.Symlink(outside+".missing", p); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"directory", func(t *testing.T, p, outside string) {
			if err := os.MkdirAll(filepath.Join(p, "x"), 0o700); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir, _ := newStore(t, nil)
			outside := filepath.Join(t.TempDir(), "secret")
			if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			id := session.NewID()
			p := filepath.Join(dir, filepath.FromSlash(ktorPath(id)))
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			tt.make(t, p, outside)
			if got, err := s.Load(ctx, id); err == nil || errors.Is(err, session.ErrNotFound) {
				t.Fatalf("Load = %q, %v; want an error other than ErrNotFound", got, err)
			} else if leaksID(err, id) {
				t.Errorf("the error %q holds more than 8 characters of the ID", err)
			}
			err := s.Save(ctx, id, []byte("session"), time.Hour)
			if !tt.wantSave {
				if err == nil {
					t.Fatal("Save over a directory: no error")
				}
				if leaksID(err, id) {
					t.Errorf("the error %q holds more than 8 characters of the ID", err)
				}
				if got := tree(t, filepath.Dir(p)); !slices.Equal(got, []string{filepath.Base(p) + "/", filepath.Base(p) + "/x/"}) {
					t.Errorf("after a failed Save, the directory holds %q; want no temporary file", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, err := os.ReadFile(outside); err != nil || string(got) != "secret" {
				t.Errorf("the file outside holds %q, %v; Save wrote through the link", got, err)
			}
			if got, err := s.Load(ctx, id); err != nil || string(got) != "session" {
				t.Errorf("Load after Save = %q, %v", got, err)
			}
		})
	}
}

// TestConcurrentSharedDirectories saves, loads and deletes sessions whose
// IDs share most of their directories, from several goroutines, with a
// Prune running alongside: every Save must succeed though Deletes keep
// removing the directories it needs, and nothing may be left at the end.
//
// With a MaxAge far longer than the TTL, a Save sets the modification time
// of its temporary file nearly a day in the past before its rename: Prune
// must not take the file for one that a crashed Save left behind.
func TestConcurrentSharedDirectories(t *testing.T) {
	for _, maxAge := range []time.Duration{0, 24 * time.Hour} {
		t.Run(fmt.Sprintf("MaxAge=%v", maxAge), func(t *testing.T) {
			testConcurrentSharedDirectories(t, maxAge)
		})
	}
}

func testConcurrentSharedDirectories(t *testing.T, maxAge time.Duration) {
	ctx := context.Background()
	s, dir, _ := newStore(t, &dirstore.Options{MaxAge: maxAge})
	errs := make(chan error, 100)
	n := 200 // catches a Save without retries (saveAttempts = 1) in 49 runs of 50 in memory, 10 of 10 on disk
	if testing.Short() {
		n = 50
	}
	var savers, pruner sync.WaitGroup
	for g := range 8 {
		savers.Go(func() {
			for i := range n {
				// The goroutines share all the directories but the last,
				// and share that by twos; the files collide now and then.
				id := strings.Repeat("a", 28) + fmt.Sprintf("%02x%x%x", g/2, g%2, i%16)
				if err := s.Save(ctx, id, []byte(id), time.Hour); err != nil {
					errs <- fmt.Errorf("Save: %w", err)
					return
				}
				// Another goroutine may have deleted it since.
				if got, err := s.Load(ctx, id); err != nil && !errors.Is(err, session.ErrNotFound) || err == nil && string(got) != id {
					errs <- fmt.Errorf("Load = %q, %v", got, err)
					return
				}
				if err := s.Delete(ctx, id); err != nil {
					errs <- fmt.Errorf("Delete: %w", err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	pruner.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := s.Prune(ctx); err != nil {
				errs <- fmt.Errorf("Prune: %w", err)
				return
			}
		}
	})
	savers.Wait()
	close(done)
	pruner.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("after every Delete, the directory holds %q", got)
	}
}

func TestIterable(t *testing.T) {
	clk := newClock()
	storetest.RunIterable(t, func(t *testing.T) session.Store {
		s, err := dirstore.New(t.TempDir(), &dirstore.Options{Now: clk.Now, MaxAge: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		dirstore.SetSync(s, noSync)
		return s
	}, storetest.Options{Advance: clk.Advance})
}
