package scenario

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jettymethod/jetty/internal/netguard"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/loadtest"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Defaults of Overload.
const (
	ovlDefaultUsers      = 200
	ovlDefaultMaxLatency = time.Second
	ovlDefaultMinSuccess = 0.1
	// ovlMaxRetryWait is the longest Retry-After the recovery request
	// waits for on real time before trying again.
	ovlMaxRetryWait = 5 * time.Second
	// ovlMaxVirtualWait is the longest it waits for on virtual time
	// (an in-process target inside a synctest bubble).
	ovlMaxVirtualWait = time.Hour
	// ovlRecoveryTries is how many requests recovery sends at most.
	ovlRecoveryTries = 3
)

// Overload checks that the service sheds load it cannot serve instead of
// collapsing under it, as the Google SRE book ("Handling Overload") and
// AWS Well-Architected REL05 (throttle requests, fail fast, limit queues)
// describe. Through package loadtest it sends Users requests at once — a
// burst beyond the service's capacity, all in flight together — and checks
// that
//
//   - every response is a success (2xx, 3xx) or a shed (a status in Shed,
//     default 429 and 503): no 5xx failure, no dropped connection, no
//     timeout;
//   - something was shed at all: a burst that the service absorbs whole
//     proves nothing about overload, and is reported with how to make the
//     burst exceed capacity, or, when its latencies rose through the burst
//     (the slowest at least a tenth of MaxLatency and ten times the
//     fastest), as a service that queued the excess instead of shedding it;
//   - responses are fast: the p99 latency of all responses is at most
//     MaxLatency (default 1s). Shedding means refusing at once; a service
//     that queues every request answers them all, late;
//   - the service still serves: at least MinSuccess (default 10%) of the
//     requests succeed, so a service that refuses everything fails;
//   - every shed response carries a valid Retry-After (delay-seconds or an
//     HTTP-date; RFC 9110 §10.2.3, RFC 6585 §4): without it clients retry
//     at once and the retries keep the service overloaded. A missing or
//     invalid Retry-After is a problem unless RetryAfterOptional is set,
//     when it is only logged;
//   - after the burst, the Request succeeds again (recovery). When that
//     request is shed with a Retry-After, the scenario waits that long and
//     tries again (three requests at most), as a polite client would: up
//     to 5s on real time, up to an hour on virtual time (Verify called
//     inside synctest.Test with an in-process target). A longer
//     Retry-After is reported as recovery not verified, never as "did not
//     recover".
//
// Every probe runs by default, from the Request alone; no field is needed
// for any of them. RetryAfterOptional turns a missing Retry-After into a
// logged note.
//
// The correct service is a concurrency limiter: a semaphore that it tries
// to acquire without waiting, answering 503 with Retry-After when it is
// full. In a test, make admitted requests wait (on a channel, or a
// dependency's latency) so that the burst exceeds the limit; see the
// example.
//
// Run does not open a synctest bubble for the burst: on virtual time a
// service whose handlers wait on a sync.Mutex held across a sleep would
// hang (synctest advances its clock only while every goroutine is durably
// blocked, and one waiting on a mutex is not). Call Verify inside
// synctest.Test yourself to wait out a long Retry-After on virtual time.
//
// An in-process target ([Handler], [HandlerFunc]) is loaded with no
// sockets. A [URL] target is loaded over loopback (unless AllowRemote was
// called on it) through an in-process reverse proxy that reads each
// response's status and Retry-After; a connection the server drops reaches
// the report as a hit with no response.
//
// It covers preset.Overload. Overload is a value; Verify and Run are safe
// in parallel tests (each run has its own load generator), though parallel
// load runs share the machine's cores.
//
// Not proven without its field: no probe of Overload needs one. When a shed
// response asks for a longer Retry-After than the check waits, recovery is
// logged as not proven, never required.
type Overload struct {
	production

	// Target is the service. Required.
	Target Target
	// Request is what every user sends. Its zero fields take GET /;
	// Content-Type: application/json is set when the body is a JSON
	// object.
	Request Request
	// Users is how many requests are sent at once. Default: the preset's
	// "users" parameter of preset.Overload, else 200. It must exceed the
	// service's capacity. At most loadtest.MaxUsers.
	Users int
	// Shed lists the statuses that mean "refused, try later". Default
	// 429 (Too Many Requests) and 503 (Service Unavailable).
	Shed []int
	// MaxLatency is the largest acceptable p99 latency of all responses,
	// successes and sheds together. Default: the preset's "p99"
	// parameter of preset.Overload, else 1s.
	MaxLatency time.Duration
	// MinSuccess is the smallest acceptable share of successful
	// responses, from 0 to 1. Default: the preset's "min-success"
	// parameter of preset.Overload, else 0.1: of a 200-user burst, at
	// least 20 must be served. Lower it for a service whose capacity in
	// the test is smaller than that.
	MinSuccess float64
	// RetryAfterOptional, when set, logs shed responses without a valid
	// Retry-After instead of reporting them as a problem.
	RetryAfterOptional bool
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "overload is shed with 429 or 503 instead of collapse".
func (Overload) Title() string { return "overload is shed with 429 or 503 instead of collapse" }

// Covers returns preset.Overload.
func (Overload) Covers() []preset.ID { return []preset.ID{preset.Overload} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Overload) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s.
func (x Overload) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// ovRun is one run of Overload: the configuration resolved once, the load
// plan, and what the burst did.
type ovRun struct {
	x          Overload
	r          reporter
	c          *client
	users      int
	maxLat     time.Duration
	minSuccess float64
	shed       []int
	shedText   string
	q          Request
	plan       string
	target     loadtest.Target
	opts       []loadtest.Option
	rec        *ovlRecorder
	report     *loadtest.Report

	succeeded, shedN, failedN uint64
}

func (x Overload) exec(r reporter) {
	o := x.config(r)
	r.step("Given", fmt.Sprintf("%d users sending %s at once, beyond the service's capacity", o.users, o.q), o.given)
	if r.failed() {
		return
	}
	r.step("When", "they all send it at once", o.burst)
	if r.failed() || o.report == nil {
		return
	}
	r.step("Then", fmt.Sprintf("every response is a success or a shed (%s): none fails or goes unanswered", o.shedText), o.answered)
	r.step("And", fmt.Sprintf("responses are fast: p99 ≤ %v (shed at once, not queued)", o.maxLat), o.fast)
	r.step("And", fmt.Sprintf("at least %s succeed: the service still serves", probe.Percent(o.minSuccess)), o.serves)
	r.step("And", "shed responses carry Retry-After (RFC 9110 §10.2.3)", o.retryAfter)
	r.step("When", "the burst is over", func() {
		r.step("Then", fmt.Sprintf("%s succeeds again", o.q), o.recovers)
	})
}

// config resolves the check's numbers: fields, else the preset's, else
// the defaults.
func (x Overload) config(r reporter) *ovRun {
	o := &ovRun{x: x, r: r, users: x.Users, maxLat: x.MaxLatency, minSuccess: x.MinSuccess, shed: x.Shed}
	p := paramsOf(r, preset.Overload)
	if o.users == 0 {
		o.users = p.Int(preset.ParamUsers, ovlDefaultUsers)
	}
	if o.maxLat == 0 {
		o.maxLat = p.Duration(preset.ParamP99, ovlDefaultMaxLatency)
	}
	if o.minSuccess == 0 {
		o.minSuccess = p.Ratio(preset.ParamMinSuccess, ovlDefaultMinSuccess)
	}
	if len(o.shed) == 0 {
		o.shed = []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}
	}
	o.q = x.Request.orDefault(Request{Method: http.MethodGet, Path: "/"})
	if o.q.Header == nil && strings.HasPrefix(strings.TrimSpace(string(o.q.Body)), "{") {
		o.q.Header = http.Header{"Content-Type": {"application/json"}}
	}
	o.shedText = ovlCodes(o.shed)
	o.rec = &ovlRecorder{shed: o.shed}
	o.plan = fmt.Sprintf("%d users at once sending %s", o.users, o.q)
	return o
}

