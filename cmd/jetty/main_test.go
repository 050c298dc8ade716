package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func attr(t *testing.T, s jetty.Summary) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"Action":"attr","Package":"example.com/app","Test":"` + s.Test + `","Key":"jetty.summary","Value":`)
	v, err := jsonString(s.String())
	require.NoError(t, err)
	b.WriteString(v + "}\n")
	return b.String()
}

func TestStatusMatrix(t *testing.T) {
	green := jetty.Summary{Version: 1, Feature: "Login", Test: "TestLogin", Audience: "external", Preset: "Production SaaS",
		Modes:    map[string]jetty.ModeSummary{"speed": {Pass: 3}, "stable": {Pass: 6}, "production": {Pass: 8}},
		Coverage: jetty.CoverageSummary{Status: "covered", Required: ids("A", "B"), Covered: ids("A"), Waived: ids("B")},
		Waivers:  []jetty.WaiverSummary{{ID: "B", Reason: "behind SSO", Until: "2027-01-01"}}}
	redOne := jetty.Summary{Version: 1, Feature: "Cart", Test: "TestCart", Audience: "external",
		Modes:    map[string]jetty.ModeSummary{"speed": {Pass: 1, Fail: 1}, "stable": {Skip: 2, Blocked: "speed mode is red"}},
		Coverage: jetty.CoverageSummary{Status: "uncovered", Required: ids("A"), Uncovered: ids("A")}}
	in := "not json\n" + attr(t, green) + `{"Action":"output","Output":"x"}` + "\n" + attr(t, redOne)

	var out, errOut bytes.Buffer
	code := run([]string{"status"}, strings.NewReader(in), &out, &errOut)
	assert.Equal(t, 1, code, "a red feature makes the exit status 1")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 4, out.String())
	assert.Regexp(t, `^Cart\s+external\s+1/2 ✗\s+gated\s+-\s+uncovered 0/1 missing A$`, lines[1])
	assert.Regexp(t, `^Login\s+external\s+3/3\s+6/6\s+8/8\s+covered 2/2$`, lines[2])
	assert.Equal(t, "  waived B until 2027-01-01: behind SSO", lines[3])

	out.Reset()
	assert.Equal(t, 0, run([]string{"json"}, strings.NewReader(attr(t, green)), &out, &errOut))
	assert.Contains(t, out.String(), `"feature": "Login"`)

	assert.Equal(t, 2, run(nil, strings.NewReader(""), &out, &errOut))
	bad := `{"Action":"attr","Test":"TestX","Key":"jetty.summary","Value":"{nope"}` + "\n"
	errOut.Reset()
	assert.Equal(t, 2, run([]string{"status"}, strings.NewReader(bad), &out, &errOut))
	assert.Contains(t, errOut.String(), "line 1 ( TestX): jetty: parsing summary")
}

func ids(s ...string) []preset.ID {
	out := make([]preset.ID, len(s))
	for i, v := range s {
		out[i] = preset.ID(v)
	}
	return out
}

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}
