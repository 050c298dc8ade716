package loadtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jettymethod/jetty/loadtest"
)

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	})
}

func sleepHandler(d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		io.WriteString(w, "slow")
	})
}

// TestBudgetPassesForFastHandlerAndFailsForSlowOne runs in a synctest
// bubble: the slow handler takes exactly 20ms of virtual time and the fast
// one none, however busy the machine, so a 5ms budget separates them on any
// machine. (Real-time figures belong in the benchmarks.)
func TestBudgetPassesForFastHandlerAndFailsForSlowOne(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		budget := loadtest.Budget{P99: 5 * time.Millisecond, MinSuccess: 0.999}

		fast, err := loadtest.Run(t.Context(), loadtest.Handler(okHandler()), loadtest.Rate(100, time.Second), loadtest.Duration(200*time.Millisecond))
		if err != nil {
			t.Fatalf("fast run: %v", err)
		}
		if err := fast.Check(budget); err != nil {
			t.Errorf("fast handler: Check = %v, want nil\n%s", err, fast)
		}

		slow, err := loadtest.Run(t.Context(), loadtest.Handler(sleepHandler(20*time.Millisecond)), loadtest.Rate(100, time.Second), loadtest.Duration(200*time.Millisecond))
		if err != nil {
			t.Fatalf("slow run: %v", err)
		}
		err = slow.Check(budget)
		var be *loadtest.BudgetError
		if !errors.As(err, &be) {
			t.Fatalf("slow handler: Check = %v, want a *BudgetError", err)
		}
		if len(be.Violations) != 1 || be.Violations[0] != "p99 = 20ms, want ≤ 5ms" {
			t.Errorf("slow handler: violations = %q, want one p99 line", be.Violations)
		}
	})
}

// TestBudgetSeparatesFastFromSlowInRealTime is the same property in real
// time, measured relatively: whatever the machine's load, a handler that
// sleeps 20ms has a p50 above 20ms and above the fast handler's.
func TestBudgetSeparatesFastFromSlowInRealTime(t *testing.T) {
	t.Parallel()
	plan := []loadtest.Option{loadtest.Users(10), loadtest.Rounds(3), steady}
	fast, err := loadtest.Run(t.Context(), loadtest.Handler(okHandler()), plan...)
	if err != nil {
		t.Fatalf("fast run: %v", err)
	}
	slow, err := loadtest.Run(t.Context(), loadtest.Handler(sleepHandler(20*time.Millisecond)), plan...)
	if err != nil {
		t.Fatalf("slow run: %v", err)
	}
	if slow.Latencies.P50 < 20*time.Millisecond {
		t.Errorf("slow p50 = %v, want ≥ 20ms (the handler sleeps 20ms)", slow.Latencies.P50)
	}
	if err := slow.Check(loadtest.Budget{P50: slow.Latencies.P50 / 2}); err == nil {
		t.Errorf("a budget of half the slow p50 passes")
	}
	if err := fast.Check(loadtest.Budget{MinSuccess: 1}); err != nil {
		t.Errorf("fast: %v", err)
	}
}

func TestCheckListsEveryViolation(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(10 * time.Millisecond)
		w.WriteHeader(http.StatusInternalServerError)
	})
	rep, err := loadtest.Run(t.Context(), loadtest.Handler(h), loadtest.Users(10), steady)
	if err != nil {
		t.Fatal(err)
	}
	err = rep.Check(loadtest.Budget{P50: time.Millisecond, Max: time.Millisecond, MinSuccess: 0.999, MinRequests: 20})
	var be *loadtest.BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("Check = %v, want *BudgetError", err)
	}
	want := []string{"p50 = ", "max = ", "success = 0.0% (0/10), want ≥ 99.9%", "requests = 10, want ≥ 20"}
	if len(be.Violations) != len(want) {
		t.Fatalf("violations = %q, want %d lines", be.Violations, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(be.Violations[i], w) {
			t.Errorf("violation %d = %q, want prefix %q", i, be.Violations[i], w)
		}
	}
}

