package scenario_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	_ "modernc.org/sqlite"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// openUsers opens an in-memory SQLite database with a users table.
func openUsers(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one connection: one in-memory database
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT, password TEXT);
		INSERT INTO users (name, email, password) VALUES ('alice', 'alice@example.com', 's3cret'), ('bob', 'bob@example.com', 'hunter2')`); err != nil {
		t.Fatal(err)
	}
	return db
}

var searchPage = template.Must(template.New("search").Parse(
	`<!doctype html><title>Search</title><p>Results for {{.Q}}:</p><ul>{{range .Names}}<li>{{.}}</li>{{end}}</ul><a href="{{.Q}}">again</a>`))

// safeApp is a correct application: parameterised queries, html/template,
// bounded and validated input, generic errors.
func safeApp(t *testing.T) http.Handler {
	db := openUsers(t)
	names := func(w http.ResponseWriter, query string, args ...any) ([]string, bool) {
		rows, err := db.Query(query, args...)
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return nil, false
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			out = append(out, n)
		}
		return out, true
	}
	valid := func(w http.ResponseWriter, s string) bool {
		if len(s) > 4096 || !utf8.ValidString(s) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return false
		}
		return true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		if !valid(w, q) {
			return
		}
		if ns, ok := names(w, `SELECT name FROM users WHERE name LIKE ? ORDER BY id`, "%"+q+"%"); ok {
			searchPage.Execute(w, map[string]any{"Q": q, "Names": ns})
		}
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Email, Password string }
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil || !valid(w, in.Email) {
			if err != nil {
				http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			}
			return
		}
		ns, ok := names(w, `SELECT name FROM users WHERE email = ? AND password = ?`, in.Email, in.Password)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if len(ns) == 0 {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"wrong email or password"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"user": ns[0]})
	})
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		if ns, ok := names(w, `SELECT name FROM users WHERE id = ?`, id); ok {
			json.NewEncoder(w).Encode(ns)
		}
	})
	mux.HandleFunc("POST /profile", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		name := r.PostForm.Get("name")
		if valid(w, name) {
			searchPage.Execute(w, map[string]any{"Q": name})
		}
	})
	mux.HandleFunc("GET /tenant", func(w http.ResponseWriter, r *http.Request) {
		tenant := r.Header.Get("X-Tenant")
		if !valid(w, tenant) {
			return
		}
		if ns, ok := names(w, `SELECT name FROM users WHERE name = ?`, tenant); ok {
			json.NewEncoder(w).Encode(map[string]any{"tenant": tenant, "users": ns})
		}
	})
	return mux
}

// safeInputs are the inputs of safeApp, one of each location.
var safeInputs = []scenario.Input{
	{In: scenario.InQuery, Name: "q", Path: "/search"},
	{In: scenario.InJSON, Name: "email", Path: "/login", Template: `{"email": "x@example.com", "password": "y"}`},
	{In: scenario.InPath, Name: "id", Path: "/users/{id}", Value: "1"},
	{In: scenario.InForm, Name: "name", Path: "/profile", Template: "name=x&csrf=abc"},
	{In: scenario.InHeader, Name: "X-Tenant", Path: "/tenant"},
}

// quietServer starts h on loopback without logging its panics.
func quietServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestInjectionSafeAppPasses(t *testing.T) {
	t.Parallel()
	x := scenario.Injection{Target: scenario.Handler(safeApp(t)), Inputs: safeInputs, Canary: filepath.Join(t.TempDir(), "canary")}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatalf("Verify(safe app) = %v", err)
	}
}

func TestInjectionSafeAppPassesOverURL(t *testing.T) {
	t.Parallel()
	srv := quietServer(t, safeApp(t))
	x := scenario.Injection{Target: scenario.URL(srv.URL), Inputs: safeInputs}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatalf("Verify(safe app over URL) = %v", err)
	}
}

func TestInjectionCheckLogsWhatItSent(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, scenario.WithShort(scenario.Injection{Target: scenario.Handler(safeApp(t)), Inputs: safeInputs}, false)) // the whole corpus, even under -short
	})
	if res.Failed {
		t.Fatalf("jetty.Check failed on the safe app:\n%s", res.Output())
	}
	out := res.Output()
	n := len(scenario.Payloads())
	for _, want := range []string{
		fmt.Sprintf("When I send %d hostile payloads into each of 5 inputs", n),
		fmt.Sprintf(`%d payloads into GET /search query q`, n),
		`POST /login json email`,
		`GET /users/{id} path id`,
		`GET /tenant header X-Tenant`,
		fmt.Sprintf("payloads into 5 inputs: sql %d, nosql %d, xss %d", 5*len(scenario.Payloads(scenario.PayloadSQL)), 5*len(scenario.Payloads(scenario.PayloadNoSQL)), 5*len(scenario.Payloads(scenario.PayloadXSS))),
		"skipped: control bytes cannot travel in a header",
		"was never created",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// brokenInjection lists vulnerable handlers, the input, and what a failure
// must say.
var brokenInjection = []struct {
	name  string
	app   func(t *testing.T, canaryDir string) http.Handler
	input scenario.Input
	want  []string
}{
	{"SQL by concatenation, error in the body", func(t *testing.T, _ string) http.Handler {
		db := openUsers(t)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rows, err := db.Query("SELECT name FROM users WHERE name = '" + r.URL.Query().Get("q") + "'")
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, "query failed: %v", err)
				return
			}
			rows.Close()
			io.WriteString(w, "ok")
		})
	}, scenario.Input{In: scenario.InQuery, Name: "q", Path: "/search"}, []string{
		`GET /search query q ← sql payload "'": 400, the body leaks a SQLite error ("SQL logic error: unrecognized token: \"'''\" (1)")`,
		"use parameterised queries (database/sql placeholders)",
	}},
	{"panic on invalid UTF-8 and oversized input", func(*testing.T, string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name := r.URL.Query().Get("name")
			if !utf8.ValidString(name) || len(name) > 1<<16 {
				panic("cannot handle " + strconv.Itoa(len(name)) + " bytes")
			}
			io.WriteString(w, "ok")
		})
	}, scenario.Input{In: scenario.InQuery, Name: "name", Path: "/users"}, []string{
		`GET /users query name ← invalid-utf8 payload "\xff\xfe": no response (the connection was dropped), the handler crashed`,
		`← oversized payload "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…" (1048576 bytes): no response`,
	}},
	{"reflected XSS through fmt.Fprintf", func(*testing.T, string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "<!doctype html><p>Results for %s</p>", r.FormValue("q"))
		})
	}, scenario.Input{In: scenario.InForm, Name: "q", Path: "/search"}, []string{
		`POST /search form q ← xss payload "<script>alert(1337)</script>": 200, the HTML reflects it unescaped (cross-site scripting)`,
	}},
	{"command injection, simulated", func(_ *testing.T, dir string) http.Handler {
		return commandApp(dir)
	}, scenario.Input{In: scenario.InQuery, Name: "host", Path: "/ping"}, []string{
		`GET /ping query host ← command payload "; touch `,
		"created the canary file",
		"never pass input to sh -c",
	}},
	{"CRLF into headers by a hand-made header writer, simulated", func(*testing.T, string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Simulates a proxy that writes "X-Lang: <input>" as raw bytes:
			// every line after a CR LF becomes a header of its own.
			v, _ := url.QueryUnescape(r.Header.Get("Accept-Language"))
			for i, line := range strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n") {
				if k, val, ok := strings.Cut(line, ": "); ok && i > 0 {
					w.Header().Add(k, val)
				}
			}
			io.WriteString(w, "ok")
		})
	}, scenario.Input{In: scenario.InHeader, Name: "Accept-Language", Path: "/"}, []string{
		`GET / header Accept-Language ← crlf payload "%0d%0aX-Jetty-Injected: 1": 200, the response gained the header X-Jetty-Injected`,
		`← crlf payload "%0D%0ASet-Cookie: jetty_injected=1": 200, the response sets the cookie jetty_injected`,
	}},
	{"template evaluation, simulated", func(*testing.T, string) http.Handler {
		product := regexp.MustCompile(`\{\{\s*(\d+)\*(\d+)\s*\}\}`)
		mux := http.NewServeMux()
		mux.HandleFunc("/pages/{slug}", func(w http.ResponseWriter, r *http.Request) {
			out := product.ReplaceAllStringFunc(r.PathValue("slug"), func(m string) string {
				g := product.FindStringSubmatch(m)
				a, _ := strconv.Atoi(g[1])
				b, _ := strconv.Atoi(g[2])
				return strconv.Itoa(a * b)
			})
			io.WriteString(w, "Hello "+out)
		})
		return mux
	}, scenario.Input{In: scenario.InPath, Name: "slug", Path: "/pages/{slug}"}, []string{
		`GET /pages/{slug} path slug ← template payload "{{7331*7919}}": 200, the template was evaluated (7331*7919 = 58054189 in the body)`,
	}},
	{"format string", func(*testing.T, string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var args []any // none: the input is the whole format
			fmt.Fprintf(w, "Hello "+r.URL.Query().Get("name")+"!\n", args...)
		})
	}, scenario.Input{In: scenario.InQuery, Name: "name", Path: "/hello"}, []string{
		`← format-string payload "%s%s%s%s%s": 200, the input was used as a format string (%!s(MISSING) in the body)`,
	}},
	{"path traversal, simulated", func(*testing.T, string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name := filepath.Join("/srv/files", r.URL.Query().Get("file"))
			if name == "/etc/passwd" { // stands for os.ReadFile(name)
				io.WriteString(w, "root:x:0:0:root:/root:/bin/bash\n")
				return
			}
			http.Error(w, "not found", http.StatusBadRequest)
		})
	}, scenario.Input{In: scenario.InQuery, Name: "file", Path: "/download"}, []string{
		`← path-traversal payload "../../../../../../etc/passwd": 200, the body shows a system file ("root:x:0:0:")`,
	}},
	{"stack trace in the body", func(*testing.T, string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := strconv.Atoi(r.URL.Query().Get("n")); err != nil && r.URL.Query().Get("n") != "jetty" {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, "goroutine 1 [running]:\nmain.parse()\n\t/app/main.go:42 +0x1d\n")
				return
			}
			io.WriteString(w, "ok")
		})
	}, scenario.Input{In: scenario.InQuery, Name: "n", Path: "/n"}, []string{
		`the body leaks a Go panic ("goroutine 1 [running]:")`,
	}},
}

