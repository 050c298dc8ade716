package scenario

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
// Every probe runs by default, on the seed's login of distinct users; no
// field is needed for any of them.
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
// # Performance budgets that catch regressions
//
// Set Baseline to keep a baseline report in the package's testdata
// directory and compare every run with it (loadtest's Report.Compare):
// a p50, p90, p95, p99 or mean latency above the baseline's ×(1+Tolerance),
// a throughput below its ×(1−Tolerance), or more failures fail the check,
// naming the figure ("p99 = 31ms, baseline 10ms, want ≤ 15ms (+50%)").
// The first run writes the file (commit it); JETTY_UPDATE_BASELINE=1
// rewrites it from the run when a change is intended:
//
//	JETTY_UPDATE_BASELINE=1 go test -run TestLoginLoad ./login/
//
// The comparison is made to tolerate noise: the run warms up first, in
// the same run (a Users burst sends one burst that is left out; a timed
// run warms up for a fifth of its Duration); latencies under 2ms are
// compared as 2ms (below that a busy scheduler is the difference); the
// default Tolerance is 0.5 (50%); and a run that regressed is measured
// once more, the better figure of the two being judged, so that a
// regression is what both runs show. An invalid run, or one that failed
// its budget, is neither compared nor recorded; nor is a run under go test
// -short (see below).
//
// Runs are only comparable on one class of machine: the file keeps one
// report per machine class (OS and architecture, CPU model, CPU count and
// GOMAXPROCS, race detector on or off). On a machine of another class, a
// CI runner for instance, the run is recorded as that class's baseline and
// nothing is compared, with a log that says so; commit the file from that
// machine (or a CI artifact of it) to compare there too. A baseline
// recorded for another request or plan (other Users, Rate, Request) fails
// the check: rewrite it.
//
// # Under go test -short
//
// Under go test -short, Load sends a smaller plan, judged by the same
// budget: a burst of a fifth of its users, at least 20 (the seed's 100
// users send 20 logins), and a timed run for a fifth of its Duration, at
// least 200ms and, for a Rate run, long enough for 20 hits (the default
// 1s at 100 requests a second sends for 200ms). The log says what was
// planned and what was sent ("-short: planned 100 users at once, sending
// 20 users at once; run without -short for the full plan"). A short run
// neither compares with its Baseline nor writes it, even with
// JETTY_UPDATE_BASELINE=1: a smaller plan does not compare with the full
// plan's; the log says so. Run CI without -short: the jetty command does
// not call a -short run green.
//
// It covers preset.Load. Load is a value; Verify and Run are safe in
// parallel tests (each run has its own load generator), though parallel
// load runs share the machine's cores and measure each other's noise.
//
// Not proven without its field: no probe of Load needs one.
type Load struct {
	production

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
	// loadtest.MaxUsers. Under go test -short, a burst sends a fifth of
	// them, at least 20 (see above).
	Users int
	// Rate, when set, plans an open-model run of Rate requests a second for
	// Duration instead of the Users burst. Setting both Rate and Users is a
	// problem.
	Rate int
	// Duration is how long a Rate run sends (default 1s), or, with Users,
	// how long the users keep sending back to back (default: one burst).
	// Under go test -short, a fifth of it (see above).
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
	// Baseline, when set, keeps a baseline report in the file it names,
	// in the package's testdata directory ("login-load.json" is
	// testdata/login-load.json; an absolute path is used as is), and
	// every run is compared with it (see "Performance budgets" above).
	// Default "": no baseline.
	Baseline string
	// Tolerance is how much worse than its Baseline a run may be before it
	// is a regression: 0.5 lets latencies grow to 1.5× the baseline's and
	// throughput fall to half of it. Default 0.5. Only with Baseline.
	Tolerance float64
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset

	short shortMode // go test -short decides, unless a test of the package forces it
}

// Title returns "users arrive simultaneously: all requests complete in time and none fails".
func (Load) Title() string {
	return "users arrive simultaneously: all requests complete in time and none fails"
}

// Covers returns preset.Load.
func (Load) Covers() []preset.ID { return []preset.ID{preset.Load} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Load) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s.
func (x Load) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// ldRun is one run of Load: the plan resolved once and what it measured.
type ldRun struct {
	x       Load
	r       reporter
	target  loadtest.Target
	opts    []loadtest.Option
	users   int
	budget  loadtest.Budget
	what    string // "POST /login"
	plan    string // "100 users at once"
	dir     string
	report  *loadtest.Report
	checked []loadViolation // the budget's violations
	// measureOpts are the options of a measured run, without Plot: the
	// warm-up burst and the confirming run of a baseline use them.
	measureOpts []loadtest.Option
	short       bool          // go test -short: a smaller plan, no baseline
	duration    time.Duration // how long the run sends (0: one burst)
}

