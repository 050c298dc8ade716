package scenario_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/scenario"
)

const rlBenchRuns = 50

// TestInnerRateLimitLockoutRuns runs RateLimit with a 5-minute lockout on an
// in-process handler rlBenchRuns times, each inside a synctest bubble (the
// full check: the block holds at 4m59s and lifts at 5m01s, on virtual
// time), and prints the wall time per run.
func TestInnerRateLimitLockoutRuns(t *testing.T) {
	t.Parallel()
	innertest.Inner(t)
	x := scenario.RateLimit{Target: rlApp{}.target(), Lockout: 5 * time.Minute}
	start := time.Now()
	for range rlBenchRuns {
		synctest.Test(t, func(t *testing.T) {
			if err := x.Verify(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	}
	fmt.Printf("WALL_PER_RUN=%d\n", time.Since(start).Nanoseconds()/rlBenchRuns)
}

var rlWallRE = regexp.MustCompile(`WALL_PER_RUN=(\d+)`)

// BenchmarkRateLimitLockout measures the wall time of one RateLimit run with
// a 5-minute lockout, verified on virtual time. A benchmark has no
// *testing.T to start a synctest bubble with, so the runs happen in a
// subprocess test of this binary (TestInnerRateLimitLockoutRuns) that times
// them from inside. wall-s/op is the wall time of one whole check; ns/op
// also counts the subprocess.
func BenchmarkRateLimitLockout(b *testing.B) {
	var wall time.Duration
	for b.Loop() {
		out, ok := innertest.Exec(b, "TestInnerRateLimitLockoutRuns")
		m := rlWallRE.FindStringSubmatch(out)
		if !ok || m == nil {
			b.Fatalf("inner run failed:\n%s", out)
		}
		ns, _ := strconv.ParseInt(m[1], 10, 64)
		wall += time.Duration(ns)
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s/op")
}

// BenchmarkRateLimitVerifyRetryAfter is the engine alone, outside a bubble,
// with the lockout's length checked through Retry-After.
func BenchmarkRateLimitVerifyRetryAfter(b *testing.B) {
	x := scenario.RateLimit{Target: rlApp{}.target(), Lockout: 5 * time.Minute, TrustRetryAfter: true}
	for b.Loop() {
		if err := x.Verify(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