// TestUsersSendsAllRequestsAtOnce runs in a synctest bubble: a busy machine
// can delay the burst's release in real time (lag past MaxLag makes the run
// invalid), never in virtual time.
func TestUsersSendsAllRequestsAtOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const n = 100
		var (
			mu          sync.Mutex
			inFlight    int
			maxInFlight int
			arrived     = make(chan struct{})
			once        sync.Once
		)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			inFlight++
			maxInFlight = max(maxInFlight, inFlight)
			if inFlight == n {
				once.Do(func() { close(arrived) })
			}
			mu.Unlock()
			select {
			case <-arrived:
			case <-time.After(3 * time.Second):
			}
			mu.Lock()
			inFlight--
			mu.Unlock()
		})
		rep, err := loadtest.Run(t.Context(), loadtest.Handler(h), loadtest.Users(n))
		if err != nil {
			t.Fatal(err)
		}
		if maxInFlight != n {
			t.Errorf("max requests in flight = %d, want %d", maxInFlight, n)
		}
		if rep.Requests != n || rep.Planned != n {
			t.Errorf("requests = %d of %d planned, want %d", rep.Requests, rep.Planned, n)
		}
	})
}

// TestUsersRounds runs in a synctest bubble, for the same reason.
func TestUsersRounds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rep, err := loadtest.Run(t.Context(), loadtest.Handler(okHandler()), loadtest.Users(5), loadtest.Rounds(3))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Requests != 15 {
			t.Errorf("requests = %d, want 15", rep.Requests)
		}
	})
}

// TestUsersWithDurationIsClosedModel runs in a synctest bubble: 4 users
// back to back on a 1ms handler for 100ms send 400 hits in virtual time,
// however busy the machine.
func TestUsersWithDurationIsClosedModel(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rep, err := loadtest.Run(t.Context(), loadtest.Handler(sleepHandler(time.Millisecond)), loadtest.Users(4), loadtest.Duration(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		// 4 users, 1ms each, 100ms: 400 hits, give or take the 4 in flight
		// at each end.
		if rep.Requests < 396 || rep.Requests > 408 {
			t.Errorf("requests = %d, want 400", rep.Requests)
		}
	})
}

func TestURLGuardRefusesRemoteHostsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"http://example.invalid/", "https://api.example.invalid:8443/login", "http://10.0.0.1/", "http://[2001:db8::1]/", "http://localhost.example.invalid/"} {
		start := time.Now()
		rep, err := loadtest.Run(t.Context(), loadtest.URL(raw))
		if err == nil || rep != nil {
			t.Errorf("Run(URL(%q)) = %v, %v; want refusal", raw, rep, err)
			continue
		}
		if !strings.Contains(err.Error(), "not loopback") || !strings.Contains(err.Error(), "AllowRemote()") {
			t.Errorf("Run(URL(%q)) error = %v, want it to explain the loopback guard", raw, err)
		}
		// Generous, so that a busy machine passes (issue 10, item 8): a
		// dial of 10.0.0.1 or 2001:db8::1 would wait out the 5s dial
		// timeout, and none of the names resolves. At rest it takes
		// microseconds.
		if d := time.Since(start); d > time.Second {
			t.Errorf("Run(URL(%q)) took %v to refuse: it must refuse before any request", raw, d)
		}
	}
}

func TestURLErrorsSayHowToFix(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"127.0.0.1:8080":   `loadtest: URL("127.0.0.1:8080"): missing scheme: write "http://127.0.0.1:8080"`,
		"ftp://127.0.0.1/": `loadtest: URL("ftp://127.0.0.1/"): scheme "ftp": want http or https`,
		"http:///x":        `loadtest: URL("http:///x"): missing host: write an absolute URL such as "http://127.0.0.1:8080/"`,
	} {
		_, err := loadtest.Run(t.Context(), loadtest.URL(raw))
		if err == nil || err.Error() != want {
			t.Errorf("Run(URL(%q)) error = %v, want %s", raw, err, want)
		}
	}
}

func TestURLAcceptsLoopback(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, r.URL.Path)
	})
	srv := httptest.NewServer(h) // 127.0.0.1
	defer srv.Close()
	targets := []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)}

	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		srv6 := httptest.NewUnstartedServer(h)
		srv6.Listener.Close()
		srv6.Listener = ln
		srv6.Start()
		defer srv6.Close()
		targets = append(targets, srv6.URL)
	} else {
		t.Logf("::1 unavailable, skipping it: %v", err)
	}
	for _, u := range targets {
		before := hits.Load()
		rep, err := loadtest.Run(t.Context(), loadtest.URL(u+"/api").With(loadtest.Req{Path: "/a"}, loadtest.Req{Path: "/b?x=1"}), loadtest.Users(4), steady)
		if err != nil {
			t.Errorf("Run(URL(%q)): %v", u, err)
			continue
		}
		if rep.StatusCodes[200] != 4 || hits.Load()-before != 4 {
			t.Errorf("Run(URL(%q)): status codes %v, server hits %d, want 4 OK", u, rep.StatusCodes, hits.Load()-before)
		}
		if rep.BytesIn != uint64(4*len("/api/a")) {
			t.Errorf("Run(URL(%q)): bytes in = %d, want %d (paths /api/a and /api/b)", u, rep.BytesIn, 4*len("/api/a"))
		}
	}
}

