package ktor

// This file generates testvectors/ktor/*.json. The cookies are built here
// from crypto/aes, crypto/cipher, crypto/hmac and net/url, following the
// spec, and not with this package's transformers or encoders: the vectors
// are a second implementation that the package is checked against.
//
//	go test ./ktor -run TestGenerateVectors -update
//
// rewrites the files; without -update, TestGenerateVectors fails when the
// files differ from what this file generates, so they are never edited by
// hand.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"hash"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testvectors/ktor from the generator")

func TestGenerateVectors(t *testing.T) {
	files := map[string]any{
		"encrypt.json":                genEncryptVectors(),
		"message_authentication.json": genMACVectors(),
		"cookie_encoding.json":        genCookieVectors(),
		"reflection.json":             genReflectionVectors(),
	}
	for name, f := range files {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(vectorDir, name)
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./ktor -run TestGenerateVectors -update)", err)
		}
		if !bytes.Equal(old, buf.Bytes()) {
			t.Errorf("%s differs from what generate_test.go produces: do not edit vector files by hand; change the generator and run go test ./ktor -run TestGenerateVectors -update", path)
		}
	}
}

// ---- the independent builder ----

func hmacHex(hashName string, key, msg []byte) string {
	var h func() hash.Hash
	switch hashName {
	case "HmacSHA256":
		h = sha256.New
	case "HmacSHA384":
		h = sha512.New384
	case "HmacSHA512":
		h = sha512.New
	default:
		panic(hashName)
	}
	m := hmac.New(h, key)
	m.Write(msg)
	return hex.EncodeToString(m.Sum(nil))
}

// buildEncrypted is docs/ktor-format.md §3.2/§3.3: hex(iv) "/" hex(AES-CBC-PKCS7(pt)) ":"
// hex(HMAC(ct)) for Layout3, HMAC(pt) for Layout2.
func buildEncrypted(encKey, signKey, iv []byte, hashName, layout, pt string) string {
	padded := []byte(pt)
	n := aes.BlockSize - len(padded)%aes.BlockSize
	padded = append(padded, bytes.Repeat([]byte{byte(n)}, n)...)
	block, err := aes.NewCipher(encKey)
	if err != nil {
		panic(err)
	}
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	tagged := ct
	if layout == "Layout2" {
		tagged = []byte(pt)
	}
	return hex.EncodeToString(iv) + "/" + hex.EncodeToString(ct) + ":" + hmacHex(hashName, signKey, tagged)
}

// uriEncode is URI_ENCODING ≥ 2.2.0 as net/url's QueryEscape implements
// it: [A-Za-z0-9-._~] kept, space as '+', %XX uppercase.
func uriEncode(s string) string { return url.QueryEscape(s) }

// uriEncodeLegacy is URI_ENCODING ≤ 2.1.2: only [A-Za-z0-9] kept.
func uriEncodeLegacy(s string) string {
	return strings.NewReplacer("-", "%2D", ".", "%2E", "_", "%5F", "~", "%7E").Replace(url.QueryEscape(s))
}

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func hexs(b []byte) string { return hex.EncodeToString(b) }

// Fixed inputs of the derived vectors.
var (
	vecEncKey128 = seq(16, 0x00)
	vecEncKey192 = seq(24, 0x00)
	vecEncKey256 = seq(32, 0x00)
	vecSignKey   = seq(32, 0x40)
	vecMACKey    = seq(32, 0x80)
	vecSession   = `{"username":"alice","count":2}`
	vecUnicode   = `{"user":"Zoë 🍪","note":"日本語 – \"quoted\"\n"}`
	vecLong      = strings.Repeat("0123456789abcdef-long-session-payload/", 81)[:3072]
)

func vecIV(tcID int) []byte { return seq(16, byte(0x10*tcID)) }

// ---- SessionTransportTransformerEncrypt ----

type encryptBuilder struct {
	tests []encryptVector
}

