package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/jettymethod/jetty/jetty"
)

// The JUnit XML that Jenkins, GitLab and GitHub parsers read (the common
// junit-10.xsd shape): testsuites › testsuite (one per package) ›
// properties, testcase › failure | error | skipped, system-out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string         `xml:"name,attr"`
	Tests      int            `xml:"tests,attr"`
	Failures   int            `xml:"failures,attr"`
	Errors     int            `xml:"errors,attr"`
	Skipped    int            `xml:"skipped,attr"`
	Time       string         `xml:"time,attr"`
	Properties *junitProps    `xml:"properties,omitempty"`
	Cases      []junitCase    `xml:"testcase"`
	SystemOut  *junitCharData `xml:"system-out,omitempty"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	Skipped   *junitResult   `xml:"skipped,omitempty"`
	Error     *junitResult   `xml:"error,omitempty"`
	Failure   *junitResult   `xml:"failure,omitempty"`
	SystemOut *junitCharData `xml:"system-out,omitempty"`
}

type junitResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

type junitCharData struct {
	Body string `xml:",chardata"`
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

// writeJUnit writes one testsuite per package: a testcase per scenario
// (outline rows each), per plain test and per failing feature or package,
// and each feature's summary as properties "jetty.<Feature>.<key>".
func writeJUnit(w io.Writer, v *view) error {
	root := junitSuites{Name: "jetty"}
	var total float64
	for _, p := range v.pkgs {
		su := junitSuite{Name: p.name, Time: seconds(p.elapsed)}
		total += p.elapsed
		var props []junitProp
		inFeature := map[string]bool{}
		for _, r := range v.rows {
			if r.pkg != p.name {
				continue
			}
			pre := "jetty." + r.feature + "."
			props = append(props, junitProp{pre + "test", r.test}, junitProp{pre + "audience", r.audience})
			if r.preset != "" {
				props = append(props, junitProp{pre + "preset", r.preset})
			}
			for i, m := range jetty.Modes() {
				props = append(props, junitProp{pre + m.String(), r.cells[i]})
			}
			props = append(props, junitProp{pre + "coverage", r.coverage}, junitProp{pre + "runs", fmt.Sprint(r.runs)})
			for _, wv := range r.waivers {
				props = append(props, junitProp{pre + "waiver." + string(wv.ID), strings.TrimSpace(wv.Until + " " + wv.Reason)})
			}
			for _, s := range v.scenarios(r) {
				inFeature[s.test] = true
				c := junitCase{Name: s.test, Classname: p.name + "." + r.feature + "." + s.mode, Time: seconds(s.elapsed)}
				switch s.status {
				case "failed":
					c.Failure = &junitResult{Message: oneLine(s.msg.text), Type: "failure", Body: strings.Join(s.out, "")}
				case "skipped":
					c.Skipped = &junitResult{Message: oneLine(s.skipWhy)}
				case "not run":
					c.Skipped = &junitResult{Message: "not run"}
				}
				su.Cases = append(su.Cases, c)
			}
		}
		// Plain tests (leaves), and failures the scenarios do not show
		// (a feature's coverage, a parent's own error).
		for _, n := range p.testNames() {
			t := p.tests[n]
			featureTest, owned := false, false
			for _, r := range v.rows {
				if r.pkg == p.name {
					owned = owned || r.f.owns(n)
					featureTest = featureTest || n == r.test
				}
			}
			switch {
			case inFeature[n] || owned:
				continue
			case featureTest || hasChild(p, n):
				if !isFailureLeaf(v, p.name, n) {
					continue
				}
			}
			c := junitCase{Name: n, Classname: p.name, Time: seconds(t.elapsed)}
			switch {
			case t.fail > 0:
				c.Failure = &junitResult{Message: oneLine(firstMessage(t.failOut).text), Type: "failure", Body: strings.Join(t.failOut, "")}
			case t.pass == 0 && t.skip > 0:
				c.Skipped = &junitResult{Message: oneLine(skipReason(t.lastOut))}
			}
			su.Cases = append(su.Cases, c)
		}
		for _, b := range v.badPkgs {
			if b.name != p.name || b.status == "FAIL" {
				continue
			}
			body := strings.Join(v.res.builds[p.build], "") + strings.Join(p.output, "")
			su.Cases = append(su.Cases, junitCase{Name: "[" + strings.ToLower(b.status) + "]", Classname: p.name, Time: seconds(0),
				Error: &junitResult{Message: oneLine(b.detail), Type: strings.ToLower(b.status), Body: body}})
		}
		if len(props) > 0 {
			su.Properties = &junitProps{Props: props}
		}
		for _, c := range su.Cases {
			su.Tests++
			switch {
			case c.Failure != nil:
				su.Failures++
			case c.Error != nil:
				su.Errors++
			case c.Skipped != nil:
				su.Skipped++
			}
		}
		if out := strings.Join(p.output, ""); out != "" {
			su.SystemOut = &junitCharData{Body: out}
		}
		root.Tests += su.Tests
		root.Failures += su.Failures
		root.Errors += su.Errors
		root.Skipped += su.Skipped
		root.Suites = append(root.Suites, su)
	}
	root.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func hasChild(p *pkg, n string) bool {
	for c := range p.tests {
		if strings.HasPrefix(c, n+"/") {
			return true
		}
	}
	return false
}

func isFailureLeaf(v *view, pkg, n string) bool {
	for _, f := range v.failures {
		if f.pkg == pkg && f.test == n {
			return true
		}
	}
	return false
}