// commandApp simulates `sh -c "ping " + host` without running a shell: when
// the input holds "touch <path>" and the path lies in dir or is a Jetty
// canary, it creates the file with os.WriteFile, as the shell would.
func commandApp(dir string) http.Handler {
	touch := regexp.MustCompile("touch ([^\\s;|&)`'\"]+)")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := touch.FindStringSubmatch(r.URL.Query().Get("host")); m != nil {
			path := filepath.Clean(m[1])
			if strings.HasPrefix(path, dir+string(filepath.Separator)) || strings.HasPrefix(filepath.Base(path), "jetty-canary-") {
				os.WriteFile(path, nil, 0o600)
			}
		}
		io.WriteString(w, "PING ok")
	})
}

func TestInjectionBrokenHandlersFail(t *testing.T) {
	t.Parallel()
	for _, tc := range brokenInjection {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			canary := filepath.Join(dir, "canary")
			x := scenario.Injection{Target: scenario.Handler(tc.app(t, dir)), Inputs: []scenario.Input{tc.input}, Canary: canary}
			text := problemsOf(t, x.Verify(context.Background())).Error()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("problems lack %q:\n%s", w, text)
				}
			}
			if _, err := os.Stat(canary); err == nil {
				t.Errorf("the canary %s was left behind", canary)
			}
		})
	}
}

