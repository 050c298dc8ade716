package observatory_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/scenario/observatory"
)

// The conformance tables: header sets and the MDN HTTP Observatory's verdict
// on each (github.com/mdn/mdn-http-observatory: its test/*.test.js
// expectations, and scores worked out with its SCORE_TABLE and
// MINIMUM_SCORE_FOR_EXTRA_CREDIT). A change that makes a row fail makes the
// grade differ from the Observatory's.

// good are headers that cost nothing, so a row shows one test's effect:
// CSP +5, frame-ancestors +5, nosniff 0.
func good(extra http.Header) http.Header {
	h := http.Header{
		"Content-Security-Policy": {"default-src 'self'; frame-ancestors 'none'"},
		"X-Content-Type-Options":  {"nosniff"},
	}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

const year = "max-age=31536000"

func TestConformanceScores(t *testing.T) {
	for _, tc := range []struct {
		name  string
		https bool
		h     http.Header
		score int
		grade string
	}{
		// issue 11 item 8, first case: object-src falls back to * (−20), so
		// the bonuses are withheld.
		{"script-src 'self' alone with a year of HSTS", true, http.Header{
			"Content-Security-Policy":   {"script-src 'self'"},
			"Strict-Transport-Security": {year},
			"X-Frame-Options":           {"DENY"},
			"X-Content-Type-Options":    {"nosniff"},
		}, 80, "B+"},
		// a duplicated directive makes the policy invalid (−25), and its
		// frame-ancestors no longer counts (X-Frame-Options missing −20).
		{"duplicated directive, no X-Frame-Options", true, http.Header{
			"Content-Security-Policy":   {"default-src 'none'; script-src 'self'; script-src 'none'; frame-ancestors 'none'"},
			"Strict-Transport-Security": {year},
			"X-Content-Type-Options":    {"nosniff"},
		}, 55, "C"},
		{"object-src * is unsafe", true, good(http.Header{
			"Content-Security-Policy":   {"default-src 'self'; object-src *; frame-ancestors 'none'"},
			"Strict-Transport-Security": {year},
		}), 80, "B+"},
		{"CSP without unsafe sources +5", true, good(http.Header{"Strict-Transport-Security": {year}}), 110, "A+"},
		{"style-src 'unsafe-inline' loses the default-src 'none' bonus", true, good(http.Header{
			"Content-Security-Policy":   {"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"},
			"Strict-Transport-Security": {year},
		}), 105, "A+"},
		{"nothing over HTTPS", true, http.Header{}, 30, "D"},
		{"nothing over plain HTTP (HSTS not graded)", false, http.Header{}, 50, "C"},
		{"strict", true, http.Header{
			"Content-Security-Policy":   {"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"},
			"Strict-Transport-Security": {"max-age=63072000; includeSubDomains; preload"},
			"X-Content-Type-Options":    {"nosniff"},
			"X-Frame-Options":           {"DENY"},
			"Referrer-Policy":           {"no-referrer"},
			"Set-Cookie":                {"session=abc123; Path=/; Secure; HttpOnly; SameSite=Lax", "theme=dark; Path=/; Secure; SameSite=Lax"},
		}, 125, "A+"},
		{"cross-origin isolation +10 each", true, good(http.Header{
			"Strict-Transport-Security":    {year},
			"Cross-Origin-Opener-Policy":   {"same-origin"},
			"Cross-Origin-Embedder-Policy": {`require-corp; report-to="default"`},
			"Cross-Origin-Resource-Policy": {"same-origin"},
		}), 140, "A+"},
		{"COOP sent twice, COEP a string, CORP unknown: −5 each", true, good(http.Header{
			"Strict-Transport-Security":    {year},
			"Cross-Origin-Opener-Policy":   {"same-origin", "same-origin"},
			"Cross-Origin-Embedder-Policy": {`"require-corp"`},
			"Cross-Origin-Resource-Policy": {"same-site, same-site"},
		}), 85, "A-"},
		{"bonus withheld below 90", false, http.Header{
			"Content-Security-Policy": {"default-src 'none'; frame-ancestors 'none'"},
			"X-Content-Type-Options":  {"nope"},
			"Set-Cookie":              {"prefs=1"},
		}, 75, "B"},
		{"floor at zero", false, http.Header{
			"Set-Cookie":                       {"sid=1; SameSite=bogus"},
			"Access-Control-Allow-Origin":      {"https://evil.example"},
			"Access-Control-Allow-Credentials": {"true"},
		}, 0, "F"},
		{"CORS null with credentials is not the Observatory's universal access", false, good(http.Header{
			"Access-Control-Allow-Origin":      {"null"},
			"Access-Control-Allow-Credentials": {"true"},
		}), 110, "A+"},
		{"a day of HSTS: −10 leaves 90, so bonuses count", true, good(http.Header{"Strict-Transport-Security": {"max-age=86400"}}), 100, "A+"},
		{"HSTS sent twice is invalid", true, good(http.Header{"Strict-Transport-Security": {year, year}}), 80, "B+"},
		{"HSTS quoted max-age reads as NaN: at least six months", true, good(http.Header{"Strict-Transport-Security": {`max-age="31536000"`}}), 110, "A+"},
		{"HSTS without max-age= is invalid", true, good(http.Header{"Strict-Transport-Security": {"max-age = 31536000"}}), 80, "B+"},
		{"session cookie without Secure under HSTS −10", true, good(http.Header{
			"Strict-Transport-Security": {year},
			"Set-Cookie":                {"SESSIONID=1; HttpOnly; SameSite=Lax"},
		}), 100, "A+"},
		{"session cookie without Secure or HSTS −40", false, good(http.Header{"Set-Cookie": {"SESSIONID=1; HttpOnly; SameSite=Lax"}}), 60, "C+"},
		{"session cookie without HttpOnly −30", true, good(http.Header{
			"Strict-Transport-Security": {year},
			"Set-Cookie":                {"login=1; Secure; SameSite=Lax"},
		}), 70, "B"},
		{"anti-CSRF cookie without SameSite −20", true, good(http.Header{
			"Strict-Transport-Security": {year},
			"Set-Cookie":                {"csrftoken=1; Secure"},
		}), 80, "B+"},
		{"cookies without SameSite: no bonus, no penalty", true, good(http.Header{
			"Strict-Transport-Security": {year},
			"Set-Cookie":                {"prefs=1; Secure"},
		}), 110, "A+"},
		{"SameSite=None without Secure −20", true, good(http.Header{
			"Strict-Transport-Security": {year},
			"Set-Cookie":                {"prefs=1; SameSite=None"},
		}), 80, "B+"},
		{"X-Frame-Options ALLOW-FROM 0", false, http.Header{
			"Content-Security-Policy": {"default-src 'self'"},
			"X-Frame-Options":         {"ALLOW-FROM https://example.com"},
			"X-Content-Type-Options":  {"nosniff"},
		}, 105, "A+"},
		{"X-Frame-Options DENY +5", false, http.Header{
			"Content-Security-Policy": {"default-src 'self'"},
			"X-Frame-Options":         {"deny"},
			"X-Content-Type-Options":  {"nosniff"},
		}, 110, "A+"},
		{"CSP report-only only −25", false, http.Header{
			"Content-Security-Policy-Report-Only": {"default-src 'none'"},
			"X-Frame-Options":                     {"DENY"},
			"X-Content-Type-Options":              {"nosniff"},
		}, 75, "B"},
		{"referrer: the last valid policy wins", false, good(http.Header{"Referrer-Policy": {"unsafe-url, bogus", "strict-origin"}}), 115, "A+"},
		{"referrer: invalid −5", false, good(http.Header{"Referrer-Policy": {"bogus"}}), 105, "A+"},
		{"unsafe-eval −10", false, good(http.Header{"Content-Security-Policy": {"default-src 'self'; script-src 'self' 'unsafe-eval'; frame-ancestors 'none'"}}), 95, "A"},
		{"passive http: over HTTPS −10", true, good(http.Header{
			"Content-Security-Policy":   {"default-src 'self'; img-src http://cdn.example; frame-ancestors 'none'"},
			"Strict-Transport-Security": {year},
		}), 95, "A"},
		{"passive http: over plain HTTP is not insecure", false, good(http.Header{
			"Content-Security-Policy": {"default-src 'self'; img-src http://cdn.example; frame-ancestors 'none'"},
		}), 110, "A+"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := observatory.Grader{HTTPS: tc.https}.Grade(tc.h)
			if rep.Score != tc.score || rep.Grade != tc.grade {
				t.Errorf("Grade = %s (%d), want the Observatory's %s (%d):\n%s", rep.Grade, rep.Score, tc.grade, tc.score, rep)
			}
		})
	}
}