// validate reports the fields that are wrong.
func (o *ovRun) validate() {
	r := o.r
	switch {
	case o.users < 1:
		r.errorf("Users = %d: want at least 1, or 0 for the default (200)", o.users)
	case o.users > loadtest.MaxUsers:
		r.errorf("Users = %d: want at most %d", o.users, loadtest.MaxUsers)
	}
	if o.maxLat < 0 {
		r.errorf("MaxLatency = %v: want a positive duration, or 0 for the default 1s", o.maxLat)
	}
	if o.minSuccess < 0 || o.minSuccess > 1 {
		r.errorf("MinSuccess = %v: want a ratio between 0 and 1 (write 0.1, not 10), or 0 for the default 0.1", o.minSuccess)
	}
	for _, code := range o.shed {
		if code < 400 || code > 599 {
			r.errorf("Shed contains %d: want error statuses such as 429 and 503", code)
		}
	}
	if !strings.HasPrefix(o.q.Path, "/") {
		r.errorf("Request.Path = %q: want a path starting with /", o.q.Path)
	}
}

func (o *ovRun) given() {
	r := o.r
	o.validate()
	if o.c = connect(r, o.x.Target); o.c == nil {
		return
	}
	h := o.c.h
	if h == nil {
		var stop func()
		h, stop = ovlProxy(o.c.base, o.x.Target.allowRemote, o.users, o.rec)
		r.cleanup(stop)
	}
	o.target = loadtest.Handler(ovlWrap(h, o.rec)).With(loadReq(o.q))
	o.opts = append([]loadtest.Option{loadtest.Users(o.users)}, loadOpts(o.maxLat)...)
	r.logf("overload: %d users at once sending %s (body %.100q) to %s; shed statuses %s; p99 ≤ %v; success ≥ %s", o.users, o.q, o.q.Body, o.x.Target, o.shedText, o.maxLat, probe.Percent(o.minSuccess))
}

