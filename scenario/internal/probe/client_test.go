package probe_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

func open(t *testing.T, cfg probe.Config) *probe.Client {
	t.Helper()
	c, err := probe.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// fakeDNS is a resolver that answers every A query with ip, so that a test
// can map a name anywhere without touching /etc/hosts.
func fakeDNS(ip net.IP) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		client, server := net.Pipe()
		go serveDNS(server, ip.To4())
		return client, nil
	}}
}

// serveDNS answers one length-prefixed (TCP-framed) DNS query.
func serveDNS(c net.Conn, ip net.IP) {
	defer c.Close()
	var n uint16
	if binary.Read(c, binary.BigEndian, &n) != nil {
		return
	}
	q := make([]byte, n)
	if _, err := io.ReadFull(c, q); err != nil || len(q) < 12 {
		return
	}
	// The question ends after its name's labels and QTYPE, QCLASS.
	i := 12
	for i < len(q) && q[i] != 0 {
		i += int(q[i]) + 1
	}
	if i+5 > len(q) {
		return
	}
	question := q[12 : i+5]
	qtype := binary.BigEndian.Uint16(q[i+1:])
	resp := append([]byte{}, q[0:2]...)   // ID
	resp = append(resp, 0x81, 0x80, 0, 1) // response, recursion; one question
	if qtype == 1 {
		resp = append(resp, 0, 1) // one answer
	} else {
		resp = append(resp, 0, 0)
	}
	resp = append(resp, 0, 0, 0, 0)
	resp = append(resp, question...)
	if qtype == 1 {
		resp = append(resp, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
		resp = append(resp, ip...)
	}
	binary.Write(c, binary.BigEndian, uint16(len(resp)))
	c.Write(resp)
}

// The guard decides on the address dialed: a name that resolves to a
// remote address is refused, the same name resolving to loopback is not.
func TestGuardDecidesOnTheDialedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	u, _ := url.Parse("http://service.test:" + port)

	remote := open(t, probe.Config{URL: u, Resolver: fakeDNS(net.ParseIP("203.0.113.5"))})
	_, err := remote.Do(t.Context(), probe.Request{})
	if !errors.Is(err, probe.ErrNotLoopback) {
		t.Errorf("a name resolving to 203.0.113.5: Do = %v, want ErrNotLoopback", err)
	}
	local := open(t, probe.Config{URL: u, Resolver: fakeDNS(net.ParseIP("127.0.0.1"))})
	resp, err := local.Do(t.Context(), probe.Request{})
	if err != nil || string(resp.Body) != "ok" {
		t.Errorf("a name resolving to 127.0.0.1: Do = %v, %v; want ok", resp, err)
	}
}

// Responses are seen as sent: a redirect is not followed, even with a
// Location Go's client cannot parse.
func TestRedirectsAreNotFollowed(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Location"] = []string{"http://[::1%zz]/%zz"}
		w.WriteHeader(http.StatusFound)
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	for name, cfg := range map[string]probe.Config{"in process": {Handler: h}, "url": {URL: u}} {
		resp, err := open(t, cfg).Do(t.Context(), probe.Request{})
		if err != nil || resp.Status != http.StatusFound || resp.Dropped {
			t.Errorf("%s: Do = %v, %v; want the 302 as sent", name, resp, err)
		}
	}
}

// An endless body is read up to the cap and no further.
func TestEndlessBodyIsCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var wrote atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			chunk := make([]byte, 32<<10)
			for {
				n, err := w.Write(chunk)
				wrote.Add(int64(n))
				if err != nil {
					return
				}
			}
		})
		c := open(t, probe.Config{Handler: h, MaxBody: 64 << 10})
		resp, err := c.Do(t.Context(), probe.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Truncated || len(resp.Body) != 64<<10 {
			t.Errorf("body %d bytes, truncated %v; want 64 KiB, truncated", len(resp.Body), resp.Truncated)
		}
		c.Close()
		synctest.Wait()
		if w := wrote.Load(); w > 1<<20 {
			t.Errorf("the handler wrote %d bytes before the client stopped reading", w)
		}
	})
}

