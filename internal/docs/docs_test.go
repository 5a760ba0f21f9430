package docs

import (
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository root, from this package's directory.
const root = "../.."

// exampleSources returns the text of every example in the module: the
// example programs (examples/*/main.go) and the example test files, each
// also with one tab of indentation removed from every line, so that a
// snippet may quote the body of a function.
func exampleSources(t *testing.T) map[string]string {
	t.Helper()
	srcs := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "bench" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		isProgram := strings.HasPrefix(filepath.ToSlash(rel), "examples/") && d.Name() == "main.go"
		if d.IsDir() || !(isProgram || strings.HasSuffix(d.Name(), "example_test.go")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		srcs[rel] = string(b)
		srcs[rel+" (dedented)"] = regexp.MustCompile(`(?m)^\t`).ReplaceAllString(string(b), "")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return srcs
}

// goBlocks returns the ```go blocks of a Markdown text, without fences.
func goBlocks(md string) []string {
	var blocks []string
	for _, m := range regexp.MustCompile("(?ms)^```go\n(.*?)^```$").FindAllStringSubmatch(md, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// TestREADMEGoSnippetsAreExamples: every Go snippet of README.md appears
// verbatim in an example program or example test, which go vet compiles
// and go test runs. Before, the quick start did not compile (no time
// import, no LoginSession type) and ignored its errors.
func TestREADMEGoSnippetsAreExamples(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(md))
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go blocks: the extraction is broken")
	}
	srcs := exampleSources(t)
	for _, b := range blocks {
		found := false
		for _, src := range srcs {
			if strings.Contains(src, b) {
				found = true
				break
			}
		}
		if !found {
			first, _, _ := strings.Cut(b, "\n")
			t.Errorf("README.md's Go snippet starting %q is not quoted verbatim from any example (examples/*/main.go, *example_test.go): copy it from the example, or change the example", first)
		}
	}
}

// TestSecurityNonceFigures recomputes SECURITY.md's per-suite limits.
// Before, it said that 2^32 tokens at 1,000 a second take 136 years.
func TestSecurityNonceFigures(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "SECURITY.md"))
	if err != nil {
		t.Fatal(err)
	}
	md := strings.Join(strings.Fields(string(b)), " ") // as if on one line
	const year = 365.25 * 24 * 3600
	limit96 := math.Exp2(32) // tokens per key, 96-bit random nonces
	limit192 := math.Exp2(80)
	// The chance of a repeated nonce after q tokens, q²/2^(bits+1), is
	// the same 2^-33 at both limits.
	for _, c := range []struct{ q, bits float64 }{{limit96, 96}, {limit192, 192}} {
		if p := math.Log2(c.q * c.q / math.Exp2(c.bits+1)); math.Abs(p+33) > 1e-9 {
			t.Fatalf("collision chance at the %v-bit limit is 2^%v; want 2^-33", c.bits, p)
		}
	}
	want := []string{
		"2^32 (4,294,967,296)",
		fmt.Sprintf("%.1f days", limit96/1e3/86400),                                        // at 1,000/s: 49.7
		fmt.Sprintf("%.1f minutes", limit96/1e6/60),                                        // at 1,000,000/s: 71.6
		fmt.Sprintf("%.0f trillion years", limit192/1e3/year/1e12),                         // 38
		fmt.Sprintf("%.0f billion years", limit192/1e6/year/1e9),                           // 38
		fmt.Sprintf("monthly at 1,000 tokens/s uses %.0f%%", 30*86400*1e3/limit96*100),     // 60
		fmt.Sprintf("every 30 minutes at 1,000,000 tokens/s %.0f%%", 1800*1e6/limit96*100), // 42
		"which is 2^-33 at q = 2^32",
	}
	for _, w := range want {
		if !strings.Contains(md, w) {
			t.Errorf("SECURITY.md does not say %q", w)
		}
	}
	if strings.Contains(md, "2^32 is 136 years") {
		t.Error("SECURITY.md still says 2^32 tokens at 1,000 per second take 136 years")
	}
}
