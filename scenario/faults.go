package scenario

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Faults checks that the application degrades gracefully when a dependency
// fails, as chaos engineering does it (Principles of Chaos Engineering: vary
// real-world events, in production-like conditions; AWS Well-Architected
// REL05: graceful degradation, timeouts, fail fast; Google SRE book,
// "Addressing cascading failures": deadlines on every call).
//
// It first sends each of Requests with every dependency well: each must
// answer 2xx or 3xx (the baseline). Then, for each of Dependencies in turn,
// it calls Down (the application's own fault hook: close the database
// pool, make a fake upstream return errors or hang) and sends every request
// again. Each must
//
//   - answer within MaxLatency: a hung dependency must not hang the request
//     (set a timeout on every call to a dependency, e.g. with
//     context.WithTimeout). Each request is sent with a context deadline a
//     little past MaxLatency, so a hung request is reported, not waited for;
//   - answer one of Expect — by default 502, 503, 504, 429 or any 2xx (a
//     degraded answer served from a cache or a fallback) — never a 500 nor a
//     dropped connection (a panic);
//   - leak no internals: no panic message, stack trace, file:line, internal
//     path, SQL text, database or network error (such as "dial tcp …:
//     connection refused" or "context deadline exceeded") in the body.
//
// Then it calls Up and sends every request again: each must answer 2xx or
// 3xx as in the baseline (no sticky failure: a circuit breaker must let the
// first request after Up through), and so must Healthy, when set.
// Up is called even when a check while the fault is injected fails, and
// when the caller's context ends during the fault. A request that the
// caller's deadline cut short proves nothing and is reported as a problem,
// never passed; so is an answer cut off mid-body (the connection dropped
// after the status was sent).
//
// An in-process handler that ignores its request's context and stays blocked
// past the deadline is abandoned (its goroutine is left running until the
// dependency is healed) and reported as hung.
//
// Every probe above runs by default; Healthy adds a readiness route to the
// recovery proof.
//
// It covers preset.Chaos. Faults is a value; Verify and Run are safe in
// parallel tests when the target and the Dependencies' functions are not
// shared with another run.
//
// Not proven without its field: no probe of Faults needs one; every probe
// runs by default on the Dependencies and Requests it is given.
type Faults struct {
	production

	// Target is the application. Required.
	Target Target
	// Dependencies are the faults to inject, one at a time. Required: at
	// least one.
	Dependencies []Dependency
	// Requests are what users do while a dependency is faulty, such as GET
	// /orders; each must answer 2xx or 3xx while everything is well. A zero
	// Method is POST with a body and GET without. Required: at least one.
	Requests []Request
	// Expect lists the statuses acceptable while a dependency is faulty.
	// Default 502, 503, 504, 429 and any 2xx. Setting it replaces the
	// default; 500 is refused (an unhandled failure is what Faults catches).
	Expect []int
	// MaxLatency is the slowest acceptable answer while a dependency is
	// faulty. Default: the preset's RES-CHAOS "max" parameter, else 2s. For an in-process target it is the handler's time;
	// for a URL it includes the loopback round trip.
	MaxLatency time.Duration
	// Healthy is the path of a request that answers 2xx when the application
	// is well (2xx or 3xx), such as "/healthz"; it is sent before the faults and after
	// each Up. Optional: with none, only Requests prove recovery.
	Healthy string
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "dependency faults degrade gracefully (chaos engineering)".
func (Faults) Title() string { return "dependency faults degrade gracefully (chaos engineering)" }

// Covers returns preset.Chaos.
func (Faults) Covers() []preset.ID { return []preset.ID{preset.Chaos} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Faults) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s.
func (x Faults) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// fltDefaultExpect is the default of Expect, without the 2xx.
var fltDefaultExpect = []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests}

// fltResult is what one bounded request got.
type fltResult struct {
	resp      *response
	err       error
	hung      bool // no answer before the deadline
	abandoned bool // the handler was still running after the deadline and a grace period
}

// fltRun is one run of Faults: its configuration, resolved once.
type fltRun struct {
	x          Faults
	r          reporter
	c          *client
	maxLat     time.Duration
	expectText string
	reqs       []Request
}

func (x Faults) exec(r reporter) {
	u := &fltRun{x: x, r: r, maxLat: x.MaxLatency, expectText: fltExpectText(x.Expect)}
	if def := paramsOf(r, preset.Chaos).Duration(preset.ParamMax, 2*time.Second); u.maxLat == 0 {
		u.maxLat = def
	}
	for _, q := range x.Requests {
		if q.Method == "" {
			q.Method = http.MethodGet
			if len(q.Body) > 0 {
				q.Method = http.MethodPost
			}
		}
		u.reqs = append(u.reqs, q)
	}
	r.step("Given", fmt.Sprintf("an application with %d dependency fault(s) and %d request(s) users make", len(x.Dependencies), len(x.Requests)), u.setup)
	if r.failed() {
		return
	}
	r.step("When", "every dependency is well", func() {
		r.step("Then", "every request succeeds", u.baseline)
	})
	if r.failed() {
		return
	}
	for i, d := range x.Dependencies {
		u.fault(i, d)
	}
}

