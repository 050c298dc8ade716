// Package observatory grades HTTP response headers the way the Mozilla HTTP
// Observatory grades a site, and parses the headers it reads
// (Content-Security-Policy, Strict-Transport-Security). It is a tool in its
// own right, standard library only; scenario.SecurityHeaders and
// scenario.TLS grade with it.
package observatory

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Grader grades response headers like the Mozilla HTTP Observatory. The zero
// Grader is ready: it does not require HSTS (HTTPS false), wants HSTS of at
// least 180 days when sent, and detects session cookies by name.
//
// The score starts at 100. Each test below adds its worst penalty, or, when
// it has none, its bonus; bonuses count only when the score before them is
// at least 90 (the Observatory's rule). The score does not go below 0. The
// grade is A+ from 100, A from 90, A- 85, B+ 80, B 70, B- 65, C+ 60, C 50,
// C- 45, D+ 40, D 30, D- 25, F below 25.
//
//   - Content-Security-Policy: missing −25; invalid −25; script-src (or
//     default-src) allowing 'unsafe-inline' (without a nonce or hash), *,
//     data:, http: or https: −20; script from http:// −20; passive content
//     from http:// −10; 'unsafe-eval' −10; a duplicated directive −5;
//     default-src 'none' with none of these +10.
//   - Cookies: a session cookie without Secure −40 (−10 when HSTS is sent),
//     without HttpOnly −30; another cookie without Secure −20 (−5 with HSTS);
//     an invalid SameSite, or SameSite=None without Secure, −20; an
//     anti-CSRF cookie without SameSite −20; every cookie Secure, session
//     cookies HttpOnly and all SameSite +5.
//   - CORS: Access-Control-Allow-Origin echoing the request's Origin (or
//     "null") with Access-Control-Allow-Credentials: true −50.
//   - Strict-Transport-Security: missing −20 (only when HTTPS); invalid
//     −20; max-age below 6 months (15552000 s) −10. The Observatory's +5 for
//     the preload list is not given: the list is not consulted.
//   - Referrer-Policy: no-referrer, same-origin, strict-origin or
//     strict-origin-when-cross-origin +5; origin, origin-when-cross-origin,
//     no-referrer-when-downgrade or unsafe-url −5; invalid −5.
//   - X-Content-Type-Options: missing or not "nosniff" −5.
//   - X-Frame-Options: missing or invalid −20; DENY or SAMEORIGIN 0; CSP
//     frame-ancestors (not *) +5.
//
// Not graded: redirections, Subresource Integrity and the HTML's <meta>
// policies (the Observatory's page-content tests). Beyond the Observatory,
// a Server header with a version and X-Powered-By, X-AspNet-Version or
// X-AspNetMvc-Version are reported as failures (OWASP ASVS 5.0 V13.4.6)
// without changing the score.
//
// A Grader is a value; Grade is safe for concurrent use.
type Grader struct {
	// HTTPS makes a missing Strict-Transport-Security header a −20 failure.
	HTTPS bool
	// MinHSTS is the max-age below which a sent HSTS header fails. Default
	// 180 days (15552000 s, the Observatory's floor).
	MinHSTS time.Duration
	// SessionCookies names session cookies beyond those found by name.
	SessionCookies []string
	// Origin is the Origin the request carried, to tell whether CORS echoes
	// it. Default "https://evil.example".
	Origin string
}

// Grade grades h with the zero Grader.
func Grade(h http.Header) Report { return Grader{}.Grade(h) }

