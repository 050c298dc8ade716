package scenario

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/loadtest"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Defaults of Load, from the seed: "Given 100 users attempt to log in
// simultaneously, Then all requests complete within 2 seconds, And no
// requests fail due to server overload."
const (
	loadDefaultUsers    = 100
	loadDefaultMax      = 2 * time.Second
	loadDefaultSuccess  = 1.0
	loadDefaultPassword = "load-test-password"
)

// Load checks the seed
//
//	Given 100 users attempt to log in simultaneously
//	Then all requests complete within 2 seconds
//	And no requests fail due to server overload
//
// with the steps reading the configured numbers. It sends Users requests at
// once — all in flight together, released by one barrier — through package
// loadtest (vegeta), then checks the report against Budget: every request
// completes within Budget.Max and the success ratio (2xx and 3xx answers)
// is at least Budget.MinSuccess. Rate plans an open-model run instead (Rate
// requests a second for Duration).
//
// The text report is always logged. Under Run (jetty.Check, or a feature)
// it is also kept as a test artifact: report.txt, and plot.html when Plot is
// set, in the test's ArtifactDir (go test -artifacts keeps it; see
// testing.T.ArtifactDir), and the scenario logs their paths. Set Dir to
// keep them elsewhere, or when calling Verify.
//
// An in-process target ([Handler], [HandlerFunc]) is loaded with no sockets:
// the run measures the handler. A [URL] target is loaded over loopback
// unless AllowRemote was called on it. Every run is bounded (at most
// loadtest.DefaultMaxHits hits and loadtest.DefaultMaxTime of wall time).
// Each request may take up to twice Budget.Max (at least 5s) before it
// times out, and the generator may fall behind its schedule by up to a
// quarter of Budget.Max (at least 100ms) before the run is invalid.
//
// It covers preset.Load. Load is a value; Verify and Run are safe in
// parallel tests (each run has its own load generator), though parallel
// load runs share the machine's cores and measure each other's noise.
type Load struct {
	// Target is the application. Required.
	Target Target
	// Request is what every user sends. Its zero fields take the seed's
	// login of a distinct user each: POST /login with Content-Type:
	// application/json and the body {"email": "user<i>@example.com",
	// "password": "load-test-password"} (see LoginRequest), i counting from
	// 1; GET and HEAD get no default body. Set Method and Path to load
	// another route: Request{Method: "GET", Path: "/api/items"}.
	Request Request
	// User, when set, builds the request of user i (counting from 0; with
	// Duration, hit h is sent by user h mod Users; with Rate, user i sends
	// hit i), for distinct users or payloads. It wins over Request and must
	// be safe for concurrent use.
	User func(i int) Request
	// Users is how many users send at once. Default: the preset's
	// "users" parameter of preset.Load, else 100. At most
	// loadtest.MaxUsers.
	Users int
	// Rate, when set, plans an open-model run of Rate requests a second for
	// Duration instead of the Users burst. Setting both Rate and Users is a
	// problem.
	Rate int
	// Duration is how long a Rate run sends (default 1s), or, with Users,
	// how long the users keep sending back to back (default: one burst).
	Duration time.Duration
	// Budget is what the run must meet. Zero fields take defaults: Max
	// from the preset's "max" parameter, else 2s; MinSuccess from
	// "min-success", else 1 (no request fails); P99 from "p99" when the
	// preset sets it. Other fields are checked as set. To judge only
	// percentiles, set Max to a generous value.
	Budget loadtest.Budget
	// Plot writes an interactive HTML plot of latency over time,
	// plot.html, beside report.txt.
	Plot bool
	// Dir is where report.txt (and plot.html) are written. Default: the
	// test's ArtifactDir under Run; nothing is written under Verify unless
	// Dir is set.
	Dir string
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

var _ jetty.Scenario = Load{}

// Mode returns jetty.Production.
func (Load) Mode() jetty.Mode { return jetty.Production }

// Title returns "users arrive simultaneously: all requests complete in time and none fails".
func (Load) Title() string {
	return "users arrive simultaneously: all requests complete in time and none fails"
}

// Covers returns preset.Load.
func (Load) Covers() []preset.ID { return []preset.ID{preset.Load} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Load) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x Load) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

