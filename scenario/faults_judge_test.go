package scenario

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaultsJudgements(t *testing.T) {
	t.Parallel()
	if got := fltExpectText(nil); got != "502, 503, 504, 429 or 2xx" {
		t.Errorf("fltExpectText(nil) = %q", got)
	}
	if got := fltExpectText([]int{503, 200}); got != "503, 200" {
		t.Errorf("fltExpectText = %q", got)
	}
	for st, want := range map[int]bool{200: true, 204: true, 503: true, 429: true, 500: false, 404: false} {
		if fltAcceptable(nil, st) != want {
			t.Errorf("fltAcceptable(default, %d) = %v", st, !want)
		}
	}
	if fltAcceptable([]int{503}, 200) {
		t.Error("Expect 503 accepts 200")
	}
	ok := &response{Status: http.StatusServiceUnavailable, Body: []byte("service temporarily unavailable"), Elapsed: 50 * time.Millisecond}
	if ps := fltDegradedProblems("GET /", "db", nil, "…", time.Second, ok); len(ps) != 0 {
		t.Errorf("a generic 503: %q", ps)
	}
	raw := &response{Status: 500, Body: []byte("dial tcp 10.0.0.5:5432: connect: connection refused"), Elapsed: 2 * time.Second}
	ps := fltDegradedProblems("GET /", "db", nil, "…", time.Second, raw)
	if len(ps) < 3 || !strings.Contains(ps[0], "= 500") || !strings.Contains(ps[1], "took 2s") || !strings.Contains(ps[2], "a network error") {
		t.Errorf("a raw, slow 500: %q", ps)
	}
	if ps := fltDegradedProblems("GET /", "db", nil, "…", time.Second, &response{Dropped: true}); len(ps) != 1 || !strings.Contains(ps[0], "the handler crashed") {
		t.Errorf("dropped: %q", ps)
	}
	if p := fltSuccessProblem(&response{Status: 302}); p != "" {
		t.Errorf("302 is a success: %q", p)
	}
	if p := fltSuccessProblem(&response{Status: 503}); p != "503, want 2xx or 3xx" {
		t.Errorf("503: %q", p)
	}
	if ps := fltConfigProblems(Faults{Expect: []int{500}}, nil, -1); len(ps) != 4 {
		t.Errorf("config problems: %q", ps)
	}
}
