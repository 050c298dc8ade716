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
// the Mozilla HTTP Observatory grades a site, and the baseline of OWASP ASVS
// 5.0 V3.3 (cookies), V3.4 (browser security headers) and V13.4 (no version
// disclosure). It covers [preset.SecurityHeaders].
//
// It sends GET to each of Paths with "Origin: https://evil.example" (to see
// whether CORS trusts any origin), grades each response with [observatory.Grader], and
// fails when
//
//   - a response grades below the minimum grade (MinGrade, else the preset's
//     "grade" parameter: B for Startup MVP, A- for Production SaaS, A for
//     Enterprise and Regulated; B without a preset), listing every penalty; or
//   - a response misses the baseline, whatever its grade (see
//     [observatory.Finding].Fail): Content-Security-Policy missing, invalid or
//     allowing inline script; Strict-Transport-Security invalid, below the
//     minimum max-age, or missing when HTTPS is set; no frame protection
//     (X-Frame-Options or CSP frame-ancestors); no "X-Content-Type-Options:
//     nosniff"; a session cookie without Secure, HttpOnly or SameSite; CORS
//     echoing an arbitrary Origin with credentials; a Server header with a
//     version or an X-Powered-By header.
//
// A passing run logs each path's grade and score and every bonus and
// penalty. The scoring rules are those of [observatory.Grader].
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
	run(s, x.Preset, x.exec)
}

// evilOrigin is the Origin sent to test CORS: a reserved example domain.
const evilOrigin = observatory.DefaultOrigin

func (x SecurityHeaders) exec(r reporter) {
	param := paramsOf(r, preset.SecurityHeaders)
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
			grade = param.Grade(preset.ParamGrade, "B")
		}
		if preset.GradeRank(grade) == 0 {
			r.errorf("MinGrade %q is not a grade: want one of A+, A, A-, B+, B, B-, C+, C, C-, D+, D, D-, F", grade)
		}
		minAge = x.MinHSTS
		if minAge == 0 {
			minAge = param.Duration(preset.ParamHSTSMaxAge, 180*24*time.Hour)
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
		rep  observatory.Report
	}
	var got []graded
	g := observatory.Grader{HTTPS: https, MinHSTS: minAge, SessionCookies: x.SessionCookies, Origin: evilOrigin}
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
	r.step("And", fmt.Sprintf("every response meets the baseline: CSP without inline script, HSTS of at least %s, frame protection, nosniff, safe session cookies and CORS, no version leaks (OWASP ASVS 5.0 V3.3, V3.4, V13.4)", probe.Days(minAge)), func() {
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
