package scenario

import (
	"fmt"
	"net/http"

	"github.com/jettymethod/jetty/jetty"
)

// inventoryRoutes are the protected routes of the Inventory that Routes
// does not list, as the requests that probe them.
func (x AuthRequired) inventoryRoutes() []AuthRoute {
	var out []AuthRoute
	for _, rt := range x.Inventory.Protected() {
		listed := false
		for _, ar := range x.Routes {
			m := ar.Method
			if m == "" {
				m = http.MethodGet
			}
			listed = listed || rt.Match(m, ar.Path)
		}
		if listed {
			continue
		}
		m := rt.Method
		if m == "" {
			m = http.MethodGet
		}
		out = append(out, AuthRoute{Method: m, Path: routeFill(rt.Pattern, x.Values, "")})
	}
	return out
}

// touched returns the routes the check probes: Routes and the protected
// routes of the Inventory.
func (x AuthRequired) touched() []jetty.Route {
	var out []jetty.Route
	for _, ar := range x.Routes {
		m := ar.Method
		if m == "" {
			m = http.MethodGet
		}
		out = append(out, jetty.Route{Method: m, Pattern: pathOnly(ar.Path)})
	}
	for _, rt := range x.Inventory.Protected() {
		out = append(out, rt)
	}
	return out
}

// inventoryRoute probes a route known only from the inventory: no owner
// and no object, so only the refusals that need none.
func (u *arRun) inventoryRoute(rt AuthRoute) {
	a := &arRoute{rt: rt, owner: authDefaultOwner, name: rt.Method + " " + rt.Path}
	u.probe(a, "When", "without credentials (from the route inventory)", nil,
		"require authentication on this route (ASVS 8.2.1), or declare it public in the inventory (routes.Public(\""+rt.Method+" "+pathOnly(rt.Path)+"\") or security: [] in the OpenAPI document)")
	good := u.x.Credentials(a.owner)
	u.tampered(a, good)
	if bad := authTruncate(good.Clone()); bad != nil {
		u.probe(a, "And", fmt.Sprintf("with %s's token truncated (malformed)", a.owner), bad, "refuse a malformed token with 401")
	}
}