func TestInjectionBrokenHandlersFailOverURL(t *testing.T) {
	t.Parallel()
	for _, tc := range brokenInjection {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			srv := quietServer(t, tc.app(t, dir))
			x := scenario.Injection{Target: scenario.URL(srv.URL), Inputs: []scenario.Input{tc.input}, Canary: filepath.Join(dir, "canary")}
			text := problemsOf(t, x.Verify(context.Background())).Error()
			if !strings.Contains(text, tc.want[0]) {
				t.Errorf("problems lack %q:\n%s", tc.want[0], text)
			}
		})
	}
}

func TestInjectionCheckReportsFailure(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, scenario.Injection{Target: scenario.Handler(brokenInjection[2].app(t, "")), Inputs: []scenario.Input{brokenInjection[2].input}})
	})
	if !res.Failed {
		t.Fatalf("jetty.Check passed a reflected XSS:\n%s", res.Output())
	}
	if !strings.Contains(res.ErrorText(), "the HTML reflects it unescaped") {
		t.Errorf("errors lack the XSS:\n%s", res.ErrorText())
	}
}

func TestInjectionDefaultCanaryIsUniqueAndRemoved(t *testing.T) {
	t.Parallel()
	x := scenario.Injection{Target: scenario.Handler(commandApp(t.TempDir())), Inputs: []scenario.Input{{In: scenario.InQuery, Name: "host", Path: "/ping"}},
		Categories: []scenario.PayloadCategory{scenario.PayloadCommand}}
	text := problemsOf(t, x.Verify(context.Background())).Error()
	if !strings.Contains(text, "created the canary file "+filepath.Join(os.TempDir(), "jetty-canary-")) {
		t.Errorf("problems lack the default canary:\n%s", text)
	}
	if !strings.Contains(text, "payloads created the canary file") {
		t.Errorf("the side-effect step did not fail:\n%s", text)
	}
	// The canary directory this run named, with the canary file in it, is
	// gone (tests in parallel have their own).
	named := regexp.MustCompile(regexp.QuoteMeta(filepath.Join(os.TempDir(), "jetty-canary-"))+`[0-9]+`).FindAllString(text, -1)
	if len(named) == 0 {
		t.Fatalf("problems name no canary directory:\n%s", text)
	}
	slices.Sort(named)
	for _, f := range slices.Compact(named) {
		if _, err := os.Lstat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("canary directory %s left behind (Lstat: %v)", f, err)
		}
	}
}