func (b *encryptBuilder) add(v encryptVector) encryptVector {
	v.TcID = len(b.tests) + 1
	if v.Source == "" {
		v.Source = "spec"
	}
	if v.Sign == "" {
		v.Sign = "HmacSHA256"
	}
	if v.Write == "" {
		v.Write = "Layout3"
	}
	if v.Read == nil {
		v.Read = []string{v.Write}
	}
	if v.Expect == "" {
		v.Expect = "success"
	}
	if v.Result == "" {
		v.Result = "valid"
	}
	if v.Direction == "" {
		v.Direction = "both"
		if v.Result == "invalid" {
			v.Direction = "read"
		}
	}
	if v.Encoded == "" {
		v.Encoded = uriEncode(v.Cookie)
	}
	b.tests = append(b.tests, v)
	return v
}

// valid adds a valid case whose cookie the builder computes.
func (b *encryptBuilder) valid(comment string, encKey []byte, hashName, layout, pt string, read ...string) encryptVector {
	iv := vecIV(len(b.tests) + 1)
	return b.add(encryptVector{
		vectorCommon: vectorCommon{Comment: comment},
		EncKey:       hexs(encKey), SignKey: hexs(vecSignKey), Sign: hashName, Write: layout, Read: read,
		IV: hexs(iv), Plaintext: pt, Cookie: buildEncrypted(encKey, vecSignKey, iv, hashName, layout, pt),
	})
}

// reject adds an invalid variant of base.
func (b *encryptBuilder) reject(base encryptVector, comment, cookie, expect string, read ...string) {
	v := base
	v.Comment, v.Cookie, v.Encoded, v.Result, v.Expect, v.Direction = comment, cookie, "", "invalid", expect, ""
	v.Read = read
	if v.Source == "" || len(read) > 0 {
		v.Source = "spec"
	}
	b.add(v)
}

// parts splits an encrypted cookie into IV, ciphertext and tag hex.
func parts(cookie string) (iv, ct, tag string) {
	iv, rest, _ := strings.Cut(cookie, "/")
	ct, tag, _ = strings.Cut(rest, ":")
	return iv, ct, tag
}

func flipLastHex(s string) string {
	last := s[len(s)-1]
	if last == '0' {
		return s[:len(s)-1] + "1"
	}
	return s[:len(s)-1] + "0"
}

