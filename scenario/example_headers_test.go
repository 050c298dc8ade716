package scenario_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario"
)

func ExampleSecurityHeaders() {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'self'; frame-ancestors 'none'")
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		io.WriteString(w, "<!doctype html><title>Home</title>")
	})
	err := scenario.SecurityHeaders{
		Target: scenario.Handler(app),
		Preset: preset.ProductionSaaS, // in a test, jetty.Check takes the project's preset
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}

func ExampleGrade() {
	h := http.Header{}
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Server", "nginx/1.25.3")
	rep := scenario.Grade(h)
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