// Report is a graded set of response headers.
type Report struct {
	// Score is 100 plus penalties and bonuses, at least 0 (above 100 with
	// bonuses).
	Score int
	// Grade is the Observatory grade of Score, "A+" … "F".
	Grade string
	// Findings are every penalty, bonus, note and failure, by test.
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
	// "referrer-policy", "x-content-type-options", "x-frame-options", or
	// "information-disclosure" (not an Observatory test; never scored).
	Test string
	// Header is the header the finding is about, e.g.
	// "Content-Security-Policy"; for a cookie "Set-Cookie name" (never the
	// value), or "Cookies" for all of them.
	Header string
	// Rule is an Observatory-style result name, e.g. "csp-not-implemented".
	Rule string
	// Delta is the score modifier of the rule (negative for a penalty).
	Delta int
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

// Grade grades the response headers h.
func (g Grader) Grade(h http.Header) Report {
	if g.MinHSTS <= 0 {
		g.MinHSTS = hstsFloor
	}
	if g.Origin == "" {
		g.Origin = DefaultOrigin
	}
	var fs []Finding
	add := func(f Finding) { fs = append(fs, f) }
	policies := g.csp(h, add)
	hsts := g.hsts(h, add)
	g.frames(h, policies, add)
	g.nosniff(h, add)
	g.referrer(h, add)
	g.cookies(h, hsts, add)
	g.cors(h, add)
	g.leaks(h, add)

	// One result per test: its worst penalty, else its best bonus.
	worst, best := map[string]int{}, map[string]int{}
	var tests []string
	for _, f := range fs {
		if !slices.Contains(tests, f.Test) {
			tests = append(tests, f.Test)
		}
		worst[f.Test] = min(worst[f.Test], f.Delta)
		best[f.Test] = max(best[f.Test], f.Delta)
	}
	score, bonus := 100, 0
	for _, t := range tests {
		if worst[t] < 0 {
			score += worst[t]
		} else {
			bonus += best[t]
		}
	}
	if score >= 90 {
		score += bonus
	}
	score = max(score, 0)
	return Report{Score: score, Grade: GradeFor(score), Findings: fs}
}

const cspFix = `add "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'" (tighten further with default-src 'none' and per-type sources)`

func (g Grader) csp(h http.Header, add func(Finding)) []CSP {
	const test, name = "content-security-policy", "Content-Security-Policy"
	values := h.Values(name)
	if len(values) == 0 {
		add(Finding{Test: test, Header: name, Rule: "csp-not-implemented", Delta: -25, Fail: true,
			Text: "missing", Fix: cspFix})
		return nil
	}
	var policies []CSP
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			c, err := ParseCSP(p)
			if err != nil {
				add(Finding{Test: test, Header: name, Rule: "csp-header-invalid", Delta: -25, Fail: true,
					Text: fmt.Sprintf("%q is invalid: %v", probe.Clip(p, 80), err), Fix: cspFix})
				continue
			}
			policies = append(policies, c)
		}
	}
	if len(policies) == 0 {
		return nil
	}
	for _, c := range policies {
		for _, d := range c.Duplicates {
			add(Finding{Test: test, Header: name, Rule: "csp-implemented-but-duplicate-directives", Delta: -5,
				Text: fmt.Sprintf("directive %s appears twice; browsers ignore the second", d), Fix: "merge the sources into one " + d + " directive"})
		}
	}
	// Several policies are all enforced: a weakness counts only when every
	// policy has it.
	all := func(pred func(CSP) (bool, string)) (bool, string) {
		why := ""
		for _, c := range policies {
			ok, w := pred(c)
			if !ok {
				return false, ""
			}
			why = w
		}
		return true, why
	}
	clean := true
	if bad, why := all(func(c CSP) (bool, string) { return c.unsafeScript() }); bad {
		clean = false
		add(Finding{Test: test, Header: name, Rule: "csp-implemented-with-unsafe-inline", Delta: -20, Fail: true,
			Text: why, Fix: "remove 'unsafe-inline' and wildcard sources from script-src; move inline scripts to files or allow them with a nonce or hash"})
	}
	if bad, why := all(func(c CSP) (bool, string) { return c.insecureScheme([]string{"script-src", "object-src"}) }); bad {
		clean = false
		add(Finding{Test: test, Header: name, Rule: "csp-implemented-with-insecure-scheme", Delta: -20,
			Text: why, Fix: "load scripts over https only"})
	} else if bad, why := all(func(c CSP) (bool, string) {
		return c.insecureScheme([]string{"img-src", "media-src", "style-src", "font-src"})
	}); bad {
		clean = false
		add(Finding{Test: test, Header: name, Rule: "csp-implemented-with-insecure-scheme-in-passive-content-only", Delta: -10,
			Text: why, Fix: "load images, media, styles and fonts over https only"})
	}
	if bad, why := all(func(c CSP) (bool, string) { return c.unsafeEval() }); bad {
		clean = false
		add(Finding{Test: test, Header: name, Rule: "csp-implemented-with-unsafe-eval", Delta: -10,
			Text: why, Fix: "remove 'unsafe-eval'; avoid eval() and new Function()"})
	}
	if !clean {
		return policies
	}
	none := slices.ContainsFunc(policies, func(c CSP) bool {
		d, ok := c.Directives["default-src"]
		return ok && len(d) == 1 && strings.EqualFold(d[0], "'none'")
	})
	if none {
		add(Finding{Test: test, Header: name, Rule: "csp-implemented-with-no-unsafe-default-src-none", Delta: 10,
			Text: "default-src 'none' and no unsafe sources"})
	} else {
		add(Finding{Test: test, Header: name, Rule: "csp-implemented-with-no-unsafe", Delta: 0,
			Text: "no unsafe sources", Fix: "for a bonus, start from default-src 'none' and allow each type of content explicitly"})
	}
	return policies
}

