package jetty_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRoutes(t *testing.T) {
	routes, err := jetty.ParseRoutes("GET /orders/{id}", "/healthz", "example.com/static/{path...}", "delete /admin/users/{id}/keys/{key}")
	require.NoError(t, err)
	assert.Equal(t, jetty.Routes{
		{Method: "GET", Pattern: "/orders/{id}", Params: []jetty.RouteParam{{Name: "id", In: "path"}}},
		{Pattern: "/healthz"},
		{Pattern: "/static/{path...}", Params: []jetty.RouteParam{{Name: "path", In: "path"}}},
		{Method: "DELETE", Pattern: "/admin/users/{id}/keys/{key}", Params: []jetty.RouteParam{{Name: "id", In: "path"}, {Name: "key", In: "path"}}},
	}, routes)
	_, err = jetty.ParseRoutes("GET orders", "")
	assert.ErrorContains(t, err, `"GET orders": want a pattern such as "GET /orders/{id}"`)

	pub := routes.Public("/healthz", "GET /orders/{id}")
	assert.Len(t, pub.Protected(), 2)
	assert.False(t, routes[0].Public, "Public returns a copy")
}

func TestRouteMatch(t *testing.T) {
	for _, tc := range []struct {
		route, method, path string
		want                bool
	}{
		{"GET /orders/{id}", "GET", "/orders/42", true},
		{"GET /orders/{id}", "get", "/orders/42?x=1", true},
		{"GET /orders/{id}", "POST", "/orders/42", false},
		{"GET /orders/{id}", "GET", "/orders", false},
		{"GET /orders/{id}", "GET", "/orders/42/items", false},
		{"/static/{path...}", "GET", "/static/a/b/c", true},
		{"/healthz", "HEAD", "/healthz", true},
		{"GET /orders/{id}", "GET", "/orders/{id}", true},
	} {
		rs, err := jetty.ParseRoutes(tc.route)
		require.NoError(t, err)
		assert.Equal(t, tc.want, rs[0].Match(tc.method, tc.path), "%s ~ %s %s", tc.route, tc.method, tc.path)
	}
}

func TestWalkRoutes(t *testing.T) {
	walk := func(visit jetty.WalkFunc) error {
		for _, r := range [][2]string{{"GET", "/"}, {"GET", "/orders/{id:[0-9]+}"}, {"POST", "/orders/"}, {"GET", "/files/*"}, {"GET", "/"}} {
			if err := visit(r[0], r[1], http.NotFoundHandler()); err != nil {
				return err
			}
		}
		return nil
	}
	routes, err := jetty.WalkRoutes(walk)
	require.NoError(t, err)
	var got []string
	for _, r := range routes {
		got = append(got, r.String())
	}
	assert.Equal(t, []string{"GET /", "GET /orders/{id:[0-9]+}", "POST /orders", "GET /files/{rest...}"}, got)
	assert.Equal(t, []jetty.RouteParam{{Name: "id", In: "path"}}, routes[1].Params)

	_, err = jetty.WalkRoutes(func(jetty.WalkFunc) error { return errors.New("router broken") })
	assert.ErrorContains(t, err, "router broken")
	_, err = jetty.WalkRoutes(nil)
	assert.ErrorContains(t, err, "jetty.WalkRoutes(nil)")
}

func TestMuxRemembersItsRoutes(t *testing.T) {
	var m jetty.Mux
	m.HandleFunc("GET /a/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(r.PathValue("id"))) })
	m.Handle("/b", http.NotFoundHandler())
	assert.Equal(t, []string{"GET /a/{id}", "/b"}, []string{m.Routes()[0].String(), m.Routes()[1].String()})
	assert.Panics(t, func() { m.HandleFunc("GET /a/{id}", nil) }, "ServeMux's own checks stay")
	assert.Len(t, m.Routes(), 2)
}
