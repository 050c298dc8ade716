package jetty_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseProfile(t *testing.T) {
	p, err := jetty.ParseProfile("jetty.json", []byte(`{"audience":"external","preset":"production-saas",
		"attestations":[{"id":"OPS-ONCALL","by":"ana","date":"2026-10-01","evidence":"wiki/oncall"}]}`))
	require.NoError(t, err)
	assert.True(t, p.External)
	assert.Equal(t, "Production SaaS", p.Preset.Name)
	require.Len(t, p.Attestations, 1)

	p, err = jetty.ParseProfile("jetty.json", []byte(`{}`))
	require.NoError(t, err)
	assert.False(t, p.External, "no audience means internal")
}

func TestParseProfileErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"syntax", "{\n\"audience\": \"external\",,\n}", "jetty.json:2: invalid character ','"},
		{"type", "{\n\n \"preset\": [1]\n}", `jetty.json:3: field "preset" is a JSON array: want a string`},
		{"unknown field", "{\n \"audiance\": \"external\"\n}", `jetty.json:2: unknown field "audiance": the fields are "audience", "preset", "params", "without", "waivers" and "attestations"`},
		{"bad audience", "{\"audience\": \"public\"}", `jetty.json:1: field "audience" is "public": want "internal" or "external"`},
		{"unknown preset", "{\n\"preset\": \"Gold\"}", `jetty.json:2: field "preset" names no built-in preset "Gold": want one of "Startup MVP", "Production SaaS", "Enterprise", "Regulated"`},
		{"external without preset", `{"audience":"external"}`, `an external project needs a preset`},
		{"empty", "", "the file is empty"},
		{"trailing", "{} {}", "unexpected data after the profile object"},
		{"attestation", "{\"preset\":\"Regulated\",\n\"attestations\": [\n {\"id\":\"CMP-PENTEST\"},\n {\"id\":\"SEC-TLS\",\"by\":\"x\",\"date\":\"2026-01-01\",\"evidence\":\"e\"}]}",
			"jetty.json:3: attestations[0]: \"by\" is missing"},
		{"attestation tested", "{\"preset\":\"Regulated\",\n\"attestations\": [\n {\"id\":\"CMP-PENTEST\",\"by\":\"x\",\"date\":\"2026-01-01\",\"evidence\":\"e\"},\n {\"id\":\"SEC-TLS\",\"by\":\"x\",\"date\":\"2026-01-01\",\"evidence\":\"e\"}]}",
			"jetty.json:4: attestations[1]: SEC-TLS is proven by a test, not an attestation"},
		{"bad date", "{\"preset\":\"Regulated\",\"attestations\": [{\"id\":\"CMP-PENTEST\",\"by\":\"x\",\"date\":\"yesterday\",\"evidence\":\"e\"}]}",
			`"date" is "yesterday": want YYYY-MM-DD`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := jetty.ParseProfile("jetty.json", []byte(tc.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestLoadProfileWalksUpToGoMod(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "go.mod", "module x\n")
	writeFile(t, dir, "jetty.json", `{"audience":"external","preset":"Enterprise"}`)
	writeFile(t, dir, "a/b/c.go", "package b\n")
	p, err := jetty.LoadProfile(dir + "/a/b")
	require.NoError(t, err)
	assert.Equal(t, "Enterprise", p.Preset.Name)
	assert.True(t, strings.HasSuffix(p.File, "jetty.json"))

	other := t.TempDir()
	writeFile(t, other, "go.mod", "module y\n")
	p, err = jetty.LoadProfile(other)
	require.NoError(t, err)
	assert.False(t, p.External, "no profile file means internal")
}

func TestVerifyAttestations(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	mk := func(date string) jetty.Profile {
		p, err := jetty.ParseProfile("jetty.json", []byte(`{"audience":"external","preset":"Regulated","attestations":[
			{"id":"CMP-PENTEST","by":"sec team","date":"`+date+`","evidence":"reports/pentest.pdf"},
			{"id":"OPS-ONCALL","by":"ops","date":"2026-11-01","evidence":"pagerduty"},
			{"id":"RES-DR-DRILL","by":"ops","date":"2026-09-01","evidence":"wiki/dr"},
			{"id":"RES-MULTI-REGION","by":"ops","date":"2026-02-01","evidence":"wiki/regions"}]}`))
		require.NoError(t, err)
		return p
	}
	assert.NoError(t, mk("2026-10-15").Verify(now), "fresh attestations pass")

	err := mk("2026-07-01").Verify(now)
	require.Error(t, err, "a pentest from July is stale in late November")
	assert.Contains(t, err.Error(), "CMP-PENTEST a penetration test was done this quarter: attestation by sec team on 2026-07-01 is stale: it was valid for 92 days, until 2026-10-01")

	err = mk("2026-12-01").Verify(now)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is dated 2026-12-01, in the future")

	p := mk("2026-10-15")
	p.Attestations = p.Attestations[1:]
	err = p.Verify(now)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `CMP-PENTEST a penetration test was done this quarter: no attestation: add {"id": "CMP-PENTEST"`)

	assert.NoError(t, jetty.Profile{}.Verify(now), "internal projects have no project-level requirements")
}

func TestProjectReportsStaleAttestations(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "go.mod", "module x\n")
	writeFile(t, dir, "jetty.json", `{"audience":"external","preset":"Production SaaS","attestations":[
		{"id":"OPS-ONCALL","by":"ops","date":"2020-01-01","evidence":"pagerduty"}]}`)
	t.Chdir(dir)
	res := tbtest.Run(t, "project", func(tb *tbtest.TB) { jetty.Project(tb) })
	assert.True(t, res.Failed)
	assert.Contains(t, res.ErrorText(), "OPS-ONCALL an on-call rotation answers production alerts: attestation by ops on 2020-01-01 is stale")
	assert.Contains(t, res.ErrorText(), "unit_test.go:", "the message names the caller's line")
	ps, err := jetty.ParseProjectSummary(res.Attrs[jetty.ProjectAttr])
	require.NoError(t, err)
	assert.Equal(t, []jetty.AttestationSummary{{ID: "OPS-ONCALL", Title: "an on-call rotation answers production alerts", By: "ops", Date: "2020-01-01", Until: "2020-03-31", Status: "stale"}}, ps.Attestations)

	writeFile(t, dir, "jetty.json", `{"audience":"external","preset":"Production SaaS","attestations":[
		{"id":"OPS-ONCALL","by":"ops","date":"`+time.Now().Format(time.DateOnly)+`","evidence":"pagerduty"}]}`)
	res = tbtest.Run(t, "project", func(tb *tbtest.TB) { jetty.Project(tb) })
	assert.False(t, res.Failed, res.Output())

	res = tbtest.Run(t, "project", func(tb *tbtest.TB) { jetty.Project(tb, jetty.Internal()) })
	assert.False(t, res.Failed, res.Output())
}

