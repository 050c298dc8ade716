package jetty

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/preset"
)

// run is one Feature's run: its declarations, profile and flags.
type run struct {
	f       *F
	cfg     config
	profile Profile
	sel     tagExpr
	tags    string
	noGate  bool
	maxMode Mode
	// tagsFrom and modeFrom name where tags and maxMode came from:
	// "-jetty.tags" or "JETTY_TAGS", "-jetty.mode" or "JETTY_MODE".
	tagsFrom, modeFrom string
	// mode results, filled as the modes run
	state map[Mode]*modeState
	// modeTest is the name package testing gave the first mode's subtest:
	// "TestLogin/speed#01" when another feature already ran in this test.
	modeTest string
	// modeTests are the modes' subtests, where setup cleanups run.
	modeTests map[Mode]*testing.T
	// misuseFn is misuse as a func value, made once for every scenario.
	misuseFn func(testing.TB, string, ...any)
	// bodyPC and rowPC pass S.bodyPC on from one scenario to the next: of
	// the scenario function of runMode and of S.run (outline rows).
	bodyPC, rowPC atomic.Uintptr
}

// again returns the "#01" package testing appended to this feature's mode
// subtests because another Feature call already ran its own in the same
// test, or "".
func (r *run) again(t *testing.T) string {
	for _, m := range modes {
		if rest, ok := strings.CutPrefix(r.modeTest, t.Name()+"/"+m.String()); ok && strings.HasPrefix(rest, "#") {
			return rest
		}
	}
	return ""
}

type modeState struct {
	pass, fail, skip int
	failedNames      []string
	// blocked is why this mode did not run (gating, -jetty.mode), or "".
	blocked string
	// incomplete is true when some scenario did not run to a verdict
	// (filtered by -run or -jetty.tags, gated).
	incomplete bool
}

func (ms *modeState) red() bool { return ms.fail > 0 }

func (r *run) feature(t *testing.T) {
	t.Helper()
	r.state = map[Mode]*modeState{}
	for _, m := range modes {
		r.runMode(t, m)
	}
	cov := r.coverage()
	r.appCoverage(&cov)   // app-wide requirements: see app.go
	r.routeCoverage(&cov) // the route inventory: see inventory.go
	if cov.err != "" {
		errorf(t, "%s", cov.err)
	}
	for _, n := range cov.notes {
		logf(t, "%s", n)
	}
	sum := r.summary(t, cov)
	if n := r.again(t); n != "" {
		// Two features folded into one test: a summary per run, told apart
		// by the suffix testing gave the second run's subtests.
		sum.Test += n
		errorf(t, "[jetty] %s: jetty.Feature(t, %q, …) ran twice in test %s (its subtests became %s): give each feature its own test, or call it once; its summary names test %q",
			r.f.name, r.f.name, t.Name(), r.modeTest, sum.Test)
	}
	t.Attr(SummaryAttr, sum.fit().String())
	logf(t, "%s", sum.Text())
}

// gate returns why mode m must not run, or "".
func (r *run) gate(m Mode) string {
	if m > r.maxMode {
		return fmt.Sprintf("%s=%s: %s mode is not run yet", r.modeFrom, r.maxMode, m)
	}
	if r.noGate || m == Speed {
		return ""
	}
	below := r.state[m-1]
	switch {
	case below.blocked != "":
		return fmt.Sprintf("%s mode did not run: %s", m-1, below.blocked)
	case below.red():
		return fmt.Sprintf("%s mode is red: %d of %d scenarios failed: %s (-jetty.nogate or JETTY_NOGATE=1 runs it anyway)",
			m-1, below.fail, below.pass+below.fail+below.skip, strings.Join(below.failedNames, ", "))
	}
	return ""
}

