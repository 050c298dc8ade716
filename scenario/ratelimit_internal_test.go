package scenario

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The judgements of RateLimit, called directly.

func TestRateLimitRetryProblem(t *testing.T) {
	const lockout = 5 * time.Minute
	for _, tt := range []struct {
		raw  string
		d    time.Duration
		date bool
		err  error
		want string // "" for none
	}{
		{"300", 300 * time.Second, false, nil, ""},
		{"298", 298 * time.Second, false, nil, ""},
		{"date", 301 * time.Second, true, nil, ""},
		{"302", 302 * time.Second, false, nil, "more than the 5m0s lockout"},
		{"60", time.Minute, false, nil, "at the start of a 5m0s lockout"},
		{"0", 0, false, nil, "it must be in the future"},
		{"", 0, false, errors.New("it has no Retry-After header"), "it has no Retry-After header: tell the client when to retry, e.g. Retry-After: 300"},
	} {
		got := rlRetryProblem(tt.raw, tt.d, tt.date, tt.err, lockout)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("rlRetryProblem(%q, %v) = %q, want %q", tt.raw, tt.d, got, tt.want)
		}
	}
}

func TestRateLimitCacheProblem(t *testing.T) {
	for _, tt := range []struct {
		status int
		cc     string
		want   string
	}{
		{429, "", ""},
		{429, "no-store", ""},
		{429, "private, max-age=0", ""},
		{429, "public, max-age=300", "it is cacheable (Cache-Control: public, max-age=300)"},
		{429, "max-age=60", `it may be cached (Cache-Control: "max-age=60"`},
		{200, "", "a 200 without Cache-Control may be cached heuristically"},
		{403, "", ""},
	} {
		h := http.Header{}
		if tt.cc != "" {
			h.Set("Cache-Control", tt.cc)
		}
		got := rlCacheProblem(tt.status, h)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("rlCacheProblem(%d, %q) = %q, want %q", tt.status, tt.cc, got, tt.want)
		}
	}
}

func TestRateLimitAttemptsProblem(t *testing.T) {
	if p := rlAttemptsProblem(10); p != "" {
		t.Errorf("10 attempts: %q", p)
	}
	if p := rlAttemptsProblem(-1); !strings.Contains(p, "RateLimit.Attempts = -1") {
		t.Errorf("-1 attempts: %q", p)
	}
	if p := rlPresetAttemptsProblem(5000); !strings.Contains(p, "more than 1000 attempts") {
		t.Errorf("preset 5000: %q", p)
	}
}

func TestRateLimitHasMessage(t *testing.T) {
	const msg = "Don't retry <now>"
	for _, body := range []string{msg, "<p>Don&#39;t retry &lt;now&gt;</p>", `{"error":"Don't retry \u003cnow\u003e"}`} {
		if !rlHasMessage([]byte(body), msg) {
			t.Errorf("rlHasMessage(%q) = false", body)
		}
	}
	if rlHasMessage([]byte("Slow down."), msg) {
		t.Error("rlHasMessage found the message in another")
	}
}
