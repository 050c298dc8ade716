package scenario_test

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleInjection() {
	page := template.Must(template.New("").Parse(`<!doctype html><p>Results for {{.}}</p>`))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		if len(q) > 256 || !utf8.ValidString(q) {
			http.Error(w, "bad query", http.StatusBadRequest)
			return
		}
		page.Execute(w, strings.TrimSpace(q)) // html/template escapes it
	})
	err := scenario.Injection{
		Target: scenario.Handler(mux),
		Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q", Path: "/search"}},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
