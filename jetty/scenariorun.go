package jetty

import (
	"sync/atomic"
	"testing"
)

// scenarioRun runs one scenario of a Feature as its subtest: t.Run calls
// its run method, through a method value (a wrapper every stack walk
// skips).
//
// Every frame between a helper body (one that calls s.Helper(), as a
// Scenario's Run method does) and the test must be a helper for that
// body's logs and failures to name the Feature's line, run's too. Marking
// run with t.Helper() costs a stack walk and a map in each scenario's
// test, and matters only when something of the scenario reports to
// testing; so run is marked then, by whatever reports (see S.markRunner,
// and start): t.Helper marks a function, by name, wherever it is called
// from, so markScenario.run, which only marks, marks the run frame that is
// waiting under the body too.
type scenarioRun struct {
	r  *run
	m  Mode
	ms *modeState
	d  *decl
}

// markScenario is a scenarioRun whose run only marks itself a helper.
var markScenario = &scenarioRun{}

// eagerMark lets a test of this package compare with marking run at once.
var eagerMark = false

func (sc *scenarioRun) run(t *testing.T) {
	if sc.d == nil {
		t.Helper()
		return
	}
	if eagerMark {
		t.Helper()
	}
	r, m, d := sc.r, sc.m, sc.d
	stop, setup := r.start(t, m, sc.ms, d)
	if stop {
		return
	}
	// S.run's work, done here rather than in a frame of its own: each frame
	// under a step costs every stack walk testing does for it.
	s := r.newS(t, m, d, d.title)
	if !eagerMark {
		s.runner.Store(t) // not marked yet
	}
	s.bodyPC = r.bodyPC.Load()
	s.settle = true // end records the verdict in d
	// The steps the body calls write their own log lines, unless a setup
	// that ran here may have left a partial line.
	s.marks = helperMarks(t)
	s.slowLog.Store(setup)
	defer s.end()
	for _, fn := range s.bodies(d.body) {
		fn(s) // one call instruction for both: see probeBody
	}
	r.bodyPC.Store(s.bodyPC)
}

// markRunner marks the run frame under the scenario a helper in its test
// (see scenarioRun), once, before s reports anything to testing. Safe from
// any goroutine.
func (s *S) markRunner() {
	for s.up != nil {
		s = s.up
	}
	if s.runner.Load() == nil {
		return // marked already, or nothing to mark: the common case, read only
	}
	if t := s.runner.Swap(nil); t != nil {
		markScenario.run(t)
	}
}

// runnerMark is where an S keeps the test of its scenarioRun until the run
// frame is marked.
type runnerMark = atomic.Pointer[testing.T]
