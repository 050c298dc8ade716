package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// cacheModTime is when the static asset last changed.
var cacheModTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// cacheApp serves a static asset (public) and an account page (private,
// behind a session cookie); its fields break them in the ways Caching must
// catch.
type cacheApp struct {
	// public resource
	pubCC      string // Cache-Control of /app.js; "-" for none
	pubETag    string // ETag of /app.js; "-" for none
	noModTime  bool   // serve without a modification time (no Last-Modified)
	handRolled bool   // write the asset directly, ignoring conditional requests
	body304    bool   // answer If-None-Match with a 304 that has a body
	bare304    bool   // answer If-None-Match with a 304 without ETag or Cache-Control
	// private response
	privCC   string // Cache-Control of /account; "-" for none
	privVary string // Vary of /account
}

func (a cacheApp) handler() http.Handler {
	pubCC, pubETag, privCC := a.pubCC, a.pubETag, a.privCC
	if pubCC == "" {
		pubCC = "public, max-age=3600"
	}
	if pubETag == "" {
		pubETag = `"v1"`
	}
	if privCC == "" {
		privCC = "no-store"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		if pubCC != "-" {
			w.Header().Set("Cache-Control", pubCC)
		}
		if pubETag != "-" {
			w.Header().Set("ETag", pubETag)
		}
		if inm := r.Header.Get("If-None-Match"); inm != "" && (a.body304 || a.bare304) {
			if a.bare304 {
				w.Header().Del("ETag")
				w.Header().Del("Cache-Control")
			}
			w.WriteHeader(http.StatusNotModified)
			if a.body304 {
				fmt.Fprint(w, "console.log('hi')")
			}
			return
		}
		if a.handRolled {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, "console.log('hi')")
			return
		}
		mod := cacheModTime
		if a.noModTime {
			mod = time.Time{}
		}
		http.ServeContent(w, r, "app.js", mod, strings.NewReader("console.log('hi')"))
	})
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("session"); err != nil || c.Value != "s3cret-session" {
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		if privCC != "-" {
			w.Header().Set("Cache-Control", privCC)
		}
		if a.privVary != "" {
			w.Header().Set("Vary", a.privVary)
		}
		fmt.Fprint(w, `{"email":"ann@example.com"}`)
	})
	return mux
}

func (a cacheApp) scenario(t *testing.T, url bool) scenario.Caching {
	target := scenario.Handler(a.handler())
	if url {
		srv := httptest.NewServer(a.handler())
		t.Cleanup(srv.Close)
		target = scenario.URL(srv.URL)
	}
	return scenario.Caching{
		Target:  target,
		Public:  []scenario.Request{{Path: "/app.js"}},
		Private: []scenario.Request{{Path: "/account", Header: http.Header{"Cookie": {"session=s3cret-session"}}}},
	}
}

func TestCachingPassesCorrectApp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		app  cacheApp
	}{
		{"ServeContent and no-store", cacheApp{}},
		{"immutable asset, private with Vary: Cookie", cacheApp{pubCC: "public, max-age=31536000, immutable", privCC: "private, max-age=60", privVary: "Accept-Encoding, Cookie"}},
		{"Last-Modified only, private no-cache no-store", cacheApp{pubETag: "-", privCC: "private, no-cache, no-store"}},
		{"ETag only, Vary *", cacheApp{noModTime: true, privCC: "private, max-age=60", privVary: "*"}},
	} {
		for _, url := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/url=%v", tc.name, url), func(t *testing.T) {
				if err := tc.app.scenario(t, url).Verify(context.Background()); err != nil {
					t.Fatalf("Verify on a correct app: %v", err)
				}
			})
		}
	}
}

func TestCachingCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		app       cacheApp
		inProcess bool // only in process: net/http's server hides the fault
		want      []string
	}{
		{"public without validator", cacheApp{handRolled: true, pubETag: "-"}, false, []string{
			"GET /app.js has no validator (ETag or Last-Modified): once stale, a cache must download it again",
		}},
		{"If-None-Match ignored", cacheApp{handRolled: true}, false, []string{
			`GET /app.js with If-None-Match: "v1" = 200, want 304 Not Modified: the app ignores the validator it sent`,
		}},
		{"304 without ETag or Cache-Control", cacheApp{bare304: true}, false, []string{
			`GET /app.js with If-None-Match = 304 with ETag "", want "\"v1\""`,
			"GET /app.js with If-None-Match = 304 without Cache-Control",
		}},
		{"unquoted ETag", cacheApp{pubETag: "v1"}, false, []string{
			`GET /app.js has ETag "v1": an entity tag is a quoted string`,
			"GET /app.js with If-None-Match: v1 = 200, want 304",
		}},
		{"public without Cache-Control", cacheApp{pubCC: "-"}, false, []string{
			"GET /app.js has no Cache-Control: caches guess its freshness (heuristic caching, RFC 9111 §4.2.2)",
		}},
		{"public no-store", cacheApp{pubCC: "no-store"}, false, []string{
			`GET /app.js has Cache-Control "no-store": no-store forbids caching a public resource`,
		}},
		{"public max-age=0", cacheApp{pubCC: "max-age=0"}, false, []string{
			`GET /app.js has Cache-Control "max-age=0": no cache may keep it fresh`,
		}},
		{"private marked public", cacheApp{privCC: "public, max-age=3600"}, false, []string{
			`GET /account has Cache-Control "public, max-age=3600": public lets a shared cache (CDN, proxy) store this personalised response`,
		}},
		{"private without Cache-Control", cacheApp{privCC: "-"}, false, []string{
			"GET /account has no Cache-Control: a cache may store this personalised response with heuristic freshness (RFC 9111 §4.2.2)",
		}},
		{"private only no-cache", cacheApp{privCC: "no-cache"}, false, []string{
			`GET /account has Cache-Control "no-cache", without private or no-store`,
		}},
		{"private with s-maxage", cacheApp{privCC: "private, s-maxage=600", privVary: "Cookie"}, false, []string{
			`GET /account has Cache-Control "private, s-maxage=600": s-maxage is for shared caches`,
		}},
		{"private cacheable without Vary: Cookie", cacheApp{privCC: "private, max-age=60", privVary: "Accept-Encoding"}, false, []string{
			"GET /account is sent with Cookie and may be stored by the browser (Cache-Control \"private, max-age=60\"), but Vary does not name Cookie",
		}},
	} {
		for _, url := range []bool{false, true} {
			if url && tc.inProcess {
				continue
			}
			t.Run(fmt.Sprintf("%s/url=%v", tc.name, url), func(t *testing.T) {
				got := verifyProblems(t, tc.app.scenario(t, url))
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("problems do not contain %q:\n%s", w, got)
					}
				}
			})
		}
	}
}

// TestCachingIfModifiedSinceIgnored serves a Last-Modified validator but
// answers every request 200.
func TestCachingIfModifiedSinceIgnored(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=60")
		w.Header().Set("Last-Modified", cacheModTime.Format(http.TimeFormat))
		fmt.Fprint(w, "hello")
	})
	got := verifyProblems(t, scenario.Caching{Target: scenario.Handler(mux), Public: []scenario.Request{{Path: "/page"}}})
	if !strings.Contains(got, "GET /page with If-Modified-Since: Fri, 02 Jan 2026 03:04:05 GMT = 200, want 304 Not Modified") {
		t.Errorf("problems:\n%s", got)
	}
}

func TestCachingThroughJettyCheck(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, cacheApp{}.scenario(t, false)) })
	if res.Failed {
		t.Fatalf("jetty.Check on a correct app failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"When GET /app.js (public) is fetched",
		"And a conditional request with If-None-Match answers 304 without a body",
		"And a conditional request with If-Modified-Since answers 304 without a body",
		`GET /app.js with If-None-Match: "v1" = 304 (0 bytes)`,
		"When GET /account (private) is fetched with its credentials",
		`GET /account = 200, Cache-Control "no-store"`,
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}
	if strings.Contains(res.Output(), "s3cret-session") {
		t.Errorf("the session cookie reached the log:\n%s", res.Output())
	}

	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, cacheApp{privCC: "public, max-age=3600"}.scenario(t, false))
	})
	if !res.Failed || !strings.Contains(res.ErrorText(), `GET /account has Cache-Control "public, max-age=3600": public lets a shared cache`) {
		t.Errorf("jetty.Check on a public private page: failed=%v\n%s", res.Failed, res.Output())
	}
	if got := (scenario.Caching{}).Covers(); got != nil {
		t.Errorf("Covers() = %v, want nil", got)
	}
}