// cspRule is the rule of the scored CSP finding.
func cspRule(rep observatory.Report) string {
	for _, f := range rep.Findings {
		if f.Scored && f.Test == "content-security-policy" {
			return f.Rule
		}
	}
	return ""
}

// TestConformanceCSP carries over the policies of the Observatory's
// test/csp.test.js with the result it expects for each (served over HTTPS).
func TestConformanceCSP(t *testing.T) {
	for rule, policies := range map[string][]string{
		"csp-header-invalid": {
			"  ", "", "default-src 'none'; default-src 'none'", "default-src 'none'; img-src 'self'; default-src 'none'",
			"default-src 'none'; script-src 'strict-dynamic'", "defa",
		},
		"csp-implemented-with-unsafe-inline": {
			"default-src 'none'; script-src https://*", "default-src 'none'; script-src 'unsafe-inline'",
			"script-src 'unsafe-inline'", "script-src data:", "script-src http:", "script-src ftp:", "default-src 'unsafe-inline'",
			"default-src 'UNSAFE-INLINE'", "upgrade-insecure-requests", "script-src 'none'", "script-src https:",
			"script-src https://mozilla.org https:", "default-src https://mozilla.org https:", "default-src 'none'; script-src *",
			"default-src *; script-src *; object-src 'none'", "default-src 'none'; script-src 'none'; object-src *",
			"default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'", "default-src 'none'; script-src 'unsafe-inline' http:",
			"object-src https:; script-src 'none'",
		},
		"csp-implemented-with-insecure-scheme": {
			"default-src http://mozilla.org", "default-src 'none'; script-src http://mozilla.org", "default-src 'none'; script-src ftp://mozilla.org",
		},
		"csp-implemented-with-insecure-scheme-in-passive-content-only": {
			"default-src 'none'; img-src http://mozilla.org", "default-src 'self'; img-src ftp:", "default-src 'self'; img-src http:",
			"default-src 'none'; img-src https:; media-src http://mozilla.org", "default-src 'none'; img-src http: https:; script-src 'self'; style-src 'self'",
			"default-src 'none'; img-src 'none'; media-src http:; script-src 'self'; style-src 'self'",
			"default-src 'none'; img-src 'none'; media-src http:; script-src 'self'; style-src 'unsafe-inline'",
		},
		"csp-implemented-with-unsafe-eval": {"default-src 'none'; script-src 'unsafe-eval'"},
		"csp-implemented-with-unsafe-inline-in-style-src-only": {
			"object-src 'none'; script-src 'none'; style-src 'unsafe-inline'", "default-src 'none'; script-src https://mozilla.org; style-src 'unsafe-inline'",
			"default-src 'unsafe-inline'; script-src https://mozilla.org", "default-src 'none';;; ;;;style-src 'self' 'unsafe-inline'",
			"default-src 'none'; style-src data:", "default-src 'none'; style-src *", "default-src 'none'; style-src https:",
			"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB=' 'unsafe-inline'",
		},
		"csp-implemented-with-no-unsafe": {
			"default-src https://mozilla.org", "default-src https://mozilla.org;;; ;;;script-src 'none'",
			"object-src 'none'; script-src https://mozilla.org; style-src https://mozilla.org; upgrade-insecure-requests;",
			"object-src 'none'; script-src 'strict-dynamic' 'nonce-abc' 'unsafe-inline'; style-src 'none'",
			"object-src 'none'; style-src 'self';script-src 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBA='",
			"object-src 'none'; style-src 'self'; script-src 'unsafe-inline' 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBA=''sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB='",
			"object-src 'none'; script-src 'unsafe-inline' 'nonce-abc123' 'unsafe-inline'; style-src 'none'",
			"default-src https://mozilla.org; style-src 'unsafe-inline' 'nonce-abc123' 'unsafe-inline'",
			"default-src https://mozilla.org; style-src 'unsafe-inline' 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB=' 'unsafe-inline'",
		},
		"csp-implemented-with-no-unsafe-default-src-none": {
			"default-src 'none'; script-src 'strict-dynamic' 'nonce-abc123'", "default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123'",
			"default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123' https://*",
			"default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123' 'unsafe-inline'",
			// several policies are all enforced: their intersection counts
			"default-src 'none'; script-src 'self', default-src 'none'; script-src 'self'",
			"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline', default-src 'none'; style-src 'self', default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'",
		},
		"csp-implemented-but-duplicate-directives": {"default-src 'none'; report-uri /a; report-uri /b"},
	} {
		for _, p := range policies {
			rep := observatory.Grader{HTTPS: true}.Grade(http.Header{"Content-Security-Policy": {p}})
			if got := cspRule(rep); got != rule {
				t.Errorf("CSP %q: result %s, want the Observatory's %s:\n%s", p, got, rule, rep)
			}
		}
	}
	rep := observatory.Grade(http.Header{"Content-Security-Policy-Report-Only": {"default-src 'none'"}})
	if got := cspRule(rep); got != "csp-not-implemented-but-reporting-enabled" {
		t.Errorf("report-only: result %s", got)
	}
}

