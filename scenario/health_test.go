package scenario_test

import (
	"context"
	"fmt"
	"io"
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

// healthApp has a database that can go down; its flags break it in the
// ways HealthCheck must catch.
type healthApp struct {
	alwaysReady bool          // readiness ignores the database
	liveOnDB    bool          // liveness checks the database too
	sticky      bool          // readiness stays 503 once it saw the database down
	slow        time.Duration // every health answer takes this long
	noReady     bool          // no readiness endpoint: 404
	noStatus    bool          // JSON without a status field
	lies        bool          // 503 readiness says "pass"
	dbDown      atomic.Bool
}

func (a *healthApp) handler() http.Handler {
	var sawDown atomic.Bool
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, ok bool) {
		time.Sleep(a.slow)
		w.Header().Set("Content-Type", "application/health+json")
		st, code := "pass", http.StatusOK
		if !ok {
			st, code = "fail", http.StatusServiceUnavailable
			if a.lies {
				st = "pass"
			}
		}
		w.WriteHeader(code)
		if a.noStatus {
			fmt.Fprint(w, `{"checks":{}}`)
			return
		}
		fmt.Fprintf(w, `{"status":%q}`, st)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		answer(w, !a.liveOnDB || !a.dbDown.Load())
	})
	if !a.noReady {
		mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
			if a.dbDown.Load() {
				sawDown.Store(true)
			}
			answer(w, a.alwaysReady || !a.dbDown.Load() && !(a.sticky && sawDown.Load()))
		})
	}
	return mux
}

func (a *healthApp) scenario(url bool, t *testing.T) scenario.HealthCheck {
	target := scenario.Handler(a.handler())
	if url {
		srv := httptest.NewServer(a.handler())
		t.Cleanup(srv.Close)
		target = scenario.URL(srv.URL)
	}
	return scenario.HealthCheck{
		Target: target,
		Dependencies: []scenario.Dependency{{
			Name: "database",
			Down: func() { a.dbDown.Store(true) },
			Up:   func() { a.dbDown.Store(false) },
		}},
	}
}

func TestHealthCheckPassesCorrectApp(t *testing.T) {
	t.Parallel()
	for _, url := range []bool{false, true} {
		t.Run(fmt.Sprintf("url=%v", url), func(t *testing.T) {
			a := &healthApp{}
			if err := a.scenario(url, t).Verify(context.Background()); err != nil {
				t.Fatalf("Verify on a correct app: %v", err)
			}
			if a.dbDown.Load() {
				t.Error("the database was left down: HealthCheck must call Up")
			}
		})
	}
}

func TestHealthCheckCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		app  *healthApp
		want []string
	}{
		{"always ready with the database down", &healthApp{alwaysReady: true}, []string{
			"GET /readyz with database down = 200, want 503: readiness must check database",
		}},
		{"liveness fails with the database down", &healthApp{liveOnDB: true}, []string{
			"GET /healthz with database down = 503, want 200: liveness must not depend on database",
		}},
		{"readiness never recovers", &healthApp{sticky: true}, []string{
			"GET /readyz after database is back up = 503, want 200: readiness must recover",
		}},
		{"no readiness endpoint", &healthApp{noReady: true}, []string{
			"GET /readyz = 404, want 200: add a readiness endpoint at /readyz",
		}},
		{"JSON without status", &healthApp{noStatus: true}, []string{
			`GET /healthz answers JSON without a "status" field`,
		}},
		{"status contradicts the code", &healthApp{lies: true}, []string{
			`GET /readyz with database down = 503 but its status says "pass"`,
		}},
	} {
		for _, url := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/url=%v", tc.name, url), func(t *testing.T) {
				tc.app.dbDown.Store(false)
				got := verifyProblems(t, tc.app.scenario(url, t))
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("problems do not contain %q:\n%s", w, got)
					}
				}
			})
		}
	}
}

