package scenario

import "github.com/jettymethod/jetty/internal/shortflag"

// shortMode says whether a check runs shortened, as under go test -short:
// the checks that take seconds at full size (Load, Injection) run a
// smaller plan then, and say so. The zero value asks the test binary's
// -short flag; the library's own tests set the others to force one way.
type shortMode int8

const (
	shortAsk shortMode = iota // go test -short decides (the default)
	shortOn                   // shortened, whatever the flag
	shortOff                  // the full run, whatever the flag
)

// on reports whether the run is shortened. Outside a test binary, or
// before go test has parsed its flags (a check run from TestMain before
// m.Run), it is not: testing.Short would panic there.
func (m shortMode) on() bool {
	switch m {
	case shortOn:
		return true
	case shortOff:
		return false
	}
	return shortflag.On()
}
