// Package jetty is Jetty for Go: the Jetty Method as a Go testing
// library. This file holds no code; it is the method in one page and a map
// of the module.
//
// # The method
//
// A feature is built in three layers, each verified before the next starts:
//
//   - Speed — does it work? Success paths under ideal conditions.
//   - Stable — does it handle reality? Failure paths, validation, edge
//     cases; nothing corrupts data or crashes.
//   - Production — is it ready for real users? Security hardening,
//     performance under load, monitoring and audit, resilience.
//
// The layers gate each other: stable scenarios run only when every speed
// scenario passes, production only when stable passes.
//
// # Internal and external
//
// An internal project (a tool for the team) finishes at stable mode. An
// external project has real users: production mode is required for every
// feature, and the project's preset — Startup MVP, Production SaaS,
// Enterprise, Regulated, or a custom one — says what production must prove:
// rate limiting, audit logging, load, security headers, injection,
// authorization, error leaks, backups, graceful shutdown. A requirement is
// covered by a passing production scenario, or waived with a written reason.
//
// # RED, then GREEN
//
// Write the scenario first and watch it fail (RED): a ready-made production
// check against a service that lacks the behaviour fails with a message that
// says what is missing and how to fix it. Implement until it passes (GREEN).
// Coverage keeps the loop honest: a preset requirement without a passing
// scenario fails the feature and names the scenario that would cover it.
//
// # Packages
//
//   - [github.com/jettymethod/jetty/jetty] — the DSL: Feature, F, S,
//     Given/When/Then, Outline, tags, gating, coverage, Check, Project.
//   - [github.com/jettymethod/jetty/preset] — production standards as data:
//     the four built-in presets and custom ones.
//   - [github.com/jettymethod/jetty/scenario] — ready-made scenarios: the
//     production checks, each usable alone with jetty.Check.
//   - [github.com/jettymethod/jetty/loadtest] — vegeta behind a small, safe
//     API: targets, plans, budgets, honest reports.
//   - [github.com/jettymethod/jetty/examples/login] — a real login service
//     whose suite walks the three modes under Production SaaS.
package jetty
