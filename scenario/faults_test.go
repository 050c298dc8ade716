package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// Modes of fltUpstream.
const (
	fltUp int32 = iota
	fltFailing
	fltHanging
)

// fltUpstream is a fake dependency that can fail or hang. A hung call
// waits for its context, so no goroutine outlives a test.
type fltUpstream struct{ mode atomic.Int32 }

func (u *fltUpstream) call(ctx context.Context) (string, error) {
	switch u.mode.Load() {
	case fltFailing:
		return "", errors.New("dial tcp 10.0.0.5:5432: connect: connection refused")
	case fltHanging:
		<-ctx.Done()
		return "", ctx.Err()
	}
	return `{"orders":[]}`, nil
}

// fltApp calls its upstream on GET /orders; its flags break it in the ways
// Faults must catch.
type fltApp struct {
	noTimeout bool          // calls the upstream without a deadline
	rawError  bool          // answers 500 with the raw error
	leak502   bool          // answers 502 with the raw error
	panics    bool          // panics on the upstream's error
	sticky    bool          // once the upstream failed, answers 503 forever
	timeout   time.Duration // its timeout on upstream calls; default 50ms
	up        fltUpstream
}

func (a *fltApp) handler() http.Handler {
	var broken atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, r *http.Request) {
		if a.sticky && broken.Load() {
			http.Error(w, "service temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		ctx := r.Context()
		if !a.noTimeout {
			d := a.timeout
			if d == 0 {
				d = 50 * time.Millisecond
			}
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		body, err := a.up.call(ctx)
		if err != nil {
			broken.Store(true)
			switch {
			case a.panics:
				panic(err)
			case a.rawError:
				http.Error(w, "upstream: "+err.Error(), http.StatusInternalServerError)
			case a.leak502:
				http.Error(w, "upstream: "+err.Error(), http.StatusBadGateway)
			default:
				w.Header().Set("Retry-After", "5")
				http.Error(w, "service temporarily unavailable", http.StatusServiceUnavailable)
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	})
	return mux
}

func (a *fltApp) scenario(t *testing.T, url bool) scenario.Faults {
	target := scenario.Handler(a.handler())
	if url {
		srv := httptest.NewUnstartedServer(a.handler())
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the panicking app's traces
		srv.Start()
		t.Cleanup(srv.Close)
		target = scenario.URL(srv.URL)
	}
	heal := func() { a.up.mode.Store(fltUp) }
	return scenario.Faults{
		Target: target,
		Dependencies: []scenario.Dependency{
			{Name: "payments", Down: func() { a.up.mode.Store(fltFailing) }, Up: heal},
			{Name: "inventory", Down: func() { a.up.mode.Store(fltHanging) }, Up: heal},
		},
		Requests: []scenario.Request{{Path: "/orders"}},
		Healthy:  "/healthz",
	}
}

var fltBroken = []struct {
	name string
	app  func() *fltApp
	want []string
}{
	{"no timeout", func() *fltApp { return &fltApp{noTimeout: true} }, []string{
		"GET /orders hung for 2s while inventory was down: set timeouts on calls to inventory (context.WithTimeout)",
	}},
	{"raw error in a 500", func() *fltApp { return &fltApp{rawError: true} }, []string{
		"GET /orders while payments was down = 500, want 502, 503, 504, 429 or 2xx: a dependency failure is not an internal error",
		`GET /orders while payments was down = 500, and its body leaks a network error ("upstream: dial tcp`,
		`GET /orders while inventory was down = 500, and its body leaks a Go context error`,
	}},
	{"raw error in a 502", func() *fltApp { return &fltApp{leak502: true} }, []string{
		`GET /orders while payments was down = 502, and its body leaks a network error`,
	}},
	{"panic", func() *fltApp { return &fltApp{panics: true} }, []string{
		"GET /orders while payments was down = no response (the connection was dropped), want 502, 503, 504, 429 or 2xx: the handler crashed",
	}},
	{"never recovers", func() *fltApp { return &fltApp{sticky: true} }, []string{
		"GET /orders after payments was healed = 503, want 2xx or 3xx: the app stays failed after payments recovered (sticky failure)",
		"GET /orders after inventory was healed = 503, want 2xx or 3xx",
	}},
}

func TestFaultsPassesCorrectApp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		a := &fltApp{}
		if err := a.scenario(t, false).Verify(context.Background()); err != nil {
			t.Fatalf("Verify on a correct app: %v", err)
		}
		if a.up.mode.Load() != fltUp {
			t.Error("the upstream was left faulty: Faults must call Up")
		}
	})
	t.Run("url", func(t *testing.T) {
		a := &fltApp{timeout: 10 * time.Millisecond}
		x := a.scenario(t, true)
		x.MaxLatency = time.Second
		if err := x.Verify(context.Background()); err != nil {
			t.Fatalf("Verify on a correct app: %v", err)
		}
	})
}

func TestFaultsCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	for _, tc := range fltBroken {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a := tc.app()
				got := verifyProblems(t, a.scenario(t, false))
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("problems do not contain %q:\n%s", w, got)
					}
				}
			})
		})
	}
}

func TestFaultsCatchesBrokenAppsOverURL(t *testing.T) {
	t.Parallel()
	for _, tc := range fltBroken {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.app()
			a.timeout = 10 * time.Millisecond
			x := a.scenario(t, true)
			x.MaxLatency = 300 * time.Millisecond
			got := verifyProblems(t, x)
			for _, w := range tc.want {
				w = strings.ReplaceAll(w, "hung for 2s", "hung for 300ms")
				if !strings.Contains(got, w) {
					t.Errorf("problems do not contain %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestFaultsSlowTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// The app has a timeout, but a longer one than MaxLatency allows.
		a := &fltApp{timeout: 2500 * time.Millisecond}
		got := verifyProblems(t, a.scenario(t, false))
		if !strings.Contains(got, "GET /orders while inventory was down took 2.5s, want ≤ 2s: set shorter timeouts on calls to inventory") {
			t.Errorf("problems:\n%s", got)
		}
		if strings.Contains(got, "payments") {
			t.Errorf("a failing (not hanging) payments answers fast, yet:\n%s", got)
		}
	})
}

func TestFaultsAbandonsHandlerIgnoringItsContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var hang atomic.Bool
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hang.Load() {
				<-release // ignores r.Context(): only Up releases it
			}
		})
		x := scenario.Faults{
			Target:       scenario.Handler(h),
			Dependencies: []scenario.Dependency{{Name: "db", Down: func() { hang.Store(true) }, Up: func() { hang.Store(false); close(release) }}},
			Requests:     []scenario.Request{{Path: "/"}},
		}
		got := verifyProblems(t, x)
		if !strings.Contains(got, "GET / hung for 2s while db was down, and its handler still had not returned after its context was cancelled") {
			t.Errorf("problems:\n%s", got)
		}
		synctest.Wait()
	})
}

func TestFaultsExpect(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		a := &fltApp{}
		x := a.scenario(t, false)
		x.Expect = []int{200}
		got := verifyProblems(t, x)
		if !strings.Contains(got, "GET /orders while payments was down = 503, want 200: answer 503") {
			t.Errorf("problems:\n%s", got)
		}
		x.Expect = []int{503}
		if err := x.Verify(context.Background()); err != nil {
			t.Errorf("Expect 503 on an app answering 503: %v", err)
		}
	})
}

func TestFaultsThroughJettyCheck(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, (&fltApp{}).scenario(t, false)) })
		if res.Failed {
			t.Fatalf("jetty.Check on a correct app failed:\n%s", res.Output())
		}
		for _, w := range []string{
			"When payments fails",
			"Then every request answers 502, 503, 504, 429 or 2xx within 2s and leaks nothing",
			"GET /orders while inventory was down = 503 in 50ms",
			"When inventory is healed",
			"GET /orders after inventory was healed = 200",
			"GET /healthz before any fault = 200",
		} {
			if !strings.Contains(res.Output(), w) {
				t.Errorf("log does not contain %q:\n%s", w, res.Output())
			}
		}
		res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, (&fltApp{rawError: true}).scenario(t, false)) })
		if !res.Failed || !strings.Contains(res.ErrorText(), "GET /orders while payments was down = 500, want 502, 503, 504, 429 or 2xx") {
			t.Errorf("jetty.Check on a raw-error app: failed=%v\n%s", res.Failed, res.Output())
		}
	})
}

