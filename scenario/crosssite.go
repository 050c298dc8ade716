package scenario

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// CrossSite checks that a state-changing request another site makes the
// browser send is refused and changes nothing: cross-site request forgery
// protection as OWASP ASVS 5.0 V3.5.1–V3.5.3 ask it (checked with the
// Fetch Metadata and Origin headers every current browser sends).
//
// For each of Requests it sends, by default:
//
//   - the request from the application's own origin (Origin of the target,
//     Sec-Fetch-Site: same-origin) plus SameOrigin headers, which must
//     succeed: a refusal of a forged request proves nothing when the real
//     one is refused too;
//   - the forged request with "Origin: https://evil.example" and
//     "Sec-Fetch-Site: cross-site", with Sec-Fetch-Site alone (a browser
//     that omits Origin), with Origin alone (a browser without Fetch
//     Metadata), and with "Origin: null" (a sandboxed frame, a data: URL):
//     each must be refused with a 4xx (403 is the usual answer);
//   - when Changed is set, it is called after each refused attempt and must
//     report that nothing changed (without it, "changes nothing" is not
//     proven and the scenario says so);
//   - a safe request (GET Safe, default "/") with "Sec-Fetch-Site:
//     cross-site", which must not be refused: links from other sites work.
//
// Go's own protection is one line: wrap the handler in
// http.NewCrossOriginProtection().Handler(mux) (Go 1.25+).
//
// It covers preset.CrossSite. CrossSite only reads the target and calls
// Changed; it is safe in parallel tests when they are.
//
// Not proven without its field, and required by a preset with
// preset.CrossSite: that refused forgeries change nothing (Changed).
type CrossSite struct {
	production

	// Target is the application. Required.
	Target Target
	// Requests are state-changing requests a signed-in user's browser
	// would send (POST, PUT, PATCH or DELETE, with the session cookie in
	// Header, and without any anti-CSRF token: another site cannot read
	// one). Required: at least one.
	Requests []Request
	// SameOrigin are headers added to the same-origin request only, such
	// as the anti-CSRF token a page of the application sends
	// (X-CSRF-Token). Optional.
	SameOrigin http.Header
	// Origin is the application's own origin. Default: the URL target's
	// scheme and host, or http://example.com in process (the Host the
	// in-process requests carry).
	Origin string
	// Changed reports whether the application's state changed since the
	// scenario last asked (e.g. counts the rows of a table and compares).
	// Optional: without it only the status is judged.
	Changed func(ctx context.Context) (bool, error)
	// Safe is the path of a safe request (GET) that must work from other
	// sites. Default "/".
	Safe string
	// Preset is the preset this check's thresholds come from (it has
	// none yet); see [RateLimit.Preset].
	Preset preset.Preset
}

// Title returns "cross-site requests cannot change state".
func (CrossSite) Title() string { return "cross-site requests cannot change state" }

// Covers returns preset.CrossSite.
func (CrossSite) Covers() []preset.ID { return []preset.ID{preset.CrossSite} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x CrossSite) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s.
func (x CrossSite) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// crossSiteAttacker is the site that forges requests.
const crossSiteAttacker = "https://evil.example"

// forgery is one way a browser sends a forged request.
type forgery struct {
	name   string
	header http.Header
}

