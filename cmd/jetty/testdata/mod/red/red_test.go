// Package red has a feature whose speed mode is red: stable and production
// are gated.
package red

import (
	"testing"

	"github.com/jettymethod/jetty/jetty"
)

func TestCart(t *testing.T) {
	jetty.Feature(t, "Cart", func(f *jetty.F) {
		f.Speed("adds an item", func(s *jetty.S) {
			s.When("I add a book", func() {})
			s.Then("the cart holds it", func() { s.Errorf("cart has %d items, want 1", 0) })
		})
		f.Speed("lists items", func(s *jetty.S) {})
		f.Stable("rejects a negative quantity", func(s *jetty.S) {})
		f.Production("survives load", func(s *jetty.S) {})
	})
}
