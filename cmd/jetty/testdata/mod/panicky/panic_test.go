// Package panicky has a plain test that panics.
package panicky

import "testing"

func TestBoom(t *testing.T) {
	var m map[string]int
	m["x"] = 1
}
