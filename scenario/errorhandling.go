package scenario

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// ErrorHandling checks what a client sees when the application fails: each
// request in Triggers (one that makes a handler panic or return an error)
// must answer a generic 500 that carries a request ID and leaks nothing —
// no panic message, goroutine dump, file:line, internal path, SQL text, a
// dependency's host:port, a dial or connect error, a file path, a Go error
// chain ("loading order: querying: …"), a runtime panic value ("assignment
// to entry in nil map"), or the value the Tracker got (OWASP ASVS 5.0
// V16.5.1; CWE-209); a request ID does not make a raw error generic — the failure
// must reach the error tracker the application reports to (when Tracker is
// set), and the application must keep serving: Healthy answers 2xx before
// and after the failures.
//
// A handler that panics under bare net/http gets no 500 at all: the server
// recovers by closing the connection, so the client sees a dropped
// connection. ErrorHandling reports that as a failure: add recovery
// middleware that answers 500.
//
// By default it sends Healthy before and after, and every trigger, and
// judges status, request ID and leaks. The error-tracker probe (every
// failure reported, the reported value not in the body) needs Tracker;
// without it the scenario reports "not proven: …; set Tracker".
//
// It covers preset.ErrorLeaks. ErrorHandling is a value; Verify and Run are
// safe in parallel tests when the target and Tracker are not shared with
// another run (a shared Tracker mixes two runs' reports).
//
// Not proven without its field, and required by a preset with
// preset.ErrorLeaks: the error-tracker probe (Tracker).
type ErrorHandling struct {
	production

	// Target is the application, built with Tracker's Capture as its error
	// reporter when Tracker is set:
	//
	//	tracker := scenario.NewTracker()
	//	Target: scenario.HandlerFunc(func() http.Handler { return app.New(app.WithTracker(tracker.Capture)) })
	//
	// Required.
	Target Target
	// Triggers are requests that make the application fail: routes that
	// panic or return an error. Required: at least one.
	Triggers []ErrorTrigger
	// Healthy is the path of a request that succeeds (2xx) when the
	// application is well; it is sent before and after the failures to
	// prove the application keeps serving. Default "/healthz".
	Healthy string
	// RequestIDHeader is the response header carrying the request ID.
	// Default "X-Request-Id". The ID may instead appear in the body, as
	// request_id, requestId or "request ID" followed by the ID.
	RequestIDHeader string
	// Tracker is the error tracker the application reports failures to.
	// Optional: when nil, the probe that every failure is reported cannot
	// run and the scenario reports it as not proven. With it, the panic
	// value reported must not appear in the body either.
	Tracker *Tracker
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// ErrorTrigger is one request that makes the application fail.
type ErrorTrigger struct {
	// Method defaults to GET.
	Method string
	// Path is the path and query. Required.
	Path string
	// Header is sent with the request (e.g. the credentials it needs).
	Header http.Header
	// Body is sent with the request.
	Body []byte
	// Status is the status the failure must answer. Default 500; set 503
	// for a dependency failure the application reports as unavailable.
	Status int
}

// Tracker stands in for an error tracker (Sentry, Rollbar, an error log):
// build the application under test with Capture as its reporting hook, and
// ErrorHandling checks that every failure reaches it. The zero Tracker is
// ready to use; a Tracker is safe for concurrent use.
type Tracker struct {
	mu     sync.Mutex
	events []any
}

// NewTracker returns an empty Tracker.
func NewTracker() *Tracker { return &Tracker{} }

// Capture records a failure: a recovered panic value or an error. Its
// signature matches the usual hooks, func(err any).
func (t *Tracker) Capture(err any) {
	t.mu.Lock()
	t.events = append(t.events, err)
	t.mu.Unlock()
}

// Captured returns a copy of everything captured so far, in order.
func (t *Tracker) Captured() []any {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]any(nil), t.events...)
}

// Title returns "failures answer a generic 500 with a request ID and leak no internals".
func (ErrorHandling) Title() string {
	return "failures answer a generic 500 with a request ID and leak no internals"
}

