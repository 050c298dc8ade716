package main

import (
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/innertest"
	"golang.org/x/crypto/bcrypt"
)

var productionRE = regexp.MustCompile(`--- PASS: TestLogin/production \(([0-9.]+)s\)`)

// productionHashes is how many bcrypt operations TestLogin's production
// mode makes the service do, counted once with a counter around the
// service's bcrypt calls: Load's 100 logins, RateLimit's and Session's
// logins, a few more. Injection's hostile emails into /login and its
// passwords into /register for a taken email cost none, since the service
// answers those before bcrypt. Recount it when the production mode changes.
const productionHashes = 163

// hashFloor is the wall time of productionHashes bcrypt comparisons at
// bcrypt.MinCost on every core: the least time the production mode can
// take on this machine, whatever the checks do.
func hashFloor() time.Duration {
	hash, _ := bcrypt.GenerateFromPassword([]byte("calibration"), bcrypt.MinCost)
	n := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	start := time.Now()
	for g := range n {
		wg.Go(func() {
			for i := g; i < productionHashes; i += n {
				_ = bcrypt.CompareHashAndPassword(hash, []byte("not it"))
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkProductionMode is the wall time of TestLogin's production mode:
// the Production SaaS checks on the login service, as go test -v reports
// it (to the hundredth of a second). A benchmark has no *testing.T for
// jetty.Feature, so each run is a subprocess of this test binary;
// production-s/op is the mode's own time, ns/op also counts the process.
// hash-floor-s/op is hashFloor, measured before each run, and x-hash-floor
// the ratio of the two: a figure a slower or busier machine moves less
// than it moves the seconds; bcrypt-ops is productionHashes, the count the
// floor is made of.
func BenchmarkProductionMode(b *testing.B) {
	var total, floor float64
	for b.Loop() {
		floor += hashFloor().Seconds()
		out, ok := innertest.Exec(b, "TestLogin/production", "-test.v")
		m := productionRE.FindStringSubmatch(out)
		if !ok || m == nil {
			b.Fatalf("TestLogin/production did not pass:\n%s", out)
		}
		s, _ := strconv.ParseFloat(m[1], 64)
		total += s
	}
	b.ReportMetric(total/float64(b.N), "production-s/op")
	b.ReportMetric(floor/float64(b.N), "hash-floor-s/op")
	b.ReportMetric(total/floor, "x-hash-floor")
	b.ReportMetric(productionHashes, "bcrypt-ops")
}
