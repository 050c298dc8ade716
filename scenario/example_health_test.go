package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleHealthCheck() {
	var dbUp atomic.Bool // stands in for the application's database
	dbUp.Store(true)

	app := http.NewServeMux()
	app.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"pass"}`) // the process is alive
	})
	app.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !dbUp.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"status":"fail","checks":{"database":"down"}}`)
			return
		}
		fmt.Fprint(w, `{"status":"pass"}`)
	})

	err := scenario.HealthCheck{
		Target: scenario.Handler(app),
		Dependencies: []scenario.Dependency{{
			Name: "database",
			Down: func() { dbUp.Store(false) },
			Up:   func() { dbUp.Store(true) },
		}},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
