package jetty

import (
	"reflect"
	"testing"
	"time"
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
	if t == nil {
		return
	}
	t.Helper()
	where := callerOutside()
	if len(scenarios) == 0 {
		t.Errorf("[jetty] %s: jetty.Check(t): no scenarios: pass at least one, e.g. jetty.Check(t, scenario.RateLimit{…})", where)
		return
	}
	prof, err := loadProfileHere()
	if err != nil {
		t.Errorf("[jetty] %s: jetty.Check: %v", where, err)
		return
	}
	misuse := func(format string, args ...any) { t.Errorf("[jetty] "+format, args...) }
	for i, sc := range scenarios {
		if sc == nil || (reflect.ValueOf(sc).Kind() == reflect.Pointer && reflect.ValueOf(sc).IsNil()) {
			t.Errorf("[jetty] %s: jetty.Check: scenario #%d is nil: pass a scenario value such as scenario.RateLimit{…}", where, i+1)
			continue
		}
		mode, title := sc.Mode(), sc.Title()
		if !mode.valid() {
			t.Errorf("[jetty] %s: jetty.Check: scenario %q has mode %v: its Mode method must return jetty.Speed, jetty.Stable or jetty.Production", where, title, mode)
			continue
		}
		if title == "" {
			t.Errorf("[jetty] %s: jetty.Check: scenario #%d (%T) has an empty title: its Title method must name it", where, i+1, sc)
			continue
		}
		body := func(t testing.TB) {
			t.Helper()
			newS(t, "", mode, title, prof, misuse).run(sc.Run)
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
		t.Errorf("[jetty] %s: jetty.Project: %s", where, p)
	}
	file, err := loadProfileHere()
	if err != nil {
		t.Errorf("[jetty] %s: jetty.Project: %v", where, err)
		return
	}
	prof := cfg.profile(file)
	now := time.Now()
	t.Attr(ProjectAttr, prof.projectSummary(t.Name(), now).String())
	if err := prof.Verify(now); err != nil {
		t.Errorf("[jetty] %s: %v", where, err)
		return
	}
	switch {
	case !prof.External:
		t.Logf("jetty: internal project: no project-level requirements")
	default:
		t.Logf("jetty: %d attested requirement(s) of preset %q are current", len(prof.Preset.Attested()), prof.Preset.Name)
	}
}
