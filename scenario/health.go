package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// HealthCheck checks the endpoints an orchestrator probes, as Kubernetes
// liveness and readiness probes do: Live and Ready answer 200 within
// MaxLatency while everything is up and, when the body is JSON, carry a
// "status" field that agrees with the status code (IETF
// draft-inadarei-api-health-check). For each declared dependency it then
// calls Down and checks that readiness turns 503 — so the load balancer
// stops sending traffic the instance cannot serve — while liveness stays
// 200 (an outage of a dependency must not make the orchestrator restart
// every instance); then it calls Up and checks readiness is 200 again.
//
// Codes are read as Kubernetes probes and the draft read them: healthy is
// any 2xx or 3xx (the steps say 200), unhealthy any 5xx (the steps say
// 503). A JSON body's "status" (pass, warn, fail, case-insensitive, or
// the draft's aliases ok, up, error, down) must agree with the code; under
// Content-Type application/health+json it must be one of those values,
// and its "checks" must be arrays of check objects that do not all pass
// while the endpoint fails.
//
// # Probes
//
// By default both endpoints are probed with everything up. Readiness
// following a dependency (503 while it is down, liveness still 200, 200
// again when it is back) needs Dependencies: without them it is reported
// as "not proven: …; set Dependencies". With Ready equal to Live, the
// liveness-stays-up probe is reported not proven ("set Ready").
//
// Latency is measured per request: for an in-process target it is the
// handler's time; for a URL it includes the loopback round trip.
//
// It covers preset.HealthCheck. HealthCheck is a value; Verify and Run are
// safe in parallel tests when the target and the Dependencies' functions
// are not shared with another run.
//
// Not proven without its field, and required by a preset with
// preset.HealthCheck: readiness during an outage (Dependencies) and liveness
// staying up (Ready apart from Live).
type HealthCheck struct {
	production

	// Target is the application. Required.
	Target Target
	// Live is the liveness path. Default "/healthz".
	Live string
	// Ready is the readiness path. Default "/readyz". When it equals Live,
	// the one endpoint must turn 503 while a dependency is down, and the
	// liveness-stays-up check is skipped (and said so).
	Ready string
	// MaxLatency is the slowest acceptable answer of a health endpoint.
	// Default 500ms (Kubernetes probes time out after 1s by default).
	MaxLatency time.Duration
	// Dependencies are the dependencies readiness must report. Without
	// them readiness is only checked with everything up, and the scenario
	// reports the rest as not proven.
	Dependencies []Dependency
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "health endpoints answer fast and report dependencies".
func (HealthCheck) Title() string { return "health endpoints answer fast and report dependencies" }

// Covers returns preset.HealthCheck.
func (HealthCheck) Covers() []preset.ID { return []preset.ID{preset.HealthCheck} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x HealthCheck) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x HealthCheck) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// Defaults of HealthCheck.
const (
	hcDefaultLive       = "/healthz"
	hcDefaultReady      = "/readyz"
	hcDefaultMaxLatency = 500 * time.Millisecond
)

// hcRun is one run of a HealthCheck: its paths and budget resolved once,
// and its client.
type hcRun struct {
	x           HealthCheck
	r           reporter
	ctx         context.Context
	c           *client
	live, ready string
	maxLat      time.Duration
}

func (x HealthCheck) exec(r reporter) {
	run := &hcRun{x: x, r: r, ctx: r.context(), live: x.Live, ready: x.Ready, maxLat: x.MaxLatency}
	if run.live == "" {
		run.live = hcDefaultLive
	}
	if run.ready == "" {
		run.ready = hcDefaultReady
	}
	if run.maxLat == 0 {
		run.maxLat = hcDefaultMaxLatency
	}
	ok := false
	r.step("Given", fmt.Sprintf("the liveness endpoint GET %s and the readiness endpoint GET %s", run.live, run.ready), func() { ok = run.open() })
	if !ok {
		return
	}
	r.step("When", "every dependency is up", run.allUp)
	if len(x.Dependencies) == 0 {
		r.notProven(need{preset.HealthCheck, "HealthCheck.Dependencies"}, "readiness turns 503 while a dependency is down and 200 when it is back: no Dependencies declared: readiness was checked only with everything up; set Dependencies (each with Down and Up functions, e.g. Down: db.Close, Up: db.Reopen) to check it")
		return
	}
	if run.ready == run.live {
		r.notProven(need{preset.HealthCheck, "HealthCheck.Ready"}, "liveness stays 200 while a dependency is down: Ready and Live are both %s: the check that liveness stays 200 during an outage was skipped; split them so that an outage does not restart every instance, and set Ready to the readiness path", run.live)
	}
	for i, d := range x.Dependencies {
		run.dependency(i, d)
	}
}

