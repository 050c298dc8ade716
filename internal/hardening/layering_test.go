package hardening_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/jettymethod/jetty"

// imports returns the imports of the non-test Go files of dir, a folder of
// the module given relative to its root.
func imports(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			out = append(out, p)
		}
	}
	return out
}

func std(path string) bool { return !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") }

// TestLeavesImportOnlyStdlibInternals keeps DESIGN's layering: preset and
// loadtest import no package of the module except internal helpers that
// themselves use only the standard library (internal/redact, the one
// redaction of every output path).
func TestLeavesImportOnlyStdlibInternals(t *testing.T) {
	for _, leaf := range []string{"preset", "loadtest"} {
		for _, p := range imports(t, leaf) {
			rel, ok := strings.CutPrefix(p, module+"/")
			if !ok {
				continue
			}
			if !strings.HasPrefix(rel, "internal/") {
				t.Errorf("%s imports %s: a leaf imports only standard-library-only internal packages", leaf, p)
				continue
			}
			for _, q := range imports(t, rel) {
				if !std(q) {
					t.Errorf("%s imports %s, which imports %s: an internal package a leaf uses must use only the standard library", leaf, p, q)
				}
			}
		}
	}
}
