package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra/doc"
)

var updateDocs = flag.Bool("update-docs", false, "regenerate the CLI reference in docs/cli")

// docsDir holds the generated reference, one page per command, beside the
// hand-written README.md.
const docsDir = "../../docs/cli"

// genDocs renders the reference pages of every command into dir.
func genDocs(t *testing.T, dir string) {
	t.Helper()
	root := newRootCmd(&app{getenv: func(string) string { return "" }})
	root.DisableAutoGenTag = true // no date line: the output is reproducible
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		t.Fatal(err)
	}
}

// TestDocs checks that docs/cli matches the commands. Regenerate with
// "go generate ./cmd/sesstool" (or go test -run TestDocs -update-docs).
func TestDocs(t *testing.T) {
	tmp := t.TempDir()
	genDocs(t, tmp)
	want := pages(t, tmp)
	if *updateDocs {
		for _, old := range pages(t, docsDir) {
			if !slices.Contains(want, old) {
				if err := os.Remove(filepath.Join(docsDir, old)); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, name := range want {
			data, err := os.ReadFile(filepath.Join(tmp, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(docsDir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	const fix = "run go generate ./cmd/sesstool (or go test ./cmd/sesstool -run TestDocs -update-docs)"
	have := pages(t, docsDir)
	for _, name := range want {
		if !slices.Contains(have, name) {
			t.Errorf("docs/cli/%s is missing: %s", name, fix)
			continue
		}
		w, _ := os.ReadFile(filepath.Join(tmp, name))
		h, _ := os.ReadFile(filepath.Join(docsDir, name))
		if !bytes.Equal(w, h) {
			t.Errorf("docs/cli/%s is out of date: %s", name, fix)
		}
	}
	for _, name := range have {
		if !slices.Contains(want, name) {
			t.Errorf("docs/cli/%s documents no command: %s", name, fix)
		}
	}
}

// pages lists the generated pages in dir: sesstool*.md.
func pages(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if strings.HasPrefix(e.Name(), "sesstool") && strings.HasSuffix(e.Name(), ".md") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestDocsReproducible checks that the pages hold nothing that depends on
// the machine or the date.
func TestDocsReproducible(t *testing.T) {
	tmp := t.TempDir()
	genDocs(t, tmp)
	home, _ := os.UserHomeDir()
	dateLine := regexp.MustCompile(`(?m)^###### Auto generated`)
	for _, name := range pages(t, tmp) {
		data, _ := os.ReadFile(filepath.Join(tmp, name))
		if dateLine.Match(data) {
			t.Errorf("%s has cobra's date line", name)
		}
		if home != "" && home != "/" && bytes.Contains(data, []byte(home)) {
			t.Errorf("%s mentions the home directory %s", name, home)
		}
	}
}

// TestReadmeInstall checks that the README installs the CLI in a way that
// works: the module is not published, so "go install
// github.com/sesstool/sesstool/cmd/sesstool@latest" fails, and the README
// says to install from a clone instead.
func TestReadmeInstall(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		cmd, _, _ := strings.Cut(line, "#") // a shell comment may mention it
		if strings.Contains(cmd, "cmd/sesstool@") {
			t.Errorf("README.md installs a module version, which go install cannot fetch: %q", strings.TrimSpace(line))
		}
	}
	if !bytes.Contains(data, []byte("\ngo install ./cmd/sesstool")) {
		t.Error("README.md does not say how to install the CLI from a clone: go install ./cmd/sesstool")
	}
}
