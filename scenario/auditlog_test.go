package scenario_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"testing/synctest"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario"
)

func TestAuditLogRecorderSlogtest(t *testing.T) {
	rec := scenario.NewLogRecorder()
	slogtest.Run(t, func(*testing.T) slog.Handler { rec.Reset(); return rec }, func(t *testing.T) map[string]any {
		es := rec.Entries()
		if len(es) != 1 {
			t.Fatalf("%d entries, want 1", len(es))
		}
		return es[0]
	})
	rec.Reset()
	if err := slogtest.TestHandler(rec, func() []map[string]any {
		var out []map[string]any
		for _, e := range rec.Entries() {
			out = append(out, e)
		}
		return out
	}); err != nil {
		t.Fatal(err)
	}
}

func TestAuditLogRecorderConcurrent(t *testing.T) {
	rec := scenario.NewLogRecorder()
	log := slog.New(rec).With("app", "x").WithGroup("req")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { log.Info("hit", "n", i) })
	}
	wg.Wait()
	es := rec.Entries()
	if len(es) != 50 {
		t.Fatalf("%d entries, want 50", len(es))
	}
	if v, ok := es[0].Lookup("req.n"); !ok || v == nil {
		t.Errorf("Lookup(req.n) = %v, %v; entry %v", v, ok, es[0])
	}
	if v, _ := es[0].Lookup("app"); v != "x" {
		t.Errorf("Lookup(app) = %v, want x", v)
	}
}

// auditApp is a login handler that audits to log. Its zero knobs make it
// correct; each knob breaks it one way.
type auditApp struct {
	log         *slog.Logger
	noEntry     bool // writes no audit entry
	noIP        bool // entry without IP
	wrongUser   bool // records a constant user
	zeroTime    bool // record with a zero Time
	farTime     bool // record an hour old
	serverIP    bool // records the server's address
	proxyIP     bool // records RemoteAddr even behind the proxy
	noFailures  bool // does not audit failed logins
	logPassword bool // logs the submitted password
	sameOutcome bool // records "success" for failures too
	noDenied    bool // does not audit refusals
	// trustedProxy is the proxy whose X-Forwarded-For the app honours
	// (the rightmost address, which the proxy appended); "" for none.
	trustedProxy string
	trustAnyXFF  bool // honours X-Forwarded-For from anyone (spoofable)
	leftmostXFF  bool // behind the proxy, takes the leftmost address (the client's own claim)
	logToken     bool // logs the session token it sets
	failAnon     bool // records failed logins as "anonymous", not the account tried
}

var auditIDs = map[string]string{"alice@example.com": "u-1001", "bob@example.com": "u-1002"}

