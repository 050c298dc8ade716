package jetty

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/internal/shortflag"
	"github.com/jettymethod/jetty/preset"
)

// SummaryAttr is the test attribute key under which each feature emits its
// Summary as one line of JSON. With go test -json the summary arrives as an
// event {"Action":"attr","Test":"TestLogin","Key":"jetty.summary",
// "Value":"{…}"}; with -v as a line "=== ATTR  TestLogin jetty.summary {…}".
// ParseSummary reads the value back.
const SummaryAttr = "jetty.summary"

// SummaryVersion is the version of the summary format; it changes only
// when a field changes meaning or is removed.
const SummaryVersion = 1

// The coverage statuses of CoverageSummary.Status, in the order the jetty
// command lists them. Iterate CoverageStatuses rather than spelling them.
const (
	// CoverageCovered: every requirement that applies is covered by a
	// passing production scenario that proved everything it needs, or waived.
	CoverageCovered = "covered"
	// CoveragePartial: every requirement is covered or waived, but some
	// were covered only by scenarios that could not prove every probe the
	// requirement needs ("not proven: set X"); CoverageSummary.Partial
	// lists them with the missing probes. Red, like uncovered.
	CoveragePartial = "partial"
	// CoverageUncovered: some requirement is neither covered nor waived.
	CoverageUncovered = "uncovered"
	// CoverageUnchecked: production did not run to the end (gated,
	// -jetty.mode, -run or -jetty.tags), so coverage was not judged.
	CoverageUnchecked = "unchecked"
	// CoverageNotRequired: an internal project; production is not required.
	CoverageNotRequired = "not-required"
)

// CoverageStatuses returns every coverage status, in a fixed order.
func CoverageStatuses() []string {
	return []string{CoverageCovered, CoveragePartial, CoverageUncovered, CoverageUnchecked, CoverageNotRequired}
}

// Summary is the machine-readable outcome of one feature. Its JSON form is
// the value of the "jetty.summary" attribute:
//
//	{"v":1,"feature":"Login","test":"TestLogin","audience":"external",
//	 "preset":"Production SaaS",
//	 "modes":{"speed":{"pass":3,"fail":0,"skip":0},
//	          "stable":{"pass":6,"fail":0,"skip":0},
//	          "production":{"pass":8,"fail":0,"skip":0,"blocked":""}},
//	 "coverage":{"status":"covered","required":["SEC-RATE-LIMIT",…],
//	             "covered":[…],"waived":[…],"uncovered":[]},
//	 "waivers":[{"id":"PERF-LOAD","reason":"…","until":"2027-01-31","expired":false}]}
//
// Modes without scenarios are omitted. "blocked" says why a mode did not
// run (gating or -jetty.mode). Coverage "status" is "covered", "uncovered",
// "unchecked" (production did not run to the end, so coverage was not
// judged), "partial" (covered, but some requirement only partly proven; see
// PartialSummary) or "not-required" (an internal project); see the
// Coverage* constants. "partial" (the status and the field) was added
// without a version change: a summary without it reads as before.
// "short":true says the feature ran under go test -short, where checks
// run shortened (scenario.Load and scenario.Injection send a smaller plan)
// and tests may skip themselves: such a run proves less than a full one,
// and the jetty command never calls it green. It was added without a
// version change, omitted when false.
type Summary struct {
	Version  int                    `json:"v"`
	Feature  string                 `json:"feature"`
	Test     string                 `json:"test"`
	Audience string                 `json:"audience"`
	Preset   string                 `json:"preset,omitempty"`
	Modes    map[string]ModeSummary `json:"modes"`
	Coverage CoverageSummary        `json:"coverage"`
	Waivers  []WaiverSummary        `json:"waivers"`
	// Scope is "app" for the application-level feature (App), omitted for
	// a Feature. App's coverage is of the application-scoped requirements.
	Scope string `json:"scope,omitempty"`
	// Short is set when the feature ran under go test -short.
	Short bool `json:"short,omitempty"`
}

