package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
)

// runTest is jetty test: go test -json with the user's flags and packages,
// judged as status judges a stream.
func runTest(args []string, s sys) int {
	var rep reports
	var goArgs, env []string
	for i := 0; i < len(args); {
		n, err := rep.flag(args, i, "junit", "html", "markdown", "cucumber", "json")
		if err != nil {
			fmt.Fprintf(s.stderr, "jetty test: %v\n", err)
			return 2
		}
		if n > 0 {
			i += n
			continue
		}
		a := args[i]
		i++
		if kv, ok, err := jettyFlag(a, args, &i); ok {
			if err != nil {
				fmt.Fprintf(s.stderr, "jetty test: %v\n", err)
				return 2
			}
			env = append(env, kv)
			continue
		}
		switch strings.TrimLeft(a, "-") {
		case "json", "json=true":
			continue // always on
		}
		goArgs = append(goArgs, a)
	}
	cmd := exec.Command(s.goTool, append([]string{"test", "-json"}, goArgs...)...)
	cmd.Dir = s.dir
	cmd.Env = append(s.environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintf(s.stderr, "jetty test: %v\n", err)
		return 2
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(s.stderr, "jetty test: running go test: %v\n", err)
		return 2
	}
	var raw io.Writer = io.Discard
	var rawFile *os.File
	if rep.json != "" {
		if rawFile, err = os.Create(rep.json); err != nil {
			fmt.Fprintf(s.stderr, "jetty test: %v\n", err)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return 2
		}
		raw = rawFile
	}
	res := newResult()
	prog := newProgress(s)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var readErr error
	for sc.Scan() {
		b := sc.Bytes()
		raw.Write(b)
		raw.Write([]byte("\n"))
		e, err := res.line(b)
		if err != nil && readErr == nil {
			readErr = err
		}
		if e != nil {
			prog.event(res, e)
		}
	}
	if err := sc.Err(); err != nil && readErr == nil {
		readErr = err
	}
	waitErr := cmd.Wait()
	prog.done()
	if rawFile != nil {
		if err := rawFile.Close(); err != nil && readErr == nil {
			readErr = err
		}
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" {
		fmt.Fprintln(s.stderr, redact.String(msg))
	}
	if readErr != nil {
		fmt.Fprintf(s.stderr, "jetty test: %v\n", readErr)
		return 2
	}
	v := judge(res, s.now())
	var exit *exec.ExitError
	switch {
	case waitErr != nil && !errors.As(waitErr, &exit):
		fmt.Fprintf(s.stderr, "jetty test: go test: %v\n", waitErr)
		return 2
	case res.events == 0:
		fmt.Fprintf(s.stderr, "jetty test: go test printed no events (exit status %d)\n", cmd.ProcessState.ExitCode())
		return 2
	case waitErr != nil && v.green():
		// go test is red for a reason the stream did not show (a pattern
		// that matches nothing, a vet failure): red all the same.
		v.add(kindPackage, "go test", "go test exited with status %d: %s", cmd.ProcessState.ExitCode(), oneLine(redact.String(stderr.String())))
	}
	fmt.Fprintln(s.stdout)
	writeStatus(s.stdout, v)
	if err := writeReports(v, rep); err != nil {
		fmt.Fprintf(s.stderr, "jetty test: %v\n", err)
		return 2
	}
	if !v.green() {
		return 1
	}
	return 0
}

// jettyFlag turns a -jetty.* flag into its environment form; ok is false
// for any other argument. i is advanced past a separate value.
func jettyFlag(a string, args []string, i *int) (kv string, ok bool, err error) {
	name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
	if !strings.HasPrefix(a, "-") || !strings.HasPrefix(name, "jetty.") {
		return "", false, nil
	}
	for _, f := range jetty.Flags() {
		if f.Name != name {
			continue
		}
		switch {
		case hasVal:
		case f.Bool:
			val = "true"
		case *i < len(args):
			val = args[*i]
			*i++
		default:
			return "", true, fmt.Errorf("-%s needs a value", name)
		}
		return f.Env + "=" + val, true, nil
	}
	var names []string
	for _, f := range jetty.Flags() {
		names = append(names, "-"+f.Name)
	}
	return "", true, fmt.Errorf("unknown flag -%s: the jetty flags are %s", redact.String(name), strings.Join(names, ", "))
}

// progress shows how the run goes: a live line on a terminal, one plain line
// per finished package otherwise.
type progress struct {
	w     io.Writer
	live  bool
	done_ int
	shown bool
}

func newProgress(s sys) *progress {
	live := s.terminal && s.getenv("CI") == "" && s.getenv("NO_COLOR") == "" && s.getenv("TERM") != "dumb"
	return &progress{w: s.stdout, live: live}
}

func (p *progress) event(r *result, e *event) {
	if e.Test == "" && e.Package != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip") {
		p.done_++
		p.clear()
		status := map[string]string{"pass": "ok  ", "fail": "FAIL", "skip": "ok  "}[e.Action]
		extra := ""
		if pk := r.pkgs[e.Package]; pk != nil && pk.build != "" {
			extra = " [build failed]"
		} else if e.Action == "skip" {
			extra = " [no tests]"
		}
		fmt.Fprintf(p.w, "%s %s %.2fs%s\n", status, e.Package, e.Elapsed, extra)
		return
	}
	if !p.live || e.Action != "run" && e.Action != "output" {
		return
	}
	what := e.Test
	if e.Action == "output" && strings.Contains(e.Output, ": load") {
		what += " " + strings.TrimSpace(e.Output)
	}
	line := fmt.Sprintf("[%d package(s) done] %s %s", p.done_, e.Package, redact.String(what))
	if len(line) > 110 {
		line = line[:107] + "..."
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

func (p *progress) done() { p.clear() }
