package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleCaching() {
	built := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	app := http.NewServeMux()
	app.HandleFunc("GET /static/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("ETag", `"v1"`)
		// ServeContent answers If-None-Match and If-Modified-Since with 304.
		http.ServeContent(w, r, "app.js", built, strings.NewReader("console.log('hi')"))
	})
	app.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store") // personalised: never cached
		fmt.Fprint(w, `{"email":"ann@example.com"}`)
	})

	err := scenario.Caching{
		Target:  scenario.Handler(app),
		Public:  []scenario.Request{{Path: "/static/app.js"}},
		Private: []scenario.Request{{Path: "/account", Header: http.Header{"Cookie": {"session=abc123"}}}},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
