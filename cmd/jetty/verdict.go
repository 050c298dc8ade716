package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

// The kinds of red, each of which makes the exit status 1.
const (
	kindBuild       = "build failed"
	kindTest        = "test failed"
	kindPanic       = "panic"
	kindTimeout     = "timeout"
	kindPackage     = "package failed"
	kindIncomplete  = "did not finish"
	kindFeature     = "red feature"
	kindUncovered   = "uncovered"
	kindPartial     = "partly proven"
	kindWaiver      = "expired waiver"
	kindAttestation = "attestation"
)

// soon is how far ahead waivers and attestations are listed as expiring.
const soon = 30 * 24 * time.Hour

// problem is one reason the run is red.
type problem struct {
	kind string
	pkg  string
	text string
}

// row is one feature's line of the matrix, folded over repeated runs.
type row struct {
	pkg      string
	feature  string
	test     string
	audience string
	preset   string
	runs     int
	cells    []string // one per mode, in jetty.Modes order
	coverage string
	cov      jetty.CoverageSummary
	waivers  []jetty.WaiverSummary
	red      bool
	sum      jetty.Summary // the last run's summary
	f        *feature
}

// failing is one failed test: a scenario, a feature's own failure or a
// plain test.
type failing struct {
	pkg      string
	test     string
	feature  string // "" for a plain test
	fails    int
	runs     int
	msg      message
	output   []string
	scenario bool
}

// notice is a waiver or attestation that expires soon or has expired.
type notice struct {
	pkg, what, until, note string
}

// view is what every report shows: the matrix, the packages that are not
// ok, the failures, the notices and the verdict.
type view struct {
	rows     []row
	pkgs     []*pkg
	badPkgs  []pkgLine
	failures []failing
	notices  []notice
	projects []*project
	problems []problem
	appWide  []string // the module's app-wide requirements and who proved them: see app.go
	res      *result
	now      time.Time
}

type pkgLine struct {
	name, status, detail string
}

func (v *view) green() bool { return len(v.problems) == 0 }

func (v *view) add(kind, pkg, format string, args ...any) {
	v.problems = append(v.problems, problem{kind: kind, pkg: pkg, text: fmt.Sprintf(format, args...)})
}

// judge builds the view of a merged result at time now.
func judge(res *result, now time.Time) *view {
	res.finish()
	v := &view{res: res, now: now, pkgs: res.packages(), projects: res.projectList()}
	feats := res.featureList()
	for _, f := range feats {
		v.rows = append(v.rows, v.row(f))
	}
	for _, p := range v.pkgs {
		v.judgePackage(p, feats)
	}
	v.judgeApp() // app-wide requirements, once for the module: see app.go
	// A run under go test -short: see short.go.
	v.judgeShort(feats)
	for _, pr := range v.projects {
		s := pr.sums[len(pr.sums)-1]
		for _, a := range s.Attestations {
			switch a.Status {
			case jetty.AttestationCurrent:
				if until, err := time.Parse(time.DateOnly, a.Until); err == nil && until.Sub(now) < soon {
					v.notices = append(v.notices, notice{pr.pkg, "attestation " + string(a.ID), a.Until, "expires soon: attest again"})
				}
			case jetty.AttestationMissing:
				v.add(kindAttestation, pr.pkg, "%s %s: no attestation in the profile", a.ID, a.Title)
			default:
				v.add(kindAttestation, pr.pkg, "%s %s: attestation by %s on %s is %s (valid until %s)", a.ID, a.Title, a.By, a.Date, a.Status, a.Until)
				v.notices = append(v.notices, notice{pr.pkg, "attestation " + string(a.ID), a.Until, a.Status})
			}
		}
	}
	return v
}

