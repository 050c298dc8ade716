package scenario

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Target is what a scenario sends its requests to: an in-process
// http.Handler (no sockets, and virtual time where a scenario needs minutes
// to pass) or a live server's URL. The zero Target is invalid; scenarios
// report it with how to fix it.
type Target struct {
	build       func() http.Handler
	shared      http.Handler
	url         string
	allowRemote bool
	clientIP    string
	rootCAs     *x509.CertPool
}

// Handler targets an in-process handler. The same handler serves every
// request of the scenario. Scenarios that need time to pass (RateLimit's
// lockout) need HandlerFunc instead, so the handler's timers run on the
// scenario's virtual clock.
func Handler(h http.Handler) Target { return Target{shared: h} }

// HandlerFunc targets an in-process handler that build constructs. A
// scenario calls build once per run, inside a testing/synctest bubble when it
// needs virtual time: a 5-minute lockout is then verified in milliseconds,
// without the application injecting a clock. build must create everything
// whose time matters (limiters, caches) and must not start goroutines that
// outlive the handler.
func HandlerFunc(build func() http.Handler) Target { return Target{build: build} }

// URL targets a live server, such as an httptest.Server or the application
// started on loopback. Only loopback hosts (127.0.0.0/8, ::1, localhost) are
// accepted unless AllowRemote is called; the refusal happens before any
// request. Time cannot be virtual for a URL: scenarios that need minutes to
// pass check the server's Retry-After instead, and say so.
func URL(raw string) Target { return Target{url: raw} }

// AllowRemote returns t with the loopback guard lifted: the scenario may send
// requests to a non-loopback host. Only for hosts you own and may load.
func (t Target) AllowRemote() Target { t.allowRemote = true; return t }

// ClientIP returns t with the client address that in-process requests come
// from (their RemoteAddr host). Default "192.0.2.10" (TEST-NET-1): no
// traffic is sent there, it only fills RemoteAddr.
func (t Target) ClientIP(ip string) Target { t.clientIP = ip; return t }

// RootCAs returns t with pool as the roots an https URL target's
// certificate must chain to, instead of the system's: for a server whose
// certificate your own CA signed. nil restores the system's roots. Requests
// sent through the Target (every scenario but Load, whose load generator
// keeps the system's roots) and TLS's certificate check use it.
func (t Target) RootCAs(pool *x509.CertPool) Target { t.rootCAs = pool; return t }

// TrustCert returns t with cert added to its roots (to a copy: a pool given
// to RootCAs is not changed), such as an httptest TLS server's
// Certificate():
//
//	scenario.URL(srv.URL).TrustCert(srv.Certificate())
//
// A nil cert adds nothing.
func (t Target) TrustCert(cert *x509.Certificate) Target {
	if cert == nil {
		return t
	}
	pool := x509.NewCertPool()
	if t.rootCAs != nil {
		pool = t.rootCAs.Clone()
	}
	pool.AddCert(cert)
	t.rootCAs = pool
	return t
}

// IsURL reports whether t targets a live server.
func (t Target) IsURL() bool { return t.url != "" }

// IsZero reports whether t is the zero Target.
func (t Target) IsZero() bool { return t.build == nil && t.shared == nil && t.url == "" }

// String describes the target for reports.
func (t Target) String() string {
	switch {
	case t.url != "":
		return t.url
	case t.build != nil || t.shared != nil:
		return "in-process handler"
	}
	return "no target"
}

// defaultClientIP fills RemoteAddr for in-process requests.
const defaultClientIP = "192.0.2.10"

// client is a target opened for one run: it sends requests.
type client struct {
	h    http.Handler
	base *url.URL
	hc   *http.Client
	ip   string
	// stalled is set when a request to a URL target got no answer within
	// urlTimeout: later requests are not sent, so a server that accepts
	// connections and never answers costs a scenario one timeout, not one
	// per request.
	stalled atomic.Pointer[string]
}

// urlTimeout bounds each request to a URL target; a context deadline
// bounds it further.
const urlTimeout = 10 * time.Second

// open validates t and returns a client. For HandlerFunc targets it calls
// build, so call open inside the synctest bubble when time must be virtual;
// a built handler that is an io.Closer is closed when the scenario ends (r's
// cleanup), so what it opened inside a bubble does not outlive it.
func (t Target) open(r reporter) (*client, error) {
	c, err := t.openClient()
	if err == nil && c.hc != nil {
		if tr, ok := c.hc.Transport.(*http.Transport); ok {
			r.cleanup(tr.CloseIdleConnections)
		}
	}
	if err == nil && t.build != nil {
		if cl, ok := c.h.(io.Closer); ok {
			r.cleanup(func() { cl.Close() })
		}
	}
	return c, err
}

