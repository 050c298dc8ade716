package scenario_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/jettymethod/jetty/scenario"
)

// injBenchApp is a cheap, safe JSON service: it reads at most 1 MiB of body,
// decodes it, and answers 400 or 201 with the input escaped by
// encoding/json; a path input is looked up and answers 404. What
// BenchmarkInjection measures is then Injection's own cost per payload
// (building each request, the in-process HTTP exchange, judging the answer),
// not an application's.
func injBenchApp() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		var v struct{ Body string }
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil || len(v.Body) > 1000 {
			http.Error(w, "bad note", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]string{"body": v.Body})
	})
	mux.HandleFunc("GET /notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "1" {
			http.Error(w, "no such note", http.StatusNotFound)
			return
		}
		w.Write([]byte(`{"id":1}`))
	})
	return mux
}

// BenchmarkInjection is one Injection run, the whole corpus into a JSON
// field and a path segment of injBenchApp, in process. payload-µs is the
// wall time per payload sent; B/op and allocs/op are the run's.
func BenchmarkInjection(b *testing.B) {
	x := scenario.Injection{
		Target: scenario.Handler(injBenchApp()),
		Inputs: []scenario.Input{
			{In: scenario.InJSON, Name: "body", Path: "/notes", Template: `{"body": "x"}`},
			{In: scenario.InPath, Name: "id", Path: "/notes/{id}", Value: "1"},
		},
	}
	sent := 2 * len(scenario.Payloads())
	b.ReportAllocs()
	for b.Loop() {
		if err := x.Verify(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*sent), "payload-µs")
}
