package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
)

// event is the part of a test2json event the command reads. Build events
// ("build-output", "build-fail") carry ImportPath instead of Package.
type event struct {
	Action      string
	Package     string
	ImportPath  string
	Test        string
	Output      string
	Elapsed     float64
	Key         string
	Value       string
	FailedBuild string
}

// result is everything one or more go test -json streams said, merged.
type result struct {
	pkgs     map[string]*pkg
	features map[string]*feature // by package + "\x00" + summary test
	projects map[string]*project
	builds   map[string][]string // build output by import path ("x [x.test]")
	events   int                 // JSON events read
	stray    int                 // lines that were not JSON
}

// pkg is one package's outcome.
type pkg struct {
	name    string
	started bool
	action  string // "pass", "fail", "skip" or "" (did not finish)
	build   string // the failed build's import path, or ""
	elapsed float64
	output  []string // package-level output (not inside a test)
	tests   map[string]*test
	// scen are the scenarios' jetty.scenario attributes by subtest, and
	// scenOrder the subtests in the order they first arrived.
	scen      map[string]jetty.ScenarioSummary
	scenOrder []string
	// lostSummaries are tests whose jetty.summary line came through as
	// output; those without a summary attr lost it.
	lostSummaries []string
}

// test is one test or subtest, across repeated runs (-count).
type test struct {
	name             string
	runs             int
	pass, fail, skip int
	elapsed          float64
	cur              []string // output of the run in progress
	failOut          []string // output of the first failing run
	lastOut          []string // output of the last finished run
}

// feature is one feature's summaries, across repeated runs.
type feature struct {
	pkg  string
	sums []jetty.Summary
}

type project struct {
	pkg  string
	sums []jetty.ProjectSummary
}

func newResult() *result {
	return &result{pkgs: map[string]*pkg{}, features: map[string]*feature{}, projects: map[string]*project{}, builds: map[string][]string{}}
}

// errNoEvents is returned for input with no go test -json event in it.
var errNoEvents = errors.New("no go test -json events in the input: run go test with -json (or use jetty test)")