func (t Target) openClient() (*client, error) {
	ip := t.clientIP
	if ip == "" {
		ip = defaultClientIP
	}
	switch {
	case t.url != "":
		u, err := checkURL(t.url, t.allowRemote)
		if err != nil {
			return nil, err
		}
		hc := &http.Client{
			Timeout:       urlTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		if t.rootCAs != nil {
			hc.Transport = &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				TLSClientConfig:     &tls.Config{RootCAs: t.rootCAs, MinVersion: tls.VersionTLS12},
				ForceAttemptHTTP2:   true,
				TLSHandshakeTimeout: urlTimeout,
				IdleConnTimeout:     90 * time.Second,
			}
		}
		return &client{base: u, ip: ip, hc: hc}, nil
	case t.build != nil:
		h := t.build()
		if h == nil {
			return nil, errors.New("scenario.HandlerFunc: build returned a nil handler: return your application's http.Handler")
		}
		return &client{h: h, ip: ip}, nil
	case t.shared != nil:
		return &client{h: t.shared, ip: ip}, nil
	}
	return nil, errors.New("no target: set Target to scenario.Handler(h), scenario.HandlerFunc(newApp) or scenario.URL(\"http://127.0.0.1:8080\")")
}

// checkURL parses raw and refuses non-loopback hosts unless allowed.
func checkURL(raw string, allowRemote bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("scenario.URL(%q): %v: want an absolute URL such as http://127.0.0.1:8080", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("scenario.URL(%q): want an absolute http or https URL such as http://127.0.0.1:8080", raw)
	}
	if !allowRemote && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("scenario.URL(%q): %q is not a loopback host; scenarios send requests only to 127.0.0.0/8, ::1 or localhost unless you call .AllowRemote() on a host you own", raw, u.Hostname())
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Request is one request a scenario sends, such as a login attempt. A zero
// field takes the default of the scenario field that holds the Request
// (see [RateLimit.Request], [AuditLog.Login]); fields set explicitly win.
type Request struct {
	// Method is the HTTP method. Its default depends on the field that
	// holds the Request: POST for the login requests of RateLimit and
	// AuditLog, GET for most others.
	Method string
	// Path is the path and query, e.g. "/login?next=%2F".
	Path string
	// Header is sent with the request. Login defaults add Content-Type:
	// application/json when the body is a JSON object.
	Header http.Header
	// Body is the request body; login defaults use LoginRequest's body.
	Body []byte
}

// response is what came back: the status, headers and the whole body (at
// most maxBody bytes).
type response struct {
	Status int
	Header http.Header
	Body   []byte
	// Dropped is true when the server closed the connection (or panicked
	// in process) without answering.
	Dropped bool
	Elapsed time.Duration
}

const maxBody = 1 << 20

// do sends one request. A handler that panics in process counts as a
// dropped connection, as net/http would close it.
func (c *client) do(ctx context.Context, r Request) (resp *response, err error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	path := r.Path
	if path == "" {
		path = "/"
	}
	start := time.Now()
	if c.h != nil {
		req := httptest.NewRequestWithContext(ctx, method, path, bytes.NewReader(r.Body))
		req.RemoteAddr = net.JoinHostPort(c.ip, "51234")
		for k, vs := range r.Header {
			req.Header[k] = append([]string(nil), vs...)
		}
		if host := req.Header.Get("Host"); host != "" {
			req.Host = host
		}
		rec := httptest.NewRecorder()
		dropped := false
		func() {
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						dropped = true
						return
					}
					dropped = true
				}
			}()
			c.h.ServeHTTP(rec, req)
		}()
		res := rec.Result()
		body, _ := io.ReadAll(io.LimitReader(res.Body, maxBody))
		return &response{Status: res.StatusCode, Header: res.Header, Body: body, Dropped: dropped, Elapsed: time.Since(start)}, nil
	}
	ref := &url.URL{Path: pathOnly(path), RawQuery: queryOnly(path)}
	if strings.Contains(ref.Path, "%") {
		// An escaped path ("/users/%2e%2e%2F") travels as escaped, not
		// escaped twice; the in-process branch reads it the same way.
		if p, err := url.PathUnescape(ref.Path); err == nil {
			ref.RawPath, ref.Path = ref.Path, p
		}
	}
	u := c.base.ResolveReference(ref)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
	}
	if first := c.stalled.Load(); first != nil {
		return nil, fmt.Errorf("%s %s not sent: %s got no answer within %v, so the scenario stopped sending to %s", method, path, *first, urlTimeout, c.base.Host)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			what := method + " " + path
			c.stalled.CompareAndSwap(nil, &what)
			return nil, fmt.Errorf("no answer within %v: %s accepted the request but did not respond; find what the handler waits on (a lock, a full connection pool, a slow dependency) and answer, or fail fast with 503", urlTimeout, c.base.Host)
		}
		// The server closed the connection without a response.
		return &response{Dropped: true, Elapsed: time.Since(start)}, nil
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxBody))
	return &response{Status: res.StatusCode, Header: res.Header, Body: body, Elapsed: time.Since(start)}, nil
}

func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

func queryOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[i+1:]
	}
	return ""
}

// String describes the response for failure messages: "429" or "dropped
// connection (no response)".
func (r *response) String() string {
	if r.Dropped {
		return "no response (the connection was dropped)"
	}
	return fmt.Sprintf("%d", r.Status)
}
