package scenario

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCheckDocsNameTheirNotProvenFields keeps issue 11's promise that a
// check's doc comment says which probes need a field: every field a
// notProven need names ("RateLimit.Success") is named in the doc comment
// of the check's type, and every check whose probes can be not proven says
// which are required.
func TestCheckDocsNameTheirNotProvenFields(t *testing.T) {
	t.Parallel()
	files := parseWithComments(t)
	docs := map[string]string{}
	fileDocs := map[string]string{} // every type doc of a file
	for _, pf := range files {
		for _, d := range pf.f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, sp := range g.Specs {
				ts := sp.(*ast.TypeSpec)
				doc := g.Doc
				if ts.Doc != nil {
					doc = ts.Doc
				}
				if doc != nil {
					docs[ts.Name.Name] = doc.Text()
					fileDocs[pf.name] += doc.Text()
				}
			}
		}
	}
	for _, pf := range files {
		for _, d := range pf.f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && fd.Name.Name == "Covers" {
				typ := types(fd.Recv.List[0].Type)
				if !strings.Contains(docs[typ], "Not proven without its field") {
					t.Errorf("%s: %s's doc comment has no \"Not proven without its field\" paragraph: say which probes run by default, which need a field and which of those a preset requires", pf.name, typ)
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, pf := range files {
		ast.Inspect(pf.f, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := cl.Type.(*ast.Ident); !ok || id.Name != "need" {
				return true
			}
			for _, e := range cl.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					e = kv.Value
				}
				lit, ok := e.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				field, _ := strconv.Unquote(lit.Value)
				typ, name, _ := strings.Cut(field, ".")
				if field == "" || seen[field] {
					continue
				}
				seen[field] = true
				doc, ok := docs[typ]
				if !ok {
					t.Errorf("%s: need names %q, but %s has no doc comment", pf.name, field, typ)
					continue
				}
				if !strings.Contains(fileDocs[pf.name], "Not proven without its field") {
					t.Errorf("%s: %s's doc comment has no \"Not proven without its field\" paragraph saying which probes are required", pf.name, typ)
				}
				if !strings.Contains(doc, name) && !strings.Contains(fileDocs[pf.name], name) {
					t.Errorf("%s: a probe needs %s, but %s's doc comment does not say so: name the field and what it proves", pf.name, field, typ)
				}
			}
			return true
		})
	}
}

func parseWithComments(t *testing.T) []parsedFile {
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
		f, err := parser.ParseFile(fset, n, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, parsedFile{n, f})
	}
	return files
}

func types(e ast.Expr) string {
	if st, ok := e.(*ast.StarExpr); ok {
		e = st.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
