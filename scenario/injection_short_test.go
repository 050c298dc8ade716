package scenario_test

import (
	"database/sql"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// shortInjection is x as it runs under go test -short.
func shortInjection(x scenario.Injection) scenario.Injection { return scenario.WithShort(x, true) }

// Under -short the corpus is narrowed, yet every broken handler of the
// full corpus's tests is caught, each with the same message.
func TestInjectionShortCatchesBrokenHandlers(t *testing.T) {
	t.Parallel()
	for _, tc := range brokenInjection {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			canary := filepath.Join(dir, "canary")
			x := shortInjection(scenario.Injection{Target: scenario.Handler(tc.app(t, dir)), Inputs: []scenario.Input{tc.input}, Canary: canary})
			text := problemsOf(t, x.Verify(t.Context())).Error()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("problems lack %q:\n%s", w, text)
				}
			}
		})
	}
}

// Every oracle still judges under -short: blind SQL (the differential
// oracle and the UNION marker, in quoted, numeric and LIKE queries), each
// XSS context, the side effects (canary, written file, SSRF listener) and
// open redirects.
func TestInjectionShortKeepsEveryOracle(t *testing.T) {
	t.Parallel()
	db := openUsers(t)
	blind := func(param, query string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sqlPage(db, w, strings.ReplaceAll(query, "V", r.URL.Query().Get(param)))
		})
	}
	page := func(format string, escape func(string) string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, format, escape(r.URL.Query().Get("q")))
		})
	}
	raw := func(s string) string { return s }
	q := func(name, value string) scenario.Input {
		return scenario.Input{In: scenario.InQuery, Name: name, Path: "/", Value: value}
	}
	const differential = "the answers to a true and a false condition differ beyond the echoed input, twice"
	const union = "a UNION SELECT in the input added its own row"
	// The sinks' handlers get their own category only, and touch nothing
	// but what the check owns: under the whole corpus, a handler that
	// creates the file its input names would truncate /etc/passwd.
	inTemp := func(name string) bool {
		abs, err := filepath.Abs(name)
		return err == nil && strings.HasPrefix(abs, filepath.Clean(os.TempDir())+string(filepath.Separator))
	}
	for _, tc := range []struct {
		name string
		h    http.Handler
		in   scenario.Input
		want []string
		cat  scenario.PayloadCategory
	}{
		{"blind SQL, quoted", blind("name", "SELECT id, name, email FROM users WHERE name = 'V'"), q("name", "alice"), []string{differential, union}, ""},
		{"blind SQL, numeric", blind("id", "SELECT id, name, email FROM users WHERE id = V"), q("id", "1"), []string{differential, union}, ""},
		{"blind SQL, LIKE", blind("q", "SELECT id, name, email FROM users WHERE name LIKE '%V%' ORDER BY id"), q("q", ""), []string{differential, union}, ""},
		{"blind SQL with a request ID", withRequestID(db, func(db *sql.DB, w http.ResponseWriter, v string) {
			sqlPage(db, w, "SELECT id, name, email FROM users WHERE name = '"+v+"'")
		}), q("name", "alice"), []string{differential}, ""},
		{"XSS in a script", page(`<!doctype html><script>var page = %s;</script>`, raw), q("q", ""), []string{`xss payload "1;alert(1337)//": 200, the page puts it into a script where it runs`}, ""},
		{"XSS in a script string", page(`<!doctype html><script>var q = '%s';</script>`, raw), q("q", ""), []string{"the page puts it into a script where it runs"}, ""},
		{"XSS in a double-quoted script string", page(`<!doctype html><script>var q = "%s";</script>`, raw), q("q", ""), []string{"the page puts it into a script where it runs"}, ""},
		{"XSS in an event handler", page(`<!doctype html><button onclick="go('%s')">go</button>`, html.EscapeString), q("q", ""), []string{"the page puts it into the event handler onclick"}, ""},
		{"XSS in an unquoted attribute", page(`<!doctype html><input name=q value=%s>`, html.EscapeString), q("q", ""), []string{"the page puts it into an unquoted attribute"}, ""},
		{"XSS in a client-side template", page(`<!doctype html><html ng-app><script src="/angular.min.js"></script><p>%s</p></html>`, html.EscapeString), q("q", ""), []string{"client-side template injection"}, ""},
		{"XSS in a link", page(`<!doctype html><a href="%s">next</a>`, html.EscapeString), q("q", ""), []string{"the HTML puts it in a link or source"}, ""},
		{"command without a shell", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if f := strings.Fields(r.URL.Query().Get("q")); len(f) == 2 && f[0] == "touch" && strings.HasPrefix(filepath.Base(f[1]), "jetty-canary-") {
				os.WriteFile(f[1], nil, 0o600)
			}
		}), q("q", ""), []string{"the input ran as a command (no shell syntax was needed"}, scenario.PayloadCommand},
		{"file write", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if name := r.URL.Query().Get("q"); inTemp(name) {
				if f, err := os.Create(name); err == nil {
					f.Close()
				}
			}
		}), q("q", ""), []string{"payloads wrote files into"}, scenario.PayloadFileWrite},
		{"SSRF", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw := r.URL.Query().Get("q")
			if !strings.Contains(raw, "://") {
				raw = "http://" + raw
			}
			if u, err := url.Parse(raw); err == nil && u.Hostname() == "127.0.0.1" {
				if res, err := http.Get(u.String()); err == nil {
					res.Body.Close()
				}
			}
		}), q("q", "http://127.0.0.1:9/"), []string{"(server-side request forgery)"}, scenario.PayloadSSRF},
		{"open redirect", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Query().Get("q"), http.StatusFound)
		}), q("q", "/home"), []string{`open-redirect payload "//jetty-redirect.example/": 302`, `open-redirect payload "/\\jetty-redirect.example/"`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := shortInjection(scenario.Injection{Target: scenario.Handler(tc.h), Inputs: []scenario.Input{tc.in}})
			if tc.cat != "" {
				x.Categories = []scenario.PayloadCategory{tc.cat}
			}
			text := problemsOf(t, x.Verify(t.Context())).Error()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("problems lack %q:\n%s", w, text)
				}
			}
		})
	}
}