func TestSaturatedGeneratorIsInvalid(t *testing.T) {
	t.Parallel()
	rep, err := loadtest.Run(t.Context(), loadtest.Handler(sleepHandler(5*time.Millisecond)),
		loadtest.Rate(2000, time.Second), loadtest.Duration(300*time.Millisecond), loadtest.Workers(2))
	var inv *loadtest.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("Run = %v, want *InvalidError", err)
	}
	if rep == nil || len(rep.Invalid) == 0 {
		t.Fatalf("report = %v, want one marked invalid", rep)
	}
	if !strings.Contains(err.Error(), "generator fell behind") {
		t.Errorf("error = %v, want it to say the generator fell behind", err)
	}
	if err := rep.Check(loadtest.Budget{}); err == nil || !strings.Contains(err.Error(), "run invalid") {
		t.Errorf("Check of invalid run = %v, want a violation", err)
	}
}

func TestCancelStopsRunAtOnce(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	for name, target := range map[string]func() (loadtest.Target, func()){
		"Handler": func() (loadtest.Target, func()) { return loadtest.Handler(h), func() {} },
		"URL": func() (loadtest.Target, func()) {
			srv := httptest.NewServer(h)
			return loadtest.URL(srv.URL), srv.Close
		},
	} {
		t.Run(name, func(t *testing.T) {
			tgt, done := target()
			defer done()
			ctx, cancel := context.WithCancel(t.Context())
			var cancelled time.Time
			time.AfterFunc(150*time.Millisecond, func() { cancelled = time.Now(); cancel() })
			rep, err := loadtest.Run(ctx, tgt, loadtest.Rate(100, time.Second), loadtest.Duration(10*time.Second))
			stopped := time.Since(cancelled)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v, want context.Canceled", err)
			}
			// Generous, so that a busy machine passes: the plan runs 10s, so
			// a run that ignored the cancel would take seconds more. (At
			// rest it stops within a few milliseconds.)
			if stopped > 2*time.Second {
				t.Errorf("run stopped %v after cancel, want ≤ 2s (of a 10s plan)", stopped)
			}
			if rep == nil {
				t.Errorf("report = nil, want the partial report")
			}
		})
	}
}

func TestExpectCountsStatusesAsSuccess(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	rep, err := loadtest.Run(t.Context(), loadtest.Handler(h), loadtest.Users(10), loadtest.Expect(200, 429), steady)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Success != 1 || rep.StatusCodes[429] != 5 || len(rep.Errors) != 0 {
		t.Errorf("Expect(200, 429): success %v, codes %v, errors %v; want 100%%, 5×429, no errors", rep.Success, rep.StatusCodes, rep.Errors)
	}
	rep, err = loadtest.Run(t.Context(), loadtest.Handler(h), loadtest.Users(10), steady)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Success != 0.5 {
		t.Errorf("default Expect: success = %v, want 0.5", rep.Success)
	}
	if err := rep.Check(loadtest.Budget{MinSuccess: 1, Expect: []int{200, 429}}); err != nil {
		t.Errorf("Budget.Expect(200, 429): %v", err)
	}
}

func TestErrorsAreGroupedAndCounted(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/boom") {
			panic("boom")
		}
	})
	tgt := loadtest.Handler(h).Build(func(hit uint64) loadtest.Req {
		return loadtest.Req{Path: fmt.Sprintf("/boom/%d", hit%2*hit)} // boom on even hits
	})
	rep, err := loadtest.Run(t.Context(), tgt, loadtest.Users(10), steady)
	if err != nil {
		t.Fatal(err)
	}
	want := []loadtest.ErrorCount{{Error: "Get: handler panicked: boom", Count: 10}}
	if diff := cmp.Diff(want, rep.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}

	// A closed port: connection refused, one group whatever the URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rep, err = loadtest.Run(t.Context(), loadtest.URL("http://"+addr).Build(func(hit uint64) loadtest.Req {
		return loadtest.Req{Path: fmt.Sprintf("/user/%d", hit)}
	}), loadtest.Users(5), steady)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 1 || rep.Errors[0].Count != 5 || rep.StatusCodes[0] != 5 {
		t.Errorf("closed port: errors %v, codes %v; want one group of 5", rep.Errors, rep.StatusCodes)
	}
}

