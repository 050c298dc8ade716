// Package jettychi reads a chi router's routes as a jetty route inventory.
// It is its own module, so that the core module does not depend on chi;
// the core's jetty.WalkRoutes takes chi's walk function directly too:
//
//	routes, err := jetty.WalkRoutes(func(fn jetty.WalkFunc) error { return chi.Walk(r, fn) })
package jettychi

import (
	"github.com/go-chi/chi/v5"

	"github.com/jettymethod/jetty/jetty"
)

// Routes returns the routes of r, walked with chi.Walk: one per method and
// pattern, mounted sub-routers included, chi's {id:[0-9]+} placeholders as
// path params and a trailing /* as {rest...}.
func Routes(r chi.Routes) (jetty.Routes, error) {
	return jetty.WalkRoutes(func(fn jetty.WalkFunc) error { return chi.Walk(r, fn) })
}