// planText describes the plan: "100 users at once", "50 requests a
// second for 1s".
func (l *ldRun) planText() string {
	if l.x.Rate > 0 {
		return fmt.Sprintf("%d requests a second for %v", l.x.Rate, l.duration)
	}
	plan := fmt.Sprintf("%d users at once", l.users)
	if l.duration > 0 {
		plan += fmt.Sprintf(", sending back to back for %v", l.duration)
	}
	return plan
}

// shorten makes the plan a -short run's (see loadShortBurst and
// loadShortDuration): a timed run sends for less time, a burst has fewer
// users.
func (l *ldRun) shorten() {
	switch {
	case l.x.Rate > 0:
		l.duration = loadShortDuration(l.duration, l.x.Rate)
	case l.duration > 0:
		l.duration = loadShortDuration(l.duration, 0)
	default:
		l.users = loadShortBurst(l.users)
	}
	l.plan = l.planText()
}

func (x Load) exec(r reporter) {
	l := &ldRun{x: x, r: r, users: x.Users, budget: x.Budget, dir: x.Dir, short: x.short.on()}
	r.step("Given", l.givenText(), l.given)
	if r.failed() {
		return
	}
	if l.dir == "" {
		l.dir = r.artifactDir()
	}
	whenText := "they all send it at once"
	if x.Rate > 0 {
		whenText = fmt.Sprintf("they send it %d times a second", x.Rate)
	}
	r.step("When", whenText, l.send)
	if l.report == nil {
		return
	}
	r.step("Then", fmt.Sprintf("all requests complete within %v", l.budget.Max), l.inTime)
	r.step("And", "no requests fail due to server overload", l.noneFail)
	if l.x.Baseline != "" {
		r.step("And", fmt.Sprintf("it has not regressed against its baseline (%s)", loadTolText(cmpTolerance(x.Tolerance))), l.compare)
	}
}

// config resolves the numbers (fields, else the preset's, else the seed's)
// and reports the fields that are wrong.
func (l *ldRun) config() {
	x, r := l.x, l.r
	p := paramsOf(r, preset.Load)
	if l.users == 0 && x.Rate == 0 {
		l.users = p.Int(preset.ParamUsers, loadDefaultUsers)
	}
	if l.budget.Max == 0 {
		l.budget.Max = p.Duration(preset.ParamMax, loadDefaultMax)
	}
	if l.budget.MinSuccess == 0 {
		l.budget.MinSuccess = p.Ratio(preset.ParamMinSuccess, loadDefaultSuccess)
	}
	if l.budget.P99 == 0 {
		l.budget.P99 = p.Duration(preset.ParamP99, 0)
	}
	switch {
	case l.users < 0:
		r.errorf("Users = %d: want at least 1, or 0 for the preset's default (100)", l.users)
	case l.users > loadtest.MaxUsers:
		r.errorf("Users = %d: want at most %d; for more, use Rate", l.users, loadtest.MaxUsers)
	case x.Rate < 0:
		r.errorf("Rate = %d: want requests per second, at least 1, or 0 for a Users burst", x.Rate)
	case x.Rate > 0 && l.users > 0:
		r.errorf("Rate = %d and Users = %d: set one: Users for that many at once, Rate for an open-model run at that rate", x.Rate, l.users)
	case x.Duration < 0:
		r.errorf("Duration = %v: want a positive duration, or 0 for the default", x.Duration)
	case !(x.Tolerance >= 0) || math.IsInf(x.Tolerance, 0):
		r.errorf("Tolerance = %v: want 0 or more (0.5 = 50%%), or 0 for the default (0.5)", x.Tolerance)
	case x.Tolerance != 0 && x.Baseline == "":
		r.errorf("Tolerance = %v without Baseline: set Baseline to the file that keeps the baseline report (in testdata/)", x.Tolerance)
	}
	if l.budget.Max < 0 || l.budget.MinSuccess < 0 || l.budget.MinSuccess > 1 {
		r.errorf("Budget = {Max: %v, MinSuccess: %v}: want a positive Max and a MinSuccess between 0 and 1 (write 0.999, not 99.9)", l.budget.Max, l.budget.MinSuccess)
	}
}

