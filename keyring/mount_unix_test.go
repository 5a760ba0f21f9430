//go:build unix

package keyring_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/keyring"
)

// secretVolume lays out dir as a Kubernetes Secret volume does: the file
// lives in a timestamped directory, ..data links to that directory, and
// name links to ..data/name. It returns the path a service reads (dir/name).
func secretVolume(t testing.TB, dir, name string, data []byte, mode fs.FileMode) string {
	t.Helper()
	ts := writeTimestampDir(t, dir, "..2026_01_01_00_00_00.000000001", name, data, mode)
	if err := os.Symlink(ts, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// writeTimestampDir writes a timestamped directory of a Secret volume and
// returns its name.
func writeTimestampDir(t testing.TB, dir, ts, name string, data []byte, mode fs.FileMode) string {
	t.Helper()
	if err := os.Mkdir(filepath.Join(dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, ts, name)
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return ts
}

// swapSecretVolume updates a Secret volume as the kubelet does: a new
// timestamped directory, a new link ..data_tmp to it, renamed over ..data
// in one step.
func swapSecretVolume(t testing.TB, dir, ts, name string, data []byte, mode fs.FileMode) {
	t.Helper()
	writeTimestampDir(t, dir, ts, name, data, mode)
	tmp := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
}

func TestLoadWithAllowReadable(t *testing.T) {
	good := marshal(t, generate(t, keyring.Default))
	allow := &keyring.LoadOptions{AllowReadable: true}
	tests := []struct {
		mode    fs.FileMode
		opts    *keyring.LoadOptions
		wantErr bool
		wantMsg string // in the error
	}{
		{0o600, nil, false, ""},
		{0o644, nil, true, "allow readable keyrings (keyring.LoadOptions.AllowReadable)"},
		{0o440, nil, true, "allow readable keyrings (keyring.LoadOptions.AllowReadable)"},
		{0o644, allow, false, ""},
		{0o640, allow, false, ""},
		{0o440, allow, false, ""},
		{0o400, allow, false, ""},
		// Write access for others is refused with or without the opt-in,
		// and the error does not suggest it.
		{0o620, nil, true, "its group can change it; run chmod 600"},
		{0o666, allow, true, "every user can read it; run chmod 600"},
		{0o660, allow, true, "its group can read it; run chmod 600"},
		{0o602, allow, true, "every user can change it; run chmod 600"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%04o/%v", tc.mode, tc.opts != nil), func(t *testing.T) {
			path := writeFile(t, good, tc.mode)
			r, err := keyring.LoadWith(path, tc.opts)
			if !tc.wantErr {
				if err != nil || r == nil {
					t.Fatalf("LoadWith = %v, %v; want the ring", r, err)
				}
				return
			}
			if !errors.Is(err, keyring.ErrInsecure) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("LoadWith error %v; want ErrInsecure containing %q", err, tc.wantMsg)
			}
			if tc.mode&0o022 != 0 && strings.Contains(err.Error(), "LoadOptions.AllowReadable") {
				t.Errorf("error %q suggests AllowReadable for a file others can write", err)
			}
		})
	}
}

// TestUpdateRefusesReadable: a keyring that is written stays private, and
// the refusal does not suggest the read-only opt-in, which does not apply.
func TestUpdateRefusesReadable(t *testing.T) {
	path := writeFile(t, marshal(t, generate(t, keyring.Default)), 0o644)
	_, err := keyring.Update(path, func(r *keyring.Ring) (*keyring.Ring, error) { return r, nil })
	if !errors.Is(err, keyring.ErrInsecure) || strings.Contains(err.Error(), "LoadOptions.AllowReadable") {
		t.Fatalf("Update error %v; want ErrInsecure that does not suggest AllowReadable", err)
	}
}

// TestLoadSecretVolume reads a keyring from the layout of a Kubernetes
// Secret volume: through two symbolic links, mode 0644 (the default) or
// 0440 owned by another user (with fsGroup), with the opt-in only.
func TestLoadSecretVolume(t *testing.T) {
	ring := generate(t, keyring.Default)
	for _, mode := range []fs.FileMode{0o644, 0o440} {
		t.Run(fmt.Sprintf("%04o", mode), func(t *testing.T) {
			dir := t.TempDir()
			path := secretVolume(t, dir, "keyring.json", marshal(t, ring), mode)
			if mode == 0o440 {
				// Another user's file: only root can give it away, and
				// only root (or that user's group) can then read it.
				if os.Geteuid() != 0 {
					t.Skip("needs root to give the file to another user")
				}
				real, err := filepath.EvalSymlinks(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Chown(real, 65534, 65534); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := keyring.Load(path); !errors.Is(err, keyring.ErrInsecure) {
				t.Fatalf("Load without the opt-in: %v; want ErrInsecure", err)
			}
			got, err := keyring.LoadWith(path, &keyring.LoadOptions{AllowReadable: true})
			if err != nil {
				t.Fatalf("LoadWith AllowReadable: %v", err)
			}
			if got.Primary().ID != ring.Primary().ID {
				t.Errorf("loaded primary %v; want %v", got.Primary().ID, ring.Primary().ID)
			}
		})
	}
}

// TestUpdateThroughSymlink: a write through a link goes to the file it
// leads to, under the lock beside that file, and the link stays a link.
// Before issue 13, Update renamed a new file over the link, and the real
// file kept the old keys.
func TestUpdateThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	realDir := filepath.Join(dir, "real")
	if err := os.Mkdir(realDir, 0o700); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(realDir, "k.json")
	if err := keyring.Create(real, generate(t, keyring.Default)); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "k.json")
	if err := os.Symlink(filepath.Join("real", "k.json"), link); err != nil {
		t.Fatal(err)
	}
	var added keyring.Key
	_, err := keyring.Update(link, func(r *keyring.Ring) (*keyring.Ring, error) {
		r2, k, err := r.Add(keyring.Default, now)
		added = k
		return r2, err
	})
	if err != nil {
		t.Fatalf("Update through the link: %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("after Update, %s is no longer a symbolic link (%v, %v)", link, fi, err)
	}
	got, err := keyring.Load(real)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Lookup(added.ID); !ok {
		t.Errorf("the real file lacks the key added through the link")
	}
	if _, err := os.Stat(real + ".lock"); err != nil {
		t.Errorf("no lock beside the real file: %v", err)
	}
	if _, err := os.Lstat(link + ".lock"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a lock beside the link: %v; want none", err)
	}
	// Temporary files are written beside the real file, never the link.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s beside the link", e.Name())
		}
	}

	// A link that leads nowhere is refused and left alone.
	dangling := filepath.Join(dir, "gone.json")
	if err := os.Symlink("nowhere.json", dangling); err != nil {
		t.Fatal(err)
	}
	_, err = keyring.Update(dangling, func(r *keyring.Ring) (*keyring.Ring, error) { return r, nil })
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Update of a dangling link: %v; want an error naming the link", err)
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the dangling link was replaced")
	}
}
