package scenario_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// silApp logs every request and its login and checkout outcomes; its flags
// make it log a secret in the ways SecretsInLogs must catch.
type silApp struct {
	logBody     bool // the access log holds the whole request body
	logAuth     bool // the access log holds the Authorization header
	logCookie   bool // the access log holds the Cookie header, in a group
	logHeaders  bool // the access log holds every header
	logURL      bool // the access log holds the URL with its query
	logCard     bool // the checkout logs the card number
	dashedCard  bool // … with dashes instead of spaces
	logPassword bool // a failed login's message holds the password
}

func (a silApp) handler(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&in)
		if a.logPassword {
			log.Warn(fmt.Sprintf("login failed for %s with password %s", in.Email, in.Password))
		} else {
			log.Info("login", "user", in.Email, "outcome", "failure")
		}
		http.Error(w, "wrong email or password", http.StatusUnauthorized)
	})
	mux.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Card string `json:"card_number"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		digits := strings.ReplaceAll(in.Card, " ", "")
		switch {
		case a.dashedCard:
			log.Info("charge", "card", strings.ReplaceAll(in.Card, " ", "-"))
		case a.logCard:
			log.Info("charge", "card", in.Card)
		case len(digits) > 8:
			// Masked as PCI DSS 3.4.1 allows.
			log.Info("charge", "card", digits[:4]+strings.Repeat("*", len(digits)-8)+digits[len(digits)-4:])
		}
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "home") })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attrs := []any{"method", r.Method, "path", r.URL.Path}
		if a.logBody {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			attrs = append(attrs, "body", string(b))
		}
		if a.logAuth {
			attrs = append(attrs, "authorization", r.Header.Get("Authorization"))
		}
		if a.logCookie {
			attrs = append(attrs, slog.Group("http", "cookie", r.Header.Get("Cookie")))
		}
		if a.logHeaders {
			attrs = append(attrs, "headers", r.Header)
		}
		if a.logURL {
			attrs = append(attrs, "url", r.URL.String())
		}
		log.Info("request", attrs...)
		mux.ServeHTTP(w, r)
	})
}

// silBuf is a log buffer safe for concurrent use.
type silBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *silBuf) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *silBuf) reader() io.Reader {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.NewReader(b.b.String())
}

// silScenario wires a to a recorder (in process) or to JSON lines behind a
// live server.
func silScenario(t *testing.T, a silApp, url bool) scenario.SecretsInLogs {
	if !url {
		rec := scenario.NewLogRecorder()
		return scenario.SecretsInLogs{Target: scenario.Handler(a.handler(slog.New(rec))), Source: rec}
	}
	buf := &silBuf{}
	srv := httptest.NewServer(a.handler(slog.New(slog.NewJSONHandler(buf, nil))))
	t.Cleanup(srv.Close)
	return scenario.SecretsInLogs{Target: scenario.URL(srv.URL), Source: scenario.JSONLines(buf.reader)}
}

// silNoSecret fails t when problems show a secret's value.
func silNoSecret(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{"jetty-canary-", "4111 1111 1111 1111", "4111111111111111", "4111-1111"} {
		if strings.Contains(text, s) {
			t.Errorf("the report shows a secret (%q):\n%s", s, text)
		}
	}
}

func TestSecretsInLogsPassesCorrectApp(t *testing.T) {
	t.Parallel()
	for _, url := range []bool{false, true} {
		t.Run(fmt.Sprintf("url=%v", url), func(t *testing.T) {
			if err := silScenario(t, silApp{}, url).Verify(context.Background()); err != nil {
				t.Fatalf("Verify on an app that logs only the user and outcome: %v", err)
			}
		})
	}
}

func TestSecretsInLogsCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	const boundary = "mask at the logging boundary: a slog.LogValuer on the type that holds it, or a ReplaceAttr in the handler"
	for _, tc := range []struct {
		name string
		app  silApp
		want []string
	}{
		{"logs the request body", silApp{logBody: true}, []string{
			`POST /login (a failed login's password): the password sent in the "password" field of the body reached the log: log entry #1 (msg "request"), field "body"; the field holds the whole request body: do not log request bodies`,
			`POST /checkout (a card number): the card number sent in the "card_number" field of the body reached the log: log entry #`,
			boundary,
		}},
		{"logs the Authorization header", silApp{logAuth: true}, []string{
			`GET / (an access token): the token sent in the Authorization header reached the log: log entry #`,
			`field "authorization"; never log the Authorization header or tokens`,
		}},
		{"logs the cookie", silApp{logCookie: true}, []string{
			`GET / (a session cookie): the session cookie sent in the Cookie header reached the log`,
			`field "http.cookie"; never log the Cookie header or session IDs`,
		}},
		{"logs every header", silApp{logHeaders: true}, []string{
			`GET / (an access token): the token sent in the Authorization header reached the log`,
			`; do not log request headers whole, log an allow-list of safe ones`,
			`GET / (a session cookie): the session cookie sent in the Cookie header reached the log`,
		}},
		{"logs the card number", silApp{logCard: true}, []string{
			`POST /checkout (a card number): the card number sent in the "card_number" field of the body reached the log: log entry #`,
			`(msg "charge"), field "card"; never log a full card number: show at most the first six and last four digits`,
		}},
		{"logs the card number with dashes", silApp{dashedCard: true}, []string{
			`the card number sent in the "card_number" field of the body reached the log`,
		}},
		{"logs the password of a failed login", silApp{logPassword: true}, []string{
			`POST /login (a failed login's password): the password sent in the "password" field of the body reached the log: log entry #2 (msg "login failed for alice@example.com with password [REDACTED]"), field "msg"; never log passwords, not even of a failed login`,
		}},
	} {
		for _, url := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/url=%v", tc.name, url), func(t *testing.T) {
				got := verifyProblems(t, silScenario(t, tc.app, url))
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("problems do not contain %q:\n%s", w, got)
					}
				}
				silNoSecret(t, got)
			})
		}
	}
}