// ScenarioAttr is the test attribute key under which each scenario's
// subtest emits its ScenarioSummary, so tools can join go test's events to
// the feature's declarations. It is one small attribute per scenario, not a
// list in Summary: go test -json (test2json) parses an attribute only when
// its whole line fits in 4096 bytes.
const ScenarioAttr = "jetty.scenario"

// ScenarioSummary is one declared scenario, as emitted on its subtest:
//
//	{"mode":"production","name":"too many login attempts are blocked","covers":["SEC-RATE-LIMIT"],"tags":["slow"]}
type ScenarioSummary struct {
	Mode   string      `json:"mode"`
	Name   string      `json:"name"`
	Covers []preset.ID `json:"covers,omitempty"`
	Tags   []string    `json:"tags,omitempty"`
}

// String returns the scenario summary as one line of JSON.
func (s ScenarioSummary) String() string {
	if out, ok := s.fastString(); ok {
		return out
	}
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Sprintf(`{"error":%q}`, err.Error())
	}
	return string(b)
}

// ParseScenarioSummary parses the value of a "jetty.scenario" attribute.
func ParseScenarioSummary(value string) (ScenarioSummary, error) {
	var s ScenarioSummary
	dec := json.NewDecoder(strings.NewReader(strings.TrimSpace(value)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return ScenarioSummary{}, fmt.Errorf("jetty: parsing scenario summary: %w", err)
	}
	return s, nil
}

// maxAttr bounds an attribute's value: test2json reads lines of up to 4096
// bytes, and the line also holds "=== ATTR  ", the test name and the key.
const maxAttr = 3600

// fit shortens the summary's free text (waiver reasons) until its JSON
// fits in maxAttr bytes, so that go test -json still reports it.
func (s Summary) fit() Summary {
	for limit := 200; len(s.String()) > maxAttr && limit >= 20; limit /= 2 {
		ws := make([]WaiverSummary, len(s.Waivers))
		copy(ws, s.Waivers)
		for i := range ws {
			if r := []rune(ws[i].Reason); len(r) > limit {
				ws[i].Reason = string(r[:limit]) + "…"
			}
		}
		s.Waivers = ws
	}
	return s
}

// ModeSummary counts a mode's scenarios (outline rows count one each).
type ModeSummary struct {
	Pass    int    `json:"pass"`
	Fail    int    `json:"fail"`
	Skip    int    `json:"skip"`
	Blocked string `json:"blocked,omitempty"`
}

// CoverageSummary lists the preset requirements that apply to the feature
// and how each was met.
type CoverageSummary struct {
	Status    string      `json:"status"`
	Required  []preset.ID `json:"required"`
	Covered   []preset.ID `json:"covered"`
	Waived    []preset.ID `json:"waived"`
	Uncovered []preset.ID `json:"uncovered"`
	// Partial lists the requirements covered only by scenarios that could
	// not prove every probe (S.NotProven); they count in neither Covered
	// nor Waived. Omitted when empty.
	Partial []PartialSummary `json:"partial,omitempty"`
	// App lists the application-wide requirements (preset.ScopeApp) a
	// Feature proved itself, with a passing production scenario; they
	// count for the whole module. AppPending lists those that apply to the
	// feature and that it leaves to the module's App; the jetty command
	// fails a run in which one of them is proven by no test. Both are
	// omitted when empty (added without a version change).
	App        []preset.ID `json:"app,omitempty"`
	AppPending []preset.ID `json:"app_pending,omitempty"`
	// Untouched lists the routes of the feature's Inventory that no check
	// touched ("GET /orders/{id}"); any makes the coverage uncovered.
	// Omitted when empty.
	Untouched []string `json:"untouched,omitempty"`
}

// PartialSummary is one partly proven requirement: which scenario covered
// it and which probes it could not run, each with what would let it run
// ("login form: set LoginPath").
type PartialSummary struct {
	ID       preset.ID `json:"id"`
	Scenario string    `json:"scenario"`
	Missing  []string  `json:"missing"`
}

// WaiverSummary is one waiver as declared with F.Waive.
type WaiverSummary struct {
	ID      preset.ID `json:"id"`
	Reason  string    `json:"reason"`
	Until   string    `json:"until,omitempty"`
	Expired bool      `json:"expired"`
}

func (r *run) summary(t testing.TB, c coverage) Summary {
	s := Summary{
		Version:  SummaryVersion,
		Feature:  redact.String(r.f.name),
		Test:     testName(t.Name()),
		Audience: r.profile.audience(),
		Preset:   r.profile.Preset.Name,
		Modes:    map[string]ModeSummary{},
		Coverage: CoverageSummary{Status: c.status, Covered: nonNil(c.covered), Waived: nonNil(c.waived), Uncovered: nonNil(c.uncovered), Required: []preset.ID{}, Partial: c.partial},
		Waivers:  []WaiverSummary{},
	}
	s.Coverage.App, s.Coverage.AppPending, s.Coverage.Untouched = c.app, c.appPending, c.untouched
	s.Short = shortflag.On()
	if r.cfg.app {
		s.Scope = "app"
	}
	for _, q := range c.required {
		s.Coverage.Required = append(s.Coverage.Required, q.ID)
	}
	for _, m := range modes {
		ms := r.state[m]
		has := false
		for d := range r.f.decls.all {
			has = has || d.mode == m
		}
		if has {
			s.Modes[m.String()] = ModeSummary{Pass: ms.pass, Fail: ms.fail, Skip: ms.skip, Blocked: redact.String(ms.blocked)}
		}
	}
	now := time.Now()
	for _, w := range r.f.waivers {
		ws := WaiverSummary{ID: w.id, Reason: redact.String(w.reason), Expired: w.expired(now)}
		if !w.until.IsZero() {
			ws.Until = w.until.Format(time.DateOnly)
		}
		s.Waivers = append(s.Waivers, ws)
	}
	return s
}

func nonNil(ids []preset.ID) []preset.ID {
	if ids == nil {
		return []preset.ID{}
	}
	return ids
}

// String returns the summary as one line of JSON.
func (s Summary) String() string {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Sprintf(`{"v":%d,"error":%q}`, SummaryVersion, err.Error())
	}
	return string(b)
}

