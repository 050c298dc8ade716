package scenario

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jettymethod/jetty/internal/deadlines"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

// Defaults and bounds of GracefulShutdown.
const (
	shutdownDefaultDrain = 10 * time.Second
	// shutdownStart is the 10s of shutdownStartTimeout.
	shutdownStart = 10 * time.Second
	// shutdownInFlightDelay is how long after the Slow request was written
	// the scenario begins the shutdown when InFlight is nil.
	shutdownInFlightDelay = 50 * time.Millisecond
	// shutdownProbeTimeout bounds the request sent on a new connection
	// after Serve returned.
	shutdownProbeTimeout = time.Second
)

// shutdownStartTimeout bounds how long the application may take to answer
// Ready after Serve starts, and how long the Slow request may take to
// reach the handler: 10s, unless a test of this module divides it
// (internal/deadlines).
func shutdownStartTimeout() time.Duration { return deadlines.Of(shutdownStart) }

// GracefulShutdown checks that the application stops as a rolling deploy
// needs it to: when told to stop — Kubernetes sends SIGTERM, then kills the
// pod once its grace period ends — it stops accepting new connections,
// lets the requests already in flight finish, releases its resources and
// exits, all within the drain period (net/http's Server.Shutdown does the
// first two; Server.Close does not).
//
// The application is given as Serve, its own run function: the code main
// runs, serving on a listener until ctx is cancelled (what SIGTERM does in
// main, through signal.NotifyContext), then shutting down and returning:
//
//	func Serve(ctx context.Context, ln net.Listener) error {
//		srv := &http.Server{Handler: app}
//		stopped := make(chan error, 1)
//		go func() {
//			<-ctx.Done()
//			sctx, cancel := context.WithTimeout(context.Background(), 9*time.Second)
//			defer cancel()
//			stopped <- srv.Shutdown(sctx) // stop accepting, finish in-flight requests
//		}()
//		if err := srv.Serve(ln); err != http.ErrServerClosed {
//			return err
//		}
//		if err := <-stopped; err != nil { // Serve returns at once: wait for Shutdown
//			return err
//		}
//		return db.Close()
//	}
//
// with main calling it as
//
//	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
//	defer stop()
//	ln, err := net.Listen("tcp", ":8080")
//	...
//	if err := Serve(ctx, ln); err != nil { log.Fatal(err) }
//
// The scenario opens a listener on 127.0.0.1 (a free port), starts Serve
// with it, waits until GET Ready answers 2xx, sends the Slow request and,
// once it is in flight (InFlight signalled, or 50ms after the request was
// written when InFlight is nil), cancels ctx. It then checks that Serve
// returns nil (http.ErrServerClosed is accepted too) within Drain of the
// cancellation; that the in-flight request completes with 2xx; that Serve
// did not return before that request's response was written (the scenario
// counts the bytes written on each connection of its listener); that a new
// connection after Serve returned is refused (or answered 503); that a
// keep-alive connection left idle before the shutdown was closed by the
// server (srv.Shutdown closes idle connections first, then waits for
// active ones); and, when Closed is set, that Closed reports true once
// Serve returned. Every other request uses its own connection.
//
// Every probe runs by default but the last: whether the application
// released its resources needs Closed, and without it the scenario reports
// it as not proven.
//
// A Serve that ignores ctx is waited for at most Drain and then reported;
// its goroutine is left running until it returns (the scenario closes the
// listener at the end, which stops a bare http.Server.Serve).
//
// The scenario needs a real listener, so it takes no Target: it always
// serves over loopback.
//
// It covers preset.GracefulShutdown. GracefulShutdown is a value; Verify and
// Run are safe in parallel tests when Serve builds its application afresh
// on each call (each run has its own port).
//
// Not proven without its field, and required by a preset with
// preset.GracefulShutdown: that resources are released (Closed).
type GracefulShutdown struct {
	production

	// Serve runs the application on ln until ctx is cancelled, then shuts
	// down gracefully and returns nil. Required.
	Serve func(ctx context.Context, ln net.Listener) error
	// Ready is the path polled (GET, every few ms) until it answers 2xx,
	// for at most 10s, before the test begins. Default "/healthz".
	Ready string
	// Slow is the request that is in flight when shutdown begins: a route
	// that takes a while to answer (in a test, a handler that blocks until
	// the application's ctx is done, then answers). Required: at least
	// Path. Method defaults to GET.
	Slow Request
	// InFlight, when set, is signalled by the application (a send, or
	// closing it) when its handler of Slow has started: the shutdown
	// then begins exactly while the request is in flight. When nil, the
	// shutdown begins 50ms after the request was written, and Slow must
	// take longer than that.
	InFlight <-chan struct{}
	// Drain is how long Serve may take to return after ctx is cancelled:
	// the pod's termination grace period, less a margin. Default: the
	// preset's "drain" parameter of preset.GracefulShutdown, else 10s.
	Drain time.Duration
	// Closed, when set, reports whether the application released its
	// resources (closed its database pool, flushed its logs); it must
	// report true once Serve has returned. Optional.
	Closed func() bool
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "shutdown drains in-flight requests (zero-downtime deploys)".
func (GracefulShutdown) Title() string {
	return "shutdown drains in-flight requests (zero-downtime deploys)"
}

// Covers returns preset.GracefulShutdown.
func (GracefulShutdown) Covers() []preset.ID { return []preset.ID{preset.GracefulShutdown} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x GracefulShutdown) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x GracefulShutdown) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// sdResult is what Serve did.
type sdResult struct {
	err      error
	panicked any
	at       time.Time
	lnClosed bool // the application closed the listener before returning
}

