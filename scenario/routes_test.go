package scenario_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notesSpec is an OpenAPI document of the notes app: a bearer token on
// every route, /healthz public; exportSecurity is what /export declares.
func notesSpec(exportSecurity string) []byte {
	return []byte(`openapi: 3.0.3
info: {title: notes, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security:
  - bearer: []
paths:
  /healthz:
    get:
      security: []
      responses: {"200": {description: ok}}
  /notes/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      parameters:
        - {name: fields, in: query, schema: {type: string}}
      responses: {"200": {description: ok}}
  /notes:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {title: {type: string}, body: {type: string}}
      responses: {"201": {description: created}}
  /export:
    get:
` + exportSecurity + `
      responses: {"200": {description: ok}}
`)
}

// notesApp refuses requests without alice's token, except /healthz and,
// when openExport, /export (the bug: a route added without protection).
func notesApp(openExport bool) *jetty.Mux {
	var m jetty.Mux
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer alice-token" {
				http.Error(w, "sign in", http.StatusUnauthorized)
				return
			}
			h(w, r)
		}
	}
	ok := func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"ok":true}`)) }
	m.HandleFunc("GET /healthz", ok)
	m.HandleFunc("GET /notes/{id}", auth(ok))
	m.HandleFunc("POST /notes", auth(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }))
	if openExport {
		m.HandleFunc("GET /export", ok)
	} else {
		m.HandleFunc("GET /export", auth(ok))
	}
	return &m
}

func aliceToken(string) http.Header { return http.Header{"Authorization": {"Bearer alice-token"}} }

func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	routes, err := scenario.OpenAPIRoutes(notesSpec(""))
	require.NoError(t, err)
	var got []string
	for _, r := range routes {
		got = append(got, r.String())
	}
	assert.Equal(t, []string{"GET /export", "GET /healthz", "POST /notes", "GET /notes/{id}"}, got)
	h, _ := routes.Find("GET /healthz")
	assert.True(t, h.Public, "security: [] declares a route public")
	n, _ := routes.Find("GET /notes/{id}")
	assert.False(t, n.Public)
	assert.Equal(t, []jetty.RouteParam{{Name: "id", In: "path"}, {Name: "fields", In: "query"}}, n.Params)
	p, _ := routes.Find("POST /notes")
	assert.Equal(t, []jetty.RouteParam{{Name: "body", In: "json"}, {Name: "title", In: "json"}}, p.Params)

	_, err = scenario.OpenAPIRoutes([]byte("openapi: 3.0.3\npaths: {/x: {get: {responses: 7}}}\n"))
	assert.ErrorContains(t, err, "scenario: OpenAPI document")
	_, err = scenario.OpenAPIRoutes([]byte("{not yaml"))
	assert.Error(t, err)
}

func TestAuthRequiredProbesEveryRouteOfTheInventory(t *testing.T) {
	t.Parallel()
	for _, loopback := range []bool{false, true} {
		target := func(h http.Handler) scenario.Target {
			if !loopback {
				return scenario.Handler(h)
			}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			return scenario.URL(srv.URL)
		}
		name := map[bool]string{false: "in process", true: "loopback"}[loopback]
		t.Run(name, func(t *testing.T) {
			undeclared, err := scenario.OpenAPIRoutes(notesSpec(""))
			require.NoError(t, err)
			public, err := scenario.OpenAPIRoutes(notesSpec("      security: []"))
			require.NoError(t, err)

			// An unprotected route nobody listed, not declared public: red, named.
			err = scenario.AuthRequired{Target: target(notesApp(true)), Inventory: undeclared, Credentials: aliceToken}.Verify(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "GET /export without credentials (from the route inventory) is refused")
			assert.Contains(t, err.Error(), "GET /export without credentials (from the route inventory) = 200, want 401 or 403: require authentication on this route (ASVS 8.2.1), or declare it public")
			assert.NotContains(t, err.Error(), "/healthz", "a public route is not probed")
			assert.NotContains(t, err.Error(), "/notes", "protected routes refuse")

			// Declared public in the document: green.
			assert.NoError(t, scenario.AuthRequired{Target: target(notesApp(true)), Inventory: public, Credentials: aliceToken}.Verify(context.Background()))
			// Declared public in Go, on the ServeMux's own inventory: green.
			app := notesApp(true)
			assert.NoError(t, scenario.AuthRequired{Target: target(app), Inventory: app.Routes().Public("GET /healthz", "/export"), Credentials: aliceToken}.Verify(context.Background()))
			// Protected: green with the undeclared document too.
			assert.NoError(t, scenario.AuthRequired{Target: target(notesApp(false)), Inventory: undeclared, Credentials: aliceToken}.Verify(context.Background()))
			// A route that answers 500 to a tampered token: named.
			crash := notesApp(false)
			crash.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "" && r.Header.Get("Authorization") != "Bearer alice-token" {
					http.Error(w, "token parser: unexpected EOF", http.StatusInternalServerError)
					return
				}
				http.Error(w, "no", http.StatusUnauthorized)
			})
			err = scenario.AuthRequired{Target: target(crash), Inventory: crash.Routes().Public("GET /healthz"), Credentials: aliceToken}.Verify(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "GET /admin with alice's token tampered (one character changed) = 500")
			assert.Contains(t, err.Error(), "= 500, want 401 or 403: a missing or bad credential must be refused, not crash the handler")
		})
	}
}

func TestInnerInventoryCoverage(t *testing.T) {
	t.Parallel()
	innertest.Inner(t)
	app := notesApp(false)
	routes := app.Routes().Public("GET /healthz")
	jetty.Feature(t, "Notes", func(f *jetty.F) {
		f.Include(scenario.AuthRequired{Target: scenario.Handler(app), Inventory: routes, Credentials: aliceToken})
		if strings.Contains(t.Name(), "Touched") {
			f.Production("health answers", func(s *jetty.S) {
				s.Touched(jetty.Route{Method: "GET", Pattern: "/healthz"})
			})
		}
	}, jetty.Inventory(routes))
}

func TestInnerInventoryCoverageTouched(t *testing.T) { TestInnerInventoryCoverage(t) }

func TestInventoryListsRoutesNoCheckTouched(t *testing.T) {
	t.Parallel()
	r := innertest.Run(t, "TestInnerInventoryCoverage")
	require.Equal(t, "fail", r.Status("TestInnerInventoryCoverage/Notes"), r.Output)
	out := r.TestOutput("TestInnerInventoryCoverage/Notes")
	assert.Contains(t, out, "[jetty] Notes: 1 of 4 route(s) of the inventory were touched by no check:")
	assert.Regexp(t, `GET /healthz\s+— public, no input: request it in a scenario and call s.Touched`, out)
	assert.Equal(t, "pass", r.Status("TestInnerInventoryCoverage/Notes/production/protected_routes_refuse_missing,_wrong_and_tampered_credentials"))

	r = innertest.Run(t, "TestInnerInventoryCoverageTouched")
	require.Equal(t, "pass", r.Status("TestInnerInventoryCoverageTouched/Notes"), r.Output)
	assert.Contains(t, r.TestOutput("TestInnerInventoryCoverageTouched/Notes"), "every route of the inventory (4) was touched by a check")
}

// searchApp answers GET /notes/{id}?fields=… ; raw, it echoes fields
// unescaped into HTML (reflected XSS), the kind of input nobody listed.
func searchApp(raw bool) http.Handler {
	var m jetty.Mux
	m.HandleFunc("GET /notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		f := r.URL.Query().Get("fields")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if raw {
			w.Write([]byte("<p>fields: " + f + "</p>"))
			return
		}
		w.Write([]byte("<p>note</p>"))
	})
	return &m
}

func TestInjectionProbesEveryParameterOfTheInventory(t *testing.T) {
	t.Parallel()
	routes, err := scenario.OpenAPIRoutes(notesSpec(""))
	require.NoError(t, err)
	n, _ := routes.Find("GET /notes/{id}")
	inv := jetty.Routes{n}
	for _, loopback := range []bool{false, true} {
		target := func(h http.Handler) scenario.Target {
			if !loopback {
				return scenario.Handler(h)
			}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			return scenario.URL(srv.URL)
		}
		x := scenario.Injection{Target: target(searchApp(true)), Inventory: inv, Categories: []scenario.PayloadCategory{scenario.PayloadXSS}, MaxPayloads: 3}
		err := x.Verify(context.Background())
		require.Error(t, err, "loopback=%v", loopback)
		assert.Contains(t, err.Error(), "GET /notes/1 query fields")
		x.Target = target(searchApp(false))
		assert.NoError(t, x.Verify(context.Background()), "loopback=%v", loopback)
	}
}
