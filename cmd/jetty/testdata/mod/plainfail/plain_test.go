// Package plainfail has a plain failing test and does not import jetty.
package plainfail

import "testing"

func TestSum(t *testing.T) {
	if got := 1 + 1; got != 3 {
		t.Errorf("1 + 1 = %d, want 3", got)
	}
}

func TestFine(t *testing.T) {}
