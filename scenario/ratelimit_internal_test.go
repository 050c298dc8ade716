package scenario

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The judgements of RateLimit, called directly.

func TestRateLimitRetryProblem(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

func TestRateLimitLimiterReset(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)
	for _, tt := range []struct {
		h    http.Header
		want time.Duration
		name string
	}{
		{http.Header{"X-Ratelimit-Reset": {"1767225660"}}, 30 * time.Second, "X-RateLimit-Reset"},
		{http.Header{"X-Ratelimit-Reset": {"45"}}, 45 * time.Second, "X-RateLimit-Reset"},
		{http.Header{"Ratelimit-Reset": {"300"}, "Ratelimit-Remaining": {"0"}}, 300 * time.Second, "RateLimit-Reset"},
		{http.Header{"Ratelimit": {`"login";r=0;t=120`}}, 2 * time.Minute, "RateLimit"},
		{http.Header{"X-Ratelimit-Reset": {"1767225660"}, "Date": {"Thu, 01 Jan 2026 00:00:00 GMT"}}, time.Minute, "X-RateLimit-Reset"},
		// Another limit with attempts left says nothing about the block.
		{http.Header{"X-Ratelimit-Reset": {"10"}, "X-Ratelimit-Remaining": {"42"}}, 0, ""},
		{http.Header{"Ratelimit": {`"ip";r=7;t=10`}}, 0, ""},
		{http.Header{}, 0, ""},
		{http.Header{"X-Ratelimit-Reset": {"soon"}}, 0, ""},
	} {
		d, name, ok := rlLimiterReset(tt.h, now)
		if d != tt.want || name != tt.name || ok != (tt.name != "") {
			t.Errorf("rlLimiterReset(%v) = %v, %q, %v; want %v, %q", tt.h, d, name, ok, tt.want, tt.name)
		}
	}
}

func TestRateLimitResetProblem(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	reset := func(d time.Duration) http.Header {
		return http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(now.Add(d).Unix(), 10)}}
	}
	for _, tt := range []struct {
		h     http.Header
		retry time.Duration
		want  string
	}{
		{reset(5 * time.Minute), 5 * time.Minute, ""},
		{reset(5*time.Minute - time.Second), 5 * time.Minute, ""},
		{http.Header{}, 5 * time.Minute, ""},
		{reset(30 * time.Second), 5 * time.Minute, "its X-RateLimit-Reset says the limit resets in 30s, before the 5m0s lockout ends"},
		{reset(10 * time.Minute), 5 * time.Minute, "but its Retry-After says 5m0s: tell clients one time"},
		{reset(10 * time.Minute), 0, ""},
	} {
		got := rlResetProblem(tt.h, now, tt.retry, 5*time.Minute)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("rlResetProblem(%v, %v) = %q, want %q", tt.h, tt.retry, got, tt.want)
		}
	}
}

func TestRateLimitWithAccount(t *testing.T) {
	t.Parallel()
	q, ok := rlWithAccount(LoginRequest("alice@example.com", "x"), rlSecondAccount)
	if got, _ := q.jsonField("email"); !ok || got != "jetty-second-account@example.com" {
		t.Errorf("JSON: %q, %v", q.Body, ok)
	}
	if p, _ := q.jsonField("password"); p != "x" {
		t.Errorf("JSON password = %q, want it kept", p)
	}
	form := Request{Method: "POST", Path: "/login", Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("username=alice&password=x")}
	if q, ok := rlWithAccount(form, rlUnknownAccount); !ok || string(q.Body) != "password=x&username=jetty-no-such-account" {
		t.Errorf("form: %q, %v", q.Body, ok)
	}
	for _, body := range []string{`["alice"]`, `{"password":"x"}`, "alice x"} {
		if _, ok := rlWithAccount(Request{Body: []byte(body)}, rlSecondAccount); ok {
			t.Errorf("%q: derived an account from a body that names none", body)
		}
	}
}