func (g Grader) hsts(h http.Header, add func(Finding)) bool {
	const test, name = "strict-transport-security", "Strict-Transport-Security"
	want := fmt.Sprintf("add %q", fmt.Sprintf("Strict-Transport-Security: max-age=%d; includeSubDomains", max(int64(g.MinHSTS/time.Second), 31536000)))
	v := h.Get(name)
	if v == "" {
		if g.HTTPS {
			add(Finding{Test: test, Header: name, Rule: "hsts-not-implemented", Delta: -20, Fail: true, Text: "missing", Fix: want})
		} else {
			add(Finding{Test: test, Header: name, Rule: "hsts-not-implemented-no-https", Text: "not sent; not required over plain HTTP (set HTTPS when the application is served over HTTPS)", Fix: want})
		}
		return false
	}
	hs, err := ParseHSTS(v)
	if err != nil {
		add(Finding{Test: test, Header: name, Rule: "hsts-header-invalid", Delta: -20, Fail: true,
			Text: fmt.Sprintf("%q is invalid: %v", probe.Clip(v, 80), err), Fix: want})
		return false
	}
	got := time.Duration(min(hs.MaxAge, int64(1<<63-1)/int64(time.Second))) * time.Second
	if got < hstsFloor {
		add(Finding{Test: test, Header: name, Rule: "hsts-implemented-max-age-less-than-six-months", Delta: -10, Fail: got < g.MinHSTS,
			Text: fmt.Sprintf("max-age=%d (%s) is below 6 months (15552000)", hs.MaxAge, probe.Days(got)), Fix: want})
		return true
	}
	if got < g.MinHSTS {
		add(Finding{Test: test, Header: name, Rule: "hsts-max-age-below-minimum", Fail: true,
			Text: fmt.Sprintf("max-age=%d (%s) is below the minimum %d (%s)", hs.MaxAge, probe.Days(got), int64(g.MinHSTS/time.Second), probe.Days(g.MinHSTS)), Fix: want})
		return true
	}
	add(Finding{Test: test, Header: name, Rule: "hsts-implemented-max-age-at-least-six-months",
		Text: fmt.Sprintf("max-age=%d, at least %d", hs.MaxAge, int64(g.MinHSTS/time.Second))})
	return true
}

