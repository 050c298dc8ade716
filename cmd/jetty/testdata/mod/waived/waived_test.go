// Package waived is an external feature, covered, with one requirement
// waived until a date far ahead.
package waived

import (
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

var tiny = preset.New("Tiny SaaS",
	preset.Requirement{ID: "T-HEAD", Title: "security headers", Category: preset.Security},
	preset.Requirement{ID: "T-LOAD", Title: "holds the load", Category: preset.Performance},
)

func TestSearch(t *testing.T) {
	jetty.Feature(t, "Search", func(f *jetty.F) {
		f.Speed("finds a book", func(s *jetty.S) { s.Then("it is listed", func() {}) })
		f.Production("sends security headers", func(s *jetty.S) {
			s.Then("the grade is A", func() {})
		}, "T-HEAD")
		f.Waive("T-LOAD", "no load environment until Q3", jetty.Until("2099-12-31"))
	}, jetty.External(tiny))
}
