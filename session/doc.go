// Package session is HTTP sessions for net/http in both of Ktor's modes,
// behind one API: a [Manager] keeps sessions of a Go type T either on the
// server, with only a random ID in the cookie ([New]), or in the cookie
// itself, sealed with its expiry ([NewClientSide]). Handlers call the same
// four methods in both modes:
//
//   - [Manager.Load] reads the request's session;
//   - [Manager.Save] stores a changed one;
//   - [Manager.Renew] begins a new one, at log-in ([Manager.RenewWith] for
//     "remember me");
//   - [Manager.Clear] ends it, at log-out.
//
// Every request must go through [Manager.Middleware], which keeps what Load
// found for the Save that follows, and sends a re-issued session before the
// response starts. Managers of several sessions (Ktor's several cookie<T>
// registrations) compose: a.Middleware(b.Middleware(mux)).
//
// # Which mode
//
// Server side ([New]) when a log-out, a password change or an administrator
// must end a session at once and everywhere, or when the session is large.
// The data lives in a [Store]: [MemoryStore] in the process,
// github.com/sesstool/sesstool/session/dirstore in files (Ktor's
// directorySessionStorage layout), github.com/sesstool/sesstool/session/redisstore
// in Redis. Any other Store can be checked with the conformance suite in
// github.com/sesstool/sesstool/session/storetest.
//
// The stores of this module also implement [Iterable], which enumerates
// their sessions by the hash of the ID: [Manager.RevokeWhere] uses it to end
// every session whose value matches, all of one user's after a password
// change, and "sesstool sessions" to list, show and revoke them.
//
// Client side ([NewClientSide]) when the service should keep no state: the
// session is a sesstool token (package token) under a keyring, with its
// expiry inside and its purpose bound to the session's name. What it
// cannot do is end one session before its expiry: Clear drops the
// browser's cookie, but a copy of it (stolen, or in another browser) opens
// until its idle timeout runs out, and with activity until its Lifetime.
// Keep IdleTimeout short, or end every session at once by destroying the
// key (keyring.Ring.Destroy); when one session must end at once, use the
// server side. A cookie holds 4,096 bytes at most; Options.Chunks spreads
// a session over several.
//
// [NewKtorClientSide] reads and writes the by-value cookies of a Ktor
// service (cookie<T>(name) { transform(...) }), which carry no expiry.
//
// # Expiry
//
// A session ends Options.IdleTimeout after its last request, and
// Options.Lifetime after it began (its first Save, or its last Renew)
// whatever its activity. Server side, Load pushes the idle end back in the
// store at most once per Options.TouchInterval; client side, Load re-issues
// the token once half the idle timeout has passed (never on every request),
// and re-issues a token sealed under a key other than the ring's primary, so
// keys rotate without logging anyone out. Cookies persist until the
// session's end, or last the browser's session (Options.BrowserSession,
// RenewOptions.Remember).
//
// # Log-out holds
//
// Server side, a Save after a Load is a [Store] Update, which writes only
// while the session lives: once Clear or Renew has deleted it, a request
// that loaded it earlier gets [ErrEnded] from Save instead of bringing it
// back (TestLogOutHoldsOverHTTP). Save never adopts an ID that names no
// live session, so a client cannot choose its own; still, call Renew at
// log-in.
//
// # IDs
//
// [NewID] makes IDs of 32 bytes from crypto/rand, as 64 lowercase
// hexadecimal characters (the form of Ktor ≥ 3.5.0's). A request's ID is
// checked with [ValidID] before any store sees it. With Options.Transformer
// set to ktor.NewMessageAuthentication, the cookie carries "<id>/<hmac>" as
// Ktor's signed sessions do, and a forged ID is refused without a store
// lookup.
//
// # Errors
//
// Load reports no session (ok false, err nil) for anything a client can
// send, including a session that no longer decodes as T after a change of
// type, which is reported to Options.Logger (Options.IgnoreUnknownFields
// keeps sessions whose type lost a field). Its error is for the store's
// failures: answer 503. Save refuses a session too large for its cookie
// with [ErrTooLarge], before anything is sent.
//
// # Ktor
//
// With dirstore over a directory that a Ktor service uses (with
// directorySessionStorage(dir, cached = false)), Options.RawStore, the codec
// ktor.KotlinxJSON(), the same MessageAuthentication key and cookie name, and
// the same max age as the store's MaxAge and the Manager's IdleTimeout, a Go
// handler reads and writes the sessions of a Ktor ≥ 3.0 application, and
// the two share log-ins (TestKtorDirectorySessions).
//
// # Moving off another session format
//
// [Manager.AcceptLegacy] reads the cookie of the system a service moves
// off (gorilla/sessions, Flask, Rails, itsdangerous, …; package format
// opens them under a keyring) when a request has no session of its own,
// and re-issues its session in the Manager's format on the response,
// expiring the old cookie: users stay logged in through the move.
// examples/migrate moves a gorilla/securecookie service.
package session
