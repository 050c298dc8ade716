package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// sleepy answers every request after d (virtual time in a bubble).
func sleepy(d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		fmt.Fprint(w, "ok")
	})
}

// baselineFile is the part of a baseline file the tests look at.
type baselineFile struct {
	Format   string
	Run      string
	Machines []struct {
		Machine string
		Report  struct {
			Requests  uint64
			Latencies struct{ P99 string }
		}
	}
}

func readBaseline(t *testing.T, path string) baselineFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the baseline was not written: %v", err)
	}
	var f baselineFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("baseline %s: %v\n%s", path, err, b)
	}
	return f
}

// baselineLoad is the check the baseline tests run: 10 users at once on
// GET /items, kept in path.
func baselineLoad(h http.Handler, path string) scenario.Load {
	return scenario.WithShort(scenario.Load{Target: scenario.Handler(h), Users: 10, Request: scenario.Request{Method: "GET", Path: "/items"}, Baseline: path}, false) // -short compares nothing
}

// TestLoadBaselineCatchesRegression runs in a synctest bubble: a handler's
// sleep is its latency, exactly, however busy the machine is. The first run
// records the baseline, the same handler passes against it, a handler made
// three times slower fails naming p99 and throughput, for both kinds of
// plan.
func TestLoadBaselineCatchesRegression(t *testing.T) {
	for _, rate := range []bool{false, true} {
		t.Run(fmt.Sprintf("rate=%v", rate), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "items.json")
			load := func(h http.Handler) scenario.Load {
				x := baselineLoad(h, path)
				if rate {
					x.Users, x.Rate, x.Duration = 0, 100, 200*time.Millisecond
				}
				return x
			}
			synctest.Test(t, func(t *testing.T) {
				if err := load(sleepy(10 * time.Millisecond)).Verify(t.Context()); err != nil {
					t.Fatalf("first run (records the baseline): %v", err)
				}
				f := readBaseline(t, path)
				if len(f.Machines) != 1 || f.Machines[0].Report.Latencies.P99 != "10ms" {
					t.Fatalf("baseline = %+v, want one machine with p99 10ms", f)
				}
				if err := load(sleepy(10 * time.Millisecond)).Verify(t.Context()); err != nil {
					t.Errorf("the same handler against its baseline: %v", err)
				}
				got := verifyProblems(t, load(sleepy(30*time.Millisecond)))
				for _, w := range []string{
					"And it has not regressed against its baseline (+50% latency, -50% throughput): ",
					"regressed against its baseline " + path,
					"in both of two runs: p99 = 30ms, baseline 10ms, want ≤ 15ms (+50%); find what made it slower",
					"rewrite the baseline with JETTY_UPDATE_BASELINE=1 and commit it",
				} {
					if !strings.Contains(got, w) {
						t.Errorf("problems do not contain %q:\n%s", w, got)
					}
				}
				if !rate && !strings.Contains(got, "in both of two runs: throughput = 333.3/s, baseline 1000.0/s, want ≥ 500.0/s (-50%)") {
					t.Errorf("problems do not name the throughput:\n%s", got)
				}
				if f := readBaseline(t, path); f.Machines[0].Report.Latencies.P99 != "10ms" {
					t.Errorf("a regressed run rewrote the baseline: p99 %s", f.Machines[0].Report.Latencies.P99)
				}
				// A declared tolerance of 200% lets it through.
				x := load(sleepy(30 * time.Millisecond))
				x.Tolerance = 2
				if err := x.Verify(t.Context()); err != nil {
					t.Errorf("Tolerance 2 on a handler 3× slower: %v", err)
				}
			})
		})
	}
}

// TestLoadBaselineWarmsUpAndConfirms shows the noise guards: the burst is
// sent once before it is measured, and a run slow only once is measured
// again and passes.
func TestLoadBaselineWarmsUpAndConfirms(t *testing.T) {
	path := filepath.Join(t.TempDir(), "items.json")
	synctest.Test(t, func(t *testing.T) {
		var hits atomic.Int64
		counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			time.Sleep(10 * time.Millisecond)
		})
		if err := baselineLoad(counted, path).Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n := hits.Load(); n != 20 {
			t.Errorf("%d hits, want 20: a warm-up burst of 10, then the 10 measured", n)
		}
		if f := readBaseline(t, path); f.Machines[0].Report.Requests != 10 {
			t.Errorf("the baseline measured %d requests, want 10 (the warm-up left out)", f.Machines[0].Report.Requests)
		}

		// Hits 10–19 are the measured burst: slow once, as on a busy moment.
		hits.Store(0)
		noisy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := 10 * time.Millisecond
			if n := hits.Add(1); n > 10 && n <= 20 {
				d = 50 * time.Millisecond
			}
			time.Sleep(d)
		})
		res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, baselineLoad(noisy, path)) })
		if res.Failed {
			t.Fatalf("one slow run failed the check:\n%s", res.Output())
		}
		for _, w := range []string{"the run regressed (", "measuring once more to tell a regression from noise", "the second run met the baseline: the first was noise"} {
			if !strings.Contains(res.Output(), w) {
				t.Errorf("log does not contain %q:\n%s", w, res.Output())
			}
		}
	})
}

