package jetty

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/preset"
)

// tb is testing.TB under a name that keeps S's embedded field unexported.
type tb = testing.TB

// S is one running scenario. It implements testing.TB, so testify's assert
// and require, go-cmp and any helper that takes a testing.TB accept it, and
// it adds Given/When/Then/And/But steps.
//
// Failures reported through S (Error, Errorf, Fatal, Fatalf) are prefixed
// with where they happened, for example
//
//	[jetty] Login › production › rate limits excessive attempts: Then attempts are blocked: POST /login #11 = 200, want 429
//
// Fatal and FailNow stop the scenario only; the feature's other scenarios
// still run. A panic in a scenario fails that scenario, with its stack, and
// does not end the test binary.
//
// An S belongs to its scenario's goroutine, like a *testing.T: steps called
// from another goroutine, or after the scenario ended, are reported as
// misuse and not run. Logging (Log, Logf) and Error/Errorf are safe from
// other goroutines while the scenario runs, as on a *testing.T.
type S struct {
	tb
	feature string
	mode    Mode
	title   string
	profile *Profile
	done    atomic.Bool
	// misuse reports misuse after the scenario ended, on misuseTB.
	misuse   func(t testing.TB, format string, args ...any)
	misuseTB testing.TB
	mu       sync.Mutex
	steps    []stepText
	stepBuf  [2]stepText // steps' first backing array: no allocation for shallow steps
	logArg   [1]any      // see logStep
	fns      [2]func(*S) // see bodies
	// bodyPC is the return address run's frame holds while the scenario's
	// body runs: a step finds it among its callers when it runs on a
	// scenario's goroutine (see probeBody, onGoroutine). The same for every
	// S, its creator passes it on from one S to the next.
	bodyPC uintptr
	// gid is the scenario goroutine's id, for exact checks in parallel runs
	// (see onGoroutine); 0 when not needed.
	gid      uint64
	inBubble bool
	// bubbling is true while a Bubble of this S runs: this S's goroutine
	// waits for the bubble, so a step on it comes from another goroutine.
	bubbling atomic.Bool
	panicAt  string // the prefix of the step a panic unwound through
	out      *maskWriter
	stopped  atomic.Bool // FailNow or SkipNow came from another goroutine
	// decl is the scenario's declaration, where NotProven records a probe
	// that could not run; nil outside a Feature.
	decl *decl
	// settle makes end record the scenario's verdict in decl (a plain
	// scenario of a Feature; an outline's rows record their own).
	settle bool
	origin string // "file.go:line" of a jetty.Check declaration, see Origin
	// marks is how many helper marks the scenario's test held when the body
	// started, or -1: then every step logs through t.Log (see steplog.go).
	marks int
	// slowLog is set once a partial line may wait in the test's output:
	// steps log through t.Log from then on, which ends it first.
	slowLog atomic.Bool
	line    []byte // the last step's log line, reused (see logAt)
	// runner is the test whose scenarioRun frame is not marked a helper
	// yet (see markRunner); up is the S a Bubble's S belongs to.
	runner runnerMark
	up     *S
}

// Origin returns the file and line ("login_test.go:42") of the
// declaration that made the scenario: the f.Include, jetty.Check,
// f.Production (…) call in the user's test; "" when unknown. A scenario
// runs on its own goroutine, where no t.Helper mark reaches that line:
// ready-made scenarios name it in the problems that are about their
// fields.
func (s *S) Origin() string {
	if s.origin == "" && s.decl != nil {
		return s.decl.where().String()
	}
	return s.origin
}

// NotProven records that the scenario could not run one of the probes that
// requirement id needs, and logs it: probe says what was not proven and
// what would let it run, e.g. "lockout lifts: set Lockout". An empty id
// means every requirement the scenario covers. A passing production
// scenario with a probe not proven covers id only partly: the feature's
// coverage is "partial" (red) and the summary lists the missing probes in
// CoverageSummary.Partial. Under Check, which judges no coverage, it only
// logs. Safe to call from any goroutine while the scenario runs.
func (s *S) NotProven(id preset.ID, probe string) {
	s.tb.Helper()
	s.markRunner()
	probe = redact.String(probe)
	what := string(id)
	if what == "" {
		what = "covered requirements"
	}
	s.tb.Logf("not proven (%s): %s", what, probe)
	if d := s.decl; d != nil {
		d.mu.Lock()
		d.x().notProven = append(d.x().notProven, notProven{id: id, probe: probe})
		d.mu.Unlock()
	}
}

