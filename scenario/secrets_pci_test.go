package scenario_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// silPanics logs each request and then panics: no request is ever
// answered (issue 10 item 6).
func silPanics(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Info("request", "method", r.Method, "path", r.URL.Path)
		panic("nil map")
	})
}

func TestSecretsInLogsFailsWhenNoRequestIsAnswered(t *testing.T) {
	t.Parallel()
	rec := scenario.NewLogRecorder()
	x := scenario.SecretsInLogs{Target: scenario.Handler(silPanics(slog.New(rec))), Source: rec}
	wantProblems(t, x,
		"POST /login (a failed login's password) = no response (the connection was dropped): the handler panicked or dropped the connection, so what it logs on a request it serves was not exercised and the check proves nothing for it",
		"POST /checkout (a card number) = no response",
		"recover from panics (a middleware that logs the error without the request and answers 500)")
}

// A route the application does not serve proves nothing about what its
// handler logs: not proven, naming the field; the check still passes.
func TestSecretsInLogsUnservedRouteIsNotProven(t *testing.T) {
	t.Parallel()
	rec := scenario.NewLogRecorder()
	log := slog.New(rec)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		log.Info("login", "outcome", "failure")
		http.Error(w, "no", http.StatusUnauthorized)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { log.Info("home") })
	x := scenario.SecretsInLogs{Target: scenario.Handler(mux), Source: rec}
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed || !strings.Contains(res.Output(), "not proven: POST /checkout (a card number) = 405: the request reached no handler of the application") ||
		!strings.Contains(res.Output(), "set SecretsInLogs.Requests to routes your application serves") {
		t.Errorf("failed=%v\n%s", res.Failed, res.Output())
	}
}

// silCheckout logs a charge as show makes it from the request.
func silCheckout(log *slog.Logger, show func(card, cvc string) []any) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Card string `json:"card_number"`
			CVC  string `json:"cvc"`
			PIN  string `json:"pin"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		log.Info("charge", show(strings.ReplaceAll(in.Card, " ", ""), in.CVC+in.PIN)...)
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusUnauthorized) })
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {})
	return mux
}

// PCI DSS v4 3.3.1 and 3.4.1: a log shows at most the BIN and last four
// of a card number, and never the CVC, a PIN or track data.
func TestSecretsInLogsCardData(t *testing.T) {
	t.Parallel()
	checkout := func(body string) []scenario.Request {
		return []scenario.Request{{Path: "/checkout", Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}}
	}
	for _, tc := range []struct {
		name string
		show func(card, cvc string) []any
		reqs []scenario.Request
		want []string // none: the check passes
	}{
		{"twelve digits shown", func(c, _ string) []any { return []any{"card", c[:12] + "****"} }, nil, []string{
			`POST /checkout (a card number): the card number sent in the "card_number" field of the body reached the log masked but showing 12 digits (411111######****, # marking the digits it must not show): log entry #1 (msg "charge"), field "card"; show at most the first six and last four digits`,
			"(PCI DSS v4 3.4.1)",
		}},
		{"eight and four shown", func(c, _ string) []any { return []any{"card", c[:8] + "****" + c[12:]} }, nil, []string{
			"showing 12 digits (411111##****1111",
		}},
		{"the CVC logged", func(c, cvc string) []any { return []any{"card", c[:6] + "******" + c[12:], "cvc", cvc} }, nil, []string{
			`POST /checkout (a card number): the card verification code (CVV2/CVC2/CID) sent in the "cvc" field of the body reached the log: log entry #1 (msg "charge"), field "cvc"; never log the card verification code, the PIN or track data, masked or not: they must not be kept after authorization at all (PCI DSS v4 3.3.1)`,
		}},
		{"the CVC in a logged body", func(c, cvc string) []any { return []any{"request", `{"cvc": "` + cvc + `"}`} }, nil, []string{
			`the card verification code (CVV2/CVC2/CID) sent in the "cvc" field of the body reached the log: log entry #1 (msg "charge"), field "request"`,
		}},
		{"a PIN logged", func(_, pin string) []any { return []any{"debug", "pin=" + pin} }, checkout(`{"card_number": "4111 1111 1111 1111", "pin": "4821"}`), []string{
			`POST /checkout (Requests[0]): the PIN or PIN block sent in the "pin" field of the body reached the log: log entry #1 (msg "charge"), field "debug"`,
		}},
		{"track data logged", func(c, _ string) []any { return []any{"swipe", ";" + c + "=30121010000000000000?"} }, nil, []string{
			`log entry #1, field "swipe", holds magnetic-stripe track data`,
			"(PCI DSS v4 3.3.1.1)",
		}},
		{"BIN and last four", func(c, _ string) []any { return []any{"card", c[:6] + "******" + c[12:], "amount", 123} }, nil, nil},
		{"last four and the CVC's outcome", func(c, _ string) []any { return []any{"card", "************" + c[12:], "cvc_result", "M"} }, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := scenario.NewLogRecorder()
			x := scenario.SecretsInLogs{Target: scenario.Handler(silCheckout(slog.New(rec), tc.show)), Source: rec, Requests: tc.reqs}
			if tc.want == nil {
				if err := x.Verify(context.Background()); err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			got := verifyProblems(t, x)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems do not contain %q:\n%s", w, got)
				}
			}
			silNoSecret(t, got)
		})
	}
}

// A card number in a form body is found in the log however it is encoded.
func TestSecretsInLogsURLEncodedCard(t *testing.T) {
	t.Parallel()
	rec := scenario.NewLogRecorder()
	log := slog.New(rec)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		log.Info("payment", "form", string(b))
	})
	x := scenario.SecretsInLogs{Target: scenario.Handler(h), Source: rec, Requests: []scenario.Request{{
		Path: "/pay", Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body: []byte("card_number=4111+1111+1111+1111&expiry=12%2F30"),
	}}}
	wantProblems(t, x, `POST /pay (Requests[0]): the card number sent in the body reached the log: log entry #1 (msg "payment"), field "form"`)
}

func init() {
	registerLayers(
		layerCase{name: "SecretsInLogs/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			rec := scenario.NewLogRecorder()
			return scenario.SecretsInLogs{Target: scenario.Handler(wrap(silApp{}.handler(slog.New(rec)))), Source: rec}
		}},
		layerCase{name: "SecretsInLogs/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			rec := scenario.NewLogRecorder()
			return scenario.SecretsInLogs{Target: scenario.Handler(wrap(silApp{logBody: true, logAuth: true}.handler(slog.New(rec)))), Source: rec}
		}},
	)
}

// An access log written after the handler answered (a middleware that logs
// when its handler returns) is searched too: in process the check waits
// for the handlers to return before it reads the log.
func TestSecretsInLogsReadsWhatIsLoggedAfterTheResponse(t *testing.T) {
	t.Parallel()
	rec := scenario.NewLogRecorder()
	log := slog.New(rec)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2")
		w.Write([]byte("ok")) // the whole response: the client has it now
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond) // the rest of the middleware's work
		log.Info("request", "authorization", r.Header.Get("Authorization"))
	})
	wantProblems(t, scenario.SecretsInLogs{Target: scenario.Handler(h), Source: rec, Requests: []scenario.Request{
		{Path: "/", Header: http.Header{"Authorization": {"Bearer " + scenario.SecretPlaceholder}}},
	}}, `GET / (Requests[0]): the token sent in the Authorization header reached the log`)
}
