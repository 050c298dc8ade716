package scenario_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jettymethod/jetty/scenario"
)

// verifyProblems runs x's engine and returns its problems' text; it fails t
// when x passed or returned another kind of error.
func verifyProblems(t *testing.T, x interface{ Verify(context.Context) error }) string {
	t.Helper()
	err := x.Verify(context.Background())
	var probs *scenario.Problems
	if !errors.As(err, &probs) {
		t.Fatalf("Verify = %v, want *scenario.Problems", err)
	}
	return probs.Error()
}
