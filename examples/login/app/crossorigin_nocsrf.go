//go:build nocsrf

package app

import "net/http"

// crossOrigin is the version WITHOUT cross-site request protection: built
// with -tags nocsrf, a form on any other site can post a signed-in user's
// notes. It is the RED half of a RED-GREEN demo (red_crosssite_test.go).
// Never ship it.
func crossOrigin(h http.Handler) http.Handler { return h }