var forgeries = []forgery{
	{"Origin: https://evil.example with Sec-Fetch-Site: cross-site", http.Header{"Origin": {crossSiteAttacker}, "Sec-Fetch-Site": {"cross-site"}}},
	{"Sec-Fetch-Site: cross-site without Origin", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
	{"Origin: https://evil.example without Fetch Metadata", http.Header{"Origin": {crossSiteAttacker}}},
	{"Origin: null", http.Header{"Origin": {"null"}, "Sec-Fetch-Site": {"cross-site"}}},
}

// csRun is one run of CrossSite.
type csRun struct {
	x      CrossSite
	r      reporter
	c      *client
	origin string
	safe   string
}

func (x CrossSite) exec(r reporter) {
	run := &csRun{x: x, r: r}
	r.step("Given", fmt.Sprintf("%s that a signed-in user's browser sends", probe.Count(len(x.Requests), "state-changing request", "state-changing requests")), run.open)
	if r.failed() {
		return
	}
	for _, q := range x.Requests {
		run.request(q)
	}
	r.step("And", fmt.Sprintf("GET %s from another site still works", run.safe), run.safeRequest)
	if x.Changed == nil {
		r.notProven(need{preset.CrossSite, "CrossSite.Changed"}, "that refused forgeries change nothing: set CrossSite.Changed to report whether state changed")
	}
}

func (run *csRun) open() {
	x, r := run.x, run.r
	if len(x.Requests) == 0 {
		r.errorf("CrossSite.Requests is empty: list the state-changing requests of a signed-in user, e.g. {Method: \"POST\", Path: \"/notes\", Header: http.Header{\"Cookie\": {\"session=…\"}}, Body: …}")
	}
	for i, q := range x.Requests {
		if p := crossSiteMethodProblem(q.Method); p != "" {
			r.errorf("Requests[%d] (%s): %s", i, q, p)
		}
		if !strings.HasPrefix(q.Path, "/") {
			r.errorf("Requests[%d].Path = %q: want a path starting with /", i, q.Path)
		}
	}
	run.safe = x.Safe
	if run.safe == "" {
		run.safe = "/"
	}
	c := connect(r, x.Target)
	if c == nil {
		return
	}
	run.c = c
	run.origin = x.Origin
	if run.origin == "" {
		base := c.Base()
		run.origin = base.Scheme + "://" + base.Host
	}
}

// crossSiteMethodProblem says why a method is not one a forgery changes
// state with, or "".
func crossSiteMethodProblem(method string) string {
	switch strings.ToUpper(method) {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return ""
	case "":
		return "no Method: set POST, PUT, PATCH or DELETE"
	}
	return fmt.Sprintf("%s is a safe method: list state-changing requests (POST, PUT, PATCH, DELETE); a GET must not change state at all", method)
}

func (run *csRun) request(q Request) {
	r := run.r
	ok := false
	r.step("When", fmt.Sprintf("the application's own page sends %s", q), func() {
		h := http.Header{"Origin": {run.origin}, "Sec-Fetch-Site": {"same-origin"}}
		for k, v := range run.x.SameOrigin {
			h[k] = v
		}
		resp, err := run.c.do(r.context(), q.req(h))
		if p := crossSiteSameOriginProblem(resp, err); p != "" {
			r.errorf("%s from %s: %s", q, run.origin, p)
			return
		}
		r.logf("%s from %s = %s", q, run.origin, resp)
		ok = true
	})
	if !ok {
		return
	}
	r.step("Then", fmt.Sprintf("%s forged by another site is refused and changes nothing", q), func() {
		run.changed() // forget what the same-origin request changed
		for _, f := range forgeries {
			resp, err := run.c.do(r.context(), q.req(f.header))
			if p := crossSiteForgeryProblem(resp, err); p != "" {
				r.errorf("%s with %s: %s", q, f.name, p)
			} else {
				r.logf("%s with %s = %s", q, f.name, resp)
			}
			if changed, known := run.changed(); known && changed {
				r.errorf("%s with %s changed the application's state (Changed reported true): a forged request must change nothing; refuse it before acting", q, f.name)
			}
		}
	})
}

// changed asks Changed, reporting its error; known is false without it.
func (run *csRun) changed() (changed, known bool) {
	if run.x.Changed == nil {
		return false, false
	}
	var err error
	if p := probe.Call(func() { changed, err = run.x.Changed(run.r.context()) }); p != nil {
		err = fmt.Errorf("panicked: %v", p)
	}
	if err != nil {
		run.r.errorf("CrossSite.Changed: %v", err)
		return false, false
	}
	return changed, true
}

// crossSiteSameOriginProblem judges the application's own request.
func crossSiteSameOriginProblem(resp *response, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case resp.Dropped:
		return resp.String() + ": the request must work from the application's own pages"
	case resp.Status >= 400:
		return fmt.Sprintf("%d, want 2xx or 3xx: the real request must work, or refusing the forged one proves nothing; fix the request, or add what the page sends (the anti-CSRF token) to SameOrigin", resp.Status)
	}
	return ""
}

// crossSiteForgeryProblem judges a forged request's response.
func crossSiteForgeryProblem(resp *response, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case resp.Dropped:
		return resp.String() + ": refuse a forged request with 403, do not crash"
	case resp.Status >= 400 && resp.Status < 500:
		return ""
	case resp.Status >= 500:
		return fmt.Sprintf("%d: refuse a forged request with 403 before handling it; a 5xx says it was processed", resp.Status)
	}
	return fmt.Sprintf("%d, want 403: another site can make a signed-in user's browser send this; reject cross-site requests, e.g. wrap the handler in http.NewCrossOriginProtection().Handler(mux) (Go 1.25+), or check Sec-Fetch-Site and Origin", resp.Status)
}

func (run *csRun) safeRequest() {
	r := run.r
	resp, err := run.c.do(r.context(), Request{Method: http.MethodGet, Path: run.safe, Header: http.Header{"Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}}})
	switch {
	case err != nil:
		r.errorf("GET %s from another site: %v", run.safe, err)
	case resp.Dropped:
		r.errorf("GET %s from another site = %s", run.safe, resp)
	case resp.Status == http.StatusForbidden:
		r.errorf("GET %s from another site = 403: safe requests must work from other sites (links, bookmarks); refuse only state-changing methods", run.safe)
	default:
		r.logf("GET %s from another site = %s", run.safe, resp)
	}
}