func genEncryptVectors() vectorFile[encryptVector] {
	var b encryptBuilder
	ktor := func(comment, layout, pt, cookie string, read ...string) encryptVector {
		return b.add(encryptVector{
			vectorCommon: vectorCommon{Comment: comment, Source: "ktor-test"},
			EncKey:       hexs(ktorEncKey), SignKey: hexs(ktorSignKey), Write: layout, Read: read,
			IV: hexs(ktorIV), Plaintext: pt, Cookie: cookie,
		})
	}
	// docs/ktor-format.md §9: the three cookies of Ktor's SessionTest(Jvm).kt.
	k2 := ktor("Ktor 1.6.8/2.x: reflection session, MAC over plaintext", "Layout2", ktorReflectionPlaintext,
		buildEncrypted(ktorEncKey, ktorSignKey, ktorIV, "HmacSHA256", "Layout2", ktorReflectionPlaintext))
	k3r := ktor("Ktor 3.x reflectionSessionSerializer: MAC over ciphertext", "Layout3", ktorReflectionPlaintext,
		buildEncrypted(ktorEncKey, ktorSignKey, ktorIV, "HmacSHA256", "Layout3", ktorReflectionPlaintext))
	k3j := ktor("Ktor 3.x default JSON session", "Layout3", ktorJSONPlaintext,
		buildEncrypted(ktorEncKey, ktorSignKey, ktorIV, "HmacSHA256", "Layout3", ktorJSONPlaintext))
	for _, want := range []struct{ got, want string }{{k2.Cookie, ktorCookie2}, {k3r.Cookie, ktorCookie3Reflection}, {k3j.Cookie, ktorCookie3JSON}} {
		if want.got != want.want {
			panic("generator does not reproduce the Ktor cookie " + want.want)
		}
	}
	ktor("Ktor 3.x with backwardCompatibleRead = true reads the 2.x cookie", "Layout3", ktorReflectionPlaintext, ktorCookie2, "Layout3", "Layout2")
	b.tests[len(b.tests)-1].Direction = "read" // a 3.x writer would write the 3.x cookie
	b.reject(k3r, "Ktor 3.x without backwardCompatibleRead rejects the 2.x cookie", ktorCookie2, "auth failure", "Layout3")
	b.tests[len(b.tests)-1].Source = "ktor-test"
	for _, c := range []string{"INVALID", "abc/abc:abc"} {
		b.reject(k3j, "Ktor test: the cookie "+c+" is rejected", c, "malformed")
		b.tests[len(b.tests)-1].Source = "ktor-test"
	}
	for _, base := range []encryptVector{k2, k3r, k3j} {
		b.reject(base, "Ktor test: last hex digit flipped ("+base.Comment+")", flipLastHex(base.Cookie), "auth failure")
		b.reject(base, "Ktor test: last character replaced by x ("+base.Comment+")", base.Cookie[:len(base.Cookie)-1]+"x", "auth failure")
	}

	// Every AES key size, HMAC and layout.
	for _, key := range [][]byte{vecEncKey128, vecEncKey192, vecEncKey256} {
		for _, h := range []string{"HmacSHA256", "HmacSHA384", "HmacSHA512"} {
			for _, l := range []string{"Layout3", "Layout2"} {
				b.valid(fmt.Sprintf("AES-%d, %s, %s", 8*len(key), h, l), key, h, l, vecSession)
			}
		}
	}
	// Payload lengths and contents.
	for _, l := range []string{"Layout3", "Layout2"} {
		for _, p := range []struct{ name, pt string }{
			{"empty payload (one block of padding)", ""},
			{"1-byte payload", "x"},
			{"15-byte payload", strings.Repeat("a", 15)},
			{"16-byte payload (a full block of padding)", strings.Repeat("b", 16)},
			{"17-byte payload", strings.Repeat("c", 17)},
			{"unicode JSON payload", vecUnicode},
			{"reflection payload", "count=%23i2&username=%23salice"},
			{"3 KiB payload", vecLong},
		} {
			b.valid(p.name+", "+l, vecEncKey128, "HmacSHA256", l, p.pt)
		}
	}
	// Backward-compatible read.
	b.valid("Layout2 cookie read with both layouts accepted (backwardCompatibleRead)", vecEncKey128, "HmacSHA256", "Layout2", vecSession, "Layout3", "Layout2")
	b.valid("Layout3 cookie read with both layouts accepted (backwardCompatibleRead)", vecEncKey128, "HmacSHA256", "Layout3", vecSession, "Layout3", "Layout2")
	v3 := b.valid("base of the rejection cases below, Layout3", vecEncKey128, "HmacSHA256", "Layout3", vecSession)
	v2 := b.valid("base of the rejection cases below, Layout2", vecEncKey128, "HmacSHA256", "Layout2", vecSession)
	b.reject(v2, "Layout2 tag without backward read", v2.Cookie, "auth failure", "Layout3")
	b.reject(v3, "Layout3 tag read by a Layout2-only (Ktor < 3.0) reader", v3.Cookie, "auth failure", "Layout2")

	// The §3.3 caveat: Layout3 does not authenticate the IV.
	{
		pt := "admin=%23bof&user=%23salice"
		base := b.valid("two-block reflection payload, Layout3", vecEncKey128, "HmacSHA256", "Layout3", pt)
		iv := mustHex(base.IV)
		iv[11] ^= 'f' ^ 't'
		_, ct, tag := parts(base.Cookie)
		v := base
		v.Comment = "UNAUTHENTICATED IV (docs/ktor-format.md §3.3): IV byte 11 XOR 0x12 turns #bof into #bot and Layout3 accepts it"
		v.Cookie, v.Encoded, v.Direction, v.Plaintext = hexs(iv)+"/"+ct+":"+tag, "", "read", "admin=%23bot&user=%23salice"
		b.add(v)
		base2 := b.valid("two-block reflection payload, Layout2", vecEncKey128, "HmacSHA256", "Layout2", pt)
		_, ct2, tag2 := parts(base2.Cookie)
		iv2 := mustHex(base2.IV)
		iv2[11] ^= 'f' ^ 't'
		b.reject(base2, "the same IV tampering is rejected by Layout2", hexs(iv2)+"/"+ct2+":"+tag2, "auth failure")
	}

	// Upper-case IV and ciphertext hex are accepted by every Ktor version.
	{
		iv, ct, tag := parts(v3.Cookie)
		v := v3
		v.Comment, v.Cookie, v.Encoded, v.Direction = "uppercase IV and ciphertext hex are accepted", strings.ToUpper(iv)+"/"+strings.ToUpper(ct)+":"+tag, "", "read"
		b.add(v)
	}

	// Rejections, on the Layout3 base unless said otherwise.
	iv, ct, tag := parts(v3.Cookie)
	for _, r := range []struct{ comment, cookie, expect string }{
		{"empty value", "", "malformed"},
		{"no '/'", iv + ct + ":" + tag, "malformed"},
		{"no ':'", iv + "/" + ct + tag, "malformed"},
		{"uppercase tag", iv + "/" + ct + ":" + strings.ToUpper(tag), "auth failure"},
		{"odd-length IV hex", iv + "0/" + ct + ":" + tag, "malformed"},
		{"odd-length ciphertext hex (Ktor < 3.5.0 ignored the extra char)", iv + "/" + ct + "0:" + tag, "malformed"},
		{"non-hex character in the IV", "x" + iv[1:] + "/" + ct + ":" + tag, "malformed"},
		{"non-hex character in the ciphertext", iv + "/" + ct[:len(ct)-1] + "g:" + tag, "malformed"},
		{"8-byte IV", iv[:16] + "/" + ct + ":" + tag, "malformed"},
		{"32-byte IV (a pre-3.5.1 key-size IV for AES-256)", iv + iv + "/" + ct + ":" + tag, "malformed"},
		{"ciphertext not a whole number of blocks", iv + "/" + ct[:len(ct)-2] + ":" + tag, "malformed"},
		{"empty ciphertext", iv + "/:" + tag, "malformed"},
		{"empty tag", iv + "/" + ct + ":", "auth failure"},
		{"truncated tag", iv + "/" + ct + ":" + tag[:len(tag)-2], "auth failure"},
		{"tag with an extra digit", iv + "/" + ct + ":" + tag + "0", "auth failure"},
		{"first ciphertext byte changed", iv + "/" + flipFirstHex(ct) + ":" + tag, "auth failure"},
		{"ciphertext truncated by one block", iv + "/" + ct[:len(ct)-32] + ":" + tag, "auth failure"},
		{"tag under another sign key", iv + "/" + ct + ":" + hmacHex("HmacSHA256", vecMACKey, mustHex(ct)), "auth failure"},
		{"HmacSHA512 tag for a HmacSHA256 reader", iv + "/" + ct + ":" + hmacHex("HmacSHA512", vecSignKey, mustHex(ct)), "auth failure"},
		{"'/' inside the IV part", iv[:16] + "/" + iv[16:] + "/" + ct + ":" + tag, "malformed"},
	} {
		b.reject(v3, r.comment, r.cookie, r.expect)
	}

	// A correct tag over a ciphertext whose padding is wrong must give the
	// same error as a wrong tag.
	{
		block, _ := aes.NewCipher(vecEncKey128)
		ivb := vecIV(99)
		padBad := append(bytes.Repeat([]byte{'a'}, 15), 0x00)
		ctb := make([]byte, 16)
		cipher.NewCBCEncrypter(block, ivb).CryptBlocks(ctb, padBad)
		prefix := hexs(ivb) + "/" + hexs(ctb) + ":"
		b.reject(v3, "valid Layout3 tag, invalid padding (last byte 0x00): same error as a wrong tag",
			prefix+hmacHex("HmacSHA256", vecSignKey, ctb), "auth failure")
		b.reject(v2, "Layout2 tag over the raw block, invalid padding: same error as a wrong tag",
			prefix+hmacHex("HmacSHA256", vecSignKey, padBad), "auth failure")
		b.tests[len(b.tests)-2].IV = hexs(ivb)
		b.tests[len(b.tests)-1].IV = hexs(ivb)
	}

	return vectorFile[encryptVector]{
		Schema:    vectorSchema,
		Subject:   "SessionTransportTransformerEncrypt (AES-CBC/PKCS5Padding + HMAC)",
		Spec:      "docs/ktor-format.md §3 (format), §9 (Ktor test values), §10",
		Generator: "ktor/generate_test.go genEncryptVectors",
		Notes: []string{
			"cookie is the transformer output; encoded is its URI_ENCODING form as sent in Set-Cookie",
			"write: Layout3 = tag over ciphertext (Ktor >= 3.0.0), Layout2 = tag over plaintext (Ktor < 3.0.0); read: the layouts the reader accepts (both = backwardCompatibleRead)",
			"direction both: Write(plaintext) with iv equals cookie and Read(cookie) equals plaintext; read: Read only",
			"expect: success, malformed (rejected before the tag is checked), auth failure (wrong tag or wrong padding, one error)",
			"for invalid cases, plaintext is what the cookie was derived from",
		},
		NumberOfTests: len(b.tests),
		Tests:         b.tests,
	}
}

