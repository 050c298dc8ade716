package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appStream is a go test -json stream of two packages: Orders leaves
// SEC-HEADERS and MON-HEALTH to jetty.App; app, when given, covers covered.
func appStream(t *testing.T, app []preset.ID) []byte {
	t.Helper()
	var b strings.Builder
	emit := func(pkg string, s jetty.Summary) {
		for _, e := range []map[string]string{
			{"Action": "start", "Package": pkg},
			{"Action": "run", "Package": pkg, "Test": s.Test},
			{"Action": "attr", "Package": pkg, "Test": s.Test, "Key": jetty.SummaryAttr, "Value": s.String()},
			{"Action": "pass", "Package": pkg, "Test": s.Test},
			{"Action": "pass", "Package": pkg},
		} {
			line, err := json.Marshal(e)
			require.NoError(t, err)
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	emit("example.com/shop/orders", jetty.Summary{Version: 1, Feature: "Orders", Test: "TestOrders", Audience: "external", Preset: "Production SaaS",
		Modes: map[string]jetty.ModeSummary{"production": {Pass: 1}},
		Coverage: jetty.CoverageSummary{Status: jetty.CoverageCovered, Required: []preset.ID{preset.Injection}, Covered: []preset.ID{preset.Injection},
			AppPending: []preset.ID{preset.SecurityHeaders, preset.HealthCheck}}})
	if app != nil {
		emit("example.com/shop", jetty.Summary{Version: 1, Feature: jetty.AppName, Test: "TestApp", Audience: "external", Preset: "Production SaaS", Scope: "app",
			Modes:    map[string]jetty.ModeSummary{"production": {Pass: len(app)}},
			Coverage: jetty.CoverageSummary{Status: jetty.CoverageCovered, Required: app, Covered: app}})
	}
	return []byte(b.String())
}

func TestAppWideRequirementsAreJudgedForTheModule(t *testing.T) {
	r := runCmd(t, appStream(t, nil), "status")
	assert.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "SEC-HEADERS: app-wide requirement left to jetty.App by Orders, proven by no test of the run: no test of the run calls jetty.App")
	assert.Contains(t, r.stdout, "MON-HEALTH: app-wide requirement left to jetty.App by Orders")
	assert.Regexp(t, `RED: 2 problem\(s\) in 1 package\(s\) \(app requirement\)`, r.stdout)

	r = runCmd(t, appStream(t, []preset.ID{preset.SecurityHeaders}), "status")
	assert.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "MON-HEALTH: app-wide requirement left to jetty.App by Orders, proven by no test of the run: jetty.App ran but did not cover it")
	assert.NotContains(t, r.stdout, "SEC-HEADERS: app-wide")

	r = runCmd(t, appStream(t, []preset.ID{preset.SecurityHeaders, preset.HealthCheck}), "status")
	assert.Equal(t, 0, r.code, r.stdout)
	assert.Contains(t, r.stdout, "GREEN: 2 package(s)")
	assert.Contains(t, r.stdout, "\napp-wide requirements:\n  SEC-HEADERS, MON-HEALTH proven once for the module by App (example.com/shop)\n")

	md := filepath.Join(t.TempDir(), "summary.md")
	r = runCmd(t, appStream(t, nil), "status", "--markdown", md)
	assert.Equal(t, 1, r.code)
	b, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(b), "- app requirement: example.com/shop/orders: SEC-HEADERS: app-wide requirement left to jetty.App by Orders")
}
