package dirstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sesstool/sesstool/session"
)

// DefaultMaxData is the default of Options.MaxData: 64 KiB.
const DefaultMaxData = 64 << 10

// DefaultMaxAge is the default of Options.MaxAge: 30 minutes, the same as
// session.DefaultIdleTimeout, the default of the Manager's
// Options.IdleTimeout.
const DefaultMaxAge = 30 * time.Minute

// ErrUnsafeDirectory is wrapped by the error of New for a directory, or a
// lock file in it, that another local user could have used to plant
// sessions: one that the process's effective user does not own, or that
// its group or other users can write. The message says what to change.
// The check is made on Unix only (see New).
var ErrUnsafeDirectory = errors.New("session: dirstore: unsafe session directory")

// ErrForeignFile is wrapped by the errors of Load and Update for a session
// file that a user other than the process's effective user owns: another
// local user may have planted it to choose a session's contents. The store
// neither reads, replaces nor removes it. The check is made on Unix only.
var ErrForeignFile = errors.New("session: dirstore: session file owned by another user")

// Options configure a Store. The zero value, like a nil *Options, is
// usable.
type Options struct {
	// Now is the clock. Nil means time.Now. A session file expires MaxAge
	// after its modification time, which other processes, Ktor among
	// them, set from the system's clock: a clock far from the system's
	// shifts the expiry of the files they write, and Prune's age test for
	// temporary files (see Store.Prune).
	Now func() time.Time
	// MaxData is the largest session, in bytes, that Save writes and Load
	// reads. Zero means DefaultMaxData.
	MaxData int
	// MaxAge is how long a session file lives after its modification
	// time; zero means DefaultMaxAge. It must be at least session.MinTTL.
	// Make it equal to the Manager's Options.IdleTimeout, so that Save leaves the
	// time of the write as the modification time, as Ktor does; a Ktor
	// service that shares the directory should use the same max age for
	// its sessions.
	MaxAge time.Duration
}

// Store is a session.Store that keeps each session in a file under a
// directory, in Ktor's layout. Create one with New.
type Store struct {
	root    string // absolute and clean
	prefix  string // root, ending in a separator
	now     func() time.Time
	maxData int
	maxAge  time.Duration
	euid    int // the process's effective user ID, owner of everything in root
	// sync flushes a temporary file to stable storage before its rename:
	// (*os.File).Sync, which tests that need not wait for the disk
	// replace (see export_test.go).
	sync func(*os.File) error

	// mu and lock (flock on the file lockName in the directory) serialize
	// Update, Delete and the removal of expired files, within the process
	// and across the processes that share the directory (flock locks
	// belong to an open file, so goroutines need the mutex too).
	mu   sync.Mutex
	lock *os.File
}

var _ session.Store = (*Store)(nil)

const (
	// tempPrefix begins the names of temporary files. A session file's
	// name is hexadecimal, so a temporary file is never taken for one.
	tempPrefix = ".tmp-"
	// tempMaxAge is how long after it would have expired as a session file
	// (MaxAge after its modification time) Prune removes a temporary file.
	tempMaxAge = time.Hour
	// saveAttempts bounds the tries of Save to create its temporary file
	// while concurrent deletes remove the directories it creates.
	saveAttempts = 10
	// maxDepth is the most directories a session path has: 63 for an ID
	// of 128 characters.
	maxDepth = 63
	// lockName is the lock file in the store's directory. It is not
	// hexadecimal, so it is never taken for a session, and Prune leaves it.
	lockName = ".lock"
)

