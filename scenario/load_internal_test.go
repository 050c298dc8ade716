package scenario

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/loadtest"
)

func TestLoadJudgements(t *testing.T) {
	t.Parallel()
	if got := loadViolations(nil); got != nil {
		t.Errorf("loadViolations(nil) = %v", got)
	}
	be := &loadtest.BudgetError{Violations: []string{"a", "b"}, Kinds: []loadtest.Kind{loadtest.KindLatency, loadtest.KindSuccess}}
	if got := loadViolations(be); !slices.Equal(got, []loadViolation{{loadtest.KindLatency, "a"}, {loadtest.KindSuccess, "b"}}) {
		t.Errorf("loadViolations = %v", got)
	}
	if got := loadViolations(errors.New("x")); !slices.Equal(got, []loadViolation{{text: "x"}}) {
		t.Errorf("loadViolations = %v", got)
	}
	for k, want := range map[loadtest.Kind]bool{loadtest.KindInvalidRun: true, loadtest.KindEmpty: true, loadtest.KindSuccess: false, loadtest.KindLatency: false} {
		if (loadViolation{kind: k}).invalid() != want {
			t.Errorf("invalid(%v) = %v", k, !want)
		}
	}
}

func TestLoadFailureJudgements(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		codes map[int]uint64
		seed  bool
		want  string
	}{
		{map[int]uint64{401: 9, 200: 1}, false, "the load users are not authenticated: the application refused the requests"},
		{map[int]uint64{403: 9}, true, "the load users are not authenticated: the application refused their login"},
		{map[int]uint64{503: 5, 401: 2}, false, "requests failed under load; raise the server's concurrency limits"},
		{map[int]uint64{404: 5}, false, "the route is not there"},
		{map[int]uint64{422: 5}, false, "the application rejected the requests as invalid"},
		{map[int]uint64{502: 5}, false, "requests failed with server errors under load"},
		{map[int]uint64{0: 5}, false, "requests got no answer"},
	} {
		if got := loadFailureHint(tc.codes, tc.seed, "5 users at once"); !strings.HasPrefix(got, tc.want) {
			t.Errorf("loadFailureHint(%v, %v) = %q, want %q…", tc.codes, tc.seed, got, tc.want)
		}
	}
	if got := loadRedirects(map[int]uint64{302: 6, 200: 4}, 10); !strings.HasPrefix(got, "6 of 10 answers were redirects (3xx)") {
		t.Errorf("loadRedirects = %q", got)
	}
	if got := loadRedirects(map[int]uint64{302: 4, 200: 6}, 10); got != "" {
		t.Errorf("loadRedirects = %q, want none", got)
	}
}

func TestLoadSlowHint(t *testing.T) {
	t.Parallel()
	if got := loadSlowHint(100, "POST /login"); !strings.Contains(got, "password hashing") {
		t.Errorf("loadSlowHint(login) = %q", got)
	}
	if got := loadSlowHint(100, "GET /api/items"); strings.Contains(got, "password") {
		t.Errorf("loadSlowHint(items) = %q: no password is hashed there", got)
	}
}