func (a *auditApp) audit(r *http.Request, user, event, outcome string, extra ...any) {
	if a.noEntry {
		return
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	if hops := strings.Split(r.Header.Get("X-Forwarded-For"), ","); hops[0] != "" && !a.proxyIP {
		switch {
		case a.trustAnyXFF, a.leftmostXFF && ip == a.trustedProxy:
			ip = strings.TrimSpace(hops[0])
		case a.trustedProxy != "" && ip == a.trustedProxy:
			ip = strings.TrimSpace(hops[len(hops)-1])
		}
	}
	if a.serverIP {
		ip = "10.0.0.1"
	}
	if a.wrongUser {
		user = "u-0001"
	}
	attrs := []any{"user_id", user, "event", event, "outcome", outcome, "resource", r.URL.Path, "request_id", fmt.Sprintf("req-%d", time.Now().UnixNano())}
	if !a.noIP {
		attrs = append(attrs, "ip", ip)
	}
	attrs = append(attrs, extra...)
	t := time.Now()
	switch {
	case a.zeroTime:
		t = time.Time{}
	case a.farTime:
		t = t.Add(-time.Hour)
	}
	rec := slog.NewRecord(t, slog.LevelInfo, "audit", 0)
	rec.Add(attrs...)
	a.log.Handler().Handle(r.Context(), rec)
}

func (a *auditApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/admin" {
		if !a.noDenied {
			a.audit(r, "anonymous", "access", "denied")
		}
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	var creds struct{ Email, Password string }
	json.NewDecoder(r.Body).Decode(&creds)
	var extra []any
	if a.logPassword {
		extra = []any{"password", creds.Password}
	}
	if id, ok := auditIDs[creds.Email]; ok && creds.Password == "correct-horse-battery-staple" {
		const token = "sess-4f9c2a7e81b3d605"
		http.SetCookie(w, &http.Cookie{Name: "session", Value: token, HttpOnly: true, Secure: true})
		if a.logToken {
			extra = append(extra, "session", token)
		}
		a.audit(r, id, "login", "success", extra...)
		w.Write([]byte(`{"ok":true}`))
		return
	}
	if !a.noFailures {
		outcome := "failure"
		if a.sameOutcome {
			outcome = "success"
		}
		user := auditIDs[creds.Email]
		if a.failAnon {
			user = "anonymous"
		}
		a.audit(r, user, "login", outcome, extra...)
	}
	http.Error(w, "invalid email or password", http.StatusUnauthorized)
}

var regulatedFields = []string{"user_id", "time", "ip", "event", "outcome", "resource", "request_id"}

// auditFull is the Regulated-style scenario: every field, failures and
// refusals audited.
func auditFull(target scenario.Target, src scenario.LogSource) scenario.AuditLog {
	return scenario.AuditLog{
		Target: target, Source: src, UserID: "u-1001",
		Required: regulatedFields, Failures: true,
		Denied: scenario.Request{Method: http.MethodGet, Path: "/admin"},
	}
}

// syncBuffer is a bytes.Buffer safe for a server goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) reader() io.Reader {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.NewReader(bytes.Clone(b.buf.Bytes()))
}