// New returns a Store that keeps its sessions under dir, creating dir with
// mode 0700 if it does not exist. It fails if dir exists and is not a
// directory. A relative dir is made absolute first, and symbolic links in
// it are resolved, so that the store does not move if the process changes
// its working directory or someone changes a link later: the store uses,
// and checks, the directory that dir leads to when New is called.
//
// On Unix, New refuses, with an error wrapping ErrUnsafeDirectory, a
// directory that the process's effective user does not own or that its
// group or other users can write (mode bits 0o022), and likewise the
// store's lock file in it, since another local user could otherwise plant
// sessions of their choice there. Load and Update refuse session files
// that another user owns (ErrForeignFile). The directories above dir are
// not checked: they must be writable only by trusted users (root and the
// process's own user), as for any file a service trusts. Neither are the
// session's subdirectories below dir, on each Load and Save; a file
// planted through one is still refused by its owner. A Ktor service that
// shares the directory must run as the same user. On other platforms, none
// of these checks is made.
//
// o may be nil.
func New(dir string, o *Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("session: dirstore: empty directory name; pass the directory to keep sessions in")
	}
	s := &Store{now: time.Now, maxData: DefaultMaxData, maxAge: DefaultMaxAge, euid: os.Geteuid(), sync: (*os.File).Sync}
	if o != nil {
		if o.Now != nil {
			s.now = o.Now
		}
		switch {
		case o.MaxData < 0:
			return nil, fmt.Errorf("session: dirstore: MaxData is %d; pass a positive limit, or 0 for the default", o.MaxData)
		case o.MaxData > 0:
			s.maxData = o.MaxData
		}
		switch {
		case o.MaxAge != 0 && o.MaxAge < session.MinTTL:
			return nil, fmt.Errorf("session: dirstore: MaxAge is %v, shorter than %v; pass a longer MaxAge, or 0 for the default", o.MaxAge, session.MinTTL)
		case o.MaxAge != 0:
			s.maxAge = o.MaxAge
		}
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("session: dirstore: failed to resolve the directory: %w", err)
	}
	fi, err := os.Stat(root)
	switch {
	case err == nil && !fi.IsDir():
		return nil, fmt.Errorf("session: dirstore: %s is not a directory; pass a directory, or a path that does not exist yet", root)
	case err == nil:
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("session: dirstore: failed to open the directory: %w", err)
	default:
		if err := os.MkdirAll(root, 0o700); err != nil {
			return nil, fmt.Errorf("session: dirstore: failed to create the directory: %w", err)
		}
	}
	if root, err = filepath.EvalSymlinks(root); err != nil {
		return nil, fmt.Errorf("session: dirstore: failed to resolve the directory: %w", err)
	}
	if fi, err = os.Lstat(root); err != nil {
		return nil, fmt.Errorf("session: dirstore: failed to open the directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("session: dirstore: %s is not a directory; pass a directory, or a path that does not exist yet", root)
	}
	if err := s.checkSafe(root, fi); err != nil {
		return nil, err
	}
	s.root, s.prefix = root, root
	if !strings.HasSuffix(root, string(filepath.Separator)) {
		s.prefix += string(filepath.Separator)
	}
	if s.lock, err = openLock(s.prefix + lockName); err != nil {
		return nil, fmt.Errorf("session: dirstore: failed to open the lock file %s; remove whatever is there (it must be a regular file): %w", lockName, err)
	}
	fi, err = s.lock.Stat()
	switch {
	case err != nil:
		err = fmt.Errorf("session: dirstore: failed to open the lock file %s: %w", lockName, err)
	case !fi.Mode().IsRegular():
		err = fmt.Errorf("session: dirstore: the lock file %s is not a regular file; remove it", s.prefix+lockName)
	default:
		err = s.checkSafe(s.prefix+lockName, fi)
	}
	if err != nil {
		s.lock.Close()
		return nil, err
	}
	return s, nil
}

// checkSafe returns an error wrapping ErrUnsafeDirectory if the directory
// or lock file at p, which fi describes, is not the process's user's own,
// or is writable by its group or other users.
func (s *Store) checkSafe(p string, fi fs.FileInfo) error {
	if !checksOwners {
		return nil
	}
	if uid := owner(fi); uid != s.euid {
		return fmt.Errorf("%w: %s is owned by user %d, not by this process's user %d; another user could have planted sessions in it: use a directory of this user's own, or have an administrator empty it and run chown %d %s", ErrUnsafeDirectory, p, uid, s.euid, s.euid, p)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%w: %s has mode %v, which lets its group or other users write it; run chmod go-w %s, and remove any session in it that you did not write", ErrUnsafeDirectory, p, fi.Mode(), p)
	}
	return nil
}

// checkOwner returns an error wrapping ErrForeignFile if the session file
// at p, which fi describes, is not the process's user's own.
func (s *Store) checkOwner(op, p string, fi fs.FileInfo) error {
	if !checksOwners {
		return nil
	}
	if uid := owner(fi); uid != s.euid {
		return fmt.Errorf("session: dirstore: failed to %s session: %w: %s is owned by user %d, not by this process's user %d; another user may have planted it: remove it, and check who can write the directory", op, ErrForeignFile, s.redactPath(p), uid, s.euid)
	}
	return nil
}

