package scenario_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/scenario"
)

// corsApp is an API that trusts https://app.example; its flags break the
// trust in the ways real middleware does.
type corsApp struct {
	reflect       bool // echoes any Origin, with credentials
	wildcard      bool // "*" with credentials
	suffix        bool // trusts any origin ending in app.example
	prefix        bool // trusts any origin starting with https://app.example
	null          bool // trusts "null"
	noVary        bool // echoes the allowed origin without Vary: Origin
	echoPreflight bool // echoes the requested method and headers
}

func (a corsApp) trusted(o string) bool {
	switch {
	case a.reflect:
		return o != ""
	case a.suffix:
		return strings.HasSuffix(o, "app.example")
	case a.prefix:
		return strings.HasPrefix(o, "https://app.example")
	case a.null && o == "null":
		return true
	}
	return o == "https://app.example"
}

func (a corsApp) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := r.Header.Get("Origin")
		if !a.noVary {
			w.Header().Add("Vary", "Origin")
		}
		switch {
		case a.wildcard:
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		case a.trusted(o):
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions {
			if a.echoPreflight {
				w.Header().Set("Access-Control-Allow-Methods", r.Header.Get("Access-Control-Request-Method"))
				w.Header().Set("Access-Control-Allow-Headers", r.Header.Get("Access-Control-Request-Headers"))
			} else if a.trusted(o) {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
				w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fmt.Fprint(w, `{"orders":[]}`)
	})
}

func (a corsApp) scenario(t *testing.T, url bool, wrap func(http.Handler) http.Handler) scenario.CORS {
	target := scenario.Handler(wrap(a.handler()))
	if url {
		srv := httptest.NewServer(wrap(a.handler()))
		t.Cleanup(srv.Close)
		target = scenario.URL(srv.URL)
	}
	return scenario.CORS{Target: target, Paths: []string{"/api/orders"}, Allowed: []string{"https://app.example"}, Methods: []string{"GET", "POST"}, Headers: []string{"Content-Type"}}
}

func TestCORSPassesAllowlist(t *testing.T) {
	t.Parallel()
	for _, url := range []bool{false, true} {
		if err := (corsApp{}).scenario(t, url, noWrap).Verify(t.Context()); err != nil {
			t.Errorf("url=%v: %v", url, err)
		}
	}
}

func TestCORSCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		app  corsApp
		want []string
	}{
		{"reflects any origin", corsApp{reflect: true}, []string{"GET /api/orders from Origin https://evil.example: Access-Control-Allow-Origin echoes the untrusted origin https://evil.example with credentials"}},
		{"wildcard with credentials", corsApp{wildcard: true}, []string{"Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true: never combine them"}},
		{"suffix match", corsApp{suffix: true}, []string{"echoes the untrusted origin https://evil-app.example"}},
		{"prefix match", corsApp{prefix: true}, []string{"echoes the untrusted origin https://app.example.evil.example"}},
		{"trusts null", corsApp{null: true}, []string{"echoes the untrusted origin null"}},
		{"no Vary", corsApp{noVary: true}, []string{`GET /api/orders from Origin https://app.example: the allowed origin is echoed without "Vary: Origin"`}},
		{"preflight echoes", corsApp{echoPreflight: true}, []string{"OPTIONS /api/orders from https://app.example asking for DELETE and X-Jetty-Undeclared: it allows method DELETE"}},
	} {
		for _, url := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/url=%v", tc.name, url), func(t *testing.T) {
				wantProblems(t, tc.app.scenario(t, url, noWrap), tc.want...)
			})
		}
	}
}

func TestCORSDeclaredOriginMustBeTrusted(t *testing.T) {
	t.Parallel()
	x := (corsApp{}).scenario(t, false, noWrap)
	x.Allowed = []string{"https://admin.example"}
	wantProblems(t, x, `Access-Control-Allow-Origin is "", want https://admin.example: the origin is declared in Allowed but not trusted`)
	x.Allowed = []string{"app.example/path"}
	wantProblems(t, x, `CORS.Allowed has "app.example/path": want an origin such as https://app.example`)
}

func init() {
	registerLayers(
		layerCase{name: "CORS/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return (corsApp{}).scenario(t, false, wrap)
		}},
		layerCase{name: "CORS/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return (corsApp{reflect: true}).scenario(t, false, wrap)
		}},
	)
}
