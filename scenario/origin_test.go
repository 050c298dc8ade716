package scenario_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// zeroChecks is every ready-made check at its zero value.
func zeroChecks() []jetty.Scenario {
	return []jetty.Scenario{scenario.AuditLog{}, scenario.AuthRequired{}, scenario.BackupRestore{}, scenario.CORS{},
		scenario.Caching{}, scenario.CrossSite{}, scenario.EncryptedAtRest{}, scenario.ErrorHandling{}, scenario.Faults{},
		scenario.GracefulShutdown{}, scenario.HealthCheck{}, scenario.Injection{}, scenario.Load{}, scenario.Metrics{},
		scenario.Overload{}, scenario.QueryBudget{}, scenario.RateLimit{}, scenario.Rollback{}, scenario.SecretsInLogs{},
		scenario.SecurityHeaders{}, scenario.Session{}, scenario.TLS{}}
}

func line() string {
	_, file, n, _ := runtime.Caller(1)
	return fmt.Sprintf("%s:%d", file[strings.LastIndexByte(file, '/')+1:], n)
}

// A zero-value check's first problem names the line of the user's
// jetty.Check, not the library's (issue 10 item 7).
func TestZeroValueCheckNamesTheCallersLine(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, c := range zeroChecks() {
		var at string
		res := tbtest.Run(t, "check", func(tb *tbtest.TB) { at = line(); jetty.Check(tb, c) })
		if !res.Failed || len(res.Errors) == 0 {
			t.Errorf("%T{}: passed at its zero value", c)
			continue
		}
		if !strings.Contains(res.Errors[0], ": "+at+": ") {
			t.Errorf("%T{}: the first problem does not name the caller's line %s:\n%s", c, at, res.Errors[0])
		}
	}
}

// The same through a real *testing.T, where the check runs as a subtest on
// its own goroutine, and through f.Include.
func TestZeroValueCheckNamesTheCallersLineInSubtests(t *testing.T) {
	r := innertest.Run(t, "TestInnerZeroValueChecks")
	if r.ExitOK {
		t.Fatalf("zero-value checks passed:\n%s", r.Output)
	}
	for _, want := range []string{"origin_test.go:" + checkLine, "origin_test.go:" + includeLine} {
		if n := strings.Count(r.Output, want+": "); n < len(zeroChecks()) {
			t.Errorf("%d problems name %s, want one per check (%d):\n%s", n, want, len(zeroChecks()), r.Output)
		}
	}
}

// The lines of the calls below.
const checkLine, includeLine = "66", "68"

func TestInnerZeroValueChecks(t *testing.T) {
	innertest.Inner(t)
	t.Chdir(t.TempDir())
	jetty.Check(t, zeroChecks()...)
	jetty.Feature(t, "Zero", func(f *jetty.F) {
		f.Include(zeroChecks()...)
	}, jetty.Internal())
}
