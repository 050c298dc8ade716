package scenario_test

import (
	"net/http"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"
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
	const heapLimit = 64 << 20
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
	for _, lc := range layerCases {
		if lc.broken {
			continue
		}
		for kind, mk := range bad {
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
				if err == nil {
					t.Errorf("Verify passed a handler that %s", kind)
				}
				if peak > heapLimit {
					t.Errorf("peak heap %d MiB, want at most %d MiB", peak>>20, heapLimit>>20)
				}
				if d := time.Since(start); d > 2*time.Minute {
					t.Errorf("took %v of wall time: a check must stop by itself", d)
				}
				t.Logf("%v", err)
			})
		}
	}
}
