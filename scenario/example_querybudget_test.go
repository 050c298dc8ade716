package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleQueryBudget() {
	// A stand-in for the application's database: queries counts every query,
	// as a wrapped database/sql driver or a query hook would.
	var (
		queries atomic.Int64
		mu      sync.Mutex
		posts   = []string{"hello by ann", "again by bob"}
	)
	// listPosts is one query: SELECT p.title, a.name FROM posts p JOIN authors a …
	listPosts := func() []string {
		queries.Add(1)
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), posts...)
	}

	app := http.NewServeMux()
	app.HandleFunc("GET /posts", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, strings.Join(listPosts(), "\n"))
	})

	err := scenario.QueryBudget{
		Target:  scenario.Handler(app),
		Request: scenario.Request{Path: "/posts"},
		Queries: queries.Load,
		Max:     2,
		Grow: func(context.Context) error { // ten more posts by ten new authors
			mu.Lock()
			defer mu.Unlock()
			for i := range 10 {
				posts = append(posts, fmt.Sprintf("post %d by author %d", i, i))
			}
			return nil
		},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
