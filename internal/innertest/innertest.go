// Package innertest runs a test of the current test binary in a subprocess
// and reports what go test -json would show: each (sub)test's outcome, its
// output and its attributes. The library's own tests use it to run a Feature
// that must fail and assert on the failure, without failing themselves.
//
// An inner test starts with innertest.Inner(t), which skips it unless it is
// running as the subprocess:
//
//	func TestInnerGated(t *testing.T) {
//		innertest.Inner(t)
//		jetty.Feature(t, "Login", …)
//	}
//
//	func TestGating(t *testing.T) {
//		r := innertest.Run(t, "TestInnerGated")
//		r.Status("TestInnerGated/stable/wrong_password") // "skip"
//	}
package innertest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const envKey = "JETTY_INNERTEST"

// Inner skips t unless this process was started by Run for this test.
func Inner(t *testing.T) {
	t.Helper()
	name := t.Name()
	if i := strings.IndexByte(name, '/'); i >= 0 {
		name = name[:i]
	}
	if os.Getenv(envKey) != name {
		t.Skip("inner test: runs only as a subprocess of innertest.Run")
	}
}

// Event is one event of test2json's output.
type Event struct {
	Action string
	Test   string
	Output string
	Key    string
	Value  string
}

// Result is what one inner run reported.
type Result struct {
	Events []Event
	// Output is the whole plain output.
	Output string
	// ExitOK is true when the inner go test exited 0.
	ExitOK bool
}

// Run runs test name (a top-level test of the current binary) in a
// subprocess with extra test flags args (e.g. "-jetty.nogate") and returns
// its events. It fails t if the subprocess cannot be run.
//
// The subprocess does not inherit the environment forms of jetty's flags
// (JETTY_MODE, JETTY_TAGS, JETTY_NOGATE), as it does not inherit the flags:
// an inner run is the same under JETTY_MODE=speed go test ./... as without.
// RunEnv sets them.
//
// The inner tests are deterministic, so one run serves every caller in the
// process that asks for the same name, args and environment: outer tests that
// assert different things about one inner run share it instead of
// repeating it. Callers must not modify the Result's Events.
func Run(t testing.TB, name string, args ...string) Result {
	t.Helper()
	return RunEnv(t, nil, name, args...)
}

// jettyEnv are the environment forms of jetty's flags.
var jettyEnv = []string{"JETTY_MODE=", "JETTY_TAGS=", "JETTY_NOGATE="}

// environ is os.Environ without the environment forms of jetty's flags,
// plus env ("JETTY_MODE=speed"). Under the race detector, the subprocess
// exits without the detector's default second of sleep at exit
// (GORACE atexit_sleep_ms): the parent reads the whole output anyway,
// and the suite runs hundreds of subprocesses.
func environ(name string, env []string) []string {
	var out []string
	gorace := ""
	for _, kv := range os.Environ() {
		if v, ok := strings.CutPrefix(kv, "GORACE="); ok {
			gorace = v
			continue
		}
		keep := true
		for _, p := range jettyEnv {
			keep = keep && !strings.HasPrefix(kv, p)
		}
		if keep {
			out = append(out, kv)
		}
	}
	out = append(out, "GORACE="+strings.TrimSpace(gorace+" atexit_sleep_ms=0"))
	return append(append(out, env...), envKey+"="+name)
}

// RunEnv is Run with extra environment variables env, such as
// "JETTY_MODE=speed".
func RunEnv(t testing.TB, env []string, name string, args ...string) Result {
	t.Helper()
	// The key holds the whole environment the subprocess gets, so a test
	// that sets a variable (t.Setenv) gets a run of its own.
	key := strings.Join(append(append([]string{name}, args...), environ(name, env)...), "\x00")
	c, _ := runs.LoadOrStore(key, &cachedRun{})
	cr := c.(*cachedRun)
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if !cr.done {
		// run stops t's goroutine when it cannot run the test: nothing is
		// cached then, and a later caller runs it again.
		cr.res, cr.done = run(t, env, name, args...), true
	}
	return cr.res
}

