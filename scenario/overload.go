package scenario

import (
	"context"
	"errors"
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
	// honours before trying once more.
	ovlMaxRetryWait = 5 * time.Second
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
//     burst exceed capacity;
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
//     request is shed with a Retry-After of at most 5s, the scenario waits
//     that long and tries once more, as a polite client would.
//
// The correct service is a concurrency limiter: a semaphore that it tries
// to acquire without waiting, answering 503 with Retry-After when it is
// full. In a test, make admitted requests wait (on a channel, or a
// dependency's latency) so that the burst exceeds the limit; see the
// example.
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
type Overload struct {
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

var _ jetty.Scenario = Overload{}

// Mode returns jetty.Production.
func (Overload) Mode() jetty.Mode { return jetty.Production }

// Title returns "overload is shed with 429/503 instead of collapse".
func (Overload) Title() string { return "overload is shed with 429/503 instead of collapse" }

// Covers returns preset.Overload.
func (Overload) Covers() []preset.ID { return []preset.ID{preset.Overload} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Overload) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x Overload) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

func (x Overload) exec(r reporter) {
	users, maxLat, minSuccess := x.Users, x.MaxLatency, x.MinSuccess
	if users == 0 {
		users = paramsOf(r, preset.Overload).Int(preset.ParamUsers, ovlDefaultUsers)
	}
	if maxLat == 0 {
		maxLat = paramsOf(r, preset.Overload).Duration(preset.ParamP99, ovlDefaultMaxLatency)
	}
	if minSuccess == 0 {
		minSuccess = paramsOf(r, preset.Overload).Ratio(preset.ParamMinSuccess, ovlDefaultMinSuccess)
	}
	shed := x.Shed
	if len(shed) == 0 {
		shed = []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}
	}
	q := x.Request
	if q.Method == "" {
		q.Method = http.MethodGet
	}
	if q.Path == "" {
		q.Path = "/"
	}
	if q.Header == nil && strings.HasPrefix(strings.TrimSpace(string(q.Body)), "{") {
		q.Header = http.Header{"Content-Type": {"application/json"}}
	}
	shedText := ovlCodes(shed)
	var (
		c      *client
		target loadtest.Target
		opts   []loadtest.Option
		rec    = &ovlRecorder{shed: shed}
	)
	r.step("Given", fmt.Sprintf("%d users sending %s at once, beyond the service's capacity", users, q), func() {
		switch {
		case users < 1:
			r.errorf("Users = %d: want at least 1, or 0 for the default (200)", users)
		case users > loadtest.MaxUsers:
			r.errorf("Users = %d: want at most %d", users, loadtest.MaxUsers)
		}
		if maxLat < 0 {
			r.errorf("MaxLatency = %v: want a positive duration, or 0 for the default 1s", maxLat)
		}
		if minSuccess < 0 || minSuccess > 1 {
			r.errorf("MinSuccess = %v: want a ratio between 0 and 1 (write 0.1, not 10), or 0 for the default 0.1", minSuccess)
		}
		for _, code := range shed {
			if code < 400 || code > 599 {
				r.errorf("Shed contains %d: want error statuses such as 429 and 503", code)
			}
		}
		if !strings.HasPrefix(q.Path, "/") {
			r.errorf("Request.Path = %q: want a path starting with /", q.Path)
		}
		if r.failed() {
			return
		}
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
			return
		}
		h := c.h
		if h == nil {
			var stop func()
			h, stop = ovlProxy(c.base, users, rec)
			r.cleanup(stop)
		}
		target = loadtest.Handler(ovlWrap(h, rec)).With(loadReq(q))
		opts = []loadtest.Option{
			loadtest.Users(users),
			loadtest.Timeout(max(loadtest.DefaultTimeout, 2*maxLat)),
			// Users released together may start up to a quarter of the
			// budget late on a busy machine and still arrive "at once".
			loadtest.MaxLag(max(loadtest.DefaultMaxLag, maxLat/4)),
		}
		r.logf("overload: %d users at once sending %s (body %.100q) to %s; shed statuses %s; p99 ≤ %v; success ≥ %s", users, q, q.Body, x.Target, shedText, maxLat, probe.Percent(minSuccess))
	})
	if r.failed() {
		return
	}
	var (
		report                    *loadtest.Report
		succeeded, shedN, failedN uint64
		plan                      = fmt.Sprintf("%d users at once sending %s", users, q)
	)
	r.step("When", "they all send it at once", func() {
		var err error
		report, err = loadtest.Run(r.context(), target, opts...)
		if report != nil {
			r.logf("overload report (%s):\n%s", plan, strings.TrimRight(report.String(), "\n"))
		}
		var invalid *loadtest.InvalidError
		switch {
		case report == nil:
			r.errorf("the load run did not start: %v", err)
			return
		case errors.As(err, &invalid):
			r.errorf("%s: the load generator could not produce the planned burst (%v), so the latencies do not describe it; run fewer users, or on a less busy machine", plan, err)
			return
		case err != nil:
			r.errorf("the load run failed: %v", err)
			return
		case report.Requests == 0:
			r.errorf("%s: no request was measured", plan)
			return
		}
		for code, n := range report.StatusCodes {
			switch {
			case code >= 200 && code < 400:
				succeeded += n
			case slices.Contains(shed, code):
				shedN += n
			default:
				failedN += n
			}
		}
	})
	if r.failed() || report == nil {
		return
	}
	r.step("Then", fmt.Sprintf("every response is a success or a shed (%s): none fails or goes unanswered", shedText), func() {
		noAnswer := report.StatusCodes[0]
		if other := failedN - noAnswer; other > 0 {
			r.errorf("%s: %d of %d responses were neither a success nor a shed (%s): under overload the service must refuse the excess with %s, not fail; limit concurrency (a semaphore acquired without waiting) and answer 503 with Retry-After when it is full", plan, other, report.Requests, loadStatuses(report), shedText)
		}
		if noAnswer > 0 {
			why := ""
			if e := rec.proxyError(); e != "" {
				why = "; the first: " + e
			}
			r.errorf("%s: %d of %d requests got no response (%s%s): the service collapsed (dropped connections, crashes or timeouts); refuse the excess at once with %s instead of accepting more than it can serve", plan, noAnswer, report.Requests, loadStatuses(report), why, shedText)
		}
		if shedN == 0 && failedN == 0 {
			r.errorf("%s: all %d requests succeeded and none was shed, so overload was not tested: send more Users than the service can serve at once, or run it in the test with a lower concurrency limit (and admitted requests that wait, as in the example)", plan, report.Requests)
		}
		if !r.failed() {
			r.logf("%d succeeded, %d shed (%s)", succeeded, shedN, loadStatuses(report))
		}
	})
	r.step("And", fmt.Sprintf("responses are fast: p99 ≤ %v (shed at once, not queued)", maxLat), func() {
		p99 := report.Latencies.P99
		if p99 > maxLat {
			r.errorf("%s: p99 latency = %v, want ≤ %v (max %v): requests wait in a queue instead of being shed; bound the work in progress (try to acquire a semaphore, never wait on it) and answer the excess 503 at once", plan, p99.Round(time.Millisecond), maxLat, report.Latencies.Max.Round(time.Millisecond))
			return
		}
		r.logf("latency: p99 %v, max %v", p99.Round(100*time.Microsecond), report.Latencies.Max.Round(100*time.Microsecond))
	})
	r.step("And", fmt.Sprintf("at least %s succeed: the service still serves", probe.Percent(minSuccess)), func() {
		ratio := float64(succeeded) / float64(report.Requests)
		if ratio < minSuccess {
			r.errorf("%s: %d of %d succeeded (%s), want ≥ %s: the service refuses more than it must; admit as many requests as it can serve (size the limit to its capacity) and shed only the excess, or lower MinSuccess if its capacity in the test is smaller", plan, succeeded, report.Requests, probe.Percent(ratio), probe.Percent(minSuccess))
			return
		}
		r.logf("%d of %d succeeded (%s)", succeeded, report.Requests, probe.Percent(ratio))
	})
	r.step("And", "shed responses carry Retry-After (RFC 9110 §10.2.3)", func() {
		n, missing, bad := rec.retryAfter()
		switch {
		case n == 0:
			r.logf("no response was shed: Retry-After was not checked")
		case missing == 0 && bad == "":
			r.logf("all %d shed responses carry a valid Retry-After", n)
		default:
			msg := ""
			if missing > 0 {
				msg = fmt.Sprintf("%d of %d shed responses have no Retry-After", missing, n)
			} else {
				msg = fmt.Sprintf("a shed response has Retry-After %s, neither delay-seconds nor an HTTP-date", bad)
			}
			msg = fmt.Sprintf("%s: %s: tell clients when to come back (Retry-After: 1), or they retry at once and keep the service overloaded", plan, msg)
			if x.RetryAfterOptional {
				r.logf("%s (RetryAfterOptional is set: not a problem)", msg)
			} else {
				r.errorf("%s", msg)
			}
		}
	})
	r.step("When", "the burst is over", func() {
		r.step("Then", fmt.Sprintf("%s succeeds again", q), func() {
			ovlAgain(r, c, q, shed)
		})
	})
}