// TestLoadBaselineMachines shows what a baseline of another machine class,
// another plan, a broken file and JETTY_UPDATE_BASELINE do.
func TestLoadBaselineMachines(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	other := write("other.json", `{"format": "jetty load baseline v1", "run": "GET /items, 10 users at once, in process",
		"machines": [{"machine": "plan9/386, 1 CPUs, GOMAXPROCS 1", "recorded": "2026-01-02T03:04:05Z",
		"report": {"requests": 10, "successes": 10, "success": 1, "throughput": 1e9, "latencies": {"p50": "1ns", "p90": "1ns", "p95": "1ns", "p99": "1ns", "max": "1ns", "min": "1ns", "mean": "1ns"}}}]}`)
	synctest.Test(t, func(t *testing.T) {
		// Another machine class: not comparable, so recorded for this one.
		res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, baselineLoad(sleepy(10*time.Millisecond), other)) })
		if res.Failed {
			t.Errorf("a baseline of another machine failed the check:\n%s", res.Output())
		}
		if w := "runs on other machines (plan9/386, 1 CPUs, GOMAXPROCS 1) do not compare with this one; commit the file"; !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
		if f := readBaseline(t, other); len(f.Machines) != 2 || f.Machines[1].Report.Latencies.P99 != "10ms" {
			t.Errorf("baseline = %+v, want this machine added with p99 10ms", f)
		}
		// Now this machine's entry is used.
		wantProblems(t, baselineLoad(sleepy(30*time.Millisecond), other), "p99 = 30ms, baseline 10ms, want ≤ 15ms (+50%)")

		// Another plan: rewrite the baseline.
		x := baselineLoad(sleepy(10*time.Millisecond), other)
		x.Users = 5
		wantProblems(t, x, `was recorded for "GET /items, 10 users at once, in process", this run is "GET /items, 5 users at once, in process": the runs are not comparable; rewrite it with JETTY_UPDATE_BASELINE=1`)

		for name, content := range map[string]string{
			"not JSON":     "{",
			"other format": `{"format": "v0"}`,
			"no report":    `{"format": "jetty load baseline v1", "machines": [{"machine": "m"}]}`,
		} {
			p := write(strings.ReplaceAll(name, " ", "-")+".json", content)
			wantProblems(t, baselineLoad(sleepy(time.Millisecond), p), "baseline "+p+": ", "; fix or delete the file, or rewrite it with JETTY_UPDATE_BASELINE=1")
		}
	})

	t.Run("update", func(t *testing.T) {
		t.Setenv("JETTY_UPDATE_BASELINE", "1")
		synctest.Test(t, func(t *testing.T) {
			for _, users := range []int{5, 10} {
				x := baselineLoad(sleepy(30*time.Millisecond), other)
				x.Users = users
				if err := x.Verify(t.Context()); err != nil {
					t.Fatalf("JETTY_UPDATE_BASELINE=1: %v", err)
				}
			}
			f := readBaseline(t, other)
			if f.Run != "GET /items, 10 users at once, in process" || len(f.Machines) != 1 || f.Machines[0].Report.Latencies.P99 != "30ms" {
				t.Errorf("after JETTY_UPDATE_BASELINE=1: %+v, want only this machine's 30ms run", f)
			}
		})
	})
}

// TestLoadBaselineInTestdata shows a relative Baseline kept in the
// package's testdata directory, and a failed run recorded as nothing.
func TestLoadBaselineInTestdata(t *testing.T) {
	t.Chdir(t.TempDir())
	synctest.Test(t, func(t *testing.T) {
		x := baselineLoad(sleepy(10*time.Millisecond), "items.json")
		x.Budget.Max = 5 * time.Millisecond
		wantProblems(t, x, "max = 10ms, want ≤ 5ms")
		if _, err := os.Stat(filepath.Join("testdata", "items.json")); err == nil {
			t.Errorf("a run that failed its budget was recorded as the baseline")
		}
		if err := baselineLoad(sleepy(10*time.Millisecond), "items.json").Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
		readBaseline(t, filepath.Join("testdata", "items.json"))
	})
}

// TestLoadBaselineOverLoopback loads a real server: a handler made slower
// by far more than any scheduler's noise fails; the same handler passes at
// a generous tolerance.
func TestLoadBaselineOverLoopback(t *testing.T) {
	var delay atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(delay.Load()))
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "items.json")
	x := scenario.WithShort(scenario.Load{Target: scenario.URL(srv.URL), Users: 10, Request: scenario.Request{Method: "GET", Path: "/items"}, Baseline: path}, false) // -short compares nothing
	delay.Store(int64(50 * time.Millisecond))
	if err := x.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f := readBaseline(t, path); f.Run != "GET /items, 10 users at once, over loopback" {
		t.Errorf("baseline run = %q", f.Run)
	}
	same := x
	same.Tolerance = 3 // 200ms of noise on a 50ms handler, in both of two runs
	if err := same.Verify(context.Background()); err != nil {
		t.Errorf("the same handler over loopback: %v", err)
	}
	delay.Store(int64(500 * time.Millisecond)) // 10× slower
	wantProblems(t, x, "in both of two runs: p99 = ", "baseline ", "(+50%)")
}

func TestLoadBaselineBadConfiguration(t *testing.T) {
	for _, c := range []struct {
		x    scenario.Load
		want string
	}{
		{scenario.Load{Tolerance: -1, Baseline: "x.json"}, "Tolerance = -1: want 0 or more (0.5 = 50%), or 0 for the default (0.5)"},
		{scenario.Load{Tolerance: 0.2}, "Tolerance = 0.2 without Baseline: set Baseline"},
	} {
		c.x.Target = scenario.Handler(sleepy(0))
		wantProblems(t, c.x, c.want)
	}
}
