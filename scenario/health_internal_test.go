package scenario

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The judgements of HealthCheck, called directly.

func TestHealthBodyProblem(t *testing.T) {
	t.Parallel()
	js := http.Header{"Content-Type": {"application/health+json"}}
	for _, tt := range []struct {
		code int
		h    http.Header
		body string
		want string
	}{
		{200, js, `{"status":"pass"}`, ""},
		{503, js, `{"status":"fail"}`, ""},
		{200, http.Header{}, "ok", ""},
		{200, js, `{"checks":{}}`, `without a "status" field`},
		{200, js, `{"status":"fail"}`, `= 200 but its status says "fail"`},
		{503, js, `{"status":"pass"}`, `= 503 but its status says "pass"`},
		{200, js, `not json`, "is not a JSON object"},
		{200, http.Header{}, `{broken`, ""},
	} {
		got := hcBodyProblem(tt.code, tt.h, []byte(tt.body))
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("hcBodyProblem(%d, %q) = %q, want %q", tt.code, tt.body, got, tt.want)
		}
	}
}

func TestHealthConfigProblems(t *testing.T) {
	t.Parallel()
	if p := hcConfigProblems("/healthz", "/readyz", 0, nil); len(p) != 0 {
		t.Errorf("defaults: %q", p)
	}
	p := hcConfigProblems("healthz", "/readyz", -time.Second, []Dependency{{Name: "db"}})
	want := []string{`Live = "healthz"`, "MaxLatency = -1s", "Dependencies[0] (db) has a nil Down or Up"}
	if len(p) != len(want) {
		t.Fatalf("got %q, want %d problems", p, len(want))
	}
	for i, w := range want {
		if !strings.Contains(p[i], w) {
			t.Errorf("problem %d = %q, want %q", i, p[i], w)
		}
	}
}

func TestHealthStatusOK(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code, want int
		ok         bool
	}{
		{200, 200, true}, {204, 200, true}, {302, 200, true}, {404, 200, false}, {503, 200, false},
		{503, 503, true}, {500, 503, true}, {404, 503, false}, {200, 503, false},
	} {
		if got := hcStatusOK(tt.code, tt.want); got != tt.ok {
			t.Errorf("hcStatusOK(%d, %d) = %v, want %v", tt.code, tt.want, got, tt.ok)
		}
	}
}

func TestHealthChecksProblem(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code   int
		checks any
		want   string
	}{
		{200, nil, ""},
		{503, map[string]any{"db:rt": []any{map[string]any{"status": "fail"}}}, ""},
		{503, map[string]any{"db:rt": []any{map[string]any{"status": "warn"}}}, ""},
		{503, map[string]any{"db:rt": []any{map[string]any{"status": "pass"}}}, `every check in its body says "pass"`},
		{200, map[string]any{"db:rt": []any{map[string]any{"status": "pass"}}}, ""},
		{200, map[string]any{"db": "up"}, `has a check "db" that is not an array of objects`},
		{200, []any{}, `"checks" that is not an object`},
	} {
		got := hcChecksProblem(tt.code, tt.checks)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("hcChecksProblem(%d, %v) = %q, want %q", tt.code, tt.checks, got, tt.want)
		}
	}
}
