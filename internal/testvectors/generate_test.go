package testvectors

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/cryptotest"
)

var update = flag.Bool("update", false, "rewrite testvectors/testdata/*.json from the generator")

// TestGenerate rebuilds every vector file in memory and fails if a committed
// file differs, or if testdata holds a JSON file the generator does not
// write. With -update it rewrites the files instead.
//
// The generator uses no randomness at all: secrets and nonces come from
// fixedBytes, so its output cannot change with the way Go's crypto packages
// consume randomness. To hold it to that, it runs twice under
// testing/cryptotest.SetGlobalRandom with two different seeds, which makes
// crypto/rand (and so any random nonce) differ between the runs, and the
// two outputs must be equal.
func TestGenerate(t *testing.T) {
	cryptotest.SetGlobalRandom(t, 1)
	files := generateAll(t)
	cryptotest.SetGlobalRandom(t, 2)
	for name, data := range generateAll(t) {
		if !bytes.Equal(data, files[name]) {
			t.Fatalf("%s depends on crypto/rand: the generator must derive every byte from fixed inputs", name)
		}
	}

	for _, name := range slices.Sorted(mapKeys(files)) {
		path := filepath.Join(Dir(), "testdata", name)
		want := files[name]
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v; run go test ./internal/testvectors -run TestGenerate -update", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output at line %d; run go test ./internal/testvectors -run TestGenerate -update", path, firstDiffLine(got, want))
		}
	}
	if *update {
		return
	}
	committed, err := filepath.Glob(filepath.Join(Dir(), "testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range committed {
		if _, ok := files[filepath.Base(path)]; !ok {
			t.Errorf("%s is not written by the generator: remove it, or generate it", path)
		}
	}
}