func (l *ldRun) given() {
	l.config()
	if l.r.failed() {
		return
	}
	if l.short && l.x.Baseline != "" {
		l.r.logf("baseline %s: neither compared nor written under -short: a shortened run does not compare with the full plan's; run without -short to compare", l.x.baselinePath())
		l.x.Baseline = "" // and no warm-up, which is the baseline's
	}
	x, r := l.x, l.r
	var err error
	l.target, l.opts, err = x.Target.loadTarget(r)
	if err != nil {
		r.errorf("%v", err)
	}
	r.ready()
	if err != nil {
		return
	}
	l.duration = x.Duration
	if x.Rate > 0 {
		l.duration = cmp.Or(x.Duration, time.Second)
	}
	l.plan = l.planText()
	if l.short {
		full := l.plan
		l.shorten()
		if l.plan != full {
			r.logf("-short: planned %s, sending %s; run without -short for the full plan", full, l.plan)
		}
	}
	build, first := x.builder(l.users)
	l.what = first.Method + " " + first.Path
	l.target = l.target.Build(build)
	if x.Rate > 0 {
		l.opts = append(l.opts, loadtest.Rate(x.Rate, time.Second), loadtest.Duration(l.duration))
	} else {
		l.opts = append(l.opts, loadtest.Users(l.users))
		if l.duration > 0 {
			l.opts = append(l.opts, loadtest.Duration(l.duration))
		}
	}
	l.opts = append(l.opts, loadOpts(l.budget.Max)...)
	if w := x.loadWarmup(); w > 0 {
		l.opts = append(l.opts, loadtest.Warmup(w))
	}
	l.measureOpts = slices.Clip(l.opts)
	r.logf("load: %s sending %s (first request body %.100q) to %s; budget: every request within %v, success ≥ %s", l.plan, l.what, first.Body, x.Target, l.budget.Max, probe.Percent(l.budget.MinSuccess))
}

func (l *ldRun) send() {
	x, r := l.x, l.r
	var plot bytes.Buffer
	if x.Plot {
		if l.dir == "" {
			r.logf("Plot is set but there is nowhere to keep plot.html: run the scenario through jetty.Check (it uses the test's ArtifactDir) or set Dir")
		} else {
			l.opts = append(l.opts, loadtest.Plot(&plot))
		}
	}
	if x.loadWarmupBurst() {
		if l.warm(); r.failed() {
			return
		}
	}
	// A run the generator could not produce as planned is reported with
	// the budget below, as "run invalid".
	report, _, _ := runLoad(r, "load", l.plan, l.target, l.opts)
	if report == nil {
		return
	}
	if l.dir != "" {
		x.keep(r, l.dir, report, plot.Bytes())
	}
	l.report = report
	l.checked = loadViolations(report.Check(l.budget))
	for _, v := range l.checked {
		if v.invalid() {
			r.errorf("%s: the load generator could not produce the planned load (%s), so the latencies do not describe it; run fewer users, or on a less busy machine", l.plan, v.text)
		}
	}
}

// loadViolation is one violation of a budget check: its kind, as loadtest
// types it, and its text.
type loadViolation struct {
	kind loadtest.Kind
	text string
}

// loadViolations lists the violations of a budget check's error; an error
// that is no *loadtest.BudgetError is one violation of no kind.
func loadViolations(err error) []loadViolation {
	if err == nil {
		return nil
	}
	var be *loadtest.BudgetError
	if !errors.As(err, &be) {
		return []loadViolation{{text: err.Error()}}
	}
	out := make([]loadViolation, len(be.Violations))
	for i, v := range be.Violations {
		out[i].text = v
		if i < len(be.Kinds) {
			out[i].kind = be.Kinds[i]
		}
	}
	return out
}

// invalid reports whether v says the run itself was invalid (it did not
// produce the planned load, or sent nothing).
func (v loadViolation) invalid() bool {
	return v.kind == loadtest.KindInvalidRun || v.kind == loadtest.KindEmpty
}

func (l *ldRun) inTime() {
	for _, v := range l.checked {
		if v.kind == loadtest.KindSuccess || v.invalid() {
			continue
		}
		l.r.errorf("%s sending %s: %s: every request must complete within budget; %s", l.plan, l.what, v.text, loadSlowHint(max(l.users, l.x.Rate), l.what))
	}
	if len(l.checked) == 0 {
		lat := l.report.Latencies
		l.r.logf("latency: max %v, p99 %v, p50 %v over %d requests", lat.Max, lat.P99, lat.P50, l.report.Requests)
	}
}

func (l *ldRun) noneFail() {
	seedLogin := l.x.User == nil && l.x.Request.Method == "" && l.x.Request.Path == ""
	for _, v := range l.checked {
		if v.kind == loadtest.KindSuccess {
			l.r.errorf("%s sending %s: %s (%s): %s", l.plan, l.what, v.text, loadStatuses(l.report), loadFailureHint(l.report.StatusCodes, seedLogin, l.plan))
		}
	}
	if w := loadRedirects(l.report.StatusCodes, l.report.Requests); w != "" {
		l.r.logf("warning: %s", w)
	}
}

