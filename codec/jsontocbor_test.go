package codec

import (
	"errors"
	"testing"
)

func TestJSONToCBOR(t *testing.T) {
	tests := []struct {
		in, back string // back: CBORToJSON of the result; "" for an error
		invalid  bool   // the error wraps ErrInvalid
	}{
		{in: `{"a":1,"b":[true,null,"x"],"c":1.5}`, back: `{"a":1,"b":[true,null,"x"],"c":1.5}`},
		{in: `18446744073709551615`, back: `18446744073709551615`},
		{in: `-9223372036854775808`, back: `-9223372036854775808`},
		{in: `123456789012345678901234567890`},
		{in: `1e400`},
		{in: `{`, invalid: true},
		{in: `1 2`, invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			out, err := JSONToCBOR([]byte(tt.in))
			if tt.back == "" {
				if err == nil {
					t.Fatalf("JSONToCBOR(%s) = %x, want an error", tt.in, out)
				}
				if errors.Is(err, ErrInvalid) != tt.invalid {
					t.Errorf("error %v: wraps ErrInvalid = %v, want %v", err, !tt.invalid, tt.invalid)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			js, err := CBORToJSON(out)
			if err != nil || string(js) != tt.back {
				t.Errorf("CBORToJSON(JSONToCBOR(%s)) = %s, %v; want %s", tt.in, js, err, tt.back)
			}
		})
	}
}
