package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jettymethod/jetty/internal/netguard"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Req is one request of a run. The zero Req is GET of the target itself
// (the URL as given, or "/" for a Handler).
type Req struct {
	Method string      // default GET
	Path   string      // "" or starting with "/": appended to the URL's path; may carry a query
	Body   []byte      // shared by every hit that sends this Req: do not modify it during a run
	Header http.Header // shared likewise; a "Host" entry sets the Host header
}

// Target is what a run loads: an in-process handler (Handler) or a live
// server (URL), and the requests to send it. The zero Target is invalid.
// Target is a value: With and Build return a modified copy, so one Target can
// be shared by parallel tests.
type Target struct {
	handler http.Handler
	raw     string
	isURL   bool
	isH     bool
	reqs    []Req
	build   func(hit uint64) Req
	nWith   int
	nBuild  int
}

// Handler is a target served in process: each hit calls h.ServeHTTP with a
// recorder, through an http.RoundTripper, with no sockets, so a run measures
// the handler, not the kernel. The handler sees a server-side request (path in
// RequestURI, RemoteAddr 192.0.2.1:1234) whose context ends at Timeout or when
// the run is cancelled. A panic in h fails that hit, not the run.
func Handler(h http.Handler) Target {
	return Target{handler: h, isH: true}
}

// URL is a target served by a live server at raw, which must be an absolute
// http or https URL such as "http://127.0.0.1:8080/api". Unless Run is given
// AllowRemote, the host must be literally localhost, an address in
// 127.0.0.0/8, or ::1; anything else is refused before any request, and the
// run's dialer refuses non-loopback addresses (redirects included).
func URL(raw string) Target {
	return Target{raw: raw, isURL: true}
}

// With returns a copy of t that sends reqs in rotation: hit i sends
// reqs[i%len(reqs)].
func (t Target) With(reqs ...Req) Target {
	t.reqs = append(append([]Req(nil), t.reqs...), reqs...)
	t.nWith++
	return t
}

// Build returns a copy of t whose hit number hit (counting from 0 across the
// whole run, warm-up included) sends fn(hit): use it for unique bodies, such as
// one user per hit. fn is called from many goroutines at once and must be safe
// for that; it must not call t.Fatal. A Req it returns that is invalid, or a
// panic, stops the run with an error.
func (t Target) Build(fn func(hit uint64) Req) Target {
	t.build = fn
	t.nBuild++
	return t
}

// String describes the target.
func (t Target) String() string {
	switch {
	case t.isH:
		return "Handler"
	case t.isURL:
		return fmt.Sprintf("URL(%q)", t.raw)
	}
	return "Target{}"
}

// checkReq validates a request.
func checkReq(r Req) error {
	if r.Method != "" && !validMethod(r.Method) {
		return fmt.Errorf("method %q is not a valid HTTP method", r.Method)
	}
	if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
		return fmt.Errorf("path %q must be empty or start with \"/\", e.g. %q", r.Path, "/"+r.Path)
	}
	return nil
}

// resolved is a target ready to run.
type resolved struct {
	base   string // URL prefix, without trailing slash
	full   string // the URL as given ("" path)
	urls   []string
	remote bool
}

// isLoopbackHost reports whether a literal host is loopback.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i]
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// check validates t and resolves its URLs, listing every problem.
func (t Target) check(allowRemote bool) (*resolved, []string) {
	var probs []string
	r := &resolved{remote: allowRemote}
	switch {
	case t.isH:
		if t.handler == nil {
			probs = append(probs, "Handler(nil): want a handler")
		}
		r.base, r.full = "http://handler.loadtest", "http://handler.loadtest/"
	case t.isURL:
		u, err := url.Parse(t.raw)
		switch {
		case !strings.Contains(t.raw, "://"):
			probs = append(probs, fmt.Sprintf("URL(%q): missing scheme: write %q", t.raw, "http://"+t.raw))
		case err != nil:
			probs = append(probs, fmt.Sprintf("URL(%q): %v: write an absolute URL such as \"http://127.0.0.1:8080/\"", t.raw, err))
		case u.Scheme != "http" && u.Scheme != "https":
			probs = append(probs, fmt.Sprintf("URL(%q): scheme %q: want http or https", t.raw, u.Scheme))
		case u.Host == "" || u.Hostname() == "":
			probs = append(probs, fmt.Sprintf("URL(%q): missing host: write an absolute URL such as \"http://127.0.0.1:8080/\"", t.raw))
		case !allowRemote && !isLoopbackHost(u.Hostname()):
			probs = append(probs, fmt.Sprintf("URL(%q): refused: host %q is not loopback (localhost, 127.0.0.0/8, ::1); pass AllowRemote() to load a remote host you own", t.raw, u.Hostname()))
		default:
			r.full = u.String()
			if r.full == u.Scheme+"://"+u.Host {
				r.full += "/"
			}
			b := *u
			b.RawQuery, b.Fragment, b.RawFragment = "", "", ""
			r.base = strings.TrimSuffix(b.String(), "/")
		}
	default:
		probs = append(probs, "empty Target: use Handler(h) or URL(raw)")
	}
	if t.nWith > 0 && t.nBuild > 0 {
		probs = append(probs, "With and Build conflict: send fixed requests in rotation or build each one, not both")
	}
	if t.nBuild > 1 {
		probs = append(probs, "Build given twice: give it once")
	}
	if t.nBuild > 0 && t.build == nil {
		probs = append(probs, "Build(nil): want a function")
	}
	if t.nWith > 0 && len(t.reqs) == 0 {
		probs = append(probs, "With(): want at least one Req")
	}
	for i, q := range t.reqs {
		if err := checkReq(q); err != nil {
			probs = append(probs, fmt.Sprintf("With: request %d: %v", i, err))
		}
	}
	if len(probs) == 0 {
		for _, q := range t.reqs {
			r.urls = append(r.urls, r.join(q.Path))
		}
	}
	return r, probs
}

