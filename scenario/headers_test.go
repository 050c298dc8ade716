package scenario_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario"
	"github.com/jettymethod/jetty/scenario/observatory"
)

// strictHeaders are the headers of a well-configured application: A+.
func strictHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Add("Set-Cookie", "session=abc123; Path=/; Secure; HttpOnly; SameSite=Lax")
	h.Add("Set-Cookie", "theme=dark; Path=/; Secure; SameSite=Lax")
}

// headersApp serves a page with the strict headers, then lets mutate break
// them. CORS trusts only https://app.example, unless mutate says otherwise.
func headersApp(mutate func(h http.Header, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		strictHeaders(w.Header())
		if r.Header.Get("Origin") == "https://app.example" {
			w.Header().Set("Access-Control-Allow-Origin", "https://app.example")
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if mutate != nil {
			mutate(w.Header(), r)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>ok</title><p>hello</p>")
	})
}

func problemsOf(t *testing.T, err error) *scenario.Problems {
	t.Helper()
	var probs *scenario.Problems
	if !errors.As(err, &probs) {
		t.Fatalf("Verify = %v, want a *scenario.Problems", err)
	}
	return probs
}

func TestSecurityHeadersStrictHandlerPasses(t *testing.T) {
	t.Parallel()
	rep := observatory.Grade(func() http.Header { h := http.Header{}; strictHeaders(h); return h }())
	if rep.Grade != "A+" || rep.Score != 125 {
		t.Errorf("Grade(strict) = %s (%d), want A+ (125: 100, CSP +10, frame-ancestors +5, referrer +5, cookies +5):\n%s", rep.Grade, rep.Score, rep)
	}
	if f := rep.Failures(); len(f) != 0 {
		t.Errorf("Grade(strict) has failures %v", f)
	}
	for _, p := range []preset.Preset{preset.StartupMVP, preset.ProductionSaaS, preset.Enterprise, preset.Regulated} {
		x := scenario.SecurityHeaders{Target: scenario.Handler(headersApp(nil)), Preset: p, Paths: []string{"/", "/login"}}
		if err := x.Verify(context.Background()); err != nil {
			t.Errorf("%s: Verify(strict) = %v, want nil", p.Name, err)
		}
	}
}

func TestSecurityHeadersStrictHandlerPassesOverURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(headersApp(nil))
	defer srv.Close()
	x := scenario.SecurityHeaders{Target: scenario.URL(srv.URL), Preset: preset.Enterprise}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatalf("Verify = %v, want nil", err)
	}
}

