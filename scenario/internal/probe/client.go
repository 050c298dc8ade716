package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jettymethod/jetty/internal/deadlines"
	"github.com/jettymethod/jetty/internal/netguard"
)

// Defaults of a Config.
const (
	// DefaultTimeout bounds each request, headers and body: a handler or
	// server that does not answer within it is reported, once.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxBody is how much of a response body a check keeps; the
	// rest is not read (the connection is closed), so an endless body
	// costs no memory.
	DefaultMaxBody = 1 << 20
	// DefaultClientIP fills RemoteAddr for in-process requests
	// (TEST-NET-1: no traffic is sent there).
	DefaultClientIP = "192.0.2.10"
)

// Config says where a client sends requests.
type Config struct {
	// Handler is served in process, through a real net/http server on an
	// in-memory connection: content sniffing, Content-Length, chunking,
	// HEAD, 1xx, trailers, Hijack and panics behave as on a real server.
	Handler http.Handler
	// URL is a live server's base URL, used when Handler is nil.
	URL *url.URL
	// AllowRemote lifts the loopback guard for URL. The guard decides on
	// the address actually dialed, so a name that resolves elsewhere is
	// refused too.
	AllowRemote bool
	// ClientIP is the RemoteAddr host of in-process requests. Default
	// DefaultClientIP.
	ClientIP string
	// TLS makes in-process requests look like TLS (r.TLS set), as a
	// check that says the service runs behind HTTPS needs.
	TLS bool
	// RootCAs are the roots an https URL's certificate must chain to;
	// nil: the system's.
	RootCAs *x509.CertPool
	// Resolver resolves a URL's host; nil: the system's. Whatever it
	// answers, the loopback guard checks the address dialed.
	Resolver *net.Resolver
	// Timeout bounds each request. Default DefaultTimeout.
	Timeout time.Duration
	// MaxBody caps each response body. Default DefaultMaxBody.
	MaxBody int64
}

// Request is one request to send. Path holds the path and query; a Host
// header sets the request's Host.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Response is what came back, as the server sent it: redirects are not
// followed.
type Response struct {
	Status int
	Header http.Header
	// Body holds at most the client's MaxBody bytes.
	Body []byte
	// Truncated is true when the body was longer than MaxBody.
	Truncated bool
	// Dropped is true when the server closed the connection without a
	// whole response: before its headers (a panicking handler), or in the
	// middle of its body (Cut is then true, with Status and Header set).
	Dropped bool
	Cut     bool
	Elapsed time.Duration
}

// String describes the response for failure messages: "429", "no response
// (the connection was dropped)", "200 cut off mid-body (the connection was
// dropped)".
func (r *Response) String() string {
	switch {
	case r.Cut:
		return fmt.Sprintf("%d cut off mid-body (the connection was dropped)", r.Status)
	case r.Dropped:
		return "no response (the connection was dropped)"
	}
	return fmt.Sprintf("%d", r.Status)
}

// Client sends requests to one target. Close it when done.
type Client struct {
	cfg     Config
	base    *url.URL
	rt      *http.Transport
	srv     *http.Server
	ln      *pipeListener
	stalled atomic.Pointer[string]
	busy    inflight
}

// inflight counts handler calls that have not returned.
type inflight struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n == 0
}

func (f *inflight) enter() {
	f.mu.Lock()
	if f.n == 0 {
		f.idle = make(chan struct{})
	}
	f.n++
	f.mu.Unlock()
}

func (f *inflight) leave() {
	f.mu.Lock()
	f.n--
	if f.n == 0 {
		close(f.idle)
	}
	f.mu.Unlock()
}

func (f *inflight) wait() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		done := make(chan struct{})
		close(done)
		return done
	}
	return f.idle
}

// ErrNotLoopback is wrapped by the error of a dial the loopback guard
// refused.
var ErrNotLoopback = netguard.ErrNotLoopback

// Open returns a client for cfg.
func Open(cfg Config) (*Client, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = deadlines.Of(DefaultTimeout)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.ClientIP == "" {
		cfg.ClientIP = DefaultClientIP
	}
	c := &Client{cfg: cfg}
	switch {
	case cfg.Handler != nil:
		c.openHandler()
	case cfg.URL != nil:
		c.openURL()
	default:
		return nil, errors.New("probe: no handler and no URL")
	}
	return c, nil
}