// read merges one stream into r; name is used in error messages.
func (r *result) read(name string, in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	before := r.events
	for line := 1; sc.Scan(); line++ {
		if _, err := r.line(sc.Bytes()); err != nil {
			return fmt.Errorf("%s:%d %v", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	if r.events == before {
		return fmt.Errorf("%s: %w", name, errNoEvents)
	}
	return nil
}

// line reads one line of a go test -json stream; it returns the event, or
// nil for a line that is not an event.
func (r *result) line(b []byte) (*event, error) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, nil
	}
	var e event
	if b[0] != '{' || json.Unmarshal(b, &e) != nil || e.Action == "" {
		r.stray++
		return nil, nil
	}
	r.events++
	// Every text the command can print or write to a report comes from
	// an event: mask it once, here, with the module's one redaction.
	e.Package, e.ImportPath, e.Test = redact.String(e.Package), redact.String(e.ImportPath), redact.String(e.Test)
	e.Output, e.Value = redact.String(e.Output), redact.String(e.Value)
	if err := r.add(e); err != nil {
		return &e, fmt.Errorf("(%s %s): %v", e.Package, e.Test, err)
	}
	return &e, nil
}

func (r *result) pkg(name string) *pkg {
	p := r.pkgs[name]
	if p == nil {
		p = &pkg{name: name, tests: map[string]*test{}, scen: map[string]jetty.ScenarioSummary{}}
		r.pkgs[name] = p
	}
	return p
}

func (r *result) add(e event) error {
	switch e.Action {
	case "build-output":
		r.builds[e.ImportPath] = append(r.builds[e.ImportPath], redact.String(e.Output))
		return nil
	case "build-fail":
		return nil
	}
	if e.Package == "" {
		return nil
	}
	p := r.pkg(e.Package)
	if e.Test == "" {
		switch e.Action {
		case "start":
			p.started = true
		case "output":
			p.output = append(p.output, redact.String(e.Output))
		case "pass", "fail", "skip":
			// With -count the package is run once; a second stream (a
			// shard) may run it again: red wins.
			if p.action != "fail" {
				p.action = e.Action
			}
			p.elapsed += e.Elapsed
			if e.FailedBuild != "" {
				p.build = e.FailedBuild
			}
		}
		return nil
	}
	t := p.tests[e.Test]
	if t == nil {
		t = &test{name: e.Test}
		p.tests[e.Test] = t
	}
	switch e.Action {
	case "run":
		t.runs++
		t.cur = nil
	case "output":
		if strings.Contains(e.Output, "=== ATTR  ") && strings.Contains(e.Output, " "+jetty.SummaryAttr+" ") {
			// Echoed with the attr event, or, when test2json could not
			// parse it (a line over 4096 bytes), instead of it.
			p.lostSummaries = append(p.lostSummaries, e.Test)
			return nil
		}
		if strings.HasPrefix(e.Output, "=== ATTR") {
			// Machine data, read from the attr event.
			return nil
		}
		t.cur = append(t.cur, redact.String(e.Output))
	case "pass", "fail", "skip":
		switch e.Action {
		case "pass":
			t.pass++
		case "fail":
			t.fail++
			if t.failOut == nil {
				t.failOut = t.cur
			}
		case "skip":
			t.skip++
		}
		t.elapsed += e.Elapsed
		t.lastOut = t.cur
		t.cur = nil
	case "attr":
		switch e.Key {
		case jetty.SummaryAttr:
			s, err := jetty.ParseSummary(e.Value)
			if err != nil {
				return err
			}
			k := e.Package + "\x00" + s.Test
			f := r.features[k]
			if f == nil {
				f = &feature{pkg: e.Package}
				r.features[k] = f
			}
			f.sums = append(f.sums, s)
		case jetty.ScenarioAttr:
			s, err := jetty.ParseScenarioSummary(e.Value)
			if err != nil {
				return err
			}
			if _, ok := p.scen[e.Test]; !ok {
				p.scenOrder = append(p.scenOrder, e.Test)
			}
			p.scen[e.Test] = s
		case jetty.ProjectAttr:
			s, err := jetty.ParseProjectSummary(e.Value)
			if err != nil {
				return err
			}
			k := e.Package + "\x00" + s.Test
			pr := r.projects[k]
			if pr == nil {
				pr = &project{pkg: e.Package}
				r.projects[k] = pr
			}
			pr.sums = append(pr.sums, s)
		}
	}
	return nil
}

// finish counts a test run that never reported its end (the binary
// panicked or timed out while it ran) as failed, with its output so far.
func (r *result) finish() {
	for _, p := range r.pkgs {
		for _, t := range p.tests {
			if t.runs > t.pass+t.fail+t.skip {
				t.fail += t.runs - (t.pass + t.fail + t.skip)
				if t.failOut == nil {
					t.failOut = t.cur
				}
				t.cur = nil
			}
		}
	}
}

// packages returns the packages in name order.
func (r *result) packages() []*pkg {
	out := make([]*pkg, 0, len(r.pkgs))
	for _, p := range r.pkgs {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// featureList returns the features in package, then test order.
func (r *result) featureList() []*feature {
	out := make([]*feature, 0, len(r.features))
	for _, f := range r.features {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].pkg != out[j].pkg {
			return out[i].pkg < out[j].pkg
		}
		return out[i].sums[0].Test < out[j].sums[0].Test
	})
	return out
}

func (r *result) projectList() []*project {
	out := make([]*project, 0, len(r.projects))
	for _, p := range r.projects {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].pkg != out[j].pkg {
			return out[i].pkg < out[j].pkg
		}
		return out[i].sums[0].Test < out[j].sums[0].Test
	})
	return out
}

// last is the feature's summary of its last run.
func (f *feature) last() jetty.Summary { return f.sums[len(f.sums)-1] }

// modeCount folds a mode's counts over every run of the feature.
type modeCount struct {
	present          bool
	pass, fail, skip int
	blocked          string
	runs             int // runs that had the mode
}

func (f *feature) mode(m string) modeCount {
	var c modeCount
	for _, s := range f.sums {
		ms, ok := s.Modes[m]
		if !ok {
			continue
		}
		c.present = true
		c.runs++
		c.pass += ms.Pass
		c.fail += ms.Fail
		c.skip += ms.Skip
		if ms.Blocked != "" && c.blocked == "" {
			c.blocked = ms.Blocked
		}
	}
	return c
}

// coverage is the worst coverage status over the runs, with that run's
// coverage.
func (f *feature) coverage() jetty.CoverageSummary {
	rank := func(s string) int {
		switch s {
		case jetty.CoverageUncovered:
			return 4
		case jetty.CoveragePartial:
			return 3
		case jetty.CoverageUnchecked:
			return 2
		case jetty.CoverageCovered:
			return 1
		}
		return 0
	}
	best := f.sums[0].Coverage
	for _, s := range f.sums[1:] {
		if rank(s.Coverage.Status) > rank(best.Status) {
			best = s.Coverage
		}
	}
	return best
}

