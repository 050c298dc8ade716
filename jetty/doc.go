// Package jetty is the Jetty Method as a testing DSL that runs under plain
// go test.
//
// A feature is declared once, in three modes, inside an ordinary test:
//
//	func TestLogin(t *testing.T) {
//		jetty.Feature(t, "Login", func(f *jetty.F) {
//			f.Speed("signs in with a valid password", func(s *jetty.S) {
//				s.Given("a registered user", func() { … })
//				s.When("they sign in", func() { … })
//				s.Then("they see their dashboard", func() { require.Equal(s, 200, code) })
//			})
//			f.Stable("rejects a wrong password", func(s *jetty.S) { … })
//			f.Include(scenario.RateLimit{Target: scenario.HandlerFunc(newApp)})
//		}, jetty.External(preset.ProductionSaaS), jetty.Traits(preset.Login))
//	}
//
// # Running
//
// Scenarios run as subtests named Feature/mode/scenario (the feature level is
// folded into the test when the test is named after the feature, as above:
// TestLogin/stable/rejects_a_wrong_password), so -run, -v, -json, -count,
// -shuffle, -failfast, gotestsum and IDEs work unchanged. Steps are not
// subtests: each is logged as it starts ("Given a registered user") and a
// failure inside it names the feature, mode, scenario and step:
//
//	[jetty] Login › stable › rejects a wrong password: Then I see an error: status = 200, want 401
//
// *S implements testing.TB, so testify's assert and require, go-cmp and
// your own helpers take it. Fatal and FailNow stop the scenario, not the
// feature; a panic fails its scenario with the stack and nothing else.
//
// # Gating
//
// Stable scenarios run only when every speed scenario passed; production
// scenarios only when every stable one passed. A gated scenario is skipped
// with the reason ("speed mode is red: 2 of 5 scenarios failed: …").
//
// # Flags
//
//	-jetty.nogate      JETTY_NOGATE=1      run every mode even when the one below is red
//	-jetty.mode=MODE   JETTY_MODE=MODE     run modes up to MODE (speed, stable, production)
//	-jetty.tags=EXPR   JETTY_TAGS=EXPR     run scenarios whose tags match, e.g. 'smoke && !slow'
//
// Each flag has the environment form beside it, read when the flag is not
// given (the flag wins). Use the environment form with go test ./... in a
// module where some packages do not import jetty: go test rejects a flag
// those packages do not define. The jetty command passes flags that way.
//
// Tags are added with Decl.Tag (f.Speed(…).Tag("smoke")) or Tagged; see
// MatchTags for the expression syntax.
//
// # Profile, presets and coverage
//
// A project is internal (the default: its finish line is stable mode) or
// external (it has real users: production mode is required of every feature,
// and the project's preset says what production must prove). The profile is
// read from ProfileFile at the module root and can be overridden per feature
// with Internal or External. Traits declares what a feature has (a login,
// personal data, …); the preset's requirements that apply to those traits
// must each be covered by a passing production scenario — a ready-made one
// from package scenario, which declares what it covers, or your own
// f.Production(name, body, ids...) — or waived with f.Waive(id, reason). An
// uncovered requirement fails the feature with its ID, title and the
// ready-made scenario that would cover it. Requirements no test can prove are
// attested in the profile file and verified once per module by Project.
//
// # Everywhere they're needed
//
// A requirement's scope (preset.Scope) says who proves it. Feature-scoped
// ones are asked of each feature they apply to; app-scoped ones (headers,
// errors, health, metrics, shutdown, TLS, overload, backups, …) are proven
// once per module by App, and a feature whose module has no App fails
// saying what to include there. The jetty command judges the module: an
// app-wide requirement a feature left to App ("app_pending") that no test
// of the run proved fails the run.
//
// Routes is the application's route inventory, from Mux (a ServeMux that
// remembers its patterns), WalkRoutes (a router's own walk function, such
// as chi.Walk), ParseRoutes, or scenario.OpenAPIRoutes. The checks that
// take it probe every route not declared public (scenario.AuthRequired)
// and every parameter the routes name (scenario.Injection); the Inventory
// option fails the feature for each route no check touched (S.Touched).
//
// The profile file tunes its preset for the module (parameters,
// requirements left out, module-wide waivers); Main makes a team's own
// Go-defined preset the default of a package's features. F.Setup holds work
// only one mode needs, run only when that mode runs.
//
// # Summary
//
// Each feature ends with one machine-readable Summary, emitted as the test
// attribute "jetty.summary" (an "attr" event in go test -json) and logged
// for people. See Summary for the format and ParseSummary to read it.
//
// # Outside a feature
//
// Check runs scenarios in any existing test, with no gating and no coverage:
// jetty.Check(t, scenario.SecurityHeaders{Target: scenario.Handler(h)}).
//
// # Secrets
//
// Nothing jetty prints shows a secret: failures, logs, skip reasons, panics
// and their values, S.Output and S.Attr, misuse and declaration errors, and
// the summary (its feature, test, blocked and waiver fields) pass through
// the module's one redaction, which masks values of fields named like a
// password, token, API key, session or cookie (in JSON, forms, queries, SQL,
// Go's %+v, headers), card numbers (Luhn-checked), JWTs, well-known key
// prefixes and bearer/basic credentials, and leaves look-alikes such as
// passed=3, tokens_used or "a basic auth form" alone.
//
// # Concurrency
//
// Feature, App, Check and Project are safe to call from parallel tests;
// the package keeps no state but its flags and the defaults Main sets once
// before any test runs. An F is used only inside the body
// passed to Feature; an S only on its scenario's goroutine (Log and Error
// are safe from others while it runs, as on a *testing.T). The Parallel
// option runs a mode's scenarios in parallel with each other. FailNow,
// Fatal and Skip called on an S from another goroutine are reported as
// misuse and stop the scenario when its running step returns.
package jetty