// ovlAgain sends one request after the burst, honouring a short
// Retry-After on a shed answer once.
func ovlAgain(r reporter, c *client, q Request, shed []int) {
	ctx := r.context()
	for try := 1; ; try++ {
		resp, err := c.do(ctx, q.req(nil))
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
		if try == 1 && slices.Contains(shed, resp.Status) {
			if d, ok := ovlRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && d <= ovlMaxRetryWait {
				r.logf("waiting %v (its Retry-After) before trying once more", d)
				select {
				case <-time.After(d):
					continue
				case <-ctx.Done():
					r.errorf("cancelled: %v", ctx.Err())
					return
				}
			}
		}
		r.errorf("%s after the burst = %d, want 2xx: the service did not recover; whatever it does under overload (an open breaker, a full queue, a leaked semaphore slot) must end when the load is gone", q, resp.Status)
		return
	}
}

// ovlRetryAfter parses a Retry-After value: delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3). It returns how long to wait from now.
func ovlRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, false
		}
		return time.Duration(min(n, 1<<31)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
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
	switch _, ok := ovlRetryAfter(v, time.Now()); {
	case v == "":
		rec.missing++
	case !ok && rec.bad == "":
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
func ovlProxy(base *url.URL, users int, rec *ovlRecorder) (http.Handler, func()) {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
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
