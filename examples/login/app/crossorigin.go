//go:build !nocsrf

package app

import "net/http"

// crossOrigin refuses state-changing requests that other sites make a
// signed-in user's browser send (OWASP ASVS 5.0 V3.5), with Go's own
// http.CrossOriginProtection. Build with -tags nocsrf for the version
// without it (crossorigin_nocsrf.go), the RED half of a second RED-GREEN
// demo.
func crossOrigin(h http.Handler) http.Handler {
	return http.NewCrossOriginProtection().Handler(h)
}