// sdSlow is what came back for the Slow request.
type sdSlow struct {
	status int
	err    error
	at     time.Time
	local  string // the client side's address of its connection
}

// sdRun is one run of GracefulShutdown: the configuration resolved once,
// the listener and client, and what Serve and the Slow request did.
type sdRun struct {
	x        GracefulShutdown
	r        reporter
	ready    string
	drain    time.Duration
	slow     Request
	ln       *sdListener
	hc       *http.Client
	base     string
	cancel   context.CancelFunc
	served   chan struct{} // closed when Serve returned
	result   sdResult
	slowDone chan sdSlow
	cancelAt time.Time
	returned bool
	answered bool
	s        sdSlow
	// idle is the client side of a keep-alive connection left idle
	// before the shutdown; nil when it could not be opened.
	idle net.Conn
}

func (x GracefulShutdown) exec(r reporter) {
	d := &sdRun{x: x, r: r, ready: cmp.Or(x.Ready, "/healthz"), drain: x.Drain, slow: x.Slow,
		served: make(chan struct{}), slowDone: make(chan sdSlow, 1)}
	if d.slow.Method == "" {
		d.slow.Method = http.MethodGet
	}
	if d.drain == 0 {
		d.drain = paramsOf(r, preset.GracefulShutdown).Duration(preset.ParamDrain, shutdownDefaultDrain)
	}
	d.drain = deadlines.Of(d.drain)
	readyOK := false
	r.step("Given", fmt.Sprintf("the application serving on a loopback port and answering GET %s", d.ready), func() { readyOK = d.given() })
	if r.failed() || !readyOK {
		return
	}
	r.step("When", fmt.Sprintf("%s is in flight and the application is told to stop (SIGTERM: ctx is cancelled)", d.slow), d.stop)
	if r.failed() {
		return
	}
	r.step("Then", fmt.Sprintf("Serve returns nil within %v", d.drain), d.serveReturns)
	r.step("And", fmt.Sprintf("the in-flight %s completes with 2xx", d.slow), d.slowCompletes)
	if d.returned && d.answered {
		r.step("And", fmt.Sprintf("Serve returns only after %s was answered", d.slow), d.order)
	}
	if !d.returned {
		return
	}
	r.step("And", "a new connection after Serve returned is refused", d.refusesNew)
	if d.idle != nil {
		r.step("And", "an idle keep-alive connection is closed", d.idleClosed)
	}
	r.step("And", "the application released its resources", d.released)
}

