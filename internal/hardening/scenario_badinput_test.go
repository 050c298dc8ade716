package hardening_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/deadlines"
	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/loadtest"
	"github.com/jettymethod/jetty/scenario"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verifier is a ready-made scenario: its engine and its jetty.Scenario
// wrapper.
type verifier interface {
	jetty.Scenario
	Verify(ctx context.Context) error
}

// okHandler answers 200 to everything.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })

// creds is an AuthRequired Credentials function.
func creds(user string) http.Header { return http.Header{"Authorization": {"Bearer token-of-" + user}} }

// withTarget returns one of every ready-made scenario aimed at t, with
// every other required field set, so that the target is what is wrong.
func withTarget(t scenario.Target) []verifier {
	return []verifier{
		scenario.RateLimit{Target: t},
		scenario.AuditLog{Target: t, Source: scenario.NewLogRecorder()},
		scenario.Load{Target: t, Users: 2},
		scenario.AuthRequired{Target: t, Routes: []scenario.AuthRoute{{Path: "/notes/1", Owner: "alice"}}, Credentials: creds},
		scenario.ErrorHandling{Target: t, Triggers: []scenario.ErrorTrigger{{Path: "/boom"}}},
		scenario.HealthCheck{Target: t},
		scenario.SecurityHeaders{Target: t},
		scenario.Injection{Target: t, Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q", Path: "/search"}}, MaxPayloads: 1},
	}
}

// verifyNoPanic runs v's engine and its jetty.Check wrapper, failing t if
// either panics, and returns the engine's error and the wrapper's result.
func verifyNoPanic(t *testing.T, ctx context.Context, v verifier) (tbtest.Result, error) {
	t.Helper()
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("%T.Verify panicked: %v", v, p)
			}
		}()
		err = v.Verify(ctx)
	}()
	var panicked any
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		defer func() { panicked = recover() }()
		jetty.Check(tb, v)
	})
	if panicked != nil {
		t.Errorf("jetty.Check(%T) panicked: %v", v, panicked)
	}
	return res, err
}

// verifyNoPanicAtOnce is verifyNoPanic with the engine and the wrapper run
// at the same time, for checks that wait out a timeout.
func verifyNoPanicAtOnce(t *testing.T, ctx context.Context, v verifier) (tbtest.Result, error) {
	t.Helper()
	var (
		err      error
		panicked any
		res      tbtest.Result
		wg       sync.WaitGroup
	)
	wg.Go(func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("%T.Verify panicked: %v", v, p)
			}
		}()
		err = v.Verify(ctx)
	})
	wg.Go(func() {
		res = tbtest.Run(t, "inner", func(tb *tbtest.TB) {
			defer func() { panicked = recover() }()
			jetty.Check(tb, v)
		})
	})
	wg.Wait()
	if panicked != nil {
		t.Errorf("jetty.Check(%T) panicked: %v", v, panicked)
	}
	return res, err
}

// assertProblem asserts that err is a *scenario.Problems whose text has
// every want, and that the wrapper failed with the same text.
func assertProblem(t *testing.T, err error, res tbtest.Result, want ...string) {
	t.Helper()
	var probs *scenario.Problems
	if !assert.True(t, errors.As(err, &probs), "want *scenario.Problems, got %v", err) {
		return
	}
	for _, w := range want {
		assert.Contains(t, err.Error(), w)
	}
	assert.True(t, res.Failed, "jetty.Check must fail")
	for _, w := range want {
		assert.Contains(t, res.ErrorText(), w)
	}
}

func TestScenarioMisuseTargets(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target scenario.Target
		want   []string
	}{
		{"zero target", scenario.Target{}, []string{"Target", `scenario.URL("http://127.0.0.1:8080")`}},
		{"nil handler", scenario.Handler(nil), []string{"Target", `scenario.URL("http://127.0.0.1:8080")`}},
		{"build returns nil", scenario.HandlerFunc(func() http.Handler { return nil }), []string{"build returned a nil handler", "return your application's http.Handler"}},
		{"url without scheme", scenario.URL("127.0.0.1:8080/login"), []string{"127.0.0.1:8080/login", "such as http://127.0.0.1:8080"}},
		{"url that does not parse", scenario.URL("http://[::1"), []string{"http://[::1", "such as http://127.0.0.1:8080"}},
		{"remote url", scenario.URL("http://app.example.invalid/"), []string{"not a loopback host", ".AllowRemote()"}},
		{"private range is not loopback", scenario.URL("http://10.1.2.3:8080/"), []string{"not a loopback host", ".AllowRemote()"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range withTarget(tc.target) {
				t.Run(fmt.Sprintf("%T", v), func(t *testing.T) {
					start := time.Now()
					res, err := verifyNoPanic(t, t.Context(), v)
					assertProblem(t, err, res, tc.want...)
					assert.Less(t, time.Since(start), 2*time.Second, "refused before any request")
				})
			}
		})
	}
}