// stepText is one running step: its keyword and its (redacted) text.
type stepText struct{ keyword, text string }

func newS(t testing.TB, feature string, mode Mode, title string, p *Profile, misuse func(testing.TB, string, ...any)) *S {
	s := &S{tb: t, feature: feature, mode: mode, title: title, profile: p, misuse: misuse, misuseTB: t, marks: -1}
	s.steps = s.stepBuf[:0]
	return s
}

// Feature returns the name of the feature the scenario belongs to (the
// test's name for scenarios run by Check).
func (s *S) Feature() string { return s.feature }

// Mode returns the scenario's mode.
func (s *S) Mode() Mode { return s.mode }

// Title returns the scenario's title as declared.
func (s *S) Title() string { return s.title }

// Preset returns the project's preset (the zero Preset when it has none).
// Ready-made scenarios read their default thresholds from it.
func (s *S) Preset() preset.Preset { return s.profile.Preset }

// External reports whether the project is external (has real users).
func (s *S) External() bool { return s.profile.External }

// Param returns the parameter key of the preset's requirement id, or def
// when the preset has no such requirement or parameter. See preset.Params.
func (s *S) Param(id preset.ID, key, def string) string {
	return s.profile.Preset.Param(id, key, def)
}

// Given runs fn as a step that sets up context ("Given a registered user").
// The step is logged as it starts, and failures inside it name it.
func (s *S) Given(text string, fn func()) {
	depth, st, clean := s.enter("Given", text, fn)
	switch st {
	case stepLogged:
	case stepToLog:
		s.tb.Helper()
		s.markRunner()
		s.tb.Log(s.logStep(depth)...) // logged here, so the log names the caller's line
	default:
		s.tb.Helper()
		s.refuse(st, "Given", text)
		return
	}
	s.do(depth, fn, clean)
}

// When runs fn as the step that acts ("When I sign in").
func (s *S) When(text string, fn func()) {
	depth, st, clean := s.enter("When", text, fn)
	switch st {
	case stepLogged:
	case stepToLog:
		s.tb.Helper()
		s.markRunner()
		s.tb.Log(s.logStep(depth)...)
	default:
		s.tb.Helper()
		s.refuse(st, "When", text)
		return
	}
	s.do(depth, fn, clean)
}

// Then runs fn as a step that checks an outcome ("Then I see my dashboard").
func (s *S) Then(text string, fn func()) {
	depth, st, clean := s.enter("Then", text, fn)
	switch st {
	case stepLogged:
	case stepToLog:
		s.tb.Helper()
		s.markRunner()
		s.tb.Log(s.logStep(depth)...)
	default:
		s.tb.Helper()
		s.refuse(st, "Then", text)
		return
	}
	s.do(depth, fn, clean)
}

// And runs fn as a step that continues the previous one.
func (s *S) And(text string, fn func()) {
	depth, st, clean := s.enter("And", text, fn)
	switch st {
	case stepLogged:
	case stepToLog:
		s.tb.Helper()
		s.markRunner()
		s.tb.Log(s.logStep(depth)...)
	default:
		s.tb.Helper()
		s.refuse(st, "And", text)
		return
	}
	s.do(depth, fn, clean)
}

// But runs fn as a step that states a contrast ("But no session is created").
func (s *S) But(text string, fn func()) {
	depth, st, clean := s.enter("But", text, fn)
	switch st {
	case stepLogged:
	case stepToLog:
		s.tb.Helper()
		s.markRunner()
		s.tb.Log(s.logStep(depth)...)
	default:
		s.tb.Helper()
		s.refuse(st, "But", text)
		return
	}
	s.do(depth, fn, clean)
}

// The step methods log the step themselves rather than through a shared
// function: testing walks the helper frames between a log call and the
// user's line, resolving each one once per subtest, so one helper frame per
// step costs half what two did (see BenchmarkFeatureOverhead). A step the
// body calls itself is logged by enter instead, without that walk: see
// steplog.go.

// stepState is what enter did with a step.
type stepState int

const (
	stepLogged stepState = iota // pushed and logged: run it
	stepToLog                   // pushed: log it, then run it
	// not pushed, not to be run: refuse reports why
	refusedEnded
	refusedGoroutine
	refusedNoText
	refusedNilFn
)

