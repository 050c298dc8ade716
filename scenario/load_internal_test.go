package scenario

import (
	"errors"
	"slices"
	"testing"

	"github.com/jettymethod/jetty/loadtest"
)

func TestLoadJudgements(t *testing.T) {
	if got := loadViolations(nil); got != nil {
		t.Errorf("loadViolations(nil) = %v", got)
	}
	if got := loadViolations(&loadtest.BudgetError{Violations: []string{"a", "b"}}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("loadViolations = %v", got)
	}
	if got := loadViolations(errors.New("x")); !slices.Equal(got, []string{"x"}) {
		t.Errorf("loadViolations = %v", got)
	}
	for v, want := range map[string]bool{"run invalid: lag": true, "requests = 0: nothing": true, "success = 10%": false} {
		if loadInvalid(v) != want {
			t.Errorf("loadInvalid(%q) = %v", v, !want)
		}
	}
}
