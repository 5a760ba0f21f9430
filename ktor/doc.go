// Package ktor reads and writes the session cookies of Ktor's Sessions
// plugin byte for byte: its two transport transformers, its cookie value
// encodings and its session serializers, for every Ktor version from 1.x
// to 3.x. Use it when a Go service must share sessions with a Ktor one;
// for sessions that only Go reads, use [github.com/sesstool/sesstool/token]
// instead, whose format has expiry and authenticates everything.
//
// A Ktor session cookie is made in three steps, and this package has one
// piece for each:
//
//  1. the session object is serialized: [KotlinxJSON] (Ktor ≥ 3.0.0),
//     [Reflection] (Ktor 1.x/2.x on the JVM) or [KotlinxBackwardCompatible]
//     ([SessionFromJSON] does it from JSON, without a Go type);
//  2. the text goes through the transformers in the order they were
//     registered: [NewMessageAuthentication] (sign) and [NewEncrypt]
//     (encrypt, then MAC), combined with [transform.Chain] as Ktor
//     combines them;
//  3. the result is encoded for the cookie: [EncodeCookieValue] with
//     [URIEncoding] by default.
//
// Reading reverses the steps; any failure means "no session", as in Ktor.
// [Encrypt.ReadLayout] also says which Encrypt layout verified a value.
//
// The transformers take raw keys, as Ktor's do. [NewFromKey] and
// [NewEncryptFromKey] build them from the Ktor keys of a keyring
// (package keyring), which stores them with their Encrypt layout policy.
// [Inspect] looks at a cookie without a key, for debugging, and verifies
// nothing.
//
// The example programs in examples/ktor-interop and the package examples
// reproduce the cookies of Ktor's documentation and tests.
//
// # Which settings for which Ktor version
//
//	Ktor          serializer (JVM)           Encrypt layout                IV written         cookie encoding
//	1.x           Reflection                 Layout2                       16 (AES-128 only)  URIEncodingLegacy
//	2.0 – 2.1.2   Reflection                 Layout2                       16 (AES-128 only)  URIEncodingLegacy
//	2.1.3         Reflection                 Layout2                       16 (AES-128 only)  (not provided, see below)
//	2.2 – 2.3.x   Reflection                 Layout2                       16 (AES-128 only)  URIEncoding
//	3.0 – 3.5.0   KotlinxJSON                Layout3 (+Layout2 to read)    16 (AES-128 only)  URIEncoding
//	≥ 3.5.1       KotlinxJSON                Layout3 (+Layout2 to read)    16 (any AES key)   URIEncoding
//
// Notes on the table (docs/ktor-format.md §10):
//
//   - Serializer: Ktor/Native uses kotlinx JSON from 2.2.0. A 3.x
//     application that kept the old format uses reflectionSessionSerializer
//     ([Reflection]) or KotlinxBackwardCompatibleSessionSerializer
//     ([KotlinxBackwardCompatible], 2.2+).
//   - Encrypt: Ktor 3.x reads Layout2 cookies only with
//     backwardCompatibleRead = true, which is EncryptOptions.Read =
//     Layout3|Layout2. Before 3.5.1, Ktor's default IV had the key's size,
//     which only works for AES-128; this package always writes 16 bytes.
//   - Hex: Ktor before 3.5.0 ignored an odd trailing character in the IV
//     or ciphertext hex; this package rejects it, as Ktor ≥ 3.5.0 does.
//     No cookie that Ktor writes has one.
//   - The MessageAuthentication format has not changed since 1.x. Session
//     IDs (for server-side storage) are 32 hex characters up to 3.4.x and
//     64 from 3.5.0; both are plain payloads to the transformers.
//   - The two URI encodings differ only for '-', '.', '_' and '~' in a
//     by-value payload: transformer output (hex, '/', ':') is encoded the
//     same way by both, and decoding is the same everywhere. Ktor 2.1.3's
//     variant, which left reserved characters unencoded and misread '+'
//     (KTOR-5168), is not provided.
//   - Ktor 1.x's SessionTransportTransformerDigest (an unkeyed SHA-384,
//     removed in 2.0.0) is not provided: it offers no integrity.
//     [Inspect] shows such a cookie as signed with a 96-character tag.
//
// # Security
//
// MessageAuthentication signs the serialized session with HMAC; the
// payload stays readable by the client. Neither transformer puts an
// expiry in the cookie: a captured cookie is valid for as long as the key
// is, whatever its Max-Age said, so rotate keys and keep state on the
// server if that matters.
//
// Encrypt with [Layout3], the Ktor ≥ 3.0.0 format, authenticates the
// ciphertext but NOT the IV (docs/ktor-format.md §3.3). Changing the IV changes the
// first 16 bytes of the plaintext at will, and Ktor and this package
// accept the result whenever the padding is still valid, which it always
// is for values longer than one block: XOR-ing IV byte 11 with 0x12 turns
// a reflection payload "admin=%23bof…" (false) into "admin=%23bot…"
// (true). For values of one block, the accept-or-reject answer to
// modified IVs is a padding oracle that decrypts that block. The 2.x
// format, [Layout2], MACs the plaintext instead, which rejects the
// tampering but must decrypt before authenticating.
//
// # Cross-layout tag reuse
//
// Both layouts compute their tag with the same sign key and hash, over
// different bytes: Layout2 over the plaintext, Layout3 over the
// ciphertext. A Layout2 tag for a 16-byte plaintext P is therefore a valid
// Layout3 tag for the one-block ciphertext P. A reader that accepts
// [Layout3] (Ktor 3.x's default, or Layout3|Layout2, Ktor's
// backwardCompatibleRead) can be made to accept any value of up to 15
// bytes, such as the reflection session "userId=%23sroot", when all of
// these hold:
//
//   - its sign key and hash once made a Layout2 tag (a Ktor < 3.0 service
//     with that sign key, whatever its encryption key), or any other HMAC
//     over a 16-byte value the attacker knows (a MessageAuthentication
//     cookie under the same key and hash);
//   - the attacker knows that 16-byte value exactly, as with its own
//     session of that length;
//   - the attacker can send cookies and see whether the session was
//     accepted: about 2,000 requests (at most 4,098).
//
// The attacker sends hex(IV) "/" hex(P) ":" tag: the tag verifies for any
// IV, and the reader's answer says whether D(P) XOR IV has valid padding,
// a padding oracle that gives D(P) byte by byte; the IV D(P) XOR
// pad(target) then decrypts to the target. TestCrossLayoutForgery carries
// the attack out. Ktor's format cannot change, so:
//
//   - when leaving Ktor 2.x, give the 3.x service a new sign key (2.x
//     cookies then no longer open; that is the cost), and never reuse an
//     Encrypt sign key for MessageAuthentication;
//   - or use Encrypt followed by MessageAuthentication with an independent
//     key, as below: the outer tag stops every crafted value first.
//
// Readers that accept only [Layout2] are not affected by this attack.
//
// When both ends can be configured, use Encrypt followed by
// MessageAuthentication with an independent key:
//
//	transform.Chain(enc, mac) // Ktor: transform(Encrypt(...)); transform(MessageAuthentication(...))
//
// The outer HMAC covers the IV, the ciphertext and the inner tag, so any
// change is rejected before anything is decrypted. Ktor reads and writes
// that configuration unchanged.
//
// # Stricter than Ktor
//
// Where Ktor accepts more than it writes, this package rejects it, so
// that no value has two accepted spellings that the writer never makes:
//
//   - hex is parsed strictly (even length, hex digits only), Ktor
//     ≥ 3.5.0's rule; IV and ciphertext hex may be either case, as in
//     every Ktor, while tags must be lowercase, as Ktor's string
//     comparison requires;
//   - the Encrypt tag is compared in constant time with
//     [crypto/subtle.ConstantTimeCompare]; Ktor compares with String
//     equality, which can leak how many leading characters match;
//   - a wrong tag and a wrong padding give one error, so a caller cannot
//     build a padding oracle from error messages (see [NewEncrypt] for
//     the timing that remains);
//   - the reflection decoder rejects empty pairs, duplicate properties,
//     trailing text after a value and numbers in forms Java would also
//     parse, where Ktor skips, picks one or ignores (see [Reflection]);
//   - [Raw] refuses values that would break the header, as Ktor 1.x did;
//     Base64 rejects line breaks and non-canonical padding bits.
//
// Read returns the plaintext bytes as they are, where Ktor decodes them
// as UTF-8 with replacement; the difference only shows for values that
// Ktor did not write.
//
// All transformers and codecs in this package are safe for concurrent
// use.
package ktor