// validate reports the fields that are wrong.
func (d *sdRun) validate() {
	r := d.r
	switch {
	case d.x.Serve == nil:
		r.errorf("Serve is nil: set it to the application's run function, func(ctx context.Context, ln net.Listener) error, that serves on ln until ctx is done, then calls srv.Shutdown and returns")
	case !strings.HasPrefix(d.ready, "/"):
		r.errorf("Ready = %q: want a path starting with /, such as /healthz", d.ready)
	case d.slow.Path == "":
		r.errorf("Slow has no Path: set it to a request the application takes a while to answer (in a test, a handler that blocks until the application's ctx is done), so that it is in flight when shutdown begins")
	case !strings.HasPrefix(d.slow.Path, "/"):
		r.errorf("Slow.Path = %q: want a path starting with /, such as /slow", d.slow.Path)
	case d.x.Drain < 0:
		r.errorf("Drain = %v: want a positive duration, or 0 for the preset's (10s)", d.x.Drain)
	}
}

// given starts Serve on a loopback listener and waits until it is ready.
func (d *sdRun) given() bool {
	d.validate()
	d.r.ready()
	if d.r.failed() {
		return false
	}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		d.r.errorf("opening a loopback listener: %v", err)
		return false
	}
	d.ln = &sdListener{Listener: raw, conns: map[string]*sdConn{}}
	d.base = "http://" + raw.Addr().String()
	tr := &http.Transport{DisableKeepAlives: true, Proxy: nil}
	d.hc = &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var sctx context.Context
	sctx, d.cancel = context.WithCancel(d.r.context())
	d.r.cleanup(func() {
		d.cancel()
		d.ln.Close()
		tr.CloseIdleConnections()
	})
	go d.serve(sctx)
	d.r.logf("Serve started on %s", raw.Addr())
	if !d.pollReady() {
		return false
	}
	d.openIdle()
	return true
}

// openIdle opens a keep-alive connection, sends GET Ready on it and leaves
// it idle: what a load balancer's or client's connection pool holds.
func (d *sdRun) openIdle() {
	c, err := net.DialTimeout("tcp", d.ln.Addr().String(), shutdownProbeTimeout)
	if err != nil {
		d.r.logf("an idle keep-alive connection could not be opened (%v): whether idle connections are closed was not checked", err)
		return
	}
	d.r.cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(shutdownStartTimeout()))
	defer c.SetDeadline(time.Time{})
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", d.ready, d.ln.Addr())
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		d.r.logf("GET %s on a keep-alive connection: %v: whether idle connections are closed was not checked", d.ready, err)
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if resp.Close {
		d.r.logf("GET %s on a keep-alive connection = %d with Connection: close: whether idle connections are closed was not checked", d.ready, resp.StatusCode)
		return
	}
	d.idle = c
}

// serve runs the application's Serve and records how it returned.
func (d *sdRun) serve(ctx context.Context) {
	defer close(d.served)
	defer func() {
		if p := recover(); p != nil {
			d.result.panicked = p
		}
		d.result.at = time.Now()
		d.result.lnClosed = d.ln.closed.Load()
		d.ln.markReturn()
	}()
	d.result.err = d.x.Serve(ctx, d.ln)
}

