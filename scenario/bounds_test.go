package scenario_test

import (
	"net/http"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jettymethod/jetty/internal/deadlines"
)

// heapPeak samples the heap while fn runs and returns the highest
// in-use heap above where it started.
func heapPeak(fn func()) uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > base {
				peak = max(peak, ms.HeapInuse-base)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak
}

// TestEveryCheckIsBounded: against a handler that never answers and one
// whose body never ends, every check stops by itself with a problem,
// within its request deadlines (virtual time here) and without holding
// more than a few bodies' worth of memory.
func TestEveryCheckIsBounded(t *testing.T) {
	// A few bodies' worth per check, with the race detector's overhead and the
	// checks on real sockets measured side by side (unbounded, the issue saw
	// 1.26 GB for one 256 MiB body and 14 GB for an endless one).
	const heapLimit = 256 << 20
	bad := map[string]func(release <-chan struct{}) http.Handler{
		"never answers": func(release <-chan struct{}) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })
		},
		"endless body": func(release <-chan struct{}) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				chunk := make([]byte, 64<<10)
				for {
					if _, err := w.Write(chunk); err != nil {
						return
					}
					select {
					case <-release:
						return
					default:
					}
				}
			})
		},
	}
	type socketRun struct {
		name string
		kind string
		err  error
		took time.Duration
	}
	// Checks on real sockets are bounded by their request deadlines, waited
	// out in real time: they all run at once, alongside the in-process
	// cases (t.Parallel would run only GOMAXPROCS of them at a time, and the
	// test would take the sum of their deadlines).
	var (
		sockets    []*socketRun
		socketWait sync.WaitGroup
		socketPeak uint64
		releases   []chan struct{}
	)
	// Their deadlines divided by 10 (a request's 10s is 1s): what is proven
	// is that they stop by themselves at their deadlines, whatever those are.
	defer deadlines.Divide(10)()
	if !testing.Short() {
		var checks []checker
		for _, lc := range layerCases {
			if lc.broken || !lc.sockets {
				continue
			}
			for kind, mk := range bad {
				release := make(chan struct{})
				releases = append(releases, release)
				checks = append(checks, lc.make(t, func(http.Handler) http.Handler { return mk(release) }))
				sockets = append(sockets, &socketRun{name: lc.name, kind: kind})
			}
		}
		socketWait.Go(func() {
			socketPeak = heapPeak(func() {
				var wg sync.WaitGroup
				for i, c := range checks {
					wg.Go(func() {
						start := time.Now()
						sockets[i].err = c.Verify(t.Context())
						sockets[i].took = time.Since(start)
						close(releases[i])
					})
				}
				wg.Wait()
			})
		})
	}
	for _, lc := range layerCases {
		if lc.broken {
			continue
		}
		for kind, mk := range bad {
			if lc.sockets {
				continue
			}
			t.Run(lc.name+"/"+kind, func(t *testing.T) {
				var err error
				start := time.Now()
				peak := heapPeak(func() {
					synctest.Test(t, func(t *testing.T) {
						release := make(chan struct{})
						c := lc.make(t, func(http.Handler) http.Handler { return mk(release) })
						err = c.Verify(t.Context())
						close(release)
					})
				})
				judgeBounded(t, kind, err, peak, heapLimit, time.Since(start))
			})
		}
	}
	socketWait.Wait()
	if testing.Short() {
		t.Log("-short: the checks on real sockets were not run (their bound is their request deadlines, waited out in real time); run without -short")
	}
	for _, r := range sockets {
		t.Run(r.name+"/"+r.kind, func(t *testing.T) {
			// The peak of all of them at once: each one's is no higher.
			judgeBounded(t, r.kind, r.err, socketPeak, heapLimit, r.took)
		})
	}
}

// judgeBounded fails t unless a check stopped by itself: a handler that
// never answers must fail every check; an endless body must only be
// bounded (Load, like a load generator, counts a response whose body it
// stopped reading at the cap).
func judgeBounded(t *testing.T, kind string, err error, peak, heapLimit uint64, took time.Duration) {
	t.Helper()
	if err == nil && kind == "never answers" {
		t.Errorf("Verify passed a handler that %s", kind)
	}
	if peak > heapLimit {
		t.Errorf("peak heap %d MiB, want at most %d MiB", peak>>20, heapLimit>>20)
	}
	if took > 2*time.Minute {
		t.Errorf("took %v of wall time: a check must stop by itself", took)
	}
	t.Logf("%v", err)
}