func (g Grader) frames(h http.Header, policies []CSP, add func(Finding)) {
	const test, name = "x-frame-options", "X-Frame-Options"
	for _, c := range policies {
		if fa, ok := c.Directives["frame-ancestors"]; ok && !slices.ContainsFunc(fa, func(s string) bool {
			s = strings.ToLower(s)
			return s == "*" || s == "http:" || s == "https:"
		}) {
			add(Finding{Test: test, Header: "Content-Security-Policy", Rule: "x-frame-options-implemented-via-csp", Delta: 5,
				Text: "frame-ancestors " + strings.Join(fa, " ")})
			return
		}
	}
	fix := `add "Content-Security-Policy: frame-ancestors 'none'" (or "X-Frame-Options: DENY")`
	v := strings.TrimSpace(h.Get(name))
	switch up := strings.ToUpper(v); {
	case v == "":
		add(Finding{Test: test, Header: name, Rule: "x-frame-options-not-implemented", Delta: -20, Fail: true,
			Text: "missing, and no CSP frame-ancestors", Fix: fix})
	case up == "DENY" || up == "SAMEORIGIN":
		add(Finding{Test: test, Header: name, Rule: "x-frame-options-sameorigin-or-deny", Text: up,
			Fix: "for a bonus, use CSP frame-ancestors"})
	case strings.HasPrefix(up, "ALLOW-FROM "):
		add(Finding{Test: test, Header: name, Rule: "x-frame-options-allow-from-origin", Fail: true,
			Text: v + ": ALLOW-FROM is ignored by current browsers", Fix: fix})
	default:
		add(Finding{Test: test, Header: name, Rule: "x-frame-options-header-invalid", Delta: -20, Fail: true,
			Text: fmt.Sprintf("%q is invalid", probe.Clip(v, 80)), Fix: fix})
	}
}

func (g Grader) nosniff(h http.Header, add func(Finding)) {
	const test, name = "x-content-type-options", "X-Content-Type-Options"
	fix := `add "X-Content-Type-Options: nosniff"`
	switch v := strings.TrimSpace(h.Get(name)); {
	case v == "":
		add(Finding{Test: test, Header: name, Rule: "x-content-type-options-not-implemented", Delta: -5, Fail: true, Text: "missing", Fix: fix})
	case strings.EqualFold(v, "nosniff"):
		add(Finding{Test: test, Header: name, Rule: "x-content-type-options-nosniff", Text: "nosniff"})
	default:
		add(Finding{Test: test, Header: name, Rule: "x-content-type-options-header-invalid", Delta: -5, Fail: true,
			Text: fmt.Sprintf("%q is invalid", probe.Clip(v, 80)), Fix: fix})
	}
}

func (g Grader) referrer(h http.Header, add func(Finding)) {
	const test, name = "referrer-policy", "Referrer-Policy"
	fix := `use "Referrer-Policy: strict-origin-when-cross-origin" (or no-referrer)`
	raw := strings.Join(h.Values(name), ",")
	if strings.TrimSpace(raw) == "" {
		add(Finding{Test: test, Header: name, Rule: "referrer-policy-not-implemented", Text: "not sent (browsers default to strict-origin-when-cross-origin)", Fix: "for a bonus, " + fix})
		return
	}
	// The last policy the browser recognises wins.
	policy := ""
	for t := range strings.SplitSeq(raw, ",") {
		switch t = strings.ToLower(strings.TrimSpace(t)); t {
		case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin",
			"origin", "origin-when-cross-origin", "no-referrer-when-downgrade", "unsafe-url":
			policy = t
		}
	}
	switch policy {
	case "":
		add(Finding{Test: test, Header: name, Rule: "referrer-policy-header-invalid", Delta: -5, Text: fmt.Sprintf("%q is invalid", probe.Clip(raw, 80)), Fix: fix})
	case "origin", "origin-when-cross-origin", "no-referrer-when-downgrade", "unsafe-url":
		add(Finding{Test: test, Header: name, Rule: "referrer-policy-unsafe", Delta: -5, Text: policy + " leaks URLs to other sites", Fix: fix})
	default:
		add(Finding{Test: test, Header: name, Rule: "referrer-policy-private", Delta: 5, Text: policy})
	}
}

