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
