// Package trun is the floor: the feature as plain t.Run subtests, two
// levels deep (feature, mode), each scenario logging its one step.
package trun

import (
	"fmt"
	"testing"

	"github.com/jettymethod/jetty/scripts/bench/peers"
)

func TestBench(t *testing.T) {
	n := peers.Scenarios()
	t.Run("Bench", func(t *testing.T) {
		t.Run("speed", func(t *testing.T) {
			for i := range n {
				t.Run(fmt.Sprintf("scenario %d", i), func(t *testing.T) { t.Log("Given nothing") })
			}
		})
	})
}
