package main

import (
	"fmt"
	"html/template"
	"io"
	"os"
	"strings"

	"github.com/jettymethod/jetty/jetty"
)

// The HTML report is one self-contained file: inline CSS and SVG, no
// script, no external asset; a kept vegeta plot is embedded as srcdoc.
var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"cellClass": cellClass,
	"upper":     strings.ToUpper,
	"modes": func() []string {
		var m []string
		for _, x := range jetty.Modes() {
			m = append(m, x.String())
		}
		return m
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Jetty report: {{if .Green}}GREEN{{else}}RED{{end}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:72em}
h1 .green,td.green{color:#fff;background:#1a7f37}
h1 .red,td.red{color:#fff;background:#cf222e}
h1 span{padding:0 .4em;border-radius:4px}
td.gated{background:#eaeef2;color:#57606a} td.none{color:#8c959f}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #d0d7de;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f6f8fa}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap;margin:.3em 0}
.failure{border-left:4px solid #cf222e;padding-left:.6em;margin:.5em 0}
.scenario{margin:.4em 0 .4em 1em}
li.pass::marker{content:"✓ ";color:#1a7f37} li.fail::marker{content:"✗ ";color:#cf222e}
.passed{color:#1a7f37} .failed{color:#cf222e} .skipped,.notrun{color:#57606a}
iframe{width:100%;height:28em;border:1px solid #d0d7de}
</style>
</head>
<body>
<h1>Jetty report: <span id="verdict" class="{{if .Green}}green{{else}}red{{end}}">{{if .Green}}GREEN{{else}}RED{{end}}</span></h1>
<p>{{len .V.Pkgs}} package(s), {{len .Rows}} feature(s){{if not .Green}}, {{len .Problems}} problem(s){{end}}.</p>

<h2>Status</h2>
{{if .Rows}}<table id="matrix">
<thead><tr><th>package</th><th>feature</th><th>runs</th>{{range modes}}<th>{{.}}</th>{{end}}<th>coverage</th></tr></thead>
<tbody>{{range .Rows}}
<tr class="feature-row"><td>{{.Pkg}}</td><td><a href="#{{.Anchor}}">{{.Feature}}</a></td><td>{{.Runs}}</td>{{range .Cells}}<td class="{{cellClass .}}">{{.}}</td>{{end}}<td class="{{if .CovRed}}red{{end}}">{{.Coverage}}</td></tr>{{end}}
</tbody></table>{{else}}<p>No jetty features in the run.</p>{{end}}
{{if .BadPkgs}}<table id="packages"><thead><tr><th>package</th><th>status</th><th>detail</th></tr></thead><tbody>
{{range .BadPkgs}}<tr><td>{{.Name}}</td><td class="red">{{.Status}}</td><td>{{.Detail}}</td></tr>
{{end}}</tbody></table>{{end}}

{{if not .Green}}<h2>Why red</h2><ul id="problems">{{range .Problems}}<li><b>{{.Kind}}</b> {{.Pkg}}: {{.Text}}</li>{{end}}</ul>{{end}}

{{if .Failures}}<h2>Failures</h2>
{{range .Failures}}<div class="failure"><b>{{.Test}}</b> ({{.Pkg}}){{if gt .Runs 1}}, failed {{.Fails}} of {{.Runs}} runs{{end}}
<pre class="message">{{.Where}}: {{.Text}}</pre></div>
{{end}}{{end}}

<h2>Waivers</h2>
{{if .Waivers}}<table id="waivers"><thead><tr><th>feature</th><th>requirement</th><th>until</th><th>reason</th></tr></thead><tbody>
{{range .Waivers}}<tr><td>{{.Feature}}</td><td>{{.ID}}</td><td class="{{if .Expired}}red{{end}}">{{.Until}}{{if .Expired}} (expired){{end}}</td><td>{{.Reason}}</td></tr>
{{end}}</tbody></table>{{else}}<p>No waivers.</p>{{end}}
{{if .Notices}}<h3>Expired or expiring within 30 days</h3><ul>{{range .Notices}}<li>{{.Pkg}} {{.What}}: {{.Until}} {{.Note}}</li>{{end}}</ul>{{end}}

<h2>Load</h2>
{{if .Loads}}{{range .Loads}}<div class="load"><h3>{{.Title}}</h3>
<svg class="latency-plot" role="img" aria-label="latency percentiles of {{.Title}}" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" xmlns="http://www.w3.org/2000/svg">
{{range .Bars}}<rect x="120" y="{{.Y}}" width="{{.W}}" height="18" fill="#0969da"></rect><text x="4" y="{{.TextY}}" font-size="12">{{.Name}}</text><text x="{{.LabelX}}" y="{{.TextY}}" font-size="12">{{.Value}}</text>
{{end}}</svg>
{{if .Plot}}<iframe class="vegeta-plot" title="latency over time" srcdoc="{{.Plot}}"></iframe>{{end}}</div>
{{end}}{{else}}<p id="no-load">No load scenario in this run reported latencies, so there is no plot.</p>{{end}}

<h2>Features</h2>
{{range .Rows}}<section class="feature" id="{{.Anchor}}"><h3>{{.Feature}} <small>{{.Test}} · {{.Pkg}} · {{.Audience}}{{if .Preset}} · {{.Preset}}{{end}}</small></h3>
{{range .Scenarios}}<div class="scenario"><span class="{{.Class}}">{{.Status}}</span> <b>{{upper .Mode}}</b> {{.Name}}{{if .Time}} <small>({{.Time}})</small>{{end}}{{if .Covers}} <small>covers {{.Covers}}</small>{{end}}
{{if .Steps}}<ul class="steps">{{range .Steps}}<li class="{{if .Failed}}fail{{else}}pass{{end}}">{{.Text}}</li>{{end}}</ul>{{end}}
{{if .Skip}}<div class="skipped">{{.Skip}}</div>{{end}}
{{if .Message}}<pre class="message">{{.Message}}</pre>{{end}}</div>
{{end}}</section>
{{end}}
</body>
</html>
`))

func cellClass(c string) string {
	switch {
	case c == "GREEN":
		return "green"
	case strings.HasPrefix(c, "RED"):
		return "red"
	case c == "GATED":
		return "gated"
	}
	return "none"
}

type htmlRow struct {
	Pkg, Feature, Test, Audience, Preset, Coverage, Anchor string
	Runs                                                   int
	Cells                                                  []string
	Red, CovRed                                            bool
	Scenarios                                              []htmlScen
}

type htmlScen struct {
	Status, Class, Mode, Name, Covers, Skip, Message, Time string
	Steps                                                  []htmlStep
}

type htmlStep struct {
	Text   string
	Failed bool
}

type htmlLoad struct {
	Title         string
	Width, Height int
	Bars          []htmlBar
	Plot          string
}

type htmlBar struct {
	Name, Value         string
	Y, W, TextY, LabelX int
}

type htmlWaiver struct {
	Feature, ID, Until, Reason string
	Expired                    bool
}

type htmlFailure struct {
	Pkg, Test, Where, Text string
	Runs, Fails            int
}

type htmlProblem struct{ Kind, Pkg, Text string }
type htmlPkg struct{ Name, Status, Detail string }
type htmlNotice struct{ Pkg, What, Until, Note string }

// writeHTML writes the self-contained HTML report.
func writeHTML(w io.Writer, v *view) error {
	data := struct {
		Green    bool
		V        struct{ Pkgs []*pkg }
		Rows     []htmlRow
		BadPkgs  []htmlPkg
		Problems []htmlProblem
		Failures []htmlFailure
		Waivers  []htmlWaiver
		Notices  []htmlNotice
		Loads    []htmlLoad
	}{Green: v.green()}
	data.V.Pkgs = v.pkgs
	for i, r := range v.rows {
		hr := htmlRow{Pkg: r.pkg, Feature: r.feature, Test: r.test, Audience: r.audience, Preset: r.preset, Coverage: r.coverage,
			Runs: r.runs, Cells: r.cells, Red: r.red, CovRed: r.cov.Status == jetty.CoverageUncovered || r.cov.Status == jetty.CoveragePartial, Anchor: fmt.Sprintf("f%d-%s", i, cukeID(r.feature))}
		for _, s := range v.scenarios(r) {
			hs := htmlScen{Status: s.status, Class: strings.ReplaceAll(s.status, " ", ""), Mode: s.mode, Name: s.name, Covers: idList(s.covers), Skip: s.skipWhy}
			if s.runs > 0 {
				hs.Time = fmt.Sprintf("%.2fs", s.elapsed)
				if s.runs > 1 {
					hs.Time += fmt.Sprintf(" over %d runs, %d failed", s.runs, s.fails)
				}
			}
			if s.status == "failed" {
				hs.Message = s.msg.where + ": " + s.msg.text
			}
			for j, st := range s.steps {
				hs.Steps = append(hs.Steps, htmlStep{Text: strings.Repeat("  ", st.depth) + st.keyword + " " + st.text, Failed: s.status == "failed" && j == len(s.steps)-1})
			}
			hr.Scenarios = append(hr.Scenarios, hs)
			if len(s.latency) > 0 {
				data.Loads = append(data.Loads, loadPlot(r.feature+" › "+s.mode+" › "+s.name, s))
			}
		}
		data.Rows = append(data.Rows, hr)
		for _, wv := range r.waivers {
			data.Waivers = append(data.Waivers, htmlWaiver{r.feature, string(wv.ID), wv.Until, wv.Reason, wv.Expired})
		}
	}
	for _, p := range v.badPkgs {
		data.BadPkgs = append(data.BadPkgs, htmlPkg{p.name, p.status, p.detail})
	}
	for _, p := range v.problems {
		data.Problems = append(data.Problems, htmlProblem{p.kind, p.pkg, p.text})
	}
	for _, f := range v.failures {
		data.Failures = append(data.Failures, htmlFailure{f.pkg, f.test, f.msg.where, f.msg.text, f.runs, f.fails})
	}
	for _, n := range v.notices {
		data.Notices = append(data.Notices, htmlNotice{n.pkg, n.what, n.until, n.note})
	}
	return htmlTmpl.Execute(w, data)
}

// loadPlot draws a scenario's latency percentiles as horizontal bars, and
// embeds the vegeta plot it kept if the file is still there.
func loadPlot(title string, s scen) htmlLoad {
	l := htmlLoad{Title: title, Width: 520}
	top := 0.0
	for _, x := range s.latency {
		top = max(top, x.ms)
	}
	for i, x := range s.latency {
		w := 1
		if top > 0 {
			w = max(1, int(300*x.ms/top))
		}
		y := 4 + i*24
		l.Bars = append(l.Bars, htmlBar{Name: x.name, Value: x.value, Y: y, W: w, TextY: y + 14, LabelX: 126 + w})
	}
	l.Height = 8 + len(s.latency)*24
	if s.plot != "" {
		if b, err := os.ReadFile(s.plot); err == nil && len(b) < 8<<20 {
			l.Plot = string(b)
		}
	}
	return l
}