func (v *view) row(f *feature) row {
	s := f.last()
	r := row{pkg: f.pkg, feature: s.Feature, test: s.Test, audience: s.Audience, preset: s.Preset, runs: len(f.sums), cov: f.coverage(), waivers: s.Waivers, sum: s, f: f}
	for _, m := range jetty.Modes() {
		c := f.mode(m.String())
		cell := ""
		n := c.pass + c.fail + c.skip
		switch {
		case !c.present && m == jetty.Production && r.cov.Status == jetty.CoverageNotRequired:
			cell = "NOT REQUIRED"
		case !c.present:
			cell = "-"
		case c.fail > 0:
			cell = fmt.Sprintf("RED %d/%d", c.fail, n)
			r.red = true
			v.add(kindFeature, f.pkg, "%s: %s mode: %d of %d scenarios failed", s.Feature, m, c.fail, n)
		case c.blocked != "":
			cell = "GATED"
		case n == 0 || c.pass == 0 && c.skip == n:
			cell = "NOT RUN"
		default:
			cell = "GREEN"
		}
		r.cells = append(r.cells, cell)
	}
	cv := r.cov
	switch cv.Status {
	case jetty.CoverageNotRequired:
		r.coverage = "not required"
	case jetty.CoverageUnchecked:
		r.coverage = "unchecked"
	default:
		r.coverage = fmt.Sprintf("%s %d/%d", cv.Status, len(cv.Covered)+len(cv.Waived), len(cv.Required))
		if len(cv.Uncovered) > 0 {
			r.coverage += ", missing " + idList(cv.Uncovered)
		}
		if len(cv.Partial) > 0 {
			ids := make([]preset.ID, len(cv.Partial))
			for i, p := range cv.Partial {
				ids[i] = p.ID
			}
			r.coverage += ", partly proven " + idList(ids)
		}
	}
	switch cv.Status {
	case jetty.CoverageUncovered:
		r.red = true
		v.add(kindUncovered, f.pkg, "%s: %d requirement(s) of %s not covered: %s", s.Feature, len(cv.Uncovered), s.Preset, idList(cv.Uncovered))
	case jetty.CoveragePartial:
		r.red = true
		for _, p := range cv.Partial {
			v.add(kindPartial, f.pkg, "%s: %s only partly proven by %q: not proven: %s", s.Feature, p.ID, p.Scenario, strings.Join(p.Missing, "; "))
		}
	}
	for _, w := range s.Waivers {
		until, err := time.Parse(time.DateOnly, w.Until)
		switch {
		case w.Expired:
			r.red = true
			v.add(kindWaiver, f.pkg, "%s: waiver for %s expired on %s (%s)", s.Feature, w.ID, w.Until, w.Reason)
			v.notices = append(v.notices, notice{f.pkg, s.Feature + ": waiver " + string(w.ID), w.Until, "expired"})
		case err == nil && until.Sub(v.now) < soon:
			v.notices = append(v.notices, notice{f.pkg, s.Feature + ": waiver " + string(w.ID), w.Until, "expires soon: cover it or renew the waiver"})
		}
	}
	return r
}

func idList(ids []preset.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}