func (x Load) exec(r reporter) {
	var (
		target  loadtest.Target
		opts    []loadtest.Option
		users   = x.Users
		budget  = x.Budget
		what    string // "POST /login"
		plan    string // "100 users at once"
		dir     = x.Dir
		report  *loadtest.Report
		checked []string
	)
	r.step("Given", x.givenText(r), func() {
		if users == 0 && x.Rate == 0 {
			users = paramsOf(r, preset.Load).Int(preset.ParamUsers, loadDefaultUsers)
		}
		switch {
		case users < 0:
			r.errorf("Users = %d: want at least 1, or 0 for the preset's default (100)", users)
		case users > loadtest.MaxUsers:
			r.errorf("Users = %d: want at most %d; for more, use Rate", users, loadtest.MaxUsers)
		case x.Rate < 0:
			r.errorf("Rate = %d: want requests per second, at least 1, or 0 for a Users burst", x.Rate)
		case x.Rate > 0 && users > 0:
			r.errorf("Rate = %d and Users = %d: set one: Users for that many at once, Rate for an open-model run at that rate", x.Rate, users)
		case x.Duration < 0:
			r.errorf("Duration = %v: want a positive duration, or 0 for the default", x.Duration)
		}
		if budget.Max == 0 {
			budget.Max = paramsOf(r, preset.Load).Duration(preset.ParamMax, loadDefaultMax)
		}
		if budget.MinSuccess == 0 {
			budget.MinSuccess = paramsOf(r, preset.Load).Ratio(preset.ParamMinSuccess, loadDefaultSuccess)
		}
		if budget.P99 == 0 {
			budget.P99 = paramsOf(r, preset.Load).Duration(preset.ParamP99, 0)
		}
		if budget.Max < 0 || budget.MinSuccess < 0 || budget.MinSuccess > 1 {
			r.errorf("Budget = {Max: %v, MinSuccess: %v}: want a positive Max and a MinSuccess between 0 and 1 (write 0.999, not 99.9)", budget.Max, budget.MinSuccess)
		}
		if r.failed() {
			return
		}
		var err error
		if target, opts, err = x.Target.loadTarget(r); err != nil {
			r.errorf("%v", err)
			return
		}
		build, first := x.builder(users)
		what = first.Method + " " + first.Path
		target = target.Build(build)
		if x.Rate > 0 {
			d := x.Duration
			if d == 0 {
				d = time.Second
			}
			plan = fmt.Sprintf("%d requests a second for %v", x.Rate, d)
			opts = append(opts, loadtest.Rate(x.Rate, time.Second), loadtest.Duration(d))
		} else {
			plan = fmt.Sprintf("%d users at once", users)
			opts = append(opts, loadtest.Users(users))
			if x.Duration > 0 {
				plan += fmt.Sprintf(", sending back to back for %v", x.Duration)
				opts = append(opts, loadtest.Duration(x.Duration))
			}
		}
		opts = append(opts,
			loadtest.Timeout(max(loadtest.DefaultTimeout, 2*budget.Max)),
			// Users released together may start up to a quarter of the
			// budget late on a busy machine and still arrive "at once".
			loadtest.MaxLag(max(loadtest.DefaultMaxLag, budget.Max/4)))
		r.logf("load: %s sending %s (first request body %.100q) to %s; budget: every request within %v, success ≥ %s", plan, what, first.Body, x.Target, budget.Max, probe.Percent(budget.MinSuccess))
	})
	if r.failed() {
		return
	}
	if dir == "" {
		dir = r.artifactDir()
	}
	whenText := "they all send it at once"
	if x.Rate > 0 {
		whenText = fmt.Sprintf("they send it %d times a second", x.Rate)
	}
	r.step("When", whenText, func() {
		var plot bytes.Buffer
		if x.Plot {
			if dir == "" {
				r.logf("Plot is set but there is nowhere to keep plot.html: run the scenario through jetty.Check (it uses the test's ArtifactDir) or set Dir")
			} else {
				opts = append(opts, loadtest.Plot(&plot))
			}
		}
		var err error
		report, err = loadtest.Run(r.context(), target, opts...)
		if report != nil {
			r.logf("load report (%s):\n%s", plan, strings.TrimRight(report.String(), "\n"))
			if dir != "" {
				x.keep(r, dir, report, plot.Bytes())
			}
		}
		var invalid *loadtest.InvalidError
		switch {
		case report == nil:
			r.errorf("the load run did not start: %v", err)
		case errors.As(err, &invalid):
			// reported with the budget below, as "run invalid"
		case err != nil:
			r.errorf("the load run failed: %v", err)
		}
		if report == nil {
			return
		}
		if err := report.Check(budget); err != nil {
			var be *loadtest.BudgetError
			if errors.As(err, &be) {
				checked = be.Violations
			} else {
				checked = []string{err.Error()}
			}
		}
		for _, v := range checked {
			if strings.HasPrefix(v, "run invalid") || strings.HasPrefix(v, "requests = 0") {
				r.errorf("%s: the load generator could not produce the planned load (%s), so the latencies do not describe it; run fewer users, or on a less busy machine", plan, v)
			}
		}
	})
	if report == nil {
		return
	}
	r.step("Then", fmt.Sprintf("all requests complete within %v", budget.Max), func() {
		for _, v := range checked {
			if strings.HasPrefix(v, "success") || strings.HasPrefix(v, "run invalid") || strings.HasPrefix(v, "requests = 0") {
				continue
			}
			r.errorf("%s sending %s: %s: every request must complete within budget; look for what %d requests at once wait on: a lock held across I/O, a connection pool smaller than the load, expensive password hashing on one core", plan, what, v, max(users, x.Rate))
		}
		if len(checked) == 0 {
			r.logf("latency: max %v, p99 %v, p50 %v over %d requests", report.Latencies.Max, report.Latencies.P99, report.Latencies.P50, report.Requests)
		}
	})
	r.step("And", "no requests fail due to server overload", func() {
		for _, v := range checked {
			if strings.HasPrefix(v, "success") {
				r.errorf("%s sending %s: %s (%s): requests failed under load; raise the server's concurrency limits (connection pool, semaphore, worker count) or shed load only beyond the required %s", plan, what, v, loadStatuses(report), plan)
			}
		}
	})
}