// Covers returns preset.ErrorLeaks.
func (ErrorHandling) Covers() []preset.ID { return []preset.ID{preset.ErrorLeaks} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x ErrorHandling) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x ErrorHandling) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// errRequestID finds a request ID in a body.
var errRequestID = regexp.MustCompile(`(?i)request[ _-]?id\W{0,4}[A-Za-z0-9][A-Za-z0-9._:-]{5,}`)

// errRun is one run of ErrorHandling: its configuration, resolved once, and
// what it saw.
type errRun struct {
	x          ErrorHandling
	r          reporter
	c          *client
	healthy    string
	idHeader   string
	wellBefore bool
}

func (x ErrorHandling) exec(r reporter) {
	u := &errRun{x: x, r: r, healthy: x.Healthy, idHeader: x.RequestIDHeader}
	if u.healthy == "" {
		u.healthy = "/healthz"
	}
	if u.idHeader == "" {
		u.idHeader = "X-Request-Id"
	}
	r.step("Given", fmt.Sprintf("an application with %d request(s) that make it fail", len(x.Triggers)), u.setup)
	if r.failed() {
		return
	}
	for _, tr := range x.Triggers {
		u.trigger(tr)
	}
	if u.wellBefore {
		r.step("And", "the application keeps serving", u.stillServing)
	}
}

// errConfigProblems lists what is wrong with the check's fields.
func errConfigProblems(x ErrorHandling, healthy string) []string {
	var out []string
	if len(x.Triggers) == 0 {
		out = append(out, "no Triggers: list at least one request that makes your app panic or fail, e.g. Triggers: []scenario.ErrorTrigger{{Path: \"/boom\"}}")
	}
	for i, tr := range x.Triggers {
		if !strings.HasPrefix(tr.Path, "/") {
			out = append(out, fmt.Sprintf("Triggers[%d].Path = %q: want a path starting with /, such as /boom", i, tr.Path))
		}
		if tr.Status != 0 && (tr.Status < 500 || tr.Status > 599) {
			out = append(out, fmt.Sprintf("Triggers[%d].Status = %d: a failure answers a 5xx status; leave it 0 for 500", i, tr.Status))
		}
	}
	if !strings.HasPrefix(healthy, "/") {
		out = append(out, fmt.Sprintf("Healthy = %q: want a path starting with /, such as /healthz", healthy))
	}
	return out
}

func (u *errRun) setup() {
	for _, p := range errConfigProblems(u.x, u.healthy) {
		u.r.errorf("%s", p)
	}
	if u.c = connect(u.r, u.x.Target); u.c == nil {
		return
	}
	if u.x.Tracker == nil {
		u.r.notProven(need{preset.ErrorLeaks, "ErrorHandling.Tracker"}, "the error-tracker check was skipped: set Tracker to a scenario.NewTracker() whose Capture your app reports failures to, to prove that every failure is reported and that what it got is not in the body")
	}
	u.wellBefore = u.healthyNow("before any failure", ": set Healthy to a route that answers 2xx when your app is well")
}

// healthyNow sends GET Healthy and reports whether it answered 2xx; when
// it did not, the problem ends with fix.
func (u *errRun) healthyNow(when, fix string) bool {
	resp, err := u.c.do(u.r.context(), Request{Path: u.healthy})
	if err != nil {
		u.r.errorf("GET %s: %v", u.healthy, err)
		return false
	}
	u.r.logf("GET %s %s = %s", u.healthy, when, resp)
	if p := errHealthyProblem(u.healthy, when, resp); p != "" {
		u.r.errorf("%s%s", p, fix)
		return false
	}
	return true
}

// errHealthyProblem says why resp is not a healthy answer, or "".
func errHealthyProblem(path, when string, resp *response) string {
	if resp.Dropped || resp.Status < 200 || resp.Status > 299 {
		return fmt.Sprintf("GET %s %s = %s, want 2xx", path, when, resp)
	}
	return ""
}

