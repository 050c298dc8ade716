package jetty

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jettymethod/jetty/preset"
)

// Check runs scenarios — typically ready-made ones from package scenario —
// inside any existing test, without a Feature:
//
//	func TestLoginRateLimit(t *testing.T) {
//		jetty.Check(t, scenario.RateLimit{Target: scenario.HandlerFunc(newServer)})
//	}
//
// With a *testing.T each scenario runs as a subtest named after its title;
// with another testing.TB (a *testing.B, a test double) the scenarios run in
// order on t itself. There is no gating and no coverage; the project profile
// still supplies the preset that ready-made scenarios read their thresholds
// from. A nil scenario or a bad profile file fails the test with the line of
// the call. Check is safe to call from parallel tests.
func Check(t testing.TB, scenarios ...Scenario) {
	if t == nil || reflect.ValueOf(t).Kind() == reflect.Pointer && reflect.ValueOf(t).IsNil() {
		panic(maskf("jetty.Check(nil, …) at %s: pass the test's *testing.T (or another testing.TB), as in jetty.Check(t, scenario.RateLimit{…})", callerOutside()))
	}
	t.Helper()
	where := callerOutside()
	if tt, ok := t.(*testing.T); ok && inBubble(tt) {
		errorf(t, "[jetty] %s: jetty.Check(t, …) was called inside a testing/synctest bubble, where the subtests Check runs are not allowed: "+
			"call jetty.Check outside synctest.Test and use s.Bubble(func(s *jetty.S) { … }) in the scenario for virtual time, or call the check's Verify inside the bubble", where)
		return
	}
	if len(scenarios) == 0 {
		errorf(t, "[jetty] %s: jetty.Check(t): no scenarios: pass at least one, e.g. jetty.Check(t, scenario.RateLimit{…})", where)
		return
	}
	prof, err := loadProfileHere()
	if err != nil {
		errorf(t, "[jetty] %s: jetty.Check: %v", where, err)
		return
	}
	misuse := func(_ testing.TB, format string, args ...any) { errorf(t, "[jetty] "+format, args...) }
	var bodyPC uintptr // see S.bodyPC
	for i, sc := range scenarios {
		if msg := nilScenario(sc); msg != "" {
			errorf(t, "[jetty] %s: jetty.Check: scenario #%d %s", where, i+1, msg)
			continue
		}
		desc, msg := describe(sc)
		if msg != "" {
			errorf(t, "[jetty] %s: jetty.Check: scenario #%d %s", where, i+1, msg)
			continue
		}
		mode, title := desc.mode, desc.title
		if !mode.valid() {
			errorf(t, "[jetty] %s: jetty.Check: scenario %q has mode %v: its Mode method must return jetty.Speed, jetty.Stable or jetty.Production", where, title, mode)
			continue
		}
		if title == "" {
			errorf(t, "[jetty] %s: jetty.Check: scenario #%d (%T) has an empty title: its Title method must name it", where, i+1, sc)
			continue
		}
		body := func(t testing.TB) {
			t.Helper()
			s := newS(t, "", mode, title, &prof, misuse)
			s.bodyPC = bodyPC
			s.origin = where
			s.run(sc.Run)
			bodyPC = s.bodyPC
		}
		if tt, ok := t.(*testing.T); ok {
			tt.Run(title, func(t *testing.T) {
				t.Helper()
				body(t)
			})
		} else {
			body(t)
		}
	}
}

// inBubble reports whether t is the *testing.T of a testing/synctest
// bubble, where t.Run (and t.Deadline) panic.
func inBubble(t *testing.T) (in bool) {
	defer func() {
		if recover() != nil {
			in = true
		}
	}()
	_, _ = t.Deadline()
	return false
}

// nilScenario says what is wrong with a nil scenario (also one wrapped by
// Tagged), or "".
func nilScenario(sc Scenario) string {
	if tg, ok := sc.(tagged); ok {
		if nilScenario(tg.Scenario) != "" {
			return "is jetty.Tagged(nil, …): tag a scenario value, such as jetty.Tagged(scenario.RateLimit{…}, \"smoke\")"
		}
		return ""
	}
	if sc == nil || (reflect.ValueOf(sc).Kind() == reflect.Pointer && reflect.ValueOf(sc).IsNil()) {
		return "is nil: pass a scenario value such as scenario.RateLimit{…}"
	}
	return ""
}

// description is what a Scenario says about itself.
type description struct {
	mode   Mode
	title  string
	covers []preset.ID
	tags   []string
}

// describe calls sc's Mode, Title, Covers and Tags, turning a panic in any
// of them into a problem: a broken scenario fails the test, it does not
// crash the binary.
func describe(sc Scenario) (d description, problem string) {
	method := "Mode"
	defer func() {
		if r := recover(); r != nil {
			problem = fmt.Sprintf("(%T): its %s method panicked: %v: make it return a value without panicking", sc, method, r)
		}
	}()
	d.mode = sc.Mode()
	method = "Title"
	d.title = sc.Title()
	method = "Covers"
	d.covers = sc.Covers()
	method = "Tags"
	d.tags = scenarioTags(sc)
	return d, ""
}

// Project verifies the project-level requirements once per module: the
// attested requirements of an external project's preset (a penetration
// test, an on-call rotation) must each have an attestation in the profile
// file that is not stale. Call it from one test of the module:
//
//	func TestProject(t *testing.T) { jetty.Project(t) }
//
// Options override the profile file as they do for Feature. An internal
// project has no project-level requirements. Project emits a ProjectSummary
// as the test attribute "jetty.project", which the jetty command reads to
// list attestations that are stale or expire soon. Use LoadProfile and
// Profile.Verify to check without a testing.TB.
func Project(t testing.TB, opts ...Option) {
	if t == nil {
		return
	}
	t.Helper()
	where := callerOutside()
	cfg := newConfig(opts)
	for _, p := range cfg.problems {
		errorf(t, "[jetty] %s: jetty.Project: %s", where, p)
	}
	file, err := loadProfileHere()
	if err != nil {
		errorf(t, "[jetty] %s: jetty.Project: %v", where, err)
		return
	}
	prof := cfg.profile(file)
	now := time.Now()
	t.Attr(ProjectAttr, prof.projectSummary(t.Name(), now).String())
	if err := prof.Verify(now); err != nil {
		errorf(t, "[jetty] %s: %v", where, err)
		return
	}
	switch {
	case !prof.External:
		logf(t, "jetty: internal project: no project-level requirements")
	default:
		logf(t, "jetty: %d attested requirement(s) of preset %q are current", len(prof.Preset.Attested()), prof.Preset.Name)
	}
}
