package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/jettymethod/jetty/jetty"
)

// writeStatus writes the end-of-run report for people: the matrix, the
// packages that are not ok, waivers, notices, each failure, the verdict.
func writeStatus(w io.Writer, v *view) {
	if len(v.rows) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		head := []string{"PACKAGE", "FEATURE", "RUNS"}
		for _, m := range jetty.Modes() {
			head = append(head, strings.ToUpper(m.String()))
		}
		head = append(head, "COVERAGE")
		fmt.Fprintln(tw, strings.Join(head, "\t"))
		for _, r := range v.rows {
			cols := []string{r.pkg, r.feature, fmt.Sprint(r.runs)}
			cols = append(cols, r.cells...)
			cols = append(cols, r.coverage)
			fmt.Fprintln(tw, strings.Join(cols, "\t"))
		}
		tw.Flush()
	} else {
		fmt.Fprintln(w, "no jetty features in the run")
	}
	if len(v.badPkgs) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PACKAGE\tSTATUS\tDETAIL")
		for _, p := range v.badPkgs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.name, p.status, oneLine(p.detail))
		}
		tw.Flush()
	}
	var waivers []string
	for _, r := range v.rows {
		for _, wv := range r.waivers {
			until := ""
			if wv.Until != "" {
				until = " until " + wv.Until
			}
			state := "waived"
			if wv.Expired {
				state = "EXPIRED"
			}
			waivers = append(waivers, fmt.Sprintf("  %s: %s %s%s: %s", r.feature, state, wv.ID, until, oneLine(wv.Reason)))
		}
	}
	if len(waivers) > 0 {
		fmt.Fprintln(w, "\nwaivers:")
		fmt.Fprintln(w, strings.Join(waivers, "\n"))
	}
	if len(v.appWide) > 0 {
		fmt.Fprintln(w, "\napp-wide requirements:")
		fmt.Fprintln(w, strings.Join(v.appWide, "\n"))
	}
	if len(v.notices) > 0 {
		fmt.Fprintln(w, "\nexpired or expiring within 30 days:")
		for _, n := range v.notices {
			fmt.Fprintf(w, "  %s %s: %s %s\n", n.pkg, n.what, n.until, n.note)
		}
	}
	if len(v.failures) > 0 {
		fmt.Fprintln(w, "\nfailures:")
		for _, f := range v.failures {
			runs := ""
			if f.runs > 1 {
				runs = fmt.Sprintf(" (failed %d of %d runs)", f.fails, f.runs)
			}
			fmt.Fprintf(w, "--- FAIL %s %s%s\n", f.pkg, f.test, runs)
			where := f.msg.where
			if where == "" {
				where = "(no file:line)"
			}
			text := f.msg.text
			if text == "" {
				text = "no message: see go test -v output"
			}
			fmt.Fprintf(w, "    %s: %s\n", where, indent(text, "        "))
		}
	}
	fmt.Fprintln(w)
	writeVerdict(w, v)
}

func writeVerdict(w io.Writer, v *view) {
	tests := 0
	for _, p := range v.pkgs {
		tests += len(p.tests)
	}
	if v.green() {
		fmt.Fprintf(w, "GREEN: %d package(s), %d feature(s)\n", len(v.pkgs), len(v.rows))
		return
	}
	fmt.Fprintf(w, "RED: %d problem(s) in %d package(s) (%s)\n", len(v.problems), len(v.pkgs), strings.Join(v.kinds(), ", "))
	for _, p := range v.problems {
		fmt.Fprintf(w, "  %s: %s: %s\n", p.kind, p.pkg, oneLine(p.text))
	}
}

func oneLine(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\n", " ")
	return strings.ReplaceAll(s, "\t", " ")
}

func indent(s, pre string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre)
}
