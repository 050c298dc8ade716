package scenario_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/scenario"
)

func sinkCheck(cat scenario.PayloadCategory, in scenario.Input) scenario.Injection {
	return scenario.Injection{Inputs: []scenario.Input{in}, Categories: []scenario.PayloadCategory{cat}}
}

func wantProblem(t *testing.T, err error, want string) {
	t.Helper()
	if text := problemsOf(t, err).Error(); !strings.Contains(text, want) {
		t.Errorf("problems lack %q:\n%s", want, text)
	}
}

// Issue 11 item 6: os.WriteFile and os.Create on a path from input.
func TestInjectionFileWriteSinks(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	join := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		os.WriteFile(filepath.Join(base, r.URL.Query().Get("name")), []byte("report"), 0o600)
		io.WriteString(w, "saved")
	})
	create := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, err := os.Create(r.URL.Query().Get("name")); err == nil {
			f.Close()
		}
		io.WriteString(w, "saved")
	})
	rooted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		root, err := os.OpenRoot(base)
		if err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		defer root.Close()
		if f, err := root.Create(r.URL.Query().Get("name")); err != nil {
			http.Error(w, "bad name", http.StatusBadRequest)
			return
		} else {
			f.Close()
		}
		io.WriteString(w, "saved")
	})
	x := sinkCheck(scenario.PayloadFileWrite, scenario.Input{In: scenario.InQuery, Name: "name", Path: "/save"})
	for name, h := range map[string]http.Handler{"filepath.Join": join, "os.Create": create} {
		t.Run(name, func(t *testing.T) {
			bothWays(t, h, x, func(t *testing.T, err error) {
				wantProblem(t, err, "a path taken from the input (a file-write sink: os.WriteFile, os.Create or os.OpenFile on user input)")
				wantProblem(t, err, "payloads wrote files into")
			})
		})
	}
	t.Run("os.Root", func(t *testing.T) {
		bothWays(t, rooted, x, func(t *testing.T, err error) {
			if err != nil {
				t.Errorf("os.Root: %v", err)
			}
		})
	})
}

// Issue 11 item 6: a server that fetches the URL it is given.
func TestInjectionSSRF(t *testing.T) {
	t.Parallel()
	fetch := func(allow func(*url.URL) bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw := r.URL.Query().Get("url")
			if !strings.Contains(raw, "://") {
				raw = "http://" + raw
			}
			u, err := url.Parse(raw)
			if err != nil || !allow(u) {
				http.Error(w, "this URL is not allowed", http.StatusBadRequest)
				return
			}
			if res, err := http.Get(u.String()); err == nil {
				res.Body.Close()
			}
			io.WriteString(w, "fetched")
		})
	}
	any := func(*url.URL) bool { return true }
	// An allowlist of hosts (no request leaves the machine in this test:
	// the baseline's loopback discard port refuses at once).
	allowlist := func(u *url.URL) bool { return u.Hostname() == "images.example.com" }
	x := sinkCheck(scenario.PayloadSSRF, scenario.Input{In: scenario.InQuery, Name: "url", Path: "/preview", Value: "http://127.0.0.1:9/"})
	bothWays(t, fetch(any), x, func(t *testing.T, err error) {
		wantProblem(t, err, "made the server request the canary listener at 127.0.0.1:")
		wantProblem(t, err, "(server-side request forgery)")
	})
	bothWays(t, fetch(allowlist), x, func(t *testing.T, err error) {
		if err != nil {
			t.Errorf("a server that refuses loopback: %v", err)
		}
	})
}