func (o *ovRun) burst() {
	r := o.r
	report, invalid, failed := runLoad(r, "overload", o.plan, o.target, o.opts)
	switch {
	case failed:
		return
	case invalid != nil:
		r.errorf("%s: the load generator could not produce the planned burst (%v), so the latencies do not describe it; run fewer users, or on a less busy machine", o.plan, invalid)
		return
	case report.Requests == 0:
		r.errorf("%s: no request was measured", o.plan)
		return
	}
	o.report = report
	o.succeeded, o.shedN, o.failedN = ovlTally(report.StatusCodes, o.shed)
}

// ovlTally splits a run's statuses into successes (2xx, 3xx), sheds and
// failures (the rest, no response included).
func ovlTally(codes map[int]uint64, shed []int) (succeeded, shedN, failedN uint64) {
	for code, n := range codes {
		switch {
		case code >= 200 && code < 400:
			succeeded += n
		case slices.Contains(shed, code):
			shedN += n
		default:
			failedN += n
		}
	}
	return succeeded, shedN, failedN
}

func (o *ovRun) answered() {
	r, report := o.r, o.report
	noAnswer := report.StatusCodes[0]
	if other := o.failedN - noAnswer; other > 0 {
		r.errorf("%s: %d of %d responses were neither a success nor a shed (%s): under overload the service must refuse the excess with %s, not fail; limit concurrency (a semaphore acquired without waiting) and answer 503 with Retry-After when it is full", o.plan, other, report.Requests, loadStatuses(report), o.shedText)
	}
	if noAnswer > 0 {
		why := ""
		if e := o.rec.proxyError(); e != "" {
			why = "; the first: " + e
		}
		r.errorf("%s: %d of %d requests got no response (%s%s): the service collapsed (dropped connections, crashes or timeouts); refuse the excess at once with %s instead of accepting more than it can serve", o.plan, noAnswer, report.Requests, loadStatuses(report), why, o.shedText)
	}
	if o.shedN == 0 && o.failedN == 0 {
		r.errorf("%s", ovlNothingShed(o.plan, report, o.maxLat))
	}
	if !r.failed() {
		r.logf("%d succeeded, %d shed (%s)", o.succeeded, o.shedN, loadStatuses(report))
	}
}

// ovlNothingShed is the problem of a burst that every request survived:
// a service that queued the burst (the latencies rose through it, the
// slowest waiting at least a tenth of maxLat) is told so; one that served
// it at once is told to get more users.
func ovlNothingShed(plan string, report *loadtest.Report, maxLat time.Duration) string {
	head := fmt.Sprintf("%s: all %d requests succeeded and none was shed, so overload was not tested", plan, report.Requests)
	if lat := report.Latencies; ovlQueued(lat, maxLat) {
		return fmt.Sprintf("%s: the requests were queued and served late, not shed — latencies rose through the burst, from %v (the fastest) to %v (the slowest; median %v); a service that queues the excess answers it later and later as load grows, until clients time out: bound the work in progress (a semaphore acquired without waiting, or a short bounded queue) and answer the excess 503 with Retry-After at once; if the queue was the machine's, not the service's, run on a less busy machine", head, lat.Min.Round(100*time.Microsecond), lat.Max.Round(100*time.Microsecond), lat.P50.Round(100*time.Microsecond))
	}
	return head + ": send more Users than the service can serve at once, or run it in the test with a lower concurrency limit (and admitted requests that wait, as in the example)"
}

