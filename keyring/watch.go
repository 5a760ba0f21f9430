package keyring

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Source gives the current ring to the packages that use keys (token,
// session): they call Ring on every operation, so it must be cheap and safe
// for concurrent use. A *Ring is a Source that never changes; a *Watcher
// follows a keyring file.
type Source interface {
	Ring() *Ring
}

// Ring returns r itself: a *Ring is a Source that never changes.
func (r *Ring) Ring() *Ring { return r }

// DefaultWatchInterval is how often a Watcher looks at its file when
// WatchOptions.Interval is zero.
const DefaultWatchInterval = time.Second

// WatchOptions configure Watch. The zero value is usable.
type WatchOptions struct {
	// Interval is how often the file is looked at. Zero means
	// DefaultWatchInterval. A server that has not reloaded yet keeps
	// minting under the old primary key after a promotion: set the
	// minters' Leeway (token.Options.Leeway) to at least Interval plus
	// the time it takes a new file to reach every server.
	Interval time.Duration
	// OnError receives what goes wrong with a new version of the file:
	// missing, unreadable, corrupt or open to other users. The previous
	// ring stays in use. It is called once per change of the file (not
	// on every look while the file stays broken), from the Watcher's
	// goroutine, and never with the file's text. Nil means errors are
	// dropped (Watcher.Check still returns them). A service would log
	// them, e.g. with slog.Error.
	OnError func(error)
	// AllowReadable is LoadOptions.AllowReadable: accept a read-only
	// mount that other users can read, such as a Kubernetes Secret volume.
	AllowReadable bool
}

// Watcher follows a keyring file: it loads the file again when it
// changes, and swaps the new ring in atomically. Ring returns the current
// ring without locking. A Watcher is safe for concurrent use.
//
// It polls: every Interval it looks at the path with stat, following
// symbolic links, and reloads when the resolved path, the file's identity
// (device and inode), size, modification time or mode differ from the
// file last loaded. Polling, rather than inotify (fsnotify), because it
// works on every platform and file system (network and FUSE mounts
// included), needs no inotify instance or watch, which containers may
// not grant or may have used up, and sees the replacement of a file by
// rename (Update, editors) and the swap of a Kubernetes Secret volume's
// ..data link alike, with no directory to watch and no event to miss.
// The cost is one stat and one readlink per link, per Interval.
type Watcher struct {
	path   string
	o      WatchOptions
	ring   atomic.Pointer[Ring]
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex // serializes Check
	sig     fileSig    // the file last looked at
	lastErr error      // the error last reported, not to repeat it
}

// fileSig identifies a version of the keyring file.
type fileSig struct {
	resolved string
	fi       fs.FileInfo
}

// same reports whether s and t are the same version of the file.
func (s fileSig) same(t fileSig) bool {
	if s.fi == nil || t.fi == nil {
		return false
	}
	return s.resolved == t.resolved && os.SameFile(s.fi, t.fi) && s.fi.Size() == t.fi.Size() &&
		s.fi.ModTime().Equal(t.fi.ModTime()) && s.fi.Mode() == t.fi.Mode()
}

// statSig looks at the file at path.
func statSig(path string) (fileSig, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fileSig{}, fmt.Errorf("keyring: failed to open keyring: %w", err)
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return fileSig{}, fmt.Errorf("keyring: failed to open keyring: %w", err)
	}
	return fileSig{resolved, fi}, nil
}

// Watch loads the keyring file at path, as LoadWith does, and returns a
// Watcher that follows it until ctx ends or Close is called. It fails if
// the first load fails. o may be nil.
func Watch(ctx context.Context, path string, o *WatchOptions) (*Watcher, error) {
	w := &Watcher{path: path, done: make(chan struct{})}
	if o != nil {
		w.o = *o
	}
	if w.o.Interval < 0 {
		return nil, fmt.Errorf("keyring: watch interval %v is negative", w.o.Interval)
	}
	if w.o.Interval == 0 {
		w.o.Interval = DefaultWatchInterval
	}
	if err := w.check(false); err != nil {
		return nil, err
	}
	ctx, w.cancel = context.WithCancel(ctx)
	go w.loop(ctx)
	return w, nil
}

// Ring returns the ring loaded last. It never blocks.
func (w *Watcher) Ring() *Ring { return w.ring.Load() }

// Close stops following the file and waits for the Watcher's goroutine to
// end. Ring keeps returning the last ring. Close may be called more than
// once.
func (w *Watcher) Close() {
	w.cancel()
	<-w.done
}

// Check looks at the file now, as the Watcher does every Interval, and
// reloads it if it changed. It returns the error that keeps the previous
// ring in use, if any (reported to OnError only once per change of the
// file), or nil when the current ring is the file's. Call it, for
// example, on SIGHUP, or right after writing the file.
func (w *Watcher) Check() error { return w.check(true) }

func (w *Watcher) loop(ctx context.Context) {
	defer close(w.done)
	t := time.NewTicker(w.o.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = w.check(true)
		}
	}
}

// check reloads the file if it changed, and gives a new error to
// OnError if report is set, after releasing the lock (OnError may call
// Check).
func (w *Watcher) check(report bool) error {
	fresh, err := w.reload()
	if fresh && report && w.o.OnError != nil {
		w.o.OnError(err)
	}
	return err
}

// reload is check under the lock. fresh says err differs from the error
// reported last.
func (w *Watcher) reload() (fresh bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	sig, err := statSig(w.path)
	if err == nil {
		if sig.same(w.sig) {
			return false, w.lastErr
		}
		var r *Ring
		var fi fs.FileInfo
		r, fi, err = load(sig.resolved, w.o.AllowReadable, false)
		if err == nil {
			// What the open file said of itself: if the file changed
			// between the stat and the open, the next look sees it.
			w.sig = fileSig{sig.resolved, fi}
			w.lastErr = nil
			w.ring.Store(r)
			return false, nil
		}
		w.sig = sig // do not read this version again
	} else {
		w.sig = fileSig{}
	}
	if w.ring.Load() == nil {
		return false, err // the first load: Watch returns it
	}
	err = fmt.Errorf("%w; the keys loaded before stay in use", err)
	if w.lastErr != nil && err.Error() == w.lastErr.Error() {
		return false, w.lastErr
	}
	w.lastErr = err
	return true, err
}
