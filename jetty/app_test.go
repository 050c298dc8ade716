package jetty_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appSaaS has one feature-scoped and two app-scoped requirements.
var appSaaS = preset.New("Tiny SaaS",
	preset.Requirement{ID: "T-RATE", Title: "rate limited", Category: preset.Security, Traits: []preset.Trait{preset.Login}, Scenario: "scenario.RateLimit{…}"},
	preset.Requirement{ID: "T-HEAD", Title: "security headers", Category: preset.Security, Scope: preset.ScopeApp, Scenario: "scenario.SecurityHeaders{…}"},
	preset.Requirement{ID: "T-HEALTH", Title: "health answers", Category: preset.Monitoring, Scope: preset.ScopeApp, Scenario: "scenario.HealthCheck{…}"},
)

// appModule makes a module for an inner test to run in; withApp adds a
// test file that calls jetty.App.
func appModule(t *testing.T, withApp bool) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/shop\n\ngo 1.26\n"), 0o644))
	if withApp {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "app"), 0o755))
		src := "package app_test\n\nimport (\n\t\"testing\"\n\n\tj \"github.com/jettymethod/jetty/jetty\"\n)\n\n// jetty.App( in a comment does not count\n\nfunc TestApp(t *testing.T) {\n\tj.App(t, func(f *j.F) {})\n}\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, "app", "app_test.go"), []byte(src), 0o644))
	}
	return dir
}

func enterModule(t *testing.T) {
	if dir := os.Getenv("JETTY_APPTEST_DIR"); dir != "" {
		t.Chdir(dir)
	}
}

func TestInnerOrders(t *testing.T) {
	innertest.Inner(t)
	enterModule(t)
	jetty.Feature(t, "Orders", func(f *jetty.F) {
		f.Speed("lists orders", func(s *jetty.S) {})
		f.Include(jetty.Define(jetty.Production, "limits logins", func(s *jetty.S) {}, "T-RATE"))
	}, jetty.External(appSaaS), jetty.Traits(preset.Login))
}

func TestInnerApp(t *testing.T) {
	innertest.Inner(t)
	enterModule(t)
	jetty.App(t, func(f *jetty.F) {
		f.Production("headers", func(s *jetty.S) {}, "T-HEAD")
		if os.Getenv("JETTY_APPTEST_ALL") != "" {
			f.Production("health", func(s *jetty.S) {}, "T-HEALTH")
		}
	}, jetty.External(appSaaS))
}

func TestAppScopedRequirementsAreNotAskedOfFeatures(t *testing.T) {
	dir := appModule(t, true)
	r := innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + dir}, "TestInnerOrders")
	require.Equal(t, "pass", r.Status("TestInnerOrders/Orders"), r.Output)
	sum := summaryOf(t, r, "TestInnerOrders/Orders")
	assert.Equal(t, []preset.ID{"T-RATE"}, sum.Coverage.Required, "a feature is asked only the feature-scoped requirements")
	assert.Equal(t, jetty.CoverageCovered, sum.Coverage.Status)
	assert.Equal(t, []preset.ID{"T-HEAD", "T-HEALTH"}, sum.Coverage.AppPending)
	assert.Contains(t, r.TestOutput("TestInnerOrders/Orders"), `2 app-wide requirement(s) of preset "Tiny SaaS" left to jetty.App (app/app_test.go:12): T-HEAD, T-HEALTH`)
}

func TestAppScopedRequirementsNeverProvenFailTheFeature(t *testing.T) {
	dir := appModule(t, false)
	r := innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + dir}, "TestInnerOrders")
	require.Equal(t, "fail", r.Status("TestInnerOrders/Orders"), r.Output)
	out := r.TestOutput("TestInnerOrders/Orders")
	assert.Contains(t, out, `[jetty] Orders: 2 app-wide requirement(s) of preset "Tiny SaaS" are proven by no test of this module: prove them once, for every feature, in a test that calls jetty.App`)
	assert.Regexp(t, `T-HEAD\s+security headers — f.Include\(scenario.SecurityHeaders\{…\}\)`, out)
	sum := summaryOf(t, r, "TestInnerOrders/Orders")
	assert.Equal(t, jetty.CoverageUncovered, sum.Coverage.Status)
}

func TestAppProvesTheAppScopedRequirements(t *testing.T) {
	dir := appModule(t, false)
	r := innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + dir}, "TestInnerApp")
	require.Equal(t, "fail", r.Status("TestInnerApp/App"), r.Output)
	out := r.TestOutput("TestInnerApp/App")
	assert.Contains(t, out, `[jetty] App: 1 of 2 production requirements of preset "Tiny SaaS" are not covered:`)
	assert.Regexp(t, `T-HEALTH\s+health answers — add scenario.HealthCheck\{…\} with f.Include`, out)
	assert.NotContains(t, out, "T-RATE", "App is not asked the feature-scoped requirements")

	r = innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + dir, "JETTY_APPTEST_ALL=1"}, "TestInnerApp")
	require.Equal(t, "pass", r.Status("TestInnerApp/App"), r.Output)
	sum := summaryOf(t, r, "TestInnerApp/App")
	assert.Equal(t, "app", sum.Scope)
	assert.Equal(t, jetty.AppName, sum.Feature)
	assert.Equal(t, []preset.ID{"T-HEAD", "T-HEALTH"}, sum.Coverage.Covered)
}

