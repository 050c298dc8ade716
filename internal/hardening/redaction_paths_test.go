package hardening_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shapesText is every secret shape's example, one per line, and the
// secrets it holds.
func shapesText() (string, []string) {
	var lines, secrets []string
	for _, sh := range redact.Shapes() {
		lines = append(lines, sh.Example)
		secrets = append(secrets, sh.Secret)
	}
	return strings.Join(lines, "\n"), secrets
}

// oneLine is text for places that take no newline (an attribute value).
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// noSecrets fails t for each secret that output shows.
func noSecrets(t *testing.T, where, output string, secrets []string) {
	t.Helper()
	for _, sec := range secrets {
		noCanary(t, sec, where, output)
	}
}

// TestInnerRedactionPaths drives each output path of package jetty with a
// secret of every shape: a step's panic, Skip and Skipf, Output, Attr,
// misuse (a step after the scenario ended, a step from another goroutine),
// a declaration that panics, a declaration error, Check's messages.
func TestInnerRedactionPaths(t *testing.T) {
	innertest.Inner(t)
	text, _ := shapesText()
	path := os.Getenv("JETTY_TEST_PATH")
	feature := func(body func(s *jetty.S)) {
		jetty.Feature(t, "Paths", func(f *jetty.F) { f.Speed("drives the path", body) })
	}
	switch path {
	case "panic":
		feature(func(s *jetty.S) { s.Given("a step", func() { panic(text) }) })
	case "panic error":
		feature(func(s *jetty.S) { panic(fmt.Errorf("wrapped: %s", text)) })
	case "skip":
		feature(func(s *jetty.S) { s.Skip(text) })
	case "skipf":
		feature(func(s *jetty.S) { s.Skipf("because %s", text) })
	case "output":
		feature(func(s *jetty.S) { fmt.Fprintln(s.Output(), text) })
	case "attr":
		feature(func(s *jetty.S) { s.Attr("note", oneLine(text)) })
	case "attr newline":
		feature(func(s *jetty.S) { s.Attr("note", text) })
	case "step text":
		feature(func(s *jetty.S) { s.Given(text, func() {}) })
	case "step after end":
		var keep *jetty.S
		jetty.Feature(t, "Paths", func(f *jetty.F) {
			f.Speed("keeps its S", func(s *jetty.S) { keep = s })
			f.Speed("uses it later", func(s *jetty.S) { keep.Given(text, func() {}) })
		})
	case "step from goroutine":
		feature(func(s *jetty.S) {
			done := make(chan struct{})
			go func() { defer close(done); s.Given(text, func() {}) }()
			<-done
		})
	case "nil step":
		feature(func(s *jetty.S) { s.Then(text, nil) })
	case "declaration panic":
		jetty.Feature(t, "Paths", func(f *jetty.F) { panic(text) })
	case "declaration error":
		jetty.Feature(t, "Paths", func(f *jetty.F) { f.Speed(oneLine(text)+" / slash", func(*jetty.S) {}) })
	case "waiver":
		jetty.Feature(t, "Paths", func(f *jetty.F) {
			f.Production("covers nothing", func(*jetty.S) {})
			f.Waive(preset.SecurityHeaders, text)
		}, jetty.External(preset.StartupMVP))
	case "check":
		jetty.Check(t, jetty.Define(jetty.Mode(7), oneLine(text), func(*jetty.S) {}))
	case "check body":
		jetty.Check(t, jetty.Define(jetty.Speed, "check", nil), jetty.Define(jetty.Speed, "logs", func(s *jetty.S) { s.Log(text); s.Error(text) }))
	default:
		t.Fatalf("unknown path %q", path)
	}
}

func TestRedactionPaths(t *testing.T) {
	_, secrets := shapesText()
	for _, path := range []string{"panic", "panic error", "skip", "skipf", "output", "attr", "attr newline", "step text", "step after end",
		"step from goroutine", "nil step", "declaration panic", "declaration error", "waiver", "check", "check body"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel() // each path is a subprocess of its own
			r := innertest.RunEnv(t, []string{"JETTY_TEST_PATH=" + path}, "TestInnerRedactionPaths")
			require.NotEmpty(t, r.Output)
			var all strings.Builder
			for _, e := range r.Events {
				all.WriteString(e.Output + e.Key + " " + e.Value + "\n")
			}
			noSecrets(t, "the test2json output", all.String(), secrets)
			assert.Contains(t, all.String(), redact.Mask, "the path printed the masked text")
		})
	}
}

// TestInnerRedactionNames is a feature inside a subtest whose name holds a
// secret, with a failing speed scenario whose name holds another: the
// summary's "test" and stable's "blocked" carry them. The names in RUN
// lines are printed by package testing; the summary is jetty's.
func TestInnerRedactionNames(t *testing.T) {
	innertest.Inner(t)
	t.Run(os.Getenv("JETTY_TEST_NAME"), func(t *testing.T) {
		jetty.Feature(t, "Login", func(f *jetty.F) {
			f.Speed(os.Getenv("JETTY_TEST_NAME"), func(s *jetty.S) { s.Error("red") })
			f.Stable("is gated", func(*jetty.S) {})
		})
	})
}

func TestRedactionNames(t *testing.T) {
	for _, sh := range redact.Shapes() {
		t.Run(sh.Name, func(t *testing.T) {
			t.Parallel() // each shape is a subprocess of its own
			name := strings.ReplaceAll(oneLine(sh.Example), "/", "|")
			r := innertest.RunEnv(t, []string{"JETTY_TEST_NAME=" + name}, "TestInnerRedactionNames")
			sums := r.Attrs(jetty.SummaryAttr)
			require.Len(t, sums, 1, "one summary:\n%s", r.Output)
			s, err := jetty.ParseSummary(sums[0])
			require.NoError(t, err)
			secret := strings.ReplaceAll(sh.Secret, " ", "_")
			noCanary(t, secret, "the summary's test", s.Test)
			noCanary(t, sh.Secret, "the summary's blocked", s.Modes["stable"].Blocked)
			assert.NotEmpty(t, s.Modes["stable"].Blocked, "stable is gated")
		})
	}
}
