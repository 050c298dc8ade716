package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The testdata module: one package per kind of outcome.
const mod = "testdata/mod"

// now is the time the tests judge at: waivers until 2099-12-31 expire
// within 30 days of it.
var now = time.Date(2099, 12, 15, 12, 0, 0, 0, time.UTC)

// goEnv is the environment go test runs the testdata module in: offline,
// no jetty flags from the caller's environment.
func goEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "JETTY_") || strings.HasPrefix(kv, "GOFLAGS=") || strings.HasPrefix(kv, "CI=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
}

var (
	streamOnce sync.Once
	stream     []byte
	streamErr  error
)

// suiteStream is go test -json ./... over the testdata module, run once.
func suiteStream(t *testing.T) []byte {
	t.Helper()
	streamOnce.Do(func() {
		cmd := exec.Command("go", "test", "-json", "-count=1", "./...")
		cmd.Dir = mod
		cmd.Env = goEnv()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stream, streamErr = cmd.Output()
		if _, ok := streamErr.(*exec.ExitError); ok && len(stream) > 0 {
			streamErr = nil // red on purpose
		}
		if streamErr != nil {
			streamErr = &runError{streamErr, stderr.String()}
		}
	})
	require.NoError(t, streamErr)
	return stream
}

type runError struct {
	err    error
	stderr string
}

func (e *runError) Error() string { return e.err.Error() + ": " + e.stderr }

// split returns the stream's lines for the named packages only.
func split(t *testing.T, pkgs ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(suiteStream(t)))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var e event
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		p := e.Package
		if p == "" {
			p, _, _ = strings.Cut(e.ImportPath, " ")
		}
		if slices.Contains(pkgs, strings.TrimPrefix(p, "example.com/suite/")) {
			b.Write(sc.Bytes())
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

type runResult struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, stdin []byte, args ...string) runResult {
	t.Helper()
	var out, errOut bytes.Buffer
	dir, err := filepath.Abs(mod)
	require.NoError(t, err)
	code := run(args, sys{stdin: bytes.NewReader(stdin), stdout: &out, stderr: &errOut, now: func() time.Time { return now },
		getenv: func(string) string { return "" }, dir: dir, goTool: "go", environ: goEnv})
	return runResult{code, out.String(), errOut.String()}
}

var (
	durations = regexp.MustCompile(`\b\d+\.\d+s\b`)
	xmlTimes  = regexp.MustCompile(`time="[0-9.]+"`)
	cukeDur   = regexp.MustCompile(`"duration": \d+`)
)

// normalize removes what changes from run to run: durations and the
// testdata module's absolute path.
func normalize(t *testing.T, s string) string {
	t.Helper()
	dir, err := filepath.Abs(mod)
	require.NoError(t, err)
	s = strings.ReplaceAll(s, dir, "$MOD")
	s = durations.ReplaceAllString(s, "0.00s")
	s = xmlTimes.ReplaceAllString(s, `time="0.000"`)
	return cukeDur.ReplaceAllString(s, `"duration": 1`)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./cmd/jetty -update to write the golden files")
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got), go test ./cmd/jetty -run %s -update rewrites it:\n%s", path, t.Name(), diff)
	}
}

// goldenPkgs are the packages the golden files show: all but panicky,
// whose stack (addresses, goroutine numbers, Go's own line numbers) changes
// from run to run and release to release, and load, whose latencies do;
// TestExitCodes and the browser test cover them.
var goldenPkgs = []string{"attest", "buildbroken", "expired", "gated", "green", "hang", "partial", "plainfail", "red", "waived"}

func TestStatusGolden(t *testing.T) {
	in := split(t, goldenPkgs...)
	dir := t.TempDir()
	files := map[string]string{"junit": "report.xml", "html": "report.html", "markdown": "report.md", "cucumber": "cucumber.json"}
	args := []string{"status"}
	for flag, f := range files {
		args = append(args, "--"+flag, filepath.Join(dir, f))
	}
	r := runCmd(t, in, args...)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	golden(t, "status.txt", normalize(t, r.stdout))
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		golden(t, f, normalize(t, string(b)))
	}

	r = runCmd(t, in, "gherkin")
	assert.Equal(t, 0, r.code, r.stderr)
	golden(t, "suite.feature", normalize(t, r.stdout))

	r = runCmd(t, in, "json")
	assert.Equal(t, 1, r.code, r.stderr)
	golden(t, "summaries.json", normalize(t, r.stdout))
}