func (u *errRun) trigger(tr ErrorTrigger) {
	method := tr.Method
	if method == "" {
		method = http.MethodGet
	}
	want := tr.Status
	if want == 0 {
		want = http.StatusInternalServerError
	}
	name := method + " " + tr.Path
	var (
		resp   *response
		before int
	)
	u.r.step("When", name+" fails", func() {
		if u.x.Tracker != nil {
			before = len(u.x.Tracker.Captured())
		}
		var err error
		resp, err = u.c.do(u.r.context(), Request{Method: method, Path: tr.Path, Header: tr.Header, Body: tr.Body})
		if err != nil {
			u.r.errorf("%s: %v", name, err)
			return
		}
		u.r.logf("%s = %s (%d bytes: %.120q)", name, resp, len(resp.Body), resp.Body)
	})
	if resp == nil {
		return
	}
	u.r.step("Then", fmt.Sprintf("it answers a generic %d with a request ID and no internals", want), func() {
		if p := errStatusProblem(name, want, resp); p != "" {
			u.r.errorf("%s", p)
			if resp.Dropped {
				return
			}
		}
		u.requestID(name, resp)
		for _, p := range errLeakProblems(name, resp.Status, string(resp.Body)) {
			u.r.errorf("%s", p)
		}
		u.tracked(name, resp, before)
	})
}

// errStatusProblem judges the status of a trigger's answer.
func errStatusProblem(name string, want int, resp *response) string {
	switch {
	case resp.Dropped:
		return fmt.Sprintf("%s = %s, want %d: the handler panicked and the server closed the connection (bare net/http recovers that way); add recovery middleware that answers %d with a request ID and reports the panic", name, resp, want, want)
	case resp.Status != want:
		return fmt.Sprintf("%s = %d, want %d: a failure must answer %d so that clients and monitoring see it; check that this trigger makes your app fail and that your error path sets the status", name, resp.Status, want, want)
	}
	return ""
}

func (u *errRun) requestID(name string, resp *response) {
	if id := resp.Header.Get(u.idHeader); id != "" {
		u.r.logf("%s: request ID %s = %q", name, u.idHeader, id)
	} else if m := errRequestID.FindString(string(resp.Body)); m != "" {
		u.r.logf("%s: request ID in the body: %q", name, m)
	} else {
		u.r.errorf("%s = %d without a request ID: set the %s header (or put request_id in the body) so that a user can quote it and support can find the failure in the logs", name, resp.Status, u.idHeader)
	}
}

// errLeaks are the signatures a failure's body must not show: internals
// (panics, traces, source lines, SQL), a dependency's errors, and the raw
// text of an error (host:port, dial and connect errors, file paths, Go
// error chains, runtime panic values).
var errLeaks = slices.Concat(probe.Internals, probe.DependencyErrors, probe.RawErrors)

// errLeakProblems lists the internals a failure's body shows.
func errLeakProblems(name string, status int, body string) []string {
	var out []string
	for _, l := range errLeaks {
		if loc := l.FindString(body); loc != nil {
			out = append(out, fmt.Sprintf("%s = %d, and its body leaks %s (%q): answer a generic message and log the details server side (ASVS 16.5.1; CWE-209)", name, status, l.What, probe.Excerpt(body, loc[0], loc[1])))
		}
	}
	return out
}

// errTrackedValueProblems lists the captured values a body shows.
func errTrackedValueProblems(name string, status int, body string, events []any) []string {
	var out []string
	for _, ev := range events {
		v := strings.TrimSpace(fmt.Sprint(ev))
		if len(v) >= 6 && strings.Contains(body, v) {
			out = append(out, fmt.Sprintf("%s = %d, and its body leaks the panic value or error %q (what the tracker got): report it to the tracker only and answer a generic message (ASVS 16.5.1; CWE-209)", name, status, probe.Excerpt(v, 0, len(v))))
		}
	}
	return out
}

func (u *errRun) tracked(name string, resp *response, before int) {
	if u.x.Tracker == nil {
		return
	}
	events := u.x.Tracker.Captured()
	if len(events) <= before {
		u.r.errorf("%s failed but nothing reached the error tracker: call Tracker.Capture (your tracker's hook) from the recovery middleware and the error path, or failures go unnoticed", name)
		return
	}
	u.r.logf("%s: the tracker captured %.120q", name, fmt.Sprint(events[before:]...))
	for _, p := range errTrackedValueProblems(name, resp.Status, string(resp.Body), events[before:]) {
		u.r.errorf("%s", p)
	}
}

func (u *errRun) stillServing() {
	u.healthyNow("after the failures", " as before them: the app stopped serving after a failure; recover per request and keep serving")
}