// ovlQueued reports whether a burst's latencies show it queued: the
// slowest at least a tenth of maxLat and ten times the fastest, the median
// at least twice the fastest (answers spread through the queue, not
// together).
func ovlQueued(lat loadtest.Latencies, maxLat time.Duration) bool {
	return lat.Max >= maxLat/10 && lat.Max >= 10*lat.Min && lat.P50 >= 2*lat.Min
}

func (o *ovRun) fast() {
	lat := o.report.Latencies
	if lat.P99 > o.maxLat {
		o.r.errorf("%s: p99 latency = %v, want ≤ %v (max %v): requests wait in a queue instead of being shed; bound the work in progress (try to acquire a semaphore, never wait on it) and answer the excess 503 at once", o.plan, lat.P99.Round(time.Millisecond), o.maxLat, lat.Max.Round(time.Millisecond))
		return
	}
	o.r.logf("latency: p99 %v, max %v", lat.P99.Round(100*time.Microsecond), lat.Max.Round(100*time.Microsecond))
}

func (o *ovRun) serves() {
	ratio := float64(o.succeeded) / float64(o.report.Requests)
	if ratio < o.minSuccess {
		o.r.errorf("%s: %d of %d succeeded (%s), want ≥ %s: the service refuses more than it must; admit as many requests as it can serve (size the limit to its capacity) and shed only the excess, or lower MinSuccess if its capacity in the test is smaller", o.plan, o.succeeded, o.report.Requests, probe.Percent(ratio), probe.Percent(o.minSuccess))
		return
	}
	o.r.logf("%d of %d succeeded (%s)", o.succeeded, o.report.Requests, probe.Percent(ratio))
}

func (o *ovRun) retryAfter() {
	n, missing, bad := o.rec.retryAfter()
	msg := ovlRetryAfterProblem(n, missing, bad)
	switch {
	case n == 0:
		o.r.logf("no response was shed: Retry-After was not checked")
	case msg == "":
		o.r.logf("all %d shed responses carry a valid Retry-After", n)
	case o.x.RetryAfterOptional:
		o.r.logf("%s: %s (RetryAfterOptional is set: not a problem)", o.plan, msg)
	default:
		o.r.errorf("%s: %s", o.plan, msg)
	}
}

// ovlRetryAfterProblem judges the Retry-After of n shed responses, of
// which missing had none and bad is the first invalid one ("" if none).
func ovlRetryAfterProblem(n, missing int, bad string) string {
	msg := ""
	switch {
	case n == 0 || missing == 0 && bad == "":
		return ""
	case missing > 0:
		msg = fmt.Sprintf("%d of %d shed responses have no Retry-After", missing, n)
	default:
		msg = fmt.Sprintf("a shed response has Retry-After %s, neither delay-seconds nor an HTTP-date", bad)
	}
	return msg + ": tell clients when to come back (Retry-After: 1), or they retry at once and keep the service overloaded"
}

// recovers sends the Request after the burst. A shed answer with a
// Retry-After is waited for, as a polite client would, when the check can
// wait that long (on virtual time inside a synctest bubble, up to
// ovlMaxVirtualWait; else up to ovlMaxRetryWait), and tried again, up to
// ovlRecoveryTries times; a longer Retry-After leaves recovery not proven.
func (o *ovRun) recovers() {
	r, q, ctx := o.r, o.q, o.r.context()
	limit, clock := ovlMaxRetryWait, "on real time"
	if o.c.h != nil && probe.InBubble() {
		limit, clock = ovlMaxVirtualWait, "on virtual time"
	}
	for try := 1; ; try++ {
		resp, err := o.c.do(ctx, q.req(nil))
		if err != nil {
			r.errorf("%s after the burst: %v: the service must recover once the burst is over", q, err)
			return
		}
		r.logf("%s after the burst = %s in %v", q, resp, resp.Elapsed.Round(time.Microsecond))
		if resp.Dropped {
			r.errorf("%s after the burst = %s: the service did not recover from the burst; it must serve again once the load is gone", q, resp)
			return
		}
		if resp.Status >= 200 && resp.Status < 400 {
			return
		}
		wait, notProven := ovlRetry(resp, o.shed, try, limit, time.Now())
		if notProven != "" {
			r.notProven(need{}, "%s after the burst = %d with %s, beyond the %s this check waits %s, so recovery was not verified; %s", q, resp.Status, notProven, probe.Words(limit), clock, o.longWaitHint())
			return
		}
		if wait < 0 {
			r.errorf("%s after the burst = %d, want 2xx: the service did not recover%s; whatever it does under overload (an open breaker, a full queue, a leaked semaphore slot) must end when the load is gone", q, resp.Status, ovlTried(try))
			return
		}
		r.logf("waiting %v (its Retry-After) before trying once more", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			r.errorf("cancelled: %v", ctx.Err())
			return
		}
	}
}

