package scenario_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario"
)

// A probe the preset requires that could not run reaches coverage: the
// feature's coverage is "partial", its failure names the field to set,
// and the summary lists the probe. Setting the field covers it.
func TestRequiredNotProvenMakesCoveragePartial(t *testing.T) {
	t.Parallel()
	r := innertest.Run(t, "TestInnerNotProvenPartial")
	if r.ExitOK {
		t.Fatalf("a feature whose RateLimit could not prove a required probe passed:\n%s", r.Output)
	}
	out := r.TestOutput("TestInnerNotProvenPartial/Login")
	for _, want := range []string{
		"production requirements of preset \"Production SaaS\" are only partly proven",
		"SEC-RATE-LIMIT",
		"set Success to a login with the right password",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("coverage failure lacks %q:\n%s", want, out)
		}
	}
	raw, ok := r.Attr("TestInnerNotProvenPartial/Login", jetty.SummaryAttr)
	if !ok {
		t.Fatalf("no summary:\n%s", r.Output)
	}
	var sum jetty.Summary
	if err := json.Unmarshal([]byte(raw), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Coverage.Status != jetty.CoveragePartial || len(sum.Coverage.Partial) != 1 || sum.Coverage.Partial[0].ID != preset.LoginRateLimit {
		t.Errorf("coverage = %+v, want partial with SEC-RATE-LIMIT", sum.Coverage)
	}
	if r := innertest.Run(t, "TestInnerNotProvenCovered"); !r.ExitOK {
		t.Errorf("with Success set the feature fails:\n%s", r.Output)
	}
}

func rlFeature(t *testing.T, x scenario.RateLimit) {
	jetty.Feature(t, "Login", func(f *jetty.F) { f.Include(x) },
		jetty.External(preset.New("Production SaaS", mustReq(t, preset.ProductionSaaS, preset.LoginRateLimit))),
		jetty.Traits(preset.Login))
}

func mustReq(t *testing.T, p preset.Preset, id preset.ID) preset.Requirement {
	t.Helper()
	req, ok := p.Requirement(id)
	if !ok {
		t.Fatalf("%s has no %s", p.Name, id)
	}
	return req
}

func TestInnerNotProvenPartial(t *testing.T) {
	t.Parallel()
	innertest.Inner(t)
	rlFeature(t, scenario.RateLimit{Target: rlApp{}.target()})
}

func TestInnerNotProvenCovered(t *testing.T) {
	t.Parallel()
	innertest.Inner(t)
	rlFeature(t, scenario.RateLimit{Target: rlApp{}.target(), Success: scenario.LoginRequest("alice@example.com", "s3cret")})
}

// A probe that only adds to what the check proves is logged, never
// required: the feature stays covered.
func TestOptionalNotProvenIsOnlyLogged(t *testing.T) {
	t.Parallel()
	r := innertest.Run(t, "TestInnerOptionalNotProven")
	out := r.Output
	if r.Status("TestInnerOptionalNotProven") != "pass" {
		t.Fatalf("an optional probe made the feature fail:\n%s", out)
	}
	if !strings.Contains(out, "not proven: the right password is blocked too") {
		t.Errorf("the optional probe is not logged:\n%s", out)
	}
}

func TestInnerOptionalNotProven(t *testing.T) {
	t.Parallel()
	innertest.Inner(t)
	req := mustReq(t, preset.ProductionSaaS, preset.LoginRateLimit)
	req.Params = preset.Params{"optional": "Success"}
	jetty.Feature(t, "Login", func(f *jetty.F) { f.Include(scenario.RateLimit{Target: rlApp{}.target()}) },
		jetty.External(preset.New("lenient", req)), jetty.Traits(preset.Login))
}

// Explain returns what a pass did not prove; Verify keeps returning nil on
// a pass.
func TestExplainReturnsNotProvenOnAPass(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	own := preset.New("Production SaaS", mustReq(t, preset.ProductionSaaS, preset.LoginRateLimit))
	// Each run gets a fresh limiter: the one before has blocked alice.
	x := scenario.RateLimit{Target: scenario.URL(startRL(t)), Preset: own}
	if err := x.Verify(ctx); err != nil {
		t.Fatalf("Verify of a correct limiter: %v", err)
	}
	x.Target = scenario.URL(startRL(t))
	p := scenario.Explain(ctx, x)
	if p.Err() != nil {
		t.Fatalf("Explain of a correct limiter has problems: %v", p)
	}
	if len(p.NotProven) == 0 || len(p.Tried) == 0 {
		t.Errorf("Explain lost what the pass did not prove: %+v", p)
	}
	if len(p.Required) != 1 || !strings.Contains(p.Required[0], "set Success") {
		t.Errorf("Required = %q, want the Success probe only", p.Required)
	}
	x.Success = scenario.LoginRequest("alice@example.com", "s3cret")
	x.Target = scenario.URL(startRL(t))
	if p := scenario.Explain(ctx, x); len(p.Required) != 0 {
		t.Errorf("with Success set, Required = %q", p.Required)
	}
	// A failing check: Explain's problems are Verify's.
	bad := scenario.RateLimit{Target: scenario.URL(startRLWith(t, rlApp{limit: -1})), Preset: own}
	p = scenario.Explain(ctx, bad)
	bad.Target = scenario.URL(startRLWith(t, rlApp{limit: -1}))
	var verr *scenario.Problems
	if err := bad.Verify(ctx); !errors.As(err, &verr) || p.Err() == nil || p.Error() != verr.Error() {
		t.Errorf("Explain = %v, Verify = %v: want the same problems", p.Err(), err)
	}
	// A user's own check with a Verify that returns a plain error.
	if p := scenario.Explain(ctx, verifyFunc(func(context.Context) error { return errors.New("boom") })); p.Err() == nil || !strings.Contains(p.Error(), "boom") {
		t.Errorf("Explain of a plain error = %v", p)
	}
	if p := scenario.Explain(ctx, nil); p.Err() == nil {
		t.Error("Explain(ctx, nil) has no problem")
	}
}

type verifyFunc func(context.Context) error

func (f verifyFunc) Verify(ctx context.Context) error { return f(ctx) }

func startRL(t *testing.T) string { return startRLWith(t, rlApp{}) }

func startRLWith(t *testing.T, a rlApp) string {
	srv := httptest.NewServer(a.handler())
	t.Cleanup(srv.Close)
	return srv.URL
}