func TestInnerOrdersTakesOnHeaders(t *testing.T) {
	innertest.Inner(t)
	enterModule(t)
	jetty.Feature(t, "Orders", func(f *jetty.F) {
		f.Speed("lists orders", func(s *jetty.S) {})
		f.Include(jetty.Define(jetty.Production, "limits logins", func(s *jetty.S) {}, "T-RATE"))
		f.Production("headers", func(s *jetty.S) {
			if os.Getenv("JETTY_APPTEST_BROKEN") != "" {
				s.Error("no Content-Security-Policy")
			}
		}, "T-HEAD")
	}, jetty.External(appSaaS), jetty.Traits(preset.Login))
}

// A feature that declares a scenario covering an app-wide requirement takes
// it on: judged with its own requirements, a failing one leaves it
// uncovered there even though the module has an App (a module may hold two
// services, each proving its own).
func TestAFeatureThatTakesOnAnAppRequirementIsJudgedOnIt(t *testing.T) {
	dir := appModule(t, true)
	r := innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + dir}, "TestInnerOrdersTakesOnHeaders")
	require.Equal(t, "pass", r.Status("TestInnerOrdersTakesOnHeaders/Orders"), r.Output)
	sum := summaryOf(t, r, "TestInnerOrdersTakesOnHeaders/Orders")
	assert.Equal(t, []preset.ID{"T-RATE", "T-HEAD"}, sum.Coverage.Required)
	assert.Equal(t, []preset.ID{"T-RATE", "T-HEAD"}, sum.Coverage.Covered)
	assert.Equal(t, []preset.ID{"T-HEALTH"}, sum.Coverage.AppPending)

	r = innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + dir, "JETTY_APPTEST_BROKEN=1"}, "TestInnerOrdersTakesOnHeaders")
	require.Equal(t, "fail", r.Status("TestInnerOrdersTakesOnHeaders/Orders"), r.Output)
	out := r.TestOutput("TestInnerOrdersTakesOnHeaders/Orders")
	assert.Contains(t, out, `1 of 2 production requirements of preset "Tiny SaaS" are not covered:`)
	assert.Regexp(t, `T-HEAD\s+security headers — covered only by failing "headers": make it pass`, out)
	sum = summaryOf(t, r, "TestInnerOrdersTakesOnHeaders/Orders")
	assert.Equal(t, jetty.CoverageUncovered, sum.Coverage.Status)
	assert.Equal(t, []preset.ID{"T-HEAD"}, sum.Coverage.Uncovered)
	assert.Equal(t, []preset.ID{"T-HEALTH"}, sum.Coverage.AppPending, "what it did not take on is still left to App")
}

// The App a feature defers to is the nearest one: its own directory's, then
// its parents', before any other in the module.
func TestAFeatureDefersToTheNearestApp(t *testing.T) {
	dir := appModule(t, true) // app/app_test.go:12
	svc := filepath.Join(dir, "services", "billing")
	require.NoError(t, os.MkdirAll(filepath.Join(svc, "orders"), 0o755))
	src := "package billing_test\n\nimport (\n\t\"testing\"\n\n\t\"github.com/jettymethod/jetty/jetty\"\n)\n\nfunc TestApp(t *testing.T) {\n\tjetty.App(t, func(f *jetty.F) {})\n}\n"
	require.NoError(t, os.WriteFile(filepath.Join(svc, "app_test.go"), []byte(src), 0o644))

	r := innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + filepath.Join(svc, "orders")}, "TestInnerOrders")
	require.Equal(t, "pass", r.Status("TestInnerOrders/Orders"), r.Output)
	assert.Contains(t, r.TestOutput("TestInnerOrders/Orders"), "left to jetty.App (services/billing/app_test.go:10)")

	r = innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + filepath.Join(dir, "services")}, "TestInnerOrders")
	assert.Contains(t, r.TestOutput("TestInnerOrders/Orders"), "left to jetty.App (app/app_test.go:12)", "no App at or above services/: any App of the module")
}

func TestInnerNoTraits(t *testing.T) {
	innertest.Inner(t)
	enterModule(t)
	jetty.Feature(t, "Orders", func(f *jetty.F) {
		f.Speed("lists orders", func(s *jetty.S) {})
		f.Production("works", func(s *jetty.S) {})
	}, jetty.External(appSaaS))
}

// Issue 11: an external feature that declares no traits is told which
// traits exist and how little its preset asks of it.
func TestAFeatureWithoutTraitsIsToldHowLittleItIsAsked(t *testing.T) {
	dir := appModule(t, true)
	r := innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + dir}, "TestInnerNoTraits")
	require.Equal(t, "pass", r.Status("TestInnerNoTraits/Orders"), r.Output)
	assert.Contains(t, r.TestOutput("TestInnerNoTraits/Orders"),
		`[jetty] Orders: the feature declares no traits, so preset "Tiny SaaS" asks it for 0 of the 1 requirements a feature can be asked for (only those that apply to every feature): say what it does with jetty.Traits(…) — the traits are "public-endpoint", "login", "personal-data", "stored-data", "admin"`)

	r = innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + dir}, "TestInnerOrders")
	assert.NotContains(t, r.TestOutput("TestInnerOrders/Orders"), "declares no traits", "Orders declares Login")
}
