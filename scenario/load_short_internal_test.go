package scenario

import (
	"testing"
	"time"
)

func TestLoadShortPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, want int }{{100, 20}, {1000, 200}, {30, 20}, {10, 10}, {1, 1}} {
		if got := loadShortBurst(tc.n); got != tc.want {
			t.Errorf("loadShortBurst(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
	const s, ms = 1e9, 1e6
	for _, tc := range []struct {
		d    float64
		rate int
		want float64
	}{
		{1 * s, 100, 200 * ms}, // the default Duration: 20 hits
		{1 * s, 10, 1 * s},     // 20 hits need 2s: the whole plan
		{30 * s, 50, 6 * s},    // a fifth
		{100 * ms, 1000, 100 * ms},
		{1 * s, 0, 200 * ms},
		{10 * s, 0, 2 * s},
	} {
		if got := loadShortDuration(durationOf(tc.d), tc.rate); got != durationOf(tc.want) {
			t.Errorf("loadShortDuration(%v, %d) = %v, want %v", durationOf(tc.d), tc.rate, got, durationOf(tc.want))
		}
	}
}

func durationOf(ns float64) time.Duration { return time.Duration(ns) }
