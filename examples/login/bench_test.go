package main

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
)

var productionRE = regexp.MustCompile(`--- PASS: TestLogin/production \(([0-9.]+)s\)`)

// BenchmarkProductionMode is the wall time of TestLogin's production mode:
// the Production SaaS checks on the login service, as go test -v reports
// it (to the hundredth of a second). A benchmark has no *testing.T for
// jetty.Feature, so each run is a subprocess of this test binary;
// production-s/op is the mode's own time, ns/op also counts the process.
func BenchmarkProductionMode(b *testing.B) {
	var total float64
	for b.Loop() {
		out, ok := innertest.Exec(b, "TestLogin/production", "-test.v")
		m := productionRE.FindStringSubmatch(out)
		if !ok || m == nil {
			b.Fatalf("TestLogin/production did not pass:\n%s", out)
		}
		s, _ := strconv.ParseFloat(m[1], 64)
		total += s
	}
	b.ReportMetric(total/float64(b.N), "production-s/op")
}