func TestHealthCheckSlowEndpoint(t *testing.T) {
	t.Parallel()
	// In a synctest bubble the handler's sleep advances a virtual clock, so
	// the latency measured is exactly the sleep.
	synctest.Test(t, func(t *testing.T) {
		a := &healthApp{slow: time.Second}
		got := verifyProblems(t, a.scenario(false, t))
		if !strings.Contains(got, "GET /healthz took 1s, want ≤ 500ms: a health endpoint must answer fast") {
			t.Errorf("problems:\n%s", got)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		a := &healthApp{slow: 30 * time.Millisecond}
		x := a.scenario(false, t)
		x.MaxLatency = 10 * time.Millisecond
		got := verifyProblems(t, x)
		if !strings.Contains(got, "GET /readyz with database down took 30ms, want ≤ 10ms") {
			t.Errorf("problems:\n%s", got)
		}
		x.MaxLatency = 40 * time.Millisecond
		if err := x.Verify(context.Background()); err != nil {
			t.Errorf("Verify with MaxLatency 40ms on a 30ms endpoint: %v", err)
		}
	})
}

func TestHealthCheckSingleEndpoint(t *testing.T) {
	t.Parallel()
	a := &healthApp{}
	x := a.scenario(false, t)
	x.Ready = "/healthz"
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	// /healthz does not check the database: as readiness it must fail.
	if !res.Failed || !strings.Contains(res.ErrorText(), "GET /healthz with database down = 200, want 503") {
		t.Errorf("failed=%v\n%s", res.Failed, res.Output())
	}
	if !strings.Contains(res.Output(), "the check that liveness stays 200 during an outage was skipped") {
		t.Errorf("log does not say the liveness check was skipped:\n%s", res.Output())
	}
}

func TestHealthCheckThroughJettyCheck(t *testing.T) {
	t.Parallel()
	a := &healthApp{}
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, a.scenario(false, t)) })
	if res.Failed {
		t.Fatalf("jetty.Check on a correct app failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"When database is down",
		"Then GET /readyz answers 503",
		"But GET /healthz still answers 200",
		`GET /readyz with database down = 503 in`,
		"GET /readyz after database is back up = 200",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}

	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, scenario.HealthCheck{Target: scenario.Handler((&healthApp{}).handler())})
	})
	if res.Failed || !strings.Contains(res.Output(), "no Dependencies declared: readiness was checked only with everything up") {
		t.Errorf("without dependencies: failed=%v\n%s", res.Failed, res.Output())
	}

	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, (&healthApp{alwaysReady: true}).scenario(false, t))
	})
	if !res.Failed || !strings.Contains(res.ErrorText(), "GET /readyz with database down = 200, want 503") {
		t.Errorf("jetty.Check on an always-ready app: failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestHealthCheckBadConfiguration(t *testing.T) {
	t.Parallel()
	ok := scenario.Handler((&healthApp{}).handler())
	for _, tc := range []struct {
		name string
		x    scenario.HealthCheck
		want string
	}{
		{"zero target", scenario.HealthCheck{}, "no target: set Target"},
		{"negative latency", scenario.HealthCheck{Target: ok, MaxLatency: -time.Second}, "MaxLatency = -1s: want a positive duration"},
		{"bad path", scenario.HealthCheck{Target: ok, Live: "healthz"}, `Live = "healthz": want a path starting with /`},
		{"nil down", scenario.HealthCheck{Target: ok, Dependencies: []scenario.Dependency{{Name: "db", Up: func() {}}}}, "Dependencies[0] (db) has a nil Down or Up"},
		{"panicking down", scenario.HealthCheck{Target: ok, Dependencies: []scenario.Dependency{{Down: func() { panic("no db") }, Up: func() {}}}}, "Dependencies[0] (dependency #1).Down panicked: no db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

// healthAnswers is a health endpoint pair whose answers the test sets:
// live and ready give the status code and body (Content-Type
// application/health+json) with the database up and down.
func healthAnswers(live, readyUp, readyDown func(w http.ResponseWriter)) (scenario.HealthCheck, *atomic.Bool) {
	var down atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { live(w) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			readyDown(w)
			return
		}
		readyUp(w)
	})
	return scenario.HealthCheck{Target: scenario.Handler(mux), Dependencies: []scenario.Dependency{{
		Name: "database", Down: func() { down.Store(true) }, Up: func() { down.Store(false) },
	}}}, &down
}

func healthAnswer(code int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if body != "" {
			w.Header().Set("Content-Type", "application/health+json")
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// What draft-inadarei-api-health-check and Kubernetes probes say of the
// answers: any 2xx or 3xx is healthy (Kubernetes: 200 ≤ code < 400; the
// draft: "pass" and "warn" in 2xx-3xx, "fail" in 4xx-5xx); status is one
// of pass, fail, warn (case-insensitive, with the aliases ok, up, error,
// down) in application/health+json; a failing readiness body whose checks
// all pass contradicts its code.
func TestHealthCheckFollowsTheDraftAndKubernetes(t *testing.T) {
	t.Parallel()
	pass, fail := healthAnswer(200, `{"status":"pass"}`), healthAnswer(503, `{"status":"fail"}`)
	for _, tc := range []struct {
		name                  string
		live, readyUp, readyD func(http.ResponseWriter)
		want                  string // "" passes
	}{
		{"204 No Content liveness", healthAnswer(204, ""), pass, fail, ""},
		{"warn is healthy", healthAnswer(200, `{"status":"WARN","output":"disk 85% full"}`), pass, fail, ""},
		{"aliases", healthAnswer(200, `{"status":"up"}`), healthAnswer(200, `{"status":"ok"}`), healthAnswer(503, `{"status":"down"}`), ""},
		{"checks agree", pass, pass, healthAnswer(503, `{"status":"fail","checks":{"database:responseTime":[{"status":"fail"}]}}`), ""},
		{"warn with 503", pass, pass, healthAnswer(503, `{"status":"warn"}`), `GET /readyz with database down = 503 but its status says "warn"`},
		{"pass with 404", healthAnswer(404, `{"status":"pass"}`), pass, fail, `GET /healthz = 404 but its status says "pass"`},
		{"unknown status", healthAnswer(200, `{"status":"green-ish"}`), pass, fail, `GET /healthz answers application/health+json with status "green-ish": want "pass", "warn" or "fail"`},
		{"checks all pass while failing", pass, pass, healthAnswer(503, `{"status":"fail","checks":{"database:responseTime":[{"status":"pass"}]}}`), `but every check in its body says "pass"`},
		{"checks not arrays", pass, healthAnswer(200, `{"status":"pass","checks":{"database":{"status":"pass"}}}`), fail, `has a check "database" that is not an array of objects`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, _ := healthAnswers(tc.live, tc.readyUp, tc.readyD)
			if tc.want == "" {
				if err := x.Verify(t.Context()); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantProblems(t, x, tc.want)
		})
	}
}

// A HealthCheck without Dependencies passes on what it tried and says, as
// not proven, what it could not: readiness following a dependency.
func TestHealthCheckWithoutDependenciesIsNotProven(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, scenario.HealthCheck{Target: scenario.Handler((&healthApp{}).handler())})
	})
	want := "not proven: readiness turns 503 while a dependency is down and 200 when it is back: no Dependencies declared"
	if res.Failed || !strings.Contains(res.Output(), want) || !strings.Contains(res.Output(), "set Dependencies") {
		t.Errorf("failed=%v, want %q and the field:\n%s", res.Failed, want, res.Output())
	}
	a := &healthApp{}
	x := a.scenario(false, t)
	x.Ready = "/healthz"
	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if want := "not proven: liveness stays 200 while a dependency is down"; !strings.Contains(res.Output(), want) || !strings.Contains(res.Output(), "set Ready") {
		t.Errorf("output lacks %q and the field:\n%s", want, res.Output())
	}
}

// Kubernetes probes send no credentials: a health endpoint behind
// authentication is told so.
func TestHealthCheckBehindAuthentication(t *testing.T) {
	t.Parallel()
	x, _ := healthAnswers(healthAnswer(401, ""), healthAnswer(200, `{"status":"pass"}`), healthAnswer(503, `{"status":"fail"}`))
	wantProblems(t, x, "GET /healthz = 401, want 200: probes send no credentials: serve the health endpoints without authentication")
}
