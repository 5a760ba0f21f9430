// Package token mints and opens short, URL-safe session tokens that are
// authenticated (and, by default, encrypted), carry their expiry inside, and
// are bound to a purpose.
//
// For most uses, load a keyring, build one [Minter] per purpose with [New],
// and call [Minter.Mint] and [Minter.Open]:
//
//	ring, err := keyring.Load("keyring.json")
//	m, err := token.New(ring, &token.Options{Purpose: "LOGIN_SESSION"})
//	tok, err := m.Mint(LoginSession{User: "alice"}, time.Hour)
//	var s LoginSession
//	claims, err := m.Open(tok, &s)
//
// (checking each err; examples/quickstart is the whole program).
// [Minter.Verify] checks a token without decoding its payload.
//
// A server maps every error from Open to "no session": errors.Is(err,
// [ErrExpired]) and errors.Is(err, [ErrInvalid]) exist for logs and metrics,
// and errors.AsType[*Error] names the stage that rejected the token.
//
// # Format
//
// A token is base64url(version || key ID || sealed envelope); the envelope
// holds the issue time, the expiry, an optional not-before time and the
// payload. SPEC.md at the repository root specifies every byte, and the
// vectors in testvectors/ pin the Open direction.
//
// The algorithm belongs to the key (see package keyring) and is never read
// from the token; the key ID in the header selects exactly one key, and the
// purpose is authenticated as associated data without being stored. This
// package derives each key's cipher key from the key's secret with
// HKDF-SHA256, labelled "sesstool v1 " + algorithm name (SPEC.md §1.3), and
// holds the table of which cipher each algorithm uses: the keyring stores
// keys and knows nothing of the format.
//
// # Expiry
//
// Client-side tokens cannot be revoked, so every token carries an expiry:
// Mint requires a TTL of at least one second and at most [Options.MaxTTL],
// and Open rejects a token whose expiry has passed, whose not-before or issue
// time lies ahead (both allowing [Options.Leeway] of clock skew), or whose
// lifetime exceeds MaxTTL. Open reports [ErrExpired] and [ErrNotYetValid]
// only for tokens it has authenticated. To end sessions before they expire,
// keep a server-side session instead, or destroy the key (which ends every
// session under it).
//
// # Key rotation
//
// [keyring.Ring.Rotate] makes a new primary key; tokens minted before keep
// opening under the old key, now retired. [Claims.Rewrap] tells a server that
// a token was sealed under a non-primary key, and [Minter.Rewrap] re-seals it
// under the primary with the same expiry, so sessions move to the new key
// without anyone being logged out. Once MaxTTL plus Leeway has passed since
// the rotation, [keyring.Ring.Prune] removes the old key. To follow a
// keyring file that changes while the service runs, give [New] a
// [keyring.Watcher] rather than a ring: every call then uses the current
// ring, with no restart and no lock.
//
// A retired key opens only the tokens issued before its retirement: Open
// rejects, with [ErrInvalid] at [StageValidity], a token under a retired key
// whose issue time lies more than Leeway after the key's retirement time,
// so a leaked old key cannot mint sessions that open. A server that still
// mints under the old key because it has not reloaded the keyring yet makes
// such tokens too: reload every server's keyring within Leeway of the
// promotion. The rule: Leeway ≥ the Watcher's interval + the time a new
// keyring takes to reach every server (TestReloadAfterPromote). Tokens under a retired key
// also stop opening MaxTTL plus Leeway after its retirement, exactly when
// Prune with MaxTTL + Leeway may remove it, so pruning never changes what
// Open accepts.
//
// # Compatibility
//
// Format v1 is stable: every token this version mints will open in later
// versions given the same key, purpose and codec. A new format would get a
// new version byte, and readers would keep opening v1.
package token
