package scenario

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

// engine is a ready-made check seen from inside the package.
type engine interface {
	jetty.Scenario
	exec(reporter)
}

// TestEveryPresetParameterIsReadByItsCheck: every parameter of every
// built-in preset is read, without error, by the check that covers its
// requirement; so a parameter means the same in the preset, in
// preset.Validate and in the check ("1d" is a day everywhere).
func TestEveryPresetParameterIsReadByItsCheck(t *testing.T) {
	t.Parallel()
	target := Handler(http.NotFoundHandler())
	checks := []engine{
		RateLimit{Target: target}, AuditLog{Target: target}, Load{Target: target},
		SecurityHeaders{Target: target}, Injection{Target: target}, AuthRequired{Target: target},
		ErrorHandling{Target: target}, HealthCheck{Target: target}, BackupRestore{},
		GracefulShutdown{}, Overload{Target: target}, Faults{Target: target}, TLS{Target: target},
		EncryptedAtRest{Target: target}, SecretsInLogs{Target: target}, QueryBudget{Target: target},
		Caching{Target: target}, Metrics{Target: target}, CrossSite{Target: target}, CORS{Target: target}, Session{Target: target}, Rollback{},
	}
	for _, p := range preset.Builtins() {
		for _, req := range p.Requirements {
			if len(req.Params) == 0 {
				continue
			}
			var covering []engine
			for _, c := range checks {
				if slices.Contains(c.Covers(), req.ID) {
					covering = append(covering, c)
				}
			}
			if len(covering) == 0 {
				t.Errorf("%s %s has parameters but no check covers it", p.Name, req.ID)
				continue
			}
			for _, c := range covering {
				t.Run(p.Name+"/"+string(req.ID)+"/"+c.Title(), func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						ctx, cancel := context.WithCancel(t.Context())
						defer cancel()
						col := &collector{ctx: ctx, p: p}
						col.probs.Scenario = c.Title()
						func() {
							defer func() {
								for i := len(col.cleanups) - 1; i >= 0; i-- {
									col.cleanups[i]()
								}
							}()
							c.exec(col)
						}()
						for key := range req.Params {
							if !slices.Contains(col.reads, string(req.ID)+"/"+key) {
								t.Errorf("parameter %q of %s is never read by %s", key, req.ID, c.Title())
							}
						}
						for _, q := range col.probs.List {
							if strings.Contains(q.Text, "parameter") {
								t.Errorf("%s: %s", q.Step, q.Text)
							}
						}
					})
				})
			}
		}
	}
}

// A preset whose Load requirement says "max": "1d" passes preset.Validate,
// and Load reads it as a day, as every check reads durations.
func TestDurationParametersReadAsThePresetDoes(t *testing.T) {
	t.Parallel()
	p := preset.New("days", preset.Requirement{ID: preset.Load, Title: "load", Category: preset.Performance, Params: preset.Params{preset.ParamMax: "1d"}})
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	col := &collector{ctx: t.Context(), p: p}
	if d := paramsOf(col, preset.Load).Duration(preset.ParamMax, 0); d.Hours() != 24 {
		t.Errorf("max = %v, want 24h", d)
	}
	if len(col.probs.List) > 0 {
		t.Errorf("problems: %v", col.probs.List)
	}
	bad := preset.New("bad", preset.Requirement{ID: preset.Load, Title: "load", Category: preset.Performance, Params: preset.Params{preset.ParamMax: "soon", preset.ParamUsers: "-3", preset.ParamMinSuccess: "99.9"}})
	col = &collector{ctx: t.Context(), p: bad}
	pr := paramsOf(col, preset.Load)
	pr.Duration(preset.ParamMax, 0)
	pr.Int(preset.ParamUsers, 100)
	pr.Ratio(preset.ParamMinSuccess, 1)
	if len(col.probs.List) != 3 {
		t.Fatalf("%d problems, want 3: %v", len(col.probs.List), col.probs.List)
	}
	for _, q := range col.probs.List {
		if !strings.HasPrefix(q.Text, `preset "bad", requirement PERF-LOAD: parameter `) {
			t.Errorf("problem %q does not use the one wording", q.Text)
		}
	}
}