// get sends GET path on a new connection.
func (d *sdRun) get(ctx context.Context, path string, timeout time.Duration) (int, error) {
	ctx, stop := context.WithTimeout(ctx, timeout)
	defer stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.base+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// pollReady polls Ready until it answers 2xx, Serve returns, or the start
// timeout passes.
func (d *sdRun) pollReady() bool {
	r, ctx := d.r, d.r.context()
	// A poll in progress when Serve returns is cancelled: the listener may
	// be open with no one accepting.
	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	go func() {
		select {
		case <-d.served:
			pcancel()
		case <-pctx.Done():
		}
	}()
	deadline := time.Now().Add(shutdownStartTimeout())
	var last string
	for polls := 1; ; polls++ {
		st, err := d.get(pctx, d.ready, time.Second)
		if err == nil && st >= 200 && st < 300 {
			r.logf("GET %s = %d after %d poll(s)", d.ready, st, polls)
			return true
		}
		last = fmt.Sprint(st)
		if err != nil {
			last = err.Error()
		}
		select {
		case <-d.served:
			r.errorf("Serve returned before GET %s answered 2xx (last answer: %s): %s", d.ready, last, sdOutcome(d.result))
			return false
		case <-ctx.Done():
			r.errorf("cancelled while waiting for GET %s: %v", d.ready, ctx.Err())
			return false
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.errorf("GET %s did not answer 2xx within %v of Serve starting (last answer: %s): serve a readiness endpoint there, or set Ready to its path", d.ready, shutdownStartTimeout(), last)
			return false
		}
	}
}

// stop sends Slow and, once it is in flight, cancels Serve's ctx.
func (d *sdRun) stop() {
	wrote := make(chan struct{})
	var local atomic.Value
	trace := &httptrace.ClientTrace{
		GotConn:      func(ci httptrace.GotConnInfo) { local.Store(ci.Conn.LocalAddr().String()) },
		WroteRequest: func(httptrace.WroteRequestInfo) { close(wrote) },
	}
	rctx, stop := context.WithTimeout(httptrace.WithClientTrace(d.r.context(), trace), d.drain+urlTimeout())
	q := d.slow.req(nil)
	req, err := http.NewRequestWithContext(rctx, q.Method, d.base+q.Path, bytes.NewReader(q.Body))
	if err != nil {
		stop()
		d.r.errorf("building %s: %v", d.slow, err)
		return
	}
	req.Header = q.Header
	go func() {
		defer stop()
		var s sdSlow
		resp, err := d.hc.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
			resp.Body.Close()
			s.status = resp.StatusCode
		}
		s.err, s.at = err, time.Now()
		s.local, _ = local.Load().(string)
		d.slowDone <- s
	}()
	how := d.waitInFlight(wrote)
	d.cancelAt = time.Now()
	d.cancel()
	d.r.logf("%s sent; ctx cancelled (%s)", d.slow, how)
}

// waitInFlight waits until the Slow request is in flight and says how it
// knew.
func (d *sdRun) waitInFlight(wrote <-chan struct{}) string {
	if d.x.InFlight == nil {
		how := fmt.Sprintf("InFlight is nil: %v after it was written", shutdownInFlightDelay)
		select {
		case <-wrote:
			select {
			case <-time.After(shutdownInFlightDelay):
			case <-d.served:
				how = "Serve returned while the scenario waited for the request to be in flight"
			}
		case s := <-d.slowDone:
			d.slowDone <- s
		case <-d.served:
			how = "Serve returned before the request was written"
		}
		return how
	}
	select {
	case <-d.x.InFlight:
		return "the application signalled InFlight"
	case s := <-d.slowDone:
		d.slowDone <- s
		return "it was answered before the application signalled InFlight"
	case <-d.served:
		return "Serve returned before the application signalled InFlight"
	case <-time.After(shutdownStartTimeout()):
		return fmt.Sprintf("the application did not signal InFlight within %v", shutdownStartTimeout())
	}
}

func (d *sdRun) serveReturns() {
	r, ctx := d.r, d.r.context()
	select {
	case <-d.served:
		d.returned = true
	case <-time.After(d.drain - time.Since(d.cancelAt)):
		r.errorf("Serve did not stop within %v: call srv.Shutdown when ctx is done, with a deadline shorter than the pod's grace period, and return when it is done; Kubernetes kills the pod when the grace period ends, cutting every request", d.drain)
		return
	case <-ctx.Done():
		r.errorf("cancelled while waiting for Serve to return: %v", ctx.Err())
		return
	}
	took := d.result.at.Sub(d.cancelAt)
	if p := sdReturnProblem(d.result, took, d.drain); p != "" {
		r.errorf("%s", p)
		return
	}
	what := "nil"
	if d.result.err != nil {
		what = d.result.err.Error()
	}
	r.logf("Serve returned %s %v after ctx was cancelled", what, took.Round(time.Millisecond))
}

