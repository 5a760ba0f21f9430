package testvectors

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	stages     = []string{"success", "size", "encoding", "header", "key", "authentication", "envelope", "validity", "payload"}
	errorKinds = []string{"invalid", "expired", "not-yet-valid"}
	codecs     = []string{"json", "cbor", "raw"}
)

// TestLintTokenFiles checks the committed token vector files against the
// schema's rules: one file per algorithm, unique tcIds, a correct
// numberOfTests, declared flags, known results, stages and error kinds,
// the fields each kind of test needs, and every stage covered.
func TestLintTokenFiles(t *testing.T) {
	names, err := fs.Glob(FS, "testdata/v1_*.json")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, a := range algorithms {
		want = append(want, "testdata/v1_"+a+".json")
	}
	if !slices.Equal(names, want) {
		t.Errorf("token vector files = %q; want %q", names, want)
	}
	for _, path := range names {
		name := strings.TrimPrefix(path, "testdata/")
		t.Run(name, func(t *testing.T) {
			f, err := Load(name)
			if err != nil {
				t.Fatal(err)
			}
			lintTokenFile(t, name, f)
		})
	}
}

func lintTokenFile(t *testing.T, name string, f *File) {
	if name != "v1_"+f.Algorithm+".json" {
		t.Errorf("algorithm %q does not match the file name", f.Algorithm)
	}
	lintNotes(t, f.Notes)
	ids := map[int]bool{}
	used := map[string]bool{}
	covered := map[string]int{}
	n := 0
	for gi, g := range f.TestGroups {
		lintGroup(t, gi, &g)
		comments := map[string]bool{}
		for _, tc := range g.Tests {
			n++
			if tc.TcID <= 0 || ids[tc.TcID] {
				t.Errorf("tcId %d is not positive or not unique", tc.TcID)
			}
			ids[tc.TcID] = true
			if tc.Comment == "" || comments[tc.Comment] {
				t.Errorf("#%d: comment %q is empty or repeated in its group", tc.TcID, tc.Comment)
			}
			comments[tc.Comment] = true
			if tc.Flags == nil {
				t.Errorf("#%d: flags must be a list, possibly empty", tc.TcID)
			}
			for _, fl := range tc.Flags {
				used[fl] = true
				if _, ok := f.Notes[fl]; !ok {
					t.Errorf("#%d: flag %q is not declared in notes", tc.TcID, fl)
				}
			}
			covered[tc.Expect]++
			lintTest(t, &g, &tc)
		}
	}
	if n != f.NumberOfTests {
		t.Errorf("numberOfTests = %d; the file holds %d tests", f.NumberOfTests, n)
	}
	for fl := range f.Notes {
		if !used[fl] {
			t.Errorf("note %q is declared but no test uses it", fl)
		}
	}
	for _, s := range stages {
		if covered[s] == 0 {
			t.Errorf("no test expects %q", s)
		}
	}
}

func lintNotes(t *testing.T, notes map[string]Note) {
	for fl, n := range notes {
		if !slices.Contains(bugTypes, n.BugType) || n.Description == "" {
			t.Errorf("note %q: bugType %q unknown or description empty", fl, n.BugType)
		}
	}
}