// TestInjectionHeaderEchoIsNeutralisedByNetHTTP proves that copying input
// into a header with net/http does not split the response: Header.Set keeps
// one header, and the server writes CR and LF as spaces. The check flags
// only headers that really appear.
func TestInjectionHeaderEchoIsNeutralisedByNetHTTP(t *testing.T) {
	t.Parallel()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.URL.Query().Get("lang"))
		io.WriteString(w, "ok")
	})
	in := []scenario.Input{{In: scenario.InQuery, Name: "lang", Path: "/"}}
	cats := []scenario.PayloadCategory{scenario.PayloadCRLF}
	for name, target := range map[string]scenario.Target{"in process": scenario.Handler(echo), "over URL": scenario.URL(quietServer(t, echo).URL)} {
		x := scenario.Injection{Target: target, Inputs: in, Categories: cats}
		if err := x.Verify(context.Background()); err != nil {
			t.Errorf("%s: Verify = %v, want nil", name, err)
		}
	}
}

// TestInjectionEchoIsNotAFinding proves that the corpus does not trigger its
// own checks: an application that echoes every payload as plain text passes.
func TestInjectionEchoIsNotAFinding(t *testing.T) {
	t.Parallel()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		b, _ := io.ReadAll(r.Body)
		fmt.Fprint(w, r.URL.RawQuery, r.URL.Query().Get("q"), string(b), r.Header.Get("X-Q"))
	})
	x := scenario.Injection{Target: scenario.Handler(echo), Inputs: []scenario.Input{
		{In: scenario.InQuery, Name: "q"}, {In: scenario.InJSON, Name: "q"}, {In: scenario.InForm, Name: "q"}, {In: scenario.InHeader, Name: "X-Q"},
	}}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatalf("echo as text/plain: Verify = %v", err)
	}
}

