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
