package preset_test

import (
	"slices"
	"testing"

	"github.com/jettymethod/jetty/preset"
)

func TestBuiltinScopes(t *testing.T) {
	for _, p := range preset.Builtins() {
		for _, r := range p.Requirements {
			want := preset.ScopeFeature
			if slices.Contains(preset.AppIDs(), r.ID) {
				want = preset.ScopeApp
			}
			if r.Scope != want {
				t.Errorf("%s: %s has scope %s, want %s", p.Name, r.ID, r.Scope, want)
			}
		}
	}
	saas := preset.ProductionSaaS
	all := saas.For(preset.PublicEndpoint, preset.Login, preset.StoredData)
	feat := saas.Feature(preset.PublicEndpoint, preset.Login, preset.StoredData)
	app := saas.App(preset.PublicEndpoint, preset.Login, preset.StoredData)
	if len(feat)+len(app) != len(all) || len(feat) == 0 || len(app) == 0 {
		t.Fatalf("feature %d + app %d != %d", len(feat), len(app), len(all))
	}
	if !slices.ContainsFunc(app, func(r preset.Requirement) bool { return r.ID == preset.SecurityHeaders }) {
		t.Error("SEC-HEADERS is not app-scoped in Production SaaS")
	}
	if !slices.ContainsFunc(feat, func(r preset.Requirement) bool { return r.ID == preset.LoginRateLimit }) {
		t.Error("SEC-RATE-LIMIT is not feature-scoped in Production SaaS")
	}
}

func TestExtendKeepsScopeAndScopedChangesIt(t *testing.T) {
	p := preset.Extend(preset.ProductionSaaS, "Acme", preset.Requirement{ID: preset.SecurityHeaders, Title: "A+", Category: preset.Security})
	if r, _ := p.Requirement(preset.SecurityHeaders); r.Scope != preset.ScopeApp {
		t.Errorf("replaced SEC-HEADERS scope = %s, want app", r.Scope)
	}
	q := p.Scoped(preset.ScopeFeature, preset.SecurityHeaders)
	if r, _ := q.Requirement(preset.SecurityHeaders); r.Scope != preset.ScopeFeature {
		t.Errorf("Scoped: scope = %s, want feature", r.Scope)
	}
	if r, _ := p.Requirement(preset.SecurityHeaders); r.Scope != preset.ScopeApp {
		t.Error("Scoped changed its receiver")
	}
	if s, ok := preset.ParseScope("app"); !ok || s != preset.ScopeApp {
		t.Error("ParseScope(app)")
	}
	if _, ok := preset.ParseScope("global"); ok {
		t.Error("ParseScope(global) ok")
	}
}