var sessionNameParts = []string{"sess", "sid", "token", "auth", "login", "jwt", "remember"}

func (g Grader) isSession(name string) bool {
	low := strings.ToLower(name)
	if slices.ContainsFunc(g.SessionCookies, func(s string) bool { return strings.EqualFold(s, name) }) {
		return true
	}
	return slices.ContainsFunc(sessionNameParts, func(p string) bool { return strings.Contains(low, p) })
}

func (g Grader) cookies(h http.Header, hsts bool, add func(Finding)) {
	const test, all = "cookies", "Cookies"
	lines := h.Values("Set-Cookie")
	if len(lines) == 0 {
		add(Finding{Test: test, Header: all, Rule: "cookies-not-found", Text: "none set"})
		return
	}
	good := true
	for _, line := range lines {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			cname, _, _ := strings.Cut(line, "=")
			add(Finding{Test: test, Header: "Set-Cookie " + probe.Clip(strings.Join(strings.Fields(cname), ""), 40), Rule: "cookies-invalid", Text: fmt.Sprintf("does not parse (%v); browsers ignore it", err)})
			continue
		}
		// Header names the cookie, never its value, and unquoted: the
		// redaction of reports masks "Set-Cookie: …" and "session": ….
		name := "Set-Cookie " + c.Name
		session := g.isSession(c.Name)
		kind := "cookie"
		if session {
			kind = "session cookie"
		}
		who := kind
		if !c.Secure {
			good = false
			f := Finding{Test: test, Header: name, Text: who + " lacks Secure", Fix: "add Secure so it never travels over plain HTTP", Fail: session}
			switch {
			case session && hsts:
				f.Rule, f.Delta = "cookies-session-without-secure-flag-but-protected-by-hsts", -10
			case session:
				f.Rule, f.Delta = "cookies-session-without-secure-flag", -40
			case hsts:
				f.Rule, f.Delta = "cookies-without-secure-flag-but-protected-by-hsts", -5
			default:
				f.Rule, f.Delta = "cookies-without-secure-flag", -20
			}
			add(f)
		}
		if session && !c.HttpOnly {
			good = false
			add(Finding{Test: test, Header: name, Rule: "cookies-session-without-httponly-flag", Delta: -30, Fail: true,
				Text: who + " lacks HttpOnly", Fix: "add HttpOnly so scripts cannot read it"})
		}
		switch {
		case c.SameSite == http.SameSiteDefaultMode:
			good = false
			add(Finding{Test: test, Header: name, Rule: "cookies-samesite-flag-invalid", Delta: -20, Fail: session,
				Text: who + " has an invalid SameSite attribute", Fix: "use SameSite=Lax or SameSite=Strict"})
		case c.SameSite == http.SameSiteNoneMode && !c.Secure:
			good = false
			add(Finding{Test: test, Header: name, Rule: "cookies-samesite-flag-invalid", Delta: -20, Fail: session,
				Text: who + " has SameSite=None without Secure; browsers reject it", Fix: "use SameSite=Lax, or add Secure"})
		case c.SameSite == 0:
			good = false
			low := strings.ToLower(c.Name)
			switch {
			case strings.Contains(low, "csrf") || strings.Contains(low, "xsrf"):
				add(Finding{Test: test, Header: name, Rule: "cookies-anticsrf-without-samesite-flag", Delta: -20,
					Text: who + " is an anti-CSRF cookie without SameSite", Fix: "add SameSite=Strict"})
			case session:
				add(Finding{Test: test, Header: name, Rule: "cookies-session-without-samesite-flag", Fail: true,
					Text: who + " lacks SameSite", Fix: "add SameSite=Lax (or Strict) against cross-site request forgery"})
			}
		}
	}
	if good {
		add(Finding{Test: test, Header: all, Rule: "cookies-secure-with-httponly-sessions-and-samesite", Delta: 5,
			Text: "every cookie is Secure and SameSite, session cookies HttpOnly"})
	}
}

