// Package partial is an external feature whose only production scenario
// could not prove one of its probes.
package partial

import (
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

var tiny = preset.New("Tiny SaaS",
	preset.Requirement{ID: "T-RATE", Title: "login attempts are limited", Category: preset.Security},
)

func TestLogin(t *testing.T) {
	jetty.Feature(t, "Login", func(f *jetty.F) {
		f.Speed("signs in", func(s *jetty.S) {})
		f.Production("limits attempts", func(s *jetty.S) {
			s.Then("attempt 11 is refused", func() {})
			s.NotProven("T-RATE", "the block lifts on time: set Lockout")
		}, "T-RATE")
	}, jetty.External(tiny))
}
