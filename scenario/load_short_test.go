package scenario_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// shortLoad is x as it runs under go test -short.
func shortLoad(x scenario.Load) scenario.Load { return scenario.WithShort(x, true) }

// Under -short the seed's burst of 100 logins sends 20, and the log says
// what was planned, what ran and how to run the full plan.
func TestLoadShortBurst(t *testing.T) {
	var res tbtest.Result
	app := &loadLogin{}
	synctest.Test(t, func(t *testing.T) {
		res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, shortLoad(scenario.Load{Target: scenario.Handler(app)})) })
	})
	if res.Failed {
		t.Fatalf("a short run on a fast login failed:\n%s", res.Output())
	}
	if len(app.users) != 20 {
		t.Errorf("%d distinct users logged in, want 20 (a fifth of 100)", len(app.users))
	}
	for _, w := range []string{
		"Given 100 users attempt to send their login simultaneously (-short: 20 of them)",
		"-short: planned 100 users at once, sending 20 users at once; run without -short for the full plan",
		"load: 20 users at once sending POST /login",
		"load report (20 users at once):",
		"over 20 requests",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}
}

// Under -short a Rate run sends for a fifth of its Duration, long enough
// for 20 hits.
func TestLoadShortRate(t *testing.T) {
	var hits atomic.Int64
	var res tbtest.Result
	synctest.Test(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
		res = tbtest.Run(t, "inner", func(tb *tbtest.TB) {
			jetty.Check(tb, shortLoad(scenario.Load{Target: scenario.Handler(h), Rate: 100, Request: scenario.Request{Method: "GET", Path: "/"}}))
		})
	})
	if res.Failed {
		t.Fatalf("a short rate run on a fast handler failed:\n%s", res.Output())
	}
	if n := hits.Load(); n < 20 || n > 21 {
		t.Errorf("%d hits, want 20 (100/s for 200ms on virtual time; 21 with the one due at the end)", n)
	}
	for _, w := range []string{
		"-short: planned 100 requests a second for 1s, sending 100 requests a second for 200ms; run without -short for the full plan",
		"load report (100 requests a second for 200ms)",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}
}

// The budget is judged on what ran: 20 users at once against a handler
// that takes 10.
func TestLoadShortIsJudgedOnWhatRan(t *testing.T) {
	wantProblems(t, shortLoad(scenario.Load{Target: scenario.Handler(loadSemaphore(20)), Users: 100, Request: scenario.Request{Method: "GET", Path: "/items"}}),
		"And no requests fail due to server overload: 20 users at once sending GET /items: success = 50.0% (10/20), want ≥ 100% (200 ×10, 503 ×10)")
}

// A short run never writes a baseline, not even with JETTY_UPDATE_BASELINE=1,
// and compares nothing: an existing baseline a short run would fail is
// left as it was.
func TestLoadShortLeavesTheBaselineAlone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "items.json")
	slow := func(d time.Duration) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(d) })
	}
	synctest.Test(t, func(t *testing.T) {
		res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, shortLoad(baselineLoad(slow(time.Millisecond), path))) })
		if res.Failed {
			t.Fatalf("a short run with a Baseline failed:\n%s", res.Output())
		}
		want := "baseline " + path + ": neither compared nor written under -short: a shortened run does not compare with the full plan's; run without -short to compare"
		if out := res.Output(); !strings.Contains(out, want) || strings.Contains(out, "has not regressed") || strings.Contains(out, "warm-up") {
			t.Errorf("log of a short run with a Baseline, want %q, no baseline step and no warm-up:\n%s", want, out)
		}
	})
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("a short run wrote the baseline %s", path)
	}
	t.Setenv("JETTY_UPDATE_BASELINE", "1")
	synctest.Test(t, func(t *testing.T) {
		if err := shortLoad(baselineLoad(slow(time.Millisecond), path)).Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("a short run wrote the baseline %s under JETTY_UPDATE_BASELINE=1", path)
	}
	// A baseline of the full plan, which the short run would fail (30 times
	// slower), is not compared.
	synctest.Test(t, func(t *testing.T) {
		if err := baselineLoad(slow(time.Millisecond), path).Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		if err := shortLoad(baselineLoad(slow(30*time.Millisecond), path)).Verify(t.Context()); err != nil {
			t.Errorf("a short run was compared with the full plan's baseline: %v", err)
		}
	})
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("a short run changed the baseline:\n%s", after)
	}
}
