package jetty

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Route is one route of the application, as a router or an OpenAPI
// document names it: "GET /orders/{id}".
type Route struct {
	// Method is the HTTP method, upper case; "" matches every method.
	Method string
	// Pattern is the path with {name} placeholders ({name...} for the
	// rest of the path), as net/http.ServeMux, chi and OpenAPI write them.
	Pattern string
	// Public is true for a route declared to need no credentials
	// (Routes.Public, or "security: []" in an OpenAPI document). Every
	// other route is protected: scenario.AuthRequired probes it.
	Public bool
	// Params are the inputs the route names: its path placeholders, and
	// from an OpenAPI document its query, header and cookie parameters
	// and the fields of its JSON body. scenario.Injection probes each.
	Params []RouteParam
}

// RouteParam is one input of a route.
type RouteParam struct {
	Name string
	// In is "path", "query", "header", "cookie" or "json".
	In string
}

// String returns "GET /orders/{id}", or "/orders/{id}" for every method.
func (r Route) String() string {
	if r.Method == "" {
		return r.Pattern
	}
	return r.Method + " " + r.Pattern
}

// Match reports whether a request for method and path (no query) is one
// of the route's: the method matches ("" matches every one), and each
// segment of path matches the pattern's (a placeholder matches any one
// segment, a {name...} the rest). A path equal to the pattern matches too.
func (r Route) Match(method, path string) bool {
	if r.Method != "" && method != "" && !strings.EqualFold(r.Method, method) {
		return false
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == r.Pattern {
		return true
	}
	ps, qs := strings.Split(strings.Trim(r.Pattern, "/"), "/"), strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "...}") {
			return true
		}
		if i >= len(qs) {
			return false
		}
		if !(strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}")) && p != qs[i] {
			return false
		}
	}
	return len(ps) == len(qs)
}

// Routes is an application's route inventory: the routes the checks share,
// so that a route nobody listed is still probed (scenario.AuthRequired and
// scenario.Injection take it as their Inventory) and a route no check
// touched is reported (give it to a Feature or App with Inventory). Build
// it with ParseRoutes, WalkRoutes (chi and any router with chi's walk
// shape), Mux (net/http.ServeMux), or scenario.OpenAPIRoutes.
type Routes []Route

// ParseRoutes parses routes written as net/http.ServeMux patterns:
// "GET /orders/{id}", "/healthz" (every method). Path placeholders become
// the routes' path Params. A pattern with a host ("example.com/x") keeps
// only its path.
func ParseRoutes(patterns ...string) (Routes, error) {
	var out Routes
	var problems []string
	for _, p := range patterns {
		r, err := parseRoute(p)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		out = append(out, r)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("jetty: routes: %s", strings.Join(problems, "; "))
	}
	return out, nil
}

func parseRoute(p string) (Route, error) {
	s := strings.TrimSpace(p)
	var r Route
	if m, rest, ok := strings.Cut(s, " "); ok {
		r.Method, s = strings.ToUpper(m), strings.TrimSpace(rest)
	}
	if i := strings.IndexByte(s, '/'); i > 0 {
		s = s[i:] // drop a host
	}
	if !strings.HasPrefix(s, "/") {
		return Route{}, fmt.Errorf("%q: want a pattern such as \"GET /orders/{id}\" or \"/healthz\"", p)
	}
	r.Pattern = s
	r.Params = pathParams(s)
	return r, nil
}

// pathParams returns the {name} placeholders of a pattern as path params.
func pathParams(pattern string) []RouteParam {
	var out []RouteParam
	for _, seg := range strings.Split(pattern, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := strings.TrimSuffix(strings.TrimSuffix(seg[1:len(seg)-1], "..."), "$")
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[:i] // chi's {id:[0-9]+}
			}
			if name != "" {
				out = append(out, RouteParam{Name: name, In: "path"})
			}
		}
	}
	return out
}