func (g Grader) cors(h http.Header, add func(Finding)) {
	const test, name = "cross-origin-resource-sharing", "Access-Control-Allow-Origin"
	acao := strings.TrimSpace(h.Get(name))
	creds := strings.EqualFold(strings.TrimSpace(h.Get("Access-Control-Allow-Credentials")), "true")
	switch {
	case acao == "":
		add(Finding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-not-implemented", Text: "not sent"})
	case acao == "*":
		add(Finding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-public-access", Text: "* (public, without credentials)"})
	case strings.EqualFold(acao, g.Origin) || acao == "null":
		if creds {
			add(Finding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-universal-access", Delta: -50, Fail: true,
				Text: fmt.Sprintf("echoes the arbitrary Origin %q with Access-Control-Allow-Credentials: true, so any site can read users' data", acao),
				Fix:  "allow only a fixed list of trusted origins (OWASP ASVS 5.0 V3.4.2)"})
			return
		}
		add(Finding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-public-access",
			Text: fmt.Sprintf("echoes the arbitrary Origin %q (without credentials)", acao), Fix: "prefer a fixed list of trusted origins"})
	default:
		add(Finding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-restricted-access", Text: acao})
	}
}

var serverVersionRE = regexp.MustCompile(`\d+\.\d+|/\s*\d`)

func (g Grader) leaks(h http.Header, add func(Finding)) {
	const test = "information-disclosure"
	if v := h.Get("Server"); v != "" && serverVersionRE.MatchString(v) {
		add(Finding{Test: test, Header: "Server", Rule: "server-version-disclosed", Fail: true,
			Text: fmt.Sprintf("%q reveals the software version", probe.Clip(v, 60)), Fix: "drop the version (e.g. nginx server_tokens off) or the header"})
	}
	for _, k := range []string{"X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"} {
		if v := h.Get(k); v != "" {
			add(Finding{Test: test, Header: k, Rule: "framework-disclosed", Fail: true,
				Text: fmt.Sprintf("%q reveals the framework", probe.Clip(v, 60)), Fix: "remove the header (Express: app.disable(\"x-powered-by\"))"})
		}
	}
}

// CSP is one parsed Content-Security-Policy (W3C CSP Level 3 §2.2.1): the
// directives in order, names lower-cased, sources as written.
type CSP struct {
	// Directives maps each directive name to its source list. The first
	// occurrence of a name wins, as in browsers.
	Directives map[string][]string
	// Order lists the directive names in the order they appear.
	Order []string
	// Duplicates lists directive names that appear more than once.
	Duplicates []string
}

// ParseCSP parses one serialized policy: directives separated by ';', a
// directive's name (case-insensitive) and sources separated by ASCII
// whitespace. A header value holding several policies separated by ',' must
// be split first (Grade does). Directives whose names are not ASCII
// letters, digits and '-' are skipped, as browsers do. It returns an error
// when the policy has no valid directive. It never panics.
func ParseCSP(policy string) (CSP, error) {
	c := CSP{Directives: map[string][]string{}}
	for tok := range strings.SplitSeq(policy, ";") {
		fields := strings.FieldsFunc(tok, cspIsSpace)
		if len(fields) == 0 {
			continue
		}
		name := strings.ToLower(fields[0])
		if !cspValidName(name) {
			continue
		}
		if _, dup := c.Directives[name]; dup {
			if !slices.Contains(c.Duplicates, name) {
				c.Duplicates = append(c.Duplicates, name)
			}
			continue
		}
		c.Directives[name] = fields[1:]
		c.Order = append(c.Order, name)
	}
	if len(c.Order) == 0 {
		return c, errors.New("no valid directive (want e.g. \"default-src 'self'\")")
	}
	return c, nil
}

func cspIsSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}

