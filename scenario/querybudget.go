package scenario

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// QueryBudget is the N+1 query detector: one request must not issue more
// database queries than a budget, and the number of queries must not grow
// with the data. An endpoint that lists posts with one query and then
// fetches each post's author with one more issues 1+N queries: fast in a
// test with three rows, a timeout in production with thousands (the "N+1
// select problem" that Rails' Bullet and Django's nplusone detect; OWASP
// ASVS 5.0 V15 on resource consumption, loosely).
//
// By default QueryBudget sends Request once to warm up (lazy
// initialisation and caches filled on the first request are not counted),
// then once more, and counts the queries that request issued with Queries:
// they must be at most Max. The N+1 probe needs Grow: it adds rows and
// sends the request again, and the count may grow by at most Slack, or the
// endpoint issues a query per row. Without Grow the scenario reports "not
// proven: … set QueryBudget.Grow", and a counter that counted no query is
// reported as not proving the budget either.
//
// Queries reads a counter of the queries the application issued. Count
// them where the application talks to the database, for instance by
// wrapping its database/sql driver:
//
//	var queries atomic.Int64
//	type countingConn struct{ driver.Conn } // forward QueryContext, ExecContext, PrepareContext…
//	func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
//		queries.Add(1)
//		return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
//	}
//	db := sql.OpenDB(countingConnector{...}) // a driver.Connector whose Connect returns countingConn
//	Queries: queries.Load
//
// or with the query hook of your database library (pgx's QueryTracer,
// GORM's callbacks, sqlhooks).
//
// QueryBudget covers no preset requirement (Covers returns nil): it is a
// performance check that you include by choice. It is a value; Verify and
// Run are safe in parallel tests only when the counter behind Queries
// counts this application's queries alone: queries issued at the same time
// by another test or by a background job of the application are counted
// too.
//
// Not proven without its field: QueryBudget covers no preset
// requirement: what it cannot prove (Grow, Queries that count nothing) is
// logged, never required.
type QueryBudget struct {
	production

	// Target is the application. Required.
	Target Target
	// Request is the request measured, typically a list endpoint such as
	// GET /posts. Method defaults to GET, Path to "/". It must answer 2xx.
	Request Request
	// Queries returns the number of database queries the application has
	// issued so far (a counter that only grows). Required.
	Queries func() int64
	// Max is the most queries one request may issue. Default 10.
	Max int
	// Grow adds rows to the data the request reads (e.g. ten more posts by
	// ten new authors). Optional: with it, the request is measured before
	// and after Grow, and the count must not grow by more than Slack; with
	// none, only Max is checked, and the scenario says so.
	Grow func(ctx context.Context) error
	// Slack is how many more queries the request may issue after Grow than
	// before it. Default 0: the count must not depend on the data.
	Slack int
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "a request issues a bounded number of queries, not one per row".
func (QueryBudget) Title() string {
	return "a request issues a bounded number of queries, not one per row"
}

// Covers returns nil: QueryBudget is a performance check included by
// choice, not a preset requirement.
func (QueryBudget) Covers() []preset.ID { return nil }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x QueryBudget) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x QueryBudget) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// qbWait is how long the check waits for an in-process handler to return
// before it reads the counter.
const qbWait = 5 * time.Second

// qbRun is one run of QueryBudget: its configuration, resolved once, and
// what was seen.
type qbRun struct {
	x     QueryBudget
	r     reporter
	c     *client
	req   Request
	name  string
	maxQ  int
	first int64 // queries of the measured request, -1 until measured
}

func (x QueryBudget) exec(r reporter) {
	q := &qbRun{x: x, r: r, first: -1}
	q.req = x.Request.orDefault(Request{Method: http.MethodGet, Path: "/"})
	q.name = q.req.String()
	q.maxQ = x.Max
	if q.maxQ == 0 {
		q.maxQ = 10
	}
	r.step("Given", fmt.Sprintf("the request %s and a budget of %d queries", q.name, q.maxQ), q.open)
	if r.failed() {
		return
	}
	r.step("When", q.name+" is sent (once to warm up, then measured)", q.warmAndMeasure)
	if q.first < 0 {
		return
	}
	r.step("Then", fmt.Sprintf("it issues at most %d queries", q.maxQ), q.judgeBudget)
	if x.Grow == nil {
		r.notProven(need{"", "QueryBudget.Grow"}, "no Grow set: only the budget of %d queries was checked, not whether the count grows with the data (an N+1 query issues one more per row); set QueryBudget.Grow to a function that adds rows the request reads", q.maxQ)
		return
	}
	r.step("When", "rows are added (Grow) and "+q.name+" is sent again", q.growAndMeasure)
}

