package jetty

import (
	"flag"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// A step's log line, "login_test.go:12: Given a registered user", is what
// t.Log writes from the step method: package testing walks the stack to the
// first frame that is not a helper, resolving each frame's file and line,
// and the step method has to mark itself a helper first. For a one-step
// scenario that is most of what jetty adds to a plain t.Run.
//
// When the step is called by the scenario's body itself, that frame is the
// body's, unless the body marked itself a helper (s.Helper(), as a
// Scenario's Run method does). The body is not one when the test's helper
// marks (helperMarks) have not changed while it ran: since it started, and
// between its steps (a mark made during a step is not the body's, which
// waits for the step). Then the step writes the same bytes itself,
// through t.Output — which t.Log writes through, after the location —
// with the body's line, resolved once per call site. Every other step logs
// through t.Log as before: a step from a helper of the body, from a body
// that is a helper, in a Check, a Bubble or an outline's row, after a
// partial line was written to the test's output, or on a Go whose
// testing.T does not keep its helper marks where helperMarks looks.

// logLayout says where a testing.T keeps its helper marks: the offsets of
// common.mu and common.helperPCs, which t.Helper adds to. ok is false when
// testing.T has no such fields of those types (another Go release): then
// every step logs through t.Log.
type logLayout struct {
	mu, pcs uintptr
	ok      bool
}

var layout = sync.OnceValue(func() logLayout {
	c, ok := reflect.TypeFor[testing.T]().FieldByName("common")
	if !ok || !c.Anonymous || c.Type.Kind() != reflect.Struct {
		return logLayout{}
	}
	mu, okMu := c.Type.FieldByName("mu")
	pcs, okPCs := c.Type.FieldByName("helperPCs")
	if !okMu || !okPCs || len(mu.Index) != 1 || len(pcs.Index) != 1 ||
		mu.Type != reflect.TypeFor[sync.RWMutex]() || pcs.Type != reflect.TypeFor[map[uintptr]struct{}]() {
		return logLayout{}
	}
	return logLayout{mu: c.Offset + mu.Offset, pcs: c.Offset + pcs.Offset, ok: true}
})

// helperMarks returns how many call sites t.Helper has marked in t (under
// t's lock, as t.Helper adds them), or -1 when it cannot tell.
func helperMarks(t *testing.T) int {
	l := layout()
	if !l.ok || !fastSteps {
		return -1
	}
	p := unsafe.Pointer(t)
	mu := (*sync.RWMutex)(unsafe.Add(p, l.mu))
	mu.RLock()
	n := len(*(*map[uintptr]struct{})(unsafe.Add(p, l.pcs)))
	mu.RUnlock()
	return n
}

// fastSteps lets a test of this package compare the two ways of logging.
var fastSteps = true

// sites caches each step call site's "file.go:line: ", as t.Log prefixes
// it: uintptr (a return address) → string.
var sites sync.Map

// fullPath is -test.fullpath: file names in full, not only their base.
var fullPath = sync.OnceValue(func() bool {
	f := flag.Lookup("test.fullpath")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	v, _ := g.Get().(bool)
	return v
})

// siteOf returns "file.go:line: " for return address pc, as package testing
// writes a log's location.
func siteOf(pc uintptr) string {
	if v, ok := sites.Load(pc); ok {
		return v.(string)
	}
	fr, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	file, line := fr.File, fr.Line
	switch {
	case file == "":
		file = "???"
	case !fullPath():
		file = shortFile(file)
	}
	if line == 0 {
		line = 1
	}
	at := file + ":" + strconv.Itoa(line) + ": "
	sites.Store(pc, at)
	return at
}

// clean reports whether nothing marked a helper in the scenario's test
// since the body started or since the body's last clean step returned: the
// body is not a helper then. A step the body calls itself can write its
// own log line then (unless a partial line may wait in the test's output:
// t.Log would end it first; see S.slowLog).
func (s *S) clean() bool {
	if s.marks < 0 {
		return false
	}
	t, ok := s.tb.(*testing.T)
	return ok && helperMarks(t) == s.marks
}

// rebase takes the helper marks the scenario's test holds as the body's
// baseline (see S.do).
func (s *S) rebase() {
	if t, ok := s.tb.(*testing.T); ok && s.marks >= 0 {
		s.marks = helperMarks(t)
	}
}

// logAt writes the log line of the step at depth, as t.Log would from the
// step method called at return address pc.
func (s *S) logAt(pc uintptr, depth int) {
	st := s.steps[depth]
	b := append(s.line[:0], siteOf(pc)...)
	for range depth {
		b = append(b, "  "...)
	}
	n := len(b)
	b = append(b, st.keyword...)
	b = append(b, ' ')
	b = append(b, st.text...)
	if strings.IndexByte(st.text, '\n') >= 0 {
		// t.Log indents a message's later lines.
		b = append(b[:n], strings.ReplaceAll(st.keyword+" "+st.text, "\n", "\n    ")...)
	}
	b = append(b, '\n')
	s.line = b
	_, _ = s.tb.Output().Write(b)
}