func (v *view) judgePackage(p *pkg, feats []*feature) {
	var mine []*feature
	for _, f := range feats {
		if f.pkg == p.name {
			mine = append(mine, f)
		}
	}
	owner := func(name string) *feature {
		for _, f := range mine {
			if f.owns(name) || name == f.sums[0].Test {
				return f
			}
		}
		return nil
	}
	for _, n := range p.lostSummaries {
		if v.res.features[p.name+"\x00"+n] != nil || slices.Contains(p.lostSummaries[:slices.Index(p.lostSummaries, n)], n) {
			continue
		}
		v.add(kindFeature, p.name, "%s: its jetty.summary line was too long for go test -json to read (test2json reads 4096 bytes a line): the feature cannot be judged", n)
	}
	names := p.testNames()
	nfail := 0
	for _, n := range names {
		t := p.tests[n]
		if t.fail == 0 {
			continue
		}
		// Only leaves: a parent fails because a child did.
		child := slices.ContainsFunc(names, func(c string) bool {
			return strings.HasPrefix(c, n+"/") && p.tests[c].fail > 0
		})
		if child {
			continue
		}
		nfail++
		fl := failing{pkg: p.name, test: n, fails: t.fail, runs: t.runs, msg: firstMessage(t.failOut), output: t.failOut}
		if f := owner(n); f != nil {
			fl.feature = f.last().Feature
			fl.scenario = f.owns(n)
			if !v.rowRed(f) {
				// Failed for a reason the summary does not show (an
				// error after the feature, a scenario the summary
				// missed): red all the same.
				v.add(kindTest, p.name, "%s failed", n)
			}
		} else {
			v.add(kindTest, p.name, "%s failed", n)
		}
		v.failures = append(v.failures, fl)
	}
	all := strings.Join(p.output, "")
	for _, t := range p.tests {
		all += strings.Join(t.failOut, "")
	}
	switch {
	case p.build != "" || (p.action == "fail" && strings.Contains(all, "[build failed]")):
		out := v.res.builds[p.build]
		detail := firstBuildError(out, p.output)
		v.badPkgs = append(v.badPkgs, pkgLine{p.name, "BUILD FAILED", detail})
		v.add(kindBuild, p.name, "the package does not build: %s", detail)
	case p.started && p.action == "":
		v.badPkgs = append(v.badPkgs, pkgLine{p.name, "DID NOT FINISH", "the stream ended before the package's result"})
		v.add(kindIncomplete, p.name, "the package did not finish (a truncated stream or a killed run)")
	case p.action == "fail":
		switch {
		case strings.Contains(all, "panic: test timed out") || strings.Contains(all, "test timed out after"):
			v.badPkgs = append(v.badPkgs, pkgLine{p.name, "TIMEOUT", lineWith(all, "test timed out")})
			v.add(kindTimeout, p.name, "%s", lineWith(all, "test timed out"))
		case strings.Contains(all, "\npanic: ") || strings.HasPrefix(all, "panic: "):
			v.badPkgs = append(v.badPkgs, pkgLine{p.name, "PANIC", lineWith(all, "panic: ")})
			v.add(kindPanic, p.name, "%s", lineWith(all, "panic: "))
		case nfail == 0:
			d := strings.TrimSpace(lastLines(p.output, 3))
			v.badPkgs = append(v.badPkgs, pkgLine{p.name, "FAIL", d})
			v.add(kindPackage, p.name, "the package failed outside any test: %s", d)
		default:
			v.badPkgs = append(v.badPkgs, pkgLine{p.name, "FAIL", fmt.Sprintf("%d failing test(s)", nfail)})
		}
		if !slices.ContainsFunc(v.problems, func(pr problem) bool { return pr.pkg == p.name }) {
			v.add(kindPackage, p.name, "go test reported the package as failed: %s", lastLines(p.output, 3))
		}
	}
}

// rowRed says whether the feature's matrix row is red.
func (v *view) rowRed(f *feature) bool {
	for _, r := range v.rows {
		if r.f == f {
			return r.red
		}
	}
	return false
}

func firstBuildError(build, pkgOut []string) string {
	for _, l := range append(slices.Clone(build), pkgOut...) {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "FAIL") {
			continue
		}
		return l
	}
	return "see the build output"
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return strings.TrimSpace(l)
		}
	}
	return sub
}

func lastLines(out []string, n int) string {
	var ls []string
	for _, l := range out {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "FAIL") && l != "PASS" {
			ls = append(ls, l)
		}
	}
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "; ")
}

// kinds returns the distinct kinds of red, sorted.
func (v *view) kinds() []string {
	var ks []string
	for _, p := range v.problems {
		if !slices.Contains(ks, p.kind) {
			ks = append(ks, p.kind)
		}
	}
	sort.Strings(ks)
	return ks
}
