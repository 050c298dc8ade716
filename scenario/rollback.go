package scenario

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Rollback checks that a failed deployment can be rolled back ("rollback
// capabilities for failed deployments"): the check runs the previous
// version, migrates forward, writes data through the new version, rolls
// the migrations back, and proves the previous version still starts, serves
// and reads what was written; then it rolls forward again and proves
// nothing was lost (a go-cmp diff of Snapshot on failure).
//
// The versions and migrations are the application's own, given as
// functions over whatever database they share (any database/sql store, the
// SQLite file of the examples, a PostgreSQL schema): Previous and Next
// build each version's handler; Up and Down apply and revert the new
// version's migrations.
//
// It covers preset.Rollback. Rollback changes the database it is given:
// give it one of its own (a fresh file or schema per test). It is safe in
// parallel tests when they are.
//
// Not proven without its field, and required by a preset with
// preset.Rollback: that rolling back and forward loses nothing (Snapshot).
type Rollback struct {
	production

	// Previous builds the version that runs today. Required.
	Previous func() (http.Handler, error)
	// Next builds the version being deployed. Required.
	Next func() (http.Handler, error)
	// Up applies Next's migrations; Down reverts them. Required.
	Up, Down func(ctx context.Context) error
	// Write is a request through Next that stores data, e.g. POST /notes.
	// Required.
	Write Request
	// Read is a request through Previous, after the rollback, that must
	// answer 2xx: it reads what Previous can read (e.g. GET /notes).
	// Required.
	Read Request
	// Healthy is a path each version must answer 2xx on once started.
	// Default "/healthz".
	Healthy string
	// Snapshot reads the data that must survive (e.g. every row the
	// previous version knows). Optional: without it, "nothing lost" is
	// judged by Read alone and the scenario says so.
	Snapshot func(ctx context.Context) (any, error)
	// Options are go-cmp options for comparing snapshots.
	Options []cmp.Option
	// Preset is the preset this check's thresholds come from (it has
	// none yet); see [RateLimit.Preset].
	Preset preset.Preset
}

// Title returns "a failed deployment rolls back without losing data".
func (Rollback) Title() string { return "a failed deployment rolls back without losing data" }

// Covers returns preset.Rollback.
func (Rollback) Covers() []preset.ID { return []preset.ID{preset.Rollback} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Rollback) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s.
func (x Rollback) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// rbRun is one run of Rollback.
type rbRun struct {
	x       Rollback
	r       reporter
	healthy string
	before  any // the snapshot after the data written through Next
}

func (x Rollback) exec(r reporter) {
	run := &rbRun{x: x, r: r}
	r.step("Given", "the previous version serves, and the next version's migrations are applied", run.forward)
	if r.failed() {
		return
	}
	r.step("When", "the next version writes "+x.Write.String(), run.write)
	if r.failed() {
		return
	}
	r.step("And", "the migrations are rolled back", func() { run.call("Down", x.Down) })
	if r.failed() {
		return
	}
	r.step("Then", "the previous version starts, serves and answers "+x.Read.String(), run.previousServes)
	r.step("And", "rolling forward again loses nothing", run.again)
}

func (run *rbRun) call(name string, fn func(context.Context) error) bool {
	if err := probe.CallErr(func() error { return fn(run.r.context()) }); err != nil {
		run.r.errorf("Rollback.%s: %v", name, err)
		return false
	}
	return true
}

func (run *rbRun) forward() {
	x, r := run.x, run.r
	for name, missing := range map[string]bool{"Previous": x.Previous == nil, "Next": x.Next == nil, "Up": x.Up == nil, "Down": x.Down == nil} {
		if missing {
			r.errorf("Rollback.%s is not set: give the previous and next versions' constructors and the migrations' Up and Down", name)
		}
	}
	if x.Write.IsZero() || x.Read.IsZero() {
		r.errorf("Rollback.Write and Rollback.Read must both be set: a request that stores data through the next version, and one the previous version answers from what it can read")
	}
	run.healthy = x.Healthy
	if run.healthy == "" {
		run.healthy = "/healthz"
	}
	r.ready()
	if r.failed() {
		return
	}
	if _, ok := run.serve("the previous version", x.Previous); !ok {
		return
	}
	run.call("Up", x.Up)
}

// serve builds a version and checks it answers Healthy; it returns the
// client.
func (run *rbRun) serve(which string, build func() (http.Handler, error)) (*client, bool) {
	r := run.r
	var h http.Handler
	err := probe.CallErr(func() (err error) { h, err = build(); return err })
	if err == nil && h == nil {
		err = fmt.Errorf("returned a nil handler")
	}
	if err != nil {
		r.errorf("%s does not start: %v: a rollback must leave a schema the previous version accepts; make the down-migration restore what it reads", which, err)
		return nil, false
	}
	c, err := HandlerFunc(func() http.Handler { return h }).open(r)
	if err != nil {
		r.errorf("%v", err)
		return nil, false
	}
	resp, err := c.do(r.context(), Request{Path: run.healthy})
	if p := rbAnswerProblem(resp, err); p != "" {
		r.errorf("%s: GET %s %s: set Healthy to a path it answers 2xx on once started", which, run.healthy, p)
		return nil, false
	}
	return c, true
}

// rbAnswerProblem says why a response is not a 2xx answer, or "".
func rbAnswerProblem(resp *response, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case resp.Dropped:
		return "= " + resp.String()
	case resp.Status < 200 || resp.Status > 299:
		return fmt.Sprintf("= %d %s", resp.Status, strings.TrimSpace(probe.Clip(string(resp.Body), 100)))
	case resp.Truncated:
		return fmt.Sprintf("= %d with a body that did not end within %d bytes", resp.Status, len(resp.Body))
	}
	return ""
}

