package jetty

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
)

// A step the body calls writes its own log line (steplog.go), and a
// scenario's run frame is marked a helper only when something reports
// (scenariorun.go); before, every step logged through t.Log and every run
// frame was marked at once. These tests run one feature both ways and want
// the same bytes, under -v, -json and without -v, failing or passing.

// stepLogEnv makes an inner run log every step through t.Log and mark each
// run frame at once.
const stepLogEnv = "JETTY_STEPLOG_TLOG"

func stepLogFeature(t *testing.T) {
	if os.Getenv(stepLogEnv) != "" {
		fastSteps, eagerMark = false, true
	}
	Feature(t, "StepLog", func(f *F) {
		f.Setup(Speed, func(t testing.TB) {
			t.Helper()
			t.Log("a setup's log, from a helper")
			fmt.Fprint(t.Output(), "a setup's partial line")
		})
		f.Speed("after a setup's partial line", func(s *S) {
			s.Given("the step ends the setup's line", func() {})
			s.Then("and logs as before", func() {})
		})
		f.Speed("every keyword", func(s *S) {
			s.Given("a user", func() {})
			s.When("they act", func() {
				s.And("a nested step", func() {
					s.But("nested deeper", func() {})
				})
			})
			s.Then("it works", func() {})
			s.And("more", func() {})
			s.But("not that", func() {})
		})
		f.Speed("odd texts", func(s *S) {
			s.Given("two\nlines", func() {})
			s.When("a trailing newline\n", func() {})
			s.Then("the password=hunter2 is masked", func() {})
			s.And("  spaced  ", func() {})
			s.But("tabs\tand ünïcode ‹›", func() {})
		})
		f.Speed("a helper body", func(s *S) {
			s.Helper()
			s.Given("a helper body's step", func() {})
		})
		f.Speed("steps from a helper", func(s *S) {
			stepsFromHelper(s)
			s.Then("back in the body", func() {})
		})
		f.Speed("a helper marked later", func(s *S) {
			s.Given("before the mark", func() {})
			s.Helper()
			s.Then("after the mark", func() {})
		})
		f.Speed("logs from another goroutine", func(s *S) {
			s.Given("first", func() {})
			done := make(chan struct{})
			go func() { s.Log("from a goroutine"); close(done) }()
			<-done
			s.Then("after the goroutine's log", func() {})
		})
		f.Speed("writes a long partial line", func(s *S) {
			fmt.Fprint(s.Output(), strings.Repeat("x", 70<<10))
			s.Given("after a partial line", func() {})
			fmt.Fprintln(s.Output(), "a whole line")
			s.Then("after a whole line", func() {})
		})
		f.Speed("bubbles", func(s *S) {
			s.Given("before the bubble", func() {})
			s.Bubble(func(s *S) {
				s.When("inside the bubble", func() {})
				fmt.Fprint(s.Output(), "a bubble's partial line")
			})
			s.Then("after the bubble", func() {})
		})
		f.Speed("fails", func(s *S) {
			s.Given("a failing step", func() { s.Errorf("boom") })
			s.Then("the next step", func() {})
			s.Log("a log after")
		})
		f.Speed("misuses", func(s *S) {
			s.Given("", func() {})
			s.When("a nil function", nil)
			s.Then("still logs", func() {})
		})
		Outline(f, Speed, "rows", []string{"a", "b"}, func(s *S, row string) {
			s.Given("row "+row, func() {})
		})
		Outline(f, Speed, "helper rows", []string{"a", "b"}, func(s *S, row string) {
			s.Helper()
			s.Given("row "+row, func() {})
			s.Errorf("row %s fails", row)
		})
		f.Speed("not selected", func(s *S) {}).Tag("unselected")
		f.Stable("gated", func(s *S) { s.Given("never", func() {}) })
	})
	// Without a setup: start marks no run frame. Each helper body reports
	// first in one way, and then logs.
	Feature(t, "Helpers", func(f *F) {
		// (The reports are in the bodies themselves: a function they call
		// is not a helper.)
		f.Speed("first Log", func(s *S) { s.Helper(); s.Log("a log"); s.Log("and then a log") })
		f.Speed("first Logf", func(s *S) { s.Helper(); s.Logf("a logf %d", 1); s.Log("and then a log") })
		f.Speed("first Error", func(s *S) { s.Helper(); s.Error("an error"); s.Log("and then a log") })
		f.Speed("first Errorf", func(s *S) { s.Helper(); s.Errorf("an errorf %d", 1); s.Log("and then a log") })
		f.Speed("first NotProven", func(s *S) { s.Helper(); s.NotProven("", "a probe: set X"); s.Log("and then a log") })
		f.Speed("first Given", func(s *S) { s.Helper(); s.Given("a step", func() {}); s.Log("and then a log") })
		f.Speed("first nil step", func(s *S) { s.Helper(); s.When("a nil function", nil); s.Log("and then a log") })
		f.Speed("first Skip", func(s *S) { s.Helper(); s.Skip("skipped") })
		f.Speed("first Skipf", func(s *S) { s.Helper(); s.Skipf("skipped %d", 1) })
		f.Speed("first Fatal", func(s *S) { s.Helper(); s.Fatal("stopped") })
		f.Speed("first Fatalf", func(s *S) { s.Helper(); s.Fatalf("stopped %d", 1) })
		f.Speed("first FailNow from a goroutine", func(s *S) {
			s.Helper()
			done := make(chan struct{})
			go func() { defer close(done); s.FailNow() }()
			<-done
			s.Log("and then a log")
		})
		f.Speed("a helper body that reports", func(s *S) {
			s.Helper()
			s.Log("a log")
			s.Logf("a logf %d", 1)
			s.NotProven("", "a probe: set X")
			s.Errorf("an error %d", 2)
			s.Error("another error")
			s.Cleanup(func() { s.Log("a cleanup's log") })
			done := make(chan struct{})
			go func() { s.Log("from a goroutine"); close(done) }()
			<-done
			s.Given("a step after", func() { s.Log("inside the step") })
			s.Bubble(func(s *S) {
				s.Helper()
				s.When("in the bubble", func() {})
				s.Log("a bubble's log")
			})
		})
		f.Speed("a helper body that reports only in a cleanup", func(s *S) {
			s.Helper()
			s.Cleanup(func() { s.Log("a cleanup's log") })
		})
		f.Speed("a helper body that skips", func(s *S) {
			s.Helper()
			s.Skipf("skipped %s", "here")
		})
		f.Speed("a helper body that stops", func(s *S) {
			s.Helper()
			s.Fatalf("stopped %s", "here")
		})
		f.Speed("a helper body that panics", func(s *S) {
			s.Helper()
			panic("boom")
		})
		f.Speed("a helper body whose step panics", func(s *S) {
			s.Helper()
			s.When("it panics", func() { panic("boom") })
		})
		f.Speed("a helper body with a step from another goroutine", func(s *S) {
			s.Helper()
			done := make(chan struct{})
			go func() { s.Given("off the goroutine", func() {}); close(done) }()
			<-done
		})
		f.Speed("a plain body", func(s *S) { s.Given("a step", func() {}) })
	})
}