func cspValidName(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return s != ""
}

// Sources returns the sources governing directive, falling back to
// default-src for fetch directives (script-src, style-src, img-src, …) as
// browsers do; ok is false when neither is set.
func (c CSP) Sources(directive string) (src []string, from string, ok bool) {
	directive = strings.ToLower(directive)
	if s, ok := c.Directives[directive]; ok {
		return s, directive, true
	}
	if strings.HasSuffix(directive, "-src") {
		if s, ok := c.Directives["default-src"]; ok {
			return s, "default-src", true
		}
	}
	return nil, "", false
}

func (c CSP) unsafeScript() (bool, string) {
	src, from, ok := c.Sources("script-src")
	if !ok {
		return true, "neither script-src nor default-src is set, so any script may run"
	}
	hasNonce := slices.ContainsFunc(src, func(s string) bool {
		s = strings.ToLower(s)
		return strings.HasPrefix(s, "'nonce-") || strings.HasPrefix(s, "'sha256-") || strings.HasPrefix(s, "'sha384-") || strings.HasPrefix(s, "'sha512-")
	})
	for _, s := range src {
		switch low := strings.ToLower(s); low {
		case "'unsafe-inline'":
			if !hasNonce {
				return true, from + " allows 'unsafe-inline'"
			}
		case "*", "data:", "http:", "https:":
			return true, from + " allows " + low + ", any script of that kind"
		}
	}
	return false, ""
}

func (c CSP) unsafeEval() (bool, string) {
	src, from, _ := c.Sources("script-src")
	for _, s := range src {
		if strings.EqualFold(s, "'unsafe-eval'") {
			return true, from + " allows 'unsafe-eval'"
		}
	}
	return false, ""
}

func (c CSP) insecureScheme(directives []string) (bool, string) {
	for _, d := range directives {
		src, from, _ := c.Sources(d)
		for _, s := range src {
			if strings.HasPrefix(strings.ToLower(s), "http://") {
				return true, from + " allows " + s + " over plain HTTP"
			}
		}
	}
	return false, ""
}

// HSTS is a parsed Strict-Transport-Security header (RFC 6797 §6.1).
type HSTS struct {
	// MaxAge is the max-age directive in seconds.
	MaxAge            int64
	IncludeSubDomains bool
	Preload           bool
}

// ParseHSTS parses a Strict-Transport-Security value: directives separated
// by ';', names case-insensitive, values a token or a quoted string. It
// returns an error when max-age is missing, not a number of seconds, or any
// directive appears twice (RFC 6797 §6.1). A max-age too large for int64 is
// clamped. It never panics.
func ParseHSTS(value string) (HSTS, error) {
	var h HSTS
	seen := map[string]bool{}
	for tok := range strings.SplitSeq(value, ";") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		name, val, hasVal := strings.Cut(tok, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		val = strings.TrimSpace(val)
		if seen[name] {
			return HSTS{}, fmt.Errorf("directive %s appears twice", name)
		}
		seen[name] = true
		switch name {
		case "max-age":
			if !hasVal {
				return HSTS{}, errors.New("max-age has no value")
			}
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if val == "" || strings.Trim(val, "0123456789") != "" {
				return HSTS{}, fmt.Errorf("max-age=%q is not a number of seconds", probe.Clip(val, 40))
			}
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				n = 1<<63 - 1
			}
			h.MaxAge = n
		case "includesubdomains":
			h.IncludeSubDomains = true
		case "preload":
			h.Preload = true
		}
	}
	if !seen["max-age"] {
		return HSTS{}, errors.New("no max-age directive")
	}
	return h, nil
}