// generateAll returns every vector file, by name.
func generateAll(t *testing.T) map[string][]byte {
	files := map[string][]byte{}
	for _, alg := range algorithms {
		files["v1_"+alg+".json"] = encodeFile(t, generateTokenFile(alg))
	}
	files["keyring_files.json"] = encodeFile(t, generateKeyringFiles())
	return files
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func firstDiffLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// encodeFile writes v as indented JSON, without HTML escaping so that
// comments read as written.
func encodeFile(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// notes explains every flag the generator may use. Only the flags a file
// uses appear in its notes.
var notes = map[string]Note{
	// Valid tokens.
	"Valid":              {"BASIC", "A well-formed token sealed under the group's primary key, opened within its validity."},
	"NotBefore":          {"FUNCTIONALITY", "The envelope carries the optional not-before time (flag 0x01)."},
	"ValidityBoundary":   {"EDGE_CASE", "A time lies exactly on, or one second from, a validity boundary: exp is exclusive (expired when now >= exp + leeway), nbf and iat are inclusive."},
	"Leeway":             {"EDGE_CASE", "The group has a non-zero leeway, which widens every validity check by that much."},
	"RetiredKey":         {"FUNCTIONALITY", "The token is sealed under a retired key of the ring, which still verifies."},
	"MultiAlgorithmRing": {"FUNCTIONALITY", "The ring holds keys of several algorithms; the reader takes the algorithm from the key named by the header, never from the token."},
	"EmptyPayload":       {"EDGE_CASE", "The payload is empty (zero bytes)."},
	"BinaryPayload":      {"FUNCTIONALITY", "The payload is arbitrary bytes, not UTF-8; a raw reader returns them unchanged."},
	"EmptyPurpose":       {"EDGE_CASE", "The purpose is the empty string: the associated data is the header alone."},
	"CBORPayload":        {"FUNCTIONALITY", "The payload is CBOR (Core Deterministic Encoding) of a map with small integer keys."},
	// Stage size.
	"EmptyToken":   {"BASIC", "The token is the empty string."},
	"MaxTokenSize": {"EDGE_CASE", "The token's length is at, or just past, the group's maximum token size, which a reader checks before any other work."},
	// Stage encoding.
	"Base64Padding":       {"MALLEABILITY", "The token is padded with '='; format v1 is unpadded base64url, so padding gives a second text form of the same bytes."},
	"LineBreak":           {"MALLEABILITY", "The token contains CR or LF, which many base64 decoders skip silently."},
	"StdAlphabet":         {"MALLEABILITY", "The token uses the standard base64 alphabet ('+' and '/') instead of base64url ('-' and '_')."},
	"NonZeroTrailingBits": {"MALLEABILITY", "The last character has non-zero unused bits: lenient decoders drop them and return the same bytes, a second text form of the token."},
	"InvalidCharacter":    {"BASIC", "The token contains a character outside the base64url alphabet."},
	"BadLength":           {"BASIC", "The token's length is 1 mod 4, which no byte string encodes to."},
	// Stage header.
	"ShortHeader":    {"BASIC", "The token decodes to fewer than the 5 header bytes."},
	"UnknownVersion": {"BASIC", "The version byte is not 0x01."},
	// Stage key.
	"UnknownKey":    {"AUTH_BYPASS", "The header names a key ID that is not in the ring. The body is sealed under the ring's primary key secret (with the header as sent), so a reader that falls back to trying other keys would accept it."},
	"ZeroKeyID":     {"EDGE_CASE", "The header names key ID 00000000, which no key has."},
	"DestroyedKey":  {"AUTH_BYPASS", "The header names a destroyed key; the body is sealed under that key's former secret."},
	"KtorKeyInRing": {"FUNCTIONALITY", "The ring holds a Ktor key (SPEC.md §2), which never opens format v1 tokens. A reader that does not support Ktor keys cannot load this group's keyring and may skip these tests."},
	// Stage authentication.
	"ModifiedNonce":           {"AUTH_BYPASS", "One bit of the AEAD nonce is flipped."},
	"ModifiedCiphertext":      {"AUTH_BYPASS", "One bit of the AEAD ciphertext is flipped."},
	"ModifiedTag":             {"AUTH_BYPASS", "One bit of the tag is flipped; everything else is intact."},
	"ModifiedEnvelope":        {"AUTH_BYPASS", "The envelope, readable in clear in an HMAC token, is modified while the tag is kept."},
	"WrongPurpose":            {"AUTH_BYPASS", "The token was sealed for another purpose than the group's; the purpose is associated data, so authentication fails."},
	"TruncatedBody":           {"AUTH_BYPASS", "Bytes are removed from the end of the body (and so from the tag)."},
	"ShortBody":               {"EDGE_CASE", "The body is shorter than a nonce plus a tag; a reader must reject it without reading out of bounds."},
	"SwappedKeyID":            {"AUTH_BYPASS", "The header's key ID is changed to another key of the ring with the same algorithm."},
	"WrongAlgorithm":          {"WRONG_PRIMITIVE", "The body is sealed with the file's algorithm under the secret of a ring key of another algorithm; the reader uses that key's own algorithm and subkey, so authentication fails."},
	"MissingHeaderInAD":       {"MISSING_STEP", "The body is sealed with the purpose alone as associated data, without the header."},
	"NoHKDF":                  {"MISSING_STEP", "The body is sealed with the key's secret itself (its first bytes for a 16-byte key) instead of the HKDF subkey."},
	"WrongHKDFLabel":          {"MODIFIED_PARAMETER", "The subkey is derived with the HKDF label of another algorithm."},
	"HMACWithoutLengthPrefix": {"MODIFIED_PARAMETER", "The HMAC input omits uvarint(len(ad)) before the associated data."},
	// Stage envelope.
	"UnknownFlag":         {"BASIC", "The envelope sets a flag bit other than 0x01."},
	"ExpiryNotAfterIssue": {"EDGE_CASE", "The envelope's exp is not after its iat."},
	"NotBeforeOutOfRange": {"EDGE_CASE", "The envelope's nbf lies outside [iat, exp)."},
	"TimestampOutOfRange": {"EDGE_CASE", "A timestamp lies outside [0, 253402300799] (years 1970 to 9999), while every other envelope rule holds."},
	"ShortEnvelope":       {"EDGE_CASE", "The authenticated envelope is shorter than its fixed fields (17 bytes, or 25 with nbf)."},
	"EnvelopeBoundary":    {"EDGE_CASE", "An envelope field lies exactly on an inclusive bound of SPEC.md §1.2 (a timestamp of 0 or 253402300799, nbf equal to iat), so the envelope is well-formed."},
	"LifetimeOverMaxTTL":  {"EDGE_CASE", "exp - iat exceeds the group's maximum TTL."},
	"LifetimeAtMaxTTL":    {"EDGE_CASE", "exp - iat equals the group's maximum TTL exactly, which is allowed."},
	// Stage validity.
	"Expired":        {"BASIC", "The token's expiry has passed."},
	"NotYetValid":    {"BASIC", "The token's not-before time lies in the future."},
	"IssuedInFuture": {"EDGE_CASE", "The token's issue time lies in the future (beyond the leeway)."},
	// Stage payload.
	"InvalidPayload": {"BASIC", "The authentic payload does not decode with the group's codec."},
	"TrailingData":   {"MALLEABILITY", "The payload holds one valid value followed by more bytes."},
	"CodecMismatch":  {"FUNCTIONALITY", "The payload is encoded with the other codec than the group's."},
}

var bugTypes = []string{"AUTH_BYPASS", "BASIC", "EDGE_CASE", "FUNCTIONALITY", "MALLEABILITY", "MISSING_STEP", "MODIFIED_PARAMETER", "WRONG_PRIMITIVE"}

// declareFlags fills notes with the flags of every test in the file.
func declareFlags(f *File) {
	f.Notes = map[string]Note{}
	for _, g := range f.TestGroups {
		for _, t := range g.Tests {
			for _, fl := range t.Flags {
				n, ok := notes[fl]
				if !ok {
					panic("flag " + fl + " has no note")
				}
				f.Notes[fl] = n
			}
		}
	}
}

// jsonOfLen returns a JSON object of exactly n bytes (n >= 10).
func jsonOfLen(n int) []byte {
	return []byte(`{"pad":"` + strings.Repeat("x", n-10) + `"}`)
}

// fileGen numbers the tests of one file.
type fileGen struct {
	file   *File
	nextID int
}

// groupGen builds one group.
type groupGen struct {
	fg    *fileGen
	file  *File
	group *Group
	keys  map[uint32]*key

	primary, retired, other, destroyed *key

	defaultPayload []byte
}

func (g *groupGen) newCase(comment string, flags ...string) *caseBuilder {
	g.fg.nextID++
	b := &caseBuilder{
		g:       g,
		test:    Test{TcID: g.fg.nextID, Comment: comment, Flags: append([]string{}, flags...)},
		version: version1,
		keyID:   g.primary.id,
		purpose: g.group.Purpose,
	}
	now := g.group.Now
	b.env = envelope{iat: now.Add(-10 * minute).Unix(), exp: now.Add(50 * minute).Unix(), payload: g.defaultPayload}
	return b
}

// rawLen is the length of header || body for a default envelope with a
// payload of n bytes.
func (g *groupGen) rawLen(n int) int {
	return headerSize + suites[g.file.Algorithm].overhead() + envelopeSize + n
}

// payloadForMod3 returns a JSON payload of at least 40 bytes for which
// rawLen % 3 == r.
func (g *groupGen) payloadForMod3(r int) []byte {
	n := 40
	for g.rawLen(n)%3 != r {
		n++
	}
	return jsonOfLen(n)
}