func TestInnerStepLog(t *testing.T) {
	innertest.Inner(t)
	stepLogFeature(t)
}

func TestInnerStepLogParallel(t *testing.T) {
	innertest.Inner(t)
	if os.Getenv(stepLogEnv) != "" {
		fastSteps = false
	}
	Feature(t, "StepLogParallel", func(f *F) {
		for i := range 4 {
			f.Speed(fmt.Sprintf("parallel %d", i), func(s *S) {
				s.Given("a parallel step", func() {})
				s.Then("another", func() {})
			})
		}
	}, Parallel())
}

func stepsFromHelper(s *S) {
	s.Helper()
	s.Given("a step from a helper", func() {})
}

// durations are what changes from run to run: times, and a panic's
// goroutine numbers and offsets.
var durations = regexp.MustCompile(`\(\d+\.\d+s\)|\d+\.\d+s|goroutine \d+|\+0x[0-9a-f]+`)

func sameOutput(t *testing.T, what, fast, tlog string) {
	t.Helper()
	fast, tlog = durations.ReplaceAllString(fast, "(T)"), durations.ReplaceAllString(tlog, "(T)")
	if fast != tlog {
		fl, tl := strings.Split(fast, "\n"), strings.Split(tlog, "\n")
		for i := range max(len(fl), len(tl)) {
			var f, l string
			if i < len(fl) {
				f = fl[i]
			}
			if i < len(tl) {
				l = tl[i]
			}
			if f != l {
				t.Fatalf("%s: line %d differs:\nfast:  %q\nt.Log: %q", what, i+1, trim(f), trim(l))
			}
		}
	}
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:100] + "…" + s[len(s)-100:]
	}
	return s
}