// sdReturnProblem judges how Serve returned, took after ctx was cancelled.
func sdReturnProblem(res sdResult, took, drain time.Duration) string {
	switch {
	case took < 0:
		return fmt.Sprintf("Serve returned (%s) %v before ctx was cancelled: it must serve until ctx is done", sdOutcome(res), (-took).Round(time.Millisecond))
	case res.panicked != nil:
		return fmt.Sprintf("Serve panicked %v after ctx was cancelled: %v", took.Round(time.Millisecond), res.panicked)
	case res.err != nil && !errors.Is(res.err, http.ErrServerClosed):
		return fmt.Sprintf("Serve returned %q %v after ctx was cancelled, want nil: a graceful stop is not an error; return nil (or http.ErrServerClosed) once srv.Shutdown and the clean-up succeeded, so the deploy sees a clean exit", res.err, took.Round(time.Millisecond))
	case took > drain:
		return fmt.Sprintf("Serve returned %v after ctx was cancelled, want within %v: bound srv.Shutdown with a context shorter than the grace period", took.Round(time.Millisecond), drain)
	}
	return ""
}

func (d *sdRun) slowCompletes() {
	d.s = <-d.slowDone
	s, slow := d.s, d.slow
	switch {
	case s.err != nil:
		d.r.errorf("%s, in flight when shutdown began: %v (no response), want 2xx: the server cut the request; call srv.Shutdown(ctx), not srv.Close(), and return from Serve only once it is done", slow, sdErr(s.err))
	case s.status < 200 || s.status > 299:
		d.r.errorf("%s, in flight when shutdown began = %d, want 2xx: a request accepted before shutdown must be served in full; shed new requests, not the ones in flight", slow, s.status)
	default:
		d.answered = true
	}
	if s.at.Before(d.cancelAt) {
		d.r.errorf("%s was answered (%s) before shutdown began, so draining was not tested: make Slow a request that lasts until the application's ctx is done (or longer than %v), or signal InFlight when its handler starts", slow, sdStatus(s), shutdownInFlightDelay)
		d.answered = false
		return
	}
	d.r.logf("%s = %s, answered %v after ctx was cancelled", slow, sdStatus(s), s.at.Sub(d.cancelAt).Round(time.Millisecond))
}

func (d *sdRun) order() {
	c := d.ln.conn(d.s.local)
	if c == nil {
		d.r.logf("the connection of %s was not found on the listener: the order of Serve's return and the answer was not checked", d.slow)
		return
	}
	// The count of a write is added once the write returned, which may be
	// after the client read it: wait for the server to close the
	// connection (keep-alives are off) before reading it.
	select {
	case <-c.closed:
	case <-time.After(shutdownProbeTimeout):
	}
	at, total := c.atReturn.Load(), c.written.Load()
	if at < total {
		d.r.errorf("Serve returned while %s was still being served (%d of its %d response bytes written): wait for srv.Shutdown to return before returning from Serve, and give it a context that outlasts in-flight requests; the process exits when Serve returns", d.slow, at, total)
		return
	}
	d.r.logf("%s: all %d response bytes were written before Serve returned", d.slow, total)
}

