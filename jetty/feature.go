package jetty

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jettymethod/jetty/preset"
)

// F declares a feature's scenarios. Its methods only declare: nothing runs
// until the body passed to Feature returns. An F must not be used after that
// body returns, nor from another goroutine.
type F struct {
	name     string
	decls    declList
	waivers  []*waiver
	problems []string
	closed   bool
	t        testing.TB
	names    declNames
	setups   []*setup // F.Setup: see setup.go
}

// decl is one declared scenario. It stays live while the feature runs, so
// it holds only what every scenario has; the rest, in more, most scenarios
// lack (a feature of 10,000 scenarios keeps 10,000 of these: every byte of
// them costs each garbage collection that runs meanwhile).
type decl struct {
	title string
	body  func(*S)
	pc    [3]uintptr // where it was declared: see where
	// more is nil until the scenario has any of it. Declaring sets it, or
	// S.NotProven and S.Touched under mu while the scenario runs.
	more atomic.Pointer[declMore]
	mu   sync.Mutex // guards res, more.results, more.notProven, more.touched
	mode Mode
	res  [1]status // a plain scenario's result
}

// declMore is what a scenario may have besides a title and a body.
type declMore struct {
	rows   []row // outline rows; nil for a plain scenario
	covers []preset.ID
	tags   []string
	// included is true for scenarios added with Include.
	included  bool
	results   []status // one per row
	notProven []notProven
	touched   []Route // routes the scenario's checks probed (S.Touched)
}

// x returns d.more, made if need be. Declaring calls it, and the run under
// d.mu.
func (d *decl) x() *declMore {
	if m := d.more.Load(); m != nil {
		return m
	}
	m := &declMore{}
	d.more.Store(m)
	return m
}

// m returns d.more, or an empty one.
func (d *decl) m() *declMore {
	if m := d.more.Load(); m != nil {
		return m
	}
	return &noMore
}

var noMore declMore // read only

func (d *decl) rows() []row         { return d.m().rows }
func (d *decl) covers() []preset.ID { return d.m().covers }
func (d *decl) tags() []string      { return d.m().tags }
func (d *decl) included() bool      { return d.m().included }

// results returns the scenario's results, one per row (or one for a plain
// scenario); d.mu guards them.
func (d *decl) results() []status {
	if m := d.m(); m.rows != nil {
		return m.results
	}
	return d.res[:]
}

// where returns the site of the declaring call.
func (d *decl) where() site {
	s := site{pc: d.pc}
	for s.n < len(s.pc) && s.pc[s.n] != 0 {
		s.n++
	}
	return s
}

// notProven is one probe a scenario could not run (S.NotProven).
type notProven struct {
	id    preset.ID // "" for every requirement the scenario covers
	probe string
}

type row struct {
	name string
	body func(*S)
}

type status uint8

const (
	notRun status = iota
	passed
	failed
	skipped // by the scenario itself
	gated   // by gating, -jetty.mode or -jetty.tags
)

type waiver struct {
	id      preset.ID
	reason  string
	until   time.Time
	problem string
	where   site
}

func (w *waiver) expired(now time.Time) bool {
	return !w.until.IsZero() && !now.Before(w.until.AddDate(0, 0, 1))
}

// Decl is a declared scenario; its methods add to the declaration.
type Decl struct {
	f *F
	d *decl
}

// Tag adds tags to the scenario, such as "smoke" or "@slow"; -jetty.tags
// selects scenarios by them.
func (d *Decl) Tag(tags ...string) *Decl {
	if d == nil || d.d == nil {
		return d
	}
	where := here()
	for _, t := range tags {
		n := normTag(t)
		if !validTag(n) {
			d.f.problem(where, "Tag(%q): a tag is a word of letters, digits and _-.:/, e.g. \"smoke\" or \"@slow\"", t)
			continue
		}
		d.d.x().tags = append(d.d.tags(), n)
	}
	return d
}

// Covers declares that the scenario, when it passes, proves the preset
// requirements ids. Only production scenarios cover requirements.
func (d *Decl) Covers(ids ...preset.ID) *Decl {
	if d == nil || d.d == nil {
		return d
	}
	where := here()
	if d.d.mode != Production {
		d.f.problem(where, "Covers on %s scenario %q: only production scenarios cover preset requirements; declare it with f.Production", d.d.mode, d.d.title)
		return d
	}
	d.d.x().covers = append(d.d.covers(), ids...)
	return d
}

// Speed declares a speed-mode scenario: a success path under ideal
// conditions ("does it work?").
func (f *F) Speed(name string, body func(s *S)) *Decl {
	return f.declare(here(), "f.Speed", Speed, name, body, nil)
}

