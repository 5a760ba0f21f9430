package layers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// modulePath is the module whose packages ARCHITECTURE.md lists.
const modulePath = "github.com/sesstool/sesstool"

// restricted are the standard-library packages that a package may import
// only where its row of ARCHITECTURE.md names them (ARCHITECTURE.md says
// why). Every other standard-library package is free.
var restricted = []string{"unsafe", "syscall", "net/http", "os/exec", "log", "log/slog"}

// protocols are the packages that implement a format or its primitives.
// keyring must not depend on them, even indirectly (issue 12).
var protocols = []string{"transform", "token", "ktor"}

// platforms are the GOOS/GOARCH pairs whose imports are checked: files
// with build constraints may import other packages on other systems.
var platforms = [][2]string{{"linux", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}}

// rules maps a package (short name, as in ARCHITECTURE.md) to what it may
// import: short names for this module, import paths for the rest.
type rules map[string][]string

// parseRules reads the table of ARCHITECTURE.md: rows of the form
// | `pkg` | `a`, `b` (or —) | why |.
func parseRules(r io.Reader) (rules, error) {
	rs := rules{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(text, "|"), "|")
		if len(cells) != 3 {
			return nil, fmt.Errorf("ARCHITECTURE.md:%d: a row needs 3 cells (package, may import, why), not %d", line, len(cells))
		}
		pkg, ok := unquote(cells[0])
		if !ok {
			return nil, fmt.Errorf("ARCHITECTURE.md:%d: the package cell must be one name in backquotes", line)
		}
		if _, dup := rs[pkg]; dup {
			return nil, fmt.Errorf("ARCHITECTURE.md:%d: package %s has two rows", line, pkg)
		}
		allowed := []string{}
		if c := strings.TrimSpace(cells[1]); c != "—" {
			for f := range strings.SplitSeq(c, ",") {
				name, ok := unquote(f)
				if !ok {
					return nil, fmt.Errorf("ARCHITECTURE.md:%d: %s: every import must be one name in backquotes, separated by commas, or — for none", line, pkg)
				}
				allowed = append(allowed, name)
			}
		}
		if strings.TrimSpace(cells[2]) == "" {
			return nil, fmt.Errorf("ARCHITECTURE.md:%d: %s: say why", line, pkg)
		}
		rs[pkg] = allowed
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, errors.New("ARCHITECTURE.md has no table of packages")
	}
	return rs, nil
}

func unquote(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 3 || s[0] != '`' || s[len(s)-1] != '`' || strings.ContainsAny(s[1:len(s)-1], "` ") {
		return "", false
	}
	return s[1 : len(s)-1], true
}

// short returns the name ARCHITECTURE.md uses for an import path.
func short(path string) string {
	if rest, ok := strings.CutPrefix(path, modulePath+"/"); ok {
		return rest
	}
	return path
}

// isStd reports whether path is a standard-library package: its first
// element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// graph maps each package of the module (short name) to its direct
// imports (import paths), test files excluded.
type graph map[string][]string

// check returns one line per import that rs does not allow, and per
// package that rs does not list.
func check(g graph, rs rules) []string {
	var bad []string
	for pkg, imports := range g {
		allowed, ok := rs[pkg]
		if !ok {
			bad = append(bad, fmt.Sprintf("package %s has no row in ARCHITECTURE.md: add one, with what it may import and why", pkg))
			continue
		}
		for _, imp := range imports {
			if isStd(imp) && !slices.Contains(restricted, imp) {
				continue
			}
			if !slices.Contains(allowed, short(imp)) {
				bad = append(bad, fmt.Sprintf("%s imports %s, which its row of ARCHITECTURE.md does not allow", pkg, short(imp)))
			}
		}
	}
	slices.Sort(bad)
	return bad
}

