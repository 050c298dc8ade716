// Package greeter is the README's quickstart, kept compiling and green.
package greeter

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
	"github.com/stretchr/testify/require"
)

func greeter() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if name == "" {
			http.Error(w, "name is required", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "hello, %s", name)
	})
}

func TestGreeter(t *testing.T) {
	jetty.Feature(t, "Greeter", func(f *jetty.F) {
		f.Speed("greets by name", func(s *jetty.S) {
			rec := httptest.NewRecorder()
			s.When("Ana asks for a greeting", func() { greeter().ServeHTTP(rec, httptest.NewRequest("GET", "/?name=Ana", nil)) })
			s.Then("she is greeted", func() { require.Equal(s, "hello, Ana", rec.Body.String()) })
		})
		f.Stable("refuses a missing name", func(s *jetty.S) {
			rec := httptest.NewRecorder()
			greeter().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			require.Equal(s, http.StatusBadRequest, rec.Code)
		})
		f.Include(scenario.Injection{Target: scenario.Handler(greeter()),
			Inputs: []scenario.Input{{In: scenario.InQuery, Name: "name", Path: "/"}}})
	})
}
