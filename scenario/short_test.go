package scenario_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// TestInnerShortFlag runs Injection and Load as a user's test does, with
// no forcing: go test's own -short flag decides. Its feature's summary
// says whether the run was short.
func TestInnerShortFlag(t *testing.T) {
	t.Parallel()
	innertest.Inner(t)
	jetty.Check(t,
		scenario.Injection{Target: scenario.Handler(safeApp(t)), Inputs: safeInputs[:1]},
		scenario.Load{Target: scenario.Handler(&loadLogin{})},
	)
	jetty.Feature(t, "Flag", func(f *jetty.F) { f.Speed("runs", func(s *jetty.S) {}) }, jetty.Internal())
}

// End to end: go test -short narrows Injection and shortens Load, and the
// feature's summary says "short"; without -short both run in full.
func TestShortFlagIsHonoured(t *testing.T) {
	t.Parallel()
	n := len(scenario.Payloads())
	for _, tc := range []struct {
		args       []string
		want, lack []string
		summary    bool
	}{
		{[]string{"-test.short"}, []string{
			fmt.Sprintf("of %d payloads into GET /search query q; run without -short for the whole corpus", n),
			"-short: planned 100 users at once, sending 20 users at once; run without -short for the full plan",
			"coverage not-required; under -short: Load and Injection shortened, run without -short for the full proof",
		}, []string{fmt.Sprintf("\n%d payloads into", n)}, true},
		{nil, []string{
			fmt.Sprintf("%d payloads into GET /search query q", n),
			"load: 100 users at once sending POST /login",
		}, []string{"-short"}, false},
	} {
		r := innertest.Run(t, "TestInnerShortFlag", tc.args...)
		if !r.ExitOK {
			t.Fatalf("go test %s failed:\n%s", tc.args, r.Output)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.Output, w) {
				t.Errorf("go test %s: the log lacks %q:\n%s", tc.args, w, r.Output)
			}
		}
		for _, w := range tc.lack {
			if strings.Contains(r.Output, w) {
				t.Errorf("go test %s: the log has %q:\n%s", tc.args, w, r.Output)
			}
		}
		v, ok := r.Attr("TestInnerShortFlag/Flag", jetty.SummaryAttr)
		if !ok {
			t.Fatalf("go test %s: no summary:\n%s", tc.args, r.Output)
		}
		s, err := jetty.ParseSummary(v)
		if err != nil || s.Short != tc.summary {
			t.Errorf("go test %s: summary %s (%v), want short %v", tc.args, v, err, tc.summary)
		}
	}
}