// deps returns the module packages that pkg depends on, directly or not.
func deps(g graph, pkg string) []string {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(p string) {
		for _, imp := range g[p] {
			if s := short(imp); s != imp && !seen[s] {
				seen[s] = true
				visit(s)
			}
		}
	}
	visit(pkg)
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// loadGraph lists the module's packages for goos/goarch with go list.
func loadGraph(t *testing.T, root, goos, goarch string) graph {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the packages: %v", err)
	}
	cmd := exec.Command(goTool, "list", "-e", "-json=ImportPath,Imports,Error", "./...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list (%s/%s): %v\n%s", goos, goarch, err, stderr.Bytes())
	}
	g := graph{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
			Error      *struct{ Err string }
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if p.Error != nil {
			t.Fatalf("go list (%s/%s): %s: %s", goos, goarch, p.ImportPath, p.Error.Err)
		}
		g[short(p.ImportPath)] = p.Imports
	}
	if len(g) == 0 {
		t.Fatalf("go list (%s/%s) found no packages", goos, goarch)
	}
	return g
}

func loadRules(t *testing.T, root string) rules {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := parseRules(f)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

const root = "../.."

// TestLayers checks every import of every package of the module, on each
// platform, against ARCHITECTURE.md, and that keyring depends on no
// protocol package.
func TestLayers(t *testing.T) {
	rs := loadRules(t, root)
	listed := map[string]bool{}
	for _, pl := range platforms {
		g := loadGraph(t, root, pl[0], pl[1])
		for _, line := range check(g, rs) {
			t.Errorf("%s/%s: %s", pl[0], pl[1], line)
		}
		for _, p := range deps(g, "keyring") {
			if slices.Contains(protocols, p) {
				t.Errorf("%s/%s: keyring depends on %s: the key store must import no protocol (see ARCHITECTURE.md)", pl[0], pl[1], p)
			}
		}
		for p := range g {
			listed[p] = true
		}
	}
	// A row for a package that no longer exists hides nothing, but it
	// misleads the reader.
	for p := range rs {
		if !listed[p] {
			t.Errorf("ARCHITECTURE.md has a row for %s, which is not a package of the module: remove it", p)
		}
	}
}

// TestCheckFindsForbiddenImports checks the checker itself on a made-up
// graph: a forbidden edge, a restricted standard-library package, an
// unlisted package, an indirect dependency of keyring on a protocol.
func TestCheckFindsForbiddenImports(t *testing.T) {
	rs, err := parseRules(strings.NewReader(`
| package | may import | why |
|---|---|---|
| ` + "`codec`" + ` | — | bottom |
| ` + "`transform`" + ` | — | primitives |
| ` + "`keyring`" + ` | ` + "`codec`" + ` | keys |
| ` + "`token`" + ` | ` + "`codec`, `keyring`, `transform`, `unsafe`" + ` | format |
`))
	if err != nil {
		t.Fatal(err)
	}
	g := graph{
		"codec":     {"encoding/json", modulePath + "/transform"}, // forbidden edge
		"transform": {"crypto/aes", "unsafe"},                     // restricted std
		"keyring":   {"os", modulePath + "/codec"},                // allowed, but codec → transform
		"token":     {modulePath + "/keyring", "unsafe", "github.com/fxamacker/cbor/v2"},
		"newpkg":    {"fmt"},
	}
	want := []string{
		"codec imports transform, which its row of ARCHITECTURE.md does not allow",
		"package newpkg has no row in ARCHITECTURE.md: add one, with what it may import and why",
		"token imports github.com/fxamacker/cbor/v2, which its row of ARCHITECTURE.md does not allow",
		"transform imports unsafe, which its row of ARCHITECTURE.md does not allow",
	}
	if got := check(g, rs); !slices.Equal(got, want) {
		t.Errorf("check() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := deps(g, "keyring"); !slices.Equal(got, []string{"codec", "transform"}) {
		t.Errorf("deps(keyring) = %v; want [codec transform]", got)
	}
}

// TestParseRulesRejects checks that a malformed table is an error, not a
// silently empty rule.
func TestParseRulesRejects(t *testing.T) {
	for name, md := range map[string]string{
		"no table":        "# Architecture\n",
		"two cells":       "| `codec` | — |\n",
		"unquoted import": "| `codec` | transform | why |\n",
		"no reason":       "| `codec` | — |  |\n",
		"duplicate row":   "| `codec` | — | a |\n| `codec` | — | b |\n",
	} {
		if rs, err := parseRules(strings.NewReader(md)); err == nil {
			t.Errorf("parseRules(%s) = %v, nil; want an error", name, rs)
		}
	}
}
