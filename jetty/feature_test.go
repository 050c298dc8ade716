package jetty_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var _ testing.TB = (*jetty.S)(nil)

func writeFile(t testing.TB, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
}

// declLines maps each "// decl: text" marker of inner_test.go to its line.
func declLines(t *testing.T) map[string]int {
	t.Helper()
	src, err := os.ReadFile("inner_test.go")
	require.NoError(t, err)
	out := map[string]int{}
	for i, line := range strings.Split(string(src), "\n") {
		if _, text, ok := strings.Cut(line, "// decl: "); ok {
			out[strings.TrimSpace(text)] = i + 1
		}
	}
	return out
}

func TestStepsAreLoggedAndFailuresNameTheStep(t *testing.T) {
	r := innertest.Run(t, "TestInnerLogin")
	out := r.TestOutput("TestInnerLogin/Login/speed/signs_in")
	assert.Contains(t, out, "Given a registered user")
	assert.Contains(t, out, "When I sign in with a wrong password")
	assert.Contains(t, out, "[jetty] Login › speed › signs in: When I sign in with a wrong password: ")
	assert.NotContains(t, r.Output, "unreachable step ran", "require inside a step must stop the scenario")
	assert.NotContains(t, out, "Then I never get here")
	line := declLinesFor(t, "require.Equal(s, 200, 401")
	assert.Contains(t, out, fmt.Sprintf("inner_test.go:%d:", line), "the failure names the user's line")
	assert.Equal(t, "fail", r.Status("TestInnerLogin/Login/speed/signs_in"))
	assert.Equal(t, "pass", r.Status("TestInnerLogin/Login/speed/signs_out"))
}

// declLinesFor returns the line of inner_test.go holding text.
func declLinesFor(t *testing.T, text string) int {
	t.Helper()
	src, err := os.ReadFile("inner_test.go")
	require.NoError(t, err)
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, text) {
			return i + 1
		}
	}
	t.Fatalf("inner_test.go has no line with %q", text)
	return 0
}

func TestGatingSkipsStableWhenSpeedIsRed(t *testing.T) {
	r := innertest.Run(t, "TestInnerLogin")
	assert.Equal(t, "skip", r.Status("TestInnerLogin/Login/stable/wrong_password"))
	assert.Contains(t, r.TestOutput("TestInnerLogin/Login/stable/wrong_password"),
		`speed mode is red: 1 of 2 scenarios failed: "signs in"`)
	assert.Equal(t, "skip", r.Status("TestInnerLogin/Login/production/limits_attempts"))
	assert.Contains(t, r.TestOutput("TestInnerLogin/Login/production/limits_attempts"), "stable mode did not run: speed mode is red")
	assert.Equal(t, "fail", r.Status("TestInnerLogin"))
}

func TestGatingSkipsProductionWhenStableIsRed(t *testing.T) {
	r := innertest.Run(t, "TestInnerStableRed")
	assert.Equal(t, "pass", r.Status("TestInnerStableRed/Cart/speed/adds_an_item"))
	assert.Equal(t, "fail", r.Status("TestInnerStableRed/Cart/stable/rejects_negative_quantity"))
	assert.Equal(t, "pass", r.Status("TestInnerStableRed/Cart/stable/rejects_unknown_item"))
	assert.Equal(t, "skip", r.Status("TestInnerStableRed/Cart/production/handles_load"))
	assert.Contains(t, r.TestOutput("TestInnerStableRed/Cart/production/handles_load"),
		`stable mode is red: 1 of 2 scenarios failed: "rejects negative quantity"`)
}

func TestGatingPassesWhenGreen(t *testing.T) {
	r := innertest.Run(t, "TestInnerAllGreen")
	assert.True(t, r.ExitOK, r.Output)
	for test, want := range map[string]string{
		"TestInnerAllGreen/Signup/speed/registers":            "pass",
		"TestInnerAllGreen/Signup/stable/rejects_a_duplicate": "pass",
		"TestInnerAllGreen/Signup/production/survives":        "pass",
	} {
		assert.Equal(t, want, r.Status(test), test)
	}
	assert.Contains(t, r.TestOutput("TestInnerAllGreen/Signup/speed/steps_from_a_helper_body"),
		fmt.Sprintf("inner_test.go:%d: Given a helper's step", declLinesFor(t, "// line: Signup feature")), "a helper body's step names the Feature line")
}

