package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// errApp is an application with a panicking route and a failing query; its
// flags break it in the ways ErrorHandling must catch.
type errApp struct {
	noRecovery  bool // bare net/http: the panic drops the connection
	stackInBody bool // recovery writes debug.Stack()
	valueInBody bool // recovery writes the panic value
	noID        bool // no request ID anywhere
	idInBody    bool // the request ID in the body, not the header
	sqlInBody   bool // the failing query's error text in the body
	noReport    bool // the panic is not reported to the tracker
	dies        bool // after a panic, answers 503 to everything
	boomIs200   bool // the trigger does not fail at all
}

func (a errApp) handler(capture func(any)) http.Handler {
	var ids atomic.Int64
	var dead atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		if a.boomIs200 {
			fmt.Fprint(w, "fine")
			return
		}
		var m map[string]int
		//lint:ignore SA5000 the handler panics on purpose
		m["x"]++ // assignment to entry in nil map
	})
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		err := errors.New(`SQL logic error: near "FROM": syntax error (1)`)
		if capture != nil {
			capture(err)
		}
		id := r.Header.Get("X-Test-Id")
		if a.sqlInBody {
			http.Error(w, "query failed: SELECT * FROM notes WHERE title LIKE '%"+r.URL.Query().Get("q")+"': "+err.Error(), http.StatusInternalServerError)
			return
		}
		errWrite(w, id, a.noID)
	})
	if a.noRecovery {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.dies && dead.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		id := fmt.Sprintf("req-%06d", ids.Add(1))
		r.Header.Set("X-Test-Id", id)
		if !a.noID && !a.idInBody {
			w.Header().Set("X-Request-Id", id)
		}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			dead.Store(true)
			if capture != nil && !a.noReport {
				capture(p)
			}
			switch {
			case a.stackInBody:
				http.Error(w, fmt.Sprintf("panic: %v\n\n%s", p, debug.Stack()), http.StatusInternalServerError)
			case a.valueInBody:
				http.Error(w, fmt.Sprintf("internal error: %v", p), http.StatusInternalServerError)
			default:
				errWrite(w, id, a.noID)
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

func errWrite(w http.ResponseWriter, id string, noID bool) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	if noID {
		fmt.Fprint(w, `{"error":"internal error"}`)
		return
	}
	fmt.Fprintf(w, `{"error":"internal error","request_id":%q}`, id)
}

func errScenario(a errApp, url bool, t *testing.T) scenario.ErrorHandling {
	tracker := scenario.NewTracker()
	target := scenario.HandlerFunc(func() http.Handler { return a.handler(tracker.Capture) })
	if url {
		srv := httptest.NewUnstartedServer(a.handler(tracker.Capture))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the dropped-connection case logs the panic
		srv.Start()
		t.Cleanup(srv.Close)
		target = scenario.URL(srv.URL)
	}
	return scenario.ErrorHandling{
		Target:   target,
		Triggers: []scenario.ErrorTrigger{{Path: "/boom"}, {Path: "/search?q=x"}},
		Tracker:  tracker,
	}
}

func TestErrorHandlingPassesCorrectApp(t *testing.T) {
	t.Parallel()
	for _, a := range []errApp{{}, {idInBody: true}} {
		for _, url := range []bool{false, true} {
			t.Run(fmt.Sprintf("idInBody=%v/url=%v", a.idInBody, url), func(t *testing.T) {
				if err := errScenario(a, url, t).Verify(context.Background()); err != nil {
					t.Fatalf("Verify on a correct app: %v", err)
				}
			})
		}
	}
}

func TestErrorHandlingCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		app  errApp
		want []string
	}{
		{"no recovery", errApp{noRecovery: true}, []string{
			"GET /boom = no response (the connection was dropped), want 500: the handler panicked and the server closed the connection (bare net/http recovers that way); add recovery middleware that answers 500",
		}},
		{"stack trace in the body", errApp{stackInBody: true}, []string{
			`GET /boom = 500, and its body leaks a goroutine stack trace ("`,
			"GET /boom = 500, and its body leaks a Go panic message",
			"GET /boom = 500, and its body leaks a source file and line",
			"answer a generic message and log the details server side (ASVS 16.5.1; CWE-209)",
		}},
		{"panic value in the body", errApp{valueInBody: true}, []string{
			`GET /boom = 500, and its body leaks the panic value or error "assignment to entry in nil map"`,
		}},
		{"no request ID", errApp{noID: true}, []string{
			"GET /boom = 500 without a request ID: set the X-Request-Id header (or put request_id in the body)",
			"GET /search?q=x = 500 without a request ID",
		}},
		{"SQL in the body", errApp{sqlInBody: true}, []string{
			`GET /search?q=x = 500, and its body leaks SQL text ("`,
			`GET /search?q=x = 500, and its body leaks a database error (`,
		}},
		{"panic not reported", errApp{noReport: true}, []string{
			"GET /boom failed but nothing reached the error tracker: call Tracker.Capture",
		}},
		{"stops serving after a panic", errApp{dies: true}, []string{
			"GET /healthz after the failures = 503, want 2xx as before them: the app stopped serving after a failure",
		}},
		{"trigger does not fail", errApp{boomIs200: true}, []string{
			"GET /boom = 200, want 500: a failure must answer 500",
		}},
	} {
		for _, url := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/url=%v", tc.name, url), func(t *testing.T) {
				got := verifyProblems(t, errScenario(tc.app, url, t))
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("problems do not contain %q:\n%s", w, got)
					}
				}
			})
		}
	}
}