// Public returns a copy of rs with the routes named by patterns declared
// public: "GET /healthz" marks that route, "/healthz" the path under every
// method. Patterns that name no route are ignored; Find reports them.
func (rs Routes) Public(patterns ...string) Routes {
	out := slices.Clone(rs)
	for _, p := range patterns {
		want, err := parseRoute(p)
		if err != nil {
			continue
		}
		for i := range out {
			if out[i].Pattern == want.Pattern && (want.Method == "" || strings.EqualFold(out[i].Method, want.Method)) {
				out[i].Public = true
			}
		}
	}
	return out
}

// Protected returns the routes not declared public.
func (rs Routes) Protected() Routes {
	var out Routes
	for _, r := range rs {
		if !r.Public {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the route whose method and pattern are those of pattern
// ("GET /orders/{id}"), and whether there is one.
func (rs Routes) Find(pattern string) (Route, bool) {
	want, err := parseRoute(pattern)
	if err != nil {
		return Route{}, false
	}
	for _, r := range rs {
		if r.Pattern == want.Pattern && strings.EqualFold(r.Method, want.Method) {
			return r, true
		}
	}
	return Route{}, false
}

// WalkFunc is the shape of a router's walk callback, chi's WalkFunc:
// func(method, route string, handler http.Handler, middlewares ...func(http.Handler) http.Handler) error.
type WalkFunc = func(method, route string, handler http.Handler, middlewares ...func(http.Handler) http.Handler) error

// WalkRoutes reads the routes of a router through the router's own walk
// function, so that this module does not depend on the router: for chi,
//
//	routes, err := jetty.WalkRoutes(func(fn jetty.WalkFunc) error { return chi.Walk(r, fn) })
//
// A router with another walk shape (gorilla/mux's Walk, gin's and echo's
// Routes()) is read by calling visit once per route with its method and
// pattern; ParseRoutes builds the inventory from strings too.
func WalkRoutes(walk func(visit WalkFunc) error) (Routes, error) {
	if walk == nil {
		return nil, fmt.Errorf("jetty.WalkRoutes(nil): pass a function that walks the router, e.g. func(fn jetty.WalkFunc) error { return chi.Walk(r, fn) }")
	}
	var out Routes
	seen := map[string]bool{}
	err := walk(func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		r, err := parseRoute(strings.ToUpper(method) + " " + strings.TrimSuffix(chiRoute(route), "/*"))
		if err != nil {
			return err
		}
		if !seen[r.String()] {
			seen[r.String()] = true
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("jetty.WalkRoutes: %w", err)
	}
	return out, nil
}

// chiRoute turns chi's trailing "/*" into a {rest...} placeholder and keeps
// a route "/" as it is.
func chiRoute(route string) string {
	if strings.HasSuffix(route, "/*") {
		return strings.TrimSuffix(route, "*") + "{rest...}"
	}
	if len(route) > 1 {
		return strings.TrimSuffix(route, "/")
	}
	return route
}

// Mux is a net/http.ServeMux that remembers the patterns registered on it,
// since a ServeMux cannot be walked. Use it where the application builds
// its ServeMux, and read its Routes in the tests. The zero Mux is ready to
// use; Mux is safe for concurrent use, like ServeMux.
type Mux struct {
	mux    http.ServeMux
	mu     sync.Mutex
	routes Routes
}

// Handle registers h for pattern, as ServeMux.Handle does (it panics on a
// pattern ServeMux refuses), and records the route.
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.mux.Handle(pattern, h)
	m.record(pattern)
}

// HandleFunc registers h for pattern, as ServeMux.HandleFunc does.
func (m *Mux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.mux.HandleFunc(pattern, h)
	m.record(pattern)
}

func (m *Mux) record(pattern string) {
	r, err := parseRoute(pattern)
	if err != nil {
		return
	}
	m.mu.Lock()
	m.routes = append(m.routes, r)
	m.mu.Unlock()
}

// ServeHTTP serves the request through the ServeMux.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// Routes returns the routes registered so far, in registration order.
func (m *Mux) Routes() Routes {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.routes)
}