func flipFirstHex(s string) string {
	if s[0] == '0' {
		return "1" + s[1:]
	}
	return "0" + s[1:]
}

// ---- SessionTransportTransformerMessageAuthentication ----

func genMACVectors() vectorFile[macVector] {
	var tests []macVector
	add := func(v macVector) macVector {
		v.TcID = len(tests) + 1
		if v.Source == "" {
			v.Source = "spec"
		}
		if v.Result == "" {
			v.Result, v.Expect, v.Direction = "valid", "success", "both"
		}
		v.Encoded = uriEncode(v.Cookie)
		tests = append(tests, v)
		return v
	}
	valid := func(comment string, key []byte, h, pt string) macVector {
		return add(macVector{vectorCommon: vectorCommon{Comment: comment}, Key: hexs(key), Hash: h,
			Plaintext: pt, Cookie: pt + "/" + hmacHex(h, key, []byte(pt))})
	}
	reject := func(base macVector, comment, cookie, expect string) {
		v := base
		v.Comment, v.Cookie, v.Result, v.Expect, v.Direction = comment, cookie, "invalid", expect, "read"
		add(v)
	}
	for _, h := range []string{"HmacSHA256", "HmacSHA384", "HmacSHA512"} {
		for _, p := range []struct{ name, pt string }{
			{"JSON session", vecSession},
			{"reflection session", "count=%23i2&username=%23salice"},
			{"empty payload", ""},
			{"unicode payload", vecUnicode},
			{"payload containing '/' (split at the last one)", "a/b/c"},
			{"32-char session ID (Ktor <= 3.4)", "0123456789abcdef0123456789abcdef"},
			{"3 KiB payload", vecLong},
		} {
			valid(p.name+", "+h, vecMACKey, h, p.pt)
		}
	}
	valid("12-byte key of Ktor's HEAD MAC test (003515606058610610561058)", mustHex("003515606058610610561058"), "HmacSHA256", vecSession)
	valid("11-byte key that Ktor 1.6.8's lenient hex made of 03515606058610610561058", mustHex("0351560605861061056105"), "HmacSHA256", vecSession)
	valid("1-byte key", []byte{1}, "HmacSHA256", vecSession)
	valid("100-byte key (longer than the SHA-256 block, hashed first)", seq(100, 1), "HmacSHA256", vecSession)
	valid("200-byte key (longer than the SHA-512 block)", seq(200, 1), "HmacSHA512", vecSession)

	base := valid("base of the rejection cases below", vecMACKey, "HmacSHA256", vecSession)
	tag := base.Cookie[len(vecSession)+1:]
	for _, r := range []struct{ comment, cookie, expect string }{
		{"no '/' (Ktor: INVALID)", "INVALID", "malformed"},
		{"empty value", "", "malformed"},
		{"payload without tag", vecSession, "malformed"},
		{"tag only", "/" + tag, "auth failure"},
		{"uppercase tag", vecSession + "/" + strings.ToUpper(tag), "auth failure"},
		{"last hex digit flipped", flipLastHex(base.Cookie), "auth failure"},
		{"last character replaced by x", base.Cookie[:len(base.Cookie)-1] + "x", "auth failure"},
		{"truncated tag", base.Cookie[:len(base.Cookie)-2], "auth failure"},
		{"tag with an extra digit", base.Cookie + "0", "auth failure"},
		{"payload changed", strings.Replace(vecSession, "2", "3", 1) + "/" + tag, "auth failure"},
		{"tag under another key", vecSession + "/" + hmacHex("HmacSHA256", vecSignKey, []byte(vecSession)), "auth failure"},
		{"HmacSHA512 tag for a HmacSHA256 reader", vecSession + "/" + hmacHex("HmacSHA512", vecMACKey, []byte(vecSession)), "auth failure"},
		{"empty tag", vecSession + "/", "auth failure"},
		{"tag before the payload", tag + "/" + vecSession, "auth failure"},
	} {
		reject(base, r.comment, r.cookie, r.expect)
	}
	return vectorFile[macVector]{
		Schema:    vectorSchema,
		Subject:   "SessionTransportTransformerMessageAuthentication (payload / lowercase hex HMAC)",
		Spec:      "docs/ktor-format.md §2, §9",
		Generator: "ktor/generate_test.go genMACVectors",
		Notes: []string{
			"cookie is the transformer output; encoded is its URI_ENCODING form as sent in Set-Cookie",
			"expect: success, malformed (no '/'), auth failure (tag mismatch)",
			"for invalid cases, plaintext is what the cookie was derived from",
		},
		NumberOfTests: len(tests),
		Tests:         tests,
	}
}

