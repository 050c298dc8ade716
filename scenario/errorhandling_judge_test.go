package scenario

import (
	"strings"
	"testing"
)

func TestErrorHandlingJudgements(t *testing.T) {
	t.Parallel()
	if p := errStatusProblem("GET /boom", 500, &response{Status: 500}); p != "" {
		t.Errorf("500 for 500: %q", p)
	}
	if p := errStatusProblem("GET /boom", 500, &response{Dropped: true}); !strings.Contains(p, "add recovery middleware") {
		t.Errorf("dropped: %q", p)
	}
	if p := errStatusProblem("GET /boom", 503, &response{Status: 500}); !strings.Contains(p, "GET /boom = 500, want 503") {
		t.Errorf("500 for 503: %q", p)
	}
	if p := errHealthyProblem("/healthz", "before any failure", &response{Status: 204}); p != "" {
		t.Errorf("204 is healthy: %q", p)
	}
	if p := errHealthyProblem("/healthz", "after the failures", &response{Status: 503}); p != "GET /healthz after the failures = 503, want 2xx" {
		t.Errorf("503: %q", p)
	}
	if ps := errLeakProblems("GET /boom", 500, `{"error":"internal error","request_id":"req-1"}`); len(ps) != 0 {
		t.Errorf("a generic body leaks: %q", ps)
	}
	if ps := errLeakProblems("GET /boom", 500, "panic: boom\n\ngoroutine 1 [running]:"); len(ps) != 2 {
		t.Errorf("a panic body: %q", ps)
	}
	if ps := errTrackedValueProblems("GET /boom", 500, "internal error: the database is gone", []any{"the database is gone"}); len(ps) != 1 {
		t.Errorf("the captured value in the body: %q", ps)
	}
	if ps := errConfigProblems(ErrorHandling{Triggers: []ErrorTrigger{{Path: "x", Status: 200}}}, "h"); len(ps) != 3 {
		t.Errorf("config problems: %q", ps)
	}
}
