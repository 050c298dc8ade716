// Package load has a feature whose production scenario runs a small load
// test and logs loadtest's report, so the HTML report has latencies to plot.
package load

import (
	"net/http"
	"testing"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/loadtest"
)

func TestCatalog(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	jetty.Feature(t, "Catalog", func(f *jetty.F) {
		f.Speed("lists products", func(s *jetty.S) { s.Then("they are listed", func() {}) })
		f.Production("holds 20 users at once", func(s *jetty.S) {
			s.When("20 users ask at once", func() {
				// MaxLag: a busy CI machine may start the users late, and
				// this fixture must pass however busy it is.
				rep, err := loadtest.Run(s.Context(), loadtest.Handler(h), loadtest.Users(20), loadtest.MaxLag(time.Minute))
				if err != nil {
					s.Fatal(err)
				}
				s.Logf("load report (20 users at once):\n%s", rep)
			})
		})
	})
}
