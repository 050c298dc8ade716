// Package gated has a feature whose stable mode is red, so production is
// gated; one stable scenario is an outline.
package gated

import (
	"testing"

	"github.com/jettymethod/jetty/jetty"
)

func TestCheckout(t *testing.T) {
	jetty.Feature(t, "Checkout", func(f *jetty.F) {
		f.Speed("pays", func(s *jetty.S) { s.Then("the order is paid", func() {}) })
		jetty.Outline(f, jetty.Stable, "refuses a bad card", []string{"expired", "stolen"}, func(s *jetty.S, card string) {
			s.When("I pay with an "+card+" card", func() {})
			s.Then("the payment is refused", func() {
				if card == "stolen" {
					s.Error("payment accepted, want refused")
				}
			})
		})
		f.Production("is audited", func(s *jetty.S) {})
	})
}
