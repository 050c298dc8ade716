package scenario_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// checker is a ready-made check: a scenario with an engine.
type checker interface {
	jetty.Scenario
	Verify(ctx context.Context) error
}

// layerCase is one check on one in-process application, for the tests that
// hold for every check: Verify and Run give the same problems, and a done
// context stops the check before any request. Each check's test file
// registers its cases in an init function.
type layerCase struct {
	name   string // "HealthCheck/correct"
	broken bool   // the application is broken: the check must find problems
	// bubble runs the check inside synctest.Test (it needs virtual time).
	bubble bool
	// sockets: the check serves or dials real sockets, so it cannot run
	// inside a synctest bubble (where time advances only when every
	// goroutine waits on the bubble's own channels and timers).
	sockets bool
	// make returns the check, its in-process target built around
	// wrap(application): wrap counts the requests that reach it.
	make func(t *testing.T, wrap func(http.Handler) http.Handler) checker
}

var layerCases []layerCase

func registerLayers(cases ...layerCase) { layerCases = append(layerCases, cases...) }

// everyCheck is every ready-made check the package offers: each must have a
// correct and a broken layerCase.
var everyCheck = []checker{
	scenario.RateLimit{}, scenario.AuditLog{}, scenario.Load{}, scenario.SecurityHeaders{},
	scenario.Injection{}, scenario.AuthRequired{}, scenario.ErrorHandling{}, scenario.HealthCheck{},
	scenario.BackupRestore{}, scenario.GracefulShutdown{}, scenario.Overload{}, scenario.Faults{},
	scenario.TLS{}, scenario.EncryptedAtRest{}, scenario.SecretsInLogs{}, scenario.QueryBudget{},
	scenario.Caching{}, scenario.Metrics{}, scenario.CrossSite{}, scenario.CORS{}, scenario.Session{}, scenario.Rollback{},
}

func noWrap(h http.Handler) http.Handler { return h }

func typeOf(c checker) string { return reflect.TypeOf(c).Name() }

// inBubble runs fn inside synctest.Test when bubble is set.
func inBubble(t *testing.T, bubble bool, fn func(t *testing.T)) {
	t.Helper()
	if bubble {
		synctest.Test(t, fn)
		return
	}
	fn(t)
}

// verifyLines returns Verify's problems as "step: text" lines.
func verifyLines(t *testing.T, c checker) []string {
	t.Helper()
	err := c.Verify(t.Context())
	if err == nil {
		return nil
	}
	var probs *scenario.Problems
	if !errors.As(err, &probs) {
		t.Fatalf("Verify = %v, want a *scenario.Problems", err)
	}
	var lines []string
	for _, p := range probs.List {
		line := p.Text
		if p.Step != "" {
			line = p.Step + ": " + p.Text
		}
		lines = append(lines, line)
	}
	return lines
}

// runLines returns the errors jetty.Check reported, without the scenario's
// prefix, as "step: text" lines.
func runLines(t *testing.T, c checker) []string {
	t.Helper()
	res := tbtest.Run(t, "check", func(tb *tbtest.TB) { jetty.Check(tb, c) })
	prefix := "[jetty] production › " + c.Title() + ": "
	var lines []string
	for _, e := range res.Errors {
		lines = append(lines, strings.TrimPrefix(e, prefix))
	}
	return lines
}

// layersPending are the checks whose layerCases are not written yet. It
// only shrinks.
var layersPending = map[string]bool{}

// runLogs runs c through jetty.Check and returns everything it logged and
// reported.
func runLogs(t *testing.T, c checker) string {
	t.Helper()
	return tbtest.Run(t, "check", func(tb *tbtest.TB) { jetty.Check(tb, c) }).Output()
}

func TestEveryCheckHasLayerCases(t *testing.T) {
	t.Parallel()
	for _, c := range everyCheck {
		name := typeOf(c)
		if layersPending[name] {
			continue
		}
		var correct, broken bool
		for _, lc := range layerCases {
			if strings.HasPrefix(lc.name, name+"/") {
				correct = correct || !lc.broken
				broken = broken || lc.broken
			}
		}
		if !correct || !broken {
			t.Errorf("%s: register a correct and a broken layerCase (registerLayers in its test file); have correct=%v broken=%v", name, correct, broken)
		}
	}
}

// TestVerifyAndRunAgree runs every check through both layers on the same
// application: the problems are the same, in the same order.
func TestVerifyAndRunAgree(t *testing.T) {
	t.Parallel()
	for _, lc := range layerCases {
		t.Run(lc.name, func(t *testing.T) {
			var verified, ran []string
			inBubble(t, lc.bubble, func(t *testing.T) {
				verified = verifyLines(t, lc.make(t, noWrap))
			})
			inBubble(t, lc.bubble, func(t *testing.T) {
				ran = runLines(t, lc.make(t, noWrap))
			})
			if lc.broken && len(verified) == 0 {
				t.Errorf("Verify found no problem in a broken application")
			}
			if !lc.broken && len(verified) > 0 {
				t.Errorf("Verify found problems in a correct application:\n%s", strings.Join(verified, "\n"))
			}
			if !slices.Equal(verified, ran) {
				t.Errorf("Verify and Run disagree:\nVerify:\n\t%s\nRun:\n\t%s", strings.Join(verified, "\n\t"), strings.Join(ran, "\n\t"))
			}
		})
	}
}

// TestDoneContextStopsEveryCheck: a cancelled or expired context stops a
// check before its first request, and its error wraps the context's.
func TestDoneContextStopsEveryCheck(t *testing.T) {
	t.Parallel()
	for _, lc := range layerCases {
		if lc.broken {
			continue
		}
		for _, want := range []error{context.Canceled, context.DeadlineExceeded} {
			t.Run(lc.name+"/"+want.Error(), func(t *testing.T) {
				inBubble(t, lc.bubble, func(t *testing.T) {
					var hits atomic.Int64
					count := func(h http.Handler) http.Handler {
						return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
							hits.Add(1)
							h.ServeHTTP(w, r)
						})
					}
					c := lc.make(t, count)
					ctx, cancel := context.WithCancel(t.Context())
					if want == context.DeadlineExceeded {
						ctx, cancel = context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
					}
					cancel()
					err := c.Verify(ctx)
					if !errors.Is(err, want) {
						t.Errorf("Verify with a done context = %v, want an error that wraps %v", err, want)
					}
					if n := hits.Load(); n > 0 {
						t.Errorf("%d request(s) reached the application after the context was done", n)
					}
				})
			})
		}
	}
}

func init() {
	registerLayers(
		layerCase{name: "HealthCheck/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			a := &healthApp{}
			x := a.scenario(false, t)
			x.Target = scenario.Handler(wrap(a.handler()))
			return x
		}},
		layerCase{name: "HealthCheck/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			a := &healthApp{alwaysReady: true, liveOnDB: true}
			x := a.scenario(false, t)
			x.Target = scenario.Handler(wrap(a.handler()))
			return x
		}},
		layerCase{name: "SecurityHeaders/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return scenario.SecurityHeaders{Target: scenario.Handler(wrap(headersApp(nil)))}
		}},
		layerCase{name: "SecurityHeaders/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return scenario.SecurityHeaders{Target: scenario.Handler(wrap(headersApp(func(h http.Header, _ *http.Request) {
				h.Del("Content-Security-Policy")
				h.Set("Server", "nginx/1.25.3")
			})))}
		}},
	)
}