// ---- CookieEncoding ----

func genCookieVectors() vectorFile[cookieVector] {
	var tests []cookieVector
	add := func(enc, dir, result, comment, value, encoded string) {
		tests = append(tests, cookieVector{
			vectorCommon: vectorCommon{TcID: len(tests) + 1, Comment: comment, Source: "spec", Result: result},
			Encoding:     enc, Direction: dir, Value: value, Encoded: encoded,
		})
	}
	both := func(enc, comment, value, encoded string) { add(enc, "both", "valid", comment, value, encoded) }
	printable := " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
	for _, c := range []struct{ comment, value string }{
		{"Ktor 3.x JSON cookie (docs/ktor-format.md §9)", ktorCookie3JSON},
		{"Ktor 2.x reflection cookie (docs/ktor-format.md §9)", ktorCookie2},
		{"reflection payload signed", "count=%23i2&username=%23salice/" + strings.Repeat("0", 64)},
		{"unreserved characters and space", "a-b.c_d~e f+g"},
		{"unicode", "Zoë 🍪 日本語"},
		{"every printable ASCII character", printable},
		{"empty value", ""},
	} {
		both("URIEncoding", c.comment+", Ktor >= 2.2.0", c.value, uriEncode(c.value))
		both("URIEncodingLegacy", c.comment+", Ktor <= 2.1.2", c.value, uriEncodeLegacy(c.value))
	}
	for _, c := range []struct{ comment, value string }{
		{"Ktor 3.x JSON cookie", ktorCookie3JSON},
		{"unicode", "Zoë 🍪"},
		{"one byte (two padding characters)", "a"},
		{"empty value", ""},
	} {
		both("Base64Encoding", c.comment, c.value, base64.StdEncoding.EncodeToString([]byte(c.value)))
	}
	both("DQuotes", "transformer output needs no quotes", ktorCookie3JSON, ktorCookie3JSON)
	both("DQuotes", "space: quoted", "a b", `"a b"`)
	both("DQuotes", "';': quoted", "a;b", `"a;b"`)
	both("DQuotes", "',': quoted", "a,b", `"a,b"`)
	both("DQuotes", "tab: quoted", "a\tb", "\"a\tb\"")
	both("DQuotes", "no-break space (Kotlin whitespace): quoted", "a\u00a0b", "\"a\u00a0b\"")
	both("Raw", "transformer output as is", ktorCookie3JSON, ktorCookie3JSON)
	both("Raw", "reflection payload as is", "count=%23i2&username=%23salice", "count=%23i2&username=%23salice")

	dec := func(enc, comment, encoded, value string) { add(enc, "decode", "valid", comment, value, encoded) }
	dec("URIEncoding", "lowercase %-escapes are decoded", "00112233445566778899aabbccddeeff%2f9b8c%3aab", "00112233445566778899aabbccddeeff/9b8c:ab")
	dec("URIEncoding", "'+' and %20 are both a space", "a+b%20c", "a b c")
	dec("URIEncoding", "a raw '/' and ':' pass through (value sent unencoded)", ktorCookie3JSON, ktorCookie3JSON)
	dec("URIEncodingLegacy", "decoding is the same for both URI variants", "a-b.c_d~e%2D", "a-b.c_d~e-")
	dec("DQuotes", "quotes and surrounding whitespace removed", `  "a b"  `, "a b")
	dec("DQuotes", "a single quote character stays", `"`, `"`)
	dec("Raw", "surrounding quotes removed", `"abc"`, "abc")
	dec("Raw", "unquoted value as is, inner whitespace kept", " a b ", " a b ")

	bad := func(enc, dir, comment, s string) {
		if dir == "decode" {
			add(enc, dir, "invalid", comment, "", s)
		} else {
			add(enc, dir, "invalid", comment, s, "")
		}
	}
	bad("URIEncoding", "decode", "lone '%' (URLDecodeException)", "abc%")
	bad("URIEncoding", "decode", "'%' with one hex digit", "abc%4")
	bad("URIEncoding", "decode", "'%' with non-hex digits", "%G1")
	bad("URIEncodingLegacy", "decode", "'%' with a non-hex second digit", "%4z")
	bad("Base64Encoding", "decode", "missing padding", "YQ")
	bad("Base64Encoding", "decode", "non-zero padding bits (non-canonical)", "YR==")
	bad("Base64Encoding", "decode", "line break", "YWJj\nZGVm")
	bad("Base64Encoding", "decode", "URL-safe alphabet", "-_-_")
	bad("DQuotes", "encode", "a value containing '\"' cannot be encoded", `a"b`)
	bad("Raw", "encode", "space cannot be encoded raw", "a b")
	bad("Raw", "encode", "';' cannot be encoded raw", "a;b")
	bad("Raw", "encode", "',' cannot be encoded raw", "a,b")
	bad("Raw", "encode", "'\"' cannot be encoded raw", `a"b`)
	bad("Raw", "encode", "control character cannot be encoded raw", "a\x01b")
	return vectorFile[cookieVector]{
		Schema:    vectorSchema,
		Subject:   "CookieEncoding (encodeCookieValue / decodeCookieValue)",
		Spec:      "docs/ktor-format.md §5.3",
		Generator: "ktor/generate_test.go genCookieVectors",
		Notes: []string{
			"encoding is the Go constant: URIEncoding (Ktor >= 2.2.0), URIEncodingLegacy (Ktor <= 2.1.2), Base64Encoding, DQuotes, Raw",
			"direction both: encode(value) = encoded and decode(encoded) = value; decode or encode: only that direction, which must fail for an invalid case",
		},
		NumberOfTests: len(tests),
		Tests:         tests,
	}
}