// enter checks a step and pushes it, and logs it when the scenario's body
// called the step method itself (see steplog.go); it returns the step's
// depth, and clean when the body is not a helper (see S.marks). A step
// that must not run is refused: the step method reports it with refuse.
//
//go:noinline
func (s *S) enter(keyword, text string, fn func()) (depth int, st stepState, clean bool) {
	text = redact.String(text)
	if s.done.Load() {
		return 0, refusedEnded, false
	}
	// The step method's caller, and the frame that calls the body when
	// that caller is the body (see probeBody).
	var pc [2]uintptr
	n := 0
	if s.gid == 0 || s.marks >= 0 {
		n = runtime.Callers(3, pc[:]) // skip Callers, enter, the step method
	}
	if !s.onGoroutine(pc[:n]) {
		return 0, refusedGoroutine, false
	}
	if strings.TrimSpace(text) == "" {
		return 0, refusedNoText, false
	}
	if fn == nil {
		return 0, refusedNilFn, false
	}
	s.stopIfAsked()
	s.mu.Lock()
	depth = len(s.steps)
	s.steps = append(s.steps, stepText{keyword, text})
	s.mu.Unlock()
	clean = s.clean()
	if clean && n == len(pc) && pc[1] == s.bodyPC && !s.slowLog.Load() {
		s.logAt(pc[0], depth)
		return depth, stepLogged, true
	}
	return depth, stepToLog, clean
}

// refuse reports why enter refused a step.
func (s *S) refuse(st stepState, keyword, text string) {
	s.tb.Helper()
	s.markRunner()
	text = redact.String(text)
	switch st {
	case refusedEnded:
		s.misuse(s.misuseTB, "%s: %s %q ran after scenario %q ended: call steps only on the *S passed to the running scenario's body, before it returns", callerOutside(), keyword, text, s.title)
	case refusedGoroutine:
		errorf(s.tb, "%s%s %q was called from another goroutine (at %s): run steps on the scenario's goroutine and send results back over a channel", s.prefix(), keyword, text, callerOutside())
	case refusedNoText:
		errorf(s.tb, "%s%s has no text (at %s): say what the step does, e.g. s.%s(\"a registered user\", …)", s.prefix(), keyword, callerOutside(), keyword)
	case refusedNilFn:
		errorf(s.tb, "%s%s %q has a nil function (at %s): pass func() { … }", s.prefix(), keyword, text, callerOutside())
	}
}

// logStep returns the arguments of the step at depth's log line, "Given a
// registered user" indented two spaces per enclosing step, in a slice of s
// (which saves allocating one per step). Only the scenario's goroutine
// calls it, and uses the slice before the next step.
func (s *S) logStep(depth int) []any {
	st := s.steps[depth]
	line := st.keyword + " " + st.text
	if depth > 0 {
		line = strings.Repeat("  ", depth) + line
	}
	s.logArg[0] = line
	return s.logArg[:]
}

// do runs the step at depth and pops it when fn returns or unwinds. A step
// entered clean (see enter) takes the helper marks made while it ran as
// the body's new baseline: the body was waiting for the step then, so none
// of them is the body's.
func (s *S) do(depth int, fn func(), clean bool) {
	returned := false
	defer func() {
		if clean {
			s.rebase()
		}
		if !returned && s.panicAt == "" {
			// A panic or FailNow unwinds through here: remember where.
			s.panicAt = s.prefix()
		}
		s.mu.Lock()
		s.steps = s.steps[:depth]
		s.mu.Unlock()
	}()
	fn()
	returned = true
	s.stopIfAsked()
}

// prefix returns "[jetty] Feature › mode › title: Step: ".
func (s *S) prefix() string {
	var b strings.Builder
	b.WriteString("[jetty] ")
	if s.feature != "" {
		b.WriteString(s.feature)
		b.WriteString(" › ")
	}
	b.WriteString(s.mode.String())
	b.WriteString(" › ")
	b.WriteString(s.title)
	b.WriteString(": ")
	s.mu.Lock()
	for _, st := range s.steps {
		b.WriteString(st.keyword)
		b.WriteString(" ")
		b.WriteString(st.text)
		b.WriteString(": ")
	}
	s.mu.Unlock()
	return b.String()
}