func TestInjectionListsAtMost25PerInput(t *testing.T) {
	t.Parallel()
	boom := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("q") != "jetty" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	x := scenario.WithShort(scenario.Injection{Target: scenario.Handler(boom), Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q", Path: "/"}}}, false) // the whole corpus, even under -short
	probs := problemsOf(t, x.Verify(context.Background()))
	n := len(scenario.Payloads())
	if len(probs.List) != 26 {
		t.Errorf("%d problems, want 25 payloads and a count", len(probs.List))
	}
	if want := fmt.Sprintf(`GET / query q: %d more payloads failed (%d in all)`, n-25, n); !strings.Contains(probs.Error(), want) {
		t.Errorf("problems lack %q:\n%s", want, probs.Error())
	}
	if !strings.Contains(probs.Error(), "500, a server error: validate the input and answer 4xx") {
		t.Errorf("problems lack the 5xx:\n%s", probs.Error())
	}
}

func TestInjectionMaxPayloadsAndCategories(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		got []string
	)
	rec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.URL.Query().Get("q"))
	})
	cats := len(scenario.PayloadCategories())
	x := scenario.Injection{Target: scenario.Handler(rec), Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q"}}, MaxPayloads: cats}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != cats+1 { // the baseline and one payload of each category
		t.Fatalf("sent %d requests, want %d", len(got), cats+1)
	}
	first := map[scenario.PayloadCategory]string{}
	for _, p := range scenario.Payloads() {
		if _, ok := first[p.Category]; !ok {
			first[p.Category] = p.Value
		}
	}
	// Payloads are sent a few at a time, so they arrive in any order: each
	// category's first payload arrives once.
	for _, c := range scenario.PayloadCategories() {
		if n := slices.Index(got[1:], first[c]); n < 0 && !strings.Contains(first[c], "JETTY_") { // placeholders are replaced
			t.Errorf("requests %.20q lack the first %s payload %.20q", got[1:], c, first[c])
		}
	}
	got = nil
	x = scenario.WithShort(scenario.Injection{Target: scenario.Handler(rec), Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q"}},
		Categories: []scenario.PayloadCategory{scenario.PayloadSQL, scenario.PayloadTemplate}}, false) // the whole corpus, even under -short
	if err := x.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := 1 + len(scenario.Payloads(scenario.PayloadSQL, scenario.PayloadTemplate)); len(got) != want {
		t.Errorf("sent %d requests, want %d", len(got), want)
	}
}

