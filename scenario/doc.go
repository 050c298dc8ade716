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
// Thresholds default to the project's preset (see jetty.S.Param), then to
// the seed's numbers; every field set on the struct wins over both.
//
// # The scenarios
//
// Security: [RateLimit], [SecurityHeaders], [Injection], [AuthRequired],
// [ErrorHandling], [TLS], [SecretsInLogs], [EncryptedAtRest], [Session],
// [CrossSite], [CORS].
// Performance: [Load], and by choice [QueryBudget] and [Caching].
// Monitoring: [AuditLog], [HealthCheck], [Metrics].
// Resilience: [GracefulShutdown], [Overload], [BackupRestore], [Faults].
//
// Each covers the preset requirements its Covers method lists; the
// built-in presets name the scenario that covers each of their tested
// requirements, so a coverage failure says which one to add.
package scenario
