package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// sdApp is an application with a database; its mode breaks its shutdown
// in the ways GracefulShutdown must catch.
type sdApp struct {
	mode     string // "" (correct), "close", "noWait", "quits", "ignoreCtx", "keepAccepting", "ownDrain", "error", "leak"
	inFlight chan struct{}
	closed   atomic.Bool
	// gate, closed by the broken modes once they did what breaks the
	// request in flight (srv.Close, returning early), holds /slow's
	// answer until then, so each test is deterministic.
	gate chan struct{}
	// wrap, when set, wraps the application's handler (the layer tests
	// count the requests that reach it).
	wrap func(http.Handler) http.Handler
}

func newSDApp(mode string) *sdApp {
	return &sdApp{mode: mode, inFlight: make(chan struct{}, 1), gate: make(chan struct{})}
}

// mux serves /healthz, /fast and /slow; /slow signals inFlight, then
// blocks until the application is told to stop (and, in the modes
// "close" and "noWait", until the gate opens), then answers.
func (a *sdApp) mux(ctx context.Context) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("GET /fast", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "fast") })
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		if a.mode == "quits" {
			close(a.gate)
		}
		select {
		case a.inFlight <- struct{}{}:
		default:
		}
		<-ctx.Done()
		if a.mode == "close" || a.mode == "noWait" {
			<-a.gate
		}
		fmt.Fprint(w, "report ready")
	})
	return mux
}

func (a *sdApp) serve(ctx context.Context, ln net.Listener) error {
	var h http.Handler = a.mux(ctx)
	if a.wrap != nil {
		h = a.wrap(h)
	}
	srv := &http.Server{Handler: h}
	switch a.mode {
	case "close": // cuts in-flight requests
		go func() { <-ctx.Done(); srv.Close(); close(a.gate) }()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		a.closed.Store(true)
		return nil
	case "noWait": // returns as soon as Serve does: before Shutdown is done
		go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
		err := srv.Serve(ln)
		a.closed.Store(true)
		// The request in flight is answered after Serve returned (20ms
		// is ample for the scenario to see Serve return).
		time.AfterFunc(20*time.Millisecond, func() { close(a.gate) })
		return err
	case "quits": // stops by itself as soon as /slow is requested
		go srv.Serve(ln)
		<-a.gate
		srv.Close()
		a.closed.Store(true)
		return nil
	case "ownDrain": // closes its listener and waits for its requests, but leaves idle connections open
		var wg sync.WaitGroup
		inner := srv.Handler
		srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			wg.Add(1)
			defer wg.Done()
			inner.ServeHTTP(w, r)
		})
		go srv.Serve(ln)
		<-ctx.Done()
		ln.Close()
		wg.Wait()
		time.Sleep(20 * time.Millisecond) // the in-flight response is written
		a.closed.Store(true)
		return nil
	case "ignoreCtx": // never stops (until the listener is closed)
		return srv.Serve(ln)
	case "keepAccepting": // waits for its requests but never closes the listener
		var wg sync.WaitGroup
		h := srv.Handler
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			wg.Add(1)
			defer wg.Done()
			h.ServeHTTP(w, r)
		}))
		<-ctx.Done()
		wg.Wait()
		a.closed.Store(true)
		return nil
	}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := <-done; err != nil {
		return err
	}
	switch a.mode {
	case "error":
		return errors.New("closing database: disk full")
	case "leak":
		return nil
	}
	a.closed.Store(true)
	return nil
}

func (a *sdApp) scenario() scenario.GracefulShutdown {
	return scenario.GracefulShutdown{
		Serve:    a.serve,
		Slow:     scenario.Request{Path: "/slow"},
		InFlight: a.inFlight,
		Closed:   a.closed.Load,
	}
}

func TestGracefulShutdownPassesCorrectApp(t *testing.T) {
	t.Parallel()
	for _, signal := range []bool{true, false} {
		t.Run(fmt.Sprintf("InFlight=%v", signal), func(t *testing.T) {
			a := newSDApp("")
			x := a.scenario()
			if !signal {
				x.InFlight = nil // the scenario waits 50ms instead
			}
			if err := x.Verify(context.Background()); err != nil {
				t.Fatalf("Verify on a correct app: %v", err)
			}
			if !a.closed.Load() {
				t.Error("the app did not close: Serve was not run to its end")
			}
		})
	}
}

func TestGracefulShutdownCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		mode string
		edit func(*scenario.GracefulShutdown)
		want []string
	}{
		{"srv.Close cuts the in-flight request", "close", nil, []string{
			"GET /slow, in flight when shutdown began: ",
			"(no response), want 2xx: the server cut the request; call srv.Shutdown(ctx), not srv.Close()",
		}},
		{"returns before Shutdown is done", "noWait", nil, []string{
			"Serve returned while GET /slow was still being served (0 of its ",
			"wait for srv.Shutdown to return before returning from Serve",
		}},
		{"ignores ctx", "ignoreCtx", func(x *scenario.GracefulShutdown) { x.Drain = 300 * time.Millisecond }, []string{
			"Then Serve returns nil within 300ms: Serve did not stop within 300ms: call srv.Shutdown when ctx is done",
		}},
		{"keeps accepting after it returned", "keepAccepting", nil, []string{
			"GET /healthz on a new connection after Serve returned = 200, want the connection refused (or 503)",
		}},
		{"returns an error", "error", nil, []string{
			`Serve returned "closing database: disk full"`, "want nil: a graceful stop is not an error",
		}},
		{"stops before it is told to", "quits", func(x *scenario.GracefulShutdown) { x.InFlight = nil }, []string{
			"Serve returned (it returned <nil>) ",
			"before ctx was cancelled: it must serve until ctx is done",
		}},
		{"leaves idle connections open", "ownDrain", nil, []string{
			"And an idle keep-alive connection is closed: an idle keep-alive connection opened before shutdown was still open after Serve returned: close idle connections when stopping (srv.Shutdown closes them at once",
		}},
		{"leaves its database open", "leak", nil, []string{
			"Closed() = false after Serve returned: close the application's resources",
		}},
		{"Slow is not slow", "", func(x *scenario.GracefulShutdown) {
			x.Slow.Path, x.InFlight = "/fast", nil
		}, []string{
			"GET /fast was answered (200) before shutdown began, so draining was not tested",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newSDApp(tc.mode).scenario()
			if tc.edit != nil {
				tc.edit(&x)
			}
			wantProblems(t, x, tc.want...)
		})
	}
}

func TestGracefulShutdownThroughJettyCheck(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, newSDApp("").scenario()) })
	if res.Failed {
		t.Fatalf("jetty.Check on a correct app failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"Given the application serving on a loopback port and answering GET /healthz",
		"When GET /slow is in flight and the application is told to stop (SIGTERM: ctx is cancelled)",
		"GET /slow sent; ctx cancelled (the application signalled InFlight)",
		"Then Serve returns nil within 10s",
		"Serve returned nil ",
		"GET /slow = 200, answered ",
		"response bytes were written before Serve returned",
		"GET /healthz on a new connection after Serve returned: ",
		"Closed() = true after Serve returned",
		"the idle keep-alive connection opened before shutdown was closed by the server",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}

	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, newSDApp("close").scenario()) })
	if !res.Failed || !strings.Contains(res.ErrorText(), "not srv.Close()") {
		t.Errorf("jetty.Check on an app that calls srv.Close: failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestGracefulShutdownBadConfiguration(t *testing.T) {
	t.Parallel()
	ok := newSDApp("").serve
	slow := scenario.Request{Path: "/slow"}
	for _, tc := range []struct {
		name string
		x    scenario.GracefulShutdown
		want string
	}{
		{"nil Serve", scenario.GracefulShutdown{Slow: slow}, "Serve is nil: set it to the application's run function"},
		{"no Slow", scenario.GracefulShutdown{Serve: ok}, "Slow has no Path: set it to a request the application takes a while to answer"},
		{"bad Ready", scenario.GracefulShutdown{Serve: ok, Slow: slow, Ready: "healthz"}, `Ready = "healthz": want a path starting with /`},
		{"negative Drain", scenario.GracefulShutdown{Serve: ok, Slow: slow, Drain: -time.Second}, "Drain = -1s: want a positive duration"},
		{"Serve fails at start", scenario.GracefulShutdown{Slow: slow, Serve: func(context.Context, net.Listener) error {
			return errors.New("bind: address in use")
		}}, "Serve returned before GET /healthz answered 2xx (last answer: "},
		{"Serve panics", scenario.GracefulShutdown{Slow: slow, Serve: func(context.Context, net.Listener) error {
			panic("no config")
		}}, "it panicked: no config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

func init() {
	registerLayers(
		layerCase{name: "GracefulShutdown/correct", sockets: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			a := newSDApp("")
			a.wrap = wrap
			return a.scenario()
		}},
		layerCase{name: "GracefulShutdown/broken", broken: true, sockets: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			a := newSDApp("leak")
			a.wrap = wrap
			return a.scenario()
		}},
	)
}
