package scenario_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleLoad() {
	// A login that answers at once.
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"token":"…"}`)
	})

	// The seed's defaults: 100 users log in simultaneously (POST /login, a
	// distinct user each), all complete within 2s, none fails.
	err := scenario.Load{Target: scenario.Handler(login)}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}

// A Baseline keeps the first run's report in testdata/ and compares every
// later run with it: a p99 50% above the baseline's, or a throughput half
// of it, fails naming the figure. JETTY_UPDATE_BASELINE=1 rewrites it.
func ExampleLoad_baseline() {
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"token":"…"}`)
	})
	err := scenario.Load{
		Target:    scenario.Handler(login),
		Baseline:  "login-load.json", // testdata/login-load.json: commit it
		Tolerance: 0.5,               // the default
	}.Verify(context.Background())
	fmt.Println("problems:", err)
}
