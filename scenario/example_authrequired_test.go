package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleAuthRequired() {
	// A tiny notes API: "Bearer <user>:<signature>" tokens, one note of alice's.
	sign := func(user string) string { return user + ":" + strings.Repeat("s", 8) + user }
	app := http.NewServeMux()
	app.HandleFunc("GET /notes/42", func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		user, _, _ := strings.Cut(tok, ":")
		switch {
		case user == "" || tok != sign(user):
			http.Error(w, "sign in", http.StatusUnauthorized)
		case user != "alice":
			http.Error(w, "not yours", http.StatusForbidden)
		default:
			fmt.Fprint(w, "alice's note")
		}
	})

	err := scenario.AuthRequired{
		Target: scenario.Handler(app),
		Routes: []scenario.AuthRoute{{Method: "GET", Path: "/notes/42", Owner: "alice"}},
		Credentials: func(user string) http.Header {
			return http.Header{"Authorization": {"Bearer " + sign(user)}}
		},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