func (run *rbRun) write() {
	if run.answers("the next version", run.x.Next, run.x.Write, "fix Rollback.Write") {
		run.before = run.snapshot("after the write")
	}
}

// answers starts the version that build makes, sends q and reports
// whether it answered well; when it did not, the problem ends with fix.
func (run *rbRun) answers(which string, build func() (http.Handler, error), q Request, fix string) bool {
	c, ok := run.serve(which, build)
	if !ok {
		return false
	}
	resp, err := c.do(run.r.context(), q)
	if p := rbAnswerProblem(resp, err); p != "" {
		run.r.errorf("%s: %s %s: %s", which, q, p, fix)
		return false
	}
	run.r.logf("%s: %s = %d", which, q, resp.Status)
	return true
}

func (run *rbRun) snapshot(when string) any {
	if run.x.Snapshot == nil {
		return nil
	}
	var v any
	if err := probe.CallErr(func() (err error) { v, err = run.x.Snapshot(run.r.context()); return err }); err != nil {
		run.r.errorf("Rollback.Snapshot %s: %v", when, err)
		return nil
	}
	return v
}

func (run *rbRun) previousServes() {
	run.answers("after the rollback, the previous version", run.x.Previous, run.x.Read,
		"the down-migration must keep what the previous version reads (columns, tables, rows)")
}

func (run *rbRun) again() {
	x, r := run.x, run.r
	if !run.call("Up", x.Up) {
		return
	}
	if _, ok := run.serve("rolled forward again, the next version", x.Next); !ok {
		return
	}
	if x.Snapshot == nil {
		r.notProven(need{preset.Rollback, "Rollback.Snapshot"}, "that rolling back and forward loses nothing: set Rollback.Snapshot to read the data that must survive")
		return
	}
	after := run.snapshot("after rolling forward again")
	var diff string
	if err := probe.CallErr(func() error { diff = cmp.Diff(run.before, after, x.Options...); return nil }); err != nil {
		r.errorf("comparing the snapshots: %v: pass cmp options in Rollback.Options (e.g. cmp.AllowUnexported)", err)
		return
	}
	if diff != "" {
		r.errorf("rolling back and forward lost or changed data (-before +after):\n%s\nthe down-migration must keep the rows (copy them aside, or drop only what it can restore), and the up-migration must not recreate filled tables", diff)
		return
	}
	r.logf("rolled back and forward: the snapshot is unchanged")
}
