package testvectors

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

const (
	second = time.Second
	minute = time.Minute
	hour   = time.Hour
)

// now is every group's clock.
var now = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Key IDs of every ring. unknownID is in no ring.
const (
	destroyedID = 0x7c18f3a0
	retiredID   = 0x2d5b0e93
	primaryID   = 0x9f2c01ab
	otherID     = 0x4e7a11c5
	ktorID      = 0x6b746f72 // "ktor"
	unknownID   = 0xdeadbeef
)

// otherAlgorithm is the algorithm of the ring's active key of another
// algorithm than the file's.
func otherAlgorithm(alg string) string {
	switch alg {
	case "xchacha20poly1305":
		return "aes256gcm"
	case "chacha20poly1305":
		return "xchacha20poly1305"
	case "aes256gcm":
		return "chacha20poly1305"
	case "aes128gcm":
		return "aes256gcm"
	}
	return "xchacha20poly1305" // for the HMAC algorithms
}

// ringKeys returns the keys of every group of alg's file, in creation order:
// a destroyed key, a retired key and the primary key of alg, and an active
// key of another algorithm.
func ringKeys(alg string) []*key {
	secret := func(id uint32, a string) []byte {
		return fixedBytes(fmt.Sprintf("secret %s %08x %s", alg, id, a), 32)
	}
	other := otherAlgorithm(alg)
	return []*key{
		{id: destroyedID, alg: alg, state: "destroyed", created: date("2029-09-01T00:00:00Z"),
			retired: date("2029-10-01T00:00:00Z"), destroyed: date("2029-12-01T00:00:00Z"), secret: secret(destroyedID, alg)},
		{id: retiredID, alg: alg, state: "retired", created: date("2029-10-01T00:00:00Z"),
			retired: now.Add(-6 * hour), secret: secret(retiredID, alg)},
		{id: primaryID, alg: alg, state: "primary", created: date("2029-12-01T00:00:00Z"), secret: secret(primaryID, alg)},
		{id: otherID, alg: other, state: "active", created: date("2029-12-15T00:00:00Z"), secret: secret(otherID, other)},
	}
}

// The default payloads.
var (
	workloadJSON = []byte(`{"uid":"u_8f14e45fceea167a","name":"Alice Example","roles":["admin","billing","support"],"csrf":"3q2-7wAAAAAAAAAAAAAAAA","created":1764115200}`)
	// workloadCBOR is the same session as a CBOR map with the integer keys
	// 1 to 5 (Go struct tags `cbor:"N,keyasint"`), in Core Deterministic
	// Encoding.
	workloadCBOR = cborMap(
		cborUint(1), cborText("u_8f14e45fceea167a"),
		cborUint(2), cborText("Alice Example"),
		cborUint(3), cborArray(cborText("admin"), cborText("billing"), cborText("support")),
		cborUint(4), cborText("3q2-7wAAAAAAAAAAAAAAAA"),
		cborUint(5), cborUint(1764115200),
	)
	binaryPayload = []byte("\x00\xff\xfe\x80 not UTF-8 \xc3\x28")
)

// A minimal CBOR encoder (RFC 8949), shortest form.
func cborHead(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n <= 0xff:
		return []byte{major<<5 | 24, byte(n)}
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16([]byte{major<<5 | 25}, uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32([]byte{major<<5 | 26}, uint32(n))
	}
	return binary.BigEndian.AppendUint64([]byte{major<<5 | 27}, n)
}

func cborUint(n uint64) []byte { return cborHead(0, n) }
func cborText(s string) []byte { return append(cborHead(3, uint64(len(s))), s...) }

