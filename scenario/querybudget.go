package scenario

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

// QueryBudget is the N+1 query detector: one request must not issue more
// database queries than a budget, and the number of queries must not grow
// with the data. An endpoint that lists posts with one query and then
// fetches each post's author with one more issues 1+N queries: fast in a
// test with three rows, a timeout in production with thousands (the "N+1
// select problem" that Rails' Bullet and Django's nplusone detect; OWASP
// ASVS 5.0 V15 on resource consumption, loosely).
//
// QueryBudget sends Request once to warm up (lazy initialisation and caches
// filled on the first request are not counted), then once more, and counts
// the queries that request issued with Queries: they must be at most Max.
// With Grow, it then adds rows and sends the request again: the count may
// grow by at most Slack, or the endpoint issues a query per row.
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
type QueryBudget struct {
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

var _ jetty.Scenario = QueryBudget{}

// Mode returns jetty.Production.
func (QueryBudget) Mode() jetty.Mode { return jetty.Production }

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

func (x QueryBudget) exec(r reporter) {
	var c *client
	req := x.Request.orDefault(Request{Method: http.MethodGet, Path: "/"})
	name := req.String()
	maxQ := x.Max
	if maxQ == 0 {
		maxQ = 10
	}
	ctx := r.context()
	r.step("Given", fmt.Sprintf("the request %s and a budget of %d queries", name, maxQ), func() {
		if x.Queries == nil {
			r.errorf("Queries is nil: set it to a function returning how many queries your app has issued, e.g. a counter incremented by a wrapped database/sql driver (Queries: queries.Load)")
		}
		if x.Max < 0 {
			r.errorf("Max = %d: want a positive number of queries, or 0 for the default 10", x.Max)
		}
		if x.Slack < 0 {
			r.errorf("Slack = %d: want 0 or more extra queries allowed after Grow", x.Slack)
		}
		if !strings.HasPrefix(req.Path, "/") {
			r.errorf("Request.Path = %q: want a path starting with /, such as /posts", req.Path)
		}
		if r.failed() {
			return
		}
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
		}
	})
	if r.failed() {
		return
	}
	// measure sends the request and returns the queries it issued, or -1.
	measure := func(when string) int64 {
		before, ok := qbCall(r, "Queries", x.Queries)
		if !ok {
			return -1
		}
		resp, err := c.do(ctx, req.req(nil))
		if err != nil {
			r.errorf("%s%s: %v", name, when, err)
			return -1
		}
		after, ok := qbCall(r, "Queries", x.Queries)
		if !ok {
			return -1
		}
		n := after - before
		r.logf("%s%s = %s, %d queries", name, when, resp, n)
		if resp.Dropped || resp.Status < 200 || resp.Status > 299 {
			r.errorf("%s%s = %s, want 2xx: the queries of a failed request say nothing; set Request (path, credentials) to a request your app serves", name, when, resp)
			return -1
		}
		if n < 0 {
			r.errorf("Queries went from %d to %d during %s%s: it must return a counter that only grows", before, after, name, when)
			return -1
		}
		return n
	}
	var first int64 = -1
	r.step("When", name+" is sent (once to warm up, then measured)", func() {
		if measure(" (warm-up)") < 0 {
			return
		}
		first = measure("")
	})
	if first < 0 {
		return
	}
	r.step("Then", fmt.Sprintf("it issues at most %d queries", maxQ), func() {
		if first == 0 {
			r.logf("%s issued no query: check that Queries counts your app's queries (a wrapped driver or a query hook), or the budget proves nothing", name)
		}
		if first > int64(maxQ) {
			r.errorf("%s issued %d queries, want ≤ %d: load what the response needs in a few queries (a JOIN, or WHERE id IN (…) for related rows) instead of one per row or per field", name, first, maxQ)
		}
	})
	if x.Grow == nil {
		r.logf("no Grow set: only the budget of %d queries was checked; set Grow to add rows, to check the count does not grow with the data (N+1)", maxQ)
		return
	}
	r.step("When", "rows are added (Grow) and "+name+" is sent again", func() {
		if err := qbGrow(ctx, x.Grow); err != nil {
			r.errorf("Grow: %v", err)
			return
		}
		second := measure(" after Grow")
		if second < 0 {
			return
		}
		r.step("Then", fmt.Sprintf("it issues no more queries than before (slack %d)", x.Slack), func() {
			if second-first > int64(x.Slack) {
				r.errorf("%s issued %d queries before Grow and %d after it added rows (+%d, slack %d): the number of queries grows with the data, an N+1 query; load related rows in one query (a JOIN, or WHERE id IN (…)) instead of one per row", name, first, second, second-first, x.Slack)
			}
			if second > int64(maxQ) && first <= int64(maxQ) {
				r.errorf("%s after Grow issued %d queries, want ≤ %d", name, second, maxQ)
			}
		})
	})
}

// qbCall calls the Queries counter, reporting a panic.
func qbCall(r reporter, what string, fn func() int64) (n int64, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			r.errorf("%s panicked: %v", what, p)
			ok = false
		}
	}()
	return fn(), true
}

// qbGrow calls grow, turning a panic into an error.
func qbGrow(ctx context.Context, grow func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panicked: %v", p)
		}
	}()
	return grow(ctx)
}