func TestAuditLogPassesCorrectApps(t *testing.T) {
	t.Run("recorder", func(t *testing.T) {
		rec := scenario.NewLogRecorder()
		x := auditFull(scenario.Handler(&auditApp{log: slog.New(rec)}), rec)
		res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
		if res.Failed {
			t.Fatalf("correct app failed:\n%s", res.Output())
		}
		for _, want := range []string{
			"When I successfully log in",
			"Then an audit log entry records my user ID, timestamp, and IP address",
			`user "u-1001" from 192.0.2.10; required fields user_id, time, ip, event, outcome, resource, request_id`,
			`login: POST /login, body {"email":"alice@example.com","password":"[REDACTED]"} = 200; 1 new audit entry`,
			"Then the failed login is audited too",
			"Then the refusal is audited too",
		} {
			if !strings.Contains(res.Output(), want) {
				t.Errorf("output lacks %q:\n%s", want, res.Output())
			}
		}
	})
	t.Run("JSON lines", func(t *testing.T) {
		var buf syncBuffer
		x := auditFull(scenario.Handler(&auditApp{log: slog.New(slog.NewJSONHandler(&buf, nil))}), scenario.JSONLines(buf.reader))
		if err := x.Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("behind a proxy", func(t *testing.T) {
		rec := scenario.NewLogRecorder()
		x := auditFull(scenario.Handler(&auditApp{log: slog.New(rec), trustedProxy: "192.0.2.10"}), rec)
		x.ForwardedFor = "203.0.113.9"
		if err := x.Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("URL", func(t *testing.T) {
		var buf syncBuffer
		srv := httptest.NewServer(&auditApp{log: slog.New(slog.NewJSONHandler(&buf, nil))})
		defer srv.Close()
		if err := auditFull(scenario.URL(srv.URL), scenario.JSONLines(buf.reader)).Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("seed defaults", func(t *testing.T) {
		// Only user_id, time, ip; failures not required.
		rec := scenario.NewLogRecorder()
		x := scenario.AuditLog{Target: scenario.Handler(&auditApp{log: slog.New(rec), noFailures: true}), Source: rec, UserID: "u-1001"}
		if err := x.Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAuditLogCatchesBrokenApps(t *testing.T) {
	tests := []struct {
		name string
		app  auditApp
		via  string // "recorder" (default) or "json"
		prox bool
		want []string
	}{
		{name: "no entry", app: auditApp{noEntry: true}, want: []string{"no audit entry was written for the successful login of u-1001"}},
		{name: "no IP", app: auditApp{noIP: true}, want: []string{`the login's audit entry has no "ip": record the client's IP address`}},
		{name: "wrong user", app: auditApp{wrongUser: true}, want: []string{`the login's audit entry has user_id "u-0001", want "u-1001"`}},
		{name: "zero time", app: auditApp{zeroTime: true}, want: []string{`the login's audit entry has no "time": record when it happened (a slog record's Time must not be zero`}},
		{name: "time an hour off", app: auditApp{farTime: true}, want: []string{"the login's audit entry has time", "1h0m0s before the request was sent"}},
		{name: "time an hour off in JSON", app: auditApp{farTime: true}, via: "json", want: []string{"1h0m0s before the request was sent"}},
		{name: "server IP", app: auditApp{serverIP: true}, want: []string{`has ip "10.0.0.1", want the client's address 192.0.2.10`}},
		{name: "spoofed X-Forwarded-For", app: auditApp{trustAnyXFF: true}, want: []string{
			`the login's audit entry has ip "203.0.113.66", the address the client wrote in X-Forwarded-For: no trusted proxy is declared, so record the connection's address (192.0.2.10)`,
		}},
		{name: "leftmost X-Forwarded-For behind the proxy", app: auditApp{trustedProxy: "192.0.2.10", leftmostXFF: true}, prox: true, want: []string{
			`has ip "203.0.113.66", the leftmost X-Forwarded-For address, which the client wrote: take the rightmost address, the one your trusted proxy appended (203.0.113.9)`,
		}},
		{name: "session token logged", app: auditApp{logToken: true}, want: []string{
			`the login's audit entry contains the session token the login set (cookie "session", 21 characters, not shown): never log session tokens`,
		}},
		{name: "failed login without the account", app: auditApp{failAnon: true}, want: []string{
			`the failed login's audit entry has user_id "anonymous", want the account tried ("u-1001" or "alice@example.com")`,
		}},
		{name: "proxy IP", app: auditApp{proxyIP: true}, prox: true, want: []string{`has ip "192.0.2.10", the proxy's address, want the client's 203.0.113.9`}},
		{name: "failures not audited", app: auditApp{noFailures: true}, want: []string{"no audit entry was written for the failed login of u-1001: failed logins must be audited too"}},
		{name: "password logged", app: auditApp{logPassword: true}, want: []string{`the login's audit entry contains the password "correct-horse-battery-staple"`, `the failed login's audit entry contains the password "wrong-password"`}},
		{name: "same outcome", app: auditApp{sameOutcome: true}, want: []string{`the failed login's audit entry has outcome "success", the same as the successful login's`}},
		{name: "refusal not audited", app: auditApp{noDenied: true}, want: []string{"no audit entry was written for the refused GET /admin"}},
	}
	for _, tt := range tests {
		// In a synctest bubble: the clock stands still while the request
		// is served, so "an hour off" is exactly 1h0m0s however busy the
		// machine (issue 10, item 8; it was seen as 59m59.998s).
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := scenario.NewLogRecorder()
				var buf syncBuffer
				var src scenario.LogSource = rec
				tt.app.log = slog.New(rec)
				if tt.via == "json" {
					tt.app.log, src = slog.New(slog.NewJSONHandler(&buf, nil)), scenario.JSONLines(buf.reader)
				}
				x := auditFull(scenario.Handler(&tt.app), src)
				if tt.prox {
					x.ForwardedFor = "203.0.113.9"
				}
				probs := rlProblems(t, x.Verify(t.Context()))
				for _, w := range tt.want {
					if !strings.Contains(probs.Error(), w) {
						t.Errorf("problems lack %q:\n%v", w, probs)
					}
				}
			})
		})
	}
}

func TestAuditLogJSONTimes(t *testing.T) {
	for name, tc := range map[string]struct {
		format func(time.Time) string
		want   string
	}{
		"local without offset": {func(t time.Time) string { return t.Format("2006-01-02T15:04:05") }, "a local time without an offset is ambiguous"},
		"epoch":                {func(t time.Time) string { return fmt.Sprint(t.Unix()) }, "want an RFC 3339 time with Z or an offset"},
	} {
		t.Run(name, func(t *testing.T) {
			var buf syncBuffer
			app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(&buf, `{"time":%q,"user_id":"alice@example.com","ip":"192.0.2.10"}`+"\n", tc.format(time.Now()))
			})
			x := scenario.AuditLog{Target: scenario.Handler(app), Source: scenario.JSONLines(buf.reader)}
			probs := rlProblems(t, x.Verify(t.Context()))
			if !strings.Contains(probs.Error(), tc.want) {
				t.Errorf("problems lack %q:\n%v", tc.want, probs)
			}
		})
	}
}

func TestAuditLogReportsThroughS(t *testing.T) {
	rec := scenario.NewLogRecorder()
	x := auditFull(scenario.Handler(&auditApp{log: slog.New(rec), wrongUser: true}), rec)
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if !res.Failed {
		t.Fatal("jetty.Check passed an app that records the wrong user")
	}
	want := `Then an audit log entry records my user ID, timestamp, and IP address: the login's audit entry has user_id "u-0001", want "u-1001"`
	if !strings.Contains(res.ErrorText(), want) {
		t.Errorf("errors lack %q:\n%s", want, res.ErrorText())
	}
}

func TestAuditLogBadConfig(t *testing.T) {
	rec := scenario.NewLogRecorder()
	app := scenario.Handler(&auditApp{log: slog.New(rec)})
	tests := []struct {
		name string
		x    scenario.AuditLog
		want string
	}{
		{"zero", scenario.AuditLog{}, "AuditLog.Target is not set"},
		{"no source", scenario.AuditLog{Target: app}, "AuditLog.Source is not set: log the application's audit events to rec := scenario.NewLogRecorder()"},
		{"no user", scenario.AuditLog{Target: app, Source: rec, Login: scenario.Request{Body: []byte("user=alice")}}, "AuditLog.UserID is not set"},
		{"negative skew", scenario.AuditLog{Target: app, Source: rec, MaxSkew: -time.Second}, "AuditLog.MaxSkew = -1s"},
		{"bad IP", scenario.AuditLog{Target: app, Source: rec, ClientIP: "nope"}, `AuditLog.ClientIP = "nope"`},
		{"failures without password", scenario.AuditLog{Target: app, Source: rec, UserID: "u", Failures: true, Login: scenario.Request{Body: []byte("user=alice")}}, "set AuditLog.FailedLogin"},
		{"login fails", scenario.AuditLog{Target: app, Source: rec, Login: scenario.LoginRequest("alice@example.com", "nope")}, "the login must succeed (2xx or 3xx)"},
		{"nil JSON source", scenario.AuditLog{Target: app, Source: scenario.JSONLines(nil)}, "scenario.JSONLines(nil)"},
		{"not JSON", scenario.AuditLog{Target: app, Source: scenario.JSONLines(func() io.Reader { return strings.NewReader("time=now\n") })}, "audit log line 1 is not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := rlProblems(t, tt.x.Verify(context.Background()))
			if !strings.Contains(probs.Error(), tt.want) {
				t.Errorf("problems lack %q:\n%v", tt.want, probs)
			}
		})
	}
}

func TestAuditLogTakesPresetParams(t *testing.T) {
	// This test is about the preset reaching the check through Feature, not
	// about filtering: the caller's JETTY_* forms must not skip its
	// production scenario.
	t.Setenv("JETTY_MODE", "")
	t.Setenv("JETTY_TAGS", "")
	reg, _ := preset.Regulated.Requirement(preset.AuditLog)
	p := preset.New("audited", reg)
	rec := scenario.NewLogRecorder()
	jetty.Feature(t, "Login", func(f *jetty.F) {
		// Denied: the preset requires the refusal probe (not proven
		// without it, which makes the coverage partial).
		f.Include(scenario.AuditLog{Target: scenario.Handler(&auditApp{log: slog.New(rec)}), Source: rec, UserID: "u-1001",
			Denied: scenario.Request{Method: http.MethodGet, Path: "/admin"}})
	}, jetty.External(p), jetty.Traits(preset.Login))
	// The preset asked for the failed login: its entry was read.
	var failures int
	for _, e := range rec.Entries() {
		// The failed logins of alice (u-1001): the log-injection probe's
		// failed login, for another name, is not the one the preset asks.
		if e["outcome"] == "failure" && e["user_id"] == "u-1001" {
			failures++
		}
	}
	if failures != 1 {
		t.Errorf("%d failed-login entries, want 1: the Regulated preset's failures parameter was not applied", failures)
	}
}

func init() {
	registerLayers(
		layerCase{name: "AuditLog/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			rec := scenario.NewLogRecorder()
			return auditFull(scenario.Handler(wrap(&auditApp{log: slog.New(rec)})), rec)
		}},
		layerCase{name: "AuditLog/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			rec := scenario.NewLogRecorder()
			return auditFull(scenario.Handler(wrap(&auditApp{log: slog.New(rec), noIP: true, noFailures: true})), rec)
		}},
	)
}

