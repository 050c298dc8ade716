package jetty

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
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
	feature  string
	mode     Mode
	title    string
	profile  Profile
	gid      uint64
	done     atomic.Bool
	misuse   func(format string, args ...any) // reports misuse after the scenario ended
	mu       sync.Mutex
	steps    []string
	inBubble bool
	panicAt  string // the prefix of the step a panic unwound through
	out      *maskWriter
	stopped  atomic.Bool // FailNow or SkipNow came from another goroutine
	// notProven records a probe that could not run; nil outside a Feature.
	notProven func(id preset.ID, probe string)
	origin    string // "file.go:line" of the declaration, see Origin
	// touched records the inventory routes a check probed (S.Touched); nil
	// outside a Feature.
	touched func(routes []Route)
}

// Origin returns the file and line ("login_test.go:42") of the
// declaration that made the scenario: the f.Include, jetty.Check,
// f.Production (…) call in the user's test; "" when unknown. A scenario
// runs on its own goroutine, where no t.Helper mark reaches that line:
// ready-made scenarios name it in the problems that are about their
// fields.
func (s *S) Origin() string { return s.origin }

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
	probe = redact.String(probe)
	what := string(id)
	if what == "" {
		what = "covered requirements"
	}
	s.tb.Logf("not proven (%s): %s", what, probe)
	if s.notProven != nil {
		s.notProven(id, probe)
	}
}

func newS(t testing.TB, feature string, mode Mode, title string, p Profile, misuse func(string, ...any)) *S {
	return &S{tb: t, feature: feature, mode: mode, title: title, profile: p, gid: goid(), misuse: misuse}
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
func (s *S) Given(text string, fn func()) { s.tb.Helper(); s.step("Given", text, fn) }

// When runs fn as the step that acts ("When I sign in").
func (s *S) When(text string, fn func()) { s.tb.Helper(); s.step("When", text, fn) }

// Then runs fn as a step that checks an outcome ("Then I see my dashboard").
func (s *S) Then(text string, fn func()) { s.tb.Helper(); s.step("Then", text, fn) }

// And runs fn as a step that continues the previous one.
func (s *S) And(text string, fn func()) { s.tb.Helper(); s.step("And", text, fn) }

// But runs fn as a step that states a contrast ("But no session is created").
func (s *S) But(text string, fn func()) { s.tb.Helper(); s.step("But", text, fn) }

func (s *S) step(keyword, text string, fn func()) {
	s.tb.Helper()
	text = redact.String(text)
	if s.done.Load() {
		s.misuse("%s: %s %q ran after scenario %q ended: call steps only on the *S passed to the running scenario's body, before it returns", callerOutside(), keyword, text, s.title)
		return
	}
	if g := goid(); g != s.gid {
		errorf(s.tb, "%s%s %q was called from another goroutine (at %s): run steps on the scenario's goroutine and send results back over a channel", s.prefix(), keyword, text, callerOutside())
		return
	}
	if strings.TrimSpace(text) == "" {
		errorf(s.tb, "%s%s has no text (at %s): say what the step does, e.g. s.%s(\"a registered user\", …)", s.prefix(), keyword, callerOutside(), keyword)
		return
	}
	if fn == nil {
		errorf(s.tb, "%s%s %q has a nil function (at %s): pass func() { … }", s.prefix(), keyword, text, callerOutside())
		return
	}
	s.mu.Lock()
	depth := len(s.steps)
	s.steps = append(s.steps, keyword+" "+text)
	s.mu.Unlock()
	returned := false
	defer func() {
		if !returned && s.panicAt == "" {
			// A panic or FailNow unwinds through here: remember where.
			s.panicAt = s.prefix()
		}
		s.mu.Lock()
		s.steps = s.steps[:depth]
		s.mu.Unlock()
	}()
	s.stopIfAsked()
	logf(s.tb, "%s%s %s", strings.Repeat("  ", depth), keyword, text)
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
		b.WriteString(st)
		b.WriteString(": ")
	}
	s.mu.Unlock()
	return b.String()
}