// Close releases the store's lock file. The store must not be used after.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lock.Close()
}

// locked runs f holding the store's lock.
func (s *Store) locked(f func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := flock(s.lock, true); err != nil {
		return fmt.Errorf("session: dirstore: failed to lock the directory: %w", err)
	}
	defer flock(s.lock, false)
	return f()
}

// path returns the file of session id: its chunks of two characters, all
// but the last a directory, and the last with the suffix ".dat".
func (s *Store) path(id string) string {
	var b strings.Builder
	b.Grow(len(s.prefix) + len(id) + len(id)/2 + 4)
	b.WriteString(s.prefix)
	for i := 0; i < len(id); i += 2 {
		if i > 0 {
			b.WriteByte(filepath.Separator)
		}
		b.WriteString(id[i:min(i+2, len(id))])
	}
	b.WriteString(".dat")
	return b.String()
}

// check returns the error for an ID or context that Load, Save or Delete
// must not go on with.
func check(ctx context.Context, id string) error {
	if !session.ValidID(id) {
		return fmt.Errorf("%w: %d characters; want 32 to 128 lowercase hexadecimal characters", session.ErrInvalidID, len(id))
	}
	return ctx.Err()
}

// Load implements session.Store. It returns an error wrapping session.ErrTooLarge
// for a file longer than Options.MaxData, one wrapping ErrForeignFile for a
// file that another user owns (on Unix), and an error for anything at the
// session's path that is not a regular file, such as a symbolic link.
func (s *Store) Load(ctx context.Context, id string) ([]byte, error) {
	if err := check(ctx, id); err != nil {
		return nil, err
	}
	p := s.path(id)
	// Lstat first, so that a symbolic link or a named pipe (on which Open
	// would block) is refused rather than opened.
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, session.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("session: dirstore: failed to load session: %w", s.redact(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("session: dirstore: failed to load session: %s is not a regular file; remove it", s.redactPath(p))
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, session.ErrNotFound // deleted since the Lstat
	}
	if err != nil {
		return nil, fmt.Errorf("session: dirstore: failed to load session: %w", s.redact(err))
	}
	defer f.Close()
	// The file may have been replaced since the Lstat: from here on, use
	// only what the open file says of itself.
	fi, err = f.Stat()
	if err != nil {
		return nil, fmt.Errorf("session: dirstore: failed to load session: %w", s.redact(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("session: dirstore: failed to load session: %s is not a regular file; remove it", s.redactPath(p))
	}
	if err := s.checkOwner("load", p, fi); err != nil {
		return nil, err
	}
	if now := s.now(); s.expired(fi.ModTime(), now) {
		f.Close()                 // before the removal, for Windows; the deferred Close is then a no-op
		s.removeIfExpired(p, now) // best effort: Prune gets what this misses
		return nil, session.ErrNotFound
	}
	if fi.Size() > int64(s.maxData) {
		return nil, s.tooLarge(fi.Size())
	}
	// The file may grow while we read it: read at most one byte more than
	// allowed, and check.
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+1))
	if _, err := buf.ReadFrom(io.LimitReader(f, int64(s.maxData)+1)); err != nil {
		return nil, fmt.Errorf("session: dirstore: failed to load session: %w", s.redact(err))
	}
	if buf.Len() > s.maxData {
		return nil, s.tooLarge(int64(buf.Len()))
	}
	return buf.Bytes(), nil
}

func (s *Store) tooLarge(n int64) error {
	return fmt.Errorf("%w: the session file has %d bytes or more, and MaxData is %d; raise Options.MaxData, or delete the session", session.ErrTooLarge, n, s.maxData)
}

// expired reports whether a file with the modification time mtime has
// expired at now: whether mtime plus MaxAge is not after now.
func (s *Store) expired(mtime, now time.Time) bool {
	return !mtime.Add(s.maxAge).After(now)
}

// Save implements session.Store. It returns an error wrapping session.ErrTooLarge
// for data longer than Options.MaxData.
//
// The file expires MaxAge after its modification time, so Save sets that
// to now + ttl - MaxAge: now itself when ttl equals MaxAge, as Ktor leaves
// it; later for a longer ttl, earlier for a shorter one.
func (s *Store) Save(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	if err := s.checkSave(ctx, id, data, ttl); err != nil {
		return err
	}
	return s.write(s.path(id), data, ttl)
}

// Update implements session.Store: it replaces the session file only if
// it is there and has not expired, holding the store's lock, which Delete
// and the removal of expired files also take. Processes that share the
// directory take it too (flock), except on platforms without it, where
// only one process may write the directory; a Ktor service sharing the
// directory does not take it, so a Ktor log-out can still race a Go
// Update. Like Load, it refuses a file that another user owns.
func (s *Store) Update(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	if err := s.checkSave(ctx, id, data, ttl); err != nil {
		return err
	}
	p := s.path(id)
	return s.locked(func() error {
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return session.ErrNotFound
		case err != nil:
			return fmt.Errorf("session: dirstore: failed to update session: %w", s.redact(err))
		case !fi.Mode().IsRegular():
			return fmt.Errorf("session: dirstore: failed to update session: %s is not a regular file; remove it", s.redactPath(p))
		}
		if err := s.checkOwner("update", p, fi); err != nil {
			return err
		}
		if s.expired(fi.ModTime(), s.now()) {
			return session.ErrNotFound
		}
		return s.write(p, data, ttl)
	})
}

