package scenario

import (
	"fmt"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Dependency is something the application needs to serve, such as its
// database, with functions that take it down and bring it back. HealthCheck
// uses it to see readiness follow the dependency; Faults to see requests
// degrade gracefully while it is down and recover when it is up.
type Dependency struct {
	// Name names it in reports, e.g. "database". Default "dependency #i".
	Name string
	// Down makes the dependency unavailable to the application: close its
	// connection pool, stop a fake, or make a fake upstream fail or hang
	// (Faults). Required.
	Down func()
	// Up makes it available again. Required; it is called even when a check
	// while it is down fails.
	Up func()
}

// depName names the i-th dependency (from 0) in reports.
func depName(d Dependency, i int) string {
	if d.Name != "" {
		return d.Name
	}
	return fmt.Sprintf("dependency #%d", i+1)
}

// callDep calls a dependency's Down or Up, reporting a panic; it reports
// whether fn returned.
func callDep(r reporter, what string, fn func()) bool {
	if p := probe.Call(fn); p != nil {
		r.errorf("%s panicked: %v", what, p)
		return false
	}
	return true
}
