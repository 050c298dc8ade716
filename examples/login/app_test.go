package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario"
)

// TestApp proves, once for the module, the Production SaaS requirements
// that belong to the whole service rather than to one feature (those with
// preset.ScopeApp): security headers, error handling, health, metrics,
// graceful shutdown, backups, rollback and CORS. TestLogin — and any
// feature added beside it — is not asked to prove them again.
//
// Its route inventory is the service's own route table: AuthRequired probes
// every route not declared public below, and a route added to the service
// that no check touches turns TestApp red.
func TestApp(t *testing.T) {
	routes := inventory(t)
	jetty.App(t, func(f *jetty.F) {
		appWide(t, f)
		everyRoute(t, f, routes)
	}, jetty.External(preset.ProductionSaaS), jetty.Inventory(routes))
}

// inventory is the service's routes, the public ones declared.
func inventory(t *testing.T) jetty.Routes {
	routes, err := jetty.ParseRoutes(newApp(t, fastConfig(nil)).Patterns()...)
	if err != nil {
		t.Fatal(err)
	}
	return routes.Public("POST /register", "POST /login", "POST /logout", "GET /healthz", "GET /readyz", "GET /metrics", "/")
}

// everyRoute: the protected routes refuse strangers (AuthRequired over the
// inventory), and the public ones answer one without a server error.
func everyRoute(t *testing.T, f *jetty.F, routes jetty.Routes) {
	ar := authRequired(t)
	ar.Inventory = routes
	f.Include(ar)
	srv := newApp(t, fastConfig(nil))
	f.Production("public routes answer without credentials", func(s *jetty.S) {
		for _, rt := range routes {
			if !rt.Public {
				continue
			}
			method, path := rt.Method, rt.Pattern
			if method == "" {
				method, path = http.MethodGet, "/no-such-page"
			}
			s.When(method+" "+path+" without credentials", func() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
				assert.Less(s, rec.Code, 500, "%s %s = %d", method, path, rec.Code)
				s.Touched(rt)
			})
		}
	})
}

func appWide(t *testing.T, f *jetty.F) {
	f.Include(scenario.SecurityHeaders{
		Target: scenario.Handler(newApp(t, fastConfig(nil))),
		Paths:  []string{"/healthz", "/me", "/no-such-page"},
		HTTPS:  true, // production runs behind TLS
	})
	f.Include(scenario.CORS{Target: scenario.Handler(newApp(t, fastConfig(nil))), Paths: []string{"/me", "/notes/1"}})
	f.Include(errorHandling(t))
	f.Include(healthCheck(t))
	rollback(t, f)

	// What no ready-made scenario covers yet: custom production scenarios.
	f.Production("metrics export request rate, errors and latency", metricsScenario, preset.Metrics)
	f.Production("shutdown drains in-flight requests", shutdownScenario, preset.GracefulShutdown)
	f.Production("a backup restores every account", backupScenario, preset.Backups)
}
