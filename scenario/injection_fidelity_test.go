package scenario_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/scenario"
)

// bothWays runs x on h in process and over a loopback URL.
func bothWays(t *testing.T, h http.Handler, x scenario.Injection, fn func(t *testing.T, err error)) {
	t.Helper()
	for _, url := range []bool{false, true} {
		t.Run(fmt.Sprintf("url=%v", url), func(t *testing.T) {
			x := x
			x.Target = scenario.Handler(h)
			if url {
				x.Target = scenario.URL(quietServer(t, h).URL)
			}
			fn(t, x.Verify(context.Background()))
		})
	}
}

// Issue 11 item 1: a handler that writes "\n" and then an HTML page, with no
// Content-Type: net/http sniffs its buffer (text/html), where
// httptest.ResponseRecorder sniffed only the first Write (text/plain).
func TestInjectionXSSAfterALeadingNewline(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "\n")
		fmt.Fprintf(w, "<!doctype html><html><body><p>Results for %s</p></body></html>", r.URL.Query().Get("q"))
	})
	// The old blind spot: a recorder sniffs the first Write alone.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/search?q=x", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Logf("httptest.ResponseRecorder now sniffs %q", ct)
	}
	x := scenario.Injection{Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q", Path: "/search"}}, Categories: []scenario.PayloadCategory{scenario.PayloadXSS}}
	bothWays(t, h, x, func(t *testing.T, err error) {
		text := problemsOf(t, err).Error()
		if !strings.Contains(text, `← xss payload "<script>alert(1337)</script>": 200, the HTML reflects it unescaped`) {
			t.Errorf("the XSS was missed:\n%s", text)
		}
	})
	safe := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "\n")
		searchPage.Execute(w, map[string]any{"Q": r.URL.Query().Get("q")})
	})
	bothWays(t, safe, x, func(t *testing.T, err error) {
		if err != nil {
			t.Errorf("html/template after a newline: %v", err)
		}
	})
}