// A correct application passes under -short, and the log says plainly
// that the corpus was narrowed and how to send all of it.
func TestInjectionShortPassesASafeAppAndSaysSo(t *testing.T) {
	t.Parallel()
	n := len(scenario.Payloads())
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, shortInjection(scenario.Injection{Target: scenario.Handler(safeApp(t)), Inputs: safeInputs}))
	})
	if res.Failed {
		t.Fatalf("the safe app failed under -short:\n%s", res.Output())
	}
	out := res.Output()
	k := 64 // each category's strongest probes: see injShortValues
	for _, want := range []string{
		fmt.Sprintf("When I send %d hostile payloads into each of 5 inputs", k),
		fmt.Sprintf("-short: %d of %d payloads into GET /search query q; run without -short for the whole corpus", k, n),
		fmt.Sprintf("of %d payloads into POST /login json email; run without -short", n),
		fmt.Sprintf("; 0 failed; -short: %d of the corpus's %d payloads per input, each category's strongest probes", k, n),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, fmt.Sprintf("\n%d payloads into", n)) {
		t.Errorf("the log claims the whole corpus:\n%s", out)
	}
}

// An explicit MaxPayloads wins over -short: the run sends what it asks,
// and says nothing of -short.
func TestInjectionMaxPayloadsWinsOverShort(t *testing.T) {
	t.Parallel()
	var sent atomic.Int64 // payloads go four at a time
	rec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sent.Add(1); io.WriteString(w, "ok") })
	cats := len(scenario.PayloadCategories())
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, shortInjection(scenario.Injection{Target: scenario.Handler(rec), Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q"}}, MaxPayloads: cats}))
	})
	if n := sent.Load(); res.Failed || n != int64(cats)+1 {
		t.Fatalf("sent %d requests, want the baseline and %d payloads:\n%s", n, cats, res.Output())
	}
	if out := res.Output(); strings.Contains(out, "-short") || !strings.Contains(out, fmt.Sprintf("%d payloads into GET / query q", cats)) {
		t.Errorf("the log of a MaxPayloads run:\n%s", out)
	}
}
