package scenario_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jettymethod/jetty/scenario"
)

// Go's http.CrossOriginProtection (Go 1.25+) refuses state-changing
// requests from other sites; CrossSite proves it is in place.
func ExampleCrossSite() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	app := http.NewCrossOriginProtection().Handler(mux)

	err := scenario.CrossSite{
		Target:   scenario.Handler(app),
		Requests: []scenario.Request{{Method: "POST", Path: "/notes", Body: []byte("text=hi")}},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
