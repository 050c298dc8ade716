package main

import (
	"net/http"
	"testing"

	"github.com/jettymethod/jetty/examples/login/app"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// The root README's "Pasting one check into an existing suite", word for
// word (internal/doccheck compares them): ready-made checks in plain tests.

func TestLoginIsRateLimited(t *testing.T) {
	jetty.Check(t, scenario.RateLimit{
		// Built inside the check's synctest bubble: the 5-minute lockout
		// passes in virtual time.
		Target: scenario.HandlerFunc(func() http.Handler {
			// The cheapest bcrypt cost: the suite need not pay for
			// production-strength hashing on every attempt.
			srv, err := app.New(app.Config{BcryptCost: bcrypt.MinCost})
			if err != nil {
				panic(err)
			}
			return srv
		}),
	})
}

func TestHeadersAreSafe(t *testing.T) {
	srv, err := app.New(app.Config{BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	jetty.Check(t, scenario.SecurityHeaders{Target: scenario.Handler(srv), HTTPS: true})
}
