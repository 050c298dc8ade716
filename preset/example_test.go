package preset_test

import (
	"fmt"
	"time"

	"github.com/jettymethod/jetty/preset"
)

// A library author publishes a custom preset from their own package: start
// from a built-in, tighten a threshold, add a requirement of their own and
// drop one that does not apply. Projects then pass it to
// jetty.External(acme.Preset).
func Example_customPreset() {
	acme := preset.Extend(preset.ProductionSaaS, "Acme Payments",
		preset.Requirement{
			ID: preset.LoginRateLimit, Title: "login attempts are limited to 5, then locked out for 30 minutes",
			Category: preset.Security, Traits: []preset.Trait{preset.Login},
			Params:   preset.Params{preset.ParamAttempts: "5", preset.ParamWindow: "1m", preset.ParamLockout: "30m", preset.ParamMessage: preset.LockoutMessage},
			Scenario: "scenario.RateLimit{…}", Standard: "PCI DSS v4 8.3.4",
		},
		preset.Requirement{
			ID: "ACME-RECEIPTS", Title: "every payment sends a receipt", Category: preset.Compliance,
			Traits: []preset.Trait{preset.PersonalData},
		},
		preset.Requirement{
			ID: "ACME-SOC2", Title: "the SOC 2 report is current", Category: preset.Compliance,
			Kind: preset.KindAttested, Validity: 365 * 24 * time.Hour,
		},
	).Without(preset.Metrics)

	if err := acme.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(acme.Name, "has", len(acme.Requirements), "requirements")
	fmt.Println("lockout:", acme.Param(preset.LoginRateLimit, preset.ParamLockout, "?"))
	for _, r := range acme.For(preset.Login) {
		fmt.Println(" ", r.ID, "-", r.Title)
	}
	// Output:
	// Acme Payments has 16 requirements
	// lockout: 30m
	//   SEC-SESSIONS - sessions end after 30 minutes idle and 12 hours in all
	//   SEC-AUTHZ - protected routes refuse missing, wrong and tampered credentials
	//   SEC-ERRORS - failures answer a generic 500 with a request ID and leak no internals
	//   SEC-RATE-LIMIT - login attempts are limited to 5, then locked out for 30 minutes
	//   MON-AUDIT - authentication events are audited with user ID, timestamp and IP
	//   PERF-LOAD - 100 users at once all complete within 2 seconds, none fails
	//   SEC-CSRF - state-changing requests from other sites are refused
}