// open validates the fields and opens the target.
func (q *qbRun) open() {
	x, r := q.x, q.r
	if x.Queries == nil {
		r.errorf("Queries is nil: set it to a function returning how many queries your app has issued, e.g. a counter incremented by a wrapped database/sql driver (Queries: queries.Load)")
	}
	if x.Max < 0 {
		r.errorf("Max = %d: want a positive number of queries, or 0 for the default 10", x.Max)
	}
	if x.Slack < 0 {
		r.errorf("Slack = %d: want 0 or more extra queries allowed after Grow", x.Slack)
	}
	if !strings.HasPrefix(q.req.Path, "/") {
		r.errorf("Request.Path = %q: want a path starting with /, such as /posts", q.req.Path)
	}
	q.c = connect(r, x.Target)
}

// measure sends the request and returns the queries it issued, or -1.
func (q *qbRun) measure(when string) int64 {
	r := q.r
	before, ok := q.count()
	if !ok {
		return -1
	}
	resp, err := q.c.do(r.context(), q.req.req(nil))
	if err != nil {
		r.errorf("%s%s: %v", q.name, when, err)
		return -1
	}
	// Queries issued after the response was written count too: wait for
	// the in-process handler to return.
	if !q.c.WaitHandlers(qbWait) {
		r.notProven(need{}, "%s%s: the handler was still running %s after its response: queries it issues later were not counted", q.name, when, probe.Words(qbWait))
	}
	after, ok := q.count()
	if !ok {
		return -1
	}
	n := after - before
	r.logf("%s%s = %s, %d queries", q.name, when, resp, n)
	if resp.Dropped || resp.Status < 200 || resp.Status > 299 {
		r.errorf("%s%s = %s, want 2xx: the queries of a failed request say nothing; set Request (path, credentials) to a request your app serves", q.name, when, resp)
		return -1
	}
	if n < 0 {
		r.errorf("Queries went from %d to %d during %s%s: it must return a counter that only grows", before, after, q.name, when)
		return -1
	}
	return n
}

// count calls the Queries counter, reporting a panic.
func (q *qbRun) count() (n int64, ok bool) {
	if p := probe.Call(func() { n = q.x.Queries() }); p != nil {
		q.r.errorf("Queries panicked: %v", p)
		return 0, false
	}
	return n, true
}

func (q *qbRun) warmAndMeasure() {
	if q.measure(" (warm-up)") < 0 {
		return
	}
	q.first = q.measure("")
}

func (q *qbRun) judgeBudget() {
	if q.first == 0 {
		q.r.notProven(need{"", "QueryBudget.Queries"}, "%s issued no query: check that Queries counts your app's queries (a wrapped driver or a query hook), or the budget proves nothing", q.name)
	}
	if p := qbOverBudget(q.name, q.first, q.maxQ); p != "" {
		q.r.errorf("%s", p)
	}
}

func (q *qbRun) growAndMeasure() {
	r := q.r
	if err := probe.CallErr(func() error { return q.x.Grow(r.context()) }); err != nil {
		r.errorf("Grow: %v", err)
		return
	}
	second := q.measure(" after Grow")
	if second < 0 {
		return
	}
	r.step("Then", fmt.Sprintf("it issues no more queries than before (slack %d)", q.x.Slack), func() {
		if p := qbGrowth(q.name, q.first, second, q.x.Slack); p != "" {
			r.errorf("%s", p)
		}
		if q.first <= int64(q.maxQ) {
			if p := qbOverBudget(q.name+" after Grow", second, q.maxQ); p != "" {
				r.errorf("%s", p)
			}
		}
	})
}

// qbOverBudget judges the queries n of one request against the budget.
func qbOverBudget(name string, n int64, maxQ int) string {
	if n <= int64(maxQ) {
		return ""
	}
	return fmt.Sprintf("%s issued %d queries, want ≤ %d: load what the response needs in a few queries (a JOIN, or WHERE id IN (…) for related rows) instead of one per row or per field", name, n, maxQ)
}

// qbGrowth judges the queries of a request before and after rows were added.
func qbGrowth(name string, first, second int64, slack int) string {
	if second-first <= int64(slack) {
		return ""
	}
	return fmt.Sprintf("%s issued %d queries before Grow and %d after it added rows (+%d, slack %d): the number of queries grows with the data, an N+1 query; load related rows in one query (a JOIN, or WHERE id IN (…)) instead of one per row", name, first, second, second-first, slack)
}
