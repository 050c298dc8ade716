package jetty

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/redact"
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
// judged) or "not-required" (an internal project).
type Summary struct {
	Version  int                    `json:"v"`
	Feature  string                 `json:"feature"`
	Test     string                 `json:"test"`
	Audience string                 `json:"audience"`
	Preset   string                 `json:"preset,omitempty"`
	Modes    map[string]ModeSummary `json:"modes"`
	Coverage CoverageSummary        `json:"coverage"`
	Waivers  []WaiverSummary        `json:"waivers"`
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
		Coverage: CoverageSummary{Status: c.status, Covered: nonNil(c.covered), Waived: nonNil(c.waived), Uncovered: nonNil(c.uncovered), Required: []preset.ID{}},
		Waivers:  []WaiverSummary{},
	}
	for _, q := range c.required {
		s.Coverage.Required = append(s.Coverage.Required, q.ID)
	}
	for _, m := range modes {
		ms := r.state[m]
		has := false
		for _, d := range r.f.decls {
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
	if c.Status != "not-required" {
		fmt.Fprintf(&b, ": %d required, %d covered, %d waived, %d uncovered", len(c.Required), len(c.Covered), len(c.Waived), len(c.Uncovered))
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
