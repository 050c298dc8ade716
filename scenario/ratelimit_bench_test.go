package scenario_test

import (
	"context"
	"testing"
	"time"

	"github.com/jettymethod/jetty/scenario"
)

// BenchmarkRateLimitLockout runs RateLimit with a 5-minute lockout against
// an in-process handler. testing/synctest needs a *testing.T, which a
// benchmark has not, so the lockout is checked through Retry-After
// (TrustRetryAfter); TestRateLimitVirtualTimeIsFast covers the bubble.
func BenchmarkRateLimitLockout(b *testing.B) {
	x := scenario.RateLimit{Target: rlApp{}.target(), Lockout: 5 * time.Minute, TrustRetryAfter: true}
	var wall time.Duration
	runs := 0
	for b.Loop() {
		start := time.Now()
		if err := x.Verify(context.Background()); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		runs++
	}
	b.ReportMetric(wall.Seconds()/float64(runs), "wall-s/op")
}
