// Package hardening holds no code: its tests drive the module's public API
// with bad input — a table of misuses, each of which must fail with a
// message that names the line and says how to fix it, and none of which may
// panic out of the library — and push secret canaries through every output
// path.
package hardening
