package dirstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/sesstool/sesstool/session"
)

var _ session.Iterable = (*Store)(nil)

// Range implements session.Iterable. It walks the directory as Prune does,
// in the store's layout, without following symbolic links, and calls f for
// each live session file: an Entry's Key is the session ID, its Modified
// the file's modification time and its Expires that plus MaxAge. Expired
// files are skipped (Prune removes them), and so are files that are not
// regular or that another user owns (on Unix); Range then goes on, and
// returns, after the walk, an error wrapping ErrForeignFile for the first
// foreign file, or the first error reading the tree. An error from f, or
// ctx ending, stops it at once.
func (s *Store) Range(ctx context.Context, f func(session.Entry) error) error {
	now := s.now()
	var first error
	var stop error
	walkErr := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, werr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if werr != nil {
			if !errors.Is(werr, fs.ErrNotExist) && first == nil {
				first = s.redact(werr)
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
		if !d.Type().IsRegular() || !s.isSessionFile(rel) {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			if first == nil {
				first = s.redact(err)
			}
			return nil
		}
		if err := s.checkOwner("list", p, fi); err != nil {
			if first == nil {
				first = err
			}
			return nil
		}
		if s.expired(fi.ModTime(), now) {
			return nil
		}
		id := strings.ReplaceAll(strings.TrimSuffix(rel, ".dat"), string(filepath.Separator), "")
		e := session.Entry{Key: id, Hash: session.IDHash(id), Size: int(fi.Size()), Modified: fi.ModTime(), Expires: fi.ModTime().Add(s.maxAge)}
		if err := f(e); err != nil {
			stop = err
			return fs.SkipAll
		}
		return nil
	})
	switch {
	case stop != nil:
		return stop
	case walkErr != nil:
		return walkErr // only ctx.Err()
	case first != nil:
		return fmt.Errorf("session: dirstore: failed to list sessions: %w", first)
	}
	return nil
}

// LoadKey implements session.Iterable: the key is the session ID.
func (s *Store) LoadKey(ctx context.Context, key string) ([]byte, error) {
	return s.Load(ctx, key)
}

// DeleteKey implements session.Iterable: the key is the session ID.
func (s *Store) DeleteKey(ctx context.Context, key string) error {
	return s.Delete(ctx, key)
}
