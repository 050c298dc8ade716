package probe_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// oddHandlers are handlers whose responses a recorder and a real server
// render differently; a check must see in process what a client of the
// deployed service sees.
var oddHandlers = map[string]http.HandlerFunc{
	"sniffed after a newline": func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "\n")
		fmt.Fprintf(w, "<html><p>%s</p></html>", r.URL.Query().Get("q"))
	},
	"no body, no type": func(w http.ResponseWriter, r *http.Request) {},
	"204 with a body": func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		io.WriteString(w, "ignored")
	},
	"304 with a body": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.WriteHeader(http.StatusNotModified)
		io.WriteString(w, "ignored")
	},
	"big body": func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 100_000))
	},
	"flushed (chunked)": func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "one")
		w.(http.Flusher).Flush()
		io.WriteString(w, "two")
	},
	"1xx before the answer": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		io.WriteString(w, "done")
	},
	"trailers": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		io.WriteString(w, "body")
		w.Header().Set("X-Sum", "42")
	},
	"lower-case header names": func(w http.ResponseWriter, r *http.Request) {
		w.Header()["x-raw"] = []string{"kept"}
		w.Header().Set("x-canonical", "yes")
	},
	"panic": func(w http.ResponseWriter, r *http.Request) { panic("boom") },
	"panic after the header": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "12345")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	},
	"WriteHeader(0)": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(0) },
	"hijacked": func(w http.ResponseWriter, r *http.Request) {
		c, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		buf.WriteString("HTTP/1.1 418 I'm a teapot\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
		buf.Flush()
	},
	"redirect": func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusSeeOther)
	},
	"HEAD sized": func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "a body HEAD must not carry")
	},
}

// seen is what a check can observe of a response.
type seen struct {
	Status       int
	Header       http.Header
	Body         string
	Dropped, Cut bool
}

func observe(resp *probe.Response, err error) seen {
	if err != nil {
		return seen{Body: "error"}
	}
	h := resp.Header.Clone()
	h.Del("Date")
	return seen{resp.Status, h, string(resp.Body), resp.Dropped, resp.Cut}
}

func TestInProcessMatchesLoopback(t *testing.T) {
	for name, h := range oddHandlers {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			u, _ := url.Parse(srv.URL)
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				req := probe.Request{Method: method, Path: "/page?q=%3Cb%3E"}
				in := open(t, probe.Config{Handler: h})
				out := open(t, probe.Config{URL: u})
				got, want := observe(in.Do(t.Context(), req)), observe(out.Do(t.Context(), req))
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s: in process differs from loopback (-loopback +in process):\n%s", method, d)
				}
			}
		})
	}
}
