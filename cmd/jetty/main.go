// Command jetty is the CI gate of a Jetty suite: it runs go test (or reads
// what go test -json printed), judges the run once and writes reports.
//
//	jetty test [go test flags] [packages] [report flags]
//	jetty status [report flags] [file.json ...]   (stdin when no file is named)
//	jetty gherkin [-o DIR] [file.json ...]
//	jetty json [file.json ...]
//
// test runs go test -json itself, with the given flags and packages. -jetty.*
// flags (-jetty.mode=speed, -jetty.tags=smoke, -jetty.nogate) are passed to
// the packages through their environment forms (JETTY_MODE, JETTY_TAGS,
// JETTY_NOGATE), so packages that do not import jetty are unaffected. On a
// terminal it shows progress on one live line; piped, with CI set or with
// NO_COLOR set, it prints one plain line per package.
//
// status reads the output of go test -json from stdin or from files — one
// per CI shard, say — merges them and judges them as test does.
//
// Both end with the status matrix (package, feature, one column per mode:
// GREEN, RED n/m, GATED, NOT RUN, NOT REQUIRED; coverage), waivers, the
// waivers and attestations that expired or expire within 30 days, and each
// failing test with its first message and file:line. Runs repeated with
// -count fold into one row with the count.
//
// The exit status is 0 when everything is green; 1 when anything is red: a
// package that does not build, a failing test (Jetty or not), a panic or a
// timeout, a red mode, a requirement uncovered or only partly proven, an
// expired waiver, a stale or missing attestation, an app-wide requirement
// (preset.ScopeApp) that a feature left to jetty.App and no test of the run
// proved, a feature that ran under go test -short (its checks shortened),
// a package that did not
// finish; 2 on bad usage or input that is empty or not go test -json.
//
// Report flags, for test and status alike:
//
//	--junit FILE     JUnit XML: one testcase per scenario and test, features as testsuites with properties
//	--html FILE      one self-contained HTML page: matrix, steps, failures, waivers, load latencies
//	--markdown FILE  a short Markdown summary, e.g. for $GITHUB_STEP_SUMMARY
//	--cucumber FILE  Cucumber JSON, for Cucumber report tools
//	--json FILE      (test only) the raw go test -json stream, for jetty status or jetty gherkin later
//
// gherkin prints each feature of the run as .feature text (or writes one
// file per feature into DIR), modes and covered preset IDs as tags. json
// prints the features' summaries as a JSON array.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jettymethod/jetty/internal/redact"
)

func main() {
	os.Exit(run(os.Args[1:], realSys()))
}

// sys is what the command takes from its environment, so tests can pin it.
type sys struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	getenv         func(string) string
	terminal       bool   // stdout is a terminal
	dir            string // where go test runs
	goTool         string
	environ        func() []string // go test's environment
}

func realSys() sys {
	term := false
	if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		term = true
	}
	return sys{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, now: time.Now, getenv: os.Getenv, terminal: term, goTool: "go", environ: os.Environ}
}

const usage = `usage:
  jetty test [go test flags] [packages] [--junit FILE] [--html FILE] [--markdown FILE] [--cucumber FILE] [--json FILE]
  jetty status [--junit FILE] [--html FILE] [--markdown FILE] [--cucumber FILE] [file.json ...]
  jetty gherkin [-o DIR] [file.json ...]
  jetty json [file.json ...]
(go doc github.com/jettymethod/jetty/cmd/jetty for the details)`

func run(args []string, s sys) int {
	if len(args) == 0 {
		fmt.Fprintln(s.stderr, usage)
		return 2
	}
	switch args[0] {
	case "test":
		return runTest(args[1:], s)
	case "status", "json", "gherkin":
		return runRead(args[0], args[1:], s)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(s.stdout, usage)
		return 0
	}
	fmt.Fprintf(s.stderr, "jetty: unknown command %q\n%s\n", redact.String(args[0]), usage)
	return 2
}

// reports are the report files asked for.
type reports struct {
	junit, html, markdown, cucumber, json, gherkinDir string
}

// reportFlag takes a report flag from args[i] ("--junit F", "--junit=F",
// one dash or two); it returns how many arguments it used, 0 if args[i] is
// not a report flag.
func (r *reports) flag(args []string, i int, allowed ...string) (int, error) {
	a := args[i]
	if !strings.HasPrefix(a, "-") {
		return 0, nil
	}
	name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
	var dst *string
	for _, n := range allowed {
		if n != name {
			continue
		}
		switch n {
		case "junit":
			dst = &r.junit
		case "html":
			dst = &r.html
		case "markdown":
			dst = &r.markdown
		case "cucumber":
			dst = &r.cucumber
		case "json":
			dst = &r.json
		case "o":
			dst = &r.gherkinDir
		}
	}
	if dst == nil {
		return 0, nil
	}
	if hasVal {
		*dst = val
		return 1, nil
	}
	if i+1 >= len(args) || args[i+1] == "" {
		return 0, fmt.Errorf("-%s needs a file name", name)
	}
	*dst = args[i+1]
	return 2, nil
}

func runRead(cmd string, args []string, s sys) int {
	var rep reports
	var files []string
	allowed := []string{"junit", "html", "markdown", "cucumber"}
	if cmd == "gherkin" {
		allowed = []string{"o"}
	}
	for i := 0; i < len(args); {
		n, err := rep.flag(args, i, allowed...)
		if err != nil {
			fmt.Fprintf(s.stderr, "jetty %s: %v\n", cmd, err)
			return 2
		}
		if n > 0 {
			i += n
			continue
		}
		if strings.HasPrefix(args[i], "-") && args[i] != "-" {
			fmt.Fprintf(s.stderr, "jetty %s: unknown flag %s\n%s\n", cmd, redact.String(args[i]), usage)
			return 2
		}
		files = append(files, args[i])
		i++
	}
	res := newResult()
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, f := range files {
		var err error
		if f == "-" {
			err = res.read("stdin", s.stdin)
		} else {
			var fh *os.File
			if fh, err = os.Open(f); err == nil {
				err = res.read(f, fh)
				fh.Close()
			}
		}
		if err != nil {
			fmt.Fprintf(s.stderr, "jetty %s: %v\n", cmd, err)
			return 2
		}
	}
	v := judge(res, s.now())
	switch cmd {
	case "json":
		if err := writeJSON(s.stdout, v); err != nil {
			fmt.Fprintf(s.stderr, "jetty json: %v\n", err)
			return 2
		}
	case "gherkin":
		if err := writeGherkinReports(s.stdout, v, rep.gherkinDir); err != nil {
			fmt.Fprintf(s.stderr, "jetty gherkin: %v\n", err)
			return 2
		}
		return 0
	default:
		writeStatus(s.stdout, v)
		if err := writeReports(v, rep); err != nil {
			fmt.Fprintf(s.stderr, "jetty %s: %v\n", cmd, err)
			return 2
		}
	}
	if !v.green() {
		return 1
	}
	return 0
}

// writeReports writes each report file asked for.
func writeReports(v *view, rep reports) error {
	for _, r := range []struct {
		file  string
		write func(io.Writer, *view) error
	}{
		{rep.junit, writeJUnit},
		{rep.html, writeHTML},
		{rep.markdown, writeMarkdown},
		{rep.cucumber, writeCucumber},
	} {
		if r.file == "" {
			continue
		}
		f, err := os.Create(r.file)
		if err != nil {
			return err
		}
		err = r.write(f, v)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", r.file, err)
		}
	}
	return nil
}
