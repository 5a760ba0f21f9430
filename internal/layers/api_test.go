package layers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// libraryPackages are the directories of the module's public library
// packages, whose exported API the tests below hold to issue 12's rules.
var libraryPackages = []string{
	"codec", "transform", "keyring", "token", "ktor",
	"session", "session/dirstore", "session/redisstore", "session/storetest",
}

// exportedDecls returns the exported package-level names declared in the
// non-test files of dir (relative to the module root), by kind: "var",
// "const", "type" or "func" (methods are left out).
func exportedDecls(t *testing.T, dir string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	decls := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					decls[d.Name.Name] = "func"
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							decls[s.Name.Name] = "type"
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								decls[n.Name] = strings.ToLower(d.Tok.String())
							}
						}
					}
				}
			}
		}
	}
	return decls
}

// TestNoExportedMutableGlobals: a library package exports no variable but
// its error sentinels (Err…). A shared value such as a codec is returned
// by a function, so that no program can reassign it under the code that
// compares it with == (issue 12: codec.JSON, codec.CBOR,
// transform.Base64URL were variables).
func TestNoExportedMutableGlobals(t *testing.T) {
	for _, dir := range libraryPackages {
		for name, kind := range exportedDecls(t, dir) {
			if kind == "var" && !strings.HasPrefix(name, "Err") {
				t.Errorf("%s exports the variable %s: return it from a function instead (or unexport it)", dir, name)
			}
		}
	}
}

// TestRemovedAPI: what issue 12 removed, because only tests or the command
// line used it or because it duplicated another name, stays removed.
func TestRemovedAPI(t *testing.T) {
	removed := map[string][]string{
		"transform":         {"NewDeflate"},
		"ktor":              {"ParseHash", "Hash", "HmacSHA256", "HmacSHA384", "HmacSHA512"},
		"session/storetest": {"Clock", "NewClock"},
	}
	for dir, names := range removed {
		decls := exportedDecls(t, dir)
		for _, name := range names {
			if kind, ok := decls[name]; ok {
				t.Errorf("%s declares the %s %s again, which issue 12 removed", dir, kind, name)
			}
		}
	}
}

// TestTestvectorsIsData: testvectors/ holds the public JSON vectors and no
// Go package of this module; the generator and loader of the native
// vectors are internal/testvectors. A generator of another framework's
// vectors that runs that framework's Go library (testvectors/<format>/gen)
// is its own module, with its own go.mod, which this module never builds
// and CI never runs: it is skipped here.
func TestTestvectorsIsData(t *testing.T) {
	err := filepath.WalkDir(filepath.Join("..", "..", "testvectors"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && filepath.Base(path) == "gen" {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			t.Errorf("%s: testvectors/ is data; Go code belongs in internal/testvectors", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