func TestBuildSendsUniqueRequests(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		users = map[string]bool{}
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		users[string(b)+" "+r.Method+" "+r.Header.Get("X-Test")] = true
		mu.Unlock()
	})
	tgt := loadtest.Handler(h).Build(func(hit uint64) loadtest.Req {
		return loadtest.Req{Method: "POST", Path: "/login", Body: fmt.Appendf(nil, "user%d", hit), Header: http.Header{"X-Test": {"yes"}}}
	})
	rep, err := loadtest.Run(t.Context(), tgt, loadtest.Users(20), loadtest.Rounds(2), steady)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 40 || !users["user39 POST yes"] {
		t.Errorf("distinct requests = %d, want 40 (user0..user39 POST yes)", len(users))
	}
	if rep.BytesOut == 0 {
		t.Errorf("bytes out = 0, want the bodies counted")
	}
}

func TestBuildFailureStopsRun(t *testing.T) {
	t.Parallel()
	tgt := loadtest.Handler(okHandler()).Build(func(hit uint64) loadtest.Req {
		if hit == 3 {
			return loadtest.Req{Path: "no-slash"}
		}
		return loadtest.Req{}
	})
	_, err := loadtest.Run(t.Context(), tgt, loadtest.Rate(100, time.Second), loadtest.Duration(time.Second))
	if err == nil || !strings.Contains(err.Error(), `Build(hit 3): path "no-slash" must be empty or start with "/"`) {
		t.Errorf("Run = %v, want the Build error", err)
	}
}

// TestRateIsNotUnlimited runs in a synctest bubble, where the pacer's
// schedule is kept exactly whatever the machine's load: Rate(100/s) for 1s
// sends 100 hits (101 with the one due at the end).
func TestRateIsNotUnlimited(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) })
		rep, err := loadtest.Run(t.Context(), loadtest.Handler(h), loadtest.Rate(100, time.Second), loadtest.Duration(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Requests < 100 || rep.Requests > 101 || n.Load() != int64(rep.Requests) {
			t.Errorf("Rate(100/s) for 1s: %d requests (handler saw %d), want 100", rep.Requests, n.Load())
		}
		if rep.RequestedRate != 100 || rep.Rate < 99 || rep.Rate > 102 {
			t.Errorf("rate = %.1f/s of %.1f/s requested, want 100/s", rep.Rate, rep.RequestedRate)
		}
	})
}

// TestRateIsNotUnlimitedInRealTime checks the bound that holds on any
// machine: a busy one may send fewer hits (and report the run invalid),
// never more than the plan.
func TestRateIsNotUnlimitedInRealTime(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) })
	rep, err := loadtest.Run(t.Context(), loadtest.Handler(h), loadtest.Rate(100, time.Second), loadtest.Duration(500*time.Millisecond))
	var inv *loadtest.InvalidError
	if err != nil && !errors.As(err, &inv) {
		t.Fatal(err)
	}
	if rep.Requests > 51 || n.Load() != int64(rep.Requests) || rep.Requests == 0 {
		t.Errorf("Rate(100/s) for 0.5s: %d requests (handler saw %d), want 1 to 51", rep.Requests, n.Load())
	}
}

// TestDefaultPlan runs in a synctest bubble: the default plan is 50/s for
// 1s, which virtual time keeps exactly.
func TestDefaultPlan(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rep, err := loadtest.Run(t.Context(), loadtest.Handler(okHandler()))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Plan != "rate 50/1s for 1s" || rep.Requests < 50 || rep.Requests > 51 {
			t.Errorf("default plan %q sent %d requests, want rate 50/1s for 1s, 50", rep.Plan, rep.Requests)
		}
	})
}

