package scenario_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario"
)

// Every ready-made scenario the built-in presets name exists, and covers the
// requirement that names it: a coverage failure's "add scenario.X{…}" is
// always advice that works.
func TestPresetsNameScenariosThatCoverThem(t *testing.T) {
	t.Parallel()
	all := map[string]jetty.Scenario{
		"RateLimit": scenario.RateLimit{}, "AuditLog": scenario.AuditLog{}, "Load": scenario.Load{},
		"SecurityHeaders": scenario.SecurityHeaders{}, "Injection": scenario.Injection{},
		"AuthRequired": scenario.AuthRequired{}, "ErrorHandling": scenario.ErrorHandling{},
		"HealthCheck": scenario.HealthCheck{}, "BackupRestore": scenario.BackupRestore{},
		"GracefulShutdown": scenario.GracefulShutdown{}, "Overload": scenario.Overload{},
		"Metrics": scenario.Metrics{}, "TLS": scenario.TLS{}, "SecretsInLogs": scenario.SecretsInLogs{},
		"Faults": scenario.Faults{}, "EncryptedAtRest": scenario.EncryptedAtRest{},
		"CrossSite": scenario.CrossSite{}, "CORS": scenario.CORS{}, "Session": scenario.Session{}, "Rollback": scenario.Rollback{},
	}
	named := map[string]bool{}
	for _, p := range preset.Builtins() {
		for _, r := range p.Requirements {
			if r.Scenario == "" {
				continue
			}
			name := strings.TrimSuffix(strings.TrimPrefix(r.Scenario, "scenario."), "{…}")
			sc, ok := all[name]
			if !ok {
				t.Errorf("%s %s names %s, which package scenario does not have", p.Name, r.ID, r.Scenario)
				continue
			}
			named[name] = true
			if !slices.Contains(sc.Covers(), r.ID) {
				t.Errorf("%s %s names %s, whose Covers() = %v lacks %s", p.Name, r.ID, r.Scenario, sc.Covers(), r.ID)
			}
			if sc.Mode() != jetty.Production {
				t.Errorf("%s is in %v mode, want production", name, sc.Mode())
			}
		}
	}
	for name := range all {
		if !named[name] {
			t.Errorf("no built-in requirement names scenario.%s{…}", name)
		}
	}
}
