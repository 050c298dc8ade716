package scenario_test

import (
	"context"
	"errors"
	"strings"
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

// wantProblems runs x's engine and fails t unless its problems mention each
// of wants.
func wantProblems(t *testing.T, x interface{ Verify(context.Context) error }, wants ...string) {
	t.Helper()
	got := verifyProblems(t, x)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("problems do not contain %q:\n%s", w, got)
		}
	}
}
