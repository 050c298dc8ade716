// Package scenario holds ready-made scenarios: the production checks every
// preset asks for, each a struct type that implements jetty.Scenario and can
// be included in a feature or pasted alone into any suite:
//
//	jetty.Check(t, scenario.RateLimit{Target: scenario.HandlerFunc(newApp), …})
//
// Each scenario has two layers, like testing/fstest and testing/slogtest: an
// engine, Verify(ctx), that needs no testing.T and returns an error listing
// every problem it found (see [Problems]), and the Run method that reports
// through the Given/When/Then steps of a *jetty.S. The engine is what
// benchmarks and tools drive; Run is what users paste.
//
// Every scenario sends its requests to a [Target]: an in-process handler
// ([Handler], or [HandlerFunc] for scenarios that need virtual time) or a live
// server ([URL], loopback only unless AllowRemote). A scenario that passes
// logs what it tried — requests sent, payloads, users — so a pass is never
// silent.
//
// # Presets
//
// Thresholds default to the project's preset (see jetty.S.Param), then to
// the seed's numbers; every field set on the struct wins over both. Every
// check has a Preset field: zero means the project's preset (Run: the
// Feature's options, else the module's profile file; Verify: the profile
// file, found from the working directory), else the seed's numbers; a set
// Preset wins over the project's.
//
// # What a pass did not prove
//
// A probe a check cannot run with what it was given is reported as not
// proven, with the field to set ("not proven: …; set Success to …"). A
// probe is required when the preset in force has the requirement it is
// part of, unless that requirement's "optional" parameter (a
// comma-separated list of field names, e.g. "Success,Session.Elevate")
// names its field; each check's doc says which of its probes are
// required. Under jetty.Feature a required probe that did not run makes
// the feature's coverage "partial" (red), and the failure names the
// field; under jetty.Check, which judges no coverage, and for optional
// probes, it is logged. Verify returns nil on a pass, as its callers
// expect; [Explain] returns the *Problems also on a pass, with NotProven
// and the Required part of it.
//
// # The scenarios
//
// Security: [RateLimit], [SecurityHeaders], [Injection], [AuthRequired],
// [ErrorHandling], [TLS], [SecretsInLogs], [EncryptedAtRest], [Session],
// [CrossSite], [CORS].
// Performance: [Load], and by choice [QueryBudget] and [Caching].
// Monitoring: [AuditLog], [HealthCheck], [Metrics].
// Resilience: [GracefulShutdown], [Overload], [BackupRestore], [Faults],
// [Rollback].
//
// Each covers the preset requirements its Covers method lists; the
// built-in presets name the scenario that covers each of their tested
// requirements, so a coverage failure says which one to add.
package scenario