// TestBaselineIsAFindingNotAScore: what Jetty asks beyond the Observatory
// fails the baseline without changing the score.
func TestBaselineIsAFindingNotAScore(t *testing.T) {
	h := good(http.Header{
		"Strict-Transport-Security":        {"max-age=1y"},
		"Access-Control-Allow-Origin":      {"null"},
		"Access-Control-Allow-Credentials": {"true"},
		"Set-Cookie":                       {"connect.sid=1; Secure; HttpOnly"},
		"Content-Type":                     {"text/html"},
	})
	l1 := observatory.Grader{HTTPS: true}.Grade(h)
	l3 := observatory.Grader{HTTPS: true, Level: 3}.Grade(h)
	if l1.Score != l3.Score {
		t.Errorf("level 1 scores %d, level 3 %d: the level must not change the score", l1.Score, l3.Score)
	}
	// Observatory: max-age=1 −10, the rest 0; 90 keeps the CSP and frame
	// bonuses (+5 +5), cookies 0 (no SameSite).
	if l1.Score != 100 {
		t.Errorf("score %d, want the Observatory's 100:\n%s", l1.Score, l1)
	}
	text := l3.String()
	for _, want := range []string{
		`"max-age=1y" is invalid: max-age="1y" is not a number of seconds (RFC 6797 §6.1)`,
		`trusts the origin "null" with Access-Control-Allow-Credentials: true`,
		"Set-Cookie connect.sid: session cookie lacks SameSite (required)",
		"object-src is 'self', not 'none'",
		"base-uri is not restricted",
		"Referrer-Policy: not sent",
		"no report-uri or report-to",
		"script-src has no nonce or hash",
		"Cross-Origin-Opener-Policy: an HTML response without Cross-Origin-Opener-Policy",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("level 3 findings lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(l1.String(), "base-uri") || strings.Contains(l1.String(), "report-uri") {
		t.Errorf("level 1 asks for level-2 or level-3 directives:\n%s", l1)
	}
}

func TestBaselineCookies(t *testing.T) {
	rep := observatory.Grader{HTTPS: true}.Grade(good(http.Header{
		"Strict-Transport-Security": {year},
		"Set-Cookie":                {"prefs=1; SameSite=Lax", "__Host-sid=1; Path=/; Secure; HttpOnly; SameSite=Strict"},
	}))
	// Observatory: prefs without Secure under HSTS −5, so 95 + 10 = 105.
	if rep.Score != 105 {
		t.Errorf("score %d, want the Observatory's 105:\n%s", rep.Score, rep)
	}
	if fs := rep.Failures(); len(fs) != 1 || fs[0].String() != "Set-Cookie prefs: cookie lacks Secure (−5): add Secure so it never travels over plain HTTP" {
		t.Errorf("failures = %v, want the cookie without Secure (ASVS 5.0 V3.3.1), once", fs)
	}
	l3 := observatory.Grader{HTTPS: true, Level: 3}.Grade(http.Header{"Set-Cookie": {"__Host-big=" + strings.Repeat("x", 4100) + "; Path=/; Secure; HttpOnly; SameSite=Lax"}})
	if !strings.Contains(l3.String(), "over 4096: browsers drop it (OWASP ASVS 5.0 V3.3.5)") {
		t.Errorf("level 3 lacks the cookie size:\n%s", l3)
	}
}

// page is an HTML page whose <head> holds metas.
func page(metas ...string) []byte {
	return []byte("<!doctype html><html><head><meta charset=\"UTF-8\" />\n" + strings.Join(metas, "\n") + "\n<!-- <meta http-equiv=\"Content-Security-Policy\" content=\"script-src *\"> --></head><body><p>metadata</p></body></html>")
}

// TestConformanceMeta carries over the Observatory's http-equiv cases
// (test/csp.test.js with test/files/test_parse_http_equiv_headers_*.html).
func TestConformanceMeta(t *testing.T) {
	csp1 := `<meta http-equiv="Content-Security-Policy" content="default-src 'none';" />`
	csp2 := `<meta http-equiv="Content-Security-Policy" content="default-src https:" />`
	multiple := []string{
		"<meta\n  http-equiv=\"Content-Security-Policy\"\n  content=\"default-src 'none'; object-src 'none'; media-src 'none';\"\n/>",
		`<meta http-equiv="Content-SECURITY-Policy" content="connect-src 'self'; font-src 'self'; child-src 'self'" />`,
		`<meta http-equiv=" Content-Security-Policy " content="img-src 'self'; style-src 'self' 'nonce-gAeQO8jI4VJCsrsXkcUVRCzQjiihKteQ" />`,
		`<meta http-equiv="Content-security-Policy" content="script-src 'self' 'unsafe-inline' 'nonce-gAeQO8jI4VJCsrsXkcUVRCzQjiihKteQ'" />`,
	}
	notAllowed := `<meta http-equiv="Content-Security-Policy" content="frame-ancestors 'none'" />`
	html := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	with := func(csp string) http.Header {
		h := html.Clone()
		if csp != "" {
			h.Set("Content-Security-Policy", csp)
		}
		return h
	}
	for _, tc := range []struct {
		name string
		h    http.Header
		body []byte
		rule string
	}{
		{"header default-src http: and meta default-src https: intersect to 'none'", with("default-src http:"), page(csp2), "csp-implemented-with-no-unsafe-default-src-none"},
		{"meta alone", with(""), page(csp1), "csp-implemented-with-no-unsafe-default-src-none"},
		{"several metas", with(""), page(multiple...), "csp-implemented-with-no-unsafe-default-src-none"},
		{"header and meta both 'none'", with("default-src 'none'"), page(csp1), "csp-implemented-with-no-unsafe-default-src-none"},
		{"header 'none', meta https:", with("default-src 'none'"), page(csp2), "csp-implemented-with-no-unsafe-default-src-none"},
		{"header img-src 'none', meta default-src 'none'", with("img-src 'none'"), page(csp1), "csp-implemented-with-no-unsafe-default-src-none"},
		{"frame-ancestors is ignored in a meta", with(""), page(notAllowed), "csp-not-implemented"},
		{"a meta in a page that is not HTML is not read", http.Header{"Content-Type": {"application/json"}}, page(csp1), "csp-not-implemented"},
	} {
		rep := observatory.Grader{HTTPS: true}.GradePage(tc.h, tc.body)
		if got := cspRule(rep); got != tc.rule {
			t.Errorf("%s: result %s, want the Observatory's %s:\n%s", tc.name, got, tc.rule, rep)
		}
	}
	// <meta name="referrer"> wins over the header.
	h := good(http.Header{"Referrer-Policy": {"unsafe-url"}, "Content-Type": {"text/html"}})
	if rep := (observatory.Grader{}).GradePage(h, page(`<meta name="referrer" content="no-referrer">`)); rep.Score != 115 {
		t.Errorf("meta referrer: score %d, want 115:\n%s", rep.Score, rep)
	}
}
