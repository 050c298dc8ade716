package scenario_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// ovlApp admits at most limit requests at once and holds each admitted one
// until every other request of a burst of users has been shed, so exactly
// limit succeed. Its mode breaks it in the ways Overload must catch.
type ovlApp struct {
	mode    string // "" (correct), "queue", "crash", "drop", "shedAll", "noRetryAfter", "badRetryAfter", "sticky", "roomy"
	users   int
	limit   int
	sem     chan struct{}
	release chan struct{}
	once    sync.Once
	sheds   atomic.Int64
	tripped atomic.Bool
	one     chan struct{} // "queue": one request at a time
}

func newOvlApp(mode string) *ovlApp {
	return &ovlApp{mode: mode, users: 200, limit: 50, sem: make(chan struct{}, 50), release: make(chan struct{}), one: make(chan struct{}, 1)}
}

func (a *ovlApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch a.mode {
	case "queue": // one at a time, everyone waits: no shedding
		// A channel, not a mutex: a goroutine waiting on it is durably
		// blocked, so a synctest bubble's clock advances.
		a.one <- struct{}{}
		defer func() { <-a.one }()
		time.Sleep(2 * time.Millisecond)
		fmt.Fprint(w, "ok")
		return
	case "roomy": // the burst never exceeds its capacity
		fmt.Fprint(w, "ok")
		return
	case "shedAll":
		w.Header().Set("Retry-After", "30")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	case "sticky":
		if a.tripped.Load() {
			defer a.shed()
			w.Header().Set("Retry-After", "30")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
	}
	select {
	case a.sem <- struct{}{}:
		defer func() { <-a.sem }()
		select {
		case <-a.release:
		case <-r.Context().Done(): // only if the test is broken
		}
		fmt.Fprint(w, "ok")
	default:
		a.tripped.Store(true)
		defer a.shed()
		switch a.mode {
		case "crash":
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		case "drop":
			panic(http.ErrAbortHandler)
		case "badRetryAfter":
			w.Header().Set("Retry-After", "soon")
		case "noRetryAfter":
		default:
			w.Header().Set("Retry-After", "1")
		}
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}
}

// shed counts a shed request and releases the admitted ones once every
// other request of the burst was shed.
func (a *ovlApp) shed() {
	if a.sheds.Add(1) == int64(a.users-a.limit) {
		a.once.Do(func() { close(a.release) })
	}
}

func (a *ovlApp) scenario(url bool, t *testing.T) scenario.Overload {
	target := scenario.Handler(a)
	if url {
		srv := httptest.NewServer(a)
		t.Cleanup(srv.Close)
		target = scenario.URL(srv.URL)
	}
	return scenario.Overload{Target: target, Request: scenario.Request{Path: "/search?q=shoes"}}
}

// ovlGenerous is the latency budget of the URL cases whose verdict is not
// about latency: 200 users through a live server on a busy 2-core machine
// under -race start up to a second late (issue 10, item 8), and a quarter of
// the budget is the generator lag allowed. It keeps those tests about the
// verdict, not the machine. In-process cases run in a synctest bubble
// instead, where the burst is released at one virtual instant.
const ovlGenerous = 10 * time.Second

func TestOverloadPassesCorrectService(t *testing.T) {
	t.Parallel()
	for _, url := range []bool{false, true} {
		t.Run(fmt.Sprintf("url=%v", url), func(t *testing.T) {
			check := func(t *testing.T) {
				a := newOvlApp("")
				x := a.scenario(url, t)
				if url {
					x.MaxLatency = ovlGenerous
				}
				if err := x.Verify(t.Context()); err != nil {
					t.Fatalf("Verify on a correct service: %v", err)
				}
				if got := a.sheds.Load(); got != 150 {
					t.Errorf("the service shed %d requests, want 150: the burst was not 200 at once", got)
				}
			}
			if url {
				check(t)
				return
			}
			synctest.Test(t, check)
		})
	}
}

func TestOverloadCatchesBrokenServices(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		mode string
		url  bool // also through a live server
		edit func(*scenario.Overload)
		want []string
		// bubble runs the case in process inside synctest.Test, so the
		// scenario waits out a long Retry-After on virtual time. (Every
		// in-process case runs in a bubble, so that a busy machine cannot
		// delay the burst; the field says which need it for more.)
		bubble bool
	}{
		{"queues instead of shedding", "queue", false, func(x *scenario.Overload) { x.MaxLatency = 100 * time.Millisecond }, []string{
			"200 users at once sending GET /search?q=shoes: p99 latency = ",
			"want ≤ 100ms (max ",
			"requests wait in a queue instead of being shed",
		}, false},
		{"fails with 500", "crash", true, nil, []string{
			"150 of 200 responses were neither a success nor a shed (500 ×150, 200 ×50): under overload the service must refuse the excess with 429 or 503, not fail",
		}, false},
		{"drops connections", "drop", true, nil, []string{
			"150 of 200 requests got no response (",
			"the service collapsed (dropped connections, crashes or timeouts)",
		}, false},
		{"sheds everything", "shedAll", false, nil, []string{
			"0 of 200 succeeded (0%), want ≥ 10%: the service refuses more than it must",
			"GET /search?q=shoes after the burst = 503, want 2xx: the service did not recover (tried 3 times, waiting out each Retry-After)",
		}, true},
		{"no Retry-After", "noRetryAfter", true, nil, []string{
			"150 of 150 shed responses have no Retry-After: tell clients when to come back",
		}, false},
		{"invalid Retry-After", "badRetryAfter", false, nil, []string{
			`a shed response has Retry-After "soon" (on a 503), neither delay-seconds nor an HTTP-date`,
		}, false},
		{"never recovers", "sticky", false, nil, []string{
			"Then GET /search?q=shoes succeeds again: GET /search?q=shoes after the burst = 503, want 2xx: the service did not recover",
		}, true},
		{"burst within capacity", "roomy", false, nil, []string{
			"all 200 requests succeeded and none was shed, so overload was not tested",
		}, false},
		{"success below MinSuccess", "", false, func(x *scenario.Overload) { x.MinSuccess = 0.5 }, []string{
			"50 of 200 succeeded (25%), want ≥ 50%",
		}, false},
	} {
		urls := []bool{false}
		if tc.url {
			urls = append(urls, true)
		}
		for _, url := range urls {
			t.Run(fmt.Sprintf("%s/url=%v", tc.name, url), func(t *testing.T) {
				check := func(t *testing.T) {
					x := newOvlApp(tc.mode).scenario(url, t)
					if url {
						x.MaxLatency = ovlGenerous
					}
					if tc.edit != nil {
						tc.edit(&x)
					}
					wantProblems(t, x, tc.want...)
				}
				if !url {
					synctest.Test(t, check)
					return
				}
				check(t)
			})
		}
	}
}

