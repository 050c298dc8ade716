package main

import (
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario"
)

// TestApp proves, once for the module, the Production SaaS requirements
// that belong to the whole service rather than to one feature (those with
// preset.ScopeApp): security headers, error handling, health, metrics,
// graceful shutdown, backups, rollback and CORS. TestLogin — and any
// feature added beside it — is not asked to prove them again.
func TestApp(t *testing.T) {
	jetty.App(t, func(f *jetty.F) {
		appWide(t, f)
	}, jetty.External(preset.ProductionSaaS))
}

func appWide(t *testing.T, f *jetty.F) {
	f.Include(scenario.SecurityHeaders{
		Target: scenario.Handler(newApp(t, fastConfig(nil))),
		Paths:  []string{"/healthz", "/me", "/no-such-page"},
		HTTPS:  true, // production runs behind TLS
	})
	f.Include(scenario.CORS{Target: scenario.Handler(newApp(t, fastConfig(nil))), Paths: []string{"/me", "/notes/1"}})
	f.Include(errorHandling(t))
	f.Include(healthCheck(t))
	rollback(t, f)

	// What no ready-made scenario covers yet: custom production scenarios.
	f.Production("metrics export request rate, errors and latency", metricsScenario, preset.Metrics)
	f.Production("shutdown drains in-flight requests", shutdownScenario, preset.GracefulShutdown)
	f.Production("a backup restores every account", backupScenario, preset.Backups)
}