// checkSave returns the error for arguments that Save and Update refuse.
func (s *Store) checkSave(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	if err := check(ctx, id); err != nil {
		return err
	}
	if ttl < session.MinTTL {
		return fmt.Errorf("session: dirstore: TTL %v is shorter than %v; pass a longer TTL", ttl, session.MinTTL)
	}
	if len(data) > s.maxData {
		return fmt.Errorf("%w: %d bytes, and MaxData is %d; save less, or raise Options.MaxData", session.ErrTooLarge, len(data), s.maxData)
	}
	return nil
}

// write puts data at p atomically (a temporary file, synced, renamed),
// with the modification time that makes it expire after ttl.
func (s *Store) write(p string, data []byte, ttl time.Duration) error {
	// ttl >= MinTTL and maxAge > 0, so ttl - maxAge cannot overflow.
	mtime := s.now().Add(ttl - s.maxAge)
	f, err := s.createTemp(filepath.Dir(p))
	if err != nil {
		return fmt.Errorf("session: dirstore: failed to save session: %w", s.redact(err))
	}
	tmp := f.Name()
	err = s.writeSync(f, data)
	if err == nil {
		err = os.Chtimes(tmp, mtime, mtime)
	}
	if err == nil {
		// Rename replaces whatever is at p, a symbolic link included,
		// rather than writing through it.
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("session: dirstore: failed to save session: %w", s.redact(err))
	}
	return nil
}

// createTemp creates dir and its parents as needed, and a temporary file in
// it. A concurrent Delete or Prune may remove an empty directory meanwhile:
// between the two steps (CreateTemp fails with ErrNotExist), or inside
// MkdirAll (a Mkdir fails with ErrNotExist, or with ErrExist and the
// directory is gone when MkdirAll looks again). Then it tries again. Once
// the file exists, the directory is not empty, and no one removes it.
func (s *Store) createTemp(dir string) (*os.File, error) {
	var err error
	for range saveAttempts {
		if err = os.MkdirAll(dir, 0o700); err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrExist) {
				continue
			}
			return nil, err
		}
		var f *os.File
		if f, err = os.CreateTemp(dir, tempPrefix+"*"); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
	}
	return nil, err
}

// writeSync writes data to f, syncs it to stable storage, and closes it.
func (s *Store) writeSync(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = s.sync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Delete implements session.Store. It also removes the directories that
// the session's file leaves empty, up to but not including the store's
// directory.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := check(ctx, id); err != nil {
		return err
	}
	p := s.path(id)
	return s.locked(func() error {
		if err := os.Remove(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("session: dirstore: failed to delete session: %w", s.redact(err))
		}
		s.removeEmptyParents(p)
		return nil
	})
}

// removeEmptyParents removes the parent directories of p, from the nearest
// up to but not including the root, until one is not empty. A concurrent
// Save may have put a file in one, or another remover may have got there
// first: either way, that is where to stop, so errors are not reported.
func (s *Store) removeEmptyParents(p string) {
	for dir := filepath.Dir(p); len(dir) > len(s.root) && strings.HasPrefix(dir, s.prefix); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			return
		}
	}
}

// removeIfExpired removes the regular file at p if it has expired at now
// (see expired), with the directories it leaves empty, and reports whether
// it did.
//
// The file is looked at again, holding the store's lock, just before its
// removal, so that a session that a concurrent Update has just renamed
// into place is not removed.
func (s *Store) removeIfExpired(p string, now time.Time) (removed bool, err error) {
	err = s.locked(func() error {
		removed, err = s.removeIfExpiredLocked(p, now)
		return err
	})
	return removed, err
}