// givenText is the Given step's text, before defaults are known.
func (x Load) givenText(r reporter) string {
	q := "their login"
	if x.User != nil || (x.Request.Path != "" && pathOnly(x.Request.Path) != "/login") {
		q = "their request"
	}
	switch {
	case x.Rate > 0:
		return fmt.Sprintf("users sending %s at %d requests a second", q, x.Rate)
	case x.Users > 0:
		return fmt.Sprintf("%d users attempt to send %s simultaneously", x.Users, q)
	}
	n := paramsOf(r, preset.Load).Int(preset.ParamUsers, loadDefaultUsers)
	return fmt.Sprintf("%d users attempt to send %s simultaneously", n, q)
}

// builder returns the loadtest Build function and user 0's request.
func (x Load) builder(users int) (func(hit uint64) loadtest.Req, Request) {
	mk := func(i int) Request {
		q := x.Request
		if x.User != nil {
			q = x.User(i)
		}
		return loadFill(q, i)
	}
	first := mk(0)
	build := func(hit uint64) loadtest.Req {
		i := int(hit)
		if users > 0 {
			i = int(hit % uint64(users))
		}
		return loadReq(mk(i))
	}
	return build, first
}

// loadFill fills q's zero fields from the seed's login of user i.
func loadFill(q Request, i int) Request {
	def := LoginRequest(fmt.Sprintf("user%d@example.com", i+1), loadDefaultPassword)
	if q.Method == "" {
		q.Method = def.Method
	}
	if q.Path == "" {
		q.Path = def.Path
	}
	if len(q.Body) == 0 && q.Method != "GET" && q.Method != "HEAD" {
		q.Body = def.Body
	}
	if q.Header == nil && bytes.HasPrefix(bytes.TrimSpace(q.Body), []byte("{")) {
		q.Header = http.Header{"Content-Type": {"application/json"}}
	}
	return q
}

// keep writes report.txt and plot.html into dir and logs their paths.
func (x Load) keep(r reporter, dir string, report *loadtest.Report, plot []byte) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.errorf("keeping the load report: %v", err)
		return
	}
	path := filepath.Join(dir, "report.txt")
	if err := os.WriteFile(path, []byte(report.String()), 0o644); err != nil {
		r.errorf("keeping the load report: %v", err)
		return
	}
	r.logf("load report kept at %s", path)
	if x.Plot && len(plot) > 0 {
		path := filepath.Join(dir, "plot.html")
		if err := os.WriteFile(path, plot, 0o644); err != nil {
			r.errorf("keeping the load plot: %v", err)
			return
		}
		r.logf("load plot kept at %s", path)
	}
}