func (d *sdRun) refusesNew() {
	st, err := d.get(d.r.context(), d.ready, shutdownProbeTimeout)
	switch {
	case err == nil && st == http.StatusServiceUnavailable:
		d.r.logf("GET %s on a new connection after Serve returned = 503", d.ready)
	case err == nil:
		d.r.errorf("GET %s on a new connection after Serve returned = %d, want the connection refused (or 503): the application still accepts work after it stopped; stop every server on ctx (srv.Shutdown closes the listener) before returning", d.ready, st)
	case !d.result.lnClosed && sdTimeout(err):
		d.r.errorf("GET %s on a new connection after Serve returned got no answer within %v and the listener was left open: close it (srv.Shutdown does), so that clients are refused at once and retry another instance", d.ready, shutdownProbeTimeout)
	default:
		d.r.logf("GET %s on a new connection after Serve returned: %v", d.ready, sdErr(err))
	}
}

// idleClosed checks that the server closed the idle keep-alive connection
// by the time Serve returned, as srv.Shutdown does, so that pools
// reconnect to another instance instead of sending to this one.
func (d *sdRun) idleClosed() {
	c := d.ln.conn(d.idle.LocalAddr().String())
	if c == nil {
		d.r.logf("the idle keep-alive connection was not found on the listener: not checked")
		return
	}
	select {
	case <-c.closed:
		d.r.logf("the idle keep-alive connection opened before shutdown was closed by the server")
	case <-time.After(shutdownProbeTimeout):
		d.r.errorf("%s", sdIdleProblem)
	}
}

// sdIdleProblem is the problem of an idle keep-alive connection left open.
const sdIdleProblem = "an idle keep-alive connection opened before shutdown was still open after Serve returned: close idle connections when stopping (srv.Shutdown closes them at once, then waits for the active ones), or clients and load balancers keep sending on it to an instance that is gone"

func (d *sdRun) released() {
	if d.x.Closed == nil {
		d.r.notProven(need{preset.GracefulShutdown, "GracefulShutdown.Closed"}, "whether the application released its resources (database, files) was not checked: Closed is nil; set Closed to check it")
		return
	}
	if !callDep(d.r, "Closed", func() {
		if !d.x.Closed() {
			d.r.errorf("Closed() = false after Serve returned: close the application's resources (database pool, files, background workers) after srv.Shutdown returns and before Serve returns")
		}
	}) {
		return
	}
	d.r.logf("Closed() = true after Serve returned")
}

// sdOutcome describes what Serve did.
func sdOutcome(res sdResult) string {
	if res.panicked != nil {
		return fmt.Sprintf("it panicked: %v", res.panicked)
	}
	return fmt.Sprintf("it returned %v", res.err)
}

func sdStatus(s sdSlow) string {
	if s.err != nil {
		return sdErr(s.err)
	}
	return fmt.Sprintf("%d", s.status)
}

// sdErr shortens a client error to its cause, without the URL.
func sdErr(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			err = inner
		}
	}
	msg := err.Error()
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return msg + ": the connection was closed"
	case strings.Contains(msg, "connection reset"):
		return msg + ": the connection was reset"
	}
	return msg
}

func sdTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// sdListener is the listener given to Serve: it records every connection
// it accepts, so the scenario can tell how much of a response was written
// when Serve returned.
type sdListener struct {
	net.Listener
	closed atomic.Bool
	mu     sync.Mutex
	conns  map[string]*sdConn // by remote address
	once   sync.Once
	err    error
}

func (l *sdListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := &sdConn{Conn: c, closed: make(chan struct{})}
	sc.atReturn.Store(-1)
	l.mu.Lock()
	l.conns[c.RemoteAddr().String()] = sc
	l.mu.Unlock()
	return sc, nil
}

func (l *sdListener) Close() error {
	l.closed.Store(true)
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}

// markReturn records, for every connection, the bytes written so far.
func (l *sdListener) markReturn() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.atReturn.Store(c.written.Load())
	}
}

func (l *sdListener) conn(remote string) *sdConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns[remote]
}

// sdConn counts the bytes written on a connection.
type sdConn struct {
	net.Conn
	written  atomic.Int64
	atReturn atomic.Int64 // written when Serve returned; -1 before
	once     sync.Once
	closed   chan struct{} // closed by Close
}

func (c *sdConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

func (c *sdConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.written.Add(int64(n))
	return n, err
}
