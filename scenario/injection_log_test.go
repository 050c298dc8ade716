package scenario_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// The count of payloads sent into an input named like a secret is not a
// secret: the log says "186 payloads into POST /login json password", not
// "POST /login json password: [REDACTED] payloads" (seen in examples/login).
func TestInjectionLogsTheCountIntoASecretNamedInput(t *testing.T) {
	t.Parallel()
	in := scenario.Input{In: scenario.InJSON, Name: "password", Path: "/login", Template: `{"email": "x@example.com", "password": "y"}`}
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, scenario.Injection{Target: scenario.Handler(safeApp(t)), Inputs: []scenario.Input{in}})
	})
	out := res.Output()
	if want := fmt.Sprintf("%d payloads into POST /login json password", len(scenario.Payloads())); !strings.Contains(out, want) {
		t.Errorf("the log lacks %q:\n%s", want, out)
	}
	if strings.Contains(out, "[REDACTED] payloads") {
		t.Errorf("the count of payloads was masked as a secret:\n%s", out)
	}
}
