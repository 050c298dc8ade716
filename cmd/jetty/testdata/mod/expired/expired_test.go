// Package expired is an external feature whose waiver has expired.
package expired

import (
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

var tiny = preset.New("Tiny SaaS",
	preset.Requirement{ID: "T-HEAD", Title: "security headers", Category: preset.Security},
	preset.Requirement{ID: "T-LOAD", Title: "holds the load", Category: preset.Performance},
)

func TestReports(t *testing.T) {
	jetty.Feature(t, "Reports", func(f *jetty.F) {
		f.Speed("exports a report", func(s *jetty.S) {})
		f.Production("sends security headers", func(s *jetty.S) {}, "T-HEAD")
		f.Waive("T-LOAD", "load tests after the launch", jetty.Until("2020-01-31"))
	}, jetty.External(tiny))
}