// Error is like testing.T.Error, with the scenario and step in front.
func (s *S) Error(args ...any) {
	s.tb.Helper()
	s.markRunner()
	s.tb.Error(redact.String(s.prefix() + sprintln(args...)))
}

// Errorf is like testing.T.Errorf, with the scenario and step in front.
func (s *S) Errorf(format string, args ...any) {
	s.tb.Helper()
	s.markRunner()
	s.tb.Error(redact.String(s.prefix() + fmt.Sprintf(format, args...)))
}

// Log is like testing.T.Log, with secrets masked: Authorization, Cookie and
// Set-Cookie values and fields named like password, token or secret.
func (s *S) Log(args ...any) {
	s.tb.Helper()
	s.markRunner()
	s.tb.Log(redact.String(sprintln(args...)))
}

// Logf is like testing.T.Logf, with secrets masked as Log masks them.
func (s *S) Logf(format string, args ...any) {
	s.tb.Helper()
	s.markRunner()
	s.tb.Log(redact.String(fmt.Sprintf(format, args...)))
}

// Fatal is Error followed by FailNow: it stops the scenario, not the feature.
func (s *S) Fatal(args ...any) {
	s.tb.Helper()
	s.markRunner()
	msg := redact.String(s.prefix() + sprintln(args...))
	if s.offGoroutine("Fatal", msg) {
		return
	}
	s.tb.Fatal(msg)
}

// Fatalf is Errorf followed by FailNow: it stops the scenario, not the feature.
func (s *S) Fatalf(format string, args ...any) {
	s.tb.Helper()
	s.markRunner()
	msg := redact.String(s.prefix() + fmt.Sprintf(format, args...))
	if s.offGoroutine("Fatalf", msg) {
		return
	}
	s.tb.Fatal(msg)
}

// FailNow is testing.T.FailNow: it stops the scenario, not the feature.
// Like Fatal, Fatalf, Skip, Skipf and SkipNow, it must be called on the
// scenario's goroutine (STYLE: workers send results back). Called from
// another goroutine it is reported as misuse, that goroutine exits (as
// testing's FailNow would make it), and the scenario fails and stops when
// the step that is running returns, or at the next step.
func (s *S) FailNow() {
	s.tb.Helper()
	if s.offGoroutine("FailNow", "") {
		return
	}
	s.tb.FailNow()
}

// SkipNow is testing.T.SkipNow; see FailNow for other goroutines.
func (s *S) SkipNow() {
	s.tb.Helper()
	if s.offGoroutine("SkipNow", "") {
		return
	}
	s.tb.SkipNow()
}

// offGoroutine handles method (with its message, if any) called from a
// goroutine other than the scenario's: it reports the misuse, marks the
// scenario to stop and ends the calling goroutine. It returns false on the
// scenario's own goroutine.
func (s *S) offGoroutine(method, msg string) bool {
	if s.mine() {
		return false
	}
	where := callerOutside()
	s.markRunner()
	if s.done.Load() {
		s.misuse(s.misuseTB, "%s: s.%s was called from another goroutine after scenario %q ended: %s", where, method, s.title, msg)
		runtime.Goexit()
	}
	s.stopped.Store(true)
	if msg != "" {
		s.tb.Error(msg)
	}
	errorf(s.tb, "%ss.%s was called from another goroutine (at %s): it cannot stop the scenario from there; send the result back over a channel and call s.%s on the scenario's goroutine (the scenario stops at the end of this step)",
		s.prefix(), method, where, method)
	runtime.Goexit()
	return true
}

// stopIfAsked stops the scenario, on its goroutine, when FailNow or SkipNow
// was called from another goroutine.
func (s *S) stopIfAsked() {
	if s.stopped.Load() && s.mine() {
		s.tb.FailNow()
	}
}

// Skip is like testing.T.Skip, with secrets masked as Log masks them.
func (s *S) Skip(args ...any) {
	s.tb.Helper()
	s.markRunner()
	msg := redact.String(sprintln(args...))
	if s.offGoroutine("Skip", msg) {
		return
	}
	s.tb.Skip(msg)
}

// Skipf is like testing.T.Skipf, with secrets masked as Log masks them.
func (s *S) Skipf(format string, args ...any) {
	s.tb.Helper()
	s.markRunner()
	msg := redact.String(fmt.Sprintf(format, args...))
	if s.offGoroutine("Skipf", msg) {
		return
	}
	s.tb.Skip(msg)
}