func TestCheckWithADouble(t *testing.T) {
	t.Chdir(t.TempDir())
	res := tbtest.Run(t, "check", func(tb *tbtest.TB) {
		jetty.Check(tb, jetty.Define(jetty.Production, "denies", func(s *jetty.S) {
			s.When("I ask", func() {})
			s.Then("I am refused", func() { s.Errorf("GET /x = %d, want 403", 200) })
		}))
	})
	assert.True(t, res.Failed)
	assert.Equal(t, []string{"[jetty] production › denies: Then I am refused: GET /x = 200, want 403"}, res.Errors)
	assert.Equal(t, []string{"When I ask", "Then I am refused"}, res.Logs)

	res = tbtest.Run(t, "check", func(tb *tbtest.TB) { jetty.Check(tb) })
	assert.Contains(t, res.ErrorText(), "unit_test.go:")
	assert.Contains(t, res.ErrorText(), "no scenarios: pass at least one")

	res = tbtest.Run(t, "check", func(tb *tbtest.TB) { jetty.Check(tb, nil, jetty.Define(0, "", nil)) })
	assert.Contains(t, res.ErrorText(), "scenario #1 is nil")
	assert.Contains(t, res.ErrorText(), `scenario "" has mode Mode(0)`)
}

func TestSummaryRoundTrip(t *testing.T) {
	s := jetty.Summary{Version: jetty.SummaryVersion, Feature: "Login", Test: "TestLogin", Audience: "external", Preset: "Production SaaS",
		Modes:    map[string]jetty.ModeSummary{"speed": {Pass: 3}, "stable": {Pass: 5, Fail: 1}, "production": {Skip: 2, Blocked: "stable mode is red"}},
		Coverage: jetty.CoverageSummary{Status: "unchecked", Required: []preset.ID{preset.Load}, Covered: []preset.ID{}, Waived: []preset.ID{}, Uncovered: []preset.ID{}},
		Waivers:  []jetty.WaiverSummary{{ID: preset.Load, Reason: "r", Until: "2027-01-01"}},
	}
	got, err := jetty.ParseSummary(s.String())
	require.NoError(t, err)
	if d := cmp.Diff(s, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	got, err = jetty.ParseSummary("=== ATTR  TestLogin jetty.summary " + s.String())
	require.NoError(t, err)
	assert.Equal(t, "Login", got.Feature)
	assert.Equal(t, "jetty: Login (external, Production SaaS): speed 3/3 passed; stable 5/6 passed, 1 failed; production 0/2 passed, 2 skipped; coverage unchecked: 1 required, 0 covered, 0 waived, 0 uncovered", s.Text())

	filtered := s
	filtered.Modes = map[string]jetty.ModeSummary{"speed": {}, "production": {Pass: 1}}
	assert.Contains(t, filtered.Text(), "speed not run; production 1/1 passed")

	for _, bad := range []string{"", "{", `{"v":2,"feature":"x"}`, `{"v":1}`, `{"v":1,"feature":"x","extra":1}`, `{"v":1,"feature":"x"} {}`} {
		_, err := jetty.ParseSummary(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range []jetty.Mode{jetty.Speed, jetty.Stable, jetty.Production} {
		got, err := jetty.ParseMode(strings.ToUpper(m.String()))
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	_, err := jetty.ParseMode("prod")
	assert.EqualError(t, err, `unknown mode "prod": want speed, stable or production`)
}
