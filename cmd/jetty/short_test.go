package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shortStream is a go test -json stream of one green feature, its summary
// marked short or not.
func shortStream(t *testing.T, short bool) []byte {
	t.Helper()
	s := jetty.Summary{Version: 1, Feature: "Login", Test: "TestLogin", Audience: "internal", Short: short,
		Modes:    map[string]jetty.ModeSummary{"speed": {Pass: 1}, "stable": {Pass: 1}},
		Coverage: jetty.CoverageSummary{Status: jetty.CoverageNotRequired}}
	var b strings.Builder
	for _, e := range []map[string]string{
		{"Action": "start", "Package": "example.com/p"},
		{"Action": "run", "Package": "example.com/p", "Test": s.Test},
		{"Action": "attr", "Package": "example.com/p", "Test": s.Test, "Key": jetty.SummaryAttr, "Value": s.String()},
		{"Action": "pass", "Package": "example.com/p", "Test": s.Test},
		{"Action": "pass", "Package": "example.com/p"},
	} {
		line, err := json.Marshal(e)
		require.NoError(t, err)
		b.Write(line)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// A run under go test -short proves less than a full one: the gate never
// calls it green.
func TestShortRunIsNotGreen(t *testing.T) {
	r := runCmd(t, shortStream(t, false), "status")
	assert.Equal(t, 0, r.code, r.stdout)

	r = runCmd(t, shortStream(t, true), "status")
	assert.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "ran under -short: example.com/p: Login ran under go test -short: Load and Injection were shortened (and tests may skip themselves); the gate needs the full run (drop -short)")
	assert.Regexp(t, `RED: 1 problem\(s\) in 1 package\(s\) \(ran under -short\)`, r.stdout)
}

// End to end: jetty test -short passes -short to go test, whose summaries
// say so.
func TestJettyTestShortIsNotGreen(t *testing.T) {
	r := runCmd(t, nil, "test", "-short", "./green")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "ran under -short: example.com/suite/green: Greeter ran under go test -short")
}
