// Package peers holds the same feature of N one-step scenarios written four
// ways — plain t.Run, Jetty, ginkgo v2 and godog — one test package each, and
// measure, which builds the four test binaries and prints each one's wall
// time and peak memory and its ratio to plain t.Run.
//
// It is a module of its own, so ginkgo and godog never become dependencies
// of Jetty; its go.mod points github.com/jettymethod/jetty at this checkout.
// Run it through scripts/bench/bench, or alone:
//
//	cd scripts/bench/peers && go run ./measure -n 10000,100000
package peers

import (
	"os"
	"strconv"
)

// Scenarios is the number of scenarios each peer declares: $PEERS_N, or
// 10,000.
func Scenarios() int {
	if n, err := strconv.Atoi(os.Getenv("PEERS_N")); err == nil && n > 0 {
		return n
	}
	return 10_000
}
