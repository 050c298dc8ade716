package scenario

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

// SecurityHeaders checks the HTTP response headers of an application the way
// the Mozilla HTTP Observatory grades a site, and the baseline of OWASP ASVS
// 5.0 V3.3 (cookies), V3.4 (browser security headers) and V13.4 (no version
// disclosure). It covers [preset.SecurityHeaders].
//
// It sends GET to each of Paths with "Origin: https://evil.example" (to see
// whether CORS trusts any origin), grades each response with [Grader], and
// fails when
//
//   - a response grades below the minimum grade (MinGrade, else the preset's
//     "grade" parameter: B for Startup MVP, A- for Production SaaS, A for
//     Enterprise and Regulated; B without a preset), listing every penalty; or
//   - a response misses the baseline, whatever its grade (see
//     [HeaderFinding].Fail): Content-Security-Policy missing, invalid or
//     allowing inline script; Strict-Transport-Security invalid, below the
//     minimum max-age, or missing when HTTPS is set; no frame protection
//     (X-Frame-Options or CSP frame-ancestors); no "X-Content-Type-Options:
//     nosniff"; a session cookie without Secure, HttpOnly or SameSite; CORS
//     echoing an arbitrary Origin with credentials; a Server header with a
//     version or an X-Powered-By header.
//
// A passing run logs each path's grade and score and every bonus and
// penalty. The scoring rules are those of [Grader].
//
// SecurityHeaders only reads the target; it is safe in parallel tests.
type SecurityHeaders struct {
	// Target is the application. Required.
	Target Target
	// Paths are requested with GET, each graded on its own. Default "/".
	Paths []string
	// MinGrade is the lowest acceptable Observatory grade, one of A+, A,
	// A-, B+, B, B-, C+, C, C-, D+, D, D-, F. Default: the preset's "grade"
	// parameter, else "B".
	MinGrade string
	// MinHSTS is the lowest acceptable Strict-Transport-Security max-age.
	// Default: the preset's "hsts-max-age" parameter (180 days for Startup
	// MVP, the Observatory's floor of 15552000 s; 365 days, as OWASP ASVS
	// 5.0 V3.4.1 asks, above it), else 180 days.
	MinHSTS time.Duration
	// HTTPS says the application is served over HTTPS, so a missing
	// Strict-Transport-Security header fails (OWASP ASVS 5.0 V3.4.1). It is
	// implied by an https:// URL target. Without it (a plain-HTTP loopback
	// URL or an in-process handler) a missing header is only noted, but a
	// header the application sends is still checked.
	HTTPS bool
	// SessionCookies names cookies that hold a session, matched without
	// regard to case, in addition to names that look like one (containing
	// sess, sid, token, auth, login, jwt or remember, such as session,
	// JSESSIONID, connect.sid, access_token).
	SessionCookies []string
	// Preset, when set, is the preset the thresholds are read from instead
	// of the project's (jetty.S.Preset); Verify has no project, so this is
	// how Verify grades against, say, preset.ProductionSaaS.
	Preset preset.Preset
}

var _ jetty.Scenario = SecurityHeaders{}

// Mode returns jetty.Production.
func (x SecurityHeaders) Mode() jetty.Mode { return jetty.Production }

// Title names the check.
func (x SecurityHeaders) Title() string {
	if x.MinGrade != "" {
		return "security headers grade " + x.MinGrade + " or better"
	}
	return "security headers grade as the preset asks"
}

// Covers returns preset.SecurityHeaders.
func (x SecurityHeaders) Covers() []preset.ID { return []preset.ID{preset.SecurityHeaders} }

// Verify runs the check without a testing.T and returns a *Problems listing
// every problem, or nil.
func (x SecurityHeaders) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the check as the steps of a jetty scenario.
func (x SecurityHeaders) Run(s *jetty.S) {
	s.Helper()
	run(s, x.exec)
}

// evilOrigin is the Origin sent to test CORS: a reserved example domain.
const evilOrigin = "https://evil.example"