// loadRedirects warns of a run whose answers were mostly redirects, which
// the budget counts as successes: they may be a login page's.
func loadRedirects(codes map[int]uint64, requests uint64) string {
	var n uint64
	for code, k := range codes {
		if code >= 300 && code < 400 {
			n += k
		}
	}
	if requests == 0 || 2*n < requests {
		return ""
	}
	return fmt.Sprintf("%d of %d answers were redirects (3xx), which count as successes: the run measured the redirects, not what they lead to; if the route sends unauthenticated users to a login page, authenticate the load users (Request.Header, or User)", n, requests)
}

// loadSlowHint says where to look when n requests at once of what (a
// method and path) were too slow: password hashing only for a login.
func loadSlowHint(n int, what string) string {
	hint := fmt.Sprintf("look for what %d requests at once wait on: a lock held across I/O, a connection pool smaller than the load", n)
	if strings.Contains(strings.ToLower(what), "login") || strings.Contains(strings.ToLower(what), "signin") || strings.Contains(strings.ToLower(what), "session") || strings.Contains(strings.ToLower(what), "token") {
		return hint + ", expensive password hashing on one core"
	}
	return hint + ", a slow dependency called once per request"
}

// loadFailureHint says why the failed requests of a run failed and how to
// fix it, from the statuses most of them had: a refusal for want of
// credentials (401, 403), a route that is not there (404, 405), a request
// the route finds invalid (400, 422), a shed (429, 503), a server error
// (5xx) or no answer at all. seedLogin is set when the requests are the
// seed's login of made-up users.
func loadFailureHint(codes map[int]uint64, seedLogin bool, plan string) string {
	classes := map[string]uint64{}
	for code, n := range codes {
		if code < 200 || code >= 400 {
			classes[loadFailureClass(code)] += n
		}
	}
	top, most := "", uint64(0)
	for _, c := range []string{"auth", "route", "invalid", "shed", "server", "none", "other"} {
		if classes[c] > most {
			top, most = c, classes[c]
		}
	}
	switch top {
	case "auth":
		if seedLogin {
			return "the load users are not authenticated: the application refused their login (401/403), so the run measured refusals, not logins; the seed's users (user1@example.com … with password " + strconv.Quote(loadDefaultPassword) + ") must exist: create them in the test's setup, or set User to build the login of accounts that exist"
		}
		return "the load users are not authenticated: the application refused the requests for want of credentials (401/403), so the run measured refusals, not the route; give each user valid credentials (an Authorization header or session cookie in Request.Header, or per user with User), or load a route that needs none"
	case "route":
		return "the route is not there: the application answered 404/405 for the method and path sent; set Request's Method and Path to a route it serves"
	case "invalid":
		return "the application rejected the requests as invalid (400/422): the body or headers are not what the route expects; set Request (or User) to a request it accepts, and check it alone before loading it"
	case "server":
		return "requests failed with server errors under load: find the error in the server's log; under concurrency look for a data race, a pool that runs dry (database connections), or a dependency that fails when called at once"
	case "none":
		return "requests got no answer (the errors listed say why: a dropped connection, a timeout, or a failure in the client): if the server could not take " + plan + ", look for a listener backlog or connection limit, a crash, or handlers that block"
	}
	return "requests failed under load; raise the server's concurrency limits (connection pool, semaphore, worker count) or shed load only beyond the required " + plan
}

// loadFailureClass names the kind of failure a status is.
func loadFailureClass(code int) string {
	switch {
	case code == 0:
		return "none"
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return "auth"
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		return "route"
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		return "invalid"
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		return "shed"
	case code >= 500:
		return "server"
	}
	return "other"
}

// givenText is the Given step's text, before defaults are known.
func (l *ldRun) givenText() string {
	x := l.x
	q := "their login"
	if x.User != nil || (x.Request.Path != "" && pathOnly(x.Request.Path) != "/login") {
		q = "their request"
	}
	if x.Rate > 0 {
		return fmt.Sprintf("users sending %s at %d requests a second", q, x.Rate)
	}
	n := x.Users
	if n == 0 {
		n = paramsOf(l.r, preset.Load).Int(preset.ParamUsers, loadDefaultUsers)
	}
	text := fmt.Sprintf("%d users attempt to send %s simultaneously", n, q)
	if k := loadShortBurst(n); l.short && x.Duration == 0 && k < n {
		text += fmt.Sprintf(" (-short: %d of them)", k)
	}
	return text
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
