package scenario

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/loadtest"
)

func TestOverloadJudgements(t *testing.T) {
	t.Parallel()
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

func TestOverloadRecoveryJudgements(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	shed := []int{429, 503}
	resp := func(code int, ra string) *response {
		h := http.Header{}
		if ra != "" {
			h.Set("Retry-After", ra)
		}
		return &response{Status: code, Header: h}
	}
	for _, tc := range []struct {
		resp      *response
		try       int
		wait      time.Duration
		notProven string
	}{
		{resp(503, "2"), 1, 2 * time.Second, ""},
		{resp(503, "10"), 1, 0, "Retry-After: 10 (10 seconds)"},
		{resp(503, "2"), ovlRecoveryTries, -1, ""},
		{resp(500, "2"), 1, -1, ""},
		{resp(503, ""), 1, -1, ""},
		{resp(429, "soon"), 1, -1, ""},
		{resp(503, "Thu, 01 Jan 2026 00:00:03 GMT"), 1, 3 * time.Second, ""},
		{resp(503, "Wed, 31 Dec 2025 00:00:00 GMT"), 1, 0, ""},
	} {
		wait, np := ovlRetry(tc.resp, shed, tc.try, 5*time.Second, now)
		if wait != tc.wait || np != tc.notProven {
			t.Errorf("ovlRetry(%d %q, try %d) = %v, %q, want %v, %q", tc.resp.Status, tc.resp.Header.Get("Retry-After"), tc.try, wait, np, tc.wait, tc.notProven)
		}
	}
	ms := time.Millisecond
	for _, tc := range []struct {
		lat  loadtest.Latencies
		want bool
	}{
		{loadtest.Latencies{Min: 2 * ms, P50: 200 * ms, Max: 400 * ms}, true},   // one at a time
		{loadtest.Latencies{Min: 1 * ms, P50: 1 * ms, Max: 2 * ms}, false},      // all at once
		{loadtest.Latencies{Min: 90 * ms, P50: 100 * ms, Max: 120 * ms}, false}, // slow, together
		{loadtest.Latencies{Min: 50 * time.Microsecond, P50: ms, Max: 5 * ms}, false},
	} {
		if got := ovlQueued(tc.lat, time.Second); got != tc.want {
			t.Errorf("ovlQueued(%+v) = %v, want %v", tc.lat, got, tc.want)
		}
	}
}