// A handler that never answers costs one timeout (virtual here); after it
// the client sends nothing more.
func TestStallIsReportedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var calls atomic.Int32
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		c := open(t, probe.Config{Handler: h, Timeout: time.Second})
		start := time.Now()
		_, err := c.Do(t.Context(), probe.Request{Path: "/slow"})
		if err == nil || !strings.Contains(err.Error(), "no answer within 1s") {
			t.Errorf("Do = %v, want a no-answer error", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("took %v of virtual time, want the 1s timeout", d)
		}
		_, err = c.Do(t.Context(), probe.Request{Path: "/next"})
		if err == nil || !strings.Contains(err.Error(), "not sent") {
			t.Errorf("second Do = %v, want not sent", err)
		}
		close(release)
		if n := calls.Load(); n != 1 {
			t.Errorf("%d requests reached the handler, want 1", n)
		}
	})
}

func TestDoneContextSendsNothing(t *testing.T) {
	var calls atomic.Int32
	c := open(t, probe.Config{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Do(ctx, probe.Request{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Do = %v, want context.Canceled", err)
	}
	if calls.Load() != 0 {
		t.Error("a request reached the handler after cancel")
	}
}

// In process the handler runs behind a real server: sniffing over the
// buffered body, panics as dropped connections, a panic mid-body as a cut
// body, RemoteAddr and TLS as configured.
func TestInProcessBehavesLikeAServer(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/sniff", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "\n")
		io.WriteString(w, "<html><body>hi</body></html>")
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("/who", func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		tls := "plain"
		if r.TLS != nil {
			tls = "tls"
		}
		io.WriteString(w, host+" "+tls)
	})
	c := open(t, probe.Config{Handler: mux, ClientIP: "198.51.100.7", TLS: true})
	ctx := t.Context()
	if resp, _ := c.Do(ctx, probe.Request{Path: "/sniff"}); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("sniffed Content-Type %q, want text/html as net/http sends", resp.Header.Get("Content-Type"))
	}
	if resp, err := c.Do(ctx, probe.Request{Path: "/panic"}); err != nil || !resp.Dropped || resp.Cut {
		t.Errorf("panicking handler: %v, %v; want a dropped connection", resp, err)
	}
	if resp, err := c.Do(ctx, probe.Request{Path: "/cut"}); err != nil || !resp.Cut || resp.Status != 200 {
		t.Errorf("aborted body: %v, %v; want 200 cut off mid-body", resp, err)
	}
	if resp, _ := c.Do(ctx, probe.Request{Path: "/who"}); string(resp.Body) != "198.51.100.7 tls" {
		t.Errorf("handler saw %q, want 198.51.100.7 tls", resp.Body)
	}
}

// A server that answers something that is not HTTP is an error that says
// so, not a dropped connection.
func TestMalformedResponseIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 abc Nope\r\n\r\n")
			c.Close()
		}
	}()
	u, _ := url.Parse("http://" + ln.Addr().String())
	_, err = open(t, probe.Config{URL: u}).Do(t.Context(), probe.Request{})
	if err == nil || !strings.Contains(err.Error(), "not valid HTTP") {
		t.Errorf("Do = %v, want a not-valid-HTTP error", err)
	}
}

// TestPathIsSentAsWritten: the request line carries the path as the check
// wrote it, like curl --path-as-is: dot segments stay (a check asked to
// send /static/../admin must not send /admin instead), escapes stay
// escaped, and a query is untouched, in process and over loopback alike.
func TestPathIsSentAsWritten(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.RequestURI) })
	srv := httptest.NewServer(echo)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	for name, cfg := range map[string]probe.Config{"in process": {Handler: echo}, "loopback": {URL: u}} {
		c := open(t, cfg)
		for _, path := range []string{
			"/static/../admin", "/a/./b", "/a/..", "/.well-known/x", "/users/%2e%2e%2F", "/users/..%2f..%2fetc%2fpasswd",
			"//double", "/search?q=a%20b&x=../y", "/%E2%80%AE",
		} {
			res, err := c.Do(t.Context(), probe.Request{Path: path})
			if err != nil || string(res.Body) != path {
				t.Errorf("%s: %s reached the server as %q (%v), want it as written", name, path, res.Body, err)
			}
		}
	}
}