func TestInjectionRequestShapes(t *testing.T) {
	t.Parallel()
	type seen struct{ method, path, ctype, body, query, header string }
	var (
		mu   sync.Mutex
		reqs []seen
	)
	rec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		reqs = append(reqs, seen{r.Method, r.URL.EscapedPath(), r.Header.Get("Content-Type"), string(b), r.URL.RawQuery, r.Header.Get("Authorization")})
	})
	auth := http.Header{"Authorization": {"Bearer t"}}
	for _, tc := range []struct {
		in   scenario.Input
		want seen // the baseline request
	}{
		{scenario.Input{In: scenario.InJSON, Name: "user.email", Path: "/login?v=2", Template: `{"user": {"email": "a", "n": 1}, "password": "y"}`, Header: auth},
			seen{"POST", "/login", "application/json", `{"password":"y","user":{"email":"jetty","n":1}}`, "v=2", "Bearer t"}},
		{scenario.Input{In: scenario.InForm, Name: "q", Path: "/f", Template: "a=1&q=2", Method: "put"},
			seen{"PUT", "/f", "application/x-www-form-urlencoded", "a=1&q=jetty", "", ""}},
		{scenario.Input{In: scenario.InQuery, Name: "q", Path: "/s?page=2", Template: "sort=asc"},
			seen{"GET", "/s", "", "", "page=2&q=jetty&sort=asc", ""}},
		{scenario.Input{In: scenario.InPath, Name: "id", Path: "/u/{id}/x", Value: "a b/c"},
			seen{"GET", "/u/a%20b%2Fc/x", "", "", "", ""}},
		{scenario.Input{In: scenario.InHeader, Name: "X-Q", Path: "/h", Header: auth},
			seen{"GET", "/h", "", "", "", "Bearer t"}},
	} {
		reqs = nil
		x := scenario.Injection{Target: scenario.Handler(rec), Inputs: []scenario.Input{tc.in}, Categories: []scenario.PayloadCategory{scenario.PayloadSQL}, MaxPayloads: 1}
		if err := x.Verify(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(reqs) != 2 || reqs[0] != tc.want {
			t.Errorf("%s: requests = %+v, want the baseline %+v and one payload", tc.in, reqs, tc.want)
		}
	}
	// A NoSQL operator goes into JSON as an object, invalid UTF-8 as raw bytes.
	reqs = nil
	x := scenario.Injection{Target: scenario.Handler(rec), Inputs: []scenario.Input{{In: scenario.InJSON, Name: "e"}},
		Categories: []scenario.PayloadCategory{scenario.PayloadNoSQL, scenario.PayloadInvalidUTF8}, MaxPayloads: 2}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The two payloads are sent at once: they arrive in either order.
	if len(reqs) == 3 && reqs[2].body == `{"e":{"$gt": ""}}` {
		reqs[1], reqs[2] = reqs[2], reqs[1]
	}
	if len(reqs) != 3 || reqs[1].body != `{"e":{"$gt": ""}}` || reqs[2].body != "{\"e\":\"\xff\xfe\"}" {
		t.Errorf("JSON bodies = %q, want an operator object and raw invalid bytes", []string{reqs[1].body, reqs[2].body})
	}
}

func TestInjectionPathPayloadsTravelEscapedOverURL(t *testing.T) {
	t.Parallel()
	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = append(got, r.URL.EscapedPath()) })
	srv := quietServer(t, h)
	x := scenario.Injection{Target: scenario.URL(srv.URL), Inputs: []scenario.Input{{In: scenario.InPath, Name: "id", Path: "/u/{id}"}},
		Categories: []scenario.PayloadCategory{scenario.PayloadPathTraversal}, MaxPayloads: 1}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] != "/u/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd" {
		t.Errorf("paths = %q, want the payload escaped once", got)
	}
}

