package ktor_test

import (
	"encoding/hex"
	"fmt"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/transform"
)

// LoginSession is the Go side of the Kotlin class
// data class LoginSession(val username: String, val count: Int).
type LoginSession struct {
	Username string `json:"username"`
	Count    int32  `json:"count"`
}

// Reading and writing a signed session cookie of Ktor 3.x, configured as
// cookie<LoginSession>("LOGIN_SESSION") {
// transform(SessionTransportTransformerMessageAuthentication(key)) }.
func ExampleNewMessageAuthentication() {
	key, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f") // i.e. NOT this: use a random 32-byte key
	mac, err := ktor.NewMessageAuthentication(key, transform.SHA256)
	if err != nil {
		panic(err)
	}

	// Write: serialize, sign, cookie-encode.
	payload, _ := ktor.KotlinxJSON().Marshal(LoginSession{Username: "john", Count: 1})
	value, _ := ktor.EncodeCookieValue(string(mac.Write(nil, payload)), ktor.URIEncoding)
	fmt.Println("LOGIN_SESSION=" + value)

	// Read: cookie-decode, verify, deserialize.
	signed, _ := ktor.DecodeCookieValue(value, ktor.URIEncoding)
	verified, err := mac.Read(nil, []byte(signed))
	if err != nil {
		fmt.Println("no session:", err)
		return
	}
	var s LoginSession
	if err := ktor.KotlinxJSON().Unmarshal(verified, &s); err != nil {
		fmt.Println("no session:", err)
		return
	}
	fmt.Printf("%+v\n", s)

	// A tampered cookie is no session.
	_, err = mac.Read(nil, []byte(`{"username":"admin","count":1}`+signed[len(payload):]))
	fmt.Println(err)
	// Output:
	// LOGIN_SESSION=%7B%22username%22%3A%22john%22%2C%22count%22%3A1%7D%2F0b27b23e1876a8277c6087a7c741c12b973997d13dcc70bc052f7651bf6203ce
	// {Username:john Count:1}
	// ktor: signed value failed authentication: transform: invalid input
}

// Reproducing the 3.x cookie of Ktor's own SessionTestJvm.kt (docs/ktor-format.md §9)
// with its keys and forced IV. Real code leaves EncryptOptions.IV nil.
func ExampleNewEncrypt() {
	encKey, _ := hex.DecodeString("00112233445566778899aabbccddeeff")
	signKey, _ := hex.DecodeString("02030405060708090a0b0c")
	iv, _ := hex.DecodeString("00112233445566778899aabbccddeeff")
	enc, err := ktor.NewEncrypt(encKey, signKey, &ktor.EncryptOptions{
		IV: func(dst []byte) { copy(dst, iv) }, // test only: an IV must be random
	})
	if err != nil {
		panic(err)
	}
	type TestUserSession struct {
		UserID string   `json:"userId"`
		Cart   []string `json:"cart"`
	}
	payload, _ := ktor.KotlinxJSON().Marshal(TestUserSession{UserID: "id2"})
	cookie := enc.Write(nil, payload)
	fmt.Printf("%s\n%s\n", payload, cookie)

	plain, err := enc.Read(nil, cookie)
	fmt.Printf("%s %v\n", plain, err)
	// Output:
	// {"userId":"id2","cart":[]}
	// 00112233445566778899aabbccddeeff/9b8cf9900ff0f63849cb7a2ad71ed8a1ac9f0e2735492d2a5129cf278d70ab27:40af9f393a00034b53d2267251047259005bdf5ff104eede599149e80e6fee13
	// {"userId":"id2","cart":[]} <nil>
}

// The configuration to use when Ktor interoperability allows it: encrypt,
// then sign the whole encrypted value, so that the IV is authenticated
// too. In Ktor: transform(SessionTransportTransformerEncrypt(encKey,
// signKey)); transform(SessionTransportTransformerMessageAuthentication(macKey)).
func ExampleNewEncrypt_chain() {
	encKey := make([]byte, 16)  // i.e. NOT these: use random keys,
	signKey := make([]byte, 32) // a different one for each use
	macKey := make([]byte, 32)
	macKey[0] = 1
	enc, _ := ktor.NewEncrypt(encKey, signKey, nil)
	mac, _ := ktor.NewMessageAuthentication(macKey, transform.SHA256)
	tr := transform.Chain(enc, mac)

	cookie := tr.Write(nil, []byte(`{"username":"john","count":1}`))
	cookie[0] ^= 1 // flip a bit of the IV
	_, err := tr.Read(nil, cookie)
	fmt.Println(err)
	// Output:
	// ktor: signed value failed authentication: transform: invalid input
}

// The reflection format of Ktor 1.x and 2.x.
func ExampleReflection() {
	out, _ := ktor.Reflection().Marshal(LoginSession{Username: "john", Count: 1})
	fmt.Println(string(out))

	var generic any
	_ = ktor.Reflection().Unmarshal([]byte("cart=%23cl&userId=%23sid2"), &generic)
	fmt.Println(generic)
	// Output:
	// count=%23i1&username=%23sjohn
	// map[cart:[] userId:id2]
}

// Looking at a cookie without its key. Nothing Inspect returns is
// verified.
func ExampleInspect() {
	info, err := ktor.Inspect("00112233445566778899aabbccddeeff%2F9b8cf9900ff0f63849cb7a2ad71ed8a1ac9f0e2735492d2a5129cf278d70ab27%3A40af9f393a00034b53d2267251047259005bdf5ff104eede599149e80e6fee13")
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Kind, ktor.JCEName(info.Hash), info.IV, info.CiphertextLen)

	info, _ = ktor.Inspect("count=%23i1&username=%23sjohn/" + "4e7fe2ad394a41b909c6e4eba09489db0f9fafa2421dfb0c15da6ea129ae48d8")
	fmt.Println(info.Kind, info.Format, info.Data, "(UNVERIFIED)")
	// Output:
	// encrypted HmacSHA256 00112233445566778899aabbccddeeff 32
	// signed ktor-reflection map[count:1 username:john] (UNVERIFIED)
}

// Cookie value encodings: URI_ENCODING as written since Ktor 2.2.0 and up
// to 2.1.2.
func ExampleEncodeCookieValue() {
	for _, e := range []ktor.CookieEncoding{ktor.URIEncoding, ktor.URIEncodingLegacy, ktor.Base64Encoding} {
		v, _ := ktor.EncodeCookieValue("id_2/a b", e)
		fmt.Println(e, v)
	}
	// Output:
	// URI_ENCODING id_2%2Fa+b
	// URI_ENCODING id%5F2%2Fa+b
	// BASE64_ENCODING aWRfMi9hIGI=
}

// Building the session text from JSON, when there is no Go struct for the
// session class: kotlinx JSON keeps the keys in the order given, the
// reflection format sorts them and picks type prefixes from the values.
func ExampleSessionFromJSON() {
	in := []byte(`{"userId":"id2","cart":[]}`)
	for _, c := range []codec.Codec{ktor.KotlinxJSON(), ktor.Reflection()} {
		text, err := ktor.SessionFromJSON(c, in)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %s\n", c.Name(), text)
	}
	// Output:
	// kotlinx-json: {"userId":"id2","cart":[]}
	// ktor-reflection: cart=%23cl&userId=%23sid2
}
