// Package dirstore is a [session.Store] that keeps server-side sessions as
// files in a directory, in the layout of Ktor's directorySessionStorage, so
// that a Go service and a Ktor service can share one session directory.
//
// Use it for a single host, or for hosts that share a file system, when
// sessions must outlive a restart and no database is at hand. Create it
// with [New], and call [Store.Prune] periodically (say every few minutes,
// from a [time.Ticker]) to reclaim the space of expired sessions:
//
//	s, err := dirstore.New("/var/lib/myapp/sessions", nil)
//	if err != nil {
//		return err
//	}
//	go func() {
//		for range time.Tick(5 * time.Minute) {
//			if _, err := s.Prune(ctx); err != nil {
//				log.Print(err)
//			}
//		}
//	}()
//
// # Layout
//
// A session ID (which [session.ValidID] must accept: 32 to 128 lowercase
// hexadecimal characters) is split into consecutive 2-character chunks. All
// chunks but the last name nested directories, and the last one, with the
// suffix ".dat", names the file. The ID 0123456789abcdef0123456789abcdef
// is kept in
//
//	dir/01/23/45/67/89/ab/cd/ef/01/23/45/67/89/ab/cd/ef.dat
//
// An ID of odd length ends in a 1-character chunk (…/ab/c.dat). The file
// holds exactly the session data, nothing else. Directories are created
// with mode 0700 and files with mode 0600. Deleting a session removes the
// directories it leaves empty, up to but not including dir.
//
// Saves are atomic: the data is written to a temporary file whose name
// begins with ".tmp-" in the session's directory, synced, and renamed over
// the session file, so that a reader sees the old session or the new one,
// never a part of one. A crash can leave such a temporary file behind;
// Load never reads one, and Prune removes it once it is an hour past the
// expiry it would have as a session file.
//
// # Expiry
//
// A session file expires [Options.MaxAge] after its modification time
// ([DefaultMaxAge], 30 minutes, unless set). Make MaxAge equal to the
// Manager's [session.Options.IdleTimeout]: Save(ctx, id, data, ttl) sets the
// modification time to now + ttl - MaxAge, which is simply now when ttl is
// MaxAge. A longer or shorter ttl moves the modification time into the
// future or the past, so that the file still expires at now + ttl. Load
// treats a file whose modification time plus MaxAge is not after now as
// absent, and removes it. Expiry is therefore as precise as the file
// system's timestamps (a second or two on some). Expired sessions that are
// never loaded again stay on disk until [Store.Prune] removes them; run it
// periodically.
//
// # Compatibility with Ktor
//
// The paths and the file contents are Ktor's (the layout is the same in
// every Ktor version from 1.6.8), so a Go service and a Ktor service can
// share the directory in both directions. A Ktor process reading the
// directory finds the sessions this package writes. A file that Ktor
// writes has the time of the write as its modification time, so a session
// that Ktor writes expires here MaxAge after Ktor's last write of it: the
// sliding expiry that a Ktor session with that max age has, since Ktor
// sends the cookie, with its max age, each time it writes the session.
// Give the Ktor service the same max age as MaxAge (cookie {
// maxAgeInSeconds = … }; Ktor's default is 7 days).
//
// Ktor itself never deletes an expired file, nor checks the expiry when it
// reads one: it reads an expired session that no Go process has removed
// yet, so run Prune often enough for the lifetimes you need. Configure
// Ktor with directorySessionStorage(dir, cached = false), or its cache
// serves sessions that a Go process has since changed or deleted, for up
// to its idle timeout (a minute).
//
// Ktor writes files in place rather than by renaming, so a Go process may
// read a file that Ktor is still writing. Ktor treats an empty file as an
// error, while this package stores and returns empty sessions like any
// other.
//
// # Ownership and permissions
//
// A session's file is found by its ID alone, so whoever can write the
// directory can plant a session of their choice, under an ID that they
// then send as a cookie. On Unix, [New] therefore refuses,
// with [ErrUnsafeDirectory], a directory that the process's effective user
// does not own, or that its group or other users can write (fix it with
// chown, or chmod go-w, as the message says), and a lock file in it that
// is not the user's own or is writable by others. New resolves symbolic
// links in the path once, and the store keeps using, and has checked, the
// directory they led to. [Store.Load] and [Store.Update] refuse a session
// file that another user owns, with [ErrForeignFile], and leave it alone,
// wherever it is below the directory: a file planted in a directory that
// another user made before the directory was locked down is refused by its
// owner. A Ktor service sharing the directory must run as the same user.
//
// The directories above the store's directory are not checked: as for
// any file a service trusts, only root and the service's user should be
// able to write them. On platforms other than Unix, none of these checks
// is made; protect the directory with the platform's own access control.
//
// # Concurrency
//
// A Store is safe for concurrent use, and several processes may share a
// directory: a save is a rename, which is atomic, and a save that meets a
// directory being removed by a concurrent delete retries.
package dirstore