func TestInjectionBadConfiguration(t *testing.T) {
	t.Parallel()
	h := scenario.Handler(http.NotFoundHandler())
	ok := []scenario.Input{{In: scenario.InQuery, Name: "q"}}
	for _, tc := range []struct {
		name string
		x    scenario.Injection
		want string
	}{
		{"zero target", scenario.Injection{Inputs: ok}, "no target: set Target"},
		{"no inputs", scenario.Injection{Target: h}, "no Inputs: list where user input goes"},
		{"no location", scenario.Injection{Target: h, Inputs: []scenario.Input{{Name: "q"}}}, "set In to scenario.InQuery"},
		{"no name", scenario.Injection{Target: h, Inputs: []scenario.Input{{In: scenario.InForm}}}, "set Name"},
		{"no placeholder", scenario.Injection{Target: h, Inputs: []scenario.Input{{In: scenario.InPath, Name: "id", Path: "/users/:id"}}}, `has no {id} placeholder`},
		{"bad JSON template", scenario.Injection{Target: h, Inputs: []scenario.Input{{In: scenario.InJSON, Name: "e", Template: "[1]"}}}, "is not a JSON object"},
		{"bad header name", scenario.Injection{Target: h, Inputs: []scenario.Input{{In: scenario.InHeader, Name: "X Bad"}}}, "not a valid header name"},
		{"relative path", scenario.Injection{Target: h, Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q", Path: "search"}}}, `must start with "/"`},
		{"unknown category", scenario.Injection{Target: h, Inputs: ok, Categories: []scenario.PayloadCategory{"ldap"}}, `category "ldap" is unknown`},
		{"negative max", scenario.Injection{Target: h, Inputs: ok, MaxPayloads: -1}, "MaxPayloads is -1"},
		{"relative canary", scenario.Injection{Target: h, Inputs: ok, Canary: "canary"}, "is not an absolute path"},
		{"canary with spaces", scenario.Injection{Target: h, Inputs: ok, Canary: "/tmp/my canary"}, "holds white space"},
		{"existing canary", scenario.Injection{Target: h, Inputs: ok, Canary: os.TempDir()}, "exists before the run"},
		{"unreachable input", scenario.Injection{Target: h, Inputs: ok}, `GET / query q with the harmless value "jetty" = 404: the input is not reachable`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := problemsOf(t, tc.x.Verify(context.Background())).Error()
			if !strings.Contains(text, tc.want) {
				t.Errorf("problems lack %q:\n%s", tc.want, text)
			}
		})
	}
}

func TestInjectionCorpus(t *testing.T) {
	t.Parallel()
	all := scenario.Payloads()
	count := map[scenario.PayloadCategory]int{}
	for _, p := range all {
		count[p.Category]++
	}
	for _, c := range scenario.PayloadCategories() {
		if count[c] < 5 {
			t.Errorf("category %s has %d payloads, want at least 5", c, count[c])
		}
	}
	for _, p := range scenario.Payloads(scenario.PayloadInvalidUTF8) {
		if utf8.ValidString(p.Value) && !strings.ContainsAny(p.Value, "\x00%") {
			t.Errorf("invalid-utf8 payload %q is valid UTF-8", p.Value)
		}
	}
	big := 0
	for _, p := range scenario.Payloads(scenario.PayloadOversized) {
		big = max(big, len(p.Value))
	}
	if big < 1<<20 {
		t.Errorf("largest oversized payload is %d bytes, want 1 MiB", big)
	}
	for _, p := range scenario.Payloads(scenario.PayloadNoSQL) {
		if p.JSON != "" && !json.Valid([]byte(p.JSON)) {
			t.Errorf("NoSQL payload's JSON %q is not valid JSON", p.JSON)
		}
	}
}

// A service whose every response carries a random hex request ID must not
// be taken for one that evaluates templates when an ID happens to contain
// the product's digits.
func TestInjectionTemplateProductIsNotFoundInsideIDs(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The baseline's ID lacks the digits; the payloads' IDs have them,
		// as a random ID now and then does.
		id := "b1234567c0ffee00"
		if strings.ContainsAny(r.URL.Query().Get("q"), "{(") {
			id = "a58054189f00beef"
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"error":"not found","request_id":%q}`, id)
	})
	x := scenario.Injection{Target: scenario.Handler(h), Categories: []scenario.PayloadCategory{scenario.PayloadTemplate},
		Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q", Path: "/search"}}}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatalf("a request ID holding the digits was taken for an evaluation: %v", err)
	}
}

func init() {
	registerLayers(
		layerCase{name: "Injection/correct", sockets: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return scenario.Injection{Target: scenario.Handler(wrap(safeApp(t))), Inputs: safeInputs[:1], Canary: filepath.Join(t.TempDir(), "canary")}
		}},
		layerCase{name: "Injection/broken", broken: true, sockets: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			tc := brokenInjection[2] // reflected XSS
			return scenario.Injection{Target: scenario.Handler(wrap(tc.app(t, ""))), Inputs: []scenario.Input{tc.input}, Canary: filepath.Join(t.TempDir(), "canary")}
		}},
	)
}
