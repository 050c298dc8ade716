// Package shortflag reads go test's -short flag where testing.Short could
// panic: outside a test binary, or before go test has parsed its flags (a
// check run from TestMain before m.Run, or from a package's init). Package
// jetty (the summary's "short" field) and package scenario (Load and
// Injection, shortened under -short) read it here, so they always agree.
package shortflag

import (
	"flag"
	"testing"
)

// On reports whether this is a test binary run with -short. It is false
// outside a test binary and before the flags are parsed.
func On() bool {
	return testing.Testing() && flag.Parsed() && flag.Lookup("test.short") != nil && testing.Short()
}
