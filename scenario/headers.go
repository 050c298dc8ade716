package scenario

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
	"github.com/jettymethod/jetty/scenario/observatory"
)

// SecurityHeaders checks the HTTP response headers of an application the way
// the MDN HTTP Observatory grades a site, and the baseline of OWASP ASVS
// 5.0 V3.3 (cookies), V3.4 (browser security headers) and V13.4 (no version
// disclosure). It covers [preset.SecurityHeaders].
//
// By default it sends GET / with "Origin: https://evil.example" (to see
// whether CORS trusts any origin); Paths adds GET requests and Requests any
// other request, such as the POST /login that sets the session cookie. Each
// response is graded on its own with [observatory.Grader.GradePage] (its
// headers, and the policies an HTML page declares in <meta> tags), and the
// check fails when
//
//   - a response grades below the minimum grade (MinGrade, else the preset's
//     "grade" parameter: B for Startup MVP, A- for Production SaaS, A for
//     Enterprise and Regulated; B without a preset), listing every penalty;
//     the score is the Observatory's, test for test; or
//   - a response misses the baseline, whatever its grade (see
//     [observatory.Finding].Fail, at ASVS level Level, default 1):
//     Content-Security-Policy missing, invalid or letting script run from
//     anywhere; Strict-Transport-Security invalid, below the minimum
//     max-age, or missing over HTTPS; no frame protection; no
//     "X-Content-Type-Options: nosniff"; a session cookie without Secure,
//     HttpOnly or SameSite; CORS trusting an arbitrary Origin with
//     credentials; a Server header with a version or an X-Powered-By header.
//     Level 2 adds object-src 'none' and base-uri, HSTS includeSubDomains,
//     CSP frame-ancestors, and a safe Referrer-Policy (V3.4.1, 3, 5, 6);
//     level 3 CSP nonces or hashes, report-to and COOP (V3.4.3, 7, 8).
//
// HSTS is judged only on responses sent over HTTPS: an https:// URL target,
// HTTPS set, or an in-process handler when the preset requires HSTS (its
// "hsts-max-age" parameter, as every built-in preset has), whose requests
// then look like TLS (r.TLS set, scheme https), so middleware that sends HSTS
// only over TLS is seen. Otherwise HSTS is reported as not proven.
//
// A passing run logs each response's grade and score and every finding.
// SecurityHeaders only reads the target; it is safe in parallel tests.
//
// Not proven without its field, and required by a preset with
// preset.SecurityHeaders: HSTS, judged only over TLS (HTTPS, or an https
// URL).
type SecurityHeaders struct {
	production

	// Target is the application. Required.
	Target Target
	// Paths are requested with GET, each graded on its own. Default "/"
	// when Requests is empty too.
	Paths []string
	// Requests are further requests to grade, of any method, e.g.
	// scenario.LoginRequest("alice@example.com", "…") to grade the response
	// that sets the session cookie. Each gets the Origin header too.
	Requests []Request
	// MinGrade is the lowest acceptable Observatory grade, one of A+, A,
	// A-, B+, B, B-, C+, C, C-, D+, D, D-, F. Default: the preset's "grade"
	// parameter, else "B".
	MinGrade string
	// MinHSTS is the lowest acceptable Strict-Transport-Security max-age.
	// Default: the preset's "hsts-max-age" parameter (180 days for Startup
	// MVP, the Observatory's floor of 15552000 s; 365 days, as OWASP ASVS
	// 5.0 V3.4.1 asks, above it), else 180 days.
	MinHSTS time.Duration
	// HTTPS says the application is served over HTTPS: in-process requests
	// look like TLS and a missing Strict-Transport-Security header fails
	// (OWASP ASVS 5.0 V3.4.1). Implied by an https:// URL target, and for an
	// in-process handler by a preset that requires HSTS.
	HTTPS bool
	// Level is the OWASP ASVS 5.0 level of the baseline: 1, 2 or 3.
	// Default 1. Level 2 asks for object-src 'none', base-uri, HSTS
	// includeSubDomains, CSP frame-ancestors and a Referrer-Policy; level 3
	// for CSP nonces or hashes, a report-to, and Cross-Origin-Opener-Policy
	// on HTML.
	Level int
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
	run(s, x.Preset, x.exec)
}

// evilOrigin is the Origin sent to test CORS: a reserved example domain.
const evilOrigin = observatory.DefaultOrigin

// hdRun is one run of SecurityHeaders.
type hdRun struct {
	x        SecurityHeaders
	r        reporter
	c        *client
	grade    string
	minAge   time.Duration
	https    bool
	reqs     []Request
	got      []hdGraded
	hstsNeed bool // the preset sets hsts-max-age
}

// hdGraded is one graded response.
type hdGraded struct {
	name string // "GET /"
	res  *response
	rep  observatory.Report
}

func (x SecurityHeaders) exec(r reporter) {
	u := &hdRun{x: x, r: r}
	u.params()
	r.step("Given", "the application at "+x.Target.String(), u.given)
	if r.failed() {
		return
	}
	r.step("When", fmt.Sprintf("I send %s with Origin: %s", hdNames(u.reqs), evilOrigin), u.request)
	if len(u.got) == 0 {
		return
	}
	r.step("Then", "every response grades at least "+u.grade+" (MDN HTTP Observatory scoring)", u.judgeGrades)
	r.step("And", fmt.Sprintf("every response meets the baseline: CSP without unsafe script, HSTS of at least %s, frame-ancestors, nosniff, Referrer-Policy, safe session cookies and CORS, no version leaks (OWASP ASVS 5.0 V3.3, V3.4, V13.4)", probe.Days(u.minAge)), u.judgeBaseline)
}

