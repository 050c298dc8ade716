package scenario

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// ErrorHandling checks what a client sees when the application fails: each
// request in Triggers (one that makes a handler panic or return an error)
// must answer a generic 500 that carries a request ID and leaks nothing —
// no panic message, goroutine dump, file:line, internal path, SQL text or
// the panic value itself (OWASP ASVS 5.0 V16.5.1; CWE-209) — the failure
// must reach the error tracker the application reports to (when Tracker is
// set), and the application must keep serving: Healthy answers 2xx before
// and after the failures.
//
// A handler that panics under bare net/http gets no 500 at all: the server
// recovers by closing the connection, so the client sees a dropped
// connection. ErrorHandling reports that as a failure: add recovery
// middleware that answers 500.
//
// It covers preset.ErrorLeaks. ErrorHandling is a value; Verify and Run are
// safe in parallel tests when the target and Tracker are not shared with
// another run (a shared Tracker mixes two runs' reports).
type ErrorHandling struct {
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
	// Optional: when nil, the check that every failure is reported is
	// skipped, and the scenario says so. With it, the panic value reported
	// must not appear in the body either.
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

var _ jetty.Scenario = ErrorHandling{}

// Mode returns jetty.Production.
func (ErrorHandling) Mode() jetty.Mode { return jetty.Production }

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

func (x ErrorHandling) exec(r reporter) {
	var c *client
	healthy := x.Healthy
	if healthy == "" {
		healthy = "/healthz"
	}
	idHeader := x.RequestIDHeader
	if idHeader == "" {
		idHeader = "X-Request-Id"
	}
	ctx := r.context()
	wellBefore := false
	r.step("Given", fmt.Sprintf("an application with %d request(s) that make it fail", len(x.Triggers)), func() {
		if len(x.Triggers) == 0 {
			r.errorf("no Triggers: list at least one request that makes your app panic or fail, e.g. Triggers: []scenario.ErrorTrigger{{Path: \"/boom\"}}")
		}
		for i, tr := range x.Triggers {
			if !strings.HasPrefix(tr.Path, "/") {
				r.errorf("Triggers[%d].Path = %q: want a path starting with /, such as /boom", i, tr.Path)
			}
			if tr.Status != 0 && (tr.Status < 500 || tr.Status > 599) {
				r.errorf("Triggers[%d].Status = %d: a failure answers a 5xx status; leave it 0 for 500", i, tr.Status)
			}
		}
		if !strings.HasPrefix(healthy, "/") {
			r.errorf("Healthy = %q: want a path starting with /, such as /healthz", healthy)
		}
		if r.failed() {
			return
		}
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
			return
		}
		if x.Tracker == nil {
			r.logf("the error-tracker check was skipped: set Tracker to a scenario.NewTracker() whose Capture your app reports failures to, to check every failure is reported")
		}
		resp, err := c.do(ctx, Request{Path: healthy})
		if err != nil {
			r.errorf("GET %s: %v", healthy, err)
			return
		}
		r.logf("GET %s before any failure = %s", healthy, resp)
		if resp.Dropped || resp.Status < 200 || resp.Status > 299 {
			r.errorf("GET %s before any failure = %s, want 2xx: set Healthy to a route that answers 2xx when your app is well", healthy, resp)
			return
		}
		wellBefore = true
	})
	if r.failed() {
		return
	}
	for _, tr := range x.Triggers {
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
		r.step("When", name+" fails", func() {
			if x.Tracker != nil {
				before = len(x.Tracker.Captured())
			}
			var err error
			resp, err = c.do(ctx, Request{Method: method, Path: tr.Path, Header: tr.Header, Body: tr.Body})
			if err != nil {
				r.errorf("%s: %v", name, err)
				return
			}
			r.logf("%s = %s (%d bytes: %.120q)", name, resp, len(resp.Body), resp.Body)
		})
		if resp == nil {
			continue
		}
		r.step("Then", fmt.Sprintf("it answers a generic %d with a request ID and no internals", want), func() {
			switch {
			case resp.Dropped:
				r.errorf("%s = %s, want %d: the handler panicked and the server closed the connection (bare net/http recovers that way); add recovery middleware that answers %d with a request ID and reports the panic", name, resp, want, want)
				return
			case resp.Status != want:
				r.errorf("%s = %d, want %d: a failure must answer %d so that clients and monitoring see it; check that this trigger makes your app fail and that your error path sets the status", name, resp.Status, want, want)
			}
			body := string(resp.Body)
			if id := resp.Header.Get(idHeader); id != "" {
				r.logf("%s: request ID %s = %q", name, idHeader, id)
			} else if m := errRequestID.FindString(body); m != "" {
				r.logf("%s: request ID in the body: %q", name, m)
			} else {
				r.errorf("%s = %d without a request ID: set the %s header (or put request_id in the body) so that a user can quote it and support can find the failure in the logs", name, resp.Status, idHeader)
			}
			for _, l := range probe.Internals {
				if loc := l.RE.FindStringIndex(body); loc != nil {
					r.errorf("%s = %d, and its body leaks %s (%q): answer a generic message and log the details server side (ASVS 16.5.1; CWE-209)", name, resp.Status, l.What, probe.Excerpt(body, loc[0], loc[1]))
				}
			}
			if x.Tracker == nil {
				return
			}
			events := x.Tracker.Captured()
			if len(events) <= before {
				r.errorf("%s failed but nothing reached the error tracker: call Tracker.Capture (your tracker's hook) from the recovery middleware and the error path, or failures go unnoticed", name)
				return
			}
			r.logf("%s: the tracker captured %.120q", name, fmt.Sprint(events[before:]...))
			for _, ev := range events[before:] {
				v := strings.TrimSpace(fmt.Sprint(ev))
				if len(v) >= 6 && strings.Contains(body, v) {
					r.errorf("%s = %d, and its body leaks the panic value or error %q (what the tracker got): report it to the tracker only and answer a generic message (ASVS 16.5.1; CWE-209)", name, resp.Status, probe.Excerpt(v, 0, len(v)))
				}
			}
		})
	}
	if !wellBefore {
		return
	}
	r.step("And", "the application keeps serving", func() {
		resp, err := c.do(ctx, Request{Path: healthy})
		if err != nil {
			r.errorf("GET %s: %v", healthy, err)
			return
		}
		r.logf("GET %s after the failures = %s", healthy, resp)
		if resp.Dropped || resp.Status < 200 || resp.Status > 299 {
			r.errorf("GET %s after the failures = %s, want 2xx as before them: the app stopped serving after a failure; recover per request and keep serving", healthy, resp)
		}
	})
}