func (r *run) runMode(t *testing.T, m Mode) {
	t.Helper()
	ms := &modeState{}
	r.state[m] = ms
	n := 0 // the mode's scenarios, found in r.f.decls rather than listed again
	for d := range r.f.decls.all {
		if d.mode == m {
			n++
			if rows := d.rows(); rows != nil {
				d.m().results = make([]status, len(rows))
			}
		}
	}
	ms.blocked = r.gate(m)
	if n == 0 {
		return
	}
	t.Run(m.String(), func(t *testing.T) {
		t.Helper()
		if r.modeTest == "" {
			r.modeTest = t.Name()
		}
		r.recordMode(m, t)
		// An index loop: the body of a range over a function is a function
		// of its own, a frame between t.Run and this helper.
		for i := range r.f.decls.len() {
			d := r.f.decls.at(i)
			if d.mode != m {
				continue
			}
			t.Run(d.title, (&scenarioRun{r: r, m: m, ms: ms, d: d}).run)
		}
	})
	for d := range r.f.decls.all {
		if d.mode != m {
			continue
		}
		d.mu.Lock()
		for i, st := range d.results() {
			name := d.title
			if rows := d.rows(); rows != nil {
				name += "/" + rows[i].name
			}
			switch st {
			case passed:
				ms.pass++
			case failed:
				ms.fail++
				ms.failedNames = append(ms.failedNames, fmt.Sprintf("%q", name))
			case skipped:
				ms.skip++
			case gated:
				ms.skip++
				ms.incomplete = true
			case notRun:
				ms.incomplete = true
			}
		}
		d.mu.Unlock()
	}
}

// start does what comes before scenario d's body: its attribute, its skip
// or its rows (then it returns stop: the body is not run here); setup is
// true when a setup of the mode ran in t. It is a function of its own so
// that the frame under the body stays small: a scenario's goroutine starts
// on a small stack, and testing's Log, under a step, needs most of it.
//
//go:noinline
func (r *run) start(t *testing.T, m Mode, ms *modeState, d *decl) (stop, setup bool) {
	if testing.Verbose() { // testing prints attributes only then
		t.Attr(ScenarioAttr, ScenarioSummary{Mode: m.String(), Name: redact.String(d.title), Covers: d.covers(), Tags: d.tags()}.String())
	}
	why := r.skipWhy(ms.blocked, d)
	if why == "" && !r.cfg.parallel && len(r.f.setups) == 0 && d.rows() == nil {
		// Nothing to report from here: no t.Helper mark to pay for.
		return false, false
	}
	t.Helper()
	markScenario.run(t) // the scenario's run frame, under this one
	if why != "" {
		r.skipDecl(t, why, d)
	}
	if r.cfg.parallel {
		t.Parallel()
	}
	ok, setup := r.setUp(t, m) // F.Setup: see setup.go
	if !ok {
		d.setAll(failed)
		return true, setup
	}
	if d.rows() != nil {
		r.runRows(t, m, d)
		return true, setup
	}
	return false, setup
}

// skipWhy returns why scenario d must be skipped, or "".
func (r *run) skipWhy(blocked string, d *decl) string {
	if blocked != "" {
		return blocked
	}
	if !r.sel.match(d.tags()) {
		return fmt.Sprintf("not selected by %s %q (tags: %s)", r.tagsFrom, r.tags, tagText(d.tags()))
	}
	return ""
}

// skipDecl marks d gated and skips it.
func (r *run) skipDecl(t *testing.T, why string, d *decl) {
	t.Helper()
	if r.cfg.parallel {
		t.Parallel()
	}
	d.setAll(gated)
	skipf(t, "%s", why)
}

func (d *decl) setAll(st status) {
	d.mu.Lock()
	res := d.results()
	for i := range res {
		res[i] = st
	}
	d.mu.Unlock()
}

// runRows runs each row of outline d as a subtest of t.
func (r *run) runRows(t *testing.T, m Mode, d *decl) {
	t.Helper() // a row's subtest climbs through this frame to the Feature call
	for i, rw := range d.rows() {
		t.Run(rw.name, func(t *testing.T) {
			t.Helper()
			defer func() {
				d.mu.Lock()
				d.m().results[i] = verdict(t)
				d.mu.Unlock()
			}()
			r.runBody(t, m, d, d.title+" › "+rw.name, rw.body)
		})
	}
}

