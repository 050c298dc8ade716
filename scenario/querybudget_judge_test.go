package scenario

import (
	"strings"
	"testing"
)

func TestQBJudgements(t *testing.T) {
	t.Parallel()
	if p := qbOverBudget("GET /posts", 10, 10); p != "" {
		t.Errorf("qbOverBudget at the budget = %q, want none", p)
	}
	if p := qbOverBudget("GET /posts", 11, 10); !strings.Contains(p, "GET /posts issued 11 queries, want ≤ 10: load what the response needs") {
		t.Errorf("qbOverBudget over the budget = %q", p)
	}
	if p := qbGrowth("GET /posts", 4, 4, 0); p != "" {
		t.Errorf("qbGrowth without growth = %q, want none", p)
	}
	if p := qbGrowth("GET /posts", 4, 6, 2); p != "" {
		t.Errorf("qbGrowth within the slack = %q, want none", p)
	}
	if p := qbGrowth("GET /posts", 4, 14, 0); !strings.Contains(p, "issued 4 queries before Grow and 14 after it added rows (+10, slack 0): the number of queries grows with the data, an N+1 query") {
		t.Errorf("qbGrowth = %q", p)
	}
}
