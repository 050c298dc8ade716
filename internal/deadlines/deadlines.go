// Package deadlines lets this module's own tests shorten the real-time
// deadlines the checks wait out (a request's 10s, a shutdown's drain), so
// that a test of the bounds waits seconds, not tens of seconds. Nothing
// outside the module can reach it; unset, every deadline is as documented.
package deadlines

import (
	"sync/atomic"
	"time"
)

var div atomic.Int64

// Of returns d, divided by the divisor a test set with Divide.
func Of(d time.Duration) time.Duration {
	if n := div.Load(); n > 1 {
		return d / time.Duration(n)
	}
	return d
}

// Divide makes Of divide every deadline by n until restore is called.
func Divide(n int64) (restore func()) {
	old := div.Swap(n)
	return func() { div.Store(old) }
}