func cborArray(items ...[]byte) []byte {
	out := cborHead(4, uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

// cborMap takes keys and values alternately, keys already in sorted order.
func cborMap(kv ...[]byte) []byte {
	out := cborHead(5, uint64(len(kv)/2))
	for _, it := range kv {
		out = append(out, it...)
	}
	return out
}

func generateTokenFile(alg string) *File {
	f := &File{Schema: TokenSchema, Algorithm: alg}
	fg := &fileGen{file: f}
	keys := ringKeys(alg)
	newGroup := func(comment, codec, purpose string, leeway time.Duration, payload []byte, extra ...*key) *groupGen {
		ks := append(append([]*key{}, keys...), extra...)
		g := &groupGen{
			fg:   fg,
			file: f,
			group: &Group{
				Comment:      comment,
				Keyring:      keyringJSON(ks),
				Purpose:      purpose,
				Codec:        codec,
				Now:          now,
				Leeway:       Duration(leeway),
				MaxTTL:       Duration(24 * hour),
				MaxTokenSize: 4000,
			},
			keys:           map[uint32]*key{},
			defaultPayload: payload,
		}
		for _, k := range ks {
			g.keys[k.id] = k
		}
		g.destroyed, g.retired, g.primary, g.other = g.keys[destroyedID], g.keys[retiredID], g.keys[primaryID], g.keys[otherID]
		return g
	}
	var groups []*groupGen
	add := func(g *groupGen, cases func(*groupGen)) {
		cases(g)
		groups = append(groups, g)
	}

	add(newGroup("JSON payloads, no leeway: one case per scenario of every stage", "json", "LOGIN_SESSION", 0, workloadJSON), jsonCases)
	add(newGroup("CBOR payloads, no leeway", "cbor", "LOGIN_SESSION", 0, workloadCBOR), cborCases)
	add(newGroup("raw payloads (not decoded: compare bytes), empty purpose", "raw", "", 0, binaryPayload), rawCases)
	add(newGroup("JSON payloads with a leeway of 2 seconds", "json", "LOGIN_SESSION", 2*second, workloadJSON), leewayCases)
	ktorKey := &key{id: ktorID, alg: "ktor-hmac-sha256", state: "active", created: date("2029-12-20T00:00:00Z"),
		secret: fixedBytes("secret "+alg+" ktor", 32)}
	add(newGroup("a ring that also holds a Ktor key", "json", "LOGIN_SESSION", 0, workloadJSON, ktorKey), ktorCases)

	for _, g := range groups {
		f.TestGroups = append(f.TestGroups, *g.group)
		f.NumberOfTests += len(g.group.Tests)
	}
	declareFlags(f)
	return f
}

// jsonCases is the main group: valid tokens, and at least one case per
// failure stage.
func jsonCases(g *groupGen) {
	alg := g.file.Algorithm
	s := suites[alg]

	// Valid.
	g.newCase("valid token: JSON payload, sealed under the primary key", "Valid").Valid()
	g.newCase("valid token with a not-before time in the past", "Valid", "NotBefore").
		NotBefore(now.Add(-5 * minute)).Valid()
	g.newCase("valid token whose not-before time is exactly now", "NotBefore", "ValidityBoundary").
		NotBefore(now).Valid()
	g.newCase("valid token issued exactly now", "ValidityBoundary").
		Envelope(now, now.Add(hour)).Valid()
	g.newCase("valid token expiring one second after now", "ValidityBoundary").
		Envelope(now.Add(-hour), now.Add(second)).Valid()
	g.newCase("valid token whose lifetime is exactly maxTTL (24h)", "LifetimeAtMaxTTL").
		Envelope(now.Add(-hour), now.Add(23*hour)).Valid()
	g.newCase("valid token sealed under a retired key, issued before its retirement", "RetiredKey").
		Key(g.retired).Envelope(now.Add(-7*hour), now.Add(hour)).Valid()
	g.newCase(fmt.Sprintf("valid token sealed under the ring's active %s key: the algorithm is the key's", g.other.alg), "MultiAlgorithmRing").
		Key(g.other).Valid()
	maxPayload := 3000 - headerSize - s.overhead() - envelopeSize // 3000 bytes are 4000 characters
	g.newCase("valid token of exactly maxTokenSize (4000) characters", "MaxTokenSize").
		Payload(jsonOfLen(maxPayload)).Valid()

	// Size.
	g.newCase("empty token", "EmptyToken").Token("").Expect("size")
	g.newCase("maxTokenSize+1 characters: the valid 4000-character token with 'A' appended; size is checked before the encoding", "MaxTokenSize").
		Payload(jsonOfLen(maxPayload)).EditToken(func(t string) string { return t + "A" }).Expect("size")
	g.newCase("authentic token of 3001 bytes, 4002 characters: over maxTokenSize", "MaxTokenSize").
		Payload(jsonOfLen(maxPayload + 1)).Expect("size")

	// Encoding.
	g.newCase("valid token with '=' padding appended", "Base64Padding").
		Payload(g.payloadForMod3(2)).EditToken(func(t string) string { return t + "=" }).Expect("encoding")
	g.newCase("valid token with CR LF inserted after 40 characters", "LineBreak").
		EditToken(func(t string) string { return t[:40] + "\r\n" + t[40:] }).Expect("encoding")
	g.newCase("valid token followed by LF", "LineBreak").
		EditToken(func(t string) string { return t + "\n" }).Expect("encoding")
	b := g.newCase("valid token in the standard base64 alphabet ('+' and '/' for '-' and '_')", "StdAlphabet")
	for n := 40; ; n++ {
		// Find a payload length whose token has a '-' or '_' to replace.
		b.Payload(jsonOfLen(n)).Seal()
		if strings.ContainsAny(b64.EncodeToString(b.raw), "-_") {
			break
		}
	}
	b.EditToken(func(t string) string { return strings.NewReplacer("-", "+", "_", "/").Replace(t) }).Expect("encoding")
	g.newCase("valid token whose last character has a non-zero unused bit", "NonZeroTrailingBits").
		Payload(g.payloadForMod3(1)).EditToken(setTrailingBit).Expect("encoding")
	g.newCase("valid token with its 20th character replaced by '.'", "InvalidCharacter").
		EditToken(func(t string) string { return t[:19] + "." + t[20:] }).Expect("encoding")
	g.newCase("valid token of length 0 mod 4 with 'A' appended: length 1 mod 4", "BadLength").
		Payload(g.payloadForMod3(0)).EditToken(func(t string) string { return t + "A" }).Expect("encoding")

	// Header.
	g.newCase("4 bytes: version and 3 bytes of key ID", "ShortHeader").
		Raw(binary.BigEndian.AppendUint32([]byte{version1}, primaryID)[:4]).Expect("header")
	g.newCase("version 0x02, otherwise a v1 token sealed with that header", "UnknownVersion").
		Version(0x02).Expect("header")
	g.newCase("version 0x00, otherwise a v1 token sealed with that header", "UnknownVersion").
		Version(0x00).Expect("header")

	// Key.
	g.newCase("unknown key ID deadbeef; the body is sealed under the primary key's secret", "UnknownKey").
		HeaderKeyID(unknownID).Expect("key")
	g.newCase("key ID 00000000; the body is sealed under the primary key's secret", "ZeroKeyID").
		HeaderKeyID(0).Expect("key")
	g.newCase("key ID of a destroyed key; the body is sealed under its former secret", "DestroyedKey").
		Key(g.destroyed).Expect("key")

	// Authentication.
	envOff := headerSize + s.nonceLen // offset of the (encrypted) envelope
	if s.isHMAC() {
		g.newCase("HMAC: expiry moved one day later in the clear envelope, tag kept", "ModifiedEnvelope").
			Poke(envOff+9, binary.BigEndian.AppendUint64(nil, uint64(now.Add(50*minute+24*hour).Unix()))).Expect("authentication")
		g.newCase("HMAC: one bit of the clear payload flipped, tag kept", "ModifiedEnvelope").
			FlipBit(envOff+envelopeSize+10, 5).Expect("authentication")
		g.newCase("HMAC: only the tag is modified: its first bit flipped", "ModifiedTag").
			FlipBit(-s.tagLen, 7).Expect("authentication")
		g.newCase("HMAC: only the tag is modified: its last bit flipped", "ModifiedTag").
			FlipBit(-1, 0).Expect("authentication")
		g.newCase("HMAC computed without the uvarint length of the associated data", "HMACWithoutLengthPrefix").
			HMACNoLength().Expect("authentication")
		g.newCase("HMAC tag truncated to 16 bytes", "TruncatedBody").
			Truncate(s.tagLen - 16).Expect("authentication")
	} else {
		g.newCase("first bit of the nonce flipped", "ModifiedNonce").
			FlipBit(headerSize, 0).Expect("authentication")
		g.newCase("last bit of the nonce flipped", "ModifiedNonce").
			FlipBit(headerSize+s.nonceLen-1, 7).Expect("authentication")
		g.newCase("one bit of the ciphertext flipped (the envelope's flags byte)", "ModifiedCiphertext").
			FlipBit(envOff, 0).Expect("authentication")
		g.newCase("one bit of the ciphertext flipped (inside the payload)", "ModifiedCiphertext").
			FlipBit(envOff+envelopeSize+10, 3).Expect("authentication")
		g.newCase("first bit of the tag flipped", "ModifiedTag").
			FlipBit(-s.tagLen, 0).Expect("authentication")
		g.newCase("last bit of the tag flipped", "ModifiedTag").
			FlipBit(-1, 7).Expect("authentication")
	}
	g.newCase("last byte of the body removed", "TruncatedBody").
		Truncate(1).Expect("authentication")
	short := s.overhead() - 1
	g.newCase(fmt.Sprintf("body of %d bytes, one less than nonce plus tag", short), "ShortBody").
		Payload(nil).RawEnvelope([]byte{}).Seal().Truncate(1).Expect("authentication")
	g.newCase("header only: empty body", "ShortBody").
		Raw(binary.BigEndian.AppendUint32([]byte{version1}, primaryID)).Expect("authentication")
	g.newCase("sealed for purpose PASSWORD_RESET; the group's purpose is LOGIN_SESSION", "WrongPurpose").
		Purpose("PASSWORD_RESET").Expect("authentication")
	g.newCase("sealed for the empty purpose; the group's purpose is LOGIN_SESSION", "WrongPurpose").
		Purpose("").Expect("authentication")
	g.newCase("sealed under the primary key, header key ID changed to the retired key of the same algorithm", "SwappedKeyID").
		HeaderKeyID(retiredID).Expect("authentication")
	g.newCase(fmt.Sprintf("header names the %s key; body sealed with %s under that key's secret", g.other.alg, alg), "WrongAlgorithm", "MultiAlgorithmRing").
		Key(g.other).SealAs(alg).Expect("authentication")
	g.newCase("associated data is the purpose alone, without the header", "MissingHeaderInAD").
		ADWithoutHeader().Expect("authentication")
	g.newCase("cipher key is the secret itself, not the HKDF subkey", "NoHKDF").
		NoHKDF().Expect("authentication")
	g.newCase(fmt.Sprintf("subkey derived with the HKDF label of %s", g.other.alg), "WrongHKDFLabel").
		Label(g.other.alg).Expect("authentication")

	// Envelope: every one of these is authentic.
	g.newCase("authentic envelope with unknown flag 0x02", "UnknownFlag").
		Flags(0x02).Expect("envelope")
	g.newCase("authentic envelope with flag 0x80 as well as the not-before flag", "UnknownFlag", "NotBefore").
		NotBefore(now.Add(-5 * minute)).Flags(0x81).Expect("envelope")
	g.newCase("authentic envelope with exp equal to iat", "ExpiryNotAfterIssue").
		Envelope(now.Add(-10*minute), now.Add(-10*minute)).Expect("envelope")
	g.newCase("authentic envelope with exp before iat", "ExpiryNotAfterIssue").
		Envelope(now.Add(-10*minute), now.Add(-20*minute)).Expect("envelope")
	g.newCase("authentic envelope with nbf one second before iat", "NotBeforeOutOfRange", "NotBefore").
		NotBefore(now.Add(-10*minute - second)).Expect("envelope")
	g.newCase("authentic envelope with nbf equal to exp", "NotBeforeOutOfRange", "NotBefore").
		NotBefore(now.Add(50 * minute)).Expect("envelope")
	g.newCase("authentic envelope with exp one second past 9999-12-31T23:59:59Z (lifetime 101s)", "TimestampOutOfRange").
		UnixEnvelope(maxUnix-100, maxUnix+1).Expect("envelope")
	g.newCase("authentic envelope with iat -1 (lifetime 101s)", "TimestampOutOfRange").
		UnixEnvelope(-1, 100).Expect("envelope")
	g.newCase("authentic envelope with nbf -1", "TimestampOutOfRange", "NotBefore").
		UnixEnvelope(0, 100).UnixNotBefore(-1).Expect("envelope")
	g.newCase("valid token whose nbf equals its iat, the lower bound of [iat, exp)", "EnvelopeBoundary", "NotBefore").
		NotBefore(now.Add(-10 * minute)).Valid()
	g.newCase("iat 0 (1970-01-01T00:00:00Z) is in range: the authentic token is only expired", "EnvelopeBoundary", "Expired").
		UnixEnvelope(0, 100).ExpectError("validity", "expired")
	g.newCase("exp 9999-12-31T23:59:59Z is in range: the authentic token is only issued in the future", "EnvelopeBoundary", "IssuedInFuture").
		UnixEnvelope(maxUnix-100, maxUnix).ExpectError("validity", "not-yet-valid")
	env := envelope{iat: now.Add(-10 * minute).Unix(), exp: now.Add(50 * minute).Unix()}
	g.newCase("authentic envelope of 16 bytes, one short of flags, iat and exp", "ShortEnvelope").
		RawEnvelope(env.bytes()[:16]).Expect("envelope")
	g.newCase("authentic empty envelope", "ShortEnvelope").
		RawEnvelope([]byte{}).Expect("envelope")
	nbfEnv := envelope{flags: flagNBF, iat: env.iat, exp: env.exp, nbf: now.Add(-5 * minute).Unix()}
	g.newCase("authentic envelope of 24 bytes with the not-before flag, one short of 25", "ShortEnvelope", "NotBefore").
		RawEnvelope(nbfEnv.bytes()[:24]).Expect("envelope")
	g.newCase("authentic envelope whose lifetime is maxTTL plus one second", "LifetimeOverMaxTTL").
		Envelope(now.Add(-hour), now.Add(23*hour+second)).Expect("envelope")

	// Validity.
	g.newCase("expired exactly now (exp == now)", "Expired", "ValidityBoundary").
		Envelope(now.Add(-hour), now).ExpectError("validity", "expired")
	g.newCase("expired an hour ago", "Expired").
		Envelope(now.Add(-2*hour), now.Add(-hour)).ExpectError("validity", "expired")
	g.newCase("not-before time one second after now", "NotYetValid", "NotBefore", "ValidityBoundary").
		NotBefore(now.Add(second)).ExpectError("validity", "not-yet-valid")
	g.newCase("issued one second after now", "IssuedInFuture", "ValidityBoundary").
		Envelope(now.Add(second), now.Add(hour)).ExpectError("validity", "not-yet-valid")

	// Payload.
	g.newCase("payload is truncated JSON", "InvalidPayload").
		Payload(workloadJSON[:len(workloadJSON)-1]).Expect("payload")
	g.newCase("payload is a JSON object followed by a second one", "TrailingData").
		Payload(append(append([]byte{}, workloadJSON...), "{}"...)).Expect("payload")
	g.newCase("empty payload, which is not a JSON value", "InvalidPayload", "EmptyPayload").
		Payload([]byte{}).Expect("payload")
	g.newCase("payload is CBOR in a JSON group", "CodecMismatch").
		Payload(workloadCBOR).Expect("payload")
}

func cborCases(g *groupGen) {
	g.newCase("valid token: CBOR payload", "Valid", "CBORPayload").Valid()
	g.newCase("valid token: CBOR payload and a not-before time", "CBORPayload", "NotBefore").
		NotBefore(now.Add(-5 * minute)).Valid()
	g.newCase("payload is the CBOR map followed by one byte (0x00)", "TrailingData").
		Payload(append(append([]byte{}, workloadCBOR...), 0x00)).Expect("payload")
	g.newCase("payload is the CBOR map without its last byte", "InvalidPayload").
		Payload(workloadCBOR[:len(workloadCBOR)-1]).Expect("payload")
	g.newCase("payload is JSON in a CBOR group", "CodecMismatch").
		Payload(workloadJSON).Expect("payload")
	g.newCase("empty payload, which is not a CBOR data item", "InvalidPayload", "EmptyPayload").
		Payload([]byte{}).Expect("payload")
}

func rawCases(g *groupGen) {
	g.newCase("valid token: binary payload, empty purpose", "BinaryPayload", "EmptyPurpose").Valid()
	g.newCase("valid token: empty payload, empty purpose", "EmptyPayload", "EmptyPurpose").
		Payload([]byte{}).Valid()
	g.newCase("sealed for purpose LOGIN_SESSION; the group's purpose is empty", "WrongPurpose").
		Purpose("LOGIN_SESSION").Expect("authentication")
}

func leewayCases(g *groupGen) {
	g.newCase("expired one second ago, within the 2s leeway", "Leeway", "ValidityBoundary").
		Envelope(now.Add(-hour), now.Add(-second)).Valid()
	g.newCase("expired two seconds ago, the full leeway", "Leeway", "Expired", "ValidityBoundary").
		Envelope(now.Add(-hour), now.Add(-2*second)).ExpectError("validity", "expired")
	g.newCase("not-before two seconds after now, within the leeway", "Leeway", "NotBefore", "ValidityBoundary").
		NotBefore(now.Add(2 * second)).Valid()
	g.newCase("not-before three seconds after now, past the leeway", "Leeway", "NotYetValid", "NotBefore", "ValidityBoundary").
		NotBefore(now.Add(3*second)).ExpectError("validity", "not-yet-valid")
	g.newCase("issued two seconds after now, within the leeway", "Leeway", "ValidityBoundary").
		Envelope(now.Add(2*second), now.Add(hour)).Valid()
	g.newCase("issued three seconds after now, past the leeway", "Leeway", "IssuedInFuture", "ValidityBoundary").
		Envelope(now.Add(3*second), now.Add(hour)).ExpectError("validity", "not-yet-valid")
}

func ktorCases(g *groupGen) {
	g.newCase("valid token under the primary key of a ring that also holds a Ktor key", "Valid", "KtorKeyInRing").Valid()
	g.newCase("key ID of the ring's Ktor key, which never opens format v1 tokens", "KtorKeyInRing").
		Key(g.keys[ktorID]).SealAs(g.file.Algorithm).Expect("key")
}

// setTrailingBit sets the lowest bit of the last character's 6-bit value,
// which is unused when the byte length is not a multiple of 3.
func setTrailingBit(t string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	v := strings.IndexByte(alphabet, t[len(t)-1])
	if v < 0 || v&1 != 0 {
		panic("setTrailingBit: last character already odd")
	}
	return t[:len(t)-1] + string(alphabet[v|1])
}