func TestStepLogMatchesTLog(t *testing.T) {
	tags := "-jetty.tags=!unselected"
	for _, args := range [][]string{{tags}, {tags, "-test.fullpath"}} {
		fast := innertest.RunEnv(t, nil, "TestInnerStepLog", args...)
		tlog := innertest.RunEnv(t, []string{stepLogEnv + "=1"}, "TestInnerStepLog", args...)
		sameOutput(t, fmt.Sprintf("-json %v", args), fast.Output, tlog.Output)
		if len(fast.Events) != len(tlog.Events) {
			t.Fatalf("-json %v: %d events, want %d", args, len(fast.Events), len(tlog.Events))
		}
		for i, e := range fast.Events {
			w := tlog.Events[i]
			e.Output, w.Output = durations.ReplaceAllString(e.Output, "(T)"), durations.ReplaceAllString(w.Output, "(T)")
			if e != w {
				t.Fatalf("-json %v: event %d = %+v, want %+v", args, i, e, w)
			}
		}
	}
	// Without -v, testing prints the output of the failing scenarios only;
	// with -v, all of it as it comes.
	for _, args := range [][]string{{tags}, {tags, "-test.v"}} {
		fast, fastOK := innertest.Exec(t, "TestInnerStepLog", args...)
		tlog, tlogOK := execEnv(t, "TestInnerStepLog", args, stepLogEnv+"=1")
		if fastOK || tlogOK {
			t.Fatalf("the inner run passed: want its failing scenarios:\n%s", fast)
		}
		sameOutput(t, fmt.Sprintf("plain %v", args), fast, tlog)
	}
}

// TestStepLogLines pins the lines themselves: the body's line, and the
// Feature's line for a helper body's step.
func TestStepLogLines(t *testing.T) {
	r := innertest.Run(t, "TestInnerStepLog")
	src, err := os.ReadFile("steplog_test.go")
	if err != nil {
		t.Fatal(err)
	}
	lineOf := func(text string) int {
		for i, l := range strings.Split(string(src), "\n") {
			if strings.Contains(l, text) {
				return i + 1
			}
		}
		t.Fatalf("steplog_test.go has no line with %q", text)
		return 0
	}
	feature := lineOf(`Feature(t, "StepLog", func`)
	for _, want := range []string{
		fmt.Sprintf("    steplog_test.go:%d: Given a user\n", lineOf(`s.Given("a user"`)),
		fmt.Sprintf("    steplog_test.go:%d:   And a nested step\n", lineOf(`s.And("a nested step"`)),
		fmt.Sprintf("    steplog_test.go:%d:     But nested deeper\n", lineOf(`s.But("nested deeper"`)),
		fmt.Sprintf("    steplog_test.go:%d: Given two\n        lines\n", lineOf(`s.Given("two\nlines"`)),
		fmt.Sprintf("    steplog_test.go:%d: When a trailing newline\n        \n", lineOf(`s.When("a trailing newline`)),
		fmt.Sprintf("    steplog_test.go:%d: Then the password=[REDACTED] is masked\n", lineOf(`s.Then("the password=hunter2`)),
		fmt.Sprintf("    steplog_test.go:%d: Given a helper body's step\n", feature),
		fmt.Sprintf("    steplog_test.go:%d: Given a step from a helper\n", lineOf("stepsFromHelper(s)")),
		fmt.Sprintf("    steplog_test.go:%d: Given before the mark\n", lineOf(`s.Given("before the mark"`)),
		fmt.Sprintf("    steplog_test.go:%d: Then after the mark\n", feature),
		fmt.Sprintf("a setup's partial line\n    steplog_test.go:%d: Given the step ends the setup's line\n", lineOf(`s.Given("the step ends the setup's line"`)),
		fmt.Sprintf("xxx\n    steplog_test.go:%d: Given after a partial line\n", lineOf(`s.Given("after a partial line"`)),
	} {
		if !strings.Contains(r.Output, want) {
			t.Errorf("want %q in:\n%s", want, trim(r.Output))
		}
	}
	p := innertest.Run(t, "TestInnerStepLogParallel")
	if !p.ExitOK {
		t.Fatalf("parallel run failed:\n%s", p.Output)
	}
	for i := range 4 {
		out := p.TestOutput(fmt.Sprintf("TestInnerStepLogParallel/StepLogParallel/speed/parallel_%d", i))
		want := fmt.Sprintf("    steplog_test.go:%d: Given a parallel step\n", lineOf(`s.Given("a parallel step"`))
		if !strings.Contains(out, want) {
			t.Errorf("scenario %d: want %q in:\n%s", i, want, out)
		}
	}
}

// TestHelperMarks: on this Go, steps the body calls write their own log
// lines, which needs helperMarks to count t.Helper's marks.
func TestHelperMarks(t *testing.T) {
	if !layout().ok {
		t.Skip("this Go's testing.T keeps no helper marks where helperMarks looks: every step logs through t.Log")
	}
	t.Run("counts", func(t *testing.T) {
		n := helperMarks(t)
		markHelper(t)
		markHelper(t) // the same call site again
		if got := helperMarks(t); got != n+1 {
			t.Errorf("helperMarks = %d after one new helper, want %d", got, n+1)
		}
	})
}

//go:noinline
func markHelper(t *testing.T) { t.Helper() }

// execEnv is innertest.Exec with an extra environment variable.
func execEnv(t *testing.T, name string, args []string, kv string) (string, bool) {
	t.Helper()
	k, v, _ := strings.Cut(kv, "=")
	t.Setenv(k, v)
	defer os.Unsetenv(k)
	return innertest.Exec(t, name, args...)
}