func TestSecurityHeadersCheckLogsGradeAndFindings(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, scenario.SecurityHeaders{Target: scenario.Handler(headersApp(nil))})
	})
	if res.Failed {
		t.Fatalf("jetty.Check failed on the strict handler:\n%s", res.Output())
	}
	out := res.Output()
	for _, want := range []string{
		"GET / = 200: grade A+ (125/100)",
		"grade A+ (125/100), at least B",
		"Content-Security-Policy: default-src 'none' and no unsafe sources (+10)",
		"Referrer-Policy: no-referrer (+5)",
		"baseline met",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// brokenHeaders lists broken handlers and the text each failure must hold.
var brokenHeaders = []struct {
	name   string
	p      preset.Preset
	mutate func(h http.Header, r *http.Request)
	want   []string
}{
	{"missing CSP", preset.StartupMVP, func(h http.Header, _ *http.Request) { h.Del("Content-Security-Policy") },
		[]string{`Content-Security-Policy: missing (−25): add "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'"`}},
	{"CSP unsafe-inline in script-src", preset.StartupMVP, func(h http.Header, _ *http.Request) {
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	}, []string{"Content-Security-Policy: script-src allows 'unsafe-inline' (−20): remove 'unsafe-inline'"}},
	{"CSP unsafe-inline via default-src", preset.StartupMVP, func(h http.Header, _ *http.Request) {
		h.Set("Content-Security-Policy", "DEFAULT-SRC 'self' 'UNSAFE-INLINE';frame-ancestors 'none'")
	}, []string{"default-src allows 'unsafe-inline' (−20)"}},
	{"HSTS of one day under SaaS", preset.ProductionSaaS, func(h http.Header, _ *http.Request) {
		h.Set("Strict-Transport-Security", "max-age=86400")
	}, []string{`Strict-Transport-Security: max-age=86400 (1 day) is below 6 months (15552000) (−10): add "Strict-Transport-Security: max-age=31536000; includeSubDomains"`}},
	{"HSTS of 200 days under SaaS", preset.ProductionSaaS, func(h http.Header, _ *http.Request) {
		h.Set("Strict-Transport-Security", "max-age=17280000")
	}, []string{"Strict-Transport-Security: max-age=17280000 (200 days) is below the minimum 31536000 (365 days) (required)"}},
	{"invalid HSTS", preset.StartupMVP, func(h http.Header, _ *http.Request) {
		h.Set("Strict-Transport-Security", "max-age=1y")
	}, []string{
		// The Observatory reads max-age=1y as 1 second (−10); RFC 6797
		// refuses it, a baseline finding that does not change the score.
		`Strict-Transport-Security: "max-age=1y" is invalid: max-age="1y" is not a number of seconds (RFC 6797 §6.1); browsers may ignore it (required)`,
		"Strict-Transport-Security: max-age=1 (1s) is below 6 months (15552000) (−10)",
	}},
	{"no X-Content-Type-Options", preset.StartupMVP, func(h http.Header, _ *http.Request) { h.Del("X-Content-Type-Options") },
		[]string{`X-Content-Type-Options: missing (−5): add "X-Content-Type-Options: nosniff"`}},
	{"no frame protection", preset.StartupMVP, func(h http.Header, _ *http.Request) {
		h.Del("X-Frame-Options")
		h.Set("Content-Security-Policy", "default-src 'self'")
	}, []string{`X-Frame-Options: missing, and no CSP frame-ancestors (−20): add "Content-Security-Policy: frame-ancestors 'none'"`}},
	{"session cookie without HttpOnly", preset.StartupMVP, func(h http.Header, _ *http.Request) {
		h["Set-Cookie"] = []string{"session=abc; Path=/; Secure; SameSite=Lax"}
	}, []string{`Set-Cookie session: session cookie lacks HttpOnly (−30): add HttpOnly`}},
	{"session cookie without Secure", preset.StartupMVP, func(h http.Header, _ *http.Request) {
		h["Set-Cookie"] = []string{"JSESSIONID=abc; Path=/; HttpOnly; SameSite=Strict"}
	}, []string{`Set-Cookie JSESSIONID: session cookie lacks Secure (−10): add Secure`}},
	{"session cookie without SameSite", preset.StartupMVP, func(h http.Header, _ *http.Request) {
		h["Set-Cookie"] = []string{"connect.sid=abc; Path=/; Secure; HttpOnly"}
	}, []string{`Set-Cookie connect.sid: session cookie lacks SameSite (required): add SameSite=Lax`}},
	{"CORS echoing Origin with credentials", preset.StartupMVP, func(h http.Header, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}, []string{`Access-Control-Allow-Origin: echoes the arbitrary Origin "https://evil.example" with Access-Control-Allow-Credentials: true`, "(−50): allow only a fixed list of trusted origins"}},
	{"Server with version", preset.StartupMVP, func(h http.Header, _ *http.Request) { h.Set("Server", "nginx/1.25.3") },
		[]string{`Server: "nginx/1.25.3" reveals the software version (required): drop the version`}},
	{"X-Powered-By", preset.StartupMVP, func(h http.Header, _ *http.Request) { h.Set("X-Powered-By", "Express") },
		[]string{`X-Powered-By: "Express" reveals the framework (required): remove the header`}},
	{"grade below Enterprise's A", preset.Enterprise, func(h http.Header, _ *http.Request) {
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-eval'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "unsafe-url")
	}, []string{
		"Content-Security-Policy: script-src allows 'unsafe-eval' (−10): remove 'unsafe-eval'",
		"Referrer-Policy: unsafe-url leaks URLs to other sites (−5)",
		"grade A- (85/100), want at least A",
	}},
}

func TestSecurityHeadersBrokenHandlersFail(t *testing.T) {
	t.Parallel()
	for _, tc := range brokenHeaders {
		t.Run(tc.name, func(t *testing.T) {
			x := scenario.SecurityHeaders{Target: scenario.Handler(headersApp(tc.mutate)), Preset: tc.p}
			probs := problemsOf(t, x.Verify(context.Background()))
			text := probs.Error()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("problems lack %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestSecurityHeadersBrokenHandlersFailOverURL(t *testing.T) {
	t.Parallel()
	for _, tc := range brokenHeaders {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(headersApp(tc.mutate))
			defer srv.Close()
			x := scenario.SecurityHeaders{Target: scenario.URL(srv.URL), Preset: tc.p}
			text := problemsOf(t, x.Verify(context.Background())).Error()
			if !strings.Contains(text, tc.want[0]) {
				t.Errorf("problems lack %q:\n%s", tc.want[0], text)
			}
		})
	}
}

func TestSecurityHeadersCheckReportsFailure(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, scenario.SecurityHeaders{Target: scenario.Handler(headersApp(func(h http.Header, _ *http.Request) {
			h.Del("Content-Security-Policy")
			h.Set("X-Powered-By", "Express")
		}))})
	})
	if !res.Failed {
		t.Fatalf("jetty.Check passed a handler without CSP:\n%s", res.Output())
	}
	for _, want := range []string{"Content-Security-Policy: missing (−25)", `X-Powered-By: "Express"`} {
		if !strings.Contains(res.ErrorText(), want) {
			t.Errorf("errors lack %q:\n%s", want, res.ErrorText())
		}
	}
}