func TestNoGateRunsEveryMode(t *testing.T) {
	r := innertest.Run(t, "TestInnerLogin", "-jetty.nogate")
	assert.Equal(t, "pass", r.Status("TestInnerLogin/Login/stable/wrong_password"))
	assert.Equal(t, "pass", r.Status("TestInnerLogin/Login/production/limits_attempts"))
}

func TestModeFlagStopsAtTheNamedMode(t *testing.T) {
	r := innertest.Run(t, "TestInnerAllGreen", "-jetty.mode=speed")
	assert.Equal(t, "pass", r.Status("TestInnerAllGreen/Signup/speed/registers"))
	assert.Equal(t, "skip", r.Status("TestInnerAllGreen/Signup/stable/rejects_a_duplicate"))
	assert.Contains(t, r.TestOutput("TestInnerAllGreen/Signup/stable/rejects_a_duplicate"), "-jetty.mode=speed: stable mode is not run yet")
	assert.True(t, r.ExitOK)
}

func TestBadFlagsFailWithAFix(t *testing.T) {
	r := innertest.Run(t, "TestInnerBadFlags", "-jetty.mode=fast", "-jetty.tags=smoke &&")
	assert.Equal(t, "fail", r.Status("TestInnerBadFlags"))
	assert.Contains(t, r.Output, `-jetty.mode: unknown mode "fast": want speed, stable or production`)
	assert.Contains(t, r.Output, `-jetty.tags: tag expression "smoke &&": column 9: the expression ends where a tag is needed`)
}

func TestFatalStopsTheScenarioOnly(t *testing.T) {
	r := innertest.Run(t, "TestInnerFatalStopsScenarioOnly")
	assert.Equal(t, "fail", r.Status("TestInnerFatalStopsScenarioOnly/Fatal/speed/first"))
	assert.Contains(t, r.Output, "[jetty] Fatal › speed › first: When it stops: stop here: 42")
	assert.NotContains(t, r.Output, "REACHED-AFTER-FATAL")
	assert.Equal(t, "pass", r.Status("TestInnerFatalStopsScenarioOnly/Fatal/speed/second"))
	assert.Contains(t, r.Output, "SECOND-RAN")
}

func TestPanicFailsTheScenarioOnly(t *testing.T) {
	r := innertest.Run(t, "TestInnerPanic")
	assert.Equal(t, "fail", r.Status("TestInnerPanic/Panics/speed/panics"))
	out := r.TestOutput("TestInnerPanic/Panics/speed/panics")
	assert.Contains(t, out, "[jetty] Panics › speed › panics: When the handler explodes: panic: kaboom")
	assert.Contains(t, out, "inner_test.go:", "the stack names the user's frame")
	assert.Equal(t, "pass", r.Status("TestInnerPanic/Panics/speed/still_runs"))
}

func TestOutlineRowsAreNamedSubtests(t *testing.T) {
	r := innertest.Run(t, "TestInnerOutline")
	base := "TestInnerOutline/Outline/speed/"
	assert.Equal(t, "pass", r.Status(base+"rejects_bad_emails/empty"))
	assert.Equal(t, "fail", r.Status(base+"rejects_bad_emails/no_domain"))
	assert.Contains(t, r.Output, `[jetty] Outline › speed › rejects bad emails › no domain: accepted "a@"`)
	assert.Equal(t, "pass", r.Status(base+"codes/status-200"))
	assert.Equal(t, "pass", r.Status(base+"numbers/9"))
	assert.Equal(t, "pass", r.Status(base+"paths/_a_b"), "a / in a row name does not split the subtest")
	assert.Equal(t, "pass", r.Status(base+"structs/row_2"))
	sum := summaryOf(t, r, "TestInnerOutline/Outline")
	assert.Equal(t, jetty.ModeSummary{Pass: 8, Fail: 1}, sum.Modes["speed"])
}

func TestTagsFilterScenarios(t *testing.T) {
	r := innertest.Run(t, "TestInnerTags", "-jetty.tags=smoke && !slow")
	base := "TestInnerTags/Tags/speed/"
	assert.Equal(t, "pass", r.Status(base+"smoke_only"))
	assert.Equal(t, "pass", r.Status(base+"included_smoke"))
	assert.Equal(t, "skip", r.Status(base+"smoke_and_slow"))
	assert.Contains(t, r.TestOutput(base+"smoke_and_slow"), `not selected by -jetty.tags "smoke && !slow" (tags: @smoke @slow)`)
	assert.Equal(t, "skip", r.Status(base+"untagged"))
}