func TestSecretsInLogsCustomRequests(t *testing.T) {
	t.Parallel()
	rec := scenario.NewLogRecorder()
	x := scenario.SecretsInLogs{
		Target: scenario.Handler(silApp{logURL: true, logBody: true}.handler(slog.New(rec))),
		Source: rec,
		Requests: []scenario.Request{
			{Path: "/reset?token=" + scenario.SecretPlaceholder},
			// A real-looking password, no placeholder: found all the same.
			scenario.LoginRequest("bob@example.com", "hunter2-but-longer"),
		},
		Secrets: []string{"sk_test_payment_key"},
	}
	got := verifyProblems(t, x)
	for _, w := range []string{
		`GET /reset?token=[REDACTED] (Requests[0]): the token sent in the query parameter "token" reached the log: log entry #1 (msg "request"), field "url"`,
		`POST /login (Requests[1]): the password sent in the "password" field of the body reached the log`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("problems do not contain %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "hunter2") || strings.Contains(got, "jetty-canary-") {
		t.Errorf("the report shows a secret:\n%s", got)
	}

	// A secret the app holds itself, logged by a dependency.
	rec = scenario.NewLogRecorder()
	log := slog.New(rec)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Info("calling the payment provider", slog.Group("client", "key", "sk_test_payment_key"))
	})
	x = scenario.SecretsInLogs{Target: scenario.Handler(h), Source: rec, Secrets: []string{"sk_test_payment_key"}}
	got = verifyProblems(t, x)
	if !strings.Contains(got, `Secrets: the value of Secrets[0] reached the log: log entry #1 (msg "calling the payment provider") and 3 more, field "client.key"`) || strings.Contains(got, "sk_test") {
		t.Errorf("problems:\n%s", got)
	}
}

func TestSecretsInLogsThroughJettyCheck(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, silScenario(t, silApp{}, false)) })
	if res.Failed {
		t.Fatalf("jetty.Check on a correct app failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"When 4 request(s) carrying secrets are sent",
		`POST /login (a failed login's password) = 401, carrying the password in the "password" field of the body`,
		"GET / (an access token) = 200, carrying the token in the Authorization header",
		`POST /checkout (a card number) = 201, carrying the card number in the "card_number" field of the body`,
		"6 log entries written during the requests searched for 4 secret(s)",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}
	silNoSecret(t, res.Output())

	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, silScenario(t, silApp{logAuth: true}, false)) })
	if !res.Failed || !strings.Contains(res.ErrorText(), "the token sent in the Authorization header reached the log") {
		t.Errorf("jetty.Check on an app that logs the Authorization header: failed=%v\n%s", res.Failed, res.Output())
	}
	silNoSecret(t, res.Output())

	// An app that logs nothing passes, and the scenario says what it could
	// not see.
	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, scenario.SecretsInLogs{Target: scenario.Handler(http.NotFoundHandler()), Source: scenario.NewLogRecorder()})
	})
	if res.Failed || !strings.Contains(res.Output(), "the application wrote no log entry during the requests") {
		t.Errorf("an app that logs nothing: failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestSecretsInLogsBadConfiguration(t *testing.T) {
	t.Parallel()
	rec := scenario.NewLogRecorder()
	ok := scenario.Handler(http.NotFoundHandler())
	for _, tc := range []struct {
		name string
		x    scenario.SecretsInLogs
		want string
	}{
		{"zero target", scenario.SecretsInLogs{Source: rec}, "no target: set Target"},
		{"no source", scenario.SecretsInLogs{Target: ok}, "SecretsInLogs.Source is not set"},
		{"request without a secret", scenario.SecretsInLogs{Target: ok, Source: rec, Requests: []scenario.Request{{Path: "/"}}},
			"SecretsInLogs.Requests[0] (GET /) carries no secret: put {{canary}} where a secret goes"},
		{"bad path", scenario.SecretsInLogs{Target: ok, Source: rec, Requests: []scenario.Request{{Path: "login"}}},
			`SecretsInLogs.Requests[0].Path = "login": want a path starting with /`},
		{"short secret", scenario.SecretsInLogs{Target: ok, Source: rec, Secrets: []string{"abc"}}, "SecretsInLogs.Secrets[0] has 3 characters"},
		{"broken JSON lines", scenario.SecretsInLogs{Target: ok, Source: scenario.JSONLines(func() io.Reader { return strings.NewReader("not json\n") })},
			"reading JSON lines before the requests: audit log line 1 is not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}
