package codec_test

import (
	"errors"
	"fmt"

	"github.com/sesstool/sesstool/codec"
)

type Session struct {
	UserID  string   `json:"uid"     cbor:"1,keyasint"`
	Name    string   `json:"name"    cbor:"2,keyasint"`
	Roles   []string `json:"roles"   cbor:"3,keyasint"`
	CSRF    string   `json:"csrf"    cbor:"4,keyasint"`
	Created int64    `json:"created" cbor:"5,keyasint"`
}

func Example() {
	in := Session{UserID: "u_1", Name: "Alice", Roles: []string{"admin"}, CSRF: "x", Created: 1764115200}
	for _, c := range []codec.Codec{codec.JSON(), codec.CBOR()} {
		data, err := c.Marshal(in)
		if err != nil {
			panic(err)
		}
		var out Session
		if err := c.Unmarshal(data, &out); err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d bytes, %+v\n", c.Name(), len(data), out)
	}
	// Output:
	// json: 78 bytes, {UserID:u_1 Name:Alice Roles:[admin] CSRF:x Created:1764115200}
	// cbor: 30 bytes, {UserID:u_1 Name:Alice Roles:[admin] CSRF:x Created:1764115200}
}

func ExampleJSON() {
	data, err := codec.JSON().Marshal(Session{UserID: "u_1", Name: "<Alice>"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", data)

	var s Session
	err = codec.JSON().Unmarshal([]byte(`{"uid":"u_1","uid":"u_2"}`), &s)
	fmt.Println(errors.Is(err, codec.ErrInvalid), err)
	// Output:
	// {"uid":"u_1","name":"<Alice>","roles":null,"csrf":"","created":0}
	// true codec: invalid input: json: duplicate object key at offset 13
}

func ExampleCBOR() {
	data, err := codec.CBOR().Marshal(Session{UserID: "u_1", Roles: []string{"admin"}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", data)

	var s Session
	if err := codec.CBOR().Unmarshal(data, &s); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", s)

	err = codec.CBOR().Unmarshal(append(data, 0), &s)
	fmt.Println(errors.Is(err, codec.ErrInvalid))
	// Output:
	// a50163755f31026003816561646d696e04600500
	// {UserID:u_1 Name: Roles:[admin] CSRF: Created:0}
	// true
}

func ExampleCBORToJSON() {
	data, err := codec.CBOR().Marshal(Session{UserID: "u_1", Roles: []string{"admin"}, Created: 1764115200})
	if err != nil {
		panic(err)
	}
	js, err := codec.CBORToJSON(data)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", js)

	js, err = codec.CBORToJSON([]byte{0xa1, 0x41, 0xfb, 0x40}) // {h'fb': h''}
	fmt.Printf("%s %v\n", js, err)
	// Output:
	// {"1":"u_1","2":"","3":["admin"],"4":"","5":1764115200}
	// {"-w":""} <nil>
}

func ExampleByName() {
	c, err := codec.ByName("cbor")
	fmt.Println(c.Name(), err)

	_, err = codec.ByName("gob")
	fmt.Println(errors.Is(err, codec.ErrUnknownCodec), err)
	// Output:
	// cbor <nil>
	// true codec: unknown codec "gob" (valid names: cbor, json)
}

func ExampleValidate() {
	for _, in := range []string{
		`{"uid":"u_1","roles":["admin"]}`,
		`{"uid":"u_1","uid":"u_2"}`,
	} {
		err := codec.Validate(codec.JSON(), []byte(in))
		fmt.Printf("%s: %v\n", in, err)
	}
	// Output:
	// {"uid":"u_1","roles":["admin"]}: <nil>
	// {"uid":"u_1","uid":"u_2"}: codec: invalid input: json: duplicate object key at offset 13
}

// A deploy removed the "theme" field from the session type: data written
// before it still decodes with the IgnoreUnknownFields variant, which keeps
// every other rule.
func ExampleIgnoreUnknownFields() {
	lenient, err := codec.IgnoreUnknownFields(codec.JSON())
	if err != nil {
		panic(err)
	}
	old := []byte(`{"uid":"u_1","theme":"dark"}`)

	var s Session
	err = codec.JSON().Unmarshal(old, &s)
	fmt.Println("strict:", err)

	err = lenient.Unmarshal(old, &s)
	fmt.Printf("lenient: %v %+v\n", err, s)

	err = lenient.Unmarshal([]byte(`{"uid":"u_1","theme":"dark","theme":"light"}`), &s)
	fmt.Println("lenient:", err)
	// Output:
	// strict: codec: invalid input: json: unknown field "theme" at offset 13
	// lenient: <nil> {UserID:u_1 Name: Roles:[] CSRF: Created:0}
	// lenient: codec: invalid input: json: duplicate object key at offset 28
}
