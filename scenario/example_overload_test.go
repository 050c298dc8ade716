package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleOverload() {
	const limit, users = 40, 200
	slots := make(chan struct{}, limit) // at most 40 searches at once
	var shed atomic.Int64
	// In the test, admitted searches last until the rest of the burst was
	// shed: a slow dependency, made exact.
	busy := make(chan struct{})

	app := http.NewServeMux()
	app.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}: // try to acquire, never wait
			defer func() { <-slots }()
			select {
			case <-busy:
			case <-r.Context().Done():
			}
			fmt.Fprint(w, `{"results":[]}`)
		default: // full: refuse at once, and say when to come back
			w.Header().Set("Retry-After", "1")
			http.Error(w, "overloaded, retry later", http.StatusServiceUnavailable)
			if shed.Add(1) == users-limit {
				close(busy)
			}
		}
	})

	err := scenario.Overload{
		Target:  scenario.Handler(app),
		Request: scenario.Request{Path: "/search?q=shoes"},
		Users:   users,
		// Sheds answer at once; the budget (default 1s) is set wide here
		// because a quarter of it is how late a shared, busy machine may
		// start the 200 users and still call them a burst.
		MaxLatency: 4 * time.Second,
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	fmt.Println("shed:", shed.Load())
	// Output:
	// problems: <nil>
	// shed: 160
}
