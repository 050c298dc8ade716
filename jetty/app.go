package jetty

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/preset"
)

// AppName is the feature name App declares.
const AppName = "App"

// App declares and runs the application-level feature: the one place a
// module proves the requirements that belong to the whole service (those
// with preset.ScopeApp — security headers, health, metrics, graceful
// shutdown, error handling, TLS, overload, backups…), so that no Feature
// is asked to prove them again. Call it once per module, from a test named
// TestApp:
//
//	func TestApp(t *testing.T) {
//		jetty.App(t, func(f *jetty.F) {
//			f.Include(scenario.SecurityHeaders{Target: target}, scenario.HealthCheck{Target: target})
//		})
//	}
//
// It is a Feature named "App" in every other way (modes, gating, steps,
// waivers, its summary). Its preset coverage asks for the preset's
// application-scoped requirements instead of the feature-scoped ones: every
// one of them, or with Traits only those that apply to the traits given.
//
// Where the verdict appears: App fails in plain go test when an app-wide
// requirement is neither covered nor waived. A Feature of an external
// project leaves its app-wide requirements to App (its summary lists them
// under "app_pending") and fails in plain go test when no test of the
// module calls jetty.App (the module's _test.go files are read to find
// one). jetty test and jetty status, which read every package's summary,
// fail the run when an app-wide requirement some feature left to App was
// proven by no test of the run. A feature that declares a production
// scenario covering an app-wide requirement takes it on: it is judged on
// it like on its own requirements (a failing scenario leaves it uncovered
// there), and once proven it counts for the module too. The App a Feature
// defers to is the nearest one: in its own package's directory, then in
// each parent directory up to the module root, then anywhere in the module.
func App(t *testing.T, body func(f *F), opts ...Option) {
	if t == nil {
		panic(maskf("jetty.App(nil, …) at %s: pass the test's *testing.T, as in func TestApp(t *testing.T) { jetty.App(t, …) }", callerOutside()))
	}
	t.Helper()
	Feature(t, AppName, body, append(slices.Clip(opts), optionFunc(func(c *config) { c.app = true }))...)
}

// required returns the preset requirements this run must cover: the
// application-scoped ones for App; for a Feature, the feature-scoped ones
// and the app-wide ones it takes on itself (see takesOn), in the preset's
// order.
func (r *run) required() []preset.Requirement {
	if r.cfg.app {
		if len(r.cfg.traits) == 0 {
			return r.profile.Preset.App(allTraits...)
		}
		return r.profile.Preset.App(r.cfg.traits...)
	}
	var reqs []preset.Requirement
	for _, req := range r.profile.Preset.For(r.cfg.traits...) {
		if req.Scope != preset.ScopeApp || r.takesOn(req.ID) {
			reqs = append(reqs, req)
		}
	}
	return reqs
}

// takesOn reports whether the feature takes app-wide requirement id on
// itself: it declares a production scenario that covers id. The feature is
// then judged on it like on its own requirements — a failing scenario
// leaves it uncovered here, whatever another test of the module proves
// (a module may hold more than one service: examples/regulated beside
// examples/login).
func (r *run) takesOn(id preset.ID) bool {
	if r.f == nil {
		return false
	}
	for d := range r.f.decls.all {
		if d.mode == Production && slices.Contains(d.covers(), id) {
			return true
		}
	}
	return false
}

var allTraits = []preset.Trait{preset.PublicEndpoint, preset.Login, preset.PersonalData, preset.StoredData, preset.Admin}

