package scenario

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The judgements of AuditLog, called directly.

func TestAuditTimeProblem(t *testing.T) {
	t.Parallel()
	before := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	after := before.Add(10 * time.Millisecond)
	for _, tt := range []struct {
		v    any
		want string
	}{
		{before.Add(time.Millisecond), ""},
		{before.Format(time.RFC3339Nano), ""},
		{before.In(time.FixedZone("x", 3600)).Format(time.RFC3339), ""},
		{before.Format("2006-01-02T15:04:05"), "a local time without an offset is ambiguous"},
		{"yesterday", "want an RFC 3339 time"},
		{int64(1), "(int64): want an RFC 3339 time"},
		{time.Time{}, "has a zero time"},
		{before.Add(-time.Hour), "1h0m0s before the request was sent"},
		{after.Add(time.Minute), "1m0s after the response came back"},
	} {
		got := auditTimeProblem("the entry", "time", tt.v, 2*time.Second, before, after)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("auditTimeProblem(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestAuditIPProblem(t *testing.T) {
	t.Parallel()
	direct := auditConfig{ip: "192.0.2.10"}
	proxied := auditConfig{ip: "203.0.113.9", proxy: "192.0.2.10"}
	url := auditConfig{anyLoopback: true}
	for _, tt := range []struct {
		cfg  auditConfig
		got  string
		want string
	}{
		{direct, "192.0.2.10", ""},
		{direct, "192.0.2.10:4711", ""},
		{direct, "0.0.0.0", "the unspecified address"},
		{direct, "somewhere", "not an IP address"},
		{direct, "10.0.0.1", "want the client's address 192.0.2.10"},
		{proxied, "203.0.113.9", ""},
		{proxied, "192.0.2.10", "the proxy's address"},
		{url, "127.0.0.1", ""},
		{url, "::1", ""},
		{url, "10.0.0.1", "want a loopback address"},
	} {
		got := auditIPProblem("the entry", "ip", tt.got, tt.cfg)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("auditIPProblem(%q, %+v) = %q, want %q", tt.got, tt.cfg, got, tt.want)
		}
	}
}

func TestAuditEntryProblems(t *testing.T) {
	t.Parallel()
	now := time.Now()
	cfg := auditConfig{user: "u-1", ip: "192.0.2.10", required: []string{"user_id", "time", "ip", "outcome"}, skew: 2 * time.Second}
	e := LogEntry{"user_id": "u-2", "time": now, "ip": "192.0.2.10"}
	got := AuditLog{}.entryProblems("the entry", e, cfg, now, now, true)
	want := []string{`the entry has user_id "u-2", want "u-1"`, `the entry has no "outcome": the preset requires it`}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %d problems", got, len(want))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("problem %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestAuditSpoofedIP(t *testing.T) {
	t.Parallel()
	direct := auditConfig{ip: "192.0.2.10"}
	proxied := auditConfig{ip: "203.0.113.9", proxy: "192.0.2.10", behindProxy: true}
	if p := auditIPProblem("e", "ip", auditSpoofed, direct); !strings.Contains(p, "the address the client wrote in X-Forwarded-For: no trusted proxy is declared") {
		t.Errorf("direct: %q", p)
	}
	if p := auditIPProblem("e", "ip", auditSpoofed, auditConfig{anyLoopback: true}); !strings.Contains(p, "no trusted proxy is declared") {
		t.Errorf("URL: %q", p)
	}
	if p := auditIPProblem("e", "ip", auditSpoofed, proxied); !strings.Contains(p, "the leftmost X-Forwarded-For address") {
		t.Errorf("proxied: %q", p)
	}
	if h := auditClientHeaders(""); h.Get("X-Forwarded-For") != auditSpoofed || h.Get("Forwarded") != "for="+auditSpoofed {
		t.Errorf("direct headers: %v", h)
	}
	if h := auditClientHeaders("203.0.113.9"); h.Get("X-Forwarded-For") != auditSpoofed+", 203.0.113.9" {
		t.Errorf("proxied headers: %v", h)
	}
}

func TestAuditTokens(t *testing.T) {
	t.Parallel()
	h := http.Header{"Set-Cookie": {"session=abcdefgh12; HttpOnly", "short=abc"}}
	got := auditTokens(h, []byte(`{"access_token":"eyJhbGciOi.x.y","ok":true}`))
	if len(got) != 2 || got[0].value != "abcdefgh12" || got[1].where != `JSON field "access_token"` {
		t.Errorf("auditTokens = %+v", got)
	}
}

func TestAuditInjected(t *testing.T) {
	t.Parallel()
	q, ok := auditInjected(LoginRequest("alice@example.com", "pw"), time.Now())
	if !ok {
		t.Fatal("no injected login from a JSON login")
	}
	name, _ := q.jsonField("email")
	if !strings.Contains(name, "\n{") || !strings.Contains(name, auditForged) {
		t.Errorf("injected name = %q", name)
	}
	if p, _ := q.jsonField("password"); p != "wrong-password" {
		t.Errorf("password = %q, want the wrong one", p)
	}
	if _, ok := auditInjected(Request{Body: []byte("user=alice")}, time.Now()); ok {
		t.Error("injected a form body")
	}
}

func TestAuditTriedProblem(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		e    LogEntry
		want string
	}{
		{LogEntry{"user_id": "u-1"}, ""},
		{LogEntry{"user_id": "alice@example.com"}, ""},
		{LogEntry{}, ""},
		{LogEntry{"user_id": "anonymous"}, `has user_id "anonymous", want the account tried ("u-1" or "alice@example.com")`},
	} {
		got := auditTriedProblem(tt.e, "user_id", "u-1", "alice@example.com")
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("auditTriedProblem(%v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}