// Text returns the summary for people, e.g.
// "jetty: Login (external, Production SaaS): speed 3/3 passed, stable 6/6
// passed, production 8/8 passed; coverage covered: 9 required, 8 covered, 1 waived".
func (s Summary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "jetty: %s (%s", s.Feature, s.Audience)
	if s.Preset != "" {
		fmt.Fprintf(&b, ", %s", s.Preset)
	}
	b.WriteString("):")
	sep := " "
	for _, m := range modes {
		ms, ok := s.Modes[m.String()]
		if !ok {
			continue
		}
		n := ms.Pass + ms.Fail + ms.Skip
		if n == 0 {
			// Every scenario of the mode was left out by -run.
			fmt.Fprintf(&b, "%s%s not run", sep, m)
			sep = "; "
			continue
		}
		fmt.Fprintf(&b, "%s%s %d/%d passed", sep, m, ms.Pass, n)
		if ms.Fail > 0 {
			fmt.Fprintf(&b, ", %d failed", ms.Fail)
		}
		if ms.Skip > 0 {
			fmt.Fprintf(&b, ", %d skipped", ms.Skip)
		}
		sep = "; "
	}
	if len(s.Modes) == 0 {
		b.WriteString(" no scenarios")
	}
	c := s.Coverage
	fmt.Fprintf(&b, "; coverage %s", c.Status)
	if c.Status != CoverageNotRequired {
		fmt.Fprintf(&b, ": %d required, %d covered, %d waived, %d uncovered", len(c.Required), len(c.Covered), len(c.Waived), len(c.Uncovered))
		if len(c.Partial) > 0 {
			fmt.Fprintf(&b, ", %d partly proven", len(c.Partial))
		}
	}
	if s.Short {
		b.WriteString("; under -short: Load and Injection shortened, run without -short for the full proof")
	}
	return b.String()
}