// Stable declares a stable-mode scenario: a failure path, validation or
// edge case ("does it handle reality?"). It runs only when every speed
// scenario passed.
func (f *F) Stable(name string, body func(s *S)) *Decl {
	return f.declare(here(), "f.Stable", Stable, name, body, nil)
}

// Production declares a production-mode scenario ("is it ready for real
// users?") that, when it passes, covers the preset requirements listed. It
// runs only when every stable scenario passed.
func (f *F) Production(name string, body func(s *S), covers ...preset.ID) *Decl {
	return f.declare(here(), "f.Production", Production, name, body, covers)
}

// Include adds scenarios defined elsewhere — the ready-made ones of package
// scenario, or your own — in the modes they declare.
func (f *F) Include(scenarios ...Scenario) {
	where := here()
	if len(scenarios) == 0 {
		f.problem(where, "Include(): no scenarios: pass at least one, e.g. f.Include(scenario.RateLimit{…})")
	}
	for i, sc := range scenarios {
		if msg := nilScenario(sc); msg != "" {
			f.problem(where, "Include: scenario #%d %s", i+1, msg)
			continue
		}
		desc, msg := describe(sc)
		if msg != "" {
			f.problem(where, "Include: scenario #%d %s", i+1, msg)
			continue
		}
		d := f.declare(where, "f.Include", desc.mode, desc.title, sc.Run, nil)
		if d.d != nil {
			x := d.d.x()
			x.included = true
			x.covers = append(x.covers, desc.covers...)
			for _, t := range desc.tags {
				if n := normTag(t); validTag(n) {
					x.tags = append(x.tags, n)
				}
			}
		}
	}
}

// Waive records an explicit, reported exception to the preset: requirement
// id is not covered by this feature, for reason. The reason must not be
// empty; Until makes the waiver expire. Waivers appear in the feature's
// summary line.
func (f *F) Waive(id preset.ID, reason string, opts ...WaiverOption) {
	where := here()
	if f.checkOpen(where, "f.Waive") {
		return
	}
	w := &waiver{id: id, reason: strings.TrimSpace(reason), where: where}
	for _, o := range opts {
		if o != nil {
			o.applyWaiver(w)
		}
	}
	switch {
	case id == "":
		f.problem(where, "Waive(\"\", …): name the requirement to waive, e.g. f.Waive(preset.LoadTest, \"…\")")
		return
	case w.reason == "":
		f.problem(where, "Waive(%q, \"\"): a waiver needs a reason: say why the requirement does not apply or when it will be covered", id)
		return
	case w.problem != "":
		f.problem(where, "Waive(%q): %s", id, w.problem)
		return
	}
	for _, o := range f.waivers {
		if o.id == id {
			f.problem(where, "Waive(%q): waived twice (first at %s): keep one waiver", id, o.where)
			return
		}
	}
	f.waivers = append(f.waivers, w)
}

// Name returns the feature's name.
func (f *F) Name() string { return f.name }

// Outline declares a scenario outline: the scenario body runs once per row,
// each row its own subtest named after the row. A row names itself with a
// Name() string or String() string method, or a string field called Name;
// otherwise strings and numbers name themselves, and other rows are called
// "row 1", "row 2", ….
//
//	jetty.Outline(f, jetty.Stable, "rejects bad emails", []string{"", "a@", "@b"},
//		func(s *jetty.S, email string) { … })
func Outline[Row any](f *F, mode Mode, name string, rows []Row, body func(s *S, row Row)) *Decl {
	where := here()
	if f == nil {
		return &Decl{}
	}
	if body == nil {
		return f.declare(where, "jetty.Outline", mode, name, nil, nil)
	}
	if len(rows) == 0 {
		f.problem(where, "Outline %q has no rows: pass at least one row (the examples table)", name)
		return &Decl{f: f}
	}
	rs := make([]row, len(rows))
	for i, r := range rows {
		// A "/" would split the row's subtest into levels.
		rs[i] = row{name: strings.ReplaceAll(rowName(r, i), "/", "_"), body: func(s *S) { body(s, r) }}
	}
	d := f.declare(where, "jetty.Outline", mode, name, func(*S) {}, nil)
	if d.d != nil {
		d.d.x().rows = rs
	}
	return d
}

func rowName(r any, i int) string {
	switch v := r.(type) {
	case interface{ Name() string }:
		return v.Name()
	case fmt.Stringer:
		return v.String()
	case string:
		if v == "" {
			return fmt.Sprintf("row %d (empty)", i+1)
		}
		return v
	}
	rv := reflect.ValueOf(r)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Struct:
		if f := rv.FieldByName("Name"); f.IsValid() && f.Kind() == reflect.String && f.String() != "" {
			return f.String()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64, reflect.Bool:
		return fmt.Sprint(rv.Interface())
	}
	return fmt.Sprintf("row %d", i+1)
}

