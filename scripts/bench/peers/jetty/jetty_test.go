// Package jetty is the feature in Jetty: one speed scenario per row, one
// Given step each.
package jetty

import (
	"fmt"
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scripts/bench/peers"
)

func TestBench(t *testing.T) {
	n := peers.Scenarios()
	jetty.Feature(t, "Bench", func(f *jetty.F) {
		for i := range n {
			f.Speed(fmt.Sprintf("scenario %d", i), func(s *jetty.S) {
				s.Given("nothing", func() {})
			})
		}
	})
}
