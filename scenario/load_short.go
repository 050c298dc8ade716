package scenario

import (
	"time"
)

// Under go test -short, Load sends a smaller plan, judged by the same
// budget: a fifth of the users of a burst (at least loadShortUsers), or a
// fifth of the Duration of a timed run (at least loadShortTime, and for a
// Rate run long enough for loadShortUsers hits), never more than the full
// plan. A baseline is neither compared nor written by a short run.
const (
	// loadShortUsers is the fewest users, or hits of a Rate run, a -short
	// run keeps: with 20 samples the p95 is still a request of its own.
	loadShortUsers = 20
	// loadShortTime is the shortest Duration a -short timed run keeps.
	loadShortTime = 200 * time.Millisecond
)

// loadShortBurst is how many users of a burst of n a -short run sends.
func loadShortBurst(n int) int { return min(n, max(n/5, loadShortUsers)) }

// loadShortDuration is how long a -short timed run of d sends, at rate
// requests a second (0: users sending back to back).
func loadShortDuration(d time.Duration, rate int) time.Duration {
	floor := loadShortTime
	if rate > 0 {
		floor = max(floor, time.Duration(loadShortUsers)*time.Second/time.Duration(rate))
	}
	return min(d, max(d/5, floor))
}
