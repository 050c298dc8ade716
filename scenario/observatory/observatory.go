// Package observatory grades HTTP response headers the way the MDN HTTP
// Observatory (github.com/mdn/mdn-http-observatory) grades a site, and
// parses the headers it reads (Content-Security-Policy,
// Strict-Transport-Security). It is a tool in its own right, standard library
// only; scenario.SecurityHeaders and scenario.TLS grade with it.
//
// The score is the Observatory's, test for test: the same tests, the same
// results and the same score modifiers, so a header set graded here gets the
// grade the Observatory gives it (conformance_test.go keeps a table of its
// expectations). Only what headers show is graded: not the redirection from
// http to https, Subresource Integrity, or policies in the page's <meta>
// tags. Where Jetty asks more than the Observatory (the OWASP ASVS 5.0
// baseline), it says so in findings of their own, marked Fail, that never
// change the score.
package observatory

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Grader grades response headers like the MDN HTTP Observatory. The zero
// Grader is ready: the response was not fetched over HTTPS, HSTS must be at
// least 180 days when sent, session cookies are found by name, and the
// baseline is ASVS level 1.
//
// The score starts at 100 and each test adds the modifier of its result;
// bonuses (positive modifiers) count only when the score with penalties
// alone is at least 90. The score does not go below 0 and is not capped at
// 100. The grade is A+ from 100, A from 90, A- 85, B+ 80, B 70, B- 65, C+ 60,
// C 50, C- 45, D+ 40, D 30, D- 25, F below 25. The tests and their
// modifiers (the Observatory's SCORE_TABLE):
//
//   - content-security-policy: not implemented −25 (also when only
//     Content-Security-Policy-Report-Only is sent); invalid −25 (a policy
//     shorter than 6 characters, a directive repeated in one policy other
//     than report-uri and report-to, 'strict-dynamic' without a nonce or
//     hash); script-src (else default-src) allowing 'unsafe-inline' (without
//     a nonce or hash), data: or a broad source (*, http:, https:, ftp:,
//     http://*, https://* …), or object-src (else default-src, else any)
//     allowing a broad source −20; over HTTPS, an http: or ftp: source for
//     active content −20; 'unsafe-eval' in script-src or style-src −10; over
//     HTTPS, an http: or ftp: image or media source −10; style-src allowing
//     'unsafe-inline', data: or a broad source 0; otherwise default-src
//     'none' alone +10, else +5. A passing policy with a repeated report-uri
//     or report-to scores 0.
//   - cookies: the worst of: without Secure −20 (−5 when HSTS passes);
//     a session cookie (its name holds "login" or "sess") without Secure −40
//     (−10 when HSTS passes); an invalid SameSite, or SameSite=None without
//     Secure, −20; an anti-CSRF cookie (its name holds "csrf") without
//     SameSite −20; a session cookie without HttpOnly −30. With none of
//     these: +5 when every cookie has SameSite, else 0; no cookies 0.
//   - cross-origin-resource-sharing: Access-Control-Allow-Origin equal to
//     the request's Origin with Access-Control-Allow-Credentials: true −50;
//     anything else 0.
//   - strict-transport-security (a header sent is graded; a missing one
//     costs −20 only when HTTPS is set, where the Observatory gives −20 to a
//     site without HTTPS too): missing −20; invalid
//     (no max-age, or the header sent twice) −20; max-age below 15552000 s
//     −10; else 0. The Observatory's +5 for the preload list is not given:
//     the list is not consulted.
//   - referrer-policy: the last valid policy no-referrer, same-origin,
//     strict-origin or strict-origin-when-cross-origin +5; origin,
//     origin-when-cross-origin, no-referrer-when-downgrade or unsafe-url −5;
//     no valid policy −5; not sent 0.
//   - x-content-type-options: not "nosniff" or missing −5.
//   - x-frame-options: CSP frame-ancestors (any value) or DENY/SAMEORIGIN
//     +5; ALLOW-FROM 0; missing or invalid −20.
//   - cross-origin-opener-policy: same-origin, same-origin-allow-popups or
//     noopener-allow-popups +10; unsafe-none or missing 0; invalid (or sent
//     twice) −5. cross-origin-embedder-policy: require-corp or
//     credentialless +10; unsafe-none or missing 0; invalid −5.
//     cross-origin-resource-policy: same-site or same-origin +10;
//     cross-origin or missing 0; invalid −5.
//
// Not graded: redirection from http to https and Subresource Integrity (the
// Observatory's tests of the plain-HTTP site and of the page's scripts).
// GradePage also reads the page's <meta> policies; Grade reads headers
// only.
//
// The baseline, beyond the score (each a finding with Fail set and no
// modifier unless the Observatory's result carries one): at every level a
// Content-Security-Policy that is valid and lets no script run from
// anywhere; HSTS of at least MinHSTS when HTTPS is set (ASVS 5.0 V3.4.1);
// frame protection; nosniff (V3.4.4); every cookie Secure (V3.3.1), session
// cookies (those above, those named like sid, token, auth, jwt or remember,
// and SessionCookies) HttpOnly and SameSite (V3.3); no CORS trust of an
// arbitrary or "null" Origin with credentials (V3.4.2); no Server version or
// X-Powered-By (V13.4.6). Level 2 adds HSTS includeSubDomains (V3.4.1),
// object-src 'none' and base-uri (V3.4.3), a Referrer-Policy that is sent
// and safe (V3.4.5), CSP frame-ancestors that allows no site at large
// (V3.4.6; the obsolete X-Frame-Options alone is not enough), SameSite on
// every cookie (V3.3.2) and the __Host- or __Secure- prefix (V3.3.1,
// V3.3.3). Level 3 adds a nonce or hash in script-src (V3.4.3), a report-uri
// or report-to (V3.4.7), Cross-Origin-Opener-Policy same-origin or
// same-origin-allow-popups on HTML responses (V3.4.8), and cookies within
// 4096 bytes (V3.3.5).
//
// A Grader is a value; Grade is safe for concurrent use.
type Grader struct {
	// HTTPS says the response came over HTTPS: HSTS is graded (missing
	// −20), and http: sources in a CSP are insecure.
	HTTPS bool
	// MinHSTS is the max-age below which a sent HSTS header fails the
	// baseline. Default 180 days (15552000 s, the Observatory's floor).
	MinHSTS time.Duration
	// SessionCookies names session cookies for the baseline, beyond those
	// found by name.
	SessionCookies []string
	// Origin is the Origin the request carried, to tell whether CORS echoes
	// it. Default "https://evil.example".
	Origin string
	// Level is the OWASP ASVS 5.0 level of the baseline: 1, 2 or 3.
	// Default 1.
	Level int
}