func (c *Client) openHandler() {
	c.ln = newPipeListener(c.cfg.ClientIP)
	h := c.cfg.Handler
	if c.cfg.TLS {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true, ServerName: r.Host, CipherSuite: tls.TLS_AES_128_GCM_SHA256}
			inner.ServeHTTP(w, r)
		})
	}
	counted := h
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.busy.enter()
		defer c.busy.leave()
		counted.ServeHTTP(w, r)
	})
	c.srv = &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0), ReadHeaderTimeout: c.cfg.Timeout}
	go c.srv.Serve(c.ln)
	c.base = &url.URL{Scheme: "http", Host: "example.com"}
	c.rt = &http.Transport{
		DialContext:           c.ln.dial,
		DisableCompression:    true,
		MaxIdleConnsPerHost:   8,
		ResponseHeaderTimeout: c.cfg.Timeout,
	}
}

func (c *Client) openURL() {
	c.base = c.cfg.URL
	d := &net.Dialer{Timeout: c.cfg.Timeout, Control: netguard.Control(c.cfg.AllowRemote), Resolver: c.cfg.Resolver}
	c.rt = &http.Transport{
		Proxy:                 nil, // never through a proxy: the guard decides on the server's own address
		DialContext:           d.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: c.cfg.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   c.cfg.Timeout,
		ResponseHeaderTimeout: c.cfg.Timeout,
		ForceAttemptHTTP2:     true,
		DisableCompression:    true,
		IdleConnTimeout:       90 * time.Second,
	}
}

// Guard is the loopback guard as a net.Dialer Control function: every
// address but loopback is refused unless allowRemote; see
// internal/netguard.
func Guard(allowRemote bool) func(network, address string, c syscall.RawConn) error {
	return netguard.Control(allowRemote)
}

// IsLoopbackHost reports whether host is a loopback IP or "localhost" (by
// spelling: every dial is checked again on the address it resolved to).
func IsLoopbackHost(host string) bool { return netguard.IsLoopbackHost(host) }

// Base is the URL requests are sent to: the server's, or http://example.com
// for an in-process handler.
func (c *Client) Base() *url.URL { return c.base }

// InProcess reports whether c serves a handler in process.
func (c *Client) InProcess() bool { return c.srv != nil }

// Transport returns the transport c sends through.
func (c *Client) Transport() http.RoundTripper { return c.rt }

// WaitHandlers waits up to d for every in-process handler call to return
// and reports whether they did (always true for a URL target, whose
// handlers cannot be seen).
func (c *Client) WaitHandlers(d time.Duration) bool {
	if c.srv == nil {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.busy.wait():
		return true
	case <-t.C:
		return false
	}
}

// Close closes idle connections and, in process, the server.
func (c *Client) Close() {
	c.rt.CloseIdleConnections()
	if c.srv != nil {
		c.srv.Close()
	}
}

// Do sends one request and reads its response through the body cap. A
// cancelled or expired ctx stops it before it is sent, with an error that
// wraps ctx.Err(). A dropped connection is a Response with Dropped set, not
// an error; the error is for what is not the server's answer: a request
// that cannot be built, a refused dial, a transport failure, or no answer
// within the timeout (after which c sends nothing more).
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	method, path := r.Method, r.Path
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = "/"
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("not sent: %w", err)
	}
	if first := c.stalled.Load(); first != nil {
		return nil, fmt.Errorf("not sent: %s got no answer within %v, so the check stopped sending to %s", *first, c.cfg.Timeout, c.where())
	}
	req, err := c.request(ctx, method, path, r)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.Timeout, errTimeout)
	defer cancel()
	req = req.WithContext(ctx)
	start := time.Now()
	res, err := c.rt.RoundTrip(req)
	if err != nil {
		return c.failed(ctx, method, path, start, err)
	}
	defer res.Body.Close()
	resp := &Response{Status: res.StatusCode, Header: res.Header}
	body, rerr := io.ReadAll(io.LimitReader(res.Body, c.cfg.MaxBody+1))
	if int64(len(body)) > c.cfg.MaxBody {
		body, resp.Truncated = body[:c.cfg.MaxBody], true
	}
	resp.Body = body
	resp.Elapsed = time.Since(start)
	if rerr != nil {
		switch cause := context.Cause(ctx); {
		case cause == errTimeout:
			return nil, c.stall(method, path)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("stopped reading the body: %w", ctx.Err())
		}
		resp.Dropped, resp.Cut = true, true
	}
	return resp, nil
}

func (c *Client) where() string {
	if c.srv != nil {
		return "the in-process handler"
	}
	return c.base.Host
}

