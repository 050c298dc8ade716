package loadtest_test

import (
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/loadtest"
)

// Crashes are errors with a message (issue 10, item 5).

func TestRunNilContextIsAnError(t *testing.T) {
	//lint:ignore SA1012 a nil context is the misuse under test
	rep, err := loadtest.Run(nil, loadtest.Handler(okHandler())) //nolint:staticcheck
	if err == nil || rep != nil {
		t.Fatalf("Run(nil, …) = %v, %v; want no report and an error", rep, err)
	}
	if !strings.Contains(err.Error(), "context") {
		t.Errorf("error %q does not say what is wrong", err)
	}
}

func TestNilReport(t *testing.T) {
	var r *loadtest.Report
	err := r.Check(loadtest.Budget{})
	var be *loadtest.BudgetError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "nil report") {
		t.Errorf("(*Report)(nil).Check = %v, want a BudgetError about the nil report", err)
	}
	if !be.Has(loadtest.KindInvalidRun) {
		t.Errorf("kinds = %v, want invalid run", be.Kinds)
	}
	if s := r.String(); !strings.Contains(s, "nil report") {
		t.Errorf("(*Report)(nil).String = %q", s)
	}
	if err := r.Compare(&loadtest.Report{}, 0.1); err == nil {
		t.Errorf("(*Report)(nil).Compare = nil, want an error")
	}
	if err := r.WriteText(new(strings.Builder)); err == nil {
		t.Errorf("(*Report)(nil).WriteText = nil, want an error")
	}
	if err := r.WriteJSON(new(strings.Builder)); err == nil {
		t.Errorf("(*Report)(nil).WriteJSON = nil, want an error")
	}
	if _, err := loadtest.ReadReport(nil); err == nil {
		t.Errorf("ReadReport(nil) = nil error")
	}
}

// Wrong verdicts at the edges (item 6).

func TestWarmupThatUsesUpMaxHitsIsAnError(t *testing.T) {
	t.Parallel()
	rep, err := loadtest.Run(t.Context(), loadtest.Handler(okHandler()), loadtest.Users(5), loadtest.Rounds(2),
		loadtest.Warmup(50*time.Millisecond), loadtest.MaxHits(10))
	if err == nil {
		t.Fatalf("Run = %d requests and no error, want an error saying the warm-up used up MaxHits", rep.Requests)
	}
	if !strings.Contains(err.Error(), "MaxHits") || !strings.Contains(err.Error(), "warm-up") {
		t.Errorf("error %q does not name the warm-up and MaxHits", err)
	}
	if rep != nil && rep.Check(loadtest.Budget{}) == nil {
		t.Errorf("Check passes a report that measured nothing")
	}
}

func TestBudgetRejectsNaNAndInfinities(t *testing.T) {
	rep := &loadtest.Report{Requests: 10, Successes: 10, Success: 1, Throughput: 100, StatusCodes: map[int]uint64{200: 10}}
	for name, b := range map[string]loadtest.Budget{
		"MinSuccess NaN":     {MinSuccess: math.NaN()},
		"MinSuccess -0.5":    {MinSuccess: -0.5},
		"MinThroughput NaN":  {MinThroughput: math.NaN()},
		"MinThroughput +Inf": {MinThroughput: math.Inf(1)},
		"MinThroughput -1":   {MinThroughput: -1},
		"Tolerance NaN":      {Tolerance: math.NaN(), Baseline: rep},
		"Tolerance -1":       {Tolerance: -1, Baseline: rep},
		"P99 negative":       {P99: -time.Second},
	} {
		err := rep.Check(b)
		var be *loadtest.BudgetError
		if !errors.As(err, &be) {
			t.Errorf("%s: Check = %v, want it rejected", name, err)
			continue
		}
		if !be.Has(loadtest.KindBudget) {
			t.Errorf("%s: kinds %v, want KindBudget", name, be.Kinds)
		}
	}
	if err := rep.Compare(rep, math.NaN()); err == nil {
		t.Errorf("Compare(_, NaN) = nil, want an error")
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	h := http.NewServeMux()
	h.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/home", http.StatusSeeOther) })
	h.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(h)
	defer srv.Close()
	for name, target := range map[string]loadtest.Target{
		"handler": loadtest.Handler(h).With(loadtest.Req{Method: "POST", Path: "/login"}),
		"url":     loadtest.URL(srv.URL).With(loadtest.Req{Method: "POST", Path: "/login"}),
	} {
		rep, err := loadtest.Run(t.Context(), target, loadtest.Users(4), loadtest.Expect(303), steady)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rep.StatusCodes[303] != 4 || rep.StatusCodes[418] != 0 {
			t.Errorf("%s: statuses %v, want 4 × 303 and no 418 (the redirect must not be followed)", name, rep.StatusCodes)
		}
		if rep.Success != 1 {
			t.Errorf("%s: success %v, want 1: Expect(303) matches", name, rep.Success)
		}
	}
}

// Typed kinds of violations (issue 9, item 7).

func TestViolationKinds(t *testing.T) {
	rep := &loadtest.Report{Requests: 10, Successes: 5, Success: 0.5, Throughput: 5, StatusCodes: map[int]uint64{200: 5, 500: 5},
		Latencies: loadtest.Latencies{P99: time.Second, P50: time.Second, Mean: time.Second}, Invalid: []string{"lag"}}
	base := &loadtest.Report{Requests: 10, Successes: 10, Success: 1, Throughput: 100, StatusCodes: map[int]uint64{200: 10},
		Latencies: loadtest.Latencies{P50: time.Millisecond}}
	err := rep.Check(loadtest.Budget{P99: time.Millisecond, MinSuccess: 0.9, MinThroughput: 50, MinRequests: 100, Baseline: base, Tolerance: 0.1})
	var be *loadtest.BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("Check = %v", err)
	}
	if len(be.Kinds) != len(be.Violations) {
		t.Fatalf("%d kinds for %d violations", len(be.Kinds), len(be.Violations))
	}
	want := map[string]loadtest.Kind{"run invalid": loadtest.KindInvalidRun, "p99 = 1s, want": loadtest.KindLatency, "success =": loadtest.KindSuccess,
		"throughput = 5.0/s, want": loadtest.KindThroughput, "requests = 10, want": loadtest.KindRequests, "p50 = 1s, baseline": loadtest.KindRegression}
	for prefix, k := range want {
		found := false
		for i, v := range be.Violations {
			if strings.HasPrefix(v, prefix) {
				found = true
				if be.Kinds[i] != k {
					t.Errorf("%q: kind %v, want %v", v, be.Kinds[i], k)
				}
			}
		}
		if !found {
			t.Errorf("no violation %q… in %q", prefix, be.Violations)
		}
	}
	empty := (&loadtest.Report{}).Check(loadtest.Budget{})
	if !errors.As(empty, &be) || !be.Has(loadtest.KindEmpty) {
		t.Errorf("an empty report: %v, want KindEmpty", empty)
	}
	if loadtest.KindLatency.String() != "latency" {
		t.Errorf("KindLatency.String() = %q", loadtest.KindLatency.String())
	}
}
