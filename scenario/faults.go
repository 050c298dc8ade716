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
// Up is called even when a check while the fault is injected fails.
//
// An in-process handler that ignores its request's context and stays blocked
// past the deadline is abandoned (its goroutine is left running until the
// dependency is healed) and reported as hung.
//
// It covers preset.Chaos. Faults is a value; Verify and Run are safe in
// parallel tests when the target and the Dependencies' functions are not
// shared with another run.
type Faults struct {
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
	// faulty. Default 2s. For an in-process target it is the handler's time;
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

var _ jetty.Scenario = Faults{}

// Mode returns jetty.Production.
func (Faults) Mode() jetty.Mode { return jetty.Production }

// Title returns "dependency faults degrade gracefully (chaos engineering)".
func (Faults) Title() string { return "dependency faults degrade gracefully (chaos engineering)" }

// Covers returns preset.Chaos.
func (Faults) Covers() []preset.ID { return []preset.ID{preset.Chaos} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Faults) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

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

func (x Faults) exec(r reporter) {
	var c *client
	maxLat := x.MaxLatency
	if maxLat == 0 {
		maxLat = 2 * time.Second
	}
	expect := x.Expect
	expectText := "502, 503, 504, 429 or 2xx"
	if len(expect) > 0 {
		var s []string
		for _, e := range expect {
			s = append(s, strconv.Itoa(e))
		}
		expectText = strings.Join(s, ", ")
	}
	acceptable := func(st int) bool {
		if len(x.Expect) == 0 {
			return st >= 200 && st <= 299 || slices.Contains(fltDefaultExpect, st)
		}
		return slices.Contains(x.Expect, st)
	}
	reqs := make([]Request, len(x.Requests))
	for i, q := range x.Requests {
		if q.Method == "" {
			q.Method = http.MethodGet
			if len(q.Body) > 0 {
				q.Method = http.MethodPost
			}
		}
		reqs[i] = q
	}
	ctx := r.context()
	r.step("Given", fmt.Sprintf("an application with %d dependency fault(s) and %d request(s) users make", len(x.Dependencies), len(x.Requests)), func() {
		if len(x.Dependencies) == 0 {
			r.errorf("no Dependencies: list the faults to inject, e.g. Dependencies: []scenario.Dependency{{Name: \"database\", Down: db.Close, Up: db.Reopen}}")
		}
		for i, d := range x.Dependencies {
			if d.Down == nil || d.Up == nil {
				r.errorf("Dependencies[%d] (%s) has a nil Down or Up: set both, e.g. Down: upstream.Fail, Up: upstream.Recover", i, depName(d, i))
			}
		}
		if len(reqs) == 0 {
			r.errorf("no Requests: list what users do that needs the dependencies, e.g. Requests: []scenario.Request{{Path: \"/orders\"}}")
		}
		for i, q := range reqs {
			if !strings.HasPrefix(q.Path, "/") {
				r.errorf("Requests[%d].Path = %q: want a path starting with /, such as /orders", i, q.Path)
			}
		}
		for _, e := range x.Expect {
			switch {
			case e == http.StatusInternalServerError:
				r.errorf("Expect lists 500: a 500 is the unhandled failure Faults catches; answer 503 (or 502, 504) when a dependency fails, and leave 500 out")
			case e < 100 || e > 599:
				r.errorf("Expect lists %d: want HTTP statuses such as 503, or leave Expect empty for 502, 503, 504, 429 and 2xx", e)
			}
		}
		if maxLat < 0 {
			r.errorf("MaxLatency = %v: want a positive duration, or 0 for the default 2s", maxLat)
		}
		if x.Healthy != "" && !strings.HasPrefix(x.Healthy, "/") {
			r.errorf("Healthy = %q: want a path starting with /, such as /healthz", x.Healthy)
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
	// send sends q bounded by a deadline a little past maxLat.
	send := func(q Request) fltResult {
		margin := max(maxLat/2, 10*time.Millisecond)
		rctx, cancel := context.WithTimeout(ctx, maxLat+margin)
		defer cancel()
		resp, err := c.do(rctx, q)
		if rctx.Err() != nil && ctx.Err() == nil {
			// The deadline passed: did the handler give up with it?
			return fltResult{resp: resp, hung: true, abandoned: !c.WaitHandlers(margin)}
		}
		return fltResult{resp: resp, err: err}
	}
	// succeed checks q answers 2xx or 3xx; when says when.
	succeed := func(q Request, when, fix string) bool {
		res := send(q.req(nil))
		switch {
		case res.hung:
			r.errorf("%s %s: no answer within %v: %s", q, when, maxLat, fix)
			return false
		case res.err != nil:
			r.errorf("%s %s: %v", q, when, res.err)
			return false
		}
		r.logf("%s %s = %s in %v: %.100q", q, when, res.resp, res.resp.Elapsed, res.resp.Body)
		if res.resp.Dropped || res.resp.Status < 200 || res.resp.Status > 399 {
			r.errorf("%s %s = %s, want 2xx or 3xx: %s", q, when, res.resp, fix)
			return false
		}
		return true
	}
	r.step("When", "every dependency is well", func() {
		r.step("Then", "every request succeeds", func() {
			for i, q := range reqs {
				succeed(q, "before any fault", fmt.Sprintf("Requests[%d] must succeed while everything is well, or its answer during a fault proves nothing; fix the request or the app", i))
			}
			if x.Healthy != "" {
				succeed(Request{Method: http.MethodGet, Path: x.Healthy}, "before any fault", "set Healthy to a route that answers 2xx when your app is well")
			}
		})
	})
	if r.failed() {
		return
	}
	for i, d := range x.Dependencies {
		name := depName(d, i)
		injected := false
		r.step("When", name+" fails", func() {
			injected = callDep(r, fmt.Sprintf("Dependencies[%d] (%s).Down", i, name), d.Down)
			if !injected {
				return
			}
			when := "while " + name + " was down"
			r.step("Then", fmt.Sprintf("every request answers %s within %v and leaks nothing", expectText, maxLat), func() {
				for _, q := range reqs {
					res := send(q.req(nil))
					switch {
					case res.hung && res.abandoned:
						r.errorf("%s hung for %v %s, and its handler still had not returned after its context was cancelled: set timeouts on calls to %s (context.WithTimeout) and pass the request's context down to them", q, maxLat, when, name)
						continue
					case res.hung:
						r.errorf("%s hung for %v %s: set timeouts on calls to %s (context.WithTimeout) shorter than your clients' and answer 503 when they expire, so that a slow dependency does not pile up requests (cascading failure)", q, maxLat, when, name)
						continue
					case res.err != nil:
						r.errorf("%s %s: %v", q, when, res.err)
						continue
					}
					resp := res.resp
					r.logf("%s %s = %s in %v: %.100q", q, when, resp, resp.Elapsed, resp.Body)
					switch {
					case resp.Dropped:
						r.errorf("%s %s = %s, want %s: the handler crashed (a panic on the dependency's error, such as a nil result); check every error from %s and answer 503 with a generic message", q, when, resp, expectText, name)
						continue
					case resp.Status == http.StatusInternalServerError:
						r.errorf("%s %s = 500, want %s: a dependency failure is not an internal error; answer 503 Service Unavailable (with Retry-After) or a degraded 200 from a cache or a fallback", q, when, expectText)
					case !acceptable(resp.Status):
						r.errorf("%s %s = %d, want %s: answer 503 Service Unavailable (with Retry-After) or a degraded 200 from a cache or a fallback, so that clients know to retry", q, when, resp.Status, expectText)
					}
					if resp.Elapsed > maxLat {
						r.errorf("%s %s took %v, want ≤ %v: set shorter timeouts on calls to %s (context.WithTimeout) and fail fast", q, when, resp.Elapsed.Round(time.Millisecond), maxLat, name)
					}
					body := string(resp.Body)
					for _, l := range append(slices.Clip(probe.Internals), probe.DependencyErrors...) {
						if loc := l.RE.FindStringIndex(body); loc != nil {
							r.errorf("%s %s = %d, and its body leaks %s (%q): answer a generic message such as \"service temporarily unavailable\" and log the details server side (ASVS 16.5.1; CWE-209)", q, when, resp.Status, l.What, probe.Excerpt(body, loc[0], loc[1]))
						}
					}
				}
			})
		})
		r.step("When", name+" is healed", func() {
			if !callDep(r, fmt.Sprintf("Dependencies[%d] (%s).Up", i, name), d.Up) || !injected {
				return
			}
			when := "after " + name + " was healed"
			r.step("Then", "every request succeeds again", func() {
				fix := fmt.Sprintf("the app stays failed after %s recovered (sticky failure); do not cache the failure, reconnect on the next request, and let a circuit breaker half-open", name)
				for _, q := range reqs {
					succeed(q, when, fix)
				}
				if x.Healthy != "" {
					succeed(Request{Method: http.MethodGet, Path: x.Healthy}, when, fix)
				}
			})
		})
	}
}
