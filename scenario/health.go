package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
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
// Latency is measured per request: for an in-process target it is the
// handler's time; for a URL it includes the loopback round trip.
//
// It covers preset.HealthCheck. HealthCheck is a value; Verify and Run are
// safe in parallel tests when the target and the Dependencies' functions
// are not shared with another run.
type HealthCheck struct {
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
	// Dependencies are the dependencies readiness must report. Optional:
	// with none, readiness is only checked with everything up, and the
	// scenario says so.
	Dependencies []Dependency
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

var _ jetty.Scenario = HealthCheck{}

// Mode returns jetty.Production.
func (HealthCheck) Mode() jetty.Mode { return jetty.Production }

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

func (x HealthCheck) exec(r reporter) {
	var c *client
	live, ready, maxLat := x.Live, x.Ready, x.MaxLatency
	if live == "" {
		live = "/healthz"
	}
	if ready == "" {
		ready = "/readyz"
	}
	if maxLat == 0 {
		maxLat = 500 * time.Millisecond
	}
	r.step("Given", fmt.Sprintf("the liveness endpoint GET %s and the readiness endpoint GET %s", live, ready), func() {
		if !strings.HasPrefix(live, "/") {
			r.errorf("Live = %q: want a path starting with /, such as /healthz", live)
		}
		if !strings.HasPrefix(ready, "/") {
			r.errorf("Ready = %q: want a path starting with /, such as /readyz", ready)
		}
		if maxLat < 0 {
			r.errorf("MaxLatency = %v: want a positive duration, or 0 for the default 500ms", maxLat)
		}
		for i, d := range x.Dependencies {
			if d.Down == nil || d.Up == nil {
				r.errorf("Dependencies[%d] (%s) has a nil Down or Up: set both, e.g. Down: db.Close, Up: db.Reopen", i, depName(d, i))
			}
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
	ctx := r.context()
	// probe sends GET path and checks it answers want within maxLat; it
	// returns the response (nil on a transport error).
	probe := func(path, when string, want int, fix string) {
		resp, err := c.do(ctx, Request{Path: path})
		if err != nil {
			r.errorf("GET %s%s: %v", path, when, err)
			return
		}
		r.logf("GET %s%s = %s in %v: %.100q", path, when, resp, resp.Elapsed, resp.Body)
		if resp.Dropped {
			r.errorf("GET %s%s = %s, want %d: the health handler crashed; it must always answer", path, when, resp, want)
			return
		}
		if resp.Status != want {
			r.errorf("GET %s%s = %d, want %d: %s", path, when, resp.Status, want, fix)
		}
		if resp.Elapsed > maxLat {
			r.errorf("GET %s%s took %v, want ≤ %v: a health endpoint must answer fast or the probe times out; check dependencies in the background and answer from the cached result", path, when, resp.Elapsed.Round(time.Millisecond), maxLat)
		}
		healthJSON(r, path, when, resp)
	}
	r.step("When", "every dependency is up", func() {
		r.step("Then", fmt.Sprintf("GET %s answers 200 within %v", live, maxLat), func() {
			probe(live, "", http.StatusOK, fmt.Sprintf("add a liveness endpoint at %s that answers 200 while the process can serve, or set Live to its path", live))
		})
		if ready != live {
			r.step("And", fmt.Sprintf("GET %s answers 200 within %v", ready, maxLat), func() {
				probe(ready, "", http.StatusOK, fmt.Sprintf("add a readiness endpoint at %s that answers 200 when every dependency is up, or set Ready to its path", ready))
			})
		}
	})
	if len(x.Dependencies) == 0 {
		r.logf("no Dependencies declared: readiness was checked only with everything up; declare Dependencies (with Down and Up functions) to check it turns 503 when one is down")
		return
	}
	if ready == live {
		r.logf("Ready and Live are both %s: the check that liveness stays 200 during an outage was skipped; split them so that an outage does not restart every instance", live)
	}
	for i, d := range x.Dependencies {
		name := depName(d, i)
		downOK := false
		r.step("When", name+" is down", func() {
			downOK = callDep(r, fmt.Sprintf("Dependencies[%d] (%s).Down", i, name), d.Down)
			if !downOK {
				return
			}
			when := " with " + name + " down"
			r.step("Then", fmt.Sprintf("GET %s answers 503", ready), func() {
				probe(ready, when, http.StatusServiceUnavailable, fmt.Sprintf("readiness must check %s and answer 503 Service Unavailable while it is down, so that traffic goes to instances that can serve it", name))
			})
			if ready != live {
				r.step("But", fmt.Sprintf("GET %s still answers 200", live), func() {
					probe(live, when, http.StatusOK, fmt.Sprintf("liveness must not depend on %s: while it is down the orchestrator would restart every instance; check only the process itself", name))
				})
			}
		})
		r.step("When", name+" is back up", func() {
			if !callDep(r, fmt.Sprintf("Dependencies[%d] (%s).Up", i, name), d.Up) || !downOK {
				return
			}
			r.step("Then", fmt.Sprintf("GET %s answers 200 again", ready), func() {
				probe(ready, " after "+name+" is back up", http.StatusOK, fmt.Sprintf("readiness must recover once %s is back, or the instance never gets traffic again", name))
			})
		})
	}
}

// healthJSON checks a JSON health body has a status that agrees with the
// status code.
func healthJSON(r reporter, path, when string, resp *response) {
	isJSON := strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "json")
	body := bytes.TrimSpace(resp.Body)
	if !isJSON && !bytes.HasPrefix(body, []byte("{")) {
		return
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		if isJSON {
			r.errorf("GET %s%s answers Content-Type %q but its body is not a JSON object (%v): answer {\"status\": \"pass\"}", path, when, resp.Header.Get("Content-Type"), err)
		}
		return
	}
	st, ok := doc["status"]
	if !ok {
		r.errorf("GET %s%s answers JSON without a \"status\" field: add \"status\": \"pass\" (or \"fail\"), as draft-inadarei-api-health-check describes", path, when)
		return
	}
	s := strings.ToLower(fmt.Sprint(st))
	good := map[string]bool{"pass": true, "ok": true, "up": true, "healthy": true, "green": true, "ready": true, "true": true}
	bad := map[string]bool{"fail": true, "down": true, "unhealthy": true, "error": true, "red": true, "ko": true, "false": true, "not ready": true, "unavailable": true}
	switch {
	case resp.Status == http.StatusOK && bad[s]:
		r.errorf("GET %s%s = 200 but its status says %q: probes read the status code; answer 503 when unhealthy", path, when, st)
	case resp.Status >= 500 && good[s]:
		r.errorf("GET %s%s = %d but its status says %q: make the body agree with the code", path, when, resp.Status, st)
	}
}