func (x SecurityHeaders) exec(r reporter) {
	param := func(key, def string) string {
		if !x.Preset.IsZero() {
			return x.Preset.Param(preset.SecurityHeaders, key, def)
		}
		return r.param(preset.SecurityHeaders, key, def)
	}
	var (
		c      *client
		grade  string
		minAge time.Duration
		paths  = x.Paths
		https  = x.HTTPS || strings.HasPrefix(strings.ToLower(x.Target.url), "https:")
	)
	if len(paths) == 0 {
		paths = []string{"/"}
	}
	r.step("Given", "the application at "+x.Target.String(), func() {
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
		}
		grade = x.MinGrade
		if grade == "" {
			grade = param(preset.ParamGrade, "B")
		}
		if preset.GradeRank(grade) == 0 {
			r.errorf("MinGrade %q is not a grade: want one of A+, A, A-, B+, B, B-, C+, C, C-, D+, D, D-, F", grade)
		}
		minAge = x.MinHSTS
		if minAge == 0 {
			raw := param(preset.ParamHSTSMaxAge, "180d")
			d, err := preset.ParseDuration(raw)
			if err != nil || d <= 0 {
				r.errorf("the preset's %q parameter %q is not a positive duration: fix the preset or set MinHSTS, e.g. 365 * 24 * time.Hour", preset.ParamHSTSMaxAge, raw)
			}
			minAge = d
		} else if minAge < 0 {
			r.errorf("MinHSTS is %v: want a positive duration such as 365 * 24 * time.Hour, or zero for the preset's", minAge)
		}
		for _, p := range paths {
			if !strings.HasPrefix(p, "/") {
				r.errorf("path %q must start with \"/\", e.g. \"/\" or \"/login\"", p)
			}
		}
	})
	if r.failed() {
		return
	}
	type graded struct {
		path string
		res  *response
		rep  HeaderReport
	}
	var got []graded
	g := Grader{HTTPS: https, MinHSTS: minAge, SessionCookies: x.SessionCookies, Origin: evilOrigin}
	r.step("When", fmt.Sprintf("I request %s with Origin: %s", strings.Join(paths, ", "), evilOrigin), func() {
		for _, p := range paths {
			res, err := c.do(r.context(), Request{Method: http.MethodGet, Path: p, Header: http.Header{"Origin": {evilOrigin}}})
			switch {
			case err != nil:
				r.errorf("GET %s: %v", p, err)
			case res.Dropped:
				r.errorf("GET %s = %s: the application must answer so its headers can be graded", p, res)
			default:
				if res.Status >= 500 {
					r.errorf("GET %s = %d: the page failed; grade a page that answers 2xx (set Paths)", p, res.Status)
				}
				rep := g.Grade(res.Header)
				got = append(got, graded{p, res, rep})
				r.logf("GET %s = %d: grade %s (%d/100)", p, res.Status, rep.Grade, rep.Score)
			}
		}
	})
	if len(got) == 0 {
		return
	}
	r.step("Then", "every response grades at least "+grade+" (Mozilla HTTP Observatory scoring)", func() {
		for _, gr := range got {
			prefix := ""
			if len(paths) > 1 {
				prefix = "GET " + gr.path + ": "
			}
			if preset.GradeRank(gr.rep.Grade) < preset.GradeRank(grade) {
				for _, f := range gr.rep.Findings {
					if f.Delta < 0 && !f.Fail {
						r.errorf("%s%s", prefix, f)
					}
				}
				r.errorf("%sgrade %s (%d/100), want at least %s", prefix, gr.rep.Grade, gr.rep.Score, grade)
				continue
			}
			for _, f := range gr.rep.Findings {
				if !f.Fail {
					r.logf("%s%s", prefix, f)
				}
			}
			r.logf("%sgrade %s (%d/100), at least %s", prefix, gr.rep.Grade, gr.rep.Score, grade)
		}
	})
	r.step("And", fmt.Sprintf("every response meets the baseline: CSP without inline script, HSTS of at least %s, frame protection, nosniff, safe session cookies and CORS, no version leaks (OWASP ASVS 5.0 V3.3, V3.4, V13.4)", daysText(minAge)), func() {
		for _, gr := range got {
			prefix := ""
			if len(paths) > 1 {
				prefix = "GET " + gr.path + ": "
			}
			n := 0
			for _, f := range gr.rep.Findings {
				if f.Fail {
					r.errorf("%s%s", prefix, f)
					n++
				}
			}
			if n == 0 {
				r.logf("%sbaseline met", prefix)
			}
		}
	})
}

