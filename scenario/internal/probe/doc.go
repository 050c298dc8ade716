// Package probe holds what the ready-made checks of package scenario share:
// the client that sends a check's requests (to an in-process handler served
// by a real net/http server, or to a loopback URL, never following
// redirects, every request under a deadline and every body under a cap),
// the parsers of the headers several checks read (Retry-After,
// Cache-Control), the detectors of leaked internals, canaries, panic
// capture, bubble detection, and the wording of texts, durations and
// counts in messages.
//
// Everything here takes plain values and returns plain values; parsers are
// fuzzed. It imports the standard library and the module's standard-library-only
// internal/netguard (the loopback guard loadtest shares). Users never see it:
// the packages under scenario/ are its only importers.
package probe
