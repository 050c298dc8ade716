package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

// scen is one scenario of a feature (one row of an outline) as the reports
// show it.
type scen struct {
	mode    string
	name    string
	test    string
	covers  []preset.ID
	tags    []string
	status  string // "passed", "failed", "skipped" or "not run"
	runs    int
	fails   int
	elapsed float64
	steps   []step
	msg     message
	out     []string // the failing run's output, else the last run's
	skipWhy string
	latency []latency
	plot    string // path of a kept load plot, if any
}

// scenarios lists a feature's scenarios in declaration order, outline rows
// expanded, joined to their tests.
func (v *view) scenarios(r row) []scen {
	p := v.res.pkgs[r.pkg]
	var out []scen
	type decl struct {
		jetty.ScenarioSummary
		test string
	}
	var decls []decl
	if p != nil {
		for _, n := range p.scenOrder {
			if r.f.owns(n) {
				decls = append(decls, decl{p.scen[n], n})
			}
		}
	}
	if len(decls) == 0 && p != nil {
		// No jetty.scenario attributes (an older jetty): every test
		// directly under a mode.
		for _, n := range p.testNames() {
			if !r.f.owns(n) {
				continue
			}
			rest := strings.Split(n[len(r.sum.Test)+1:], "/")
			if len(rest) == 2 {
				decls = append(decls, decl{jetty.ScenarioSummary{Mode: rest[0], Name: strings.ReplaceAll(rest[1], "_", " ")}, n})
			}
		}
	}
	for _, d := range decls {
		base := scen{mode: d.Mode, name: d.Name, test: d.test, covers: d.Covers, tags: d.Tags, status: "not run"}
		if p == nil || d.test == "" || p.tests[d.test] == nil {
			out = append(out, base)
			continue
		}
		var rows []string
		for _, n := range p.testNames() {
			if strings.HasPrefix(n, d.test+"/") && !strings.Contains(n[len(d.test)+1:], "/") {
				rows = append(rows, n)
			}
		}
		if len(rows) == 0 {
			out = append(out, fill(base, p.tests[d.test]))
			continue
		}
		for _, n := range rows {
			s := base
			s.test = n
			s.name = d.Name + " › " + strings.ReplaceAll(n[len(d.test)+1:], "_", " ")
			out = append(out, fill(s, p.tests[n]))
		}
	}
	return out
}

func fill(s scen, t *test) scen {
	s.runs, s.fails, s.elapsed = t.runs, t.fail, t.elapsed
	switch {
	case t.fail > 0:
		s.status = "failed"
		s.out = t.failOut
		s.msg = firstMessage(t.failOut)
	case t.pass > 0:
		s.status = "passed"
		s.out = t.lastOut
	case t.skip > 0:
		s.status = "skipped"
		s.out = t.lastOut
		s.skipWhy = skipReason(t.lastOut)
	}
	s.steps = steps(s.out)
	s.latency, s.plot = loadOutput(s.out)
	return s
}

func skipReason(out []string) string {
	for _, l := range out {
		if m := messageLine.FindStringSubmatch(strings.TrimRight(l, "\n")); m != nil {
			return m[2]
		}
	}
	return ""
}

// latency is one percentile of a load run's latency.
type latency struct {
	name  string // "p50", …, "max"
	value string // as printed, "1.2ms"
	ms    float64
}

var (
	latencyLine = regexp.MustCompile(`^\s*latency\s+(.*)$`)
	latencyPair = regexp.MustCompile(`(p[0-9.]+|max|mean) ([0-9.]+)(ns|µs|us|ms|s|m)\b`)
	plotLine    = regexp.MustCompile(`load plot kept at (\S+)`)
)

// loadOutput finds the latency line of a load report (loadtest's text
// report) and a kept plot in a scenario's output.
func loadOutput(out []string) ([]latency, string) {
	var lat []latency
	plot := ""
	for _, l := range out {
		if m := plotLine.FindStringSubmatch(l); m != nil {
			plot = m[1]
		}
		m := latencyLine.FindStringSubmatch(strings.TrimRight(l, "\n"))
		if m == nil || lat != nil {
			continue
		}
		for _, p := range latencyPair.FindAllStringSubmatch(m[1], -1) {
			lat = append(lat, latency{name: p[1], value: p[2] + p[3], ms: toMS(p[2], p[3])})
		}
	}
	return lat, plot
}

func toMS(num, unit string) float64 {
	f, _ := strconv.ParseFloat(num, 64)
	switch unit {
	case "ns":
		return f / 1e6
	case "µs", "us":
		return f / 1e3
	case "s":
		return f * 1e3
	case "m":
		return f * 60e3
	}
	return f
}

// tagsOf returns the Gherkin tags of a scenario: its mode, its tags and the
// preset IDs it covers.
func tagsOf(s scen) []string {
	t := []string{"@" + s.mode}
	for _, tg := range s.tags {
		tg = "@" + strings.TrimPrefix(tg, "@")
		if !slices.Contains(t, tg) {
			t = append(t, tg)
		}
	}
	for _, id := range s.covers {
		t = append(t, "@"+string(id))
	}
	return t
}
