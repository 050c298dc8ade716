package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleMetrics() {
	// A hand-instrumented app; prometheus/client_golang's promhttp
	// middleware and handler do the same.
	var (
		mu       sync.Mutex
		requests = map[int]int{} // status code → count
		count    int
		sum      float64
	)
	app := http.NewServeMux()
	app.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") })
	app.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) })
	app.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		fmt.Fprintln(w, "# TYPE http_requests_total counter")
		for code, n := range requests {
			fmt.Fprintf(w, "http_requests_total{code=\"%d\"} %d\n", code, n)
		}
		fmt.Fprintln(w, "# TYPE http_request_duration_seconds summary")
		fmt.Fprintf(w, "http_request_duration_seconds_sum %g\nhttp_request_duration_seconds_count %d\n", sum, count)
	})
	instrumented := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &metricsRec{ResponseWriter: w, code: http.StatusOK}
		app.ServeHTTP(rec, r)
		mu.Lock()
		requests[rec.code]++
		count++
		sum += time.Since(start).Seconds()
		mu.Unlock()
	})

	err := scenario.Metrics{
		Target:  scenario.Handler(instrumented),
		Failing: scenario.Request{Path: "/boom"},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