func TestSecurityHeadersMinGradeOverridesPreset(t *testing.T) {
	t.Parallel()
	mutate := brokenHeaders[len(brokenHeaders)-1].mutate // A- (85)
	x := scenario.SecurityHeaders{Target: scenario.Handler(headersApp(mutate)), Preset: preset.Enterprise, MinGrade: "B"}
	if err := x.Verify(context.Background()); err != nil {
		t.Errorf("MinGrade B over Enterprise: Verify = %v, want nil", err)
	}
	x.MinGrade = "A+"
	text := problemsOf(t, x.Verify(context.Background())).Error()
	if !strings.Contains(text, "grade A- (85/100), want at least A+") {
		t.Errorf("MinGrade A+: problems lack the grade:\n%s", text)
	}
	if got := x.Title(); got != "security headers grade A+ or better" {
		t.Errorf("Title = %q", got)
	}
}

func TestSecurityHeadersMinHSTSOverridesPreset(t *testing.T) {
	t.Parallel()
	h := headersApp(func(h http.Header, _ *http.Request) { h.Set("Strict-Transport-Security", "max-age=31536000") })
	x := scenario.SecurityHeaders{Target: scenario.Handler(h), Preset: preset.ProductionSaaS}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatalf("a year under SaaS: Verify = %v, want nil", err)
	}
	x.MinHSTS = 2 * 365 * 24 * time.Hour
	text := problemsOf(t, x.Verify(context.Background())).Error()
	if !strings.Contains(text, "max-age=31536000 (365 days) is below the minimum 63072000 (730 days)") {
		t.Errorf("problems lack the HSTS minimum:\n%s", text)
	}
}