func TestGherkinWritesOneFilePerFeature(t *testing.T) {
	dir := t.TempDir()
	r := runCmd(t, split(t, "green", "red"), "gherkin", "-o", dir)
	require.Equal(t, 0, r.code, r.stderr)
	b, err := os.ReadFile(filepath.Join(dir, "green-testgreeter.feature"))
	require.NoError(t, err, r.stdout)
	assert.Contains(t, string(b), "Feature: Greeter")
	assert.Contains(t, string(b), "  @speed @smoke\n  Scenario: greets by name\n    Given Ana\n")
}

// Every kind of red makes both commands exit 1; green exits 0.
func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		pkg  string
		code int
		kind string
	}{
		{"green", 0, ""},
		{"waived", 0, ""},
		{"hang", 0, ""}, // skips unless JETTY_TESTDATA_HANG is set
		{"load", 0, ""},
		{"red", 1, kindFeature},
		{"gated", 1, kindFeature},
		{"expired", 1, kindWaiver},
		{"partial", 1, kindPartial},
		{"buildbroken", 1, kindBuild},
		{"plainfail", 1, kindTest},
		{"panicky", 1, kindPanic},
		{"attest", 1, kindAttestation},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			t.Parallel() // each runs go test on its own package
			st := runCmd(t, split(t, tc.pkg), "status")
			assert.Equal(t, tc.code, st.code, "jetty status\n%s%s", st.stdout, st.stderr)
			te := runCmd(t, nil, "test", "./"+tc.pkg)
			assert.Equal(t, tc.code, te.code, "jetty test\n%s%s", te.stdout, te.stderr)
			for _, out := range []string{st.stdout, te.stdout} {
				if tc.code == 0 {
					assert.Contains(t, out, "\nGREEN: 1 package(s)")
				} else {
					assert.Regexp(t, `\nRED: \d+ problem\(s\) in 1 package\(s\) \([^)]*`+regexp.QuoteMeta(tc.kind), out)
				}
			}
		})
	}
}

func TestTimeoutIsRed(t *testing.T) {
	var out, errOut bytes.Buffer
	dir, err := filepath.Abs(mod)
	require.NoError(t, err)
	code := run([]string{"test", "-timeout=1s", "./hang"}, sys{stdout: &out, stderr: &errOut, now: func() time.Time { return now },
		getenv: func(string) string { return "" }, dir: dir, goTool: "go", environ: func() []string { return append(goEnv(), "JETTY_TESTDATA_HANG=1") }})
	assert.Equal(t, 1, code, out.String()+errOut.String())
	assert.Contains(t, out.String(), "timeout: example.com/suite/hang: panic: test timed out after 1s")
}

func TestBadInputIsAnError(t *testing.T) {
	for name, in := range map[string]string{
		"empty":                "",
		"blank lines":          "\n\n",
		"plain go test output": "=== RUN   TestX\n--- PASS: TestX (0.00s)\nPASS\nok  \texample.com/x\t0.01s\n",
	} {
		t.Run(name, func(t *testing.T) {
			r := runCmd(t, []byte(in), "status")
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, "no go test -json events in the input")
		})
	}
	bad := `{"Action":"attr","Package":"x","Test":"TestX","Key":"jetty.summary","Value":"{nope"}` + "\n"
	r := runCmd(t, []byte(bad), "status")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "stdin:1 (x TestX): jetty: parsing summary")

	r = runCmd(t, nil, "status", filepath.Join(t.TempDir(), "missing.json"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "missing.json")

	for _, args := range [][]string{nil, {"frobnicate"}, {"status", "--junit"}, {"status", "--nope"}, {"test", "-jetty.bogus=1"}} {
		r := runCmd(t, nil, args...)
		assert.Equal(t, 2, r.code, "%q", args)
	}
}

// Shards read from several files are judged as one run.
func TestStatusMergesShards(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	require.NoError(t, os.WriteFile(a, split(t, "green", "red", "gated", "waived", "expired"), 0o644))
	require.NoError(t, os.WriteFile(b, split(t, "partial", "buildbroken", "plainfail", "panicky", "attest", "hang", "load"), 0o644))
	whole := runCmd(t, suiteStream(t), "status")
	shards := runCmd(t, nil, "status", a, b)
	assert.Equal(t, whole.code, shards.code)
	if diff := cmp.Diff(normalize(t, whole.stdout), normalize(t, shards.stdout)); diff != "" {
		t.Errorf("shards differ from the whole run (-whole +shards):\n%s", diff)
	}
	// The same shard twice is a repeated run: folded, counted.
	twice := runCmd(t, nil, "status", a, a)
	assert.Regexp(t, `example.com/suite/green\s+Greeter\s+2\s+GREEN\s+GREEN\s+NOT REQUIRED`, twice.stdout)
}

