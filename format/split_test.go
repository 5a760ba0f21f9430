package format_test

import (
	"slices"
	"testing"

	"github.com/sesstool/sesstool/format"
)

func TestSplit(t *testing.T) {
	const tag = "00000000000000000000000000000000000000000000000000000000000000ff"
	tests := []struct {
		in     string
		header string
		want   []format.Candidate
	}{
		{"AQAAAAEx", "", []format.Candidate{{Value: "AQAAAAEx"}}},
		{"Cookie: a=1; session=AQAAAAEx", "Cookie", []format.Candidate{{Name: "a", Value: "1"}, {Name: "session", Value: "AQAAAAEx"}}},
		{"set-cookie: s=AQAAAAEx; Path=/; HttpOnly", "Set-Cookie", []format.Candidate{{Name: "s", Value: "AQAAAAEx"}}},
		{"s=AQAAAAEx; Path=/", "Set-Cookie", []format.Candidate{{Name: "s", Value: "AQAAAAEx"}}},
		{"a=1; b=2", "Cookie", []format.Candidate{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}},
		{"user=%23sBob/" + tag, "", []format.Candidate{{Value: "user=%23sBob/" + tag}}}, // a Ktor cookie with '=' in its session
	}
	for _, tt := range tests {
		header, cs, err := format.Default().Split(tt.in)
		if err != nil || header != tt.header || !slices.Equal(cs, tt.want) {
			t.Errorf("Split(%q) = %q, %v, %v; want %q, %v", tt.in, header, cs, err, tt.header, tt.want)
		}
	}
}