// hcConfigProblems judges the fields.
func hcConfigProblems(live, ready string, maxLat time.Duration, deps []Dependency) []string {
	var probs []string
	if !strings.HasPrefix(live, "/") {
		probs = append(probs, fmt.Sprintf("Live = %q: want a path starting with /, such as /healthz", live))
	}
	if !strings.HasPrefix(ready, "/") {
		probs = append(probs, fmt.Sprintf("Ready = %q: want a path starting with /, such as /readyz", ready))
	}
	if maxLat < 0 {
		probs = append(probs, fmt.Sprintf("MaxLatency = %v: want a positive duration, or 0 for the default 500ms", maxLat))
	}
	for i, d := range deps {
		if d.Down == nil || d.Up == nil {
			probs = append(probs, fmt.Sprintf("Dependencies[%d] (%s) has a nil Down or Up: set both, e.g. Down: db.Close, Up: db.Reopen", i, depName(d, i)))
		}
	}
	return probs
}

// open checks the fields and opens the target.
func (run *hcRun) open() bool {
	probs := hcConfigProblems(run.live, run.ready, run.maxLat, run.x.Dependencies)
	for _, p := range probs {
		run.r.errorf("%s", p)
	}
	if len(probs) > 0 {
		return false
	}
	if run.c = connect(run.r, run.x.Target); run.c == nil {
		return false
	}
	return true
}

// probe sends GET path and checks it answers want within the budget, with
// a JSON body that agrees.
func (run *hcRun) probe(path, when string, want int, fix string) {
	r := run.r
	resp, err := run.c.do(run.ctx, Request{Path: path})
	if err != nil {
		r.errorf("GET %s%s: %v", path, when, err)
		return
	}
	r.logf("GET %s%s = %s in %v: %s", path, when, resp, resp.Elapsed, probe.Quote(resp.Body, 100))
	if resp.Dropped {
		r.errorf("GET %s%s = %s, want %d: the health handler crashed; it must always answer", path, when, resp, want)
		return
	}
	if !hcStatusOK(resp.Status, want) {
		if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
			fix = "probes send no credentials: serve the health endpoints without authentication (Kubernetes probes, load balancers and uptime checks cannot log in)"
		}
		r.errorf("GET %s%s = %d, want %d: %s", path, when, resp.Status, want, fix)
	}
	if resp.Elapsed > run.maxLat {
		r.errorf("GET %s%s took %v, want ≤ %v: a health endpoint must answer fast or the probe times out; check dependencies in the background and answer from the cached result", path, when, resp.Elapsed.Round(time.Millisecond), run.maxLat)
	}
	if p := hcBodyProblem(resp.Status, resp.Header, resp.Body); p != "" {
		r.errorf("GET %s%s %s", path, when, p)
	}
}

// allUp probes both endpoints with every dependency up.
func (run *hcRun) allUp() {
	live, ready := run.live, run.ready
	run.r.step("Then", fmt.Sprintf("GET %s answers 200 within %v", live, run.maxLat), func() {
		run.probe(live, "", http.StatusOK, fmt.Sprintf("add a liveness endpoint at %s that answers 200 while the process can serve, or set Live to its path", live))
	})
	if ready != live {
		run.r.step("And", fmt.Sprintf("GET %s answers 200 within %v", ready, run.maxLat), func() {
			run.probe(ready, "", http.StatusOK, fmt.Sprintf("add a readiness endpoint at %s that answers 200 when every dependency is up, or set Ready to its path", ready))
		})
	}
}

// dependency takes the i-th dependency down and up again, probing the
// endpoints each time.
func (run *hcRun) dependency(i int, d Dependency) {
	r, live, ready := run.r, run.live, run.ready
	name := depName(d, i)
	downOK := false
	r.step("When", name+" is down", func() {
		if downOK = callDep(r, fmt.Sprintf("Dependencies[%d] (%s).Down", i, name), d.Down); !downOK {
			return
		}
		when := " with " + name + " down"
		r.step("Then", fmt.Sprintf("GET %s answers 503", ready), func() {
			run.probe(ready, when, http.StatusServiceUnavailable, fmt.Sprintf("readiness must check %s and answer 503 Service Unavailable while it is down, so that traffic goes to instances that can serve it", name))
		})
		if ready != live {
			r.step("But", fmt.Sprintf("GET %s still answers 200", live), func() {
				run.probe(live, when, http.StatusOK, fmt.Sprintf("liveness must not depend on %s: while it is down the orchestrator would restart every instance; check only the process itself", name))
			})
		}
	})
	r.step("When", name+" is back up", func() {
		if !callDep(r, fmt.Sprintf("Dependencies[%d] (%s).Up", i, name), d.Up) || !downOK {
			return
		}
		r.step("Then", fmt.Sprintf("GET %s answers 200 again", ready), func() {
			run.probe(ready, " after "+name+" is back up", http.StatusOK, fmt.Sprintf("readiness must recover once %s is back, or the instance never gets traffic again", name))
		})
	})
}

