//go:build !nocsrf

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// redRun is what one go test -json run of the Login suite in a subprocess
// reported: each test's verdict and output, and the feature's summary.
type redRun struct {
	status  map[string]string // test → pass, fail, skip
	output  map[string]*strings.Builder
	summary *jetty.Summary
}

func (r redRun) text(test string) string {
	if b := r.output[test]; b != nil {
		return b.String()
	}
	return ""
}

// runLoginWithTags runs the Login suite's production mode built with tags,
// which must fail, and parses its go test -json output.
func runLoginWithTags(t *testing.T, tags string) redRun {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	cmd := exec.CommandContext(t.Context(), goTool, "test", "-json", "-count=1", "-tags", tags, "-run", "^TestLogin$/^production$", ".")
	// Every mode runs whatever the caller's JETTY_MODE, JETTY_TAGS or
	// JETTY_NOGATE (environment forms of the -jetty.* flags).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JETTY_MODE=") && !strings.HasPrefix(kv, "JETTY_TAGS=") && !strings.HasPrefix(kv, "JETTY_NOGATE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the %s build must fail; stderr:\n%s", tags, stderr.String())

	run := redRun{status: map[string]string{}, output: map[string]*strings.Builder{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct{ Action, Test, Output, Key, Value string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e), "line %q", sc.Text())
		switch e.Action {
		case "pass", "fail", "skip":
			run.status[e.Test] = e.Action
		case "output":
			if run.output[e.Test] == nil {
				run.output[e.Test] = &strings.Builder{}
			}
			run.output[e.Test].WriteString(e.Output)
		case "attr":
			if e.Key == jetty.SummaryAttr {
				s, err := jetty.ParseSummary(e.Value)
				require.NoError(t, err)
				run.summary = &s
			}
		}
	}
	require.NoError(t, sc.Err())
	return run
}

// TestRedGreenCrossSite shows one of the newer checks RED: built with
// -tags nocsrf, the service drops http.CrossOriginProtection, and the Login
// suite must fail in the CrossSite scenario only — every forgery accepted
// and acted on, with the fix named — and leave SEC-CSRF uncovered. The
// GREEN half is TestLogin itself.
func TestRedGreenCrossSite(t *testing.T) {
	t.Parallel() // a subprocess of its own, beside the other RED demo
	if testing.Short() {
		t.Skip("runs go test in a subprocess; skipped with -short")
	}
	if os.Getenv("DOCCHECK_TRANSCRIPT") != "" {
		t.Skip("inside internal/doccheck's run of a README transcript: the outer go test runs this demo")
	}
	run := runLoginWithTags(t, "nocsrf")

	const crossSite = "TestLogin/production/cross-site_requests_cannot_change_state"
	t.Run("the CrossSite scenario fails on every forgery", func(t *testing.T) {
		assert.Equal(t, "fail", run.status[crossSite])
		const prefix = "[jetty] Login › production › cross-site requests cannot change state: Then POST /notes forged by another site is refused and changes nothing: "
		for _, forgery := range []string{
			"POST /notes with Origin: https://evil.example with Sec-Fetch-Site: cross-site",
			"POST /notes with Sec-Fetch-Site: cross-site without Origin",
			"POST /notes with Origin: https://evil.example without Fetch Metadata",
			"POST /notes with Origin: null",
		} {
			assert.Contains(t, run.text(crossSite), prefix+forgery+": 201, want 403: another site can make a signed-in user's browser send this; "+
				"reject cross-site requests, e.g. wrap the handler in http.NewCrossOriginProtection().Handler(mux) (Go 1.25+), or check Sec-Fetch-Site and Origin")
			assert.Contains(t, run.text(crossSite), prefix+forgery+" changed the application's state (Changed reported true): a forged request must change nothing; refuse it before acting")
		}
	})

	t.Run("every other production scenario still passes", func(t *testing.T) {
		var failed, passed []string
		for test, st := range run.status {
			if !strings.HasPrefix(test, "TestLogin/production/") {
				continue
			}
			switch st {
			case "fail":
				failed = append(failed, test)
			case "pass":
				passed = append(passed, test)
			}
		}
		assert.Equal(t, []string{crossSite}, failed)
		assert.NotEmpty(t, passed)
	})

	t.Run("coverage lists SEC-CSRF as covered only by a failing scenario", func(t *testing.T) {
		assert.Equal(t, "fail", run.status["TestLogin"])
		assert.Contains(t, run.text("TestLogin"),
			`SEC-CSRF         state-changing requests from other sites are refused — covered only by failing "cross-site requests cannot change state": make it pass`)
		require.NotNil(t, run.summary, "no %s attribute in the go test -json output", jetty.SummaryAttr)
		assert.Equal(t, "uncovered", run.summary.Coverage.Status)
		if diff := cmp.Diff([]preset.ID{preset.CrossSite}, run.summary.Coverage.Uncovered); diff != "" {
			t.Errorf("uncovered requirements (-want +got):\n%s", diff)
		}
		assert.True(t, slices.Contains(run.summary.Coverage.Required, preset.CrossSite))
		assert.Equal(t, 1, run.summary.Modes["production"].Fail)
	})
}