func lintGroup(t *testing.T, gi int, g *Group) {
	if g.Comment == "" || !slices.Contains(codecs, g.Codec) || g.Now.IsZero() ||
		g.Leeway < 0 || g.MaxTTL < Duration(time.Second) || g.MaxTokenSize <= 0 || len(g.Tests) == 0 {
		t.Errorf("group %d: comment %q, codec %q, now %v, leeway %v, maxTTL %v, maxTokenSize %d, %d tests: want a comment, a known codec and sane limits",
			gi, g.Comment, g.Codec, g.Now, time.Duration(g.Leeway), time.Duration(g.MaxTTL), g.MaxTokenSize, len(g.Tests))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(g.Keyring, &obj); err != nil || obj["format"] == nil {
		t.Errorf("group %d: keyring is not a keyring file object: %v", gi, err)
	}
}

func lintTest(t *testing.T, g *Group, tc *Test) {
	id := tc.TcID
	if !slices.Contains(stages, tc.Expect) {
		t.Errorf("#%d: unknown expect %q", id, tc.Expect)
	}
	switch tc.Result {
	case Valid:
		if tc.Expect != "success" || tc.Error != "" {
			t.Errorf("#%d: valid test with expect %q, error %q; want success and no error", id, tc.Expect, tc.Error)
		}
		if tc.Payload == nil || tc.KeyID == "" || tc.IssuedAt.IsZero() || tc.ExpiresAt.IsZero() {
			t.Errorf("#%d: valid test without its payload, key ID or times", id)
		}
	case Invalid:
		if tc.Expect == "success" || !slices.Contains(errorKinds, tc.Error) {
			t.Errorf("#%d: invalid test with expect %q, error %q", id, tc.Expect, tc.Error)
		}
		if (tc.Error != "invalid") != (tc.Expect == "validity") {
			t.Errorf("#%d: error %q at stage %q: only the validity stage reports expired or not-yet-valid, and always does", id, tc.Error, tc.Expect)
		}
		if tc.Payload != nil || tc.PayloadJSON != nil {
			t.Errorf("#%d: invalid test with a payload", id)
		}
	default:
		t.Errorf("#%d: unknown result %q", id, tc.Result)
	}
	if tc.Expect == "payload" && g.Codec == "raw" {
		t.Errorf("#%d: expect payload in a raw group, whose payloads are not decoded", id)
	}
	hasTimes := !tc.IssuedAt.IsZero() || !tc.ExpiresAt.IsZero() || !tc.NotBefore.IsZero()
	if wantTimes := tc.Expect == "success" || tc.Expect == "validity" || tc.Expect == "payload"; hasTimes != wantTimes {
		t.Errorf("#%d: times present = %v at stage %q; want them exactly for success, validity and payload", id, hasTimes, tc.Expect)
	}
	if tc.PayloadJSON != nil {
		var buf bytes.Buffer
		if err := json.Compact(&buf, tc.PayloadJSON); err != nil || !bytes.Equal(buf.Bytes(), tc.Payload) || g.Codec != "json" {
			t.Errorf("#%d: payloadJSON does not compact to payload, or the group is not json: %v", id, err)
		}
	} else if tc.Result == Valid && g.Codec == "json" {
		t.Errorf("#%d: valid JSON test without payloadJSON", id)
	}
	if len(tc.Token) > g.MaxTokenSize && tc.Expect != "size" {
		t.Errorf("#%d: token of %d characters over maxTokenSize %d expects %q; want size", id, len(tc.Token), g.MaxTokenSize, tc.Expect)
	}
}

// TestLintKeyringFiles checks keyring_files.json against its schema.
func TestLintKeyringFiles(t *testing.T) {
	f, err := LoadKeyringFiles()
	if err != nil {
		t.Fatal(err)
	}
	lintNotes(t, f.Notes)
	if f.NumberOfTests != len(f.Tests) {
		t.Errorf("numberOfTests = %d; the file holds %d tests", f.NumberOfTests, len(f.Tests))
	}
	ids, comments, used := map[int]bool{}, map[string]bool{}, map[string]bool{}
	results := map[string]int{}
	for _, tc := range f.Tests {
		if tc.TcID <= 0 || ids[tc.TcID] || tc.Comment == "" || comments[tc.Comment] || tc.Flags == nil {
			t.Errorf("#%d: tcId, comment %q or flags missing or repeated", tc.TcID, tc.Comment)
		}
		ids[tc.TcID], comments[tc.Comment] = true, true
		for _, fl := range tc.Flags {
			used[fl] = true
			if _, ok := f.Notes[fl]; !ok {
				t.Errorf("#%d: flag %q is not declared in notes", tc.TcID, fl)
			}
		}
		results[tc.Result]++
		switch tc.Result {
		case Valid:
			if len(tc.Keys) == 0 {
				t.Errorf("#%d: valid file without its key list", tc.TcID)
			}
		case Invalid:
			if tc.Keys != nil {
				t.Errorf("#%d: invalid file with a key list", tc.TcID)
			}
		default:
			t.Errorf("#%d: unknown result %q", tc.TcID, tc.Result)
		}
	}
	for fl := range f.Notes {
		if !used[fl] {
			t.Errorf("note %q is declared but no test uses it", fl)
		}
	}
	if results[Valid] == 0 || results[Invalid] == 0 {
		t.Errorf("results = %v; want valid and invalid files", results)
	}
}

// TestLoadStrict checks that Load rejects what the schema does not define.
func TestLoadStrict(t *testing.T) {
	if _, err := Load("keyring_files.json"); err == nil {
		t.Error(`Load("keyring_files.json") succeeded; want an error for another schema's fields`)
	}
	if _, err := Load("v1_nonexistent.json"); err == nil {
		t.Error(`Load("v1_nonexistent.json") succeeded; want an error`)
	}
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{{"0s", 0}, {"2s", 2 * time.Second}, {"90m", 90 * time.Minute}, {"24h", 24 * time.Hour}} {
		var d Duration
		if err := d.UnmarshalText([]byte(tc.in)); err != nil || time.Duration(d) != tc.want {
			t.Errorf("Duration.UnmarshalText(%q) = %v, %v; want %v", tc.in, time.Duration(d), err, tc.want)
		}
		if out, err := d.MarshalText(); err != nil || string(out) != tc.in {
			t.Errorf("Duration(%v).MarshalText() = %q, %v; want %q", tc.want, out, err, tc.in)
		}
	}
	var h HexBytes
	if err := h.UnmarshalText([]byte("")); err != nil || h == nil || len(h) != 0 {
		t.Errorf(`HexBytes.UnmarshalText("") = %#v, %v; want an empty, non-nil slice`, h, err)
	}
	if err := h.UnmarshalText([]byte("AB")); err == nil {
		t.Error(`HexBytes.UnmarshalText("AB") succeeded; want an error for upper-case hex`)
	}
}
