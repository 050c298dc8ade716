package scenario_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jettymethod/jetty/scenario"
)

// recoverer answers a generic 500 with a request ID and reports the panic.
func recoverer(next http.Handler, report func(any)) http.Handler {
	n := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		id := fmt.Sprintf("req-%04d", n)
		w.Header().Set("X-Request-Id", id)
		defer func() {
			if p := recover(); p != nil {
				report(p)
				http.Error(w, "Something went wrong. Quote "+id+" to support.", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func ExampleErrorHandling() {
	newApp := func(report func(any)) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
		mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("the database is gone") })
		return recoverer(mux, report)
	}

	tracker := scenario.NewTracker()
	err := scenario.ErrorHandling{
		Target:   scenario.HandlerFunc(func() http.Handler { return newApp(tracker.Capture) }),
		Triggers: []scenario.ErrorTrigger{{Path: "/boom"}},
		Tracker:  tracker,
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	fmt.Println("reported:", tracker.Captured())
	// Output:
	// problems: <nil>
	// reported: [the database is gone]
}
