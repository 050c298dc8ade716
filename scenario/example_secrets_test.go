package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleSecretsInLogs() {
	// The application's logger writes to a recorder the scenario reads.
	rec := scenario.NewLogRecorder()
	log := slog.New(rec)

	app := http.NewServeMux()
	app.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&in)
		// The user and the outcome; never the password.
		log.Info("login", "user", in.Email, "outcome", "failure")
		http.Error(w, "wrong email or password", http.StatusUnauthorized)
	})
	app.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// Method and path; never the headers or the body.
		log.Info("request", "method", r.Method, "path", r.URL.Path)
	})

	err := scenario.SecretsInLogs{
		Target: scenario.Handler(app),
		Source: rec,
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