func (f *F) checkOpen(where site, method string) bool {
	if f.closed {
		errorf(f.t, "[jetty] %s: %s: %s called after the feature's body returned: declare every scenario inside the body passed to jetty.Feature", f.name, where, method)
		return true
	}
	return false
}

func (f *F) declare(where site, method string, mode Mode, name string, body func(*S), covers []preset.ID) *Decl {
	if f == nil {
		return &Decl{}
	}
	if f.checkOpen(where, method) {
		return &Decl{f: f}
	}
	switch {
	case !mode.valid():
		f.problem(where, "scenario %q has mode %v: want jetty.Speed, jetty.Stable or jetty.Production", name, mode)
		return &Decl{f: f}
	case strings.TrimSpace(name) == "":
		f.problem(where, "%s: empty scenario name: name what the scenario shows, e.g. %s(\"signs in with a valid password\", …)", method, method)
		return &Decl{f: f}
	case strings.Contains(name, "/"):
		f.problem(where, "%s(%q): a scenario name cannot contain \"/\" (it separates subtests): use another word", method, name)
		return &Decl{f: f}
	case body == nil:
		f.problem(where, "%s(%q, nil): the scenario has no body: pass func(s *jetty.S) { … }", method, name)
		return &Decl{f: f}
	case len(covers) > 0 && mode != Production:
		f.problem(where, "%s(%q) covers %v: only production scenarios cover preset requirements", method, name, covers)
	}
	if o := f.names.find(&f.decls, mode, name); o != nil {
		f.problem(where, "%s(%q): %s mode already has a scenario named %q (at %s): give each scenario its own name", method, name, mode, o.title, o.where())
		return &Decl{f: f}
	}
	i, d := f.decls.add()
	d.mode, d.title, d.body, d.pc = mode, name, body, where.pc
	if len(covers) > 0 {
		d.x().covers = slices.Clone(covers)
	}
	f.names.add(mode, name, i)
	return &Decl{f: f, d: d}
}

func (f *F) problem(where site, format string, args ...any) {
	f.problems = append(f.problems, where.String()+": "+maskf(format, args...))
}

// subtestName is the name testing gives a subtest: spaces become underscores.
func subtestName(s string) string { return strings.ReplaceAll(s, " ", "_") }

