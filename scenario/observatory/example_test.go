package observatory_test

import (
	"fmt"
	"net/http"

	"github.com/jettymethod/jetty/scenario/observatory"
)

func ExampleGrade() {
	h := http.Header{}
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Server", "nginx/1.25.3")
	rep := observatory.Grade(h)
	fmt.Printf("grade %s (%d/100)\n", rep.Grade, rep.Score)
	for _, f := range rep.Failures() {
		fmt.Println(f)
	}
	// Output:
	// grade B (75/100)
	// Content-Security-Policy: script-src allows 'unsafe-inline' (−20): remove 'unsafe-inline' and wildcard sources from script-src; move inline scripts to files or allow them with a nonce or hash
	// X-Content-Type-Options: missing (−5): add "X-Content-Type-Options: nosniff"
	// Server: "nginx/1.25.3" reveals the software version (required): drop the version (e.g. nginx server_tokens off) or the header
}