// A login name with a line break must not forge an entry in a log written
// as text lines (OWASP ASVS 5.0 V16.4.1): a handler that writes JSON by
// hand lets the name end its line and start a forged one.
func TestAuditLogInjection(t *testing.T) {
	for _, tc := range []struct {
		name   string
		encode func(string) string
		want   string
	}{
		{"hand-written JSON", func(s string) string { return `"` + s + `"` }, "log injection"},
		{"encoded JSON", func(s string) string { b, _ := json.Marshal(s); return string(b) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf syncBuffer
			app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var creds struct{ Email, Password string }
				json.NewDecoder(r.Body).Decode(&creds)
				ip, _, _ := net.SplitHostPort(r.RemoteAddr)
				ok := creds.Email == "alice@example.com" && creds.Password == "correct-horse-battery-staple"
				outcome := map[bool]string{true: "success", false: "failure"}[ok]
				fmt.Fprintf(&buf, `{"time":%q,"user_id":%s,"ip":%q,"outcome":%q}`+"\n", time.Now().UTC().Format(time.RFC3339Nano), tc.encode(creds.Email), ip, outcome)
				if !ok {
					http.Error(w, "no", http.StatusUnauthorized)
				}
			})
			x := scenario.AuditLog{Target: scenario.Handler(app), Source: scenario.JSONLines(buf.reader)}
			err := x.Verify(t.Context())
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if probs := rlProblems(t, err); !strings.Contains(probs.Error(), tc.want) {
				t.Errorf("problems lack %q:\n%v", tc.want, probs)
			}
		})
	}
}

// The zero LogRecorder records, as one from NewLogRecorder does.
func TestZeroLogRecorderRecords(t *testing.T) {
	var rec scenario.LogRecorder
	slog.New(&rec).With("app", "x").Info("login", "user_id", "u-1")
	if got := rec.Entries(); len(got) != 1 || got[0]["user_id"] != "u-1" {
		t.Errorf("entries = %v, want one login entry", got)
	}
}