// longWaitHint says how to let the check wait out a long Retry-After.
func (o *ovRun) longWaitHint() string {
	if o.c.h == nil {
		return "time cannot be virtual for a live server: to verify recovery, make the service's Retry-After after a burst at most " + probe.Words(ovlMaxRetryWait) + ", or check it in process"
	}
	return "to verify it, call Verify inside synctest.Test(t, func(t *testing.T) { … }) so the wait passes on virtual time, or make the service's Retry-After after a burst at most " + probe.Words(ovlMaxRetryWait)
}

// ovlTried says how many times recovery was tried, when more than once.
func ovlTried(try int) string {
	if try == 1 {
		return ""
	}
	return fmt.Sprintf(" (tried %d times, waiting out each Retry-After)", try)
}

// ovlRetry judges the answer to the try-th request after the burst, a
// failure: how long to wait before trying again, or -1 when it is not
// worth another try (not a shed, no valid Retry-After, tries used up); or,
// when its Retry-After asks for longer than limit, the Retry-After in
// words (recovery is then not proven).
func ovlRetry(resp *response, shed []int, try int, limit time.Duration, now time.Time) (wait time.Duration, notProven string) {
	if !slices.Contains(shed, resp.Status) || try >= ovlRecoveryTries {
		return -1, ""
	}
	d, _, err := probe.RetryAfter(resp.Header, now)
	switch {
	case err != nil:
		return -1, ""
	case d > limit:
		return 0, fmt.Sprintf("Retry-After: %s (%s)", resp.Header.Get("Retry-After"), probe.Words(d.Round(time.Second)))
	}
	return max(d, 0), ""
}

func ovlCodes(codes []int) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = strconv.Itoa(c)
	}
	if len(parts) == 2 {
		return parts[0] + " or " + parts[1]
	}
	return strings.Join(parts, ", ")
}

// ovlRecorder reads the responses of a run: how many were shed, and the
// Retry-After of each shed one; for a URL target, the first error of the
// proxy.
type ovlRecorder struct {
	shed      []int
	mu        sync.Mutex
	sheds     int
	missing   int
	bad       string // the first invalid Retry-After, quoted, with its status
	proxyErr  string
	proxyErrs int
}

func (rec *ovlRecorder) note(code int, h http.Header) {
	if !slices.Contains(rec.shed, code) {
		return
	}
	v := h.Get("Retry-After")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.sheds++
	switch _, _, err := probe.RetryAfter(h, time.Now()); {
	case v == "":
		rec.missing++
	case err != nil && rec.bad == "":
		rec.bad = fmt.Sprintf("%q (on a %d)", v, code)
	}
}

func (rec *ovlRecorder) retryAfter() (n, missing int, bad string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.sheds, rec.missing, rec.bad
}

func (rec *ovlRecorder) failProxy(err error) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.proxyErrs++
	if rec.proxyErr == "" {
		rec.proxyErr = err.Error()
	}
}

func (rec *ovlRecorder) proxyError() string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.proxyErr
}

// ovlWrap notes the status and headers of every response of h.
func ovlWrap(h http.Handler, rec *ovlRecorder) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&ovlWriter{ResponseWriter: w, rec: rec}, r)
	})
}

type ovlWriter struct {
	http.ResponseWriter
	rec   *ovlRecorder
	wrote bool
}

func (w *ovlWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.wrote = true
		w.rec.note(code, w.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *ovlWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *ovlWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *ovlWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ovlProxy forwards in-process requests to the live server at base, so that
// the run can read each response's headers; stop releases its connections.
// An error reaching the server aborts the in-process response, which the
// load report counts as a hit with no response.
func ovlProxy(base *url.URL, allowRemote bool, users int, rec *ovlRecorder) (http.Handler, func()) {
	tr := &http.Transport{
		Proxy:               nil, // never through a proxy: the guard decides on the server's own address
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, Control: netguard.Control(allowRemote)}).DialContext,
		MaxIdleConns:        users,
		MaxIdleConnsPerHost: users,
		IdleConnTimeout:     30 * time.Second,
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(base)
			pr.Out.Header.Del("X-Forwarded-For")
		},
		Transport: tr,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				err = fmt.Errorf("no answer before the request timed out")
			}
			rec.failProxy(err)
			panic(http.ErrAbortHandler)
		},
	}
	return rp, tr.CloseIdleConnections
}