func TestErrorHandlingWithoutTrackerSaysSo(t *testing.T) {
	t.Parallel()
	x := errScenario(errApp{noReport: true}, false, t)
	x.Tracker = nil
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed {
		t.Fatalf("jetty.Check without a Tracker failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"the error-tracker check was skipped: set Tracker",
		"Then it answers a generic 500 with a request ID and no internals",
		"GET /boom = 500",
		`request ID X-Request-Id = "req-`,
		"GET /healthz after the failures = 200",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}
}

func TestErrorHandlingThroughJettyCheck(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, errScenario(errApp{noRecovery: true}, false, t))
	})
	if !res.Failed || !strings.Contains(res.ErrorText(), "add recovery middleware that answers 500") {
		t.Errorf("jetty.Check on an app without recovery: failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestErrorHandlingBadConfiguration(t *testing.T) {
	t.Parallel()
	ok := scenario.Handler(errApp{}.handler(nil))
	for _, tc := range []struct {
		name string
		x    scenario.ErrorHandling
		want string
	}{
		{"zero target", scenario.ErrorHandling{Triggers: []scenario.ErrorTrigger{{Path: "/boom"}}}, "no target: set Target"},
		{"no triggers", scenario.ErrorHandling{Target: ok}, "no Triggers: list at least one request"},
		{"bad path", scenario.ErrorHandling{Target: ok, Triggers: []scenario.ErrorTrigger{{Path: "boom"}}}, `Triggers[0].Path = "boom": want a path starting with /`},
		{"bad status", scenario.ErrorHandling{Target: ok, Triggers: []scenario.ErrorTrigger{{Path: "/boom", Status: 200}}}, "Triggers[0].Status = 200: a failure answers a 5xx status"},
		{"no healthy route", scenario.ErrorHandling{Target: ok, Triggers: []scenario.ErrorTrigger{{Path: "/boom"}}, Healthy: "/nope"}, "GET /nope before any failure = 404, want 2xx: set Healthy to a route that answers 2xx"},
		{"nil build", scenario.ErrorHandling{Target: scenario.HandlerFunc(func() http.Handler { return nil }), Triggers: []scenario.ErrorTrigger{{Path: "/boom"}}}, "build returned a nil handler"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

func TestErrorHandlingTrackerZeroValue(t *testing.T) {
	t.Parallel()
	var tr scenario.Tracker
	tr.Capture("a")
	tr.Capture(errors.New("b"))
	if got := fmt.Sprint(tr.Captured()); got != "[a b]" {
		t.Errorf("Captured() = %s, want [a b]", got)
	}
}

func init() {
	layer := func(a errApp) func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
		return func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			x := errScenario(a, false, t)
			tracker := x.Tracker
			x.Target = scenario.HandlerFunc(func() http.Handler { return wrap(a.handler(tracker.Capture)) })
			return x
		}
	}
	registerLayers(
		layerCase{name: "ErrorHandling/correct", make: layer(errApp{})},
		layerCase{name: "ErrorHandling/broken", broken: true, make: layer(errApp{valueInBody: true, noReport: true, sqlInBody: true})},
	)
}

// Issue 11 item 5: a 500 whose body is the raw error passes once a request
// ID header is set. Each body below is what a handler writes with
// http.Error(w, err.Error(), 500) or the panic value; the twin writes a
// generic message.
func TestErrorHandlingRawErrorWithRequestID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, want string }{
		{"connecting to db-primary.internal:5432 as app_rw failed: dial tcp 10.0.0.5:5432: connect: connection refused", "its body leaks a host and port"},
		{"connecting to db-primary.internal:5432 as app_rw failed: dial tcp 10.0.0.5:5432: connect: connection refused", "its body leaks a dial or connect error"},
		{"open /var/lib/app/config.yaml: permission denied", "its body leaks a file path"},
		{"loading order 42: querying orders: scanning row: sql: no rows in result set", "its body leaks a Go error chain"},
		{"internal error: assignment to entry in nil map", "its body leaks a Go runtime panic value"},
		{"Something went wrong. Quote the request ID to support.", ""},
	} {
		h := http.NewServeMux()
		h.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
		h.HandleFunc("GET /orders", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "req-000042")
			http.Error(w, tc.body, http.StatusInternalServerError)
		})
		x := scenario.ErrorHandling{Target: scenario.Handler(h), Triggers: []scenario.ErrorTrigger{{Path: "/orders"}}}
		err := x.Verify(context.Background())
		if tc.want == "" {
			if err != nil {
				t.Errorf("a generic body: %v", err)
			}
			continue
		}
		if got := verifyProblems(t, x); !strings.Contains(got, "GET /orders = 500, and "+tc.want) {
			t.Errorf("%q: problems lack %q:\n%s", tc.body, tc.want, got)
		}
	}
}
