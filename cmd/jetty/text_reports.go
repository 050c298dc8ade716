package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/jettymethod/jetty/jetty"
)

// writeJSON writes the features' last summaries as a JSON array.
func writeJSON(w io.Writer, v *view) error {
	sums := []jetty.Summary{}
	for _, r := range v.rows {
		sums = append(sums, r.sum)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sums)
}

// writeMarkdown writes a short summary for a CI job page: the verdict, the
// matrix, the failures with their first message, the notices.
func writeMarkdown(w io.Writer, v *view) error {
	var b strings.Builder
	if v.green() {
		fmt.Fprintf(&b, "## Jetty: GREEN\n\n%d package(s), %d feature(s).\n\n", len(v.pkgs), len(v.rows))
	} else {
		fmt.Fprintf(&b, "## Jetty: RED\n\n%d problem(s): %s.\n\n", len(v.problems), strings.Join(v.kinds(), ", "))
	}
	if len(v.rows) > 0 {
		b.WriteString("| package | feature |")
		for _, m := range jetty.Modes() {
			fmt.Fprintf(&b, " %s |", m)
		}
		b.WriteString(" coverage |\n|---|---|")
		for range jetty.Modes() {
			b.WriteString("---|")
		}
		b.WriteString("---|\n")
		for _, r := range v.rows {
			fmt.Fprintf(&b, "| %s | %s |", mdCell(r.pkg), mdCell(r.feature))
			for _, c := range r.cells {
				fmt.Fprintf(&b, " %s |", mdStatus(c))
			}
			fmt.Fprintf(&b, " %s |\n", mdCell(r.coverage))
		}
		b.WriteString("\n")
	}
	if len(v.badPkgs) > 0 {
		b.WriteString("| package | status | detail |\n|---|---|---|\n")
		for _, p := range v.badPkgs {
			fmt.Fprintf(&b, "| %s | **%s** | %s |\n", mdCell(p.name), p.status, mdCell(p.detail))
		}
		b.WriteString("\n")
	}
	if len(v.failures) > 0 {
		b.WriteString("### Failures\n\n")
		for _, f := range v.failures {
			fmt.Fprintf(&b, "- `%s` %s — `%s`: %s\n", mdCode(f.test), mdCell(f.pkg), mdCode(f.msg.where), mdCell(firstLine(f.msg.text)))
		}
		b.WriteString("\n")
	}
	if len(v.appWide) > 0 {
		b.WriteString("### App-wide requirements\n\n")
		for _, l := range v.appWide {
			fmt.Fprintf(&b, "- %s\n", mdCell(strings.TrimSpace(l)))
		}
		b.WriteString("\n")
	}
	if len(v.notices) > 0 {
		b.WriteString("### Expired or expiring within 30 days\n\n")
		for _, n := range v.notices {
			fmt.Fprintf(&b, "- %s %s: %s %s\n", mdCell(n.pkg), mdCell(n.what), n.until, n.note)
		}
		b.WriteString("\n")
	}
	if !v.green() {
		b.WriteString("### Why red\n\n")
		for _, p := range v.problems {
			fmt.Fprintf(&b, "- %s: %s: %s\n", p.kind, mdCell(p.pkg), mdCell(p.text))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdStatus(c string) string {
	switch {
	case c == "GREEN":
		return "🟢 GREEN"
	case strings.HasPrefix(c, "RED"):
		return "🔴 **" + c + "**"
	case c == "GATED":
		return "⏸ GATED"
	}
	return c
}

func mdCell(s string) string {
	s = oneLine(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "<", "&lt;")
}

func mdCode(s string) string { return strings.ReplaceAll(oneLine(s), "`", "'") }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// Cucumber JSON (the format cucumber-js and cucumber-jvm write), so report
// tools for Cucumber render a Jetty run.
type cukeFeature struct {
	URI         string     `json:"uri"`
	ID          string     `json:"id"`
	Keyword     string     `json:"keyword"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Line        int        `json:"line"`
	Tags        []cukeTag  `json:"tags"`
	Elements    []cukeElem `json:"elements"`
}

type cukeTag struct {
	Name string `json:"name"`
	Line int    `json:"line"`
}

type cukeElem struct {
	ID          string     `json:"id"`
	Keyword     string     `json:"keyword"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Line        int        `json:"line"`
	Type        string     `json:"type"`
	Tags        []cukeTag  `json:"tags"`
	Steps       []cukeStep `json:"steps"`
}

type cukeStep struct {
	Keyword string     `json:"keyword"`
	Name    string     `json:"name"`
	Line    int        `json:"line"`
	Result  cukeResult `json:"result"`
}

type cukeResult struct {
	Status       string `json:"status"`
	Duration     int64  `json:"duration"` // nanoseconds
	ErrorMessage string `json:"error_message,omitempty"`
}

var nonID = regexp.MustCompile(`[^a-z0-9]+`)

func cukeID(s string) string {
	return strings.Trim(nonID.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func tagList(tags []string) []cukeTag {
	out := []cukeTag{}
	for _, t := range tags {
		out = append(out, cukeTag{Name: t, Line: 1})
	}
	return out
}

func featureTags(r row) []string {
	t := []string{"@" + r.audience}
	if r.preset != "" {
		t = append(t, "@preset:"+strings.ReplaceAll(r.preset, " ", "_"))
	}
	return t
}

// writeCucumber writes the run as Cucumber JSON: a feature per Jetty
// feature, a scenario per scenario (outline rows each), its logged steps
// with the last one failed when the scenario failed.
func writeCucumber(w io.Writer, v *view) error {
	out := []cukeFeature{}
	for _, r := range v.rows {
		f := cukeFeature{URI: r.pkg, ID: cukeID(r.feature), Keyword: "Feature", Name: r.feature,
			Description: fmt.Sprintf("%s (%s)", r.test, r.pkg), Line: 1, Tags: tagList(featureTags(r)), Elements: []cukeElem{}}
		for i, s := range v.scenarios(r) {
			e := cukeElem{ID: f.ID + ";" + cukeID(s.mode+" "+s.name), Keyword: "Scenario", Name: s.name, Line: i + 2, Type: "scenario", Tags: tagList(tagsOf(s)), Steps: []cukeStep{}}
			status := map[string]string{"passed": "passed", "failed": "failed", "skipped": "skipped", "not run": "skipped"}[s.status]
			per := int64(0)
			if len(s.steps) > 0 {
				per = int64(s.elapsed * 1e9 / float64(len(s.steps)))
			}
			for j, st := range s.steps {
				res := cukeResult{Status: "passed", Duration: per}
				if status != "passed" && j == len(s.steps)-1 {
					res.Status = status
				}
				if res.Status == "failed" {
					res.ErrorMessage = s.msg.text
				}
				e.Steps = append(e.Steps, cukeStep{Keyword: st.keyword + " ", Name: st.text, Line: i + 2, Result: res})
			}
			if len(s.steps) == 0 {
				res := cukeResult{Status: status, ErrorMessage: s.msg.text}
				if s.skipWhy != "" {
					res.ErrorMessage = s.skipWhy
				}
				e.Steps = append(e.Steps, cukeStep{Keyword: "Then ", Name: "the scenario " + s.status, Line: i + 2, Result: res})
			}
			f.Elements = append(f.Elements, e)
		}
		out = append(out, f)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeGherkin writes one feature as .feature text: living documentation of
// what ran, modes and covered preset IDs as tags, steps as logged.
func writeGherkin(w io.Writer, v *view, r row) {
	fmt.Fprintf(w, "%s\nFeature: %s\n  %s in %s: speed %s, stable %s, production %s; coverage %s\n",
		strings.Join(featureTags(r), " "), r.feature, r.test, r.pkg, r.cells[0], r.cells[1], r.cells[2], r.coverage)
	for _, s := range v.scenarios(r) {
		fmt.Fprintf(w, "\n  %s\n  Scenario: %s\n", strings.Join(tagsOf(s), " "), s.name)
		if s.status != "passed" {
			fmt.Fprintf(w, "    # %s\n", s.status)
		}
		for _, st := range s.steps {
			fmt.Fprintf(w, "    %s%s %s\n", strings.Repeat("  ", st.depth), st.keyword, st.text)
		}
	}
}

// writeGherkinReports prints every feature, or writes one file per feature
// into dir.
func writeGherkinReports(w io.Writer, v *view, dir string) error {
	if len(v.rows) == 0 {
		return fmt.Errorf("no jetty features in the input")
	}
	for i, r := range v.rows {
		if dir == "" {
			if i > 0 {
				fmt.Fprintln(w)
			}
			writeGherkin(w, v, r)
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		var b strings.Builder
		writeGherkin(&b, v, r)
		name := filepath.Join(dir, cukeID(filepath.Base(r.pkg)+" "+r.test)+".feature")
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(w, name)
	}
	return nil
}