// Grade grades h with the zero Grader.
func Grade(h http.Header) Report { return Grader{}.Grade(h) }

// Report is a graded set of response headers.
type Report struct {
	// Score is 100 plus the results' modifiers, at least 0 (above 100 with
	// bonuses).
	Score int
	// Grade is the Observatory grade of Score, "A+" … "F".
	Grade string
	// Findings are every test's result, then the baseline's findings, by
	// test.
	Findings []Finding
}

// Failures returns the findings that fail whatever the grade.
func (r Report) Failures() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Fail {
			out = append(out, f)
		}
	}
	return out
}

// String lists the grade, then every finding, one per line.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "grade %s (%d/100)", r.Grade, r.Score)
	for _, f := range r.Findings {
		b.WriteString("\n")
		b.WriteString(f.String())
	}
	return b.String()
}

// Finding is one thing the grader found about one header.
type Finding struct {
	// Test is the Observatory test: "content-security-policy", "cookies",
	// "cross-origin-resource-sharing", "strict-transport-security",
	// "referrer-policy", "x-content-type-options", "x-frame-options",
	// "cross-origin-opener-policy", "cross-origin-embedder-policy",
	// "cross-origin-resource-policy", or "information-disclosure" (not an
	// Observatory test; never scored).
	Test string
	// Header is the header the finding is about, e.g.
	// "Content-Security-Policy"; for a cookie "Set-Cookie name" (never the
	// value), or "Cookies" for all of them.
	Header string
	// Rule is the Observatory's result, e.g. "csp-not-implemented", for
	// the test's scored finding; a Jetty name (e.g. "asvs-referrer-policy")
	// for a baseline finding.
	Rule string
	// Delta is the score modifier of the result (negative for a penalty);
	// 0 for baseline findings.
	Delta int
	// Scored marks the one finding per test that carries its result.
	Scored bool
	// Text says what was found.
	Text string
	// Fix says how to fix it; empty for a finding that needs no fix.
	Fix string
	// Fail marks a finding that fails the SecurityHeaders scenario whatever
	// the grade: the baseline of OWASP ASVS 5.0 V3.3, V3.4 and V13.4.
	Fail bool
}