// ParseSummary parses the value of a "jetty.summary" attribute. It accepts
// the value alone or a whole "=== ATTR  Test jetty.summary {…}" line.
func ParseSummary(value string) (Summary, error) {
	v := strings.TrimSpace(value)
	if i := strings.Index(v, SummaryAttr+" "); i >= 0 && !strings.HasPrefix(v, "{") {
		v = strings.TrimSpace(v[i+len(SummaryAttr)+1:])
	}
	var s Summary
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Summary{}, fmt.Errorf("jetty: parsing summary: %w", err)
	}
	if dec.More() {
		return Summary{}, fmt.Errorf("jetty: parsing summary: unexpected data after the JSON object")
	}
	if s.Version != SummaryVersion {
		return Summary{}, fmt.Errorf("jetty: parsing summary: version %d, want %d", s.Version, SummaryVersion)
	}
	if s.Feature == "" {
		return Summary{}, fmt.Errorf("jetty: parsing summary: no feature name")
	}
	return s, nil
}

// ProjectAttr is the test attribute key under which Project emits its
// ProjectSummary as one line of JSON, as features emit theirs under
// SummaryAttr.
const ProjectAttr = "jetty.project"

// ProjectSummary is the machine-readable outcome of Project: the
// attestations of the project's attested requirements.
//
//	{"v":1,"test":"TestProject","audience":"external","preset":"Production SaaS",
//	 "attestations":[{"id":"OPS-ONCALL","title":"…","by":"ana@example.com",
//	   "date":"2026-10-01","until":"2026-12-30","status":"current"}]}
//
// An attestation's "status" is "current", "stale" (older than its validity),
// "future" (dated after the run) or "missing" (the Attestation* constants);
// "until" is the last day it is valid.
type ProjectSummary struct {
	Version      int                  `json:"v"`
	Test         string               `json:"test"`
	Audience     string               `json:"audience"`
	Preset       string               `json:"preset,omitempty"`
	Attestations []AttestationSummary `json:"attestations"`
}

// The statuses of AttestationSummary.Status.
const (
	AttestationCurrent = "current"
	AttestationStale   = "stale"
	AttestationFuture  = "future"
	AttestationMissing = "missing"
)

// AttestationSummary is one attested requirement and its attestation.
type AttestationSummary struct {
	ID     preset.ID `json:"id"`
	Title  string    `json:"title"`
	By     string    `json:"by,omitempty"`
	Date   string    `json:"date,omitempty"`
	Until  string    `json:"until,omitempty"`
	Status string    `json:"status"`
}

// String returns the project summary as one line of JSON.
func (s ProjectSummary) String() string {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Sprintf(`{"v":%d,"error":%q}`, SummaryVersion, err.Error())
	}
	return string(b)
}

// ParseProjectSummary parses the value of a "jetty.project" attribute.
func ParseProjectSummary(value string) (ProjectSummary, error) {
	var s ProjectSummary
	dec := json.NewDecoder(strings.NewReader(strings.TrimSpace(value)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return ProjectSummary{}, fmt.Errorf("jetty: parsing project summary: %w", err)
	}
	if s.Version != SummaryVersion {
		return ProjectSummary{}, fmt.Errorf("jetty: parsing project summary: version %d, want %d", s.Version, SummaryVersion)
	}
	return s, nil
}

// projectSummary describes p's attestations at time now.
func (p Profile) projectSummary(test string, now time.Time) ProjectSummary {
	s := ProjectSummary{Version: SummaryVersion, Test: test, Audience: p.audience(), Attestations: []AttestationSummary{}}
	if !p.External {
		return s
	}
	s.Preset = p.Preset.Name
	for _, r := range p.Preset.Attested() {
		as := AttestationSummary{ID: r.ID, Title: r.Title, Status: AttestationMissing}
		var best time.Time
		for _, a := range p.Attestations {
			d, err := time.Parse(time.DateOnly, a.Date)
			if a.ID != r.ID || err != nil || (as.Date != "" && !d.After(best)) {
				continue
			}
			best = d
			as.By, as.Date = redact.String(a.By), a.Date
			as.Until = d.Add(r.Validity).Format(time.DateOnly)
			switch {
			case d.After(now):
				as.Status = AttestationFuture
			case now.Sub(d) > r.Validity:
				as.Status = AttestationStale
			default:
				as.Status = AttestationCurrent
			}
		}
		s.Attestations = append(s.Attestations, as)
	}
	return s
}
