package hardening_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/loadtest"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newCanary returns a fresh secret no output may show.
func newCanary(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "CANARY-" + hex.EncodeToString(b)
}

// noCanary fails t for each output that shows canary, quoting it.
func noCanary(t *testing.T, canary, where, output string) {
	t.Helper()
	if i := strings.Index(output, canary); i >= 0 {
		from, to := max(0, i-120), min(len(output), i+len(canary)+40)
		t.Errorf("%s shows the secret canary: …%s…", where, output[from:to])
	}
}

// echo is a broken application: it answers every request with the request's
// credentials and body echoed back, a JSON body holding password, token and
// secret fields, form-encoded secrets, and the secret in Set-Cookie and
// Authorization response headers. It logs an audit entry holding the
// secrets to log, when set.
func echo(canary string, status int, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 4096)
		n, _ := r.Body.Read(body)
		var hdr bytes.Buffer
		_ = r.Header.Write(&hdr)
		if log != nil {
			log.Info("login", "user_id", "alice@example.com", "password", canary, "token", canary, "secret", canary)
		}
		w.Header().Add("Set-Cookie", "session="+canary+"; Path=/")
		w.Header().Add("Set-Cookie", "uid="+canary)
		w.Header().Set("Authorization", "Bearer "+canary)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		resp, _ := json.Marshal(map[string]any{
			"error":         "failed for password=" + canary + "&token=" + canary,
			"password":      canary,
			"access_token":  canary,
			"client_secret": canary,
			"request_body":  string(body[:n]),
			"headers":       hdr.String(),
			"query":         r.URL.RawQuery,
		})
		_, _ = w.Write(resp)
		fmt.Fprintf(w, "\n%s", hdr.String())
		_, _ = w.Write(body[:n])
	})
}

// secretHeader carries the canary as credentials.
func secretHeader(canary string) http.Header {
	return http.Header{
		"Authorization": {"Bearer " + canary},
		"Cookie":        {"session=" + canary},
		"Content-Type":  {"application/json"},
	}
}

// leakyScenarios returns every ready-made scenario aimed at target, each
// sending the canary as credentials and as password, token and secret
// fields of request bodies.
func leakyScenarios(canary string, target scenario.Target, rec *scenario.LogRecorder, dir string) []verifier {
	login := scenario.LoginRequest("alice@example.com", canary)
	login.Header = secretHeader(canary)
	login.Body = []byte(`{"email":"alice@example.com","password":"` + canary + `","token":"` + canary + `","secret":"` + canary + `"}`)
	return []verifier{
		scenario.RateLimit{Target: target, Request: login, TrustRetryAfter: true},
		scenario.AuditLog{Target: target, Source: rec, Login: login, Failures: true},
		scenario.Load{Target: target, Request: login, Users: 3, Plot: true, Dir: dir},
		scenario.AuthRequired{Target: target, Routes: []scenario.AuthRoute{{Path: "/notes/1?token=" + canary, Owner: "alice", Header: secretHeader(canary), Body: login.Body}},
			Credentials: func(user string) http.Header { h := secretHeader(canary); h.Set("X-User", user); return h }},
		scenario.ErrorHandling{Target: target, Triggers: []scenario.ErrorTrigger{{Path: "/boom?password=" + canary, Header: secretHeader(canary), Body: login.Body, Method: "POST"}}},
		scenario.HealthCheck{Target: target},
		scenario.SecurityHeaders{Target: target, HTTPS: true},
		scenario.Injection{Target: target, Inputs: []scenario.Input{{In: scenario.InJSON, Name: "q", Path: "/search", Template: `{"password":"` + canary + `"}`, Header: secretHeader(canary)}}, MaxPayloads: 4},
	}
}

func TestRedactionScenarios(t *testing.T) {
	canary := newCanary(t)
	for _, status := range []int{http.StatusOK, http.StatusInternalServerError} {
		rec := scenario.NewLogRecorder()
		h := echo(canary, status, slog.New(rec))
		srv := httptest.NewServer(h)
		defer srv.Close()
		for _, target := range []scenario.Target{scenario.Handler(h), scenario.URL(srv.URL)} {
			dir := t.TempDir()
			for _, v := range leakyScenarios(canary, target, rec, dir) {
				t.Run(fmt.Sprintf("%d/%s/%T", status, strings.ReplaceAll(target.String(), "/", ""), v), func(t *testing.T) {
					res, err := verifyNoPanic(t, t.Context(), v)
					if status == http.StatusInternalServerError {
						require.Error(t, err, "the broken handler must fail the scenario, so its messages are checked")
						assert.True(t, res.Failed)
					}
					if err != nil {
						noCanary(t, canary, "Verify's error", err.Error())
						var probs *scenario.Problems
						if assert.ErrorAs(t, err, &probs) {
							noCanary(t, canary, "Verify's Tried log", strings.Join(probs.Tried, "\n"))
						}
					}
					noCanary(t, canary, "jetty.Check's output", res.Output())
				})
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, f := range files {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				noCanary(t, canary, f, string(b))
			}
		}
	}
}

// rawServer answers every connection with reply, which is not HTTP.
func rawServer(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				_, _ = c.Write([]byte(reply))
			})
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return "http://" + ln.Addr().String()
}