func TestScenarioMisuseFields(t *testing.T) {
	ok := scenario.Handler(okHandler)
	for _, tc := range []struct {
		name string
		v    verifier
		want []string
	}{
		{"negative attempts", scenario.RateLimit{Target: ok, Attempts: -3}, []string{"Attempts", "-3"}},
		{"negative window", scenario.RateLimit{Target: ok, Window: -time.Minute}, []string{"Window", "-1m0s"}},
		{"one-nanosecond lockout", scenario.RateLimit{Target: ok, Lockout: time.Nanosecond}, []string{"lockout is 1ns", "want at least 2s"}},
		{"bad blocked status", scenario.RateLimit{Target: ok, Status: 42}, []string{"Status", "42"}},
		{"negative users", scenario.Load{Target: ok, Users: -5}, []string{"Users = -5", "want at least 1"}},
		{"negative rate", scenario.Load{Target: ok, Rate: -1}, []string{"Rate = -1", "at least 1"}},
		{"negative load duration", scenario.Load{Target: ok, Rate: 5, Duration: -time.Second}, []string{"Duration = -1s", "positive duration"}},
		{"users and rate", scenario.Load{Target: ok, Users: 2, Rate: 5}, []string{"Rate", "Users"}},
		{"success ratio as percent", scenario.Load{Target: ok, Users: 2, Budget: budgetPercent}, []string{"MinSuccess", "0.999, not 99.9"}},
		{"audit without source", scenario.AuditLog{Target: ok}, []string{"Source", "NewLogRecorder"}},
		{"audit nil JSONLines", scenario.AuditLog{Target: ok, Source: scenario.JSONLines(nil)}, []string{"JSONLines(nil)", "pass a function"}},
		{"audit negative skew", scenario.AuditLog{Target: ok, Source: scenario.NewLogRecorder(), MaxSkew: -time.Second}, []string{"MaxSkew", "-1s"}},
		{"auth without routes", scenario.AuthRequired{Target: ok, Credentials: creds}, []string{"Routes", "AuthRoute"}},
		{"auth without credentials", scenario.AuthRequired{Target: ok, Routes: []scenario.AuthRoute{{Path: "/notes/1"}}}, []string{"Credentials"}},
		{"auth route without path", scenario.AuthRequired{Target: ok, Routes: []scenario.AuthRoute{{}}, Credentials: creds}, []string{"Path"}},
		{"error handling without triggers", scenario.ErrorHandling{Target: ok}, []string{"no Triggers", "ErrorTrigger"}},
		{"health negative latency", scenario.HealthCheck{Target: ok, MaxLatency: -time.Second}, []string{"MaxLatency = -1s", "positive duration"}},
		{"health dependency without Down", scenario.HealthCheck{Target: ok, Dependencies: []scenario.Dependency{{Name: "db", Up: func() {}}}}, []string{"db", "Down"}},
		{"headers negative HSTS", scenario.SecurityHeaders{Target: ok, MinHSTS: -time.Hour}, []string{"MinHSTS", "positive duration"}},
		{"headers unknown grade", scenario.SecurityHeaders{Target: ok, MinGrade: "A++"}, []string{"A++"}},
		{"injection without inputs", scenario.Injection{Target: ok}, []string{"Inputs"}},
		{"injection negative cap", scenario.Injection{Target: ok, Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q"}}, MaxPayloads: -1}, []string{"MaxPayloads is -1", "positive bound"}},
		{"injection input without name", scenario.Injection{Target: ok, Inputs: []scenario.Input{{In: scenario.InQuery}}, MaxPayloads: 1}, []string{"Name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := verifyNoPanic(t, t.Context(), tc.v)
			assertProblem(t, err, res, tc.want...)
		})
	}
}

// budgetPercent is a Budget written in percent, not as a ratio.
var budgetPercent = loadtestBudget(99.9)

// hijacker hijacks the connection and closes it without answering. In
// process the recorder cannot be hijacked: the handler answers the error.
var hijacker = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(fmt.Sprintf("cannot hijack: %v", err))
	}
	c.Close()
})

func TestScenarioHijackingHandler(t *testing.T) {
	srv := httptest.NewServer(hijacker)
	defer srv.Close()
	for _, target := range []scenario.Target{scenario.Handler(hijacker), scenario.URL(srv.URL)} {
		t.Run(target.String(), func(t *testing.T) {
			for _, v := range withTarget(target) {
				t.Run(fmt.Sprintf("%T", v), func(t *testing.T) {
					res, err := verifyNoPanic(t, t.Context(), v)
					require.Error(t, err, "a handler that never answers cannot pass")
					assert.True(t, res.Failed)
				})
			}
		})
	}
}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