// runs caches RunEnv's results by test name, args and env, for this test
// process.
var runs sync.Map // string → *cachedRun

type cachedRun struct {
	mu   sync.Mutex
	done bool
	res  Result
}

func run(t testing.TB, env []string, name string, args ...string) Result {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("innertest: %v", err)
	}
	tool, argv := test2json()
	argv = append(argv, "-t", exe, "-test.run=^"+name+"$", "-test.v=test2json", "-test.count=1", "-test.shuffle=off")
	argv = append(argv, args...)
	cmd := exec.CommandContext(t.Context(), tool, argv...)
	cmd.Env = environ(name, env)
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	res := Result{ExitOK: err == nil}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("innertest: running %s: %v\n%s", name, err, stderr.String())
	}
	var plain strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e Event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		res.Events = append(res.Events, e)
		plain.WriteString(e.Output)
	}
	res.Output = plain.String()
	if len(res.Events) == 0 {
		t.Fatalf("innertest: %s printed no test events:\n%s\n%s", name, out, stderr.String())
	}
	return res
}

// test2json returns the command that runs test2json and its first
// arguments: the tool's binary itself, found once per process with
// "go tool -n test2json", rather than "go tool test2json" every time (the
// go command's start costs about 0.3s a run).
var test2json = sync.OnceValues(func() (string, []string) {
	out, err := exec.Command(goTool(), "tool", "-n", "test2json").Output()
	if p := strings.TrimSpace(string(out)); err == nil && p != "" && !strings.ContainsAny(p, " \n") {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return goTool(), []string{"tool", "test2json"}
})

// goTool finds the go command: GOROOT/bin/go when the environment names a
// GOROOT, else go on PATH.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}

// Status returns "pass", "fail", "skip" or "" (never ran) for a test.
func (r Result) Status(test string) string {
	for _, e := range r.Events {
		if e.Test == test {
			switch e.Action {
			case "pass", "fail", "skip":
				return e.Action
			}
		}
	}
	return ""
}

// TestOutput returns the output attributed to one test.
func (r Result) TestOutput(test string) string {
	var b strings.Builder
	for _, e := range r.Events {
		if e.Test == test && e.Action == "output" {
			b.WriteString(e.Output)
		}
	}
	return b.String()
}

// Attr returns the value of a test attribute.
func (r Result) Attr(test, key string) (string, bool) {
	for _, e := range r.Events {
		if e.Action == "attr" && e.Test == test && e.Key == key {
			return e.Value, true
		}
	}
	return "", false
}

// Attrs returns the values of every attribute key, of any test, in the
// order they were emitted (e.g. each feature's jetty.summary).
func (r Result) Attrs(key string) []string {
	var out []string
	for _, e := range r.Events {
		if e.Action == "attr" && e.Key == key {
			out = append(out, e.Value)
		}
	}
	return out
}

// Tests returns the names of the tests that reached a verdict, with it.
func (r Result) Tests() map[string]string {
	m := map[string]string{}
	for _, e := range r.Events {
		switch e.Action {
		case "pass", "fail", "skip":
			if e.Test != "" {
				m[e.Test] = e.Action
			}
		}
	}
	return m
}

// Exec runs test name of the current binary in a subprocess without -v
// (so output does not weigh on timings) and returns its combined output and
// whether it passed. name may name a subtest ("TestLogin/production"):
// each of its parts is matched whole.
func Exec(t testing.TB, name string, args ...string) (string, bool) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("innertest: %v", err)
	}
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	argv := append([]string{"-test.run=" + strings.Join(parts, "/"), "-test.count=1"}, args...)
	cmd := exec.CommandContext(t.Context(), exe, argv...)
	cmd.Env = environ(name, nil)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("innertest: running %s: %v\n%s", name, err, out)
	}
	return string(out), err == nil
}
