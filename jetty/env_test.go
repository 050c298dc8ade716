package jetty_test

import (
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvironmentFormsOfTheFlags(t *testing.T) {
	speed := []string{"JETTY_MODE=speed"}
	r := innertest.RunEnv(t, speed, "TestInnerAllGreen")
	assert.Equal(t, "skip", r.Status("TestInnerAllGreen/Signup/stable/rejects_a_duplicate"))
	assert.Contains(t, r.TestOutput("TestInnerAllGreen/Signup/stable/rejects_a_duplicate"), "JETTY_MODE=speed: stable mode is not run yet")

	// The flag wins over the environment.
	r = innertest.RunEnv(t, speed, "TestInnerAllGreen", "-jetty.mode=production")
	assert.Equal(t, "pass", r.Status("TestInnerAllGreen/Signup/stable/rejects_a_duplicate"))

	nogate := []string{"JETTY_NOGATE=1"}
	r = innertest.RunEnv(t, nogate, "TestInnerLogin")
	assert.Equal(t, "pass", r.Status("TestInnerLogin/Login/stable/wrong_password"))
	r = innertest.RunEnv(t, nogate, "TestInnerLogin", "-jetty.nogate=false")
	assert.Equal(t, "skip", r.Status("TestInnerLogin/Login/stable/wrong_password"))

	r = innertest.RunEnv(t, []string{"JETTY_TAGS=smoke && !slow"}, "TestInnerTags")
	assert.Contains(t, r.Output, `not selected by JETTY_TAGS "smoke && !slow"`)

	r = innertest.RunEnv(t, []string{"JETTY_MODE=fast", "JETTY_NOGATE=maybe"}, "TestInnerBadFlags")
	assert.Equal(t, "fail", r.Status("TestInnerBadFlags"))
	assert.Contains(t, r.Output, `JETTY_MODE: unknown mode "fast"`)
	assert.Contains(t, r.Output, `JETTY_NOGATE="maybe": want 1, true, 0 or false`)
}

func TestFlagsListTheirEnvironmentForms(t *testing.T) {
	for _, f := range jetty.Flags() {
		assert.Regexp(t, `^jetty\.[a-z]+$`, f.Name)
		assert.Equal(t, "JETTY_"+map[string]string{"jetty.tags": "TAGS", "jetty.mode": "MODE", "jetty.nogate": "NOGATE"}[f.Name], f.Env)
	}
}

func TestPartlyProvenIsRed(t *testing.T) {
	r := innertest.Run(t, "TestInnerPartlyProven")
	assert.Equal(t, "fail", r.Status("TestInnerPartlyProven"))
	assert.Equal(t, "pass", r.Status("TestInnerPartlyProven/Partly/production/limits_logins"))
	assert.Contains(t, r.Output, "only partly proven by \"limits logins\": not proven: the block lifts on time: set Lockout")
	sum := summaryOf(t, r, "TestInnerPartlyProven/Partly")
	assert.Equal(t, jetty.CoveragePartial, sum.Coverage.Status)
	assert.Equal(t, []jetty.PartialSummary{{ID: "T-RATE", Scenario: "limits logins", Missing: []string{"the block lifts on time: set Lockout"}}}, sum.Coverage.Partial)
	assert.Equal(t, []preset.ID{"T-HEAD"}, sum.Coverage.Covered)
	back, err := jetty.ParseSummary(sum.String())
	assert.NoError(t, err)
	assert.Equal(t, sum, back)
}

func TestSummaryFitsTest2json(t *testing.T) {
	r := innertest.Run(t, "TestInnerLongWaivers")
	sum := summaryOf(t, r, "TestInnerLongWaivers/Long")
	assert.Len(t, sum.Waivers, 2)
	for _, w := range sum.Waivers {
		assert.Less(t, len(w.Reason), 300, "reasons are shortened so the summary line stays under test2json's 4096 bytes")
	}
	v, ok := r.Attr("TestInnerLongWaivers/Long/speed/works", jetty.ScenarioAttr)
	require.True(t, ok, "each scenario's subtest carries a jetty.scenario attribute")
	sc, err := jetty.ParseScenarioSummary(v)
	require.NoError(t, err)
	assert.Equal(t, jetty.ScenarioSummary{Mode: "speed", Name: "works", Tags: []string{"smoke"}}, sc)
}
