//go:build norate

package app

import (
	"net/http"
	"time"
)

// guard is the version of the login limits WITHOUT a rate limit or a
// lockout: built with -tags norate, it is the RED half of the example's
// RED-GREEN demo (see the README). Never ship it.
type guard struct{}

func newGuard(Config) guard { return guard{} }

func (*guard) blocked(string, time.Time) (time.Duration, bool) { return 0, false }
func (*guard) failed(string, time.Time) bool                   { return false }
func (*guard) succeeded(string)                                {}

func (s *Server) limitIP(next http.Handler) http.Handler { return next }
