package scenario_test

import (
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// withRequestID writes serve's page and then a fresh request ID, as
// examples/login's pages and error bodies do: the differential SQL oracle
// judged nothing there ("could not judge 6 shapes"), since two sends of
// one condition never answered alike.
func withRequestID(db *sql.DB, serve func(db *sql.DB, w http.ResponseWriter, v string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(db, w, r.URL.Query().Get("name"))
		fmt.Fprintf(w, "\n<footer>request %s</footer>", rand.Text()[:16])
	})
}

func TestInjectionOracleIgnoresARequestID(t *testing.T) {
	t.Parallel()
	in := []scenario.Input{{In: scenario.InQuery, Name: "name", Path: "/by-name", Value: "alice"}}
	unsafe := func(db *sql.DB, w http.ResponseWriter, v string) {
		sqlPage(db, w, "SELECT id, name, email FROM users WHERE name = '"+v+"'")
	}
	safe := func(db *sql.DB, w http.ResponseWriter, v string) {
		sqlPage(db, w, "SELECT id, name, email FROM users WHERE name = ?", v)
	}
	x := scenario.Injection{Inputs: in, Categories: []scenario.PayloadCategory{scenario.PayloadSQL}}
	bothWays(t, withRequestID(openUsers(t), unsafe), x, func(t *testing.T, err error) {
		want := "the answers to a true and a false condition differ beyond the echoed input, twice, so the input changes the query's logic (boolean-based SQL injection, no error needed)"
		if text := problemsOf(t, err).Error(); !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	})
	bothWays(t, withRequestID(openUsers(t), safe), x, func(t *testing.T, err error) {
		if err != nil {
			t.Errorf("a parameterised query with a request ID in the page: %v", err)
		}
	})
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		x := x
		x.Target = scenario.Handler(withRequestID(openUsers(t), safe))
		jetty.Check(tb, x)
	})
	if out := res.Output(); res.Failed || strings.Contains(out, "could not judge") {
		t.Errorf("the oracle judged nothing on the safe twin:\n%s", out)
	}
}