// appCoverage fills in what a Feature proved of the app-wide requirements
// and what it leaves to App; it fails the feature when the module declares
// no App to prove them.
func (r *run) appCoverage(c *coverage) {
	if r.cfg.app || !r.profile.External || c.status == CoverageUnchecked {
		return
	}
	var pending []preset.Requirement
	for _, req := range r.profile.Preset.App(r.cfg.traits...) {
		if r.proved(req.ID) {
			c.app = append(c.app, req.ID)
			continue
		}
		if r.takesOn(req.ID) {
			continue // judged with the feature's own requirements (required)
		}
		if r.profile.waivedByProfile(req.ID, time.Now()) {
			continue // waived for the whole module in the profile file
		}
		pending = append(pending, req)
		c.appPending = append(c.appPending, req.ID)
	}
	if len(pending) == 0 {
		return
	}
	wd, err := os.Getwd()
	if err == nil {
		var root, where string
		if root, err = moduleRoot(wd); err == nil {
			if where = nearestApp(root, wd); where != "" {
				c.notes = append(c.notes, fmt.Sprintf("[jetty] %s: %d app-wide requirement(s) of preset %q left to jetty.App (%s): %s",
					r.f.name, len(pending), r.profile.Preset.Name, where, idsOf(pending)))
				return
			}
		}
	}
	var lines []string
	for _, req := range pending {
		how := "f.Include(" + req.Scenario + ")"
		if req.Scenario == "" {
			how = fmt.Sprintf("a production scenario covering %q", req.ID)
		}
		lines = append(lines, fmt.Sprintf("%-16s %s — %s", req.ID, req.Title, how))
	}
	msg := fmt.Sprintf("[jetty] %s: %d app-wide requirement(s) of preset %q are proven by no test of this module: prove them once, for every feature, in a test that calls jetty.App, e.g. func TestApp(t *testing.T) { jetty.App(t, func(f *jetty.F) { … }) }:\n\t%s",
		r.f.name, len(pending), r.profile.Preset.Name, strings.Join(lines, "\n\t"))
	if c.err != "" {
		c.err += "\n" + msg
	} else {
		c.err = msg
	}
	if c.status == CoverageCovered {
		c.status = CoverageUncovered
	}
}

// proved reports whether a passing production scenario of the feature
// proved id with every probe it needs.
func (r *run) proved(id preset.ID) bool {
	for d := range r.f.decls.all {
		if d.mode == Production && slices.Contains(d.covers(), id) && d.allPassed() && len(d.missing(id)) == 0 {
			return true
		}
	}
	return false
}

func idsOf(reqs []preset.Requirement) string {
	ids := make([]string, len(reqs))
	for i, r := range reqs {
		ids[i] = string(r.ID)
	}
	return strings.Join(ids, ", ")
}

// jettyImport is the import path of this package, as a test file spells it.
const jettyImport = `"github.com/jettymethod/jetty/jetty"`

// findApp returns file:line of the first call of jetty.App in the _test.go
// files of the module rooted at root (nested modules, testdata, vendor and
// hidden directories left out), or "".
func findApp(root string) string {
	found := ""
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || found != "" {
			return fs.SkipDir
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return fs.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return fs.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if line := appCall(path); line > 0 {
			rel, _ := filepath.Rel(root, path)
			found = fmt.Sprintf("%s:%d", filepath.ToSlash(rel), line)
		}
		return nil
	})
	return found
}

// nearestApp returns file:line of the call of jetty.App nearest to dir:
// in dir's own _test.go files, then in each parent directory's up to the
// module root, then anywhere in the module (findApp); "" when none. A
// module holding several services proves each one's app-wide requirements
// in its own directory.
func nearestApp(root, dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		rel, err := filepath.Rel(root, d)
		if err != nil || strings.HasPrefix(rel, "..") {
			break
		}
		files, _ := filepath.Glob(filepath.Join(d, "*_test.go"))
		for _, path := range files {
			if line := appCall(path); line > 0 {
				rel, _ := filepath.Rel(root, path)
				return fmt.Sprintf("%s:%d", filepath.ToSlash(rel), line)
			}
		}
		if d == root || filepath.Dir(d) == d {
			break
		}
	}
	return findApp(root)
}

// appCall returns the line of the first call of this package's App in the
// Go file at path, or 0.
func appCall(path string) int {
	src, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(src, []byte(jettyImport)) || !bytes.Contains(src, []byte(".App(")) {
		return 0
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return 0
	}
	name := ""
	for _, im := range file.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == "github.com/jettymethod/jetty/jetty" {
			name = "jetty"
			if im.Name != nil {
				name = im.Name.Name
			}
		}
	}
	line := 0
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || line > 0 {
			return line == 0
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "App" {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == name {
				line = fset.Position(call.Pos()).Line
			}
		}
		return true
	})
	return line
}
