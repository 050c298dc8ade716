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

const tunedProfile = `{
  "audience": "external",
  "preset": "Production SaaS",
  "params": {
    "SEC-RATE-LIMIT": {"attempts": "5", "lockout": "15m"}
  },
  "without": [
    {"id": "PERF-LOAD", "reason": "a batch service: no user waits on it"}
  ],
  "waivers": [
    {"id": "SEC-CSRF", "reason": "no browser client until the SPA ships", "until": "2999-03-31"},
    {"id": "SEC-HEADERS", "reason": "served behind the gateway, which sets them"}
  ]
}
`

func TestProfileTunesItsPreset(t *testing.T) {
	p, err := jetty.ParseProfile("jetty.json", []byte(tunedProfile))
	require.NoError(t, err)
	assert.Equal(t, "Production SaaS", p.Preset.Name)
	assert.Equal(t, "5", p.Preset.Param(preset.LoginRateLimit, preset.ParamAttempts, ""))
	assert.Equal(t, "15m", p.Preset.Param(preset.LoginRateLimit, preset.ParamLockout, ""))
	assert.Equal(t, preset.LockoutMessage, p.Preset.Param(preset.LoginRateLimit, preset.ParamMessage, ""), "params not named keep the preset's")
	assert.False(t, p.Preset.Has(preset.Load))
	assert.Equal(t, []jetty.Omission{{ID: preset.Load, Reason: "a batch service: no user waits on it"}}, p.Without)
	require.Len(t, p.Waivers, 2)
	assert.Equal(t, "2999-03-31", p.Waivers[0].Until)
	assert.True(t, preset.ProductionSaaS.Has(preset.Load), "the built-in is not changed")
	assert.Equal(t, "10", preset.ProductionSaaS.Param(preset.LoginRateLimit, preset.ParamAttempts, ""))
}

func TestProfileTuningMistakesNameFileLineAndField(t *testing.T) {
	for _, tc := range []struct{ name, file, want string }{
		{"unknown requirement in params", `{"preset": "Production SaaS",
 "params": {"SEC-NOPE": {"attempts": "5"}}}`, `jetty.json:2: params["SEC-NOPE"]: preset "Production SaaS" has no requirement "SEC-NOPE"`},
		{"bad parameter", `{"preset": "Production SaaS",
 "params": {
   "SEC-RATE-LIMIT": {"attempts": "-1"}}}`, `jetty.json:3: params["SEC-RATE-LIMIT"]: param "attempts" = "-1": want a positive number`},
		{"left out without a reason", `{"preset": "Production SaaS",
 "without": [
   {"id": "PERF-LOAD"}]}`, `jetty.json:3: without[0]: "reason" is missing: say why PERF-LOAD does not apply`},
		{"waiver without a reason", `{"preset": "Production SaaS",
 "waivers": [{"id": "SEC-CORS", "reason": "x"},
   {"id": "SEC-CSRF", "reason": " "}]}`, `jetty.json:3: waivers[1]: "reason" is missing`},
		{"waiver with a bad date", `{"preset": "Production SaaS",
 "waivers": [{"id": "SEC-CORS", "reason": "x", "until": "31/03/2027"}]}`, `jetty.json:2: waivers[0]: "until" is "31/03/2027": want YYYY-MM-DD`},
		{"waiver of a left-out requirement", `{"preset": "Production SaaS",
 "without": [{"id": "SEC-CORS", "reason": "x"}],
 "waivers": [{"id": "SEC-CORS", "reason": "x"}]}`, `jetty.json:3: waivers[0]: SEC-CORS is also left out ("without"): keep one`},
		{"unknown key in a waiver", `{"preset": "Production SaaS",
 "waivers": [{"id": "SEC-CORS", "reason": "x",
   "expires": "2027-01-01"}]}`, `jetty.json:3: unknown field "expires"`},
		{"tuning without a preset", `{
 "without": [{"id": "SEC-CORS", "reason": "x"}]}`, `jetty.json:2: field "without": tuning needs a preset`},
		{"a custom preset nobody gave", `{"audience": "external",
 "preset": "Acme"}`, `jetty.json:2: field "preset" names no built-in preset "Acme"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := jetty.ParseProfile("jetty.json", []byte(tc.file))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestInnerTunedProfile(t *testing.T) {
	innertest.Inner(t)
	enterModule(t)
	jetty.Feature(t, "Login", func(f *jetty.F) {
		f.Include(jetty.Define(jetty.Production, "limits logins", func(s *jetty.S) {}, preset.LoginRateLimit))
		f.Production("the rest", func(s *jetty.S) {}, preset.Sessions, preset.AuthRequired, preset.Injection, preset.AuditLog)
	}, jetty.Traits(preset.Login, preset.PublicEndpoint))
}

func TestTunedProfileIsHonoured(t *testing.T) {
	dir := appModule(t, true)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "jetty.json"), []byte(tunedProfile), 0o644))
	r := innertest.RunEnv(t, []string{"JETTY_APPTEST_DIR=" + dir}, "TestInnerTunedProfile")
	require.Equal(t, "pass", r.Status("TestInnerTunedProfile/Login"), r.Output)
	sum := summaryOf(t, r, "TestInnerTunedProfile/Login")
	assert.NotContains(t, sum.Coverage.Required, preset.Load, "left out for the module")
	assert.Equal(t, []preset.ID{preset.CrossSite}, sum.Coverage.Waived, "waived for the module")
	require.Len(t, sum.Waivers, 1)
	assert.Equal(t, jetty.WaiverSummary{ID: preset.CrossSite, Reason: "no browser client until the SPA ships", Until: "2999-03-31"}, sum.Waivers[0])
	assert.NotContains(t, sum.Coverage.AppPending, preset.SecurityHeaders, "an app-wide requirement waived for the module is not pending")
	assert.Contains(t, sum.Coverage.AppPending, preset.HealthCheck)
}
