package scenario

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/jettymethod/jetty/internal/deadlines"
	"github.com/jettymethod/jetty/scenario/internal/probe"
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

// In-process targets are served by a real net/http server over in-memory
// connections, so a check sees what a client of the deployed service sees:
// content sniffing over the buffered body, Content-Length or chunking,
// HEAD, 1xx, trailers, Hijack, and a panicking handler's dropped
// connection.

// HandlerFunc targets an in-process handler that build constructs. A
// scenario calls build once per run, inside a testing/synctest bubble when it
// needs virtual time: a 5-minute lockout is then verified in milliseconds,
// without the application injecting a clock. build must create everything
// whose time matters (limiters, caches) and must not start goroutines that
// outlive the handler.
func HandlerFunc(build func() http.Handler) Target { return Target{build: build} }

// URL targets a live server, such as an httptest.Server or the application
// started on loopback. Only loopback hosts (127.0.0.0/8, ::1, localhost) are
// accepted unless AllowRemote is called: a URL whose host is not one is
// refused before any request, and every connection is checked again on the
// address actually dialed, so a name that resolves elsewhere is refused
// too. Redirects are never followed: a check sees each response as sent. Time cannot be virtual for a URL: scenarios that need minutes to
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
const defaultClientIP = probe.DefaultClientIP

// client is a target opened for one run: it sends requests.
type client struct {
	*probe.Client
	// h is the in-process handler, nil for a URL target.
	h http.Handler
	// base is the URL target's base, nil in process.
	base *url.URL
}

// response is what came back, as sent.
type response = probe.Response

// urlTimeout bounds each request; a context deadline bounds it further.
func urlTimeout() time.Duration { return deadlines.Of(probe.DefaultTimeout) }

// maxBody caps each response body a check reads.
const maxBody = probe.DefaultMaxBody

// openOpts are how a check opens its target.
type openOpts struct {
	// https makes in-process requests look like TLS (r.TLS set).
	https bool
}

// open validates t and returns a client. For HandlerFunc targets it calls
// build, so call open inside the synctest bubble when time must be virtual;
// the client, and a built handler that is an io.Closer, are closed when the
// scenario ends (r's cleanup), so what they opened inside a bubble does not
// outlive it.
func (t Target) open(r reporter, opts ...openOpts) (*client, error) {
	var o openOpts
	for _, x := range opts {
		o.https = o.https || x.https
	}
	cfg := probe.Config{AllowRemote: t.allowRemote, ClientIP: t.clientIP, RootCAs: t.rootCAs, TLS: o.https}
	c := &client{}
	switch {
	case t.url != "":
		u, err := checkURL(t.url, t.allowRemote)
		if err != nil {
			return nil, err
		}
		cfg.URL, c.base = u, u
	case t.build != nil:
		var h http.Handler
		if p := probe.Call(func() { h = t.build() }); p != nil {
			return nil, fmt.Errorf("scenario.HandlerFunc: build panicked: %v; fix newApp so it returns a handler", p)
		}
		if h == nil {
			return nil, errors.New("scenario.HandlerFunc: build returned a nil handler: return your application's http.Handler")
		}
		if cl, ok := h.(io.Closer); ok {
			r.cleanup(func() { cl.Close() })
		}
		cfg.Handler, c.h = h, h
	case t.shared != nil:
		cfg.Handler, c.h = t.shared, t.shared
	default:
		return nil, errors.New("no target: set Target to scenario.Handler(h), scenario.HandlerFunc(newApp) or scenario.URL(\"http://127.0.0.1:8080\")")
	}
	pc, err := probe.Open(cfg)
	if err != nil {
		return nil, err
	}
	c.Client = pc
	r.cleanup(pc.Close)
	return c, nil
}

// do sends one request; see probe.Client.Do.
func (c *client) do(ctx context.Context, q Request) (*response, error) {
	return c.Do(ctx, probe.Request(q))
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
	if !allowRemote && !probe.IsLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("scenario.URL(%q): %q is not a loopback host; scenarios send requests only to 127.0.0.0/8, ::1 or localhost unless you call .AllowRemote() on a host you own", raw, u.Hostname())
	}
	return u, nil
}

// connect opens t for r's run, as every check does once its fields are
// read: nothing when a problem was reported already, else the client, or
// nil with the reason reported. It marks the end of the check's
// configuration (r.ready): problems before it are about the check's
// fields.
func connect(r reporter, t Target, opts ...openOpts) *client {
	defer r.ready()
	if r.failed() {
		return nil
	}
	c, err := t.open(r, opts...)
	if err != nil {
		r.errorf("%v", err)
		return nil
	}
	return c
}