func summaryOf(t *testing.T, r innertest.Result, test string) jetty.Summary {
	t.Helper()
	v, ok := r.Attr(test, jetty.SummaryAttr)
	require.True(t, ok, "no summary attribute on %s:\n%s", test, r.Output)
	s, err := jetty.ParseSummary(v)
	require.NoError(t, err)
	return s
}

func TestCoverageFailsUncoveredRequirements(t *testing.T) {
	r := innertest.Run(t, "TestInnerUncovered")
	assert.Equal(t, "fail", r.Status("TestInnerUncovered/Uncovered"))
	out := r.TestOutput("TestInnerUncovered/Uncovered")
	assert.Contains(t, out, `[jetty] Uncovered: 1 of 2 production requirements of preset "Tiny SaaS" are not covered:`)
	assert.Regexp(t, regexp.MustCompile(`T-RATE\s+rate limited — add scenario.RateLimit\{…\} with f.Include, or declare f.Production\(name, body, "T-RATE"\)`), out)
	assert.NotContains(t, out, "T-BACKUP", "a requirement for other traits does not apply")
	sum := summaryOf(t, r, "TestInnerUncovered/Uncovered")
	assert.Equal(t, "uncovered", sum.Coverage.Status)
	assert.Equal(t, "external", sum.Audience)
	assert.ElementsMatch(t, []string{"T-RATE"}, idStrings(sum.Coverage.Uncovered))
}

func idStrings[T ~string](ids []T) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

func TestCoveragePassesWhenCovered(t *testing.T) {
	r := innertest.Run(t, "TestInnerCovered")
	assert.True(t, r.ExitOK, r.Output)
	sum := summaryOf(t, r, "TestInnerCovered/Covered")
	assert.Equal(t, "covered", sum.Coverage.Status)
	assert.ElementsMatch(t, []string{"T-RATE", "T-HEAD"}, idStrings(sum.Coverage.Covered))
}

func TestCoveragePassesWhenWaived(t *testing.T) {
	r := innertest.Run(t, "TestInnerWaived")
	assert.True(t, r.ExitOK, r.Output)
	sum := summaryOf(t, r, "TestInnerWaived/Waived")
	assert.Equal(t, []string{"T-RATE"}, idStrings(sum.Coverage.Waived))
	require.Len(t, sum.Waivers, 1)
	assert.Equal(t, "login is behind the corporate SSO until Q2", sum.Waivers[0].Reason)
	assert.False(t, sum.Waivers[0].Expired)
}

func TestExpiredWaiverCountsAsUncovered(t *testing.T) {
	r := innertest.Run(t, "TestInnerExpiredWaiver")
	assert.Equal(t, "fail", r.Status("TestInnerExpiredWaiver/Expired"))
	line := declLinesFor(t, `f.Waive("T-RATE", "temporary"`)
	assert.Contains(t, r.Output, fmt.Sprintf("waiver at inner_test.go:%d expired on 2020-01-31 (temporary): cover it or renew the waiver", line))
	sum := summaryOf(t, r, "TestInnerExpiredWaiver/Expired")
	assert.True(t, sum.Waivers[0].Expired)
}

func TestCoverageByAFailingScenarioSaysSo(t *testing.T) {
	r := innertest.Run(t, "TestInnerCoveredByFailing")
	assert.Contains(t, r.Output, `covered only by failing "has headers": make it pass`)
}

func TestExternalFeatureNeedsProduction(t *testing.T) {
	r := innertest.Run(t, "TestInnerNoProduction")
	assert.Contains(t, r.Output, "declares no production scenario: production mode is required")
	assert.Equal(t, "fail", r.Status("TestInnerNoProduction/NoProd"))
}

func TestInternalRequiresNothing(t *testing.T) {
	r := innertest.Run(t, "TestInnerInternalNothingRequired")
	assert.True(t, r.ExitOK, r.Output)
	sum := summaryOf(t, r, "TestInnerInternalNothingRequired/Tool")
	assert.Equal(t, "not-required", sum.Coverage.Status)
	assert.Equal(t, "internal", sum.Audience)
}

func TestDeclarationErrorsNameFileAndLine(t *testing.T) {
	r := innertest.Run(t, "TestInnerDeclErrors")
	assert.Equal(t, "fail", r.Status("TestInnerDeclErrors"))
	assert.Contains(t, r.Output, "no scenario ran")
	assert.NotContains(t, r.Output, "=== RUN   TestInnerDeclErrors/Bad")
	lines := strings.Split(r.Output, "\n")
	for text, line := range declLines(t) {
		if !strings.Contains(text, " ") || strings.HasPrefix(text, "ran after") || strings.HasPrefix(text, "empty feature") {
			continue
		}
		want := fmt.Sprintf("inner_test.go:%d: ", line)
		found := false
		for _, l := range lines {
			if strings.Contains(l, want) && strings.Contains(l, text) {
				found = true
			}
		}
		assert.True(t, found, "want a line with %q and %q in:\n%s", want, text, r.Output)
	}
}