// params reads the preset's parameters, before any field is validated.
func (u *hdRun) params() {
	param := paramsOf(u.r, preset.SecurityHeaders)
	u.grade = u.x.MinGrade
	if u.grade == "" {
		u.grade = param.Grade(preset.ParamGrade, "B")
	}
	u.minAge = u.x.MinHSTS
	if u.minAge == 0 {
		u.minAge = param.Duration(preset.ParamHSTSMaxAge, 180*24*time.Hour)
	}
	_, u.hstsNeed = param.raw(preset.ParamHSTSMaxAge)
}

func (u *hdRun) given() {
	x, r := u.x, u.r
	if preset.GradeRank(u.grade) == 0 {
		r.errorf("MinGrade %q is not a grade: want one of A+, A, A-, B+, B, B-, C+, C, C-, D+, D, D-, F", u.grade)
	}
	if x.MinHSTS < 0 {
		r.errorf("MinHSTS is %v: want a positive duration such as 365 * 24 * time.Hour, or zero for the preset's", x.MinHSTS)
	}
	if x.Level < 0 || x.Level > 3 {
		r.errorf("Level is %d: want an OWASP ASVS level, 1, 2 or 3, or zero for 1", x.Level)
	}
	u.reqs = hdRequests(x.Paths, x.Requests)
	for _, q := range u.reqs {
		if !strings.HasPrefix(q.Path, "/") {
			r.errorf("path %q must start with \"/\", e.g. \"/\" or \"/login\"", q.Path)
		}
	}
	isHTTPSURL := strings.HasPrefix(strings.ToLower(x.Target.url), "https:")
	inProcess := !x.Target.IsZero() && !x.Target.IsURL()
	u.https = x.HTTPS || isHTTPSURL || inProcess && u.hstsNeed
	u.c = connect(r, x.Target, openOpts{https: u.https && inProcess})
}

// hdRequests is every request to grade: GET of each path, then the
// requests; GET / when there is neither.
func hdRequests(paths []string, reqs []Request) []Request {
	var out []Request
	for _, p := range paths {
		out = append(out, Request{Method: http.MethodGet, Path: p})
	}
	for _, q := range reqs {
		out = append(out, q.orDefault(Request{Method: http.MethodGet, Path: "/"}))
	}
	if len(out) == 0 {
		out = []Request{{Method: http.MethodGet, Path: "/"}}
	}
	return out
}

func hdNames(reqs []Request) string {
	names := make([]string, len(reqs))
	for i, q := range reqs {
		names[i] = q.String()
	}
	return strings.Join(names, ", ")
}

func (u *hdRun) request() {
	r := u.r
	g := observatory.Grader{HTTPS: u.https, MinHSTS: u.minAge, SessionCookies: u.x.SessionCookies, Origin: evilOrigin, Level: u.level()}
	for _, q := range u.reqs {
		name := q.String()
		res, err := u.c.do(r.context(), q.req(http.Header{"Origin": {evilOrigin}}))
		if err != nil {
			r.errorf("%s: %v", name, err)
			continue
		}
		if p := hdAnswered(name, res); p != "" {
			r.errorf("%s", p)
			if res.Dropped {
				continue
			}
		}
		rep := g.GradePage(res.Header, res.Body)
		u.got = append(u.got, hdGraded{name, res, rep})
		r.logf("%s = %d: grade %s (%d/100)", name, res.Status, rep.Grade, rep.Score)
	}
	if !u.https {
		r.notProven(need{preset.SecurityHeaders, "SecurityHeaders.HTTPS"}, "Strict-Transport-Security was not judged: the responses were not sent over HTTPS; set HTTPS: true (in-process requests then look like TLS), or point Target at the https URL")
	}
}

func (u *hdRun) level() int { return max(u.x.Level, 1) }

// hdAnswered is the problem with a response that cannot be graded as a
// working page, or "".
func hdAnswered(name string, res *response) string {
	switch {
	case res.Dropped:
		return fmt.Sprintf("%s = %s: the application must answer so its headers can be graded", name, res)
	case res.Status >= 500:
		return fmt.Sprintf("%s = %d: the page failed; grade a page that answers 2xx (set Paths or Requests)", name, res.Status)
	}
	return ""
}

// prefix names the response in messages when there are several.
func (u *hdRun) prefix(gr hdGraded) string {
	if len(u.reqs) > 1 {
		return gr.name + ": "
	}
	return ""
}

func (u *hdRun) judgeGrades() {
	for _, gr := range u.got {
		pre := u.prefix(gr)
		if p := hdBelow(gr.rep, u.grade); p != "" {
			for _, f := range gr.rep.Findings {
				if f.Delta < 0 && !f.Fail {
					u.r.errorf("%s%s", pre, f)
				}
			}
			u.r.errorf("%s%s", pre, p)
			continue
		}
		for _, f := range gr.rep.Findings {
			if !f.Fail {
				u.r.logf("%s%s", pre, f)
			}
		}
		u.r.logf("%sgrade %s (%d/100), at least %s", pre, gr.rep.Grade, gr.rep.Score, u.grade)
	}
}

// hdBelow is the problem when rep grades below min, or "".
func hdBelow(rep observatory.Report, min string) string {
	if preset.GradeRank(rep.Grade) < preset.GradeRank(min) {
		return fmt.Sprintf("grade %s (%d/100), want at least %s", rep.Grade, rep.Score, min)
	}
	return ""
}

func (u *hdRun) judgeBaseline() {
	for _, gr := range u.got {
		fails := gr.rep.Failures()
		for _, f := range fails {
			u.r.errorf("%s%s", u.prefix(gr), f)
		}
		if len(fails) == 0 {
			u.r.logf("%sbaseline met", u.prefix(gr))
		}
	}
}
