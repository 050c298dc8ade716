package jetty

import "flag"

// The test flags jetty registers. They are the package's only package-level
// state, and they are read, never written, by the library.
var (
	flagTags   = flag.String("jetty.tags", "", "run only scenarios whose tags match this `expression`, e.g. 'smoke && !slow'")
	flagNoGate = flag.Bool("jetty.nogate", false, "run every mode even when the one below it is red")
	flagMode   = flag.String("jetty.mode", "", "run modes up to this `mode` (speed, stable or production); default all")
)

// settings are the flag values one Feature or Check reads once at its start.
type settings struct {
	tags   string
	noGate bool
	mode   string
}

func readFlags() settings {
	return settings{tags: *flagTags, noGate: *flagNoGate, mode: *flagMode}
}