func TestScenarioTargetThatNeverAnswers(t *testing.T) {
	url := silentServer(t)
	for _, v := range withTarget(scenario.URL(url)) {
		t.Run(fmt.Sprintf("%T", v), func(t *testing.T) {
			t.Parallel() // each waits out its own deadline: at once, the test takes one
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("Verify panicked: %v", p)
					}
				}()
				err = v.Verify(ctx)
			}()
			assert.Less(t, time.Since(start), 3*time.Second, "bounded by the context's deadline")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "deadline", "the problem says the run ran out of time")
		})
	}
}

// Without a deadline, a request to a server that never answers times out
// after 10s, and the scenario stops sending to it: one timeout per run, not
// one per request (AuthRequired took 50s, Injection up to 140×10s). Here
// the deadlines are halved (internal/deadlines), so the timeout is 5s: the
// engine and its wrapper run at once, so one timeout per run is 5s, and
// one per request at least twice that; a busy machine has the other 5s.
func TestScenarioTargetThatNeverAnswersNoDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the request timeout")
	}
	defer deadlines.Divide(4)() // a request's 10s is 2.5s: the mechanism, whatever the figure
	const timeout = 2500 * time.Millisecond
	url := silentServer(t)
	type outcome struct {
		name    string
		err     error
		res     tbtest.Result
		elapsed time.Duration
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		out []outcome
	)
	for _, v := range withTarget(scenario.URL(url)) {
		if _, isLoad := v.(scenario.Load); isLoad {
			continue // loadtest bounds its requests itself (TestLoadtestTargetThatNeverAnswers)
		}
		wg.Go(func() {
			start := time.Now()
			res, err := verifyNoPanicAtOnce(t, context.Background(), v)
			mu.Lock()
			out = append(out, outcome{fmt.Sprintf("%T", v), err, res, time.Since(start)})
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, o := range out {
		t.Run(o.name, func(t *testing.T) {
			assert.Less(t, o.elapsed, 2*timeout, "one timeout (engine and wrapper run at once), not one per request")
			assertProblem(t, o.err, o.res, "no answer within 2.5s", "did not respond")
			assert.NotContains(t, o.err.Error(), "dropped", "a timeout is not a dropped connection")
		})
	}
}

func TestScenarioEngineThatPanics(t *testing.T) {
	boom := func() { panic("dependency fake exploded") }
	for _, tc := range []struct {
		name string
		v    verifier
		want []string
	}{
		{"dependency Down panics", scenario.HealthCheck{Target: scenario.Handler(okHandler), Dependencies: []scenario.Dependency{{Name: "db", Down: boom, Up: func() {}}}}, []string{"dependency fake exploded"}},
		{"dependency Up panics", scenario.HealthCheck{Target: scenario.Handler(okHandler), Dependencies: []scenario.Dependency{{Name: "db", Down: func() {}, Up: boom}}}, []string{"dependency fake exploded"}},
		{"credentials panic", scenario.AuthRequired{Target: scenario.Handler(okHandler), Routes: []scenario.AuthRoute{{Path: "/notes/1", Owner: "alice"}}, Credentials: func(string) http.Header { boom(); return nil }}, []string{"dependency fake exploded"}},
		{"tamper panics", scenario.AuthRequired{Target: scenario.Handler(okHandler), Routes: []scenario.AuthRoute{{Path: "/notes/1", Owner: "alice"}}, Credentials: creds, Tamper: func(http.Header) http.Header { boom(); return nil }}, []string{"dependency fake exploded"}},
		{"load user panics", scenario.Load{Target: scenario.Handler(okHandler), Users: 2, User: func(int) scenario.Request { boom(); return scenario.Request{} }}, []string{"dependency fake exploded"}},
		{"handler builder panics", scenario.RateLimit{Target: scenario.HandlerFunc(func() http.Handler { boom(); return nil })}, []string{"dependency fake exploded"}},
		{"handler panics on every request", scenario.ErrorHandling{Target: scenario.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { boom() })), Triggers: []scenario.ErrorTrigger{{Path: "/boom"}}}, []string{"/healthz"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := verifyNoPanic(t, t.Context(), tc.v)
			assertProblem(t, err, res, tc.want...)
		})
	}
}

func loadtestBudget(minSuccess float64) loadtest.Budget {
	return loadtest.Budget{MinSuccess: minSuccess}
}
