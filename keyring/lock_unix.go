//go:build unix

package keyring

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// openNonblock makes opening a named pipe return at once rather than wait
// for its other end; it changes nothing for a regular file.
const openNonblock = syscall.O_NONBLOCK

// lock takes an exclusive advisory lock (flock) on path+".lock", creating it
// with mode 0600 if needed, and returns the function that releases it. The
// kernel releases the lock if the process dies, so a crash never leaves a
// stale lock; the dead writer's temporary file, if any, is removed here.
//
// The lock file is opened without following a symbolic link (O_NOFOLLOW):
// in a directory that others can write to, a planted link would otherwise
// make a key change run as root create or open any file. A lock path that
// is a link, or anything but a regular file, is refused with an error
// wrapping ErrNotRegular.
func lock(path string) (unlock func(), err error) {
	lp := path + ".lock"
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		if fi, lerr := os.Lstat(lp); lerr == nil && !fi.Mode().IsRegular() {
			return nil, lockNotRegular(lp, fi.Mode())
		}
		return nil, fmt.Errorf("keyring: failed to lock keyring: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("keyring: failed to lock keyring: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, lockNotRegular(lp, fi.Mode())
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("keyring: failed to lock keyring: %w", err)
	}
	keepLockOwner(f, fi, path)
	removeStaleTemps(path)
	return func() { f.Close() }, nil // closing the descriptor releases the lock
}

// lockNotRegular is notRegular for the lock file lp, with what to do.
func lockNotRegular(lp string, m fs.FileMode) error {
	return fmt.Errorf("%w; a lock file is always a regular file, and sesstool never follows a link there: remove it, and find out who put it there", notRegular(lp, m))
}

// keepLockOwner gives the lock file f, whose FileInfo is fi, the owner and
// group of the keyring file at path, when they differ and the process may:
// a lock file that root created would otherwise lock the keyring's owner
// out of its next key change. It is best effort: a lock file that the
// owner cannot open is reported when the owner next tries.
func keepLockOwner(f *os.File, fi fs.FileInfo, path string) {
	kfi, err := os.Stat(path)
	if err != nil {
		return
	}
	want, ok1 := kfi.Sys().(*syscall.Stat_t)
	got, ok2 := fi.Sys().(*syscall.Stat_t)
	if ok1 && ok2 && (want.Uid != got.Uid || want.Gid != got.Gid) {
		_ = f.Chown(int(want.Uid), int(want.Gid))
	}
}

// keepOwner gives tmp, the new version of the keyring file at path, the
// owner and group of the old one, whose FileInfo is old (nil for a new
// file). If the process cannot (only root can give a file away, and an
// owner can only choose a group they are in), it returns an error wrapping
// ErrOwner that says whose file it is.
func keepOwner(tmp *os.File, old fs.FileInfo, path string) error {
	if old == nil {
		return nil
	}
	want, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	fi, err := tmp.Stat()
	if err != nil {
		return fmt.Errorf("keyring: failed to write keyring: %w", err)
	}
	if got, ok := fi.Sys().(*syscall.Stat_t); ok && got.Uid == want.Uid && got.Gid == want.Gid {
		return nil
	}
	if err := tmp.Chown(int(want.Uid), int(want.Gid)); err != nil {
		owner, group := describeID("uid", want.Uid, userName), describeID("gid", want.Gid, groupName)
		if int(want.Uid) == os.Geteuid() {
			return fmt.Errorf("%w: %s belongs to %s, %s, a group this user is not in, so its new version cannot keep that group; the keyring was left as it was: run the command as a member of that group, or change the file's group first (chgrp)",
				ErrOwner, path, owner, group)
		}
		return fmt.Errorf("%w: %s belongs to %s, %s, and this process (uid %d) cannot give its new version that owner; the keyring was left as it was: run the command as that user (for example with sudo -u)",
			ErrOwner, path, owner, group, os.Geteuid())
	}
	return nil
}

// describeID returns "uid 1000 (alice)", or "uid 1000" if the name is unknown.
func describeID(kind string, id uint32, name func(string) string) string {
	s := kind + " " + strconv.FormatUint(uint64(id), 10)
	if n := name(strconv.FormatUint(uint64(id), 10)); n != "" {
		s += " (" + n + ")"
	}
	return s
}

func userName(id string) string {
	if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return ""
}

func groupName(id string) string {
	if g, err := user.LookupGroupId(id); err == nil {
		return g.Name
	}
	return ""
}