func TestCachingBadConfiguration(t *testing.T) {
	t.Parallel()
	ok := scenario.Handler(cacheApp{}.handler())
	for _, tc := range []struct {
		name string
		x    scenario.Caching
		want string
	}{
		{"zero target", scenario.Caching{Public: []scenario.Request{{Path: "/app.js"}}}, "no target: set Target"},
		{"no requests", scenario.Caching{Target: ok}, "no Public and no Private requests"},
		{"bad public path", scenario.Caching{Target: ok, Public: []scenario.Request{{Path: "app.js"}}}, `Public[0].Path = "app.js": want a path starting with /`},
		{"public POST", scenario.Caching{Target: ok, Public: []scenario.Request{{Method: "POST", Path: "/app.js"}}}, `Public[0].Method = "POST": only GET and HEAD`},
		{"bad private path", scenario.Caching{Target: ok, Private: []scenario.Request{{Path: "account"}}}, `Private[0].Path = "account": want a path starting with /`},
		{"public not found", scenario.Caching{Target: ok, Public: []scenario.Request{{Path: "/nope.js"}}}, "GET /nope.js = 404, want 200: list in Public a resource your app serves"},
		{"private without credentials", scenario.Caching{Target: ok, Private: []scenario.Request{{Path: "/account"}}}, "GET /account = 401, want 2xx: set Header to the credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

// A handler that writes a body after WriteHeader(304) sends none: net/http
// drops it (http.ErrBodyNotAllowed). In process the check sees what a real
// client sees, so it passes the same handler in both places; the recorder
// the check used before showed a body that no client ever receives.
func TestCaching304BodyIsDroppedAsNetHTTPDoes(t *testing.T) {
	t.Parallel()
	for _, url := range []bool{false, true} {
		if err := (cacheApp{body304: true}).scenario(t, url).Verify(t.Context()); err != nil {
			t.Errorf("url=%v: %v", url, err)
		}
	}
}

func init() {
	registerLayers(
		layerCase{name: "Caching/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			x := cacheApp{}.scenario(t, false)
			x.Target = scenario.Handler(wrap(cacheApp{}.handler()))
			return x
		}},
		layerCase{name: "Caching/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			a := cacheApp{handRolled: true, privCC: "-"}
			x := a.scenario(t, false)
			x.Target = scenario.Handler(wrap(a.handler()))
			return x
		}},
	)
}

// TestCachingRFC9111Gaps: what RFC 9111 and RFC 9110 §15.4.5 ask that the
// first version did not check, each with a broken handler and its correct
// twin.
func TestCachingRFC9111Gaps(t *testing.T) {
	t.Parallel()
	serve := func(mutate func(w http.ResponseWriter, r *http.Request)) scenario.Caching {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "public, max-age=3600")
			w.Header().Set("Vary", "Accept-Encoding")
			mutate(w, r)
			http.ServeContent(w, r, "app.js", cacheModTime, strings.NewReader("console.log(1)"))
		})
		return scenario.Caching{Target: scenario.Handler(mux), Public: []scenario.Request{{Path: "/app.js"}}}
	}
	if err := serve(func(http.ResponseWriter, *http.Request) {}).Verify(t.Context()); err != nil {
		t.Fatalf("correct twin: %v", err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(w http.ResponseWriter, r *http.Request)
		want   string
	}{
		{"cacheable response sets a cookie", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Add("Set-Cookie", "session=abc; HttpOnly")
		}, "GET /app.js is cacheable and sets a cookie: a shared cache stores the Set-Cookie"},
		{"Vary: * never matches", func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Vary", "*") },
			"GET /app.js has Vary: *, which no stored response ever matches (RFC 9111 §4.1)"},
		{"private keeps a public resource out of shared caches", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Cache-Control", "private, max-age=3600")
		}, `GET /app.js has Cache-Control "private, max-age=3600": private keeps it out of shared caches`},
		{"304 drops Vary", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
				w.Header().Del("Vary")
			}
		}, "= 304 without Vary: a 304 carries the Vary the 200 would have"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, serve(tc.mutate)); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
	x := serve(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Add("Set-Cookie", "theme=dark")
		w.Header().Set("Cache-Control", `public, max-age=3600, no-cache="Set-Cookie"`)
	})
	if err := x.Verify(t.Context()); err != nil {
		t.Errorf(`no-cache="Set-Cookie" keeps the cookie out of the cache: %v`, err)
	}
}
