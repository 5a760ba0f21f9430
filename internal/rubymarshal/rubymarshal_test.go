package rubymarshal_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/internal/rubymarshal"
)

// The inputs were written by Ruby 3.1.2's Marshal.dump (Debian bookworm's
// ruby3.1), hex-encoded.
func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name, hex, want string
	}{
		{"nil", "040830", `null`},
		{"true", "040854", `true`},
		{"false", "040846", `false`},
		{"zero", "04086900", `0`},
		{"small", "0408697f", `122`},
		{"negative", "04086980", `-123`},
		{"two bytes", "040869022c01", `300`},
		{"negative two bytes", "040869fed4fe", `-300`},
		{"2^31 is a Bignum", "04086c2b0700000080", `2147483648`},
		{"2^62", "04086c2b090000000000000040", `4611686018427387904`},
		{"2^70", "04086c2b0a00000000000000004000", `1180591620717411303424`},
		{"-2^70", "04086c2d0a00000000000000004000", `-1180591620717411303424`},
		{"float", "04086608312e35", `1.5`},
		{"negative float", "0408660a2d302e3235", `-0.25`},
		{"NaN", "040866086e616e", `"NaN"`},
		{"infinity", "04086608696e66", `"Infinity"`},
		{"UTF-8 string", "040849220b68c3a96c6c6f063a064554", `"héllo"`},
		{"US-ASCII string", "04084922076869063a064546", `"hi"`},
		{"binary string", "04082207ff00", "\"\ufffd\\u0000\""},
		{"Shift_JIS string", "0408492208616263063a0d656e636f64696e67220e53686966745f4a4953", `"abc"`},
		{"symbol", "04083a0c757365725f6964", `"user_id"`},
		{"UTF-8 symbol", "0408493a0a68c3a9c3a9063a064554", `"héé"`},
		{"array", "04085b0a690649220874776f063a0645543a0a7468726565305b0654", `[1,"two","three",null,[true]]`},
		{"hash with symbol, string and integer keys", "04087b0849220c757365725f6964063a064554692f3a0a666c6173687b064922086d7367063b00544922076869063b0054690c49220a736576656e063b0054",
			`{"user_id":42,"flash":{"msg":"hi"},"7":"seven"}`},
		{"object and symbol links", "04085b0949220b736861726564063a06455440063a06613b06", `["shared","shared","a","a"]`},
		{"a Rails session", "04087b0849220f73657373696f6e5f6964063a06455449220b616263313233063b00544922105f637372665f746f6b656e063b0054492208746f6b063b005449221977617264656e2e757365722e757365722e6b6579063b00545b075b06690649220d2432612473616c74063b0054",
			`{"session_id":"abc123","_csrf_token":"tok","warden.user.user.key":[[1],"$2a$salt"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, _ := hex.DecodeString(tt.hex)
			v, err := rubymarshal.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rubymarshal.JSON(v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JSON = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestRefused: every kind of Marshal data that is not plain data is
// refused with an *UnsupportedError naming its type byte (inputs from Ruby
// 3.1.2, but the last ones, written by hand).
func TestRefused(t *testing.T) {
	tests := []struct {
		name, hex string
		typ       byte
	}{
		{"object", "04086f3a08466f6f063a0740786906", 'o'},
		{"Struct", "0408533a084f626a063a06616906", 'S'},
		{"String subclass", "040849433a0a4d79537472220678063a064554", 'C'},
		{"Regexp", "0408492f07616200063a064546", '/'},
		{"Class", "0408630b537472696e67", 'c'},
		{"Module", "04086d0b4b65726e656c", 'm'},
		{"Hash with a default", "04087d0649220661063a0645546906690a", '}'},
		{"Time (_dump)", "040849753a0954696d650d208011c000000000063a097a6f6e65492208555443063a064546", 'u'},
		{"Set (an object)", "04086f3a08536574063a0a40686173687d0669065446", 'o'},
		{"Range (an object)", "04086f3a0a52616e6765083a096578636c463a0a626567696e69063a08656e646907", 'o'},
		{"string with an instance variable", "040849220678073a0645543a0940666f6f6906", 'I'},
		{"extended", "0408653a064d220678", 'e'},
		{"marshal_dump", "0408553a064d5b00", 'U'},
		{"data", "0408643a064d5b00", 'd'},
		{"object inside an array", "04085b066f3a08466f6f00", 'o'},
		{"object inside a hash value", "04087b06693b6f3a08466f6f00", 'o'},
		{"unknown type byte", "040878", 'x'},
		{"instance variables on an array", "0408495b0000", 'I'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, _ := hex.DecodeString(tt.hex)
			_, err := rubymarshal.Decode(data)
			ue, ok := errors.AsType[*rubymarshal.UnsupportedError](err)
			if !ok || !errors.Is(err, rubymarshal.ErrUnsupported) {
				t.Fatalf("err = %v, want an *UnsupportedError", err)
			}
			if ue.Type != tt.typ || !strings.Contains(err.Error(), "'"+string(tt.typ)+"'") {
				t.Errorf("type byte %q (%v), want %q", ue.Type, err, tt.typ)
			}
		})
	}
}

func TestMalformedAndLimits(t *testing.T) {
	deep := []byte{4, 8}
	for range rubymarshal.MaxDepth + 2 {
		deep = append(deep, '[', 6)
	}
	deep = append(deep, '0')
	// 20 levels of [x, x], each x a link to the level below: 2^20 nodes
	// when rendered, from 100 bytes.
	bomb := []byte{4, 8}
	for range 20 {
		bomb = append(bomb, '[', 7)
	}
	bomb = append(bomb, '"', 6, 'x')
	for i := 20; i >= 1; i-- { // level i-1 is object i-1; "x" is object 20
		bomb = append(bomb, '@', byte(i+5))
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, rubymarshal.ErrMalformed},
		{"Marshal 4.7", []byte{4, 7, '0'}, rubymarshal.ErrMalformed},
		{"truncated string", []byte{4, 8, '"', 10, 'a'}, rubymarshal.ErrMalformed},
		{"array longer than the data", []byte{4, 8, '[', 2, 0xff, 0xff, 0x7f}, rubymarshal.ErrMalformed},
		{"negative length", []byte{4, 8, '"', 0xfa}, rubymarshal.ErrMalformed},
		{"trailing bytes", []byte{4, 8, '0', '0'}, rubymarshal.ErrMalformed},
		{"bad symbol link", []byte{4, 8, ';', 6}, rubymarshal.ErrMalformed},
		{"bad object link", []byte{4, 8, '@', 6}, rubymarshal.ErrMalformed},
		{"cycle", []byte{4, 8, '[', 6, '@', 0}, rubymarshal.ErrUnsupported},
		{"too deep", deep, rubymarshal.ErrLimit},
		{"huge Bignum", append([]byte{4, 8, 'l', '+', 1, 200}, make([]byte, 400)...), rubymarshal.ErrLimit},
		{"bad Bignum sign", []byte{4, 8, 'l', '*', 0}, rubymarshal.ErrMalformed},
		{"bad float", []byte{4, 8, 'f', 6, 'x'}, rubymarshal.ErrMalformed},
		{"E not a boolean", []byte{4, 8, 'I', '"', 6, 'x', 6, ':', 6, 'E', 'i', 0}, rubymarshal.ErrMalformed},
		{"shared-value bomb", bomb, rubymarshal.ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := rubymarshal.Decode(tt.data)
			if err == nil {
				_, err = rubymarshal.JSON(v)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestJSONKeys(t *testing.T) {
	tests := []struct {
		name, hex string
	}{
		// {:a => 1, "a" => 2}
		{"symbol and string alike", "04087b073a0661690649220661063a0645546907"},
		// {[1] => 1}
		{"array key", "04087b065b0669066906"},
		// {nil => 1}
		{"nil key", "04087b06306906"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, _ := hex.DecodeString(tt.hex)
			v, err := rubymarshal.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rubymarshal.JSON(v); !errors.Is(err, rubymarshal.ErrJSON) {
				t.Errorf("err = %v, want ErrJSON", err)
			}
		})
	}
}

func FuzzRubyMarshal(f *testing.F) {
	for _, s := range []string{"040830", "04087b0849220c757365725f6964063a064554692f3a0a666c6173687b064922086d7367063b00544922076869063b0054690c49220a736576656e063b0054",
		"04085b0949220b736861726564063a06455440063a06613b06", "04086f3a08466f6f063a0740786906", "04086c2b0a00000000000000004000", "04086608312e35"} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := rubymarshal.Decode(data)
		if err != nil {
			if !errors.Is(err, rubymarshal.ErrMalformed) && !errors.Is(err, rubymarshal.ErrUnsupported) && !errors.Is(err, rubymarshal.ErrLimit) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		js, err := rubymarshal.JSON(v)
		if err != nil {
			if !errors.Is(err, rubymarshal.ErrJSON) && !errors.Is(err, rubymarshal.ErrLimit) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(js) == 0 || bytes.Contains(js, []byte("\n")) {
			t.Fatalf("JSON %q", js)
		}
	})
}