func (r *run) runBody(t *testing.T, m Mode, d *decl, title string, body func(*S)) {
	t.Helper() // see S.run
	s := r.newS(t, m, d, title)
	s.bodyPC = r.rowPC.Load()
	s.run(body)
	r.rowPC.Store(s.bodyPC)
}

// newS returns the S of one scenario of the run.
func (r *run) newS(t *testing.T, m Mode, d *decl, title string) *S {
	s := newS(t, r.f.name, m, title, &r.profile, r.misuseFn)
	s.decl = d
	if r.cfg.parallel {
		// Scenarios share the goroutine shape that onGoroutine looks for.
		s.gid = goid()
	}
	return s
}

// misuse reports a step called on a scenario's S after it ended, on that
// scenario's t.
func (r *run) misuse(t testing.TB, format string, args ...any) {
	errorf(t, "[jetty] %s: "+format, append([]any{r.f.name}, args...)...)
}

func verdict(t testing.TB) status {
	switch {
	case t.Failed():
		return failed
	case t.Skipped():
		return skipped
	}
	return passed
}

func tagText(tags []string) string {
	if len(tags) == 0 {
		return "none"
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = "@" + t
	}
	return strings.Join(out, " ")
}

// coverage is the outcome of checking the preset's requirements.
type coverage struct {
	status    string // see Summary.Coverage
	required  []preset.Requirement
	covered   []preset.ID
	waived    []preset.ID
	uncovered []preset.ID
	partial   []PartialSummary
	// app and appPending are the app-wide requirements a Feature proved
	// itself and those it leaves to App (see app.go).
	app, appPending []preset.ID
	untouched       []string // inventory routes no check touched
	err             string
	notes           []string
}

