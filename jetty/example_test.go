package jetty_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/require"
)

// The whole method in one test: a feature in three modes. Run it with
// go test -v to see each step; -run 'Greeter/stable' selects one mode.
func ExampleFeature() {
	var t *testing.T // the test's t
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("name") == "" {
			http.Error(w, "name is required", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "hello, %s", r.URL.Query().Get("name"))
	})
	jetty.Feature(t, "Greeter", func(f *jetty.F) {
		f.Speed("greets by name", func(s *jetty.S) {
			rec := httptest.NewRecorder()
			s.When("Ana asks for a greeting", func() {
				hello.ServeHTTP(rec, httptest.NewRequest("GET", "/?name=Ana", nil))
			})
			s.Then("she is greeted", func() {
				require.Equal(s, "hello, Ana", rec.Body.String())
			})
		})
		f.Stable("refuses a missing name", func(s *jetty.S) {
			rec := httptest.NewRecorder()
			hello.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			require.Equal(s, http.StatusBadRequest, rec.Code)
		})
		jetty.Outline(f, jetty.Stable, "greets any name", []string{"Bo", "Zoë", "O'Brien"}, func(s *jetty.S, name string) {
			rec := httptest.NewRecorder()
			hello.ServeHTTP(rec, httptest.NewRequest("GET", "/?name="+name, nil))
			require.Equal(s, "hello, "+name, rec.Body.String())
		})
		f.Production("answers within budget", func(s *jetty.S) { /* … */ }, preset.Load).Tag("slow")
		f.Waive(preset.HealthCheck, "served behind the platform's health proxy", jetty.Until("2027-06-30"))
	}, jetty.External(preset.ProductionSaaS), jetty.Traits(preset.PublicEndpoint))
}

// Check runs ready-made (or your own) scenarios inside any test, without a
// feature, gating or coverage.
func ExampleCheck() {
	var t *testing.T // the test's t
	jetty.Check(t, jetty.Define(jetty.Production, "health answers", func(s *jetty.S) {
		rec := httptest.NewRecorder()
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}).ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		require.Equal(s, 200, rec.Code)
	}))
}

func ExampleMatchTags() {
	ok, _ := jetty.MatchTags("smoke && !slow", "@smoke")
	fmt.Println(ok)
	ok, _ = jetty.MatchTags("smoke && !slow", "@smoke", "@slow")
	fmt.Println(ok)
	_, err := jetty.MatchTags("smoke &&")
	fmt.Println(err)
	// Output:
	// true
	// false
	// tag expression "smoke &&": column 9: the expression ends where a tag is needed
}
