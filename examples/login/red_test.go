//go:build !norate

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testEvent is one line of go test -json (see go doc test2json).
type testEvent struct {
	Action string
	Test   string
	Output string
	Key    string
	Value  string
}

// TestRedGreen keeps the README's RED-GREEN demo honest: built with
// -tags norate, the service has no rate limit and no lockout, and the Login
// suite must fail exactly where the README says — the RateLimit scenario at
// attempt #11, and SEC-RATE-LIMIT uncovered — and nowhere else. The GREEN
// half is TestLogin itself.
func TestRedGreen(t *testing.T) {
	t.Parallel() // a subprocess of its own, beside the other RED demo
	if testing.Short() {
		t.Skip("runs go test in a subprocess; skipped with -short")
	}
	if os.Getenv("DOCCHECK_TRANSCRIPT") != "" {
		t.Skip("inside internal/doccheck's run of a README transcript: the outer go test runs this demo")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	cmd := exec.CommandContext(t.Context(), goTool, "test", "-json", "-count=1", "-tags", "norate",
		"-run", "^TestLogin$/^production$", ".")
	// The demo runs every mode whatever the caller's JETTY_MODE, JETTY_TAGS
	// or JETTY_NOGATE (environment forms of the -jetty.* flags).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JETTY_MODE=") && !strings.HasPrefix(kv, "JETTY_TAGS=") && !strings.HasPrefix(kv, "JETTY_NOGATE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	t.Logf("go test -json -tags norate -run 'Login/production' took %v", time.Since(start).Round(time.Millisecond))
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the norate build must fail; stderr:\n%s", stderr.String())

	status := map[string]string{} // test → pass, fail, skip
	output := map[string]*strings.Builder{}
	var summary *jetty.Summary
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e testEvent
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e), "line %q", sc.Text())
		switch e.Action {
		case "pass", "fail", "skip":
			status[e.Test] = e.Action
		case "output":
			if output[e.Test] == nil {
				output[e.Test] = &strings.Builder{}
			}
			output[e.Test].WriteString(e.Output)
		case "attr":
			if e.Key == jetty.SummaryAttr {
				s, err := jetty.ParseSummary(e.Value)
				require.NoError(t, err)
				summary = &s
			}
		}
	}
	require.NoError(t, sc.Err())
	text := func(test string) string {
		if b := output[test]; b != nil {
			return b.String()
		}
		return ""
	}

	const rateLimit = "TestLogin/production/too_many_login_attempts_are_blocked"
	t.Run("the RateLimit scenario fails at attempt #11", func(t *testing.T) {
		assert.Equal(t, "fail", status[rateLimit])
		assert.Contains(t, text(rateLimit),
			"[jetty] Login › production › too many login attempts are blocked: Then my subsequent attempts are blocked for 5 minutes: "+
				"POST /login attempt #11 = 401, want 429: the 11th attempt in one minute must be blocked")
		assert.Contains(t, text(rateLimit), `answer 429 with "Too many login attempts. Please try again later."`)
	})

	t.Run("every other production scenario still passes", func(t *testing.T) {
		var failed, passed []string
		for test, st := range status {
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
		assert.Equal(t, []string{rateLimit}, failed)
		assert.Len(t, passed, 6) // the app-wide checks moved to TestApp
	})

	t.Run("coverage lists SEC-RATE-LIMIT as covered only by a failing scenario", func(t *testing.T) {
		assert.Equal(t, "fail", status["TestLogin"])
		assert.Contains(t, text("TestLogin"), `1 of 7 production requirements of preset "Production SaaS" are not covered:`)
		assert.Contains(t, text("TestLogin"),
			`SEC-RATE-LIMIT   login attempts are rate limited and then blocked — covered only by failing "too many login attempts are blocked": make it pass`)
	})

	t.Run("the jetty.summary says the same", func(t *testing.T) {
		require.NotNil(t, summary, "no %s attribute in the go test -json output", jetty.SummaryAttr)
		assert.Equal(t, "Login", summary.Feature)
		assert.Equal(t, "Production SaaS", summary.Preset)
		assert.Equal(t, "uncovered", summary.Coverage.Status)
		if diff := cmp.Diff([]preset.ID{preset.LoginRateLimit}, summary.Coverage.Uncovered); diff != "" {
			t.Errorf("uncovered requirements (-want +got):\n%s", diff)
		}
		assert.Equal(t, jetty.ModeSummary{Pass: 6, Fail: 1}, summary.Modes["production"])
	})
}