// ---- reflection format ----

func genReflectionVectors() vectorFile[reflectionVector] {
	var tests []reflectionVector
	add := func(source, result, comment, text, js string) {
		tests = append(tests, reflectionVector{
			vectorCommon: vectorCommon{TcID: len(tests) + 1, Comment: comment, Source: source, Result: result},
			Text:         text, JSON: js,
		})
	}
	ktor := func(comment, text, js string) { add("ktor-test", "valid", comment, text, js) }
	valid := func(comment, text, js string) { add("spec", "valid", comment, text, js) }
	invalid := func(comment, text string) { add("spec", "invalid", comment, text, "") }

	ktor("TestUserSession(\"id2\", emptyList()): the plaintext of the §9 cookies",
		"cart=%23cl&userId=%23sid2", `{"cart":[],"userId":"id2"}`)
	ktor("kotlinx backward-compatible primitives, declaration order",
		"int=%23i1&string=%23s2&boolean=%23bot&double=%23f3.0&float=%23f4.0&long=%23l5&nullable=%23n&enum=%23sA",
		`{"boolean":true,"double":3.0,"enum":"A","float":4.0,"int":1,"long":5,"nullable":null,"string":"2"}`)
	ktor("kotlinx backward-compatible collections",
		"listS=%23cl%23s1%26%23s2&listE=%23cl%23sA%26%23sB&listI=%23cl%23i1%26%23i2&mapS=%23m%23skey1%3D%23s1%26%23skey2%3D%23s2&mapI=%23m%23skey1%3D%23i1%26%23skey2%3D%23i2",
		`{"listE":["A","B"],"listI":[1,2],"listS":["1","2"],"mapI":{"key1":1,"key2":2},"mapS":{"key1":"1","key2":"2"}}`)
	ktor("kotlinx backward-compatible nested object",
		"primitives=%23%23int%3D%2523i1%26string%3D%2523s2%26boolean%3D%2523bot%26double%3D%2523f3.0%26float%3D%2523f4.0%26long%3D%2523l5%26nullable%3D%2523n%26enum%3D%2523sA",
		`{"primitives":{"boolean":true,"double":3.0,"enum":"A","float":4.0,"int":1,"long":5,"nullable":null,"string":"2"}}`)
	ktor("Ktor 1.6.8 AutoSerializerTest: raw '#' accepted", "test=#i1&list=#cl%23sa%26%23sb%26%23sc",
		`{"list":["a","b","c"],"test":1}`)

	valid("Double in scientific notation", "d=%23f1.0E10", `{"d":1.0E10}`)
	valid("small Double", "d=%23f1.0E-5", `{"d":1.0E-5}`)
	valid("Double.MIN_VALUE", "d=%23f4.9E-324", `{"d":4.9E-324}`)
	valid("Double.MAX_VALUE", "d=%23f1.7976931348623157E308", `{"d":1.7976931348623157E308}`)
	valid("JDK <= 18 non-shortest form, shown shortest", "d=%23f0.0020", `{"d":0.002}`)
	valid("NaN and infinities are not JSON numbers: shown as strings", "a=%23fNaN&b=%23fInfinity&c=%23f-Infinity",
		`{"a":"NaN","b":"Infinity","c":"-Infinity"}`)
	valid("negative Long and Int", "i=%23i-2147483648&l=%23l-9223372036854775808", `{"i":-2147483648,"l":-9223372036854775808}`)
	valid("Set", "s=%23cs%23i1%26%23i2", `{"s":[1,2]}`)
	valid("Char, BigDecimal, BigInteger, Optional", "c=%23chx&d=%23bd1.50&i=%23bi-0012&o=%23op%23i3&e=%23om",
		`{"c":"x","d":1.50,"e":null,"i":-12,"o":3}`)
	valid("bare '#' is null", "n=%23", `{"n":null}`)
	valid("'+' in a value is a space", "s=%23sa+b%2Bc", `{"s":"a b+c"}`)
	valid("map with non-string keys", "m=%23m%23i1%3D%23bot%26%23bof%3D%23n", `{"m":{"1":true,"false":null}}`)
	valid("empty object", "", `{}`)

	invalid("value without '#'", "a=1")
	invalid("unknown type prefix", "a=%23x1")
	invalid("Int out of range", "a=%23i2147483648")
	invalid("hexadecimal Double (Java would accept)", "a=%23f0x1p3")
	invalid("malformed %-escape", "a=%23s%G0")
	invalid("pair without '='", "a=%23n&b")
	invalid("empty pair", "a=%23n&&b=%23n")
	invalid("duplicate property", "a=%23n&a=%23n")
	invalid("Ktor bug: list element containing '&' does not round-trip", "l=%23cl%23sa%26b")
	invalid("Ktor bug: map key containing '=' does not round-trip", "m=%23m%23sk%3D%3D%23sv")
	deep := "a=%23n"
	for range MaxReflectionDepth + 1 {
		deep = "a=" + strings.NewReplacer("%", "%25", "&", "%26", "=", "%3D", "#", "%23").Replace("##"+deep)
	}
	invalid(fmt.Sprintf("objects nested deeper than %d", MaxReflectionDepth), deep)
	invalid(fmt.Sprintf("more than %d properties", MaxReflectionItems), strings.Repeat("a=%23n&", MaxReflectionItems)+"a=%23n")
	return vectorFile[reflectionVector]{
		Schema:    vectorSchema,
		Subject:   "reflection session format (SessionSerializerReflection, KotlinxBackwardCompatibleSessionSerializer)",
		Spec:      "docs/ktor-format.md §7.2",
		Generator: "ktor/generate_test.go genReflectionVectors",
		Notes: []string{
			"json is text decoded to a generic value (objects and maps as objects, lists and sets as arrays, numbers as JSON numbers) and marshalled with sorted keys",
			"the ktor-test texts also round-trip through Go structs byte for byte: see TestReflectionKtorExamples",
		},
		NumberOfTests: len(tests),
		Tests:         tests,
	}
}