// scenarioTest says whether test name is one of the feature's scenario
// subtests (or a row under one).
func (f *feature) owns(name string) bool {
	t := f.sums[0].Test
	if !strings.HasPrefix(name, t+"/") {
		return false
	}
	rest := name[len(t)+1:]
	for _, m := range jetty.Modes() {
		if rest == m.String() || strings.HasPrefix(rest, m.String()+"/") {
			return true
		}
	}
	return false
}

// A message is one line a test printed through t.Log or t.Error:
// "    file_test.go:42: text".
var messageLine = regexp.MustCompile(`^\s+([\w.\-]+\.go:\d+): (.*)$`)

// stepLine is a step's log line (S.Given and friends).
var stepLine = regexp.MustCompile(`^(\s*)(Given|When|Then|And|But) (.*)$`)

// message is a test's first failure message and where it was reported.
type message struct {
	where string // file:line, or ""
	text  string
}

// firstMessage finds the first failure message in a failed test's output:
// the first "[jetty] …" message, else a panic or timeout, else the first
// message that is not a step or a note. Continuation lines (testify's
// Error Trace blocks) are folded in, up to a few lines.
func firstMessage(out []string) message {
	type msg struct {
		where, text string
		more        []string
	}
	var msgs []msg
	for _, raw := range out {
		line := strings.TrimRight(raw, "\n")
		if strings.HasPrefix(line, "=== ") || strings.HasPrefix(line, "--- ") || strings.HasPrefix(strings.TrimSpace(line), "--- ") {
			continue
		}
		if strings.HasPrefix(line, "panic: ") {
			return message{text: line, where: stackWhere(out)}
		}
		if strings.Contains(line, "test timed out after") {
			return message{text: strings.TrimSpace(line)}
		}
		if m := messageLine.FindStringSubmatch(line); m != nil {
			msgs = append(msgs, msg{where: m[1], text: m[2]})
			continue
		}
		if len(msgs) > 0 && strings.TrimSpace(line) != "" {
			last := &msgs[len(msgs)-1]
			last.more = append(last.more, strings.TrimSpace(line))
		}
	}
	pick := -1
	for i, m := range msgs {
		if strings.HasPrefix(m.text, "[jetty]") {
			pick = i
			break
		}
	}
	if pick < 0 {
		for i, m := range msgs {
			if stepLine.MatchString(m.text) || strings.HasPrefix(m.text, "not proven") || strings.HasPrefix(m.text, "jetty: ") ||
				strings.HasPrefix(m.text, "load ") {
				continue
			}
			pick = i
			break
		}
	}
	if pick < 0 {
		return message{}
	}
	m := msgs[pick]
	text := m.text
	more := m.more
	if strings.TrimSpace(text) == "" {
		// testify: the message is in the "Error:" line of the block.
		for i, l := range more {
			if strings.HasPrefix(l, "Error:") {
				text = strings.TrimSpace(strings.TrimPrefix(l, "Error:"))
				more = more[i+1:]
				break
			}
		}
	}
	for i, l := range more {
		if i == 3 || strings.HasPrefix(l, "Test:") {
			break
		}
		text += "\n" + l
	}
	return message{where: m.where, text: text}
}

// stackFrame is a goroutine stack line in a _test.go file.
var stackFrame = regexp.MustCompile(`^\s+(\S*_test\.go:\d+)`)

// stackWhere returns file:line of the first test-file frame of a panic's
// stack, the file's base name only.
func stackWhere(out []string) string {
	for _, l := range out {
		if m := stackFrame.FindStringSubmatch(l); m != nil {
			return filepath.Base(m[1])
		}
	}
	return ""
}

// steps returns the steps a scenario logged, with their depth.
func steps(out []string) []step {
	var st []step
	for _, raw := range out {
		m := messageLine.FindStringSubmatch(strings.TrimRight(raw, "\n"))
		if m == nil {
			continue
		}
		s := stepLine.FindStringSubmatch(m[2])
		if s == nil {
			continue
		}
		st = append(st, step{depth: len(s[1]) / 2, keyword: s[2], text: s[3], where: m[1]})
	}
	return st
}

type step struct {
	depth         int
	keyword, text string
	where         string
}

// testNames returns a package's test names in order.
func (p *pkg) testNames() []string {
	names := make([]string, 0, len(p.tests))
	for n := range p.tests {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
