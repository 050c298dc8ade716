package jetty

import (
	"flag"
	"fmt"
	"os"
	"strconv"
)

// The test flags jetty registers. They are the package's only package-level
// state, and they are read, never written, by the library.
//
// Each flag has an environment form, read when the flag is not given, so
// that go test ./... works in a module where some packages do not import
// jetty (go test rejects an unknown -jetty.* flag in those):
//
//	-jetty.tags=EXPR    JETTY_TAGS=EXPR     run only scenarios whose tags match EXPR
//	-jetty.nogate       JETTY_NOGATE=1      run every mode even when the one below is red
//	-jetty.mode=MODE    JETTY_MODE=MODE     run modes up to MODE (speed, stable or production)
//
// A flag given on the command line wins over its environment variable.
var (
	flagTags   = flag.String("jetty.tags", "", "run only scenarios whose tags match this `expression`, e.g. 'smoke && !slow' (env JETTY_TAGS)")
	flagNoGate = flag.Bool("jetty.nogate", false, "run every mode even when the one below it is red (env JETTY_NOGATE=1)")
	flagMode   = flag.String("jetty.mode", "", "run modes up to this `mode` (speed, stable or production); default all (env JETTY_MODE)")
)

// Flag is one of the -jetty.* test flags with its environment form.
type Flag struct {
	Name string // "jetty.tags", as given after the dash
	Env  string // "JETTY_TAGS"
	Bool bool   // true for a flag that takes no value
}

// Flags returns the -jetty.* test flags and their environment forms, in a
// fixed order. The jetty command uses it to pass flags to packages through
// the environment.
func Flags() []Flag {
	return []Flag{
		{Name: "jetty.tags", Env: "JETTY_TAGS"},
		{Name: "jetty.nogate", Env: "JETTY_NOGATE", Bool: true},
		{Name: "jetty.mode", Env: "JETTY_MODE"},
	}
}

// settings are the flag values one Feature or Check reads once at its start.
type settings struct {
	tags   string
	noGate bool
	mode   string
	// source names where each value came from ("-jetty.mode" or
	// "JETTY_MODE"), for error messages.
	tagsFrom, modeFrom string
	problems           []string
}

func readFlags() settings {
	set := map[string]bool{}
	if flag.Parsed() {
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	}
	return resolveFlags(set, os.LookupEnv, *flagTags, *flagNoGate, *flagMode)
}

// resolveFlags applies the environment to the flags not given on the
// command line (set lists those given).
func resolveFlags(set map[string]bool, env func(string) (string, bool), tags string, noGate bool, mode string) settings {
	s := settings{tags: tags, noGate: noGate, mode: mode, tagsFrom: "-jetty.tags", modeFrom: "-jetty.mode"}
	if v, ok := env("JETTY_TAGS"); ok && !set["jetty.tags"] {
		s.tags, s.tagsFrom = v, "JETTY_TAGS"
	}
	if v, ok := env("JETTY_MODE"); ok && !set["jetty.mode"] {
		s.mode, s.modeFrom = v, "JETTY_MODE"
	}
	if v, ok := env("JETTY_NOGATE"); ok && !set["jetty.nogate"] && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.problems = append(s.problems, fmt.Sprintf("JETTY_NOGATE=%q: want 1, true, 0 or false", v))
		}
		s.noGate = b
	}
	return s
}