// hcStatusOK reports whether code answers as want asks, as Kubernetes
// probes and draft-inadarei-api-health-check read codes: healthy (want
// 200) is any 2xx or 3xx; unhealthy (want 503) any 5xx (a 4xx would say
// the probe's request was wrong).
func hcStatusOK(code, want int) bool {
	if want == http.StatusOK {
		return code >= 200 && code < 400
	}
	return code >= 500 && code < 600
}

// hcStatuses are draft-inadarei-api-health-check's status values and the
// aliases it allows (case-insensitive), with the other spellings seen in
// the wild, each healthy or not. "warn" is healthy with concerns.
var hcStatuses = map[string]bool{
	"pass": true, "ok": true, "up": true, "warn": true,
	"fail": false, "error": false, "down": false,
	"healthy": true, "green": true, "ready": true, "true": true, "degraded": true,
	"unhealthy": false, "red": false, "ko": false, "false": false, "not ready": false, "unavailable": false,
}

// hcDraftStatuses are the values the draft defines, with its aliases.
var hcDraftStatuses = []string{"pass", "ok", "up", "warn", "fail", "error", "down"}

// hcBodyProblem judges a health body: when it is JSON, its status must
// agree with the status code (draft-inadarei-api-health-check: "pass" and
// "warn" in 2xx-3xx, "fail" in 4xx-5xx); in application/health+json (the
// draft's media type) it must be one of the draft's values, and its checks
// arrays of objects whose statuses do not all pass while the endpoint
// fails. The problem follows "GET /path".
func hcBodyProblem(code int, h http.Header, b []byte) string {
	ct := strings.ToLower(h.Get("Content-Type"))
	isJSON, draft := strings.Contains(ct, "json"), strings.Contains(ct, "health+json")
	body := bytes.TrimSpace(b)
	if !isJSON && !bytes.HasPrefix(body, []byte("{")) {
		return ""
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		if isJSON {
			return fmt.Sprintf("answers Content-Type %q but its body is not a JSON object (%v): answer {\"status\": \"pass\"}", h.Get("Content-Type"), err)
		}
		return ""
	}
	st, ok := doc["status"]
	if !ok {
		return "answers JSON without a \"status\" field: add \"status\": \"pass\" (or \"fail\"), as draft-inadarei-api-health-check describes"
	}
	s := strings.ToLower(fmt.Sprint(st))
	healthy, known := hcStatuses[s]
	switch {
	case draft && !slices.Contains(hcDraftStatuses, s):
		return fmt.Sprintf("answers application/health+json with status %q: want \"pass\", \"warn\" or \"fail\" (draft-inadarei-api-health-check §3.1)", st)
	case known && !healthy && code < 400:
		return fmt.Sprintf("= %d but its status says %q: probes read the status code; answer 503 when unhealthy", code, st)
	case known && healthy && code >= 400:
		return fmt.Sprintf("= %d but its status says %q: make the body agree with the code (\"pass\" and \"warn\" go with 2xx-3xx, \"fail\" with 4xx-5xx)", code, st)
	}
	if !draft {
		return ""
	}
	return hcChecksProblem(code, doc["checks"])
}

// hcChecksProblem judges the draft's "checks": an object of arrays of
// check objects; an endpoint that fails names what fails, so not every
// check with a status may say "pass".
func hcChecksProblem(code int, v any) string {
	if v == nil {
		return ""
	}
	checks, ok := v.(map[string]any)
	if !ok {
		return "has \"checks\" that is not an object: write {\"component:measurement\": [{\"status\": \"pass\"}]} (draft-inadarei-api-health-check §4)"
	}
	statuses := 0
	allPass := true
	for _, name := range slices.Sorted(maps.Keys(checks)) {
		list, ok := checks[name].([]any)
		if !ok {
			return fmt.Sprintf("has a check %q that is not an array of objects: write %q: [{\"status\": \"pass\"}] (draft-inadarei-api-health-check §4)", name, name)
		}
		for _, item := range list {
			obj, ok := item.(map[string]any)
			if !ok {
				return fmt.Sprintf("has a check %q that is not an array of objects: write %q: [{\"status\": \"pass\"}] (draft-inadarei-api-health-check §4)", name, name)
			}
			if st, has := obj["status"]; has {
				statuses++
				allPass = allPass && hcStatuses[strings.ToLower(fmt.Sprint(st))] && strings.ToLower(fmt.Sprint(st)) != "warn"
			}
		}
	}
	if code >= 500 && statuses > 0 && allPass {
		return fmt.Sprintf("= %d but every check in its body says \"pass\": report the failing dependency's check as \"fail\", so whoever reads it knows what is down", code)
	}
	return ""
}