// fltExpectText words Expect for messages.
func fltExpectText(expect []int) string {
	if len(expect) == 0 {
		return "502, 503, 504, 429 or 2xx"
	}
	var s []string
	for _, e := range expect {
		s = append(s, strconv.Itoa(e))
	}
	return strings.Join(s, ", ")
}

// fltAcceptable reports whether st is an acceptable answer during a fault.
func fltAcceptable(expect []int, st int) bool {
	if len(expect) == 0 {
		return st >= 200 && st <= 299 || slices.Contains(fltDefaultExpect, st)
	}
	return slices.Contains(expect, st)
}

// fltConfigProblems lists what is wrong with the check's fields.
func fltConfigProblems(x Faults, reqs []Request, maxLat time.Duration) []string {
	var out []string
	if len(x.Dependencies) == 0 {
		out = append(out, "no Dependencies: list the faults to inject, e.g. Dependencies: []scenario.Dependency{{Name: \"database\", Down: db.Close, Up: db.Reopen}}")
	}
	for i, d := range x.Dependencies {
		if d.Down == nil || d.Up == nil {
			out = append(out, fmt.Sprintf("Dependencies[%d] (%s) has a nil Down or Up: set both, e.g. Down: upstream.Fail, Up: upstream.Recover", i, depName(d, i)))
		}
	}
	if len(reqs) == 0 {
		out = append(out, "no Requests: list what users do that needs the dependencies, e.g. Requests: []scenario.Request{{Path: \"/orders\"}}")
	}
	for i, q := range reqs {
		if !strings.HasPrefix(q.Path, "/") {
			out = append(out, fmt.Sprintf("Requests[%d].Path = %q: want a path starting with /, such as /orders", i, q.Path))
		}
	}
	for _, e := range x.Expect {
		switch {
		case e == http.StatusInternalServerError:
			out = append(out, "Expect lists 500: a 500 is the unhandled failure Faults catches; answer 503 (or 502, 504) when a dependency fails, and leave 500 out")
		case e < 100 || e > 599:
			out = append(out, fmt.Sprintf("Expect lists %d: want HTTP statuses such as 503, or leave Expect empty for 502, 503, 504, 429 and 2xx", e))
		}
	}
	if maxLat < 0 {
		out = append(out, fmt.Sprintf("MaxLatency = %v: want a positive duration, or 0 for the default 2s", maxLat))
	}
	if x.Healthy != "" && !strings.HasPrefix(x.Healthy, "/") {
		out = append(out, fmt.Sprintf("Healthy = %q: want a path starting with /, such as /healthz", x.Healthy))
	}
	return out
}

func (u *fltRun) setup() {
	for _, p := range fltConfigProblems(u.x, u.reqs, u.maxLat) {
		u.r.errorf("%s", p)
	}
	u.c = connect(u.r, u.x.Target)
}

// send sends q bounded by a deadline a little past maxLat.
func (u *fltRun) send(q Request) fltResult {
	ctx := u.r.context()
	margin := max(u.maxLat/2, 10*time.Millisecond)
	rctx, cancel := context.WithTimeout(ctx, u.maxLat+margin)
	defer cancel()
	resp, err := u.c.do(rctx, q)
	if rctx.Err() != nil && ctx.Err() == nil {
		// The deadline passed: did the handler give up with it?
		return fltResult{resp: resp, hung: true, abandoned: !u.c.WaitHandlers(margin)}
	}
	return fltResult{resp: resp, err: err}
}

// succeed checks q answers 2xx or 3xx; when says when.
func (u *fltRun) succeed(q Request, when, fix string) bool {
	res := u.send(q.req(nil))
	switch {
	case res.hung:
		u.r.errorf("%s %s: no answer within %v: %s", q, when, u.maxLat, fix)
		return false
	case res.err != nil:
		u.r.errorf("%s %s: %v", q, when, res.err)
		return false
	}
	u.r.logf("%s %s = %s in %v: %.100q", q, when, res.resp, res.resp.Elapsed, res.resp.Body)
	if p := fltSuccessProblem(res.resp); p != "" {
		u.r.errorf("%s %s = %s: %s", q, when, p, fix)
		return false
	}
	return true
}

// fltSuccessProblem says why resp is not a success (2xx or 3xx, whole), or "".
func fltSuccessProblem(resp *response) string {
	if resp.Dropped || resp.Status < 200 || resp.Status > 399 {
		return resp.String() + ", want 2xx or 3xx"
	}
	return ""
}

func (u *fltRun) baseline() {
	for i, q := range u.reqs {
		u.succeed(q, "before any fault", fmt.Sprintf("Requests[%d] must succeed while everything is well, or its answer during a fault proves nothing; fix the request or the app", i))
	}
	if u.x.Healthy != "" {
		u.succeed(Request{Method: http.MethodGet, Path: u.x.Healthy}, "before any fault", "set Healthy to a route that answers 2xx when your app is well")
	}
}