// String formats the finding as `Header: text (−25): fix`.
func (f Finding) String() string {
	s := f.Header + ": " + f.Text
	switch {
	case f.Delta < 0:
		s += fmt.Sprintf(" (−%d)", -f.Delta)
	case f.Delta > 0:
		s += fmt.Sprintf(" (+%d)", f.Delta)
	case f.Fail:
		s += " (required)"
	}
	if f.Fix != "" {
		s += ": " + f.Fix
	}
	return s
}

// GradeFor returns the Observatory grade of a score: "A+" from 100, "A"
// from 90, … "D-" from 25, "F" below.
func GradeFor(score int) string {
	steps := []struct {
		min   int
		grade string
	}{{100, "A+"}, {90, "A"}, {85, "A-"}, {80, "B+"}, {70, "B"}, {65, "B-"}, {60, "C+"}, {50, "C"}, {45, "C-"}, {40, "D+"}, {30, "D"}, {25, "D-"}}
	for _, s := range steps {
		if score >= s.min {
			return s.grade
		}
	}
	return "F"
}

// DefaultOrigin is the Origin a Grader assumes the request carried when its
// Origin is empty: a reserved example domain no site trusts.
const DefaultOrigin = "https://evil.example"

// The Observatory's six-month HSTS floor.
const hstsFloor = 15552000 * time.Second

// minExtraCredit is the score with penalties alone from which bonuses count.
const minExtraCredit = 90

// grading is one Grade call: the grader, the headers, the page's <meta>
// policies, and the findings.
type grading struct {
	g    Grader
	h    http.Header
	meta metaPolicies
	fs   []Finding
}

// score adds the scored finding of a test.
func (s *grading) score(f Finding) { f.Scored = true; s.fs = append(s.fs, f) }

// base adds a baseline finding (no modifier).
func (s *grading) base(f Finding) { f.Delta, f.Scored = 0, false; s.fs = append(s.fs, f) }

// Grade grades the response headers h.
func (g Grader) Grade(h http.Header) Report { return g.GradePage(h, nil) }

// GradePage grades a response: its headers h, and, when h says it is HTML,
// the Content-Security-Policy and referrer policies its <meta> tags declare
// in body, as the Observatory reads them (a <meta> policy cannot set
// frame-ancestors, report-uri or sandbox).
func (g Grader) GradePage(h http.Header, body []byte) Report {
	if g.MinHSTS <= 0 {
		g.MinHSTS = hstsFloor
	}
	if g.Origin == "" {
		g.Origin = DefaultOrigin
	}
	g.Level = min(max(g.Level, 1), 3)
	s := &grading{g: g, h: h, meta: readMeta(h, body)}
	pol := s.csp()
	hstsPass := s.hsts()
	s.frames(pol)
	s.nosniff()
	s.referrer()
	s.cookies(hstsPass)
	s.cors()
	s.crossOrigin()
	s.leaks()
	return total(s.fs)
}

// total scores findings as the Observatory does.
func total(fs []Finding) Report {
	withBonus, penalties := 100, 100
	for _, f := range fs {
		withBonus += f.Delta
		if f.Delta < 0 {
			penalties += f.Delta
		}
	}
	score := penalties
	if penalties >= minExtraCredit {
		score = withBonus
	}
	score = max(score, 0)
	return Report{Score: score, Grade: GradeFor(score), Findings: fs}
}