func (r *run) coverage() coverage {
	var c coverage
	if !r.profile.External {
		c.status = CoverageNotRequired
		return c
	}
	c.required = r.required() // feature- or app-scoped: see app.go
	if note := r.noTraitsNote(len(c.required)); note != "" {
		c.notes = append(c.notes, note)
	}
	prod := r.state[Production]
	nProd := 0
	for d := range r.f.decls.all {
		if d.mode == Production {
			nProd++
		}
	}
	switch {
	case prod.blocked != "":
		c.status = CoverageUnchecked
		c.notes = append(c.notes, fmt.Sprintf("[jetty] %s: preset coverage not checked: production mode did not run: %s", r.f.name, prod.blocked))
		return c
	case prod.incomplete:
		c.status = CoverageUnchecked
		c.notes = append(c.notes, fmt.Sprintf("[jetty] %s: preset coverage not checked: some production scenarios were not run (filtered by -run or -jetty.tags)", r.f.name))
		return c
	}
	now := time.Now()
	var lines []string
	for _, req := range c.required {
		var passedBy, failedBy []string
		var partBy []PartialSummary
		for d := range r.f.decls.all {
			if d.mode != Production || !slices.Contains(d.covers(), req.ID) {
				continue
			}
			if d.allPassed() {
				if miss := d.missing(req.ID); len(miss) > 0 {
					partBy = append(partBy, PartialSummary{ID: req.ID, Scenario: d.title, Missing: miss})
					continue
				}
				passedBy = append(passedBy, d.title)
			} else {
				failedBy = append(failedBy, fmt.Sprintf("%q", d.title))
			}
		}
		w := r.waiver(req.ID)
		switch {
		case len(passedBy) > 0:
			c.covered = append(c.covered, req.ID)
		case w != nil && !w.expired(now):
			c.waived = append(c.waived, req.ID)
		case len(partBy) > 0:
			c.partial = append(c.partial, partBy[0])
			lines = append(lines, fmt.Sprintf("%-16s %s — only partly proven by %q: not proven: %s", req.ID, req.Title, partBy[0].Scenario, strings.Join(partBy[0].Missing, "; ")))
		default:
			c.uncovered = append(c.uncovered, req.ID)
			how := "add " + req.Scenario + " with f.Include"
			if req.Scenario == "" {
				how = "add a production scenario that proves it"
			}
			how += fmt.Sprintf(", or declare f.Production(name, body, %q)", req.ID)
			if len(failedBy) > 0 {
				how = "covered only by failing " + strings.Join(failedBy, ", ") + ": make it pass"
			}
			if w != nil {
				how = fmt.Sprintf("waiver at %s expired on %s (%s): cover it or renew the waiver", w.where, w.until.Format(time.DateOnly), w.reason)
			}
			lines = append(lines, fmt.Sprintf("%-16s %s — %s", req.ID, req.Title, how))
		}
	}
	for _, w := range r.f.waivers {
		if !slices.ContainsFunc(c.required, func(q preset.Requirement) bool { return q.ID == w.id }) {
			c.notes = append(c.notes, fmt.Sprintf("[jetty] %s: %s: waiver for %s is not needed: the requirement does not apply to this feature's traits", r.f.name, w.where, w.id))
		}
	}
	if nProd == 0 && len(c.required) == 0 {
		c.status = CoverageUncovered
		c.err = fmt.Sprintf("[jetty] %s: external project (preset %q) but the feature declares no production scenario: production mode is required; declare one with f.Production or f.Include",
			r.f.name, r.profile.Preset.Name)
		return c
	}
	if len(lines) > 0 && len(c.uncovered) == 0 {
		c.status = CoveragePartial
		c.err = fmt.Sprintf("[jetty] %s: %d of %d production requirements of preset %q are only partly proven:\n\t%s",
			r.f.name, len(lines), len(c.required), r.profile.Preset.Name, strings.Join(lines, "\n\t"))
		return c
	}
	if len(lines) > 0 {
		c.status = CoverageUncovered
		c.err = fmt.Sprintf("[jetty] %s: %d of %d production requirements of preset %q are not covered:\n\t%s",
			r.f.name, len(lines), len(c.required), r.profile.Preset.Name, strings.Join(lines, "\n\t"))
		return c
	}
	c.status = CoverageCovered
	return c
}

// noTraitsNote tells a feature of an external project that declares no
// traits how little its preset asks of it (required requirements) and
// which traits exist; "" when it declares traits, or is App.
func (r *run) noTraitsNote(required int) string {
	if r.cfg.app || len(r.cfg.traits) > 0 {
		return ""
	}
	all := len(r.profile.Preset.Feature(allTraits...))
	if all == required {
		return ""
	}
	names := make([]string, len(allTraits))
	for i, tr := range allTraits {
		names[i] = fmt.Sprintf("%q", tr)
	}
	return fmt.Sprintf("[jetty] %s: the feature declares no traits, so preset %q asks it for %d of the %d requirements a feature can be asked for (only those that apply to every feature): say what it does with jetty.Traits(…) — the traits are %s (preset.PublicEndpoint, preset.Login, preset.PersonalData, preset.StoredData, preset.Admin)",
		r.f.name, r.profile.Preset.Name, required, all, strings.Join(names, ", "))
}

func (d *decl) allPassed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	res := d.results()
	for _, st := range res {
		if st != passed {
			return false
		}
	}
	return len(res) > 0
}

// missing returns the probes the scenario reported as not proven for id
// (S.NotProven), in the order reported, without repeats.
func (d *decl) missing(id preset.ID) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, np := range d.m().notProven {
		if (np.id == id || np.id == "") && !slices.Contains(out, np.probe) {
			out = append(out, np.probe)
		}
	}
	return out
}

func (r *run) waiver(id preset.ID) *waiver {
	for _, w := range r.f.waivers {
		if w.id == id {
			return w
		}
	}
	return nil
}
