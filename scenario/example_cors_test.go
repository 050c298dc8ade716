package scenario_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jettymethod/jetty/scenario"
)

// An API that trusts one origin by exact match passes; the look-alikes a
// prefix or suffix match would accept are tried too.
func ExampleCORS() {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if r.Header.Get("Origin") == "https://app.example" {
			w.Header().Set("Access-Control-Allow-Origin", "https://app.example")
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		fmt.Fprint(w, `{"orders":[]}`)
	})
	err := scenario.CORS{Target: scenario.Handler(api), Allowed: []string{"https://app.example"}}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
