package scenario_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// closingApp is a health endpoint that counts Close calls.
type closingApp struct{ closed *atomic.Int32 }

func (a closingApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"pass"}`))
}

func (a closingApp) Close() error { a.closed.Add(1); return nil }

func TestTargetClosesBuiltHandlers(t *testing.T) {
	t.Parallel()
	var closed atomic.Int32
	x := scenario.HealthCheck{Target: scenario.HandlerFunc(func() http.Handler { return closingApp{&closed} }), Ready: "/healthz"}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if closed.Load() != 1 {
		t.Errorf("after Verify, Close was called %d times, want 1", closed.Load())
	}
	res := tbtest.Run(t, "check", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed {
		t.Fatal(res.Output())
	}
	if closed.Load() != 2 {
		t.Errorf("after jetty.Check, Close was called %d times, want 2", closed.Load())
	}
	shared := closingApp{&closed}
	if err := (scenario.HealthCheck{Target: scenario.Handler(shared), Ready: "/healthz"}).Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if closed.Load() != 2 {
		t.Error("a shared Handler target was closed: only handlers the scenario built are its to close")
	}
}
