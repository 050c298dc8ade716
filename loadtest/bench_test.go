package loadtest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jettymethod/jetty/loadtest"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Benchmarks run only with -bench; each op is a 1-second run (or a
// 1,000,000-hit run), so run them with the default -benchtime:
//
//	go test -bench . -run '^$' ./loadtest/

const benchRun = time.Second

// rawVegeta attacks at vegeta's unlimited rate with at most 64 workers for d
// and returns the hits per second it measured.
func rawVegeta(b *testing.B, tr vegeta.Targeter, d time.Duration, opts ...func(*vegeta.Attacker)) float64 {
	b.Helper()
	atk := vegeta.NewAttacker(append([]func(*vegeta.Attacker){vegeta.MaxWorkers(64)}, opts...)...)
	var m vegeta.Metrics
	for res := range atk.Attack(tr, vegeta.Rate{Freq: 0}, d, "raw") {
		m.Add(res)
	}
	m.Close()
	if m.Success < 1 {
		b.Fatalf("raw vegeta: success %v, errors %v", m.Success, m.Errors)
	}
	return float64(m.Requests) / (m.Duration + m.Wait).Seconds()
}

// maxRate runs loadtest with 64 users back to back for d: the same closed
// loop as vegeta's unlimited rate capped at 64 workers.
func maxRate(b *testing.B, tgt loadtest.Target, d time.Duration) float64 {
	b.Helper()
	rep, err := loadtest.Run(context.Background(), tgt, loadtest.Users(64), loadtest.Duration(d), loadtest.MaxHits(100_000_000))
	if err != nil {
		b.Fatal(err)
	}
	if rep.Success < 1 {
		b.Fatalf("loadtest: %s", rep)
	}
	return float64(rep.Requests) / (rep.Duration + rep.Wait).Seconds()
}

func compare(b *testing.B, ours, raw func() float64) {
	if testing.Short() {
		b.Skip("load benchmark skipped under -short")
	}
	var sumOurs, sumRaw float64
	for i := 0; i < b.N; i++ {
		sumRaw += raw()
		sumOurs += ours()
	}
	n := float64(b.N)
	b.ReportMetric(sumOurs/n, "loadtest-req/s")
	b.ReportMetric(sumRaw/n, "vegeta-req/s")
	b.ReportMetric(sumOurs/sumRaw, "ratio")
}

func BenchmarkURLMaxRate(b *testing.B) {
	srv := httptest.NewServer(okHandler())
	defer srv.Close()
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: srv.URL + "/"})
	compare(b,
		func() float64 { return maxRate(b, loadtest.URL(srv.URL), benchRun) },
		func() float64 { return rawVegeta(b, tr, benchRun) })
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func BenchmarkHandlerMaxRate(b *testing.B) {
	h := okHandler()
	client := &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Result(), nil
	})}
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: "http://handler/"})
	compare(b,
		func() float64 { return maxRate(b, loadtest.Handler(h), benchRun) },
		func() float64 { return rawVegeta(b, tr, benchRun, vegeta.Client(client)) })
}

func BenchmarkConstantRateAccuracy(b *testing.B) {
	if testing.Short() {
		b.Skip("load benchmark skipped under -short")
	}
	var sent, planned uint64
	var lag time.Duration
	for i := 0; i < b.N; i++ {
		rep, err := loadtest.Run(context.Background(), loadtest.Handler(okHandler()), loadtest.Rate(2000, time.Second), loadtest.Duration(benchRun))
		if err != nil {
			b.Fatal(err)
		}
		sent += rep.Requests
		planned += rep.Planned
		lag = max(lag, rep.Lag.P99)
	}
	b.ReportMetric(float64(sent)/float64(planned), "achieved/requested")
	b.ReportMetric(float64(lag)/1e6, "lag-p99-ms")
}

func BenchmarkMillionHits(b *testing.B) {
	if testing.Short() {
		b.Skip("load benchmark skipped under -short")
	}
	const hits = 1_000_000
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var (
			peak atomic.Uint64
			stop = make(chan struct{})
			wg   sync.WaitGroup
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					runtime.ReadMemStats(&m)
					if m.HeapAlloc > peak.Load() {
						peak.Store(m.HeapAlloc)
					}
				}
			}
		}()
		start := time.Now()
		rep, err := loadtest.Run(context.Background(), loadtest.Handler(okHandler()),
			loadtest.Users(64), loadtest.Duration(time.Minute), loadtest.MaxHits(hits), loadtest.MaxTime(2*time.Minute))
		elapsed := time.Since(start)
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Requests != hits {
			b.Fatalf("requests = %d, want %d", rep.Requests, hits)
		}
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(hits)/elapsed.Seconds(), "hits/s")
		if peak.Load() > 100<<20 {
			b.Errorf("peak heap %d MB, want under 100 MB", peak.Load()>>20)
		}
	}
}
