package bench

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// TestWorkload pins the workload value's encodings, which WORKLOAD.md
// states: 142 bytes from encoding/json and 90 from fxamacker/cbor.
func TestWorkload(t *testing.T) {
	j, err := json.Marshal(&Value)
	if err != nil {
		t.Fatal(err)
	}
	if len(j) != 142 {
		t.Errorf("JSON encoding is %d bytes, want 142: %s", len(j), j)
	}
	c, err := cbor.Marshal(&Value)
	if err != nil {
		t.Fatal(err)
	}
	if len(c) != 90 {
		t.Errorf("CBOR encoding is %d bytes, want 90", len(c))
	}
	if len(Message) != 120 {
		t.Errorf("the primitives' message is %d bytes, want 120", len(Message))
	}
	if len(Key1) != 32 || len(Key2) != 32 || string(Key1) == string(Key2) {
		t.Error("Key1 and Key2 must be two different 32-byte keys")
	}
}

var nameRE = regexp.MustCompile(`^[a-z0-9-]+$`)

// TestSystems checks, for every system, that Open gives back the workload
// value (also into a reused destination holding another session), and that
// it rejects tampered, truncated and (where the format has an expiry)
// expired tokens: no system is benchmarked doing less than it claims.
func TestSystems(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Systems() {
		if !nameRE.MatchString(s.Name) || seen[s.Name] {
			t.Errorf("system name %q must be unique and match %v", s.Name, nameRE)
		}
		seen[s.Name] = true
		t.Run(s.Name, func(t *testing.T) {
			tok, err := s.Mint()
			if err != nil {
				t.Fatalf("Mint: %v", err)
			}
			t.Logf("%d-character token", len(tok))
			var got Session
			if err := s.Open(tok, &got); err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !reflect.DeepEqual(got, Value) {
				t.Fatalf("Open gave %+v, want %+v", got, Value)
			}
			// A reused destination: every field is overwritten.
			other := Session{UserID: "x", Name: "y", Roles: []string{"a", "b", "c", "d"}, CSRF: "z", Created: 1}
			if err := s.Open(tok, &other); err != nil {
				t.Fatalf("Open into a used destination: %v", err)
			}
			if !reflect.DeepEqual(other, Value) {
				t.Fatalf("Open into a used destination gave %+v, want %+v", other, Value)
			}
			// Two mints differ wherever the format is randomized or
			// time-stamped; at least none of them may fail.
			if _, err := s.Mint(); err != nil {
				t.Fatalf("second Mint: %v", err)
			}

			for _, i := range tamperPositions(tok) {
				bad := []byte(tok)
				bad[i] = substitute(bad[i])
				var dst Session
				if err := s.Open(string(bad), &dst); err == nil {
					t.Errorf("Open accepted the token with character %d changed from %q to %q", i, tok[i], bad[i])
				}
			}
			var dst Session
			if err := s.Open(tok[:len(tok)*2/3], &dst); err == nil {
				t.Error("Open accepted a truncated token")
			}
			if err := s.Open("", &dst); err == nil {
				t.Error("Open accepted an empty token")
			}

			if s.MintExpired == nil {
				return
			}
			old, err := s.MintExpired()
			if err != nil {
				t.Fatalf("MintExpired: %v", err)
			}
			if err := s.Open(old, &dst); err == nil {
				t.Error("Open accepted an expired token")
			}
		})
	}
}

// tamperPositions spreads a few positions over the token, avoiding its last
// character, whose low bits an unpadded base64 decoder may ignore.
func tamperPositions(tok string) []int {
	var ps []int
	for _, f := range []int{0, 1, 5, 10, 25, 40, 50, 60, 75, 90} {
		if i := (len(tok) - 2) * f / 100; len(ps) == 0 || ps[len(ps)-1] != i {
			ps = append(ps, i)
		}
	}
	return ps
}

// substitute returns another base64url character for c, so that the token
// still decodes (where c is one) but to different bytes.
func substitute(c byte) byte {
	if c == 'A' {
		return 'B'
	}
	return 'A'
}

// TestPrimitives checks that every primitive verifies what it sealed and
// rejects it after one bit is flipped.
func TestPrimitives(t *testing.T) {
	for _, p := range Primitives() {
		t.Run(p.Name, func(t *testing.T) {
			if !nameRE.MatchString(p.Name) {
				t.Errorf("name %q must match %v", p.Name, nameRE)
			}
			if err := p.Open(); err != nil {
				t.Fatalf("Open: %v", err)
			}
			p.Tamper()
			if err := p.Open(); err == nil {
				t.Fatal("Open accepted a tampered message")
			}
			p.Seal()
			if err := p.Open(); err != nil {
				t.Fatalf("Open after resealing: %v", err)
			}
		})
	}
}