func TestCountFoldsRepeats(t *testing.T) {
	r := runCmd(t, nil, "test", "-count=2", "./green", "./red")
	assert.Equal(t, 1, r.code)
	assert.Regexp(t, `example.com/suite/green\s+Greeter\s+2\s+GREEN\s+GREEN\s+NOT REQUIRED`, r.stdout)
	assert.Regexp(t, `example.com/suite/red\s+Cart\s+2\s+RED 2/4\s+GATED\s+GATED`, r.stdout)
	assert.Contains(t, r.stdout, "--- FAIL example.com/suite/red TestCart/speed/adds_an_item (failed 2 of 2 runs)")
	assert.Equal(t, 1, strings.Count(r.stdout, "Greeter"), "one row for both runs:\n%s", r.stdout)
}

// -jetty.* flags reach the packages through the environment, so a package
// that does not import jetty (hang) is unaffected.
func TestJettyFlagsGoThroughTheEnvironment(t *testing.T) {
	r := runCmd(t, nil, "test", "-jetty.mode=speed", "./green", "./hang")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `example.com/suite/green\s+Greeter\s+1\s+GREEN\s+GATED\s+NOT REQUIRED\s+not required`, r.stdout)
	assert.Regexp(t, `(?m)^ok\s+example.com/suite/hang`, r.stdout)

	r = runCmd(t, nil, "test", "-jetty.tags", "!smoke", "./green")
	assert.Regexp(t, `Greeter\s+1\s+NOT RUN\s+GREEN`, r.stdout)
}

func TestJettyFlagToEnv(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-jetty.mode=speed"}, "JETTY_MODE=speed"},
		{[]string{"--jetty.mode", "stable"}, "JETTY_MODE=stable"},
		{[]string{"-jetty.nogate"}, "JETTY_NOGATE=true"},
		{[]string{"-jetty.tags=smoke && !slow"}, "JETTY_TAGS=smoke && !slow"},
	} {
		i := 1
		kv, ok, err := jettyFlag(tc.args[0], tc.args, &i)
		assert.True(t, ok)
		assert.NoError(t, err)
		assert.Equal(t, tc.want, kv)
		assert.Equal(t, len(tc.args), i)
	}
	i := 1
	_, ok, _ := jettyFlag("-count=2", nil, &i)
	assert.False(t, ok)
}

func TestPlainProgressWhenPiped(t *testing.T) {
	r := runCmd(t, nil, "test", "./green")
	assert.NotContains(t, r.stdout, "\x1b[", "no terminal control when piped")
	assert.Regexp(t, `(?m)^ok\s+example.com/suite/green \d+\.\d+s$`, r.stdout)
}

func TestFirstMessage(t *testing.T) {
	for _, tc := range []struct {
		out  []string
		want message
	}{
		{[]string{"=== RUN   TestX\n", "    x_test.go:3: Given a user\n", "    x_test.go:9: [jetty] X › speed › y: Given a user: boom\n"}, message{"x_test.go:9", "[jetty] X › speed › y: Given a user: boom"}},
		{[]string{"    x_test.go:4: \n", "        \tError Trace:\tx_test.go:4\n", "        \tError:      \tNot equal: 1 != 2\n", "        \tTest:       \tTestX\n"}, message{"x_test.go:4", "Not equal: 1 != 2"}},
		{[]string{"    x_test.go:4: note\n"}, message{"x_test.go:4", "note"}},
		{nil, message{}},
	} {
		assert.Equal(t, tc.want, firstMessage(tc.out))
	}
}

func TestNoticesOfWhatExpiresSoon(t *testing.T) {
	r := runCmd(t, split(t, "waived"), "status")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "example.com/suite/waived Search: waiver T-LOAD: 2099-12-31 expires soon: cover it or renew the waiver")
}

func TestAttestationsExpiringSoon(t *testing.T) {
	ev := func(v string) string {
		b, err := json.Marshal(map[string]string{"Action": "attr", "Package": "example.com/p", "Test": "TestProject", "Key": "jetty.project", "Value": v})
		require.NoError(t, err)
		return string(b) + "\n"
	}
	in := `{"Action":"start","Package":"example.com/p"}` + "\n" +
		`{"Action":"run","Package":"example.com/p","Test":"TestProject"}` + "\n" +
		ev(`{"v":1,"test":"TestProject","audience":"external","preset":"Production SaaS","attestations":[{"id":"OPS-ONCALL","title":"on call","by":"ana","date":"2099-10-01","until":"2099-12-30","status":"current"}]}`) +
		`{"Action":"pass","Package":"example.com/p","Test":"TestProject"}` + "\n" +
		`{"Action":"pass","Package":"example.com/p"}` + "\n"
	r := runCmd(t, []byte(in), "status")
	assert.Equal(t, 0, r.code, r.stdout)
	assert.Contains(t, r.stdout, "example.com/p attestation OPS-ONCALL: 2099-12-30 expires soon: attest again")
}