// fault injects dependency i, checks every request, and heals it.
func (u *fltRun) fault(i int, d Dependency) {
	name := depName(d, i)
	injected := false
	u.r.step("When", name+" fails", func() {
		injected = callDep(u.r, fmt.Sprintf("Dependencies[%d] (%s).Down", i, name), d.Down)
		if !injected {
			return
		}
		u.r.step("Then", fmt.Sprintf("every request answers %s within %v and leaks nothing", u.expectText, u.maxLat), func() {
			for _, q := range u.reqs {
				res := u.send(q.req(nil))
				if res.err != nil && !res.hung {
					u.r.errorf("%s while %s was down: %v", q, name, res.err)
					continue
				}
				for _, p := range u.degraded(q, name, res) {
					u.r.errorf("%s", p)
				}
			}
		})
	})
	up := fmt.Sprintf("Dependencies[%d] (%s).Up", i, name)
	if injected && u.r.context().Err() != nil {
		// The context ended during the fault: no step runs any more, but
		// the dependency is healed all the same.
		callDep(u.r, up, d.Up)
		return
	}
	u.r.step("When", name+" is healed", func() {
		if !callDep(u.r, up, d.Up) || !injected {
			return
		}
		when := "after " + name + " was healed"
		u.r.step("Then", "every request succeeds again", func() {
			fix := fmt.Sprintf("the app stays failed after %s recovered (sticky failure); do not cache the failure, reconnect on the next request, and let a circuit breaker half-open", name)
			for _, q := range u.reqs {
				u.succeed(q, when, fix)
			}
			if u.x.Healthy != "" {
				u.succeed(Request{Method: http.MethodGet, Path: u.x.Healthy}, when, fix)
			}
		})
	})
}

// degraded judges the answer to q while dependency name is down.
func (u *fltRun) degraded(q Request, name string, res fltResult) []string {
	when := "while " + name + " was down"
	switch {
	case res.hung && res.abandoned:
		return []string{fmt.Sprintf("%s hung for %v %s, and its handler still had not returned after its context was cancelled: set timeouts on calls to %s (context.WithTimeout) and pass the request's context down to them", q, u.maxLat, when, name)}
	case res.hung:
		return []string{fmt.Sprintf("%s hung for %v %s: set timeouts on calls to %s (context.WithTimeout) shorter than your clients' and answer 503 when they expire, so that a slow dependency does not pile up requests (cascading failure)", q, u.maxLat, when, name)}
	}
	resp := res.resp
	u.r.logf("%s %s = %s in %v: %.100q", q, when, resp, resp.Elapsed, resp.Body)
	return fltDegradedProblems(fmt.Sprintf("%s %s", q, when), name, u.x.Expect, u.expectText, u.maxLat, resp)
}

// fltLeaks are the signatures a degraded answer must not show.
var fltLeaks = slices.Concat(probe.Internals, probe.DependencyErrors, probe.RawErrors)

// fltDegradedProblems judges a response received while dependency name
// was down: what states it is in, its status, its latency and its body.
func fltDegradedProblems(what, name string, expect []int, expectText string, maxLat time.Duration, resp *response) []string {
	switch {
	case resp.Cut:
		return []string{fmt.Sprintf("%s = %s, want %s: the answer was cut off, so the client got no whole response (the handler panicked or aborted after it started writing); check every error from %s before writing, and answer 503 with a generic message", what, resp, expectText, name)}
	case resp.Dropped:
		return []string{fmt.Sprintf("%s = %s, want %s: the handler crashed (a panic on the dependency's error, such as a nil result); check every error from %s and answer 503 with a generic message", what, resp, expectText, name)}
	}
	var out []string
	switch {
	case resp.Status == http.StatusInternalServerError:
		out = append(out, fmt.Sprintf("%s = 500, want %s: a dependency failure is not an internal error; answer 503 Service Unavailable (with Retry-After) or a degraded 200 from a cache or a fallback", what, expectText))
	case !fltAcceptable(expect, resp.Status):
		out = append(out, fmt.Sprintf("%s = %d, want %s: answer 503 Service Unavailable (with Retry-After) or a degraded 200 from a cache or a fallback, so that clients know to retry", what, resp.Status, expectText))
	}
	if resp.Elapsed > maxLat {
		out = append(out, fmt.Sprintf("%s took %v, want ≤ %v: set shorter timeouts on calls to %s (context.WithTimeout) and fail fast", what, resp.Elapsed.Round(time.Millisecond), maxLat, name))
	}
	body := string(resp.Body)
	for _, l := range fltLeaks {
		if loc := l.FindString(body); loc != nil {
			out = append(out, fmt.Sprintf("%s = %d, and its body leaks %s (%q): answer a generic message such as \"service temporarily unavailable\" and log the details server side (ASVS 16.5.1; CWE-209)", what, resp.Status, l.What, probe.Excerpt(body, loc[0], loc[1])))
		}
	}
	return out
}