func TestSecurityHeadersHTTPSRequiresHSTS(t *testing.T) {
	t.Parallel()
	h := headersApp(func(h http.Header, _ *http.Request) { h.Del("Strict-Transport-Security") })
	x := scenario.SecurityHeaders{Target: scenario.Handler(h)}
	res := tbtest.Run(t, "plain", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed {
		t.Fatalf("plain HTTP without HSTS failed:\n%s", res.Output())
	}
	if !strings.Contains(res.Output(), "Strict-Transport-Security: not sent; not required over plain HTTP") {
		t.Errorf("log lacks the HSTS note:\n%s", res.Output())
	}
	x.HTTPS = true
	text := problemsOf(t, x.Verify(context.Background())).Error()
	if !strings.Contains(text, `Strict-Transport-Security: missing (−20): add "Strict-Transport-Security: max-age=31536000; includeSubDomains"`) {
		t.Errorf("HTTPS: problems lack the missing HSTS:\n%s", text)
	}
}

func TestSecurityHeadersSessionCookiesField(t *testing.T) {
	t.Parallel()
	h := headersApp(func(h http.Header, _ *http.Request) {
		h["Set-Cookie"] = []string{"u=abc; Path=/; Secure; SameSite=Lax"}
	})
	if err := (scenario.SecurityHeaders{Target: scenario.Handler(h)}).Verify(context.Background()); err != nil {
		t.Fatalf("cookie u is not a session cookie by name: Verify = %v", err)
	}
	x := scenario.SecurityHeaders{Target: scenario.Handler(h), SessionCookies: []string{"U"}}
	text := problemsOf(t, x.Verify(context.Background())).Error()
	if !strings.Contains(text, `Set-Cookie u: session cookie lacks HttpOnly`) {
		t.Errorf("problems lack the cookie named in SessionCookies:\n%s", text)
	}
}

func TestSecurityHeadersEveryPathIsGraded(t *testing.T) {
	t.Parallel()
	h := http.NewServeMux()
	h.Handle("/", headersApp(nil))
	h.Handle("/admin", headersApp(func(h http.Header, _ *http.Request) { h.Del("X-Content-Type-Options") }))
	x := scenario.SecurityHeaders{Target: scenario.Handler(h), Paths: []string{"/", "/admin"}}
	text := problemsOf(t, x.Verify(context.Background())).Error()
	if !strings.Contains(text, "GET /admin: X-Content-Type-Options: missing") || strings.Contains(text, "GET /:") {
		t.Errorf("problems should name /admin only:\n%s", text)
	}
}

func TestSecurityHeadersServerErrorsAndDrops(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		strictHeaders(w.Header())
		w.WriteHeader(http.StatusInternalServerError)
	})
	x := scenario.SecurityHeaders{Target: scenario.Handler(h), Paths: []string{"/", "/panic"}}
	text := problemsOf(t, x.Verify(context.Background())).Error()
	for _, want := range []string{"GET / = 500: the page failed", "GET /panic = no response (the connection was dropped)"} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}