// Feature declares and runs a feature. body declares the feature's
// scenarios with f.Speed, f.Stable, f.Production, Outline, f.Include and
// f.Waive; nothing runs until body returns. Then the scenarios run as
// subtests named Feature/mode/scenario, so -run, -v, -json, -count,
// -shuffle and -failfast work as usual. When the test is named after the
// feature (TestLogin declaring "Login"), the feature level is the test
// itself: TestLogin/stable/wrong_password, and -run 'Login/stable' selects
// its stable scenarios.
//
// Gating: stable scenarios run only when every speed scenario passed, and
// production scenarios only when every stable one passed; the others are
// skipped with the reason. -jetty.nogate turns gating off, and
// -jetty.mode=speed|stable runs the modes up to the one named.
//
// For an external project (see ProfileFile, External), every requirement of
// the preset that applies to the feature (see Traits) must be covered by a
// passing production scenario or waived; the feature fails with a list of
// the uncovered ones otherwise. Each feature logs a summary and emits it as
// the test attribute "jetty.summary" (see Summary).
//
// Declaration errors fail the test with the file and line of the bad
// declaration, and no scenario runs. Feature is safe to call from parallel
// tests; use the Parallel option to run a mode's scenarios in parallel.
//
// Misuse is loud: Feature(nil, …) panics with the caller's line (there is
// no test to fail); Feature called inside a testing/synctest bubble fails
// the test saying to use S.Bubble (or the check's Verify) inside the
// bubble instead, since a bubble allows no subtests. Several features in
// one test each run as their own subtest (package testing numbers a
// repeated name: TestX/Signup, TestX/Signup#01), so their summaries name
// different tests; the same feature folded twice into the test named after
// it fails the test as misuse, and its second summary names "TestLogin#01".
func Feature(t *testing.T, name string, body func(f *F), opts ...Option) {
	if t == nil {
		// No test to fail: a panic is the only loud way left.
		panic(maskf("jetty.Feature(nil, %q, …) at %s: pass the test's *testing.T, as in func TestLogin(t *testing.T) { jetty.Feature(t, \"Login\", …) }", name, callerOutside()))
	}
	t.Helper()
	where := here()
	if inBubble(t) {
		errorf(t, "[jetty] %s: jetty.Feature(t, %q, …) was called inside a testing/synctest bubble, where the subtests a feature runs are not allowed: "+
			"call jetty.Feature outside synctest.Test and use s.Bubble(func(s *jetty.S) { … }) inside the scenario for virtual time, or call the check's Verify inside the bubble", where, name)
		return
	}
	f := &F{name: name, t: t}
	cfg := newConfig(opts)
	for _, p := range cfg.problems {
		f.problem(where, "%s", p)
	}
	switch {
	case strings.TrimSpace(name) == "":
		f.problem(where, "jetty.Feature(t, \"\", …): empty feature name: name the feature, e.g. jetty.Feature(t, \"Login\", …)")
	case strings.Contains(name, "/"):
		f.problem(where, "jetty.Feature(t, %q, …): a feature name cannot contain \"/\": use another word", name)
	}
	if body == nil {
		f.problem(where, "jetty.Feature(t, %q, nil): the feature has no body: pass func(f *jetty.F) { … } that declares its scenarios", name)
	} else {
		f.declareAll(where, body)
	}
	f.closed = true
	f.names = declNames{} // only declaring needs it: not kept live while the scenarios run

	file, err := loadProfileHere()
	if err != nil {
		f.problems = append(f.problems, err.Error())
	}
	prof := cfg.profile(file)
	f.moduleWaivers(prof, cfg) // the profile's module-wide waivers: see profile_tune.go
	f.checkIDs(prof)
	set := readFlags()
	sel, err := parseTags(set.tags)
	if err != nil {
		f.problems = append(f.problems, fmt.Sprintf("%s: %v", set.tagsFrom, err))
	}
	f.problems = append(f.problems, set.problems...)
	maxMode := Production
	if set.mode != "" {
		if maxMode, err = ParseMode(set.mode); err != nil {
			f.problems = append(f.problems, fmt.Sprintf("%s: %v", set.modeFrom, err))
		}
	}
	if len(f.problems) > 0 {
		errorf(t, "[jetty] %s: %d declaration error(s); no scenario ran:\n\t%s", name, len(f.problems), strings.Join(f.problems, "\n\t"))
		return
	}
	r := &run{f: f, cfg: cfg, profile: prof, sel: sel, tags: set.tags, noGate: set.noGate, maxMode: maxMode, tagsFrom: set.tagsFrom, modeFrom: set.modeFrom}
	r.misuseFn = r.misuse
	last := t.Name()
	if i := strings.LastIndexByte(last, '/'); i >= 0 {
		last = last[i+1:]
	}
	if last == "Test"+subtestName(name) || last == subtestName(name) {
		r.feature(t)
		return
	}
	t.Run(name, r.feature)
}

func (f *F) declareAll(where site, body func(*F)) {
	defer func() {
		if r := recover(); r != nil {
			f.problem(where, "the feature's body panicked while declaring: %v\n%s", r, trimStack(debugStack()))
		}
	}()
	body(f)
}

// checkIDs reports covers and waivers that name IDs the preset lacks.
func (f *F) checkIDs(p Profile) {
	known := func(id preset.ID) bool {
		if !p.Preset.IsZero() {
			return p.Preset.Has(id)
		}
		return slices.ContainsFunc(preset.Builtins(), func(b preset.Preset) bool { return b.Has(id) })
	}
	which := "any built-in preset"
	if !p.Preset.IsZero() {
		which = fmt.Sprintf("preset %q", p.Preset.Name)
	}
	for d := range f.decls.all {
		for _, id := range d.covers() {
			if !d.included() && !known(id) {
				f.problem(d.where(), "%q covers %q, which %s does not have: use one of %s", d.title, id, which, idList(p.Preset))
			}
		}
	}
	for _, w := range f.waivers {
		if !known(w.id) {
			f.problem(w.where, "Waive(%q): %s has no such requirement: use one of %s", w.id, which, idList(p.Preset))
		}
	}
}

func idList(p preset.Preset) string {
	ps := []preset.Preset{p}
	if p.IsZero() {
		ps = preset.Builtins()
	}
	var ids []string
	for _, p := range ps {
		for _, r := range p.Requirements {
			if s := string(r.ID); !slices.Contains(ids, s) {
				ids = append(ids, s)
			}
		}
	}
	return strings.Join(ids, ", ")
}

func loadProfileHere() (Profile, error) {
	wd, err := os.Getwd()
	if err != nil {
		return Profile{}, fmt.Errorf("jetty: finding the profile: %w", err)
	}
	return LoadProfile(wd)
}