// Issue 11 item 6: a redirect to wherever ?next= says.
func TestInjectionOpenRedirect(t *testing.T) {
	t.Parallel()
	naive := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("next"), http.StatusFound)
	})
	local := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := r.URL.Query().Get("next")
		if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
			next = "/"
		}
		http.Redirect(w, r, next, http.StatusFound)
	})
	x := sinkCheck(scenario.PayloadOpenRedirect, scenario.Input{In: scenario.InQuery, Name: "next", Path: "/login", Value: "/home"})
	bothWays(t, naive, x, func(t *testing.T, err error) {
		wantProblem(t, err, `open-redirect payload "//jetty-redirect.example/": 302, the response redirects to "//jetty-redirect.example/", the host in the input (open redirect)`)
		wantProblem(t, err, `open-redirect payload "/\\jetty-redirect.example/"`)
	})
	bothWays(t, local, x, func(t *testing.T, err error) {
		if err != nil {
			t.Errorf("a local-only redirect: %v", err)
		}
	})
}

// Issue 11 item 6: a payload in a cookie, and inside JSON in a header.
func TestInjectionCookieAndTemplatedHeader(t *testing.T) {
	t.Parallel()
	db := openUsers(t)
	lookup := func(w http.ResponseWriter, name string, concat bool) {
		q, args := "SELECT name FROM users WHERE name = ?", []any{name}
		if concat {
			q, args = "SELECT name FROM users WHERE name = '"+name+"'", nil
		}
		rows, err := db.Query(q, args...)
		if err != nil {
			http.Error(w, "query failed: "+err.Error(), http.StatusBadRequest)
			return
		}
		rows.Close()
		io.WriteString(w, "ok")
	}
	cookie := func(concat bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := r.Cookie("theme")
			if err != nil {
				http.Error(w, "no theme", http.StatusBadRequest)
				return
			}
			v, _ := url.QueryUnescape(c.Value)
			lookup(w, v, concat)
		})
	}
	header := func(concat bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var f struct{ Filter struct{ Name string } }
			if err := json.Unmarshal([]byte(r.Header.Get("X-Filter")), &f); err != nil {
				http.Error(w, "bad filter", http.StatusBadRequest)
				return
			}
			lookup(w, f.Filter.Name, concat)
		})
	}
	for _, tc := range []struct {
		name string
		app  func(bool) http.Handler
		in   scenario.Input
	}{
		{"cookie", cookie, scenario.Input{In: scenario.InCookie, Name: "theme", Path: "/"}},
		{"JSON in a header", header, scenario.Input{In: scenario.InHeader, Name: "X-Filter", Path: "/", Template: `{"filter": {"name": "x", "limit": 10}}`, Field: "filter.name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := sinkCheck(scenario.PayloadSQL, tc.in)
			bothWays(t, tc.app(true), x, func(t *testing.T, err error) {
				wantProblem(t, err, fmt.Sprintf(`%s ← sql payload "'": 400, the body leaks a SQLite error`, tc.in))
			})
			bothWays(t, tc.app(false), x, func(t *testing.T, err error) {
				if err != nil {
					t.Errorf("a parameterised query: %v", err)
				}
			})
		})
	}
}

// Issue 11 item 7: a command run without a shell (exec.Command(fields[0],
// fields[1:]...)) is told so, not that the input "reached a shell".
func TestInjectionCommandWithoutAShell(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Stands for exec.Command(f[0], f[1:]...).Run(): no shell.
		if f := strings.Fields(r.URL.Query().Get("cmd")); len(f) == 2 && f[0] == "touch" && strings.HasPrefix(filepath.Base(f[1]), "jetty-canary-") {
			os.WriteFile(f[1], nil, 0o600)
		}
		io.WriteString(w, "done")
	})
	x := sinkCheck(scenario.PayloadCommand, scenario.Input{In: scenario.InQuery, Name: "cmd", Path: "/run"})
	x.Target = scenario.Handler(h)
	err := x.Verify(t.Context())
	wantProblem(t, err, `command payload "touch /`)
	wantProblem(t, err, "the input ran as a command (no shell syntax was needed")
	if strings.Contains(err.Error(), "shell ran") || strings.Contains(err.Error(), "reached a shell") {
		t.Errorf("a command without a shell is said to reach a shell:\n%v", err)
	}
}