// Error is like testing.T.Error, with the scenario and step in front.
func (s *S) Error(args ...any) {
	s.tb.Helper()
	s.tb.Error(redact.String(s.prefix() + sprintln(args...)))
}

// Errorf is like testing.T.Errorf, with the scenario and step in front.
func (s *S) Errorf(format string, args ...any) {
	s.tb.Helper()
	s.tb.Error(redact.String(s.prefix() + fmt.Sprintf(format, args...)))
}

// Log is like testing.T.Log, with secrets masked: Authorization, Cookie and
// Set-Cookie values and fields named like password, token or secret.
func (s *S) Log(args ...any) {
	s.tb.Helper()
	s.tb.Log(redact.String(sprintln(args...)))
}

// Logf is like testing.T.Logf, with secrets masked as Log masks them.
func (s *S) Logf(format string, args ...any) {
	s.tb.Helper()
	s.tb.Log(redact.String(fmt.Sprintf(format, args...)))
}

// Fatal is Error followed by FailNow: it stops the scenario, not the feature.
func (s *S) Fatal(args ...any) {
	s.tb.Helper()
	msg := redact.String(s.prefix() + sprintln(args...))
	if s.offGoroutine("Fatal", msg) {
		return
	}
	s.tb.Fatal(msg)
}

// Fatalf is Errorf followed by FailNow: it stops the scenario, not the feature.
func (s *S) Fatalf(format string, args ...any) {
	s.tb.Helper()
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
	if goid() == s.gid {
		return false
	}
	where := callerOutside()
	if s.done.Load() {
		s.misuse("%s: s.%s was called from another goroutine after scenario %q ended: %s", where, method, s.title, msg)
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
	if s.stopped.Load() && goid() == s.gid {
		s.tb.FailNow()
	}
}

// Skip is like testing.T.Skip, with secrets masked as Log masks them.
func (s *S) Skip(args ...any) {
	s.tb.Helper()
	msg := redact.String(sprintln(args...))
	if s.offGoroutine("Skip", msg) {
		return
	}
	s.tb.Skip(msg)
}

// Skipf is like testing.T.Skipf, with secrets masked as Log masks them.
func (s *S) Skipf(format string, args ...any) {
	s.tb.Helper()
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
		s.out = &maskWriter{w: s.tb.Output()}
	}
	return s.out
}

func sprintln(args ...any) string {
	return strings.TrimSuffix(fmt.Sprintln(args...), "\n")
}

// run runs body as the scenario, turning a panic into a failure.
func (s *S) run(body func(*S)) {
	s.tb.Helper()
	defer s.done.Store(true)
	defer func() {
		s.mu.Lock()
		out := s.out
		s.mu.Unlock()
		if out != nil {
			out.flush()
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			s.tb.Helper()
			at := s.panicAt
			if at == "" {
				at = s.prefix()
			}
			errorf(s.tb, "%spanic: %v\n%s", at, r, trimStack(debugStack()))
		}
	}()
	body(s)
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
	n := runtime.Callers(2, pc)
	frames := runtime.CallersFrames(pc[:n])
	for {
		fr, more := frames.Next()
		if !strings.HasPrefix(fr.Function, "github.com/jettymethod/jetty/jetty.") {
			return fmt.Sprintf("%s:%d", shortFile(fr.File), fr.Line)
		}
		if !more {
			return "?:0"
		}
	}
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
	synctest.Test(t, func(t *testing.T) {
		inner := newS(t, s.feature, s.mode, s.title, s.profile, s.misuse)
		inner.inBubble = true
		// What the bubble could not prove, the routes it touched and where
		// the scenario was declared belong to the scenario.
		inner.notProven, inner.origin, inner.touched = s.notProven, s.origin, s.touched
		s.mu.Lock()
		inner.steps = append(inner.steps, s.steps...)
		s.mu.Unlock()
		inner.run(fn)
	})
	return true
}
