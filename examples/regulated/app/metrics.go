package app

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"
)

// metrics counts requests by route and status and sums their latency: the
// RED method (rate, errors, duration), served in the Prometheus text format.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]int64 // {route, code}
	seconds  map[string]float64  // route → total latency
	count    map[string]int64
	shedN    int64
	stmts    func() int64
}

func newMetrics(statements func() int64) *metrics {
	return &metrics{requests: map[[2]string]int64{}, seconds: map[string]float64{}, count: map[string]int64{}, stmts: statements}
}

func (m *metrics) shed() {
	m.mu.Lock()
	m.shedN++
	m.mu.Unlock()
}

func (m *metrics) measure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			route := r.Pattern // set by the mux on the shared request
			if route == "" {
				route = "unmatched"
			}
			code := sw.status
			if code == 0 {
				code = http.StatusOK
			}
			m.mu.Lock()
			m.requests[[2]string{route, fmt.Sprint(code)}]++
			m.seconds[route] += time.Since(start).Seconds()
			m.count[route]++
			m.mu.Unlock()
		}()
		next.ServeHTTP(sw, r)
	})
}

func (m *metrics) serve(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# HELP http_requests_total Requests served, by route and status code.")
	fmt.Fprintln(w, "# TYPE http_requests_total counter")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(w, "http_requests_total{route=%q,code=%q} %d\n", k[0], k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP http_request_duration_seconds Time spent serving requests, by route.")
	fmt.Fprintln(w, "# TYPE http_request_duration_seconds summary")
	routes := make([]string, 0, len(m.count))
	for k := range m.count {
		routes = append(routes, k)
	}
	sort.Strings(routes)
	for _, k := range routes {
		fmt.Fprintf(w, "http_request_duration_seconds_sum{route=%q} %g\n", k, m.seconds[k])
		fmt.Fprintf(w, "http_request_duration_seconds_count{route=%q} %d\n", k, m.count[k])
	}
	fmt.Fprintln(w, "# HELP http_requests_shed_total Requests refused with 503 because the service was full.")
	fmt.Fprintln(w, "# TYPE http_requests_shed_total counter")
	fmt.Fprintf(w, "http_requests_shed_total %d\n", m.shedN)
	fmt.Fprintln(w, "# HELP db_statements_total Statements sent to the database.")
	fmt.Fprintln(w, "# TYPE db_statements_total counter")
	fmt.Fprintf(w, "db_statements_total %d\n", m.stmts())
}