func daysText(d time.Duration) string {
	if d == 24*time.Hour {
		return "1 day"
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// ageText describes an HSTS max-age: whole days, or a duration under a day.
func ageText(d time.Duration) string {
	if d < 24*time.Hour {
		return d.String()
	}
	return daysText(d.Truncate(24 * time.Hour))
}

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
func Grade(h http.Header) HeaderReport { return Grader{}.Grade(h) }

// HeaderReport is a graded set of response headers.
type HeaderReport struct {
	// Score is 100 plus penalties and bonuses, at least 0 (above 100 with
	// bonuses).
	Score int
	// Grade is the Observatory grade of Score, "A+" … "F".
	Grade string
	// Findings are every penalty, bonus, note and failure, by test.
	Findings []HeaderFinding
}

// Failures returns the findings that fail whatever the grade.
func (r HeaderReport) Failures() []HeaderFinding {
	var out []HeaderFinding
	for _, f := range r.Findings {
		if f.Fail {
			out = append(out, f)
		}
	}
	return out
}

// String lists the grade, then every finding, one per line.
func (r HeaderReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "grade %s (%d/100)", r.Grade, r.Score)
	for _, f := range r.Findings {
		b.WriteString("\n")
		b.WriteString(f.String())
	}
	return b.String()
}

// HeaderFinding is one thing the grader found about one header.
type HeaderFinding struct {
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
func (f HeaderFinding) String() string {
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

// The Observatory's six-month HSTS floor.
const hstsFloor = 15552000 * time.Second

// Grade grades the response headers h.
func (g Grader) Grade(h http.Header) HeaderReport {
	if g.MinHSTS <= 0 {
		g.MinHSTS = hstsFloor
	}
	if g.Origin == "" {
		g.Origin = evilOrigin
	}
	var fs []HeaderFinding
	add := func(f HeaderFinding) { fs = append(fs, f) }
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
	return HeaderReport{Score: score, Grade: GradeFor(score), Findings: fs}
}

const cspFix = `add "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'" (tighten further with default-src 'none' and per-type sources)`

func (g Grader) csp(h http.Header, add func(HeaderFinding)) []CSP {
	const test, name = "content-security-policy", "Content-Security-Policy"
	values := h.Values(name)
	if len(values) == 0 {
		add(HeaderFinding{Test: test, Header: name, Rule: "csp-not-implemented", Delta: -25, Fail: true,
			Text: "missing", Fix: cspFix})
		return nil
	}
	var policies []CSP
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			c, err := ParseCSP(p)
			if err != nil {
				add(HeaderFinding{Test: test, Header: name, Rule: "csp-header-invalid", Delta: -25, Fail: true,
					Text: fmt.Sprintf("%q is invalid: %v", truncateText(p, 80), err), Fix: cspFix})
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
			add(HeaderFinding{Test: test, Header: name, Rule: "csp-implemented-but-duplicate-directives", Delta: -5,
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
		add(HeaderFinding{Test: test, Header: name, Rule: "csp-implemented-with-unsafe-inline", Delta: -20, Fail: true,
			Text: why, Fix: "remove 'unsafe-inline' and wildcard sources from script-src; move inline scripts to files or allow them with a nonce or hash"})
	}
	if bad, why := all(func(c CSP) (bool, string) { return c.insecureScheme([]string{"script-src", "object-src"}) }); bad {
		clean = false
		add(HeaderFinding{Test: test, Header: name, Rule: "csp-implemented-with-insecure-scheme", Delta: -20,
			Text: why, Fix: "load scripts over https only"})
	} else if bad, why := all(func(c CSP) (bool, string) {
		return c.insecureScheme([]string{"img-src", "media-src", "style-src", "font-src"})
	}); bad {
		clean = false
		add(HeaderFinding{Test: test, Header: name, Rule: "csp-implemented-with-insecure-scheme-in-passive-content-only", Delta: -10,
			Text: why, Fix: "load images, media, styles and fonts over https only"})
	}
	if bad, why := all(func(c CSP) (bool, string) { return c.unsafeEval() }); bad {
		clean = false
		add(HeaderFinding{Test: test, Header: name, Rule: "csp-implemented-with-unsafe-eval", Delta: -10,
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
		add(HeaderFinding{Test: test, Header: name, Rule: "csp-implemented-with-no-unsafe-default-src-none", Delta: 10,
			Text: "default-src 'none' and no unsafe sources"})
	} else {
		add(HeaderFinding{Test: test, Header: name, Rule: "csp-implemented-with-no-unsafe", Delta: 0,
			Text: "no unsafe sources", Fix: "for a bonus, start from default-src 'none' and allow each type of content explicitly"})
	}
	return policies
}

func (g Grader) hsts(h http.Header, add func(HeaderFinding)) bool {
	const test, name = "strict-transport-security", "Strict-Transport-Security"
	want := fmt.Sprintf("add %q", fmt.Sprintf("Strict-Transport-Security: max-age=%d; includeSubDomains", max(int64(g.MinHSTS/time.Second), 31536000)))
	v := h.Get(name)
	if v == "" {
		if g.HTTPS {
			add(HeaderFinding{Test: test, Header: name, Rule: "hsts-not-implemented", Delta: -20, Fail: true, Text: "missing", Fix: want})
		} else {
			add(HeaderFinding{Test: test, Header: name, Rule: "hsts-not-implemented-no-https", Text: "not sent; not required over plain HTTP (set HTTPS when the application is served over HTTPS)", Fix: want})
		}
		return false
	}
	hs, err := ParseHSTS(v)
	if err != nil {
		add(HeaderFinding{Test: test, Header: name, Rule: "hsts-header-invalid", Delta: -20, Fail: true,
			Text: fmt.Sprintf("%q is invalid: %v", truncateText(v, 80), err), Fix: want})
		return false
	}
	got := time.Duration(min(hs.MaxAge, int64(1<<63-1)/int64(time.Second))) * time.Second
	if got < hstsFloor {
		add(HeaderFinding{Test: test, Header: name, Rule: "hsts-implemented-max-age-less-than-six-months", Delta: -10, Fail: got < g.MinHSTS,
			Text: fmt.Sprintf("max-age=%d (%s) is below 6 months (15552000)", hs.MaxAge, ageText(got)), Fix: want})
		return true
	}
	if got < g.MinHSTS {
		add(HeaderFinding{Test: test, Header: name, Rule: "hsts-max-age-below-minimum", Fail: true,
			Text: fmt.Sprintf("max-age=%d (%s) is below the minimum %d (%s)", hs.MaxAge, ageText(got), int64(g.MinHSTS/time.Second), daysText(g.MinHSTS)), Fix: want})
		return true
	}
	add(HeaderFinding{Test: test, Header: name, Rule: "hsts-implemented-max-age-at-least-six-months",
		Text: fmt.Sprintf("max-age=%d, at least %d", hs.MaxAge, int64(g.MinHSTS/time.Second))})
	return true
}

func (g Grader) frames(h http.Header, policies []CSP, add func(HeaderFinding)) {
	const test, name = "x-frame-options", "X-Frame-Options"
	for _, c := range policies {
		if fa, ok := c.Directives["frame-ancestors"]; ok && !slices.ContainsFunc(fa, func(s string) bool {
			s = strings.ToLower(s)
			return s == "*" || s == "http:" || s == "https:"
		}) {
			add(HeaderFinding{Test: test, Header: "Content-Security-Policy", Rule: "x-frame-options-implemented-via-csp", Delta: 5,
				Text: "frame-ancestors " + strings.Join(fa, " ")})
			return
		}
	}
	fix := `add "Content-Security-Policy: frame-ancestors 'none'" (or "X-Frame-Options: DENY")`
	v := strings.TrimSpace(h.Get(name))
	switch up := strings.ToUpper(v); {
	case v == "":
		add(HeaderFinding{Test: test, Header: name, Rule: "x-frame-options-not-implemented", Delta: -20, Fail: true,
			Text: "missing, and no CSP frame-ancestors", Fix: fix})
	case up == "DENY" || up == "SAMEORIGIN":
		add(HeaderFinding{Test: test, Header: name, Rule: "x-frame-options-sameorigin-or-deny", Text: up,
			Fix: "for a bonus, use CSP frame-ancestors"})
	case strings.HasPrefix(up, "ALLOW-FROM "):
		add(HeaderFinding{Test: test, Header: name, Rule: "x-frame-options-allow-from-origin", Fail: true,
			Text: v + ": ALLOW-FROM is ignored by current browsers", Fix: fix})
	default:
		add(HeaderFinding{Test: test, Header: name, Rule: "x-frame-options-header-invalid", Delta: -20, Fail: true,
			Text: fmt.Sprintf("%q is invalid", truncateText(v, 80)), Fix: fix})
	}
}

func (g Grader) nosniff(h http.Header, add func(HeaderFinding)) {
	const test, name = "x-content-type-options", "X-Content-Type-Options"
	fix := `add "X-Content-Type-Options: nosniff"`
	switch v := strings.TrimSpace(h.Get(name)); {
	case v == "":
		add(HeaderFinding{Test: test, Header: name, Rule: "x-content-type-options-not-implemented", Delta: -5, Fail: true, Text: "missing", Fix: fix})
	case strings.EqualFold(v, "nosniff"):
		add(HeaderFinding{Test: test, Header: name, Rule: "x-content-type-options-nosniff", Text: "nosniff"})
	default:
		add(HeaderFinding{Test: test, Header: name, Rule: "x-content-type-options-header-invalid", Delta: -5, Fail: true,
			Text: fmt.Sprintf("%q is invalid", truncateText(v, 80)), Fix: fix})
	}
}

func (g Grader) referrer(h http.Header, add func(HeaderFinding)) {
	const test, name = "referrer-policy", "Referrer-Policy"
	fix := `use "Referrer-Policy: strict-origin-when-cross-origin" (or no-referrer)`
	raw := strings.Join(h.Values(name), ",")
	if strings.TrimSpace(raw) == "" {
		add(HeaderFinding{Test: test, Header: name, Rule: "referrer-policy-not-implemented", Text: "not sent (browsers default to strict-origin-when-cross-origin)", Fix: "for a bonus, " + fix})
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
		add(HeaderFinding{Test: test, Header: name, Rule: "referrer-policy-header-invalid", Delta: -5, Text: fmt.Sprintf("%q is invalid", truncateText(raw, 80)), Fix: fix})
	case "origin", "origin-when-cross-origin", "no-referrer-when-downgrade", "unsafe-url":
		add(HeaderFinding{Test: test, Header: name, Rule: "referrer-policy-unsafe", Delta: -5, Text: policy + " leaks URLs to other sites", Fix: fix})
	default:
		add(HeaderFinding{Test: test, Header: name, Rule: "referrer-policy-private", Delta: 5, Text: policy})
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

func (g Grader) cookies(h http.Header, hsts bool, add func(HeaderFinding)) {
	const test, all = "cookies", "Cookies"
	lines := h.Values("Set-Cookie")
	if len(lines) == 0 {
		add(HeaderFinding{Test: test, Header: all, Rule: "cookies-not-found", Text: "none set"})
		return
	}
	good := true
	for _, line := range lines {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			cname, _, _ := strings.Cut(line, "=")
			add(HeaderFinding{Test: test, Header: "Set-Cookie " + truncateText(strings.Join(strings.Fields(cname), ""), 40), Rule: "cookies-invalid", Text: fmt.Sprintf("does not parse (%v); browsers ignore it", err)})
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
			f := HeaderFinding{Test: test, Header: name, Text: who + " lacks Secure", Fix: "add Secure so it never travels over plain HTTP", Fail: session}
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
			add(HeaderFinding{Test: test, Header: name, Rule: "cookies-session-without-httponly-flag", Delta: -30, Fail: true,
				Text: who + " lacks HttpOnly", Fix: "add HttpOnly so scripts cannot read it"})
		}
		switch {
		case c.SameSite == http.SameSiteDefaultMode:
			good = false
			add(HeaderFinding{Test: test, Header: name, Rule: "cookies-samesite-flag-invalid", Delta: -20, Fail: session,
				Text: who + " has an invalid SameSite attribute", Fix: "use SameSite=Lax or SameSite=Strict"})
		case c.SameSite == http.SameSiteNoneMode && !c.Secure:
			good = false
			add(HeaderFinding{Test: test, Header: name, Rule: "cookies-samesite-flag-invalid", Delta: -20, Fail: session,
				Text: who + " has SameSite=None without Secure; browsers reject it", Fix: "use SameSite=Lax, or add Secure"})
		case c.SameSite == 0:
			good = false
			low := strings.ToLower(c.Name)
			switch {
			case strings.Contains(low, "csrf") || strings.Contains(low, "xsrf"):
				add(HeaderFinding{Test: test, Header: name, Rule: "cookies-anticsrf-without-samesite-flag", Delta: -20,
					Text: who + " is an anti-CSRF cookie without SameSite", Fix: "add SameSite=Strict"})
			case session:
				add(HeaderFinding{Test: test, Header: name, Rule: "cookies-session-without-samesite-flag", Fail: true,
					Text: who + " lacks SameSite", Fix: "add SameSite=Lax (or Strict) against cross-site request forgery"})
			}
		}
	}
	if good {
		add(HeaderFinding{Test: test, Header: all, Rule: "cookies-secure-with-httponly-sessions-and-samesite", Delta: 5,
			Text: "every cookie is Secure and SameSite, session cookies HttpOnly"})
	}
}

func (g Grader) cors(h http.Header, add func(HeaderFinding)) {
	const test, name = "cross-origin-resource-sharing", "Access-Control-Allow-Origin"
	acao := strings.TrimSpace(h.Get(name))
	creds := strings.EqualFold(strings.TrimSpace(h.Get("Access-Control-Allow-Credentials")), "true")
	switch {
	case acao == "":
		add(HeaderFinding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-not-implemented", Text: "not sent"})
	case acao == "*":
		add(HeaderFinding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-public-access", Text: "* (public, without credentials)"})
	case strings.EqualFold(acao, g.Origin) || acao == "null":
		if creds {
			add(HeaderFinding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-universal-access", Delta: -50, Fail: true,
				Text: fmt.Sprintf("echoes the arbitrary Origin %q with Access-Control-Allow-Credentials: true, so any site can read users' data", acao),
				Fix:  "allow only a fixed list of trusted origins (OWASP ASVS 5.0 V3.4.2)"})
			return
		}
		add(HeaderFinding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-public-access",
			Text: fmt.Sprintf("echoes the arbitrary Origin %q (without credentials)", acao), Fix: "prefer a fixed list of trusted origins"})
	default:
		add(HeaderFinding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-restricted-access", Text: acao})
	}
}

var serverVersionRE = regexp.MustCompile(`\d+\.\d+|/\s*\d`)

func (g Grader) leaks(h http.Header, add func(HeaderFinding)) {
	const test = "information-disclosure"
	if v := h.Get("Server"); v != "" && serverVersionRE.MatchString(v) {
		add(HeaderFinding{Test: test, Header: "Server", Rule: "server-version-disclosed", Fail: true,
			Text: fmt.Sprintf("%q reveals the software version", truncateText(v, 60)), Fix: "drop the version (e.g. nginx server_tokens off) or the header"})
	}
	for _, k := range []string{"X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"} {
		if v := h.Get(k); v != "" {
			add(HeaderFinding{Test: test, Header: k, Rule: "framework-disclosed", Fail: true,
				Text: fmt.Sprintf("%q reveals the framework", truncateText(v, 60)), Fix: "remove the header (Express: app.disable(\"x-powered-by\"))"})
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
				return HSTS{}, fmt.Errorf("max-age=%q is not a number of seconds", truncateText(val, 40))
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

// truncate shortens s to at most n bytes plus "…", on a rune boundary when
// s is valid UTF-8.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	if cut == 0 {
		cut = n
	}
	return s[:cut] + "…"
}
