package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleFaults() {
	var down atomic.Bool // stands in for the application's payment provider
	pay := func(ctx context.Context) error {
		if down.Load() {
			return errors.New("dial tcp 10.0.0.5:443: connect: connection refused")
		}
		return nil
	}

	app := http.NewServeMux()
	app.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 500*time.Millisecond)
		defer cancel()
		if err := pay(ctx); err != nil {
			// Log err server side; answer a generic, retryable status.
			w.Header().Set("Retry-After", "5")
			http.Error(w, "payments are temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"status":"paid"}`)
	})

	err := scenario.Faults{
		Target: scenario.Handler(app),
		Dependencies: []scenario.Dependency{{
			Name: "payments",
			Down: func() { down.Store(true) },
			Up:   func() { down.Store(false) },
		}},
		Requests: []scenario.Request{{Method: http.MethodPost, Path: "/checkout", Body: []byte(`{"cart":"c-1"}`)}},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