func TestOverloadRetryAfterOptional(t *testing.T) {
	t.Parallel()
	var res tbtest.Result
	synctest.Test(t, func(t *testing.T) {
		x := newOvlApp("noRetryAfter").scenario(false, t)
		x.RetryAfterOptional = true
		res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	})
	if res.Failed || !strings.Contains(res.Output(), "150 of 150 shed responses have no Retry-After: tell clients when to come back (Retry-After: 1), or they retry at once and keep the service overloaded (RetryAfterOptional is set: not a problem)") {
		t.Errorf("failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestOverloadThroughJettyCheck(t *testing.T) {
	t.Parallel()
	var res tbtest.Result
	synctest.Test(t, func(t *testing.T) {
		res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, newOvlApp("").scenario(false, t)) })
	})
	if res.Failed {
		t.Fatalf("jetty.Check on a correct service failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"Given 200 users sending GET /search?q=shoes at once, beyond the service's capacity",
		"Then every response is a success or a shed (429 or 503): none fails or goes unanswered",
		"50 succeeded, 150 shed (503 ×150, 200 ×50)",
		"And responses are fast: p99 ≤ 1s (shed at once, not queued)",
		"And at least 10% succeed: the service still serves",
		"all 150 shed responses carry a valid Retry-After",
		"GET /search?q=shoes after the burst = 200",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}

	synctest.Test(t, func(t *testing.T) {
		res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, newOvlApp("crash").scenario(false, t)) })
	})
	if !res.Failed || !strings.Contains(res.ErrorText(), "150 of 200 responses were neither a success nor a shed") {
		t.Errorf("jetty.Check on a service that fails with 500: failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestOverloadRecoveryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	// The service sheds the first request after the burst with
	// Retry-After: 0, then serves: the scenario tries once more.
	synctest.Test(t, testOverloadRecoveryHonoursRetryAfter)
}

func testOverloadRecoveryHonoursRetryAfter(t *testing.T) {
	a := newOvlApp("")
	var after atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-a.release:
			if after.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				http.Error(w, "busy", http.StatusTooManyRequests)
				return
			}
		default:
		}
		a.ServeHTTP(w, r)
	})
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, scenario.Overload{Target: scenario.Handler(h)}) })
	if res.Failed || !strings.Contains(res.Output(), "GET / after the burst = 429") || !strings.Contains(res.Output(), "waiting 0s (its Retry-After) before trying once more") {
		t.Errorf("failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestOverloadBadConfiguration(t *testing.T) {
	t.Parallel()
	ok := scenario.Handler(newOvlApp("roomy"))
	for _, tc := range []struct {
		name string
		x    scenario.Overload
		want string
	}{
		{"zero target", scenario.Overload{}, "no target: set Target"},
		{"negative users", scenario.Overload{Target: ok, Users: -1}, "Users = -1: want at least 1"},
		{"too many users", scenario.Overload{Target: ok, Users: 1 << 20}, "Users = 1048576: want at most 10000"},
		{"negative latency", scenario.Overload{Target: ok, MaxLatency: -time.Second}, "MaxLatency = -1s: want a positive duration"},
		{"percent success", scenario.Overload{Target: ok, MinSuccess: 10}, "MinSuccess = 10: want a ratio between 0 and 1"},
		{"shed 200", scenario.Overload{Target: ok, Shed: []int{200}}, "Shed contains 200: want error statuses"},
		{"bad path", scenario.Overload{Target: ok, Request: scenario.Request{Path: "search"}}, `Request.Path = "search": want a path starting with /`},
		{"remote URL", scenario.Overload{Target: scenario.URL("http://example.com")}, `"example.com" is not a loopback host`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

func init() {
	registerLayers(
		// In bubbles, so that a busy machine cannot delay the burst.
		layerCase{name: "Overload/correct", bubble: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return scenario.Overload{Target: scenario.Handler(wrap(newOvlApp(""))), Request: scenario.Request{Path: "/search?q=shoes"}}
		}},
		layerCase{name: "Overload/broken", broken: true, bubble: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return scenario.Overload{Target: scenario.Handler(wrap(newOvlApp("crash"))), Request: scenario.Request{Path: "/search?q=shoes"}}
		}},
	)
}

// afterBurst wraps a correct service that, once its burst is over, sheds
// with Retry-After: 10 for ten seconds, then serves: it recovers, later
// than the scenario waits on real time. It counts the requests after the
// burst.
func afterBurst(a *ovlApp, after *atomic.Int64) http.Handler {
	var mu sync.Mutex
	var since time.Time
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-a.release:
			after.Add(1)
			mu.Lock()
			if since.IsZero() {
				since = time.Now()
			}
			early := time.Since(since) < 10*time.Second
			mu.Unlock()
			if early {
				w.Header().Set("Retry-After", "10")
				http.Error(w, "recovering", http.StatusServiceUnavailable)
				return
			}
		default:
		}
		a.ServeHTTP(w, r)
	})
}