func TestFaultsBadConfiguration(t *testing.T) {
	t.Parallel()
	ok := scenario.Handler((&fltApp{}).handler())
	dep := []scenario.Dependency{{Name: "db", Down: func() {}, Up: func() {}}}
	reqs := []scenario.Request{{Path: "/orders"}}
	for _, tc := range []struct {
		name string
		x    scenario.Faults
		want string
	}{
		{"zero target", scenario.Faults{Dependencies: dep, Requests: reqs}, "no target: set Target"},
		{"no dependencies", scenario.Faults{Target: ok, Requests: reqs}, "no Dependencies: list the faults to inject"},
		{"no requests", scenario.Faults{Target: ok, Dependencies: dep}, "no Requests: list what users do"},
		{"nil heal", scenario.Faults{Target: ok, Requests: reqs, Dependencies: []scenario.Dependency{{Down: func() {}}}}, "Dependencies[0] (dependency #1) has a nil Down or Up"},
		{"bad path", scenario.Faults{Target: ok, Dependencies: dep, Requests: []scenario.Request{{Path: "orders"}}}, `Requests[0].Path = "orders": want a path starting with /`},
		{"expect 500", scenario.Faults{Target: ok, Dependencies: dep, Requests: reqs, Expect: []int{500}}, "Expect lists 500"},
		{"expect nonsense", scenario.Faults{Target: ok, Dependencies: dep, Requests: reqs, Expect: []int{42}}, "Expect lists 42: want HTTP statuses"},
		{"negative latency", scenario.Faults{Target: ok, Dependencies: dep, Requests: reqs, MaxLatency: -time.Second}, "MaxLatency = -1s: want a positive duration"},
		{"bad healthy", scenario.Faults{Target: ok, Dependencies: dep, Requests: reqs, Healthy: "healthz"}, `Healthy = "healthz": want a path starting with /`},
		{"failing baseline", scenario.Faults{Target: ok, Dependencies: dep, Requests: []scenario.Request{{Path: "/nope"}}}, "GET /nope before any fault = 404, want 2xx or 3xx: Requests[0] must succeed while everything is well"},
		{"panicking inject", scenario.Faults{Target: ok, Requests: reqs, Dependencies: []scenario.Dependency{{Name: "db", Down: func() { panic("boom") }, Up: func() {}}}}, "Dependencies[0] (db).Down panicked: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

func init() {
	layer := func(a func() *fltApp) func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
		return func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			app := a()
			x := app.scenario(t, false)
			x.Target = scenario.Handler(wrap(app.handler()))
			return x
		}
	}
	registerLayers(
		layerCase{name: "Faults/correct", bubble: true, make: layer(func() *fltApp { return &fltApp{} })},
		layerCase{name: "Faults/broken", bubble: true, broken: true, make: layer(func() *fltApp { return &fltApp{rawError: true, sticky: true} })},
	)
}

// Issue 10 item 6: every request hangs until the caller's deadline, which
// comes before MaxLatency: Faults must fail, not pass.
func TestFaultsCallersDeadlineIsNoPass(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var hang atomic.Bool
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hang.Load() {
				<-r.Context().Done()
				return
			}
			fmt.Fprint(w, "ok")
		})
		x := scenario.Faults{
			Target:       scenario.Handler(h),
			Dependencies: []scenario.Dependency{{Name: "db", Down: func() { hang.Store(true) }, Up: func() { hang.Store(false) }}},
			Requests:     []scenario.Request{{Path: "/"}},
			MaxLatency:   5 * time.Second,
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := x.Verify(ctx)
		if err == nil {
			t.Fatal("Verify passed although every request during the fault hung until the caller's deadline")
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Verify = %v, want an error that wraps context.DeadlineExceeded", err)
		}
		if !strings.Contains(err.Error(), "GET / while db was down") {
			t.Errorf("the problem does not name the request that hung:\n%v", err)
		}
		if hang.Load() {
			t.Error("Up was not called after the caller's deadline")
		}
	})
}

// Issue 10 item 4: a response cut off mid-body counts as a failure, in the
// baseline, during a fault and after it, in process and over a URL.
func TestFaultsCutBodyIsAFailure(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		if !down.Load() {
			fmt.Fprint(w, strings.Repeat("x", 100))
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "service temporarily")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection drops mid-body
	})
	for _, url := range []bool{false, true} {
		t.Run(fmt.Sprintf("url=%v", url), func(t *testing.T) {
			target := scenario.Handler(h)
			if url {
				srv := httptest.NewUnstartedServer(h)
				srv.Config.ErrorLog = log.New(io.Discard, "", 0)
				srv.Start()
				t.Cleanup(srv.Close)
				target = scenario.URL(srv.URL)
			}
			x := scenario.Faults{
				Target:       target,
				Dependencies: []scenario.Dependency{{Name: "db", Down: func() { down.Store(true) }, Up: func() { down.Store(false) }}},
				Requests:     []scenario.Request{{Path: "/"}},
			}
			got := verifyProblems(t, x)
			if !strings.Contains(got, "GET / while db was down = 503 cut off mid-body (the connection was dropped), want 502, 503, 504, 429 or 2xx") {
				t.Errorf("problems:\n%s", got)
			}
		})
	}
}
