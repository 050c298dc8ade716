package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/redact"
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

// TestOutputIsRedacted feeds summaries with secrets of every shape in every
// text field, and a malformed one: neither status, json nor the error shows
// them.
func TestOutputIsRedacted(t *testing.T) {
	for _, sh := range redact.Shapes() {
		t.Run(sh.Name, func(t *testing.T) {
			x := strings.ReplaceAll(sh.Example, "\n", " ")
			s := jetty.Summary{Version: 1, Feature: x, Test: "TestX/" + x, Audience: x, Preset: x,
				Modes:    map[string]jetty.ModeSummary{"speed": {Fail: 1}, "stable": {Skip: 1, Blocked: x}},
				Coverage: jetty.CoverageSummary{Status: "uncovered", Required: ids(x), Uncovered: ids(x), Covered: ids(x), Waived: ids(x)},
				Waivers:  []jetty.WaiverSummary{{ID: preset.ID(x), Reason: x, Until: x}}}
			ev, err := json.Marshal(map[string]string{"Action": "attr", "Package": "p", "Test": s.Test, "Key": jetty.SummaryAttr, "Value": s.String()})
			require.NoError(t, err)
			in := string(ev) + "\n"
			for _, cmd := range []string{"status", "json"} {
				var out, errOut bytes.Buffer
				run([]string{cmd}, strings.NewReader(in), &out, &errOut)
				assert.NotContains(t, out.String()+errOut.String(), sh.Secret, cmd)
				assert.Contains(t, out.String(), redact.Mask, cmd)
			}
			ev, err = json.Marshal(map[string]string{"Action": "attr", "Package": "p " + x, "Test": x, "Key": jetty.SummaryAttr, "Value": `{"v":2,"feature":"f"}`})
			require.NoError(t, err)
			bad := string(ev) + "\n"
			var out, errOut bytes.Buffer
			assert.Equal(t, 2, run([]string{"status"}, strings.NewReader(bad), &out, &errOut))
			assert.NotContains(t, errOut.String(), sh.Secret)
			assert.Contains(t, errOut.String(), "version 2")
		})
	}
}
