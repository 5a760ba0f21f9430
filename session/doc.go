// Package session keeps sessions on the server, for net/http: the client
// holds only a random session ID, in a cookie or a header, and the data
// lives in a Store. Use it when sessions must be revocable (log-out ends
// them everywhere at once) or too large for a cookie; for sessions that
// travel with the client, use github.com/sesstool/sesstool/token.
//
// A [Manager] does the HTTP side: [Manager.Load] reads the request's
// session, [Manager.Save] stores one (issuing an ID if needed),
// [Manager.Renew] moves it to a new ID (call it at log-in), and
// [Manager.Clear] ends it. Three stores come with it:
//
//   - [MemoryStore], in the process: for tests and single-instance
//     services;
//   - github.com/sesstool/sesstool/session/dirstore, one file per session
//     in Ktor's directorySessionStorage layout;
//   - github.com/sesstool/sesstool/session/redisstore, in Redis, shared by
//     every instance of a service.
//
// Any other Store can be checked with the conformance suite in
// github.com/sesstool/sesstool/session/storetest.
//
// # IDs
//
// [NewID] makes IDs of 32 bytes from crypto/rand, as 64 lowercase
// hexadecimal characters (the form of Ktor ≥ 3.5.0's). A request's ID is
// checked with [ValidID] before any store sees it, and [Manager.Save] never
// adopts an ID that names no live session, so a client cannot choose its
// own. With Options.Transformer set to ktor.NewMessageAuthentication, the
// cookie carries "<id>/<hmac>" as Ktor's signed sessions do, and a forged ID
// is refused without a store lookup.
//
// # Expiry
//
// A session lives Options.TTL after its last Save or Renew; the cookie's
// Max-Age says the same to the browser. Stores drop expired sessions: the
// memory store as it meets them, Redis by its own TTL, the directory store
// on Load and in Prune.
//
// # Ktor
//
// With dirstore over a directory that a Ktor service uses (with
// directorySessionStorage(dir, cached = false)), the codec ktor.KotlinxJSON,
// the same MessageAuthentication key and cookie name, and the same max age
// as the store's MaxAge and the Manager's TTL, a Go handler reads and
// writes the sessions of a Ktor ≥ 3.0 application, and the two share
// log-ins (TestKtorDirectorySessions).
package session
