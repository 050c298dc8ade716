//go:build !noencrypt

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
// -tags noencrypt, the service stores card numbers and holders as they
// came, and the Payments suite must fail exactly where the README says —
// EncryptedAtRest finds the card number and the holder in plain text in
// the database, and SEC-ENCRYPT-REST is uncovered — and nowhere else. The
// GREEN half is TestPayments itself.
func TestRedGreen(t *testing.T) {
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
	args := []string{"test", "-json", "-count=1", "-tags", "noencrypt", "-run", "^TestPayments$/^production$"}
	if raceDetector {
		// Built as this test is: under -race the Load budget is stretched
		// (see load in production_test.go), and the demo must fail only
		// where the README says, not on a budget the parent's build slows.
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(t.Context(), goTool, append(args, ".")...)
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
	t.Logf("go test -json -tags noencrypt -run 'Payments/production' took %v", time.Since(start).Round(time.Millisecond))
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the noencrypt build must fail; stderr:\n%s", stderr.String())

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

	const atRest = "TestPayments/production/personal_and_stored_data_is_encrypted_at_rest"
	const then = "[jetty] Payments › production › personal and stored data is encrypted at rest: Then the storage changed but holds the data in no readable form: "
	t.Run("EncryptedAtRest finds the card number and the holder in plain text", func(t *testing.T) {
		assert.Equal(t, "fail", status[atRest])
		assert.Contains(t, text(atRest), then+"the card number sent by POST /cards is stored in plain text (UTF-8) in ")
		assert.Contains(t, text(atRest), "a stored card number must be unreadable (PCI DSS v4 3.5.1): encrypt it (AES-256-GCM), tokenize it, or keep only its first six and last four digits")
		assert.Contains(t, text(atRest), then+"the personal data sent by POST /cards is stored in plain text (UTF-8) in ")
	})

	t.Run("every other production scenario still passes", func(t *testing.T) {
		var failed, passed []string
		for test, st := range status {
			if !strings.HasPrefix(test, "TestPayments/production/") {
				continue
			}
			switch st {
			case "fail":
				failed = append(failed, test)
			case "pass":
				passed = append(passed, test)
			}
		}
		assert.Equal(t, []string{atRest}, failed)
		assert.Len(t, passed, 20)
	})

	t.Run("coverage lists SEC-ENCRYPT-REST as covered only by a failing scenario", func(t *testing.T) {
		assert.Equal(t, "fail", status["TestPayments"])
		assert.Contains(t, text("TestPayments"), `1 of 20 production requirements of preset "PCI DSS v4" are not covered:`)
		assert.Contains(t, text("TestPayments"),
			`SEC-ENCRYPT-REST stored PANs are unreadable — covered only by failing "personal and stored data is encrypted at rest": make it pass`)
	})

	t.Run("the jetty.summary says the same", func(t *testing.T) {
		require.NotNil(t, summary, "no %s attribute in the go test -json output", jetty.SummaryAttr)
		assert.Equal(t, "Payments", summary.Feature)
		assert.Equal(t, "PCI DSS v4", summary.Preset)
		assert.Equal(t, "uncovered", summary.Coverage.Status)
		if diff := cmp.Diff([]preset.ID{preset.EncryptionAtRest}, summary.Coverage.Uncovered); diff != "" {
			t.Errorf("uncovered requirements (-want +got):\n%s", diff)
		}
		assert.Equal(t, jetty.ModeSummary{Pass: 20, Fail: 1}, summary.Modes["production"])
	})
}