// Attr is like testing.T.Attr, with secrets in the key and value masked.
func (s *S) Attr(key, value string) {
	s.tb.Helper()
	s.tb.Attr(redact.String(key), redact.String(value))
}

// Output is like testing.T.Output, with secrets masked as Log masks them:
// what is written is masked a chunk of whole lines at a time, and a last
// partial line when the scenario ends.
func (s *S) Output() io.Writer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		s.out = &maskWriter{w: s.tb.Output(), partial: &s.slowLog}
	}
	return s.out
}

func sprintln(args ...any) string {
	return strings.TrimSuffix(fmt.Sprintln(args...), "\n")
}

// run runs body as the scenario, turning a panic into a failure.
func (s *S) run(body func(*S)) {
	// A helper, as every frame between the body and the test's is: when the
	// body is a helper too (a Scenario's Run method calls s.Helper()), its
	// logs and failures name the line of the Feature or Check call.
	s.tb.Helper()
	defer s.end()
	for _, fn := range s.bodies(body) {
		fn(s) // one call instruction for both: see probeBody
	}
}

// bodies returns what a runner calls, in order, from one call instruction:
// probeBody, unless s.bodyPC is known (from an earlier scenario run from
// the same instruction), then body.
func (s *S) bodies(body func(*S)) []func(*S) {
	if s.bodyPC != 0 {
		s.fns = [2]func(*S){body}
		return s.fns[:1]
	}
	s.fns = [2]func(*S){probeBody, body}
	return s.fns[:]
}

// end ends the scenario: it turns a panic into a failure, flushes what was
// written to Output and marks the scenario done. A runner defers it.
func (s *S) end() {
	if r := recover(); r != nil {
		s.tb.Helper()
		s.markRunner()
		at := s.panicAt
		if at == "" {
			at = s.prefix()
		}
		errorf(s.tb, "%spanic: %v\n%s", at, r, trimStack(debugStack()))
	}
	s.mu.Lock()
	out := s.out
	s.mu.Unlock()
	if out != nil {
		out.flush()
	}
	s.done.Store(true)
	if s.settle {
		s.decl.setAll(verdict(s.tb))
	}
}

// probeBody records in s.bodyPC the return address the runner's frame
// (run, or Feature's scenario function) holds while the body runs: the
// runner calls probeBody and then the body from the same instruction. A step that finds that address among its callers runs on a
// scenario's goroutine, found in a few frames instead of by parsing
// runtime.Stack for the goroutine's id (microseconds a step).
func probeBody(s *S) {
	var pc [1]uintptr
	if runtime.Callers(2, pc[:]) == 1 {
		s.bodyPC = pc[0]
	}
}

// onGoroutine reports whether enter's caller (a step method) runs on the
// scenario's goroutine, inside its body: the goroutine's stack holds run's
// frame with the body's return address, and no Bubble of this S is running
// (its goroutine waits for the bubble then). A goroutine of another
// scenario also holds such a frame, so when scenarios run in parallel (gid
// set) the goroutine's id decides. pc are the step method's nearest
// callers.
func (s *S) onGoroutine(pc []uintptr) bool {
	if s.bubbling.Load() || s.bodyPC == 0 {
		return false
	}
	if s.gid != 0 {
		return goid() == s.gid
	}
	// Usually run's frame is the second above the step method (the body,
	// run): enter looks only there first, as a walk costs each frame it
	// passes.
	if slices.Contains(pc, s.bodyPC) {
		return true
	}
	// deepOnGoroutine's callers: itself, onGoroutine, enter, the step
	// method, then pc.
	return len(pc) == 2 && s.deepOnGoroutine(5+len(pc))
}

// mine reports whether its caller runs on the scenario's goroutine, as
// onGoroutine does, for the rarer calls (Fatal, FailNow, Skip, a stop asked
// from another goroutine) that come from any depth.
func (s *S) mine() bool {
	if s.bubbling.Load() || s.bodyPC == 0 {
		return false
	}
	if s.gid != 0 {
		return goid() == s.gid
	}
	return s.deepOnGoroutine(2)
}

// deepOnGoroutine is onGoroutine for a step nested deeper: it looks for
// run's frame beyond the skip nearest frames.
//
//go:noinline
func (s *S) deepOnGoroutine(skip int) bool {
	var pc [64]uintptr
	for {
		n := runtime.Callers(skip, pc[:])
		if slices.Contains(pc[:n], s.bodyPC) {
			return true
		}
		if n < len(pc) {
			return false
		}
		skip += n
	}
}

