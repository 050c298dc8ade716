// Package maintest proves jetty.Main: a team's own Go-defined preset made
// the default of every Feature of a package in one place, and named (and
// tuned) by the profile file.
package maintest

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

// acme is the team's own preset, defined in Go.
var acme = preset.New("Acme",
	preset.Requirement{ID: "ACME-RATE", Title: "logins are limited", Category: preset.Security, Params: preset.Params{preset.ParamAttempts: "3"}},
	preset.Requirement{ID: "ACME-AUDIT", Title: "logins are audited", Category: preset.Monitoring},
	preset.Requirement{ID: "ACME-LOAD", Title: "100 users at once", Category: preset.Performance},
)

func TestMain(m *testing.M) { os.Exit(jetty.Main(m, jetty.External(acme))) }

func TestInnerOrders(t *testing.T) {
	innertest.Inner(t)
	if dir := os.Getenv("MAINTEST_DIR"); dir != "" {
		t.Chdir(dir)
	}
	jetty.Feature(t, "Orders", func(f *jetty.F) {
		f.Production("limits logins", func(s *jetty.S) {}, "ACME-RATE")
	})
}

func TestMainMakesTheTeamsPresetTheDefault(t *testing.T) {
	r := innertest.Run(t, "TestInnerOrders")
	require.Equal(t, "fail", r.Status("TestInnerOrders/Orders"), r.Output)
	assert.Contains(t, r.TestOutput("TestInnerOrders/Orders"), `[jetty] Orders: 2 of 3 production requirements of preset "Acme" are not covered:`)
}

func TestTheProfileNamesAndTunesTheTeamsPreset(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/shop\n\ngo 1.26\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "jetty.json"), []byte(`{
  "audience": "external",
  "preset": "Acme",
  "params": {"ACME-RATE": {"attempts": "5"}},
  "without": [{"id": "ACME-LOAD", "reason": "orders are placed by a nightly batch"}],
  "waivers": [{"id": "ACME-AUDIT", "reason": "audit ships in Q3", "until": "2999-01-01"}]
}`), 0o644))
	r := innertest.RunEnv(t, []string{"MAINTEST_DIR=" + dir}, "TestInnerOrders")
	require.Equal(t, "pass", r.Status("TestInnerOrders/Orders"), r.Output)
	v, ok := r.Attr("TestInnerOrders/Orders", jetty.SummaryAttr)
	require.True(t, ok)
	s, err := jetty.ParseSummary(v)
	require.NoError(t, err)
	assert.Equal(t, "Acme", s.Preset)
	assert.Equal(t, []preset.ID{"ACME-AUDIT"}, s.Coverage.Waived)
	assert.Equal(t, []preset.ID{"ACME-RATE", "ACME-AUDIT"}, s.Coverage.Required, "ACME-LOAD is left out for the module")

	p, err := jetty.LoadProfile(dir)
	require.NoError(t, err)
	assert.Equal(t, "5", p.Preset.Param("ACME-RATE", preset.ParamAttempts, ""), "tuned by the profile")
	assert.False(t, p.Preset.Has("ACME-LOAD"))
	assert.Equal(t, []jetty.Omission{{ID: "ACME-LOAD", Reason: "orders are placed by a nightly batch"}}, p.Without)

	// A mistake in the custom preset's tuning names file, line and field.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "jetty.json"), []byte("{\"audience\": \"external\", \"preset\": \"Acme\",\n \"params\": {\"ACME-RATE\": {\"attempts\": \"many\"}}}"), 0o644))
	_, err = jetty.LoadProfile(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `jetty.json:2: params["ACME-RATE"]: param "attempts" = "many"`)
}