func TestNilBodyAndEmptyName(t *testing.T) {
	r := innertest.Run(t, "TestInnerNilBody")
	assert.Equal(t, "fail", r.Status("TestInnerNilBody"))
	line := declLines(t)["empty feature name"]
	assert.Contains(t, r.Output, fmt.Sprintf("inner_test.go:%d: jetty.Feature(t, \"\", …): empty feature name", line))
	assert.Contains(t, r.Output, "the feature has no body: pass func(f *jetty.F)")
}

func TestStepMisuseIsReported(t *testing.T) {
	r := innertest.Run(t, "TestInnerStepMisuse")
	line := declLines(t)["ran after scenario"]
	assert.Contains(t, r.Output, fmt.Sprintf(`inner_test.go:%d: Given "a step on a finished scenario" ran after scenario "keeps its S" ended`, line))
	assert.Equal(t, "fail", r.Status("TestInnerStepMisuse/Misuse/speed/uses_another_scenario's_S"))
	assert.Contains(t, r.Output, `When "from a goroutine" was called from another goroutine`)
	assert.Contains(t, r.Output, `Then "nothing" has a nil function`)
	assert.Equal(t, "pass", r.Status("TestInnerStepMisuse/Misuse/speed/steps_nested_deep"), r.Output)
	assert.Contains(t, r.TestOutput("TestInnerStepMisuse/Misuse/speed/steps_nested_deep"), "Given deep down")
	assert.Contains(t, r.Output, `When "on the outer S" was called from another goroutine`)
	assert.Contains(t, r.Output, `When "on a borrowed S" was called from another goroutine`)
}

func TestProfileFileIsFoundAtTheModuleRoot(t *testing.T) {
	r := innertest.Run(t, "TestInnerProfileFromFile")
	assert.Equal(t, "pass", r.Status("TestInnerProfileFromFile/FromFile/speed/works"), r.Output)
	sum := summaryOf(t, r, "TestInnerProfileFromFile/FromFile")
	assert.Equal(t, "Startup MVP", sum.Preset)
	assert.Equal(t, "covered", sum.Coverage.Status, r.Output)
}

func TestBadProfileFailsWithFileLineField(t *testing.T) {
	r := innertest.Run(t, "TestInnerBadProfile")
	assert.Equal(t, "fail", r.Status("TestInnerBadProfile"))
	assert.Regexp(t, `jetty\.json:3: field "preset" is a JSON number: want a string`, r.Output)
	assert.NotContains(t, r.Output, "RAN")
}

func TestCheckRunsScenariosAsSubtests(t *testing.T) {
	r := innertest.Run(t, "TestInnerCheck")
	assert.Equal(t, "pass", r.Status("TestInnerCheck/passes"))
	assert.Equal(t, "fail", r.Status("TestInnerCheck/fails"))
	assert.Contains(t, r.Output, "[jetty] production › fails: Then broken: bad")
	assert.Contains(t, r.TestOutput("TestInnerCheck/helper_body"),
		fmt.Sprintf("inner_test.go:%d: Then from a helper", declLinesFor(t, "// line: Check call")), "a helper body's step names the Check line")
}

func TestParallelOptionRunsAModeAtOnce(t *testing.T) {
	r := innertest.Run(t, "TestInnerParallel")
	assert.True(t, r.ExitOK, r.Output)
	assert.Equal(t, "pass", r.Status("TestInnerParallel/Parallel/stable/after_both"))
}

func TestFeatureNamedLikeTheTestIsFolded(t *testing.T) {
	r := innertest.Run(t, "TestInnerFold")
	assert.Equal(t, "pass", r.Status("TestInnerFold/speed/works"), r.Output)
}

func TestBubbleRunsOnVirtualTime(t *testing.T) {
	r := innertest.Run(t, "TestInnerBubble")
	out := r.Output
	assert.NotContains(t, out, "virtual time passed")
	assert.NotContains(t, out, "Bubble did not run")
	assert.Contains(t, out, "[jetty] Bubble › production › waits out a lockout: Then a failure inside the bubble names the step: inside")
}
