// Command jetty reads go test -json output and reports the Jetty summaries in
// it: a status matrix of features by mode, preset coverage and waivers.
//
//	go test -json ./... | go run github.com/jettymethod/jetty/cmd/jetty status
//	go test -json ./... | go run github.com/jettymethod/jetty/cmd/jetty json
//
// status prints one line per feature; json prints the summaries as a JSON
// array. The exit status is 1 when a feature has a failed scenario or an
// uncovered requirement, 2 on bad usage or unreadable input. Nothing it
// prints shows a secret: every text of a summary, and of an error, is masked
// by the module's one redaction.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, in io.Reader, out, errOut io.Writer) int {
	if len(args) != 1 || (args[0] != "status" && args[0] != "json") {
		fmt.Fprintln(errOut, "usage: go test -json ./... | jetty status|json")
		return 2
	}
	sums, err := read(in)
	if err != nil {
		fmt.Fprintf(errOut, "jetty: %s\n", redact.String(err.Error()))
		return 2
	}
	if args[0] == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sums); err != nil {
			fmt.Fprintf(errOut, "jetty: %v\n", err)
			return 2
		}
	} else {
		writeStatus(out, sums)
	}
	for _, s := range sums {
		if red(s) {
			return 1
		}
	}
	return 0
}

// event is the part of a test2json event the command reads.
type event struct {
	Action  string
	Package string
	Test    string
	Key     string
	Value   string
}

// read collects the jetty.summary attributes of a go test -json stream, in
// package and test order. Lines that are not JSON (build output) are skipped.
func read(in io.Reader) ([]jetty.Summary, error) {
	var sums []jetty.Summary
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Action != "attr" || e.Key != jetty.SummaryAttr {
			continue
		}
		s, err := jetty.ParseSummary(e.Value)
		if err != nil {
			return nil, fmt.Errorf("line %d (%s %s): %s", line, redact.String(e.Package), redact.String(e.Test), redact.String(err.Error()))
		}
		sums = append(sums, masked(s))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(sums, func(i, j int) bool { return sums[i].Test < sums[j].Test })
	return sums, nil
}

// masked returns s with secrets masked in every text it holds: the
// command prints summaries written by any version of jetty, or by hand.
func masked(s jetty.Summary) jetty.Summary {
	m := redact.String
	ids := func(in []preset.ID) []preset.ID {
		out := make([]preset.ID, len(in))
		for i, id := range in {
			out[i] = preset.ID(m(string(id)))
		}
		return out
	}
	s.Feature, s.Test, s.Audience, s.Preset = m(s.Feature), m(s.Test), m(s.Audience), m(s.Preset)
	modes := make(map[string]jetty.ModeSummary, len(s.Modes))
	for k, v := range s.Modes {
		v.Blocked = m(v.Blocked)
		modes[m(k)] = v
	}
	s.Modes = modes
	c := &s.Coverage
	c.Status = m(c.Status)
	c.Required, c.Covered, c.Waived, c.Uncovered = ids(c.Required), ids(c.Covered), ids(c.Waived), ids(c.Uncovered)
	ws := make([]jetty.WaiverSummary, len(s.Waivers))
	for i, w := range s.Waivers {
		w.ID, w.Reason, w.Until = preset.ID(m(string(w.ID))), m(w.Reason), m(w.Until)
		ws[i] = w
	}
	s.Waivers = ws
	return s
}

func red(s jetty.Summary) bool {
	for _, m := range s.Modes {
		if m.Fail > 0 {
			return true
		}
	}
	return s.Coverage.Status == "uncovered"
}

func writeStatus(w io.Writer, sums []jetty.Summary) {
	if len(sums) == 0 {
		fmt.Fprintln(w, "no jetty features in the input: pipe go test -json output into this command")
		return
	}
	fmt.Fprintf(w, "%-28s %-10s %-10s %-10s %-10s %s\n", "FEATURE", "AUDIENCE", "SPEED", "STABLE", "PRODUCTION", "COVERAGE")
	for _, s := range sums {
		cov := s.Coverage.Status
		if c := s.Coverage; cov != "not-required" {
			cov = fmt.Sprintf("%s %d/%d", cov, len(c.Covered)+len(c.Waived), len(c.Required))
			if len(c.Uncovered) > 0 {
				ids := make([]string, len(c.Uncovered))
				for i, id := range c.Uncovered {
					ids[i] = string(id)
				}
				cov += " missing " + strings.Join(ids, ", ")
			}
		}
		fmt.Fprintf(w, "%-28s %-10s %-10s %-10s %-10s %s\n", s.Feature, s.Audience,
			cell(s, "speed"), cell(s, "stable"), cell(s, "production"), cov)
		for _, wv := range s.Waivers {
			state := "waived"
			if wv.Expired {
				state = "EXPIRED"
			}
			until := ""
			if wv.Until != "" {
				until = " until " + wv.Until
			}
			fmt.Fprintf(w, "  %s %s%s: %s\n", state, wv.ID, until, wv.Reason)
		}
	}
}

// cell is "3/3", "2/3 ✗", "gated" or "-" for a mode.
func cell(s jetty.Summary, mode string) string {
	m, ok := s.Modes[mode]
	switch {
	case !ok:
		return "-"
	case m.Blocked != "":
		return "gated"
	case m.Fail > 0:
		return fmt.Sprintf("%d/%d ✗", m.Pass, m.Pass+m.Fail+m.Skip)
	}
	return fmt.Sprintf("%d/%d", m.Pass, m.Pass+m.Fail+m.Skip)
}