func TestSecurityHeadersBadConfiguration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		x    scenario.SecurityHeaders
		want string
	}{
		{"zero target", scenario.SecurityHeaders{}, "no target: set Target"},
		{"bad grade", scenario.SecurityHeaders{Target: scenario.Handler(headersApp(nil)), MinGrade: "E"}, `MinGrade "E" is not a grade`},
		{"negative HSTS", scenario.SecurityHeaders{Target: scenario.Handler(headersApp(nil)), MinHSTS: -time.Hour}, "MinHSTS is -1h0m0s"},
		{"relative path", scenario.SecurityHeaders{Target: scenario.Handler(headersApp(nil)), Paths: []string{"login"}}, `path "login" must start with "/"`},
		{"remote URL", scenario.SecurityHeaders{Target: scenario.URL("https://example.com")}, "not a loopback host"},
		{"bad preset param", scenario.SecurityHeaders{Target: scenario.Handler(headersApp(nil)), Preset: preset.New("custom", preset.Requirement{
			ID: preset.SecurityHeaders, Params: preset.Params{preset.ParamHSTSMaxAge: "a while"}})}, `parameter "hsts-max-age" = "a while": want a positive duration such as "180d"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := problemsOf(t, tc.x.Verify(context.Background())).Error()
			if !strings.Contains(text, tc.want) {
				t.Errorf("problems lack %q:\n%s", tc.want, text)
			}
		})
	}
}

// tlsOnlyHSTS sends HSTS only over TLS, as unrolled/secure does by default.
func tlsOnlyHSTS(h http.Header, r *http.Request) {
	h.Del("Strict-Transport-Security")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

func TestSecurityHeadersHTTPSLooksLikeTLSInProcess(t *testing.T) {
	t.Parallel()
	x := scenario.SecurityHeaders{Target: scenario.Handler(headersApp(tlsOnlyHSTS)), HTTPS: true}
	if err := x.Verify(context.Background()); err != nil {
		t.Errorf("HTTPS with HSTS sent over TLS only: Verify = %v, want nil", err)
	}
	// strict by default: a preset that requires HSTS makes requests TLS.
	x = scenario.SecurityHeaders{Target: scenario.Handler(headersApp(tlsOnlyHSTS)), Preset: preset.ProductionSaaS}
	if err := x.Verify(context.Background()); err != nil {
		t.Errorf("SaaS preset, HSTS over TLS only: Verify = %v, want nil", err)
	}
	x.Target = scenario.Handler(headersApp(func(h http.Header, _ *http.Request) { h.Del("Strict-Transport-Security") }))
	text := problemsOf(t, x.Verify(context.Background())).Error()
	if !strings.Contains(text, "Strict-Transport-Security: missing (−20)") {
		t.Errorf("SaaS preset without HSTS: problems lack the missing HSTS:\n%s", text)
	}
}

func TestSecurityHeadersHSTSNotProvenOverPlainHTTP(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "plain", func(tb *tbtest.TB) {
		jetty.Check(tb, scenario.SecurityHeaders{Target: scenario.Handler(headersApp(nil))})
	})
	if !strings.Contains(res.Output(), "not proven: Strict-Transport-Security was not judged") || !strings.Contains(res.Output(), "set HTTPS: true") {
		t.Errorf("output lacks the not-proven HSTS:\n%s", res.Output())
	}
}

func TestSecurityHeadersGradesAnyMethod(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.Handle("/", headersApp(nil))
	mux.Handle("POST /login", headersApp(func(h http.Header, _ *http.Request) {
		h["Set-Cookie"] = []string{"session=abc; Path=/; Secure; SameSite=Lax"} // no HttpOnly
	}))
	x := scenario.SecurityHeaders{Target: scenario.Handler(mux), Paths: []string{"/"}, Requests: []scenario.Request{scenario.LoginRequest("alice@example.com", "pw")}}
	text := problemsOf(t, x.Verify(context.Background())).Error()
	if !strings.Contains(text, "POST /login: Set-Cookie session: session cookie lacks HttpOnly (−30)") || strings.Contains(text, "GET /:") {
		t.Errorf("problems should name POST /login only:\n%s", text)
	}
	mux2 := http.NewServeMux()
	mux2.Handle("/", headersApp(nil))
	x.Target = scenario.Handler(mux2)
	if err := x.Verify(context.Background()); err != nil {
		t.Errorf("correct POST /login: Verify = %v", err)
	}
}

func TestSecurityHeadersLevel2AsksForReferrerPolicy(t *testing.T) {
	t.Parallel()
	h := headersApp(func(h http.Header, _ *http.Request) { h.Del("Referrer-Policy") })
	x := scenario.SecurityHeaders{Target: scenario.Handler(h), Level: 2}
	text := problemsOf(t, x.Verify(context.Background())).Error()
	if !strings.Contains(text, "Referrer-Policy: not sent") {
		t.Errorf("level 2 problems lack the Referrer-Policy:\n%s", text)
	}
	if !strings.Contains(text, "Set-Cookie session: session cookie has neither the __Host- nor the __Secure- prefix (OWASP ASVS 5.0 V3.3.1)") {
		t.Errorf("level 2 problems lack the cookie prefix:\n%s", text)
	}
	hostCookies := headersApp(func(h http.Header, _ *http.Request) {
		h["Set-Cookie"] = []string{"__Host-session=abc; Path=/; Secure; HttpOnly; SameSite=Lax", "__Secure-theme=dark; Path=/; Domain=example.com; Secure; SameSite=Lax"}
	})
	if err := (scenario.SecurityHeaders{Target: scenario.Handler(hostCookies), Level: 2, HTTPS: true}).Verify(context.Background()); err != nil {
		t.Errorf("strict headers with prefixed cookies at level 2: Verify = %v", err)
	}
}

// A policy declared in the page's <meta> tag counts, as in the Observatory.
func TestSecurityHeadersReadsMetaPolicies(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		strictHeaders(w.Header())
		w.Header().Del("Content-Security-Policy")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'"></head><p>hi</p>`)
	})
	x := scenario.SecurityHeaders{Target: scenario.Handler(h), HTTPS: true}
	if err := x.Verify(context.Background()); err != nil {
		t.Errorf("CSP in a <meta> tag: Verify = %v, want nil", err)
	}
	h2 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		strictHeaders(w.Header())
		w.Header().Del("Content-Security-Policy")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><head><meta http-equiv="Content-Security-Policy" content="script-src 'unsafe-inline'"></head>`)
	})
	x.Target = scenario.Handler(h2)
	text := problemsOf(t, x.Verify(context.Background())).Error()
	if !strings.Contains(text, "Content-Security-Policy: script-src allows 'unsafe-inline' (−20)") {
		t.Errorf("an unsafe <meta> policy: problems lack it:\n%s", text)
	}
}