func (r *resolved) join(path string) string {
	if path == "" {
		return r.full
	}
	return r.base + path
}

// targeter returns the vegeta Targeter of t, numbering hits with counter.
// The first error (bad built Req, panic in Build) is kept in failed.
func (t Target) targeter(r *resolved, counter *atomic.Uint64, failed *atomic.Pointer[string]) vegeta.Targeter {
	return func(tgt *vegeta.Target) (err error) {
		hit := counter.Add(1) - 1
		var q Req
		if t.build != nil {
			defer func() {
				if v := recover(); v != nil {
					err = fmt.Errorf("loadtest: Build(hit %d) panicked: %v", hit, v)
				}
				if err != nil {
					msg := err.Error()
					failed.CompareAndSwap(nil, &msg)
				}
			}()
			q = t.build(hit)
			if err := checkReq(q); err != nil {
				return fmt.Errorf("loadtest: Build(hit %d): %v", hit, err)
			}
			tgt.URL = r.join(q.Path)
		} else if len(t.reqs) > 0 {
			i := hit % uint64(len(t.reqs))
			q = t.reqs[i]
			tgt.URL = r.urls[i]
		} else {
			tgt.URL = r.full
		}
		tgt.Method = q.Method
		if tgt.Method == "" {
			tgt.Method = http.MethodGet
		}
		tgt.Body, tgt.Header = q.Body, q.Header
		return nil
	}
}

// timeoutError is returned for a request that ran out of time.
type timeoutError struct{ d time.Duration }

func (e timeoutError) Error() string {
	return fmt.Sprintf("timeout: no complete response within %v (Timeout)", e.d)
}

// client returns the http.Client of a run and a function to release it.
func (t Target) client(runCtx context.Context, p *plan, r *resolved) (*http.Client, func()) {
	var rt http.RoundTripper
	release := func() {}
	dl := &deadlines{parent: runCtx, timeout: p.timeout}
	if t.isH {
		rt = &handlerTransport{h: t.handler, dl: dl, maxBody: p.maxBody}
	} else {
		d := &net.Dialer{Timeout: p.timeout, KeepAlive: 30 * time.Second}
		if !r.remote {
			d.Control = loopbackOnly
		}
		tr := &http.Transport{
			Proxy:               nil,
			DialContext:         d.DialContext,
			MaxIdleConnsPerHost: p.workers + 16,
			TLSHandshakeTimeout: p.timeout,
			IdleConnTimeout:     30 * time.Second,
		}
		rt = &ctxTransport{rt: tr, dl: dl}
		release = tr.CloseIdleConnections
	}
	// Never follow a redirect: a 3xx is the response the run measures
	// (Expect(303) matches it), and a redirect's target is never dialed.
	noFollow := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &http.Client{Transport: rt, CheckRedirect: noFollow}, release
}

// loopbackOnly refuses connections to non-loopback addresses.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	if err := netguard.Check(address); err != nil {
		return fmt.Errorf("loadtest: %w; pass AllowRemote() to load a remote host", err)
	}
	return nil
}

// deadlineSlack is the granularity of per-request timeouts: requests started
// within one slack share a context whose deadline lies between Timeout and
// Timeout+deadlineSlack after each of them started. Sharing keeps a context
// allocation and a timer off every hit.
const deadlineSlack = 10 * time.Millisecond

// deadlines hands out shared request contexts derived from the run's.
type deadlines struct {
	parent  context.Context
	timeout time.Duration
	mu      sync.Mutex
	cur     atomic.Pointer[sharedDeadline]
}

type sharedDeadline struct {
	ctx    context.Context
	cancel context.CancelFunc // called when the run's context ends
	renew  time.Time
}

