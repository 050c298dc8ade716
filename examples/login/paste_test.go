package main

import (
	"net/http"
	"testing"

	"github.com/jettymethod/jetty/examples/login/app"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
	"github.com/stretchr/testify/require"
)

// The root README's "Pasting one check into an existing suite", word for
// word (internal/doccheck compares them): ready-made checks in plain tests.

func TestLoginIsRateLimited(t *testing.T) {
	jetty.Check(t, scenario.RateLimit{
		// Built inside the check's synctest bubble: the 5-minute lockout
		// passes in virtual time.
		Target: scenario.HandlerFunc(func() http.Handler {
			srv, err := app.New(app.Config{})
			if err != nil {
				panic(err)
			}
			return srv
		}),
	})
}

func TestHeadersAreSafe(t *testing.T) {
	srv, err := app.New(app.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	jetty.Check(t, scenario.SecurityHeaders{Target: scenario.Handler(srv), HTTPS: true})
}