func (s *Store) removeIfExpiredLocked(p string, now time.Time) (bool, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	if !fi.Mode().IsRegular() || !s.expired(fi.ModTime(), now) {
		return false, nil
	}
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	s.removeEmptyParents(p)
	return true, nil
}

// Prune removes the session files that have expired, and the directories
// they leave empty, but never the store's directory itself. It returns the
// number of session files it removed: those whose modification time is
// MaxAge or more in the past, whoever wrote them. It also removes the
// temporary files that a crashed Save left behind, once their modification
// time is more than MaxAge plus an hour in the past (these are not
// counted): a Save sets it up to MaxAge in the past before its rename, when
// its TTL is shorter than MaxAge, and the hour keeps Prune clear of those.
//
// Prune leaves alone whatever does not fit the layout: files whose names
// are not those of session files, and directories whose names are not two
// lowercase hexadecimal characters, with everything in them. It does not
// follow symbolic links.
//
// Prune stops when ctx is done, and returns the count so far with
// ctx.Err(). Other errors, such as an unreadable directory, do not stop
// it: it goes on with the rest of the tree, and returns the first.
func (s *Store) Prune(ctx context.Context) (removed int, err error) {
	now := s.now()
	var first error
	walkErr := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, werr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if werr != nil {
			// A directory that a concurrent Delete removed is no error.
			if !errors.Is(werr, fs.ErrNotExist) && first == nil {
				first = werr
			}
			if d != nil && d.IsDir() && p != s.root {
				return fs.SkipDir
			}
			return nil
		}
		if p == s.root {
			return nil
		}
		rel := strings.TrimPrefix(p, s.prefix)
		if d.IsDir() {
			if !isChunk(d.Name(), 2) || strings.Count(rel, string(filepath.Separator)) >= maxDepth {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		var ok bool
		var err error
		switch {
		case s.isSessionFile(rel):
			ok, err = s.removeIfExpired(p, now)
		case strings.HasPrefix(d.Name(), tempPrefix) && strings.Contains(rel, string(filepath.Separator)):
			// Save may have set the modification time up to MaxAge in
			// the past already: count the hour from MaxAge after it.
			_, err = s.removeIfExpired(p, now.Add(-tempMaxAge))
		}
		if err != nil && first == nil {
			first = err
		}
		if ok {
			removed++
		}
		return nil
	})
	if walkErr != nil {
		return removed, walkErr // only ctx.Err()
	}
	if first != nil {
		return removed, fmt.Errorf("session: dirstore: failed to prune sessions: %w", s.redact(first))
	}
	return removed, nil
}

// isSessionFile reports whether rel, a path relative to the root, is the
// path of a session file: the path of a valid ID.
func (s *Store) isSessionFile(rel string) bool {
	dir, name := filepath.Split(rel)
	stem, ok := strings.CutSuffix(name, ".dat")
	if !ok || !isChunk(stem, 1) && !isChunk(stem, 2) {
		return false
	}
	id := strings.ReplaceAll(dir, string(filepath.Separator), "") + stem
	return session.ValidID(id) && s.path(id) == s.prefix+rel
}

// isChunk reports whether name is n lowercase hexadecimal characters.
func isChunk(name string, n int) bool {
	if len(name) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if c := name[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// redact returns err with the paths in it shortened by redactPath, for an
// error from the os package names a session's file, and a session ID is a
// credential that must not reach the logs.
func (s *Store) redact(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return &fs.PathError{Op: pe.Op, Path: s.redactPath(pe.Path), Err: pe.Err}
	case errors.As(err, &le):
		return &os.LinkError{Op: le.Op, Old: s.redactPath(le.Old), New: s.redactPath(le.New), Err: le.Err}
	}
	return err
}

// redactPath shortens a path under the root to its first four components
// below the root, at most the first eight characters of an ID.
func (s *Store) redactPath(p string) string {
	rel, ok := strings.CutPrefix(p, s.prefix)
	if !ok {
		return p
	}
	parts := strings.SplitN(rel, string(filepath.Separator), 5)
	if len(parts) <= 4 {
		return p
	}
	return s.prefix + filepath.Join(parts[:4]...) + string(filepath.Separator) + "…"
}
