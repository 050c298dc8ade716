package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/jettymethod/jetty/scenario"
)

// Over a URL the session's cookie, fixation, entropy and logout are
// checked; the idle timeout and the lifetime need virtual time, so they are
// proven only with an in-process HandlerFunc target (jetty.Check runs it in
// a synctest bubble: 12 hours pass in milliseconds) and reported not proven
// here.
func ExampleSession() {
	srv := httptest.NewServer(sessApp{}.handler())
	defer srv.Close()
	err := scenario.Session{
		Target: scenario.URL(srv.URL),
		Login: scenario.Request{Method: "POST", Path: "/login",
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body:   []byte("user=alice&password=right")},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