func debugStack() []byte {
	buf := make([]byte, 64<<10)
	return buf[:runtime.Stack(buf, false)]
}

// trimStack drops the frames of the runtime and of jetty itself from a
// panic's stack so the user's frames come first.
func trimStack(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	var out []string
	for i := 1; i+1 < len(lines); i += 2 {
		fn, file := lines[i], lines[i+1]
		if strings.HasPrefix(fn, "runtime/debug.") || strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "panic(") ||
			strings.HasPrefix(fn, "github.com/jettymethod/jetty/jetty.") || strings.HasPrefix(fn, "testing.") {
			continue
		}
		out = append(out, fn, file)
	}
	return strings.Join(out, "\n")
}

// goid returns the current goroutine's id, read from its stack header.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	n, _ := strconv.ParseUint(string(b), 10, 64)
	return n
}

// callerOutside returns "file.go:line" of the first caller outside package
// jetty: the line of the user's declaration or step.
func callerOutside() string {
	pc := make([]uintptr, 16)
	return outside(pc[:runtime.Callers(2, pc)])
}

// outside resolves pcs to "file.go:line" of the first frame outside package
// jetty, or "?:0".
func outside(pcs []uintptr) string {
	frames := runtime.CallersFrames(pcs)
	for {
		fr, more := frames.Next()
		if fr.PC != 0 && !strings.HasPrefix(fr.Function, "github.com/jettymethod/jetty/jetty.") {
			return fmt.Sprintf("%s:%d", shortFile(fr.File), fr.Line)
		}
		if !more {
			return "?:0"
		}
	}
}

// site is where a declaration was made: the program counters of the
// declaring call and its callers, resolved to "file.go:line" (String) only
// when a message names it. Capturing a site costs a fraction of resolving
// it, and a feature of 10,000 scenarios names none of them when it is right.
type site struct {
	pc [3]uintptr
	n  int
	at string // a place already known, such as a line of the profile file
}

// siteAt returns the site of a place already known ("jetty.json:12").
func siteAt(at string) site { return site{at: at} }

// here returns the site of the call to the function that calls here (an
// exported declaring function) and of its callers.
func here() site {
	var s site
	s.n = runtime.Callers(2, s.pc[:])
	return s
}

// String returns "file.go:line" of the first frame outside package jetty.
func (s site) String() string {
	if s.at != "" {
		return s.at
	}
	return outside(s.pc[:s.n])
}

func shortFile(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// Bubble runs fn inside a testing/synctest bubble, where time is virtual:
// time.Sleep and timers advance a fake clock as soon as every goroutine of
// the bubble is blocked, so a 5-minute lockout passes in milliseconds.
// Everything whose time matters (an application's limiter, its cache) must
// be created inside fn. fn receives an S bound to the bubble; steps and
// failures inside it belong to the scenario as usual.
//
// Bubble needs the scenario to run on a *testing.T (Feature, or Check with
// a *testing.T). Otherwise, and when called from inside a bubble already,
// it runs nothing and returns false, so a caller can fall back to real time.
func (s *S) Bubble(fn func(s *S)) bool {
	s.tb.Helper()
	t, ok := s.tb.(*testing.T)
	if !ok || fn == nil || s.inBubble {
		return false
	}
	s.bubbling.Store(true)
	defer s.bubbling.Store(false)
	var inner *S
	defer func() {
		// What the bubble wrote to Output may end in a partial line of the
		// scenario's test.
		if inner != nil && inner.slowLog.Load() {
			s.slowLog.Store(true)
		}
	}()
	synctest.Test(t, func(t *testing.T) {
		inner = newS(t, s.feature, s.mode, s.title, s.profile, s.misuse)
		inner.misuseTB = s.misuseTB
		inner.up = s
		inner.inBubble = true
		// What the bubble could not prove, the routes it touched and where
		// the scenario was declared belong to the scenario.
		inner.decl, inner.origin = s.decl, s.origin
		if s.gid != 0 {
			inner.gid = goid()
		}
		s.mu.Lock()
		inner.steps = append(inner.steps, s.steps...)
		s.mu.Unlock()
		inner.run(fn)
	})
	return true
}