func (c *Client) request(ctx context.Context, method, path string, r Request) (*http.Request, error) {
	u, ok := c.resolve(path)
	target := c.base.String() // a valid URL for NewRequest; u replaces it
	if !ok {
		// Through a URL string, as the request line will be: what does not
		// survive the round trip is refused here, with net/url's error.
		target = u.String()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	if ok {
		req.URL = u
	}
	if len(r.Body) == 0 && method != http.MethodPost && method != http.MethodPut && method != http.MethodPatch {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
		req.Header.Del("Host")
	}
	return req, nil
}

// resolve is the URL path (with its query) names on the base's server. An
// absolute path is sent as written, like curl --path-as-is: its escapes stay
// escaped ("/users/%2e%2e%2F" is not escaped twice), and its dot segments
// stay ("/static/../admin" is not sent as "/admin", which is what
// url.URL.ResolveReference would make of it). It goes on the request's URL
// without a trip through the URL's string, so a 1 MiB payload is not copied
// or escaped again; ok is false when it must take that trip: a relative
// path, resolved against the base's, or a query with a control byte, a
// space or '#', which net/url refuses or cuts there.
func (c *Client) resolve(path string) (u *url.URL, ok bool) {
	ref := &url.URL{Path: path}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		ref.Path, ref.RawQuery = path[:i], path[i+1:]
	}
	if strings.Contains(ref.Path, "%") {
		if p, err := url.PathUnescape(ref.Path); err == nil {
			ref.RawPath, ref.Path = ref.Path, p
		}
	}
	if !strings.HasPrefix(ref.Path, "/") ||
		strings.IndexFunc(ref.RawQuery, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '#' }) >= 0 {
		return c.base.ResolveReference(ref), false
	}
	return &url.URL{Scheme: c.base.Scheme, User: c.base.User, Host: c.base.Host, Path: ref.Path, RawPath: ref.RawPath, RawQuery: ref.RawQuery}, true
}

// failed turns a RoundTrip error into the check's view of it.
func (c *Client) failed(ctx context.Context, method, path string, start time.Time, err error) (*Response, error) {
	switch {
	case errors.Is(err, ErrNotLoopback):
		return nil, err
	case context.Cause(ctx) == errTimeout:
		return nil, c.stall(method, path)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("stopped: %w", ctx.Err())
	case isTimeout(err):
		return nil, c.stall(method, path)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return nil, fmt.Errorf("cannot connect to %s: %v", c.base.Host, opErr.Err)
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return nil, err
	}
	if closed(err) {
		// The server closed the connection without a response.
		return &Response{Dropped: true, Elapsed: time.Since(start)}, nil
	}
	return nil, fmt.Errorf("the response is not valid HTTP: %v", err)
}

// closed reports whether err says the connection closed before a response.
func closed(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "EOF") || strings.Contains(msg, "connection reset") || strings.Contains(msg, "broken pipe") || strings.Contains(msg, "server closed")
}

// errTimeout is the cause of the client's own per-request deadline, told
// apart from the caller's.
var errTimeout = errors.New("probe: request timeout")

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *Client) stall(method, path string) error {
	what := method + " " + path
	c.stalled.CompareAndSwap(nil, &what)
	return fmt.Errorf("no answer within %v: %s accepted the request but did not respond; find what the handler waits on (a lock, a full connection pool, a slow dependency) and answer, or fail fast with 503", c.cfg.Timeout, c.where())
}

// pipeListener is a net.Listener whose connections are in-memory pipes
// made by its dial method: an http.Server serves them without sockets, and
// inside a synctest bubble.
type pipeListener struct {
	ip     string
	conns  chan net.Conn
	done   chan struct{}
	once   sync.Once
	nextID atomic.Int32
}

func newPipeListener(ip string) *pipeListener {
	return &pipeListener{ip: ip, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	port := 40000 + int(l.nextID.Add(1))%20000
	remote := &net.TCPAddr{IP: net.ParseIP(l.ip), Port: port}
	if remote.IP == nil {
		remote.IP = net.ParseIP(DefaultClientIP)
	}
	select {
	case l.conns <- addrConn{Conn: server, local: l.Addr(), remote: remote}:
		return client, nil
	case <-l.done:
		client.Close()
		server.Close()
		return nil, net.ErrClosed
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, ctx.Err()
	}
}

// addrConn gives a pipe the addresses of a TCP connection.
type addrConn struct {
	net.Conn
	local, remote net.Addr
}

func (c addrConn) LocalAddr() net.Addr  { return c.local }
func (c addrConn) RemoteAddr() net.Addr { return c.remote }