// TestRampAndWarmup runs in a synctest bubble: the ramp's schedule and the
// warm-up's length are kept exactly whatever the machine's load.
func TestRampAndWarmup(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) })
		rep, err := loadtest.Run(t.Context(), loadtest.Handler(h), loadtest.Ramp(50, 150, 500*time.Millisecond), loadtest.Warmup(100*time.Millisecond))
		if err != nil {
			t.Fatalf("%v\n%s", err, rep)
		}
		// 100/s mean over 0.5s = 50 measured; warm-up at 50/s for 0.1s = about 5 more.
		if rep.Planned != 50 || rep.Requests < 47 || rep.Requests > 51 {
			t.Errorf("ramp: %d of %d planned, want about 50", rep.Requests, rep.Planned)
		}
		if warm := n.Load() - int64(rep.Requests); warm < 3 || warm > 7 {
			t.Errorf("warm-up hits = %d, want about 5 (left out of the report)", warm)
		}
	})
}

func TestOptionErrors(t *testing.T) {
	t.Parallel()
	h := loadtest.Handler(okHandler())
	for _, tc := range []struct {
		name string
		tgt  loadtest.Target
		opts []loadtest.Option
		want string
	}{
		{"users0", h, []loadtest.Option{loadtest.Users(0)}, "loadtest: Users(0): want at least 1 user"},
		{"per0", h, []loadtest.Option{loadtest.Rate(100, 0)}, "loadtest: Rate(100, 0s): per must be positive, e.g. Rate(100, time.Second)"},
		{"freq-1", h, []loadtest.Option{loadtest.Rate(-1, time.Second)}, "loadtest: Rate(-1, 1s): want a frequency of at least 1"},
		{"1ns", h, []loadtest.Option{loadtest.Duration(time.Nanosecond)}, "loadtest: Duration(1ns): want at least 1ms"},
		{"nohits", h, []loadtest.Option{loadtest.Rate(1, time.Minute)}, "loadtest: rate 1/1m0s for 1s sends no hits: lengthen the duration or raise the rate"},
		{"maxhits", h, []loadtest.Option{loadtest.Rate(1000, time.Second), loadtest.Duration(2 * time.Second), loadtest.MaxHits(100)}, "loadtest: rate 1000/1s for 2s needs 2000 hits, above MaxHits(100): raise MaxHits or shorten the plan"},
		{"maxtime", h, []loadtest.Option{loadtest.Duration(2 * time.Minute)}, "loadtest: rate 50/1s for 2m0s needs 2m0s with warm-up, above MaxTime(1m0s): raise MaxTime or shorten the plan"},
		{"expect", h, []loadtest.Option{loadtest.Expect()}, "loadtest: Expect(): want at least one status, e.g. Expect(200, 429)"},
		{"nil", loadtest.Handler(nil), nil, "loadtest: Handler(nil): want a handler"},
		{"zero", loadtest.Target{}, nil, "loadtest: empty Target: use Handler(h) or URL(raw)"},
		{"several", h, []loadtest.Option{loadtest.Users(5), loadtest.Rate(10, time.Second), loadtest.Timeout(0), loadtest.Rate(5, time.Second)},
			"loadtest: 3 problems:\n  Rate given 2 times: give it once\n  Users and Rate conflict: choose one plan\n  Timeout(0s): want at least 1ms"},
		{"rampdur", h, []loadtest.Option{loadtest.Ramp(1, 10, time.Second), loadtest.Duration(time.Second)}, "loadtest: Ramp and Duration conflict: Ramp(from, to, d) sets its own duration"},
		{"rounds", h, []loadtest.Option{loadtest.Rounds(2)}, "loadtest: Rounds(2) needs Users(n): Rounds counts bursts of users"},
		{"path", h.With(loadtest.Req{Path: "x"}), nil, "loadtest: With: request 0: path \"x\" must be empty or start with \"/\", e.g. \"/x\""},
		{"with", h.With(loadtest.Req{Method: "GE T"}), nil,
			"loadtest: With: request 0: method \"GE T\" is not a valid HTTP method"},
	} {
		rep, err := loadtest.Run(t.Context(), tc.tgt, tc.opts...)
		if rep != nil || err == nil || err.Error() != tc.want {
			t.Errorf("%s: Run = %v, %v\nwant error %s", tc.name, rep, err, tc.want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	rep, err := loadtest.Run(t.Context(), loadtest.Handler(okHandler()), loadtest.Users(10), loadtest.Rounds(2), steady)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"requests":20`, `"status_codes":{"200":20}`, `"p99":"`, `"duration":"`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("JSON %s lacks %s", b, key)
		}
	}
	got, err := loadtest.ReadReport(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rep, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestRecordAndMergeEncodings(t *testing.T) {
	t.Parallel()
	status := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) })
	}
	var gob, js, csv bytes.Buffer
	for _, run := range []struct {
		code int
		w    *bytes.Buffer
		f    loadtest.Format
	}{{200, &gob, loadtest.Gob}, {201, &js, loadtest.JSON}, {503, &csv, loadtest.CSV}} {
		if _, err := loadtest.Run(t.Context(), loadtest.Handler(status(run.code)), loadtest.Users(10), loadtest.Record(run.w, run.f), steady); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := loadtest.FromResults(&gob, &js, &csv)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int]uint64{200: 10, 201: 10, 503: 10}; !cmp.Equal(rep.StatusCodes, want) || rep.Requests != 30 {
		t.Errorf("merged: %d requests, codes %v; want 30, %v", rep.Requests, rep.StatusCodes, want)
	}
	if rep.Successes != 20 {
		t.Errorf("merged successes = %d, want 20", rep.Successes)
	}
	if err := rep.Check(loadtest.Budget{MinSuccess: 0.9}); err == nil || !strings.Contains(err.Error(), "success = 66.7% (20/30), want ≥ 90%") {
		t.Errorf("Check = %v", err)
	}
	if _, err := loadtest.FromResults(strings.NewReader("not results\n")); err == nil {
		t.Errorf("FromResults(garbage) = nil error")
	}
}

func TestPlotWritesHTML(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	_, err := loadtest.Run(t.Context(), loadtest.Handler(okHandler()), loadtest.Users(10), loadtest.Rounds(3), loadtest.Plot(&buf), steady)
	if err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "<html") || !strings.Contains(s, "10 users at once, 3 rounds") {
		t.Errorf("plot output (%d bytes) is not the HTML plot", buf.Len())
	}
}

func TestCompareWithBaseline(t *testing.T) {
	t.Parallel()
	base := &loadtest.Report{Requests: 100, Success: 1, Throughput: 100,
		Latencies: loadtest.Latencies{P50: 10 * time.Millisecond, P99: 20 * time.Millisecond}}
	cur := &loadtest.Report{Requests: 100, Success: 0.9, Throughput: 80,
		Latencies: loadtest.Latencies{P50: 10 * time.Millisecond, P99: 30 * time.Millisecond}}
	err := cur.Compare(base, 0.1)
	want := "loadtest: budget violated:\n  p99 = 30ms, baseline 20ms, want ≤ 22ms (+10%)\n  throughput = 80.0/s, baseline 100.0/s, want ≥ 90.0/s (-10%)\n  failures = 10.0%, baseline 0.0%, want ≤ 0.1%"
	if err == nil || err.Error() != want {
		t.Errorf("Compare = %v\nwant %s", err, want)
	}
	if err := base.Compare(base, 0); err != nil {
		t.Errorf("Compare(self) = %v", err)
	}
	if err := cur.Check(loadtest.Budget{Baseline: base, Tolerance: 0.1}); err == nil || !strings.Contains(err.Error(), "p99 = 30ms, baseline 20ms") {
		t.Errorf("Check with Baseline = %v", err)
	}
}

func TestHandlerResponseIsCopied(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Out", r.Header.Get("X-In"))
		w.WriteHeader(http.StatusCreated)
		w.Write(bytes.Repeat([]byte("x"), 3000))
	})
	var rec bytes.Buffer
	rep, err := loadtest.Run(t.Context(), loadtest.Handler(h).With(loadtest.Req{Header: http.Header{"X-In": {"v"}}}),
		loadtest.Users(2), loadtest.MaxBody(1000), loadtest.Record(&rec, loadtest.JSON), steady)
	if err != nil {
		t.Fatal(err)
	}
	if rep.StatusCodes[201] != 2 || rep.BytesIn != 2000 {
		t.Errorf("codes %v, bytes in %d; want 2×201 and 2000 bytes (MaxBody 1000)", rep.StatusCodes, rep.BytesIn)
	}
}

func TestReportText(t *testing.T) {
	t.Parallel()
	rep, err := loadtest.Run(t.Context(), loadtest.Handler(okHandler()), loadtest.Users(3), steady)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.String()
	for _, want := range []string{"3 users at once: 3 requests, 100.0% success", "latency     p50 ", "status      200 ×3"} {
		if !strings.Contains(s, want) {
			t.Errorf("text report lacks %q:\n%s", want, s)
		}
	}
}