// Issue 11, item 12: a shed answer that asks for longer than the scenario
// waits is not "did not recover".
func TestOverloadRecoveryBeyondItsWait(t *testing.T) {
	t.Parallel()
	var after atomic.Int64
	// A generous budget (its quarter is the generator lag allowed): this
	// test is about recovery on real time, not about the machine's speed.
	x := scenario.Overload{Target: scenario.Handler(afterBurst(newOvlApp(""), &after)), MaxLatency: ovlGenerous}
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	want := "not proven: GET / after the burst = 503 with Retry-After: 10 (10 seconds), beyond the 5 seconds this check waits on real time, so recovery was not verified; to verify it, call Verify inside synctest.Test"
	if res.Failed || !strings.Contains(res.Output(), want) || strings.Contains(res.Output(), "did not recover") {
		t.Errorf("failed=%v, want %q:\n%s", res.Failed, want, res.Output())
	}
	if n := after.Load(); n != 1 {
		t.Errorf("%d requests after the burst, want 1", n)
	}
	// On virtual time the scenario waits the ten seconds and sees it serve.
	synctest.Test(t, func(t *testing.T) {
		var after atomic.Int64
		x := scenario.Overload{Target: scenario.Handler(afterBurst(newOvlApp(""), &after))}
		if err := x.Verify(t.Context()); err != nil {
			t.Errorf("Verify on virtual time: %v", err)
		}
		if n := after.Load(); n != 2 {
			t.Errorf("%d requests after the burst, want 2 (a shed, then a success after its Retry-After)", n)
		}
	})
}

// Issue 11, item 7: a service that queues the burst instead of shedding is
// told it queued, not to send more users.
// TestOverloadQueueingServiceIsToldItQueued runs in a synctest bubble: the
// queue's latencies rise by exactly 2ms a request and the roomy service's
// stay at zero, however busy the machine.
func TestOverloadQueueingServiceIsToldItQueued(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testOverloadQueueingServiceIsToldItQueued)
}

func testOverloadQueueingServiceIsToldItQueued(t *testing.T) {
	// MaxLatency 2s: a budget the queue (200 × 2ms) meets, so only the
	// verdict on shedding is at stake.
	x := newOvlApp("queue").scenario(false, t)
	x.MaxLatency = 2 * time.Second
	got := verifyProblems(t, x)
	if w := "all 200 requests succeeded and none was shed, so overload was not tested: the requests were queued and served late, not shed — latencies rose through the burst"; !strings.Contains(got, w) {
		t.Errorf("problems do not contain %q:\n%s", w, got)
	}
	if strings.Contains(got, "send more Users") {
		t.Errorf("a queueing service was told to send more users:\n%s", got)
	}
	x = newOvlApp("roomy").scenario(false, t)
	x.MaxLatency = 2 * time.Second
	got = verifyProblems(t, x)
	if w := "send more Users than the service can serve at once"; !strings.Contains(got, w) {
		t.Errorf("problems do not contain %q:\n%s", w, got)
	}
}
