package jetty_test

import (
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
)

const benchScenarios = 10_000

func TestInnerBenchFeature(t *testing.T) {
	innertest.Inner(t)
	m := startMeasure()
	jetty.Feature(t, "Bench", func(f *jetty.F) {
		for i := range benchScenarios {
			f.Speed(fmt.Sprintf("scenario %d", i), func(s *jetty.S) {
				s.Given("nothing", func() {})
			})
		}
	})
	m.print()
}

func TestInnerBenchPlain(t *testing.T) {
	innertest.Inner(t)
	m := startMeasure()
	t.Run("Bench", func(t *testing.T) {
		t.Run("speed", func(t *testing.T) {
			for i := range benchScenarios {
				t.Run(fmt.Sprintf("scenario %d", i), func(t *testing.T) { t.Log("Given nothing") })
			}
		})
	})
	m.print()
}

// measure is what an inner benchmark run reports: its wall time, and the
// allocations and garbage collections it made (which, unlike the time, a
// busy machine does not change).
type measure struct {
	start time.Time
	mem   runtime.MemStats
}

func startMeasure() *measure {
	m := &measure{}
	runtime.ReadMemStats(&m.mem)
	m.start = time.Now()
	return m
}

func (m *measure) print() {
	elapsed := time.Since(m.start)
	var end runtime.MemStats
	runtime.ReadMemStats(&end)
	fmt.Printf("ELAPSED=%d ALLOCS=%d BYTES=%d GCS=%d\n", elapsed.Nanoseconds(),
		end.Mallocs-m.mem.Mallocs, end.TotalAlloc-m.mem.TotalAlloc, end.NumGC-m.mem.NumGC)
}

var measureRE = regexp.MustCompile(`ELAPSED=(\d+) ALLOCS=(\d+) BYTES=(\d+) GCS=(\d+)`)

// innerRun is one inner run's measure: elapsed ns, allocations, bytes
// allocated, garbage collections.
type innerRun struct{ ns, allocs, bytes, gcs float64 }

func (a *innerRun) add(b innerRun) {
	a.ns, a.allocs, a.bytes, a.gcs = a.ns+b.ns, a.allocs+b.allocs, a.bytes+b.bytes, a.gcs+b.gcs
}

func innerMeasure(b *testing.B, name string) innerRun {
	out, ok := innertest.Exec(b, name)
	m := measureRE.FindStringSubmatch(out)
	if !ok || m == nil {
		b.Fatalf("%s failed:\n%s", name, out)
	}
	var v [4]float64
	for i := range v {
		v[i], _ = strconv.ParseFloat(m[i+1], 64)
	}
	return innerRun{v[0], v[1], v[2], v[3]}
}

// BenchmarkFeatureOverhead compares a Feature of 10,000 trivial scenarios,
// each with one step, with the same number of plain t.Run subtests that log
// one line. Each side runs in its own subprocess of this test binary, timed
// from inside. Reported: ns per scenario for each, and their ratio; and,
// as a measure the machine's load does not move, the allocations (count
// and bytes) per scenario of each and the garbage collections per run.
func BenchmarkFeatureOverhead(b *testing.B) {
	var feature, plain innerRun
	for b.Loop() {
		feature.add(innerMeasure(b, "TestInnerBenchFeature"))
		plain.add(innerMeasure(b, "TestInnerBenchPlain"))
	}
	n := float64(b.N * benchScenarios)
	b.ReportMetric(feature.ns/n, "feature-ns/scenario")
	b.ReportMetric(plain.ns/n, "trun-ns/scenario")
	b.ReportMetric(feature.ns/plain.ns, "ratio")
	b.ReportMetric(feature.allocs/n, "feature-allocs/scenario")
	b.ReportMetric(plain.allocs/n, "trun-allocs/scenario")
	b.ReportMetric(feature.bytes/n, "feature-B/scenario")
	b.ReportMetric(plain.bytes/n, "trun-B/scenario")
	b.ReportMetric(feature.gcs/float64(b.N), "feature-gcs/run")
	b.ReportMetric(plain.gcs/float64(b.N), "trun-gcs/run")
}