func (d *deadlines) get() context.Context {
	now := time.Now()
	if c := d.cur.Load(); c != nil && now.Before(c.renew) {
		return c.ctx
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.cur.Load(); c != nil && now.Before(c.renew) {
		return c.ctx
	}
	c := &sharedDeadline{renew: now.Add(deadlineSlack)}
	c.ctx, c.cancel = context.WithDeadline(d.parent, now.Add(d.timeout+deadlineSlack))
	d.cur.Store(c)
	return c.ctx
}

// timedOut reports whether a request failed because its own deadline passed.
func (d *deadlines) timedOut(ctx context.Context) bool {
	return ctx.Err() == context.DeadlineExceeded && d.parent.Err() == nil
}

// ctxTransport bounds each request by the run's context and the timeout.
type ctxTransport struct {
	rt http.RoundTripper
	dl *deadlines
}

func (t *ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := t.dl.get()
	resp, err := t.rt.RoundTrip(req.WithContext(ctx))
	if err != nil && t.dl.timedOut(ctx) {
		return nil, timeoutError{t.dl.timeout}
	}
	return resp, err
}

// handlerTransport serves requests in process.
type handlerTransport struct {
	h       http.Handler
	dl      *deadlines
	maxBody int64
	pool    sync.Pool
}

func (t *handlerTransport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	rec, _ := t.pool.Get().(*recorder)
	if rec == nil {
		rec = &recorder{}
	}
	rec.reset(t.maxBody)
	rec.pool = &t.pool

	ctx := t.dl.get()
	sr := req.WithContext(ctx)
	sr.RequestURI = req.URL.RequestURI()
	sr.RemoteAddr = "192.0.2.1:1234"
	if sr.Body == nil {
		sr.Body = http.NoBody
	}
	if sr.Host == "" {
		sr.Host = req.URL.Host
	}
	sr.Proto, sr.ProtoMajor, sr.ProtoMinor = "HTTP/1.1", 1, 1

	// The handler runs on its own goroutine so that one that ignores its
	// context cannot hold the run past the deadline: it is abandoned, with
	// its recorder, and the hit counts as a timeout.
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					err = errors.New("handler aborted (http.ErrAbortHandler)")
				} else {
					err = fmt.Errorf("handler panicked: %v", v)
				}
			}
		}()
		t.h.ServeHTTP(rec, sr)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		select {
		case <-done:
		default:
			if t.dl.timedOut(ctx) {
				return nil, timeoutError{t.dl.timeout}
			}
			return nil, ctx.Err()
		}
	}
	if err != nil {
		rec.Close()
		return nil, err
	}
	if t.dl.timedOut(ctx) {
		rec.Close()
		return nil, timeoutError{t.dl.timeout}
	}
	if !rec.wrote {
		rec.code = http.StatusOK
	}
	return &http.Response{
		Status:        strconv.Itoa(rec.code) + " " + http.StatusText(rec.code),
		StatusCode:    rec.code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rec.header,
		Body:          rec,
		ContentLength: int64(rec.buf.Len()),
		Request:       req,
	}, nil
}

// recorder is the http.ResponseWriter of in-process hits. It keeps at most
// max bytes of body and is reused through a pool once its body is closed.
type recorder struct {
	header http.Header
	code   int
	wrote  bool
	max    int64
	buf    bytes.Buffer
	rd     bytes.Reader
	pool   *sync.Pool
	closed bool
}

func (r *recorder) reset(maxBody int64) {
	r.header = make(http.Header)
	r.code, r.wrote, r.max, r.closed = 0, false, maxBody, false
	r.buf.Reset()
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.wrote || code < 100 || code > 999 {
		return
	}
	if code >= 200 || code == http.StatusSwitchingProtocols {
		r.code, r.wrote = code, true
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
	if room := r.max - int64(r.buf.Len()); room > 0 {
		r.buf.Write(p[:min(int64(len(p)), room)])
		return len(p), nil
	}
	// Past the cap the client stops reading, as a real client closes the
	// connection: a handler that writes an endless body sees its writes
	// fail, and stops.
	return 0, errBodyCapped
}

// errBodyCapped is what a handler's write past MaxBody returns.
var errBodyCapped = errors.New("loadtest: response body past MaxBody: the client stopped reading")

func (r *recorder) WriteString(s string) (int, error) {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
	if room := r.max - int64(r.buf.Len()); room > 0 {
		r.buf.WriteString(s[:min(int64(len(s)), room)])
		return len(s), nil
	}
	return 0, errBodyCapped
}

// Flush implements http.Flusher; the body is already buffered.
func (r *recorder) Flush() {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
}

func (r *recorder) Read(p []byte) (int, error) {
	if r.rd.Size() == 0 && r.buf.Len() > 0 {
		r.rd.Reset(r.buf.Bytes())
	}
	return r.rd.Read(p)
}

func (r *recorder) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.rd.Reset(nil)
	if r.pool != nil && r.buf.Cap() <= 64<<10 {
		r.header = nil
		r.pool.Put(r)
	}
	return nil
}
