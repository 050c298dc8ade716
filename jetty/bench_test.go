package jetty_test

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
)

const benchScenarios = 10_000

func TestInnerBenchFeature(t *testing.T) {
	innertest.Inner(t)
	start := time.Now()
	jetty.Feature(t, "Bench", func(f *jetty.F) {
		for i := range benchScenarios {
			f.Speed(fmt.Sprintf("scenario %d", i), func(s *jetty.S) {
				s.Given("nothing", func() {})
			})
		}
	})
	fmt.Printf("ELAPSED=%d\n", time.Since(start).Nanoseconds())
}

func TestInnerBenchPlain(t *testing.T) {
	innertest.Inner(t)
	start := time.Now()
	t.Run("Bench", func(t *testing.T) {
		t.Run("speed", func(t *testing.T) {
			for i := range benchScenarios {
				t.Run(fmt.Sprintf("scenario %d", i), func(t *testing.T) { t.Log("Given nothing") })
			}
		})
	})
	fmt.Printf("ELAPSED=%d\n", time.Since(start).Nanoseconds())
}

var elapsedRE = regexp.MustCompile(`ELAPSED=(\d+)`)

func innerElapsed(b *testing.B, name string) time.Duration {
	out, ok := innertest.Exec(b, name)
	m := elapsedRE.FindStringSubmatch(out)
	if !ok || m == nil {
		b.Fatalf("%s failed:\n%s", name, out)
	}
	ns, _ := strconv.ParseInt(m[1], 10, 64)
	return time.Duration(ns)
}

// BenchmarkFeatureOverhead compares a Feature of 10,000 trivial scenarios,
// each with one step, with the same number of plain t.Run subtests that log
// one line. Each side runs in its own subprocess of this test binary, timed
// from inside. Reported: ns per scenario for each, and their ratio.
func BenchmarkFeatureOverhead(b *testing.B) {
	var feature, plain time.Duration
	for b.Loop() {
		feature += innerElapsed(b, "TestInnerBenchFeature")
		plain += innerElapsed(b, "TestInnerBenchPlain")
	}
	n := float64(b.N * benchScenarios)
	b.ReportMetric(float64(feature.Nanoseconds())/n, "feature-ns/scenario")
	b.ReportMetric(float64(plain.Nanoseconds())/n, "trun-ns/scenario")
	b.ReportMetric(float64(feature)/float64(plain), "ratio")
}