func TestRedactionLoadtest(t *testing.T) {
	canary := newCanary(t)
	panics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/json":
			panic(fmt.Sprintf(`login failed for {"email":"a@example.com","password":%q}`, canary))
		case "/header":
			panic("upstream refused Authorization: Bearer " + canary)
		case "/form":
			panic("bad form user=a&password=" + canary + "&api_key=" + canary)
		}
		echo(canary, http.StatusInternalServerError, nil).ServeHTTP(w, r)
	})
	body := []byte(`{"password":"` + canary + `"}`)
	targets := map[string]loadtest.Target{
		"handler": loadtest.Handler(panics).With(
			loadtest.Req{Method: "POST", Path: "/json", Body: body, Header: secretHeader(canary)},
			loadtest.Req{Path: "/header?token=" + canary},
			loadtest.Req{Path: "/form"},
			loadtest.Req{Path: "/echo?secret=" + canary, Header: secretHeader(canary)},
		),
		"not HTTP": loadtest.URL(rawServer(t, "password="+canary+"&token="+canary+"\r\n\r\n") + "/?token=" + canary).With(
			loadtest.Req{Path: "/?token=" + canary, Header: secretHeader(canary), Body: body},
		),
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			var plot, rec bytes.Buffer
			rep, err := loadtest.Run(context.Background(), target, loadtest.Users(8), loadtest.Timeout(2*time.Second),
				loadtest.Plot(&plot), loadtest.Record(&rec, loadtest.JSON))
			require.NotNil(t, rep, "run error: %v", err)
			require.NotEmpty(t, rep.Errors, "the failures are grouped as errors")
			if err != nil {
				noCanary(t, canary, "Run's error", err.Error())
			}
			noCanary(t, canary, "the text report", rep.String())
			var js bytes.Buffer
			require.NoError(t, rep.WriteJSON(&js))
			noCanary(t, canary, "the JSON report", js.String())
			for _, e := range rep.Errors {
				noCanary(t, canary, "an error group", e.Error)
			}
			noCanary(t, canary, "the HTML plot", plot.String())
			noCanary(t, canary, "the recorded results", rec.String())
			noCanary(t, canary, "a budget violation", fmt.Sprint(rep.Check(loadtest.Budget{MinSuccess: 1})))
		})
	}
}

// TestInnerRedactionSummary is a feature whose names, waiver and failing
// scenario carry the canary given in JETTY_TEST_CANARY.
func TestInnerRedactionSummary(t *testing.T) {
	innertest.Inner(t)
	canary := os.Getenv("JETTY_TEST_CANARY")
	jetty.Feature(t, "Login", func(f *jetty.F) {
		f.Speed("signs in", func(s *jetty.S) {
			s.Given("a user", func() {})
		})
		f.Stable("wrong password", func(s *jetty.S) {
			s.Then("it is refused", func() {
				s.Errorf(`POST /login {"password":%q} = 200, want 401; Authorization: Bearer %s`, canary, canary)
			})
		})
		f.Waive(preset.SecurityHeaders, "served behind a proxy with token="+canary)
	}, jetty.External(preset.StartupMVP))
}

func TestRedactionSummary(t *testing.T) {
	canary := newCanary(t)
	t.Setenv("JETTY_TEST_CANARY", canary)
	r := innertest.Run(t, "TestInnerRedactionSummary")
	sum, ok := r.Attr("TestInnerRedactionSummary/Login", jetty.SummaryAttr)
	require.True(t, ok, "the feature emits its summary:\n%s", r.Output)
	noCanary(t, canary, "the summary line", sum)
	noCanary(t, canary, "the feature's output", r.Output)
	assert.Contains(t, r.Output, "want 401", "the failure is shown, without its secrets")
}

// TestRedactQuotedEncodings covers the encodings the canary tests found
// unmasked: a logfmt value in quotes, and JSON inside a %q-quoted body.
func TestRedactQuotedEncodings(t *testing.T) {
	const secret = "CANARY-quoted-1f"
	for _, in := range []string{
		`level="INFO" msg="login" password="` + secret + `" x=1`,
		`secret="with \"escaped\" ` + secret + `"`,
		fmt.Sprintf("%q", `{"access_token":"`+secret+`","n":5}`),
		fmt.Sprintf("%.60q", `{"client_secret":"`+secret+`"}`),
		fmt.Sprintf("%q", `{"pin_token":`+secret+`}`),
	} {
		got := redact.String(in)
		assert.NotContains(t, got, secret, "input %s", in)
		assert.Contains(t, got, redact.Mask, in)
	}
	assert.Equal(t, `"{\"status\":\"ok\"}"`, redact.String(`"{\"status\":\"ok\"}"`), "what is not secret is kept")
}
