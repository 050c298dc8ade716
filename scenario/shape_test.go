package scenario

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// coreFiles are the package's core: what every check may use. Every other
// non-test file belongs to one check, named by its file name up to the
// first "_" (injection.go and injection_corpus.go are one check).
var coreFiles = []string{"applog.go", "canary.go", "checks.go", "dependency.go", "doc.go", "loadrun.go", "params.go", "report.go", "request.go", "routes.go", "short.go", "target.go"}

func checkOf(file string) string {
	name := strings.TrimSuffix(file, ".go")
	name, _, _ = strings.Cut(name, "_")
	return name
}

type parsedFile struct {
	name string
	f    *ast.File
}

func parsePackage(t *testing.T) (*token.FileSet, []parsedFile) {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []parsedFile
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		src, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, n, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, parsedFile{n, f})
	}
	return fset, files
}

// topLevel returns the package-level names each file declares (not
// methods: a method belongs to its type).
func topLevel(files []parsedFile) map[string]string {
	decl := map[string]string{}
	for _, pf := range files {
		for _, d := range pf.f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					decl[d.Name.Name] = pf.name
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						decl[s.Name.Name] = pf.name
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.Name != "_" {
								decl[n.Name] = pf.name
							}
						}
					}
				}
			}
		}
	}
	return decl
}

// TestCheckFilesAreIsolated keeps STYLE.md's rule: a check file names
// nothing defined in another check's files. What two checks share lives in
// the core files or in scenario/internal/probe.
func TestCheckFilesAreIsolated(t *testing.T) {
	t.Parallel()
	_, files := parsePackage(t)
	decl := topLevel(files)
	seen := map[string]bool{}
	for _, pf := range files {
		if slices.Contains(coreFiles, pf.name) {
			continue
		}
		// Names used as selectors (x.Name) and composite-literal keys are
		// fields and methods, not package-level names.
		skip := map[*ast.Ident]bool{}
		ast.Inspect(pf.f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				skip[n.Sel] = true
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					skip[id] = true
				}
			case *ast.Field:
				for _, id := range n.Names {
					skip[id] = true
				}
			}
			return true
		})
		ast.Inspect(pf.f, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok || skip[id] {
				return true
			}
			home, ok := decl[id.Name]
			if !ok || slices.Contains(coreFiles, home) || checkOf(home) == checkOf(pf.name) {
				return true
			}
			key := pf.name + " uses " + id.Name + " of " + home
			if !seen[key] {
				seen[key] = true
				t.Errorf("%s: move it to a core file (%s) or scenario/internal/probe, or keep a check's own copy out of the other check", key, strings.Join(coreFiles, ", "))
			}
			return true
		})
	}
	for _, pf := range files {
		if !slices.Contains(coreFiles, pf.name) && checkOf(pf.name) != strings.TrimSuffix(pf.name, ".go") {
			if _, err := os.Stat(checkOf(pf.name) + ".go"); err != nil {
				t.Errorf("%s belongs to no check (no %s.go): add it to coreFiles or rename it", pf.name, checkOf(pf.name))
			}
		}
	}
}

// maxFuncLines is the longest function body the package keeps: an engine
// is a run value with one method per step, not one closure.
const maxFuncLines = 80

// longFuncs are the functions not yet split into steps. It only shrinks.
var longFuncs = map[string]bool{}

func TestNoLongFunctions(t *testing.T) {
	t.Parallel()
	fset, files := parsePackage(t)
	var found []string
	for _, pf := range files {
		ast.Inspect(pf.f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			name := ""
			switch n := n.(type) {
			case *ast.FuncDecl:
				body, name = n.Body, n.Name.Name
				if n.Recv != nil && len(n.Recv.List) > 0 {
					name = typeName(n.Recv.List[0].Type) + "." + name
				}
			case *ast.FuncLit:
				body, name = n.Body, "func literal"
			}
			if body == nil {
				return true
			}
			start, end := fset.Position(body.Lbrace), fset.Position(body.Rbrace)
			if lines := end.Line - start.Line - 1; lines > maxFuncLines {
				key := pf.name + ":" + name
				found = append(found, key)
				if !longFuncs[key] {
					t.Errorf("%s:%d: %s is %d lines, want at most %d: split it into steps (a method each) and pure judgements", pf.name, start.Line, name, lines, maxFuncLines)
				}
			}
			return true
		})
	}
	sort.Strings(found)
	for k := range longFuncs {
		if !slices.Contains(found, k) {
			t.Errorf("%s is no longer too long: remove it from longFuncs", k)
		}
	}
}

func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return typeName(e.X)
	case *ast.Ident:
		return e.Name
	case *ast.IndexExpr:
		return typeName(e.X)
	}
	return "?"
}
