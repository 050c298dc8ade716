package observatory_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/scenario/observatory"
)

func TestGradeScoring(t *testing.T) {
	for _, tc := range []struct {
		name  string
		h     http.Header
		score int
		grade string
	}{
		// CSP −25, X-Frame-Options −20, X-Content-Type-Options −5.
		{"nothing", http.Header{}, 50, "C"},
		{"bonus needs 90 first", http.Header{
			"Content-Security-Policy": {"default-src 'none'; script-src 'self' 'unsafe-eval'"}, // −10, no +10
			"X-Frame-Options":         {"SAMEORIGIN"},
			"X-Content-Type-Options":  {"nosniff"},
			"Referrer-Policy":         {"origin", "strict-origin"}, // last wins: +5
		}, 95, "A"},
		{"bonus withheld below 90", http.Header{
			"Content-Security-Policy": {"default-src 'none'; frame-ancestors 'none'"}, // +10, +5
			"X-Content-Type-Options":  {"nope"},                                       // −5
			"Set-Cookie":              {"prefs=1"},                                    // −20
		}, 75, "B"},
		{"worst penalty per test", http.Header{
			"Content-Security-Policy": {"script-src * 'unsafe-eval'; frame-ancestors 'self'"}, // −20 only
			"X-Content-Type-Options":  {"nosniff"},
		}, 80, "B+"},
		{"nonce makes unsafe-inline inert", http.Header{
			"Content-Security-Policy": {"default-src 'self'; script-src 'nonce-abc' 'unsafe-inline'; frame-ancestors 'none'"},
			"X-Content-Type-Options":  {"nosniff"},
		}, 105, "A+"},
		{"CORS universal access", http.Header{
			"Content-Security-Policy":          {"default-src 'self'; frame-ancestors 'none'"},
			"X-Content-Type-Options":           {"nosniff"},
			"Access-Control-Allow-Origin":      {"null"},
			"Access-Control-Allow-Credentials": {"TRUE"},
		}, 50, "C"},
		{"floor at zero", http.Header{
			"Set-Cookie":                       {"sid=1; SameSite=bogus"}, // −40
			"Access-Control-Allow-Origin":      {"https://evil.example"},
			"Access-Control-Allow-Credentials": {"true"}, // −50
		}, 0, "F"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := observatory.Grade(tc.h)
			if rep.Score != tc.score || rep.Grade != tc.grade {
				t.Errorf("Grade = %s (%d), want %s (%d):\n%s", rep.Grade, rep.Score, tc.grade, tc.score, rep)
			}
		})
	}
}

func TestGradeFor(t *testing.T) {
	for score, want := range map[int]string{130: "A+", 100: "A+", 99: "A", 90: "A", 85: "A-", 84: "B+", 80: "B+", 70: "B", 65: "B-", 60: "C+", 50: "C", 45: "C-", 40: "D+", 30: "D", 25: "D-", 24: "F", 0: "F"} {
		if got := observatory.GradeFor(score); got != want {
			t.Errorf("GradeFor(%d) = %s, want %s", score, got, want)
		}
	}
}

func TestParseCSP(t *testing.T) {
	c, err := observatory.ParseCSP("  Default-Src 'self'  https://cdn.example ;; script-src 'self';script-src 'unsafe-inline'; bad_name x; img-src\t*  ")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Order, ","); got != "default-src,script-src,img-src" {
		t.Errorf("Order = %s", got)
	}
	if got := strings.Join(c.Directives["default-src"], " "); got != "'self' https://cdn.example" {
		t.Errorf("default-src = %q", got)
	}
	if got := strings.Join(c.Directives["script-src"], " "); got != "'self'" {
		t.Errorf("script-src = %q: the first occurrence must win", got)
	}
	if len(c.Duplicates) != 1 || c.Duplicates[0] != "script-src" {
		t.Errorf("Duplicates = %v", c.Duplicates)
	}
	if src, from, ok := c.Sources("style-src"); !ok || from != "default-src" || len(src) != 2 {
		t.Errorf("Sources(style-src) = %v, %s, %v: want default-src's", src, from, ok)
	}
	if _, _, ok := c.Sources("frame-ancestors"); ok {
		t.Error("frame-ancestors must not fall back to default-src")
	}
	for _, bad := range []string{"", " ; ;", "ünïcode 'self'"} {
		if _, err := observatory.ParseCSP(bad); err == nil {
			t.Errorf("ParseCSP(%q) = nil error, want one", bad)
		}
	}
}

func TestParseHSTS(t *testing.T) {
	for in, want := range map[string]observatory.HSTS{
		"max-age=31536000":                          {MaxAge: 31536000},
		`MAX-AGE="600"; includeSubDomains; Preload`: {MaxAge: 600, IncludeSubDomains: true, Preload: true},
		" max-age = 0 ;":                            {MaxAge: 0},
		"max-age=99999999999999999999999":           {MaxAge: 1<<63 - 1},
	} {
		got, err := observatory.ParseHSTS(in)
		if err != nil || got != want {
			t.Errorf("ParseHSTS(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "includeSubDomains", "max-age", "max-age=-1", "max-age=1; max-age=2", "max-age=1e9", `max-age="`} {
		if _, err := observatory.ParseHSTS(bad); err == nil {
			t.Errorf("ParseHSTS(%q) = nil error, want one", bad)
		}
	}
}

func FuzzCSP(f *testing.F) {
	for _, s := range []string{
		"default-src 'self'", "default-src 'none'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
		";;;", "script-src 'nonce-abc' 'strict-dynamic'", "img-src http://x", "a b, c d", "\xff\xfe", "DEFAULT-SRC\t*",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := observatory.ParseCSP(s)
		if err == nil && len(c.Order) != len(c.Directives) {
			t.Errorf("ParseCSP(%q): %d names in Order, %d directives", s, len(c.Order), len(c.Directives))
		}
		observatory.Grade(http.Header{"Content-Security-Policy": {s}})
	})
}

func FuzzHSTS(f *testing.F) {
	for _, s := range []string{"max-age=31536000; includeSubDomains; preload", `max-age="0"`, "max-age=", "max-age=1;max-age=1", "=;=;", "max-age=99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := observatory.ParseHSTS(s)
		if err == nil && h.MaxAge < 0 {
			t.Errorf("ParseHSTS(%q).MaxAge = %d < 0", s, h.MaxAge)
		}
		observatory.Grader{HTTPS: true}.Grade(http.Header{"Strict-Transport-Security": {s}})
	})
}
