package shortflag_test

import (
	"testing"

	"github.com/jettymethod/jetty/internal/shortflag"
)

// TestOnIsTestingShort: in a test binary, after the flags are parsed, On
// is testing.Short, with and without -short.
func TestOnIsTestingShort(t *testing.T) {
	if got, want := shortflag.On(), testing.Short(); got != want {
		t.Fatalf("On() = %v, testing.Short() = %v", got, want)
	}
}
