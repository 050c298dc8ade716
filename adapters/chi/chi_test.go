package jettychi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	jettychi "github.com/jettymethod/jetty/adapters/chi"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// shop is a chi app: orders behind a bearer token, /healthz open, and —
// the bug — /export added later without the auth middleware.
func shop() chi.Router {
	r := chi.NewRouter()
	ok := func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"ok":true}`)) }
	r.Get("/healthz", ok)
	r.Get("/export", ok)
	r.Group(func(r chi.Router) {
		r.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				if req.Header.Get("Authorization") != "Bearer alice" {
					http.Error(w, "sign in", http.StatusUnauthorized)
					return
				}
				next.ServeHTTP(w, req)
			})
		})
		r.Get("/orders/{id:[0-9]+}", ok)
		r.Post("/orders", ok)
		r.Route("/admin", func(r chi.Router) { r.Delete("/users/{id}", ok) })
	})
	return r
}

func alice(string) http.Header { return http.Header{"Authorization": {"Bearer alice"}} }

func TestRoutes(t *testing.T) {
	routes, err := jettychi.Routes(shop())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range routes {
		got = append(got, r.String())
	}
	want := map[string]bool{"GET /healthz": true, "GET /export": true, "GET /orders/{id:[0-9]+}": true, "POST /orders": true, "DELETE /admin/users/{id}": true}
	if len(got) != len(want) {
		t.Fatalf("routes = %v, want %d", got, len(want))
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected route %s in %v", g, got)
		}
	}
	o, _ := routes.Find("GET /orders/{id:[0-9]+}")
	if len(o.Params) != 1 || o.Params[0] != (jetty.RouteParam{Name: "id", In: "path"}) {
		t.Errorf("params = %v", o.Params)
	}
}

func TestAuthRequiredOverTheChiInventory(t *testing.T) {
	routes, err := jettychi.Routes(shop())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(shop())
	defer srv.Close()
	for name, target := range map[string]scenario.Target{"in process": scenario.Handler(shop()), "loopback": scenario.URL(srv.URL)} {
		t.Run(name, func(t *testing.T) {
			// /healthz declared public, /export not: red, naming /export.
			err := scenario.AuthRequired{Target: target, Inventory: routes.Public("/healthz"), Credentials: alice}.Verify(context.Background())
			if err == nil {
				t.Fatal("AuthRequired passed an unprotected, undeclared route")
			}
			const want = "GET /export without credentials (from the route inventory) = 200, want 401 or 403"
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not name the route:\n%v\nwant %q", err, want)
			}
			// Declared public: green.
			if err := (scenario.AuthRequired{Target: target, Inventory: routes.Public("/healthz", "GET /export"), Credentials: alice}).Verify(context.Background()); err != nil {
				t.Errorf("declared public, AuthRequired failed: %v", err)
			}
		})
	}
}