func TestProgressOnATerminal(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(sys{stdout: &out, terminal: true, getenv: func(string) string { return "" }})
	res := newResult()
	for _, e := range []event{{Action: "run", Package: "x", Test: "TestA"}, {Action: "pass", Package: "x", Elapsed: 0.5}} {
		p.event(res, &e)
	}
	p.done()
	assert.Equal(t, "\r\x1b[K[0 package(s) done] x TestA\r\x1b[Kok   x 0.50s\n", out.String())

	for _, env := range []string{"CI", "NO_COLOR"} {
		out.Reset()
		p := newProgress(sys{stdout: &out, terminal: true, getenv: func(k string) string {
			if k == env {
				return "1"
			}
			return ""
		}})
		e := event{Action: "run", Package: "x", Test: "TestA"}
		p.event(res, &e)
		assert.Empty(t, out.String(), "%s set: plain lines only", env)
	}
}

// A feature whose summary is green but whose test failed (an error after
// Feature returned) is red: go test's verdict is never lost.
func TestFailureOutsideTheSummaryIsRed(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(string(split(t, "green"))), "\n")
	var in []string
	for _, l := range lines {
		l = strings.ReplaceAll(l, `"Action":"pass","Package":"example.com/suite/green","Test":"TestGreeter"`, `"Action":"fail","Package":"example.com/suite/green","Test":"TestGreeter"`)
		if strings.Contains(l, `"Action":"pass","Package":"example.com/suite/green","Elapsed"`) {
			l = strings.Replace(l, `"pass"`, `"fail"`, 1)
		}
		in = append(in, l)
	}
	r := runCmd(t, []byte(strings.Join(in, "\n")+"\n"), "status")
	assert.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "test failed: example.com/suite/green: TestGreeter failed")
}

// A summary line too long for test2json arrives as output, not as an attr:
// the feature cannot be judged, which is red.
func TestLostSummaryIsRed(t *testing.T) {
	in := `{"Action":"start","Package":"example.com/p"}
{"Action":"run","Package":"example.com/p","Test":"TestBig"}
{"Action":"output","Package":"example.com/p","Test":"TestBig","Output":"\u0016=== ATTR  TestBig jetty.summary {\"v\":1,\"feature\":\"Big\",\"te"}
{"Action":"pass","Package":"example.com/p","Test":"TestBig"}
{"Action":"pass","Package":"example.com/p"}
`
	r := runCmd(t, []byte(in), "status")
	assert.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "TestBig: its jetty.summary line was too long for go test -json to read")
}

// Every text of a summary that the command prints, and of an error, is
// masked by the module's one redaction: each secret shape, put in every
// field, never reaches the output.
func TestOutputIsRedacted(t *testing.T) {
	for _, sh := range redact.Shapes() {
		t.Run(sh.Name, func(t *testing.T) {
			x := strings.ReplaceAll(sh.Example, "\n", " ")
			s := jetty.Summary{Version: 1, Feature: x, Test: "TestX/" + x, Audience: x, Preset: x,
				Modes:    map[string]jetty.ModeSummary{"speed": {Fail: 1}, "stable": {Skip: 1, Blocked: x}},
				Coverage: jetty.CoverageSummary{Status: "uncovered", Required: []preset.ID{preset.ID(x)}, Uncovered: []preset.ID{preset.ID(x)}},
				Waivers:  []jetty.WaiverSummary{{ID: preset.ID(x), Reason: x, Until: x}}}
			ev, err := json.Marshal(map[string]string{"Action": "attr", "Package": "p", "Test": s.Test, "Key": jetty.SummaryAttr, "Value": s.String()})
			require.NoError(t, err)
			in := string(ev) + "\n"
			for _, cmd := range []string{"status", "json"} {
				var out, errOut bytes.Buffer
				run([]string{cmd}, sys{stdin: strings.NewReader(in), stdout: &out, stderr: &errOut, now: func() time.Time { return now }, getenv: func(string) string { return "" }})
				assert.NotContains(t, out.String()+errOut.String(), sh.Secret, cmd)
			}
		})
	}
}
