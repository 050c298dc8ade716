package scenario

import (
	"strings"
	"testing"
)

func TestOverloadJudgements(t *testing.T) {
	ok, shed, failed := ovlTally(map[int]uint64{200: 5, 302: 1, 503: 7, 429: 2, 500: 3, 0: 4}, []int{429, 503})
	if ok != 6 || shed != 9 || failed != 7 {
		t.Errorf("ovlTally = %d, %d, %d, want 6, 9, 7", ok, shed, failed)
	}
	for _, tc := range []struct {
		n, missing int
		bad, want  string
	}{
		{0, 0, "", ""},
		{5, 0, "", ""},
		{5, 2, "", "2 of 5 shed responses have no Retry-After: tell clients when to come back"},
		{5, 0, `"soon" (on a 503)`, `a shed response has Retry-After "soon" (on a 503), neither delay-seconds nor an HTTP-date`},
	} {
		got := ovlRetryAfterProblem(tc.n, tc.missing, tc.bad)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("ovlRetryAfterProblem(%d, %d, %q) = %q, want %q", tc.n, tc.missing, tc.bad, got, tc.want)
		}
	}
}
