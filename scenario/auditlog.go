package scenario

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// AuditFields names the fields of an audit entry. A zero field takes its
// default, shown after it.
type AuditFields struct {
	UserID    string // "user_id"
	Time      string // "time" (slog.TimeKey)
	IP        string // "ip"
	Event     string // "event"
	Outcome   string // "outcome"
	Resource  string // "resource"
	RequestID string // "request_id"
}

// name maps a canonical field (as in the preset's "fields" parameter) to
// the application's name for it.
func (f AuditFields) name(canonical string) string {
	own := map[string]string{"user_id": f.UserID, "time": f.Time, "ip": f.IP, "event": f.Event,
		"outcome": f.Outcome, "resource": f.Resource, "request_id": f.RequestID}[canonical]
	return cmp.Or(own, canonical)
}

// Defaults of AuditLog.
const (
	auditDefaultEmail    = "alice@example.com"
	auditDefaultPassword = "correct-horse-battery-staple"
	auditDefaultSkew     = 2 * time.Second
)

// AuditLog checks that authentication events are audited: the seed
//
//	When I successfully log in
//	Then an audit log entry records my user ID, timestamp, and IP address
//
// It logs in, then reads the entries the application wrote to Source
// during the request and checks the entry's values, not only their
// presence: the user ID is the one who logged in; the time is set, within
// the request's time window (MaxSkew either side) and, in JSON lines, RFC
// 3339 with Z or an offset; the IP address is the client's — not empty,
// not 0.0.0.0, not the server's or the proxy's. Under a preset whose
// "fields" parameter lists more fields (Regulated: event, outcome, resource,
// request_id — PCI DSS v4 10.2.2) each must be present and non-empty. The
// entry must not contain the login's password (PCI DSS v4 3.3, 8.3.2; OWASP
// Logging Cheat Sheet). When failed logins must be audited (Failures, or the
// preset's "failures" parameter, true under Regulated), a failed login must
// write an entry too, with a time, the client's IP, the account tried (its
// ID or the name submitted) and an outcome that differs from the success's; a Denied request must be audited likewise
// (PCI DSS v4 10.2.1.4; OWASP ASVS 5.0 V16.3). It covers preset.AuditLog.
//
// # Probes
//
// By default it runs: the successful login, whose entry is checked as
// above and must not contain the password nor a session token the login
// answered (a cookie, or a JSON token field: OWASP ASVS 5.0 V16.2.5); the
// client address's origin (OWASP ASVS 5.0 V16.2.1): every request claims
// another address, 203.0.113.66, in X-Forwarded-For, X-Real-IP,
// True-Client-IP and Forwarded, and the entry must record the connection's
// address, unless ForwardedFor declares a trusted proxy, when the request
// carries "203.0.113.66, ForwardedFor" as the proxy forwards it and the
// entry must record the rightmost address, ForwardedFor; and log injection
// (V16.4.1): a login whose account name holds a line break and a forged
// JSON entry must forge no entry and leave the log readable (this needs a
// JSON Login, else it is reported not proven). Failed logins run when the
// preset's "failures" parameter or Failures asks (the failed login is
// derived from Login unless FailedLogin is set). A refused request needs
// Denied: when failures must be audited and Denied is not set, it is
// reported as "not proven: …; set Denied".
//
// AuditLog is a value; Verify and Run are safe in parallel tests when the
// target and the source are (a source shared by concurrent tests mixes
// their entries: give each test its own recorder).
//
// Not proven without its field, and required by a preset with
// preset.AuditLog: the log-injection probe (a JSON Login naming the account),
// and, when the preset asks for failures (its "failures" parameter, as
// Regulated does), the refusal probe (Denied); asked for by the Failures
// field alone, Denied is optional.
type AuditLog struct {
	production

	// Target is the application. Required. For an in-process target the
	// client's address is the Target's ClientIP (default 192.0.2.10); for a
	// URL target it is a loopback address.
	Target Target
	// Source is where the application writes its audit entries: an
	// *LogRecorder it logs to, JSONLines, or your own. Required.
	Source LogSource
	// Login is a successful login. Zero fields default to LoginRequest(
	// "alice@example.com", "correct-horse-battery-staple"). Any 2xx or 3xx
	// answer counts as success.
	Login Request
	// UserID is the user ID the entry must record. Default: the "email" (or
	// "username") of Login's JSON body.
	UserID string
	// ClientIP is the address the entry must record. Default: the Target's
	// ClientIP in process; any loopback address for a URL target.
	ClientIP string
	// ForwardedFor declares a trusted proxy in front of the application:
	// every request comes from the proxy's address (the Target's ClientIP
	// in process) with X-Forwarded-For: "203.0.113.66, ForwardedFor", as
	// the proxy forwards a client's own claim with the client's address
	// appended; the entry must record ForwardedFor, not the proxy's address
	// nor the claim. Zero: no proxy, and the entry must record the
	// connection's address whatever the headers claim.
	ForwardedFor string
	// Fields names the entry's fields. Default user_id, time, ip, event,
	// outcome, resource, request_id.
	Fields AuditFields
	// Required lists the fields every entry must have, by their canonical
	// names (see AuditFields) or your own. Default: the preset's "fields"
	// parameter, else user_id, time, ip.
	Required []string
	// Failures requires failed logins to be audited too. Default: the
	// preset's "failures" parameter ("true" under Regulated), else false.
	// Setting FailedLogin also turns it on.
	Failures bool
	// FailedLogin is a login that must fail. Default: Login with its JSON
	// "password" replaced by "wrong-password".
	FailedLogin Request
	// Denied, when set, is a request the application must refuse (401 or
	// 403), such as another user's object; the refusal must be audited too.
	Denied Request
	// MaxSkew is how far an entry's time may lie outside the request's time
	// window. Default 2s.
	MaxSkew time.Duration
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "a successful login is audited with user ID, timestamp and IP address".
func (AuditLog) Title() string {
	return "a successful login is audited with user ID, timestamp and IP address"
}

// Covers returns preset.AuditLog.
func (AuditLog) Covers() []preset.ID { return []preset.ID{preset.AuditLog} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil. Without a preset, Required defaults
// to user_id, time, ip and failed logins are checked only when Failures or
// FailedLogin is set.
func (x AuditLog) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s, with defaults from the project's
// preset.
func (x AuditLog) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// auditConfig is an AuditLog with its defaults resolved.
type auditConfig struct {
	login, failed   Request
	user, ip, proxy string
	required        []string
	failures        bool
	skew            time.Duration
	passwords       []string
	anyLoopback     bool
	// behindProxy: ForwardedFor is set (a trusted proxy is declared).
	behindProxy bool
}

func (x AuditLog) config(r reporter) (auditConfig, bool) {
	param := paramsOf(r, preset.AuditLog)
	pFields := param.List(preset.ParamFields, []string{"user_id", "time", "ip"})
	pFailures := param.Bool(preset.ParamFailures, false)
	ok := true
	bad := func(format string, args ...any) { r.errorf(format, args...); ok = false }
	cfg := auditConfig{login: x.Login.orDefault(LoginRequest(auditDefaultEmail, auditDefaultPassword)), user: x.UserID, skew: x.MaxSkew}
	if x.Target.IsZero() {
		bad("AuditLog.Target is not set: set it to scenario.Handler(app), scenario.HandlerFunc(newApp) or scenario.URL(\"http://127.0.0.1:8080\")")
	}
	if x.Source == nil {
		bad("AuditLog.Source is not set: log the application's audit events to rec := scenario.NewLogRecorder() (slog.New(rec)) and set Source: rec, or use scenario.JSONLines")
	}
	if cfg.user == "" {
		u, found := cfg.login.jsonField("email", "username", "user")
		if !found || u == "" {
			bad("AuditLog.UserID is not set and Login's body has no \"email\" or \"username\": set UserID to the ID your application records for the user who logs in")
		}
		cfg.user = u
	}
	switch {
	case cfg.skew < 0:
		bad("AuditLog.MaxSkew = %v: want a positive duration, or 0 for the default %v", cfg.skew, auditDefaultSkew)
	case cfg.skew == 0:
		cfg.skew = auditDefaultSkew
	}
	cfg.required = slices.Clone(x.Required)
	if len(cfg.required) == 0 {
		cfg.required = pFields
	}
	if len(cfg.required) == 0 {
		cfg.required = []string{"user_id", "time", "ip"}
	}
	cfg.failures = x.Failures || !x.FailedLogin.IsZero() || pFailures
	if p, found := cfg.login.jsonField("password"); found && p != "" {
		cfg.passwords = append(cfg.passwords, p)
	}
	if cfg.failures {
		if !x.FailedLogin.IsZero() {
			cfg.failed = x.FailedLogin.orDefault(Request{Method: cfg.login.Method, Path: cfg.login.Path})
		} else {
			var m map[string]any
			if json.Unmarshal(cfg.login.Body, &m) != nil || m["password"] == nil {
				bad("failed logins must be audited, but Login's body has no JSON \"password\" to get wrong: set AuditLog.FailedLogin to a login that fails")
			} else {
				m["password"] = "wrong-password"
				body, _ := json.Marshal(m)
				cfg.failed = Request{Method: cfg.login.Method, Path: cfg.login.Path, Header: cfg.login.Header.Clone(), Body: body}
			}
		}
		if p, found := cfg.failed.jsonField("password"); found && p != "" {
			cfg.passwords = append(cfg.passwords, p)
		}
	}
	if p := x.addresses(&cfg); p != "" {
		bad("%s", p)
	}
	return cfg, ok
}

// addresses resolves the client address the entry must record, and the
// proxy's when one is declared; it returns what is wrong with the fields.
func (x AuditLog) addresses(cfg *auditConfig) string {
	cfg.ip = x.ClientIP
	switch {
	case x.ForwardedFor != "":
		cfg.proxy = cfg.ip
		if cfg.proxy == "" && !x.Target.IsURL() {
			cfg.proxy = cmp.Or(x.Target.clientIP, defaultClientIP)
		}
		cfg.ip, cfg.behindProxy = x.ForwardedFor, true
		if net.ParseIP(x.ForwardedFor) == nil {
			return fmt.Sprintf("AuditLog.ForwardedFor = %q: want an IP address such as \"203.0.113.9\"", x.ForwardedFor)
		}
	case cfg.ip != "":
		if net.ParseIP(cfg.ip) == nil {
			return fmt.Sprintf("AuditLog.ClientIP = %q: want an IP address such as \"192.0.2.10\"", cfg.ip)
		}
	case x.Target.IsURL():
		cfg.anyLoopback = true
	default:
		cfg.ip = cmp.Or(x.Target.clientIP, defaultClientIP)
	}
	return ""
}

// auditText renders a field's value for comparison and reports.
func auditText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

// auditMask hides the secrets the scenario knows (the passwords it sent,
// the tokens it got) wherever an entry shows them, whatever the field's
// name: a password logged under "detail" must not reach the test's output
// either.
func auditMask(s string, passwords []string) string {
	for _, p := range passwords {
		if len(p) >= 4 {
			s = strings.ReplaceAll(s, p, redact.Mask)
		}
	}
	return s
}

// auditPasswordName names a password found in an entry: the scenario's
// documented default passwords are quoted, a password the caller set is
// not, since it may be a real credential.
func auditPasswordName(p string) string {
	if p == auditDefaultPassword || p == "wrong-password" {
		return strconv.Quote(p)
	}
	return fmt.Sprintf("the login sent (%d characters, not shown)", len(p))
}

// auditShow renders e as sorted key=value pairs, groups as dotted keys.
func auditShow(e LogEntry) string {
	var parts []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if sub, ok := logMap(m[k]); ok {
				walk(prefix+k+".", sub)
				continue
			}
			parts = append(parts, fmt.Sprintf("%s%s=%q", prefix, k, auditText(m[k])))
		}
	}
	walk("", e)
	return strings.Join(parts, " ")
}

// auditContains reports whether any value in e (recursively) contains s.
func auditContains(v any, s string) bool {
	if m, ok := logMap(v); ok {
		for k, w := range m {
			if strings.Contains(k, s) || auditContains(w, s) {
				return true
			}
		}
		return false
	}
	if l, ok := v.([]any); ok {
		return slices.ContainsFunc(l, func(w any) bool { return auditContains(w, s) })
	}
	return strings.Contains(auditText(v), s)
}

// auditSpoofed is the client address every request claims for itself in
// X-Forwarded-For and its kin (RFC 5737 documentation range): an entry
// that records it took the address from a header the client wrote.
const auditSpoofed = "203.0.113.66"

// auditClientHeaders are the client-address headers a request carries.
// Without a trusted proxy, the client itself claims another address in
// every header that commonly carries one: the entry must record the
// connection's address. Behind the proxy (forwardedFor set), the chain is
// what the proxy forwards for a client that wrote its own X-Forwarded-For:
// the claim first, the client's address, appended by the proxy, last.
func auditClientHeaders(forwardedFor string) http.Header {
	if forwardedFor != "" {
		return http.Header{"X-Forwarded-For": {auditSpoofed + ", " + forwardedFor}, "X-Real-Ip": {forwardedFor}}
	}
	return http.Header{
		"X-Forwarded-For": {auditSpoofed}, "X-Real-Ip": {auditSpoofed},
		"True-Client-Ip": {auditSpoofed}, "Forwarded": {"for=" + auditSpoofed},
	}
}

// alRun is one run of an AuditLog: its config, its client and what it saw.
type alRun struct {
	x   AuditLog
	r   reporter
	ctx context.Context
	cfg auditConfig
	c   *client
	src string
	// successOutcome is the successful login's outcome, when the entry
	// had one; haveSuccess says the entry was found.
	successOutcome any
	haveSuccess    bool
	// tokens are the session tokens the login answered; masks every
	// secret the scenario knows (passwords, tokens), hidden in its output.
	tokens []auditToken
	masks  []string
}

// auditToken is a session token a login answered, named for reports.
type auditToken struct{ where, value string }

// auditTokenKeys are the JSON fields a login answers a token in.
var auditTokenKeys = []string{"token", "access_token", "refresh_token", "id_token", "session", "session_id", "sessionId", "jwt"}

// auditTokens returns the session tokens a login's response carries: its
// cookies and the token fields of a JSON body, of at least 8 characters.
func auditTokens(h http.Header, body []byte) []auditToken {
	var out []auditToken
	for _, line := range h.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && len(c.Value) >= 8 {
			out = append(out, auditToken{fmt.Sprintf("cookie %q", c.Name), c.Value})
		}
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range auditTokenKeys {
			if v, ok := m[k].(string); ok && len(v) >= 8 {
				out = append(out, auditToken{fmt.Sprintf("JSON field %q", k), v})
			}
		}
	}
	return out
}

// alSent is one request sent and the entries written meanwhile.
type alSent struct {
	resp          *response
	entries       []LogEntry
	before, after time.Time
}

func (x AuditLog) exec(r reporter) {
	run := &alRun{x: x, r: r, ctx: r.context(), src: "the audit source"}
	if s, isStr := x.Source.(fmt.Stringer); isStr {
		run.src = s.String()
	}
	ok := false
	r.step("Given", "the application writes audit entries to "+run.src, func() { ok = run.open() })
	if !ok {
		return
	}
	var login alSent
	r.step("When", "I successfully log in", func() { login, ok = run.login() })
	if !ok {
		return
	}
	r.step("Then", "an audit log entry records my user ID, timestamp, and IP address", func() { run.success(login) })
	run.injection()
	switch {
	case run.cfg.failures && !run.cfg.failed.IsZero():
		run.failedLogin()
	case !run.cfg.failures:
		r.logf("failed logins were not checked: neither the preset (its %q parameter) nor the check asks; set Failures to check they are audited too (OWASP ASVS 5.0 V16.3.1)", preset.ParamFailures)
	}
	switch {
	case !x.Denied.IsZero():
		run.denied(x.Denied.orDefault(Request{Method: http.MethodGet, Path: "/"}))
	case run.cfg.failures:
		// Required when the preset asks for failures (its "failures"
		// parameter, as Regulated does), optional when only the check's
		// Failures field does.
		n := need{field: "AuditLog.Denied"}
		if paramsOf(r, preset.AuditLog).Bool(preset.ParamFailures, false) {
			n.id = preset.AuditLog
		}
		r.notProven(n, "a refused request is audited (OWASP ASVS 5.0 V16.3.2; PCI DSS v4 10.2.1.4): the check knows no request the application refuses; set Denied, e.g. another user's object or an admin route without the role")
	}
}

// open resolves the config and opens the target.
func (run *alRun) open() bool {
	cfg, ok := run.x.config(run.r)
	if !ok {
		return false
	}
	run.cfg = cfg
	if run.c = connect(run.r, run.x.Target); run.c == nil {
		return false
	}
	ipDesc := cfg.ip
	if cfg.anyLoopback {
		ipDesc = "a loopback address"
	}
	run.r.logf("target %v; user %q from %s; required fields %s", run.x.Target, cfg.user, ipDesc, strings.Join(cfg.required, ", "))
	return true
}

// send sends q and returns the entries written meanwhile, with the time
// window around the request; ok is false when it could not.
func (run *alRun) send(what string, q Request) (s alSent, ok bool) {
	r, src := run.r, run.src
	old, err := run.x.Source.LogEntries()
	if err != nil {
		r.errorf("reading %s before %s: %v", src, what, err)
		return s, false
	}
	s.before = time.Now()
	s.resp, err = run.c.do(run.ctx, q.req(auditClientHeaders(run.x.ForwardedFor)))
	s.after = time.Now()
	if err != nil {
		r.errorf("%s %s: %v", what, q, err)
		return s, false
	}
	all, err := run.x.Source.LogEntries()
	if err != nil {
		r.errorf("reading %s after %s: %v", src, what, err)
		return s, false
	}
	if len(all) >= len(old) {
		s.entries = all[len(old):]
	}
	r.logf("%s: %s, body %s = %s; %s", what, q, q.Body, s.resp, probe.Count(len(s.entries), "new audit entry", "new audit entries"))
	return s, true
}

// login sends the successful login.
func (run *alRun) login() (alSent, bool) {
	cfg := run.cfg
	s, ok := run.send("login", cfg.login)
	if !ok {
		return s, false
	}
	if s.resp.Dropped || s.resp.Status >= 400 {
		run.r.errorf("%s for %s = %s: the login must succeed (2xx or 3xx); set AuditLog.Login to the login of a user that exists, with the right password", cfg.login, cfg.user, s.resp)
		return s, false
	}
	run.tokens = auditTokens(s.resp.Header, s.resp.Body)
	for _, t := range run.tokens {
		run.masks = append(run.masks, t.value)
	}
	return s, true
}

// success checks the successful login's entry.
func (run *alRun) success(s alSent) {
	r, x, cfg := run.r, run.x, run.cfg
	e := x.pick(s.entries, cfg, true)
	if e == nil {
		r.errorf("no audit entry was written for the successful login of %s: write one (user ID, time, IP) for every login, e.g. logger.Info(\"login\", \"user_id\", id, \"ip\", clientIP) (OWASP ASVS 5.0 V16.3.1)", cfg.user)
		return
	}
	run.haveSuccess = true
	run.report("the login's audit entry", e, s, true)
	if slices.Contains(cfg.required, "outcome") {
		run.successOutcome, _ = e.Lookup(x.Fields.name("outcome"))
	}
	r.logf("audit entry: %s", run.show(e))
	run.passwords("the login's audit entry", e, "")
}

// auditForged is the user ID of the entry a log-injection probe forges.
const auditForged = "jetty-forged"

// auditInjected returns Login with its account name followed by a line
// break and a forged JSON entry; ok is false when Login's body is no JSON
// object naming an account.
func auditInjected(login Request, at time.Time) (Request, bool) {
	var m map[string]any
	if json.Unmarshal(login.Body, &m) != nil {
		return Request{}, false
	}
	for _, k := range []string{"email", "username", "user", "login"} {
		if v, ok := m[k].(string); ok && v != "" {
			forged := fmt.Sprintf(`{"time":%q,"user_id":%q,"ip":"192.0.2.99","event":"login","outcome":"success"}`, at.UTC().Format(time.RFC3339), auditForged)
			m[k] = "jetty-injected\n" + forged + "\nuser_id=" + auditForged
			if _, has := m["password"]; has {
				m["password"] = "wrong-password"
			}
			body, _ := json.Marshal(m)
			return Request{Method: login.Method, Path: login.Path, Header: login.Header.Clone(), Body: body}, true
		}
	}
	return Request{}, false
}

// injection logs in as a name that holds a line break and a forged entry:
// no entry may come out forged, and the log must still read (OWASP ASVS
// 5.0 V16.4.1; CWE-117).
func (run *alRun) injection() {
	r, x := run.r, run.x
	q, ok := auditInjected(run.cfg.login, time.Now())
	if !ok {
		r.notProven(need{preset.AuditLog, "AuditLog.Login"}, "a login name with a line break forges no audit entry (OWASP ASVS 5.0 V16.4.1): Login's body is no JSON object naming an account (\"email\" or \"username\"); set Login to a JSON login")
		return
	}
	const fix = "encode every value you log (slog's JSON or text handler does; never format log lines by hand), so input cannot end an entry and start another (log injection: OWASP ASVS 5.0 V16.4.1, CWE-117)"
	r.step("When", "I log in as a name with a line break and a forged entry", func() {
		old, err := x.Source.LogEntries()
		if err != nil {
			r.errorf("reading %s before the login with a line break: %v", run.src, err)
			return
		}
		resp, err := run.c.do(run.ctx, q.req(auditClientHeaders(x.ForwardedFor)))
		if err != nil {
			r.errorf("%s: %v", q, err)
			return
		}
		all, err := x.Source.LogEntries()
		if err != nil {
			r.errorf("after a login whose account name holds a line break, %s no longer reads (%v): the name ended its line; %s", run.src, err, fix)
			return
		}
		var fresh []LogEntry
		if len(all) >= len(old) {
			fresh = all[len(old):]
		}
		r.logf("login with a line break in the account name: %s = %s; %s", q, resp, probe.Count(len(fresh), "new audit entry", "new audit entries"))
		for _, e := range fresh {
			if v, found := e.Lookup(x.Fields.name("user_id")); found && auditText(v) == auditForged {
				r.errorf("a login whose account name holds a line break forged an audit entry (%s): %s", run.show(e), fix)
				return
			}
		}
	})
}

// report reports the problems of entry e of what.
func (run *alRun) report(what string, e LogEntry, s alSent, wantUser bool) {
	for _, p := range run.x.entryProblems(what, e, run.cfg, s.before, s.after, wantUser) {
		run.r.errorf("%s", p)
	}
}

// passwords reports a password the entry shows.
func (run *alRun) passwords(what string, e LogEntry, cite string) {
	if cite == "" {
		cite = "PCI DSS v4 3.3, 8.3.2; OWASP Logging Cheat Sheet"
	}
	for _, p := range run.cfg.passwords {
		if len(p) >= 4 && auditContains(e, p) {
			run.r.errorf("%s contains the password %s: never log passwords, not even failed ones (%s)", what, auditPasswordName(p), cite)
		}
	}
	for _, t := range run.tokens {
		if auditContains(e, t.value) {
			run.r.errorf("%s contains the session token the login set (%s, %d characters, not shown): never log session tokens, which let anyone who reads the log act as the user; log the user ID, or a hash of the session ID to correlate (OWASP ASVS 5.0 V16.2.5; OWASP Logging Cheat Sheet)", what, t.where, len(t.value))
		}
	}
}

// show renders e for the output with every known secret masked.
func (run *alRun) show(e LogEntry) string {
	return auditMask(auditShow(e), append(slices.Clone(run.cfg.passwords), run.masks...))
}

// failedLogin sends the failed login and checks its entry.
func (run *alRun) failedLogin() {
	r, x, cfg := run.r, run.x, run.cfg
	var s alSent
	sent := false
	r.step("When", "I fail to log in with a wrong password", func() {
		if s, sent = run.send("failed login", cfg.failed); !sent {
			return
		}
		if !s.resp.Dropped && s.resp.Status < 400 {
			r.errorf("%s with a wrong password = %d: the login must fail (401); check the password", cfg.failed, s.resp.Status)
		}
	})
	if !sent {
		return
	}
	r.step("Then", "the failed login is audited too", func() {
		e := x.pick(s.entries, cfg, false)
		if e == nil {
			r.errorf("no audit entry was written for the failed login of %s: failed logins must be audited too, with user ID, time and IP (PCI DSS v4 10.2.1.4; OWASP ASVS 5.0 V16.3.2)", cfg.user)
			return
		}
		run.report("the failed login's audit entry", e, s, false)
		tried, _ := cfg.failed.jsonField("email", "username", "user")
		if p := auditTriedProblem(e, x.Fields.name("user_id"), cfg.user, tried); p != "" && slices.Contains(cfg.required, "user_id") {
			r.errorf("the failed login's audit entry %s", p)
		}
		if run.haveSuccess && slices.Contains(cfg.required, "outcome") {
			if o, found := e.Lookup(x.Fields.name("outcome")); found && run.successOutcome != nil && auditText(o) == auditText(run.successOutcome) {
				r.errorf("the failed login's audit entry has %s %q, the same as the successful login's: record the outcome (e.g. \"failure\")", x.Fields.name("outcome"), auditText(o))
			}
		}
		run.passwords("the failed login's audit entry", e, "PCI DSS v4 3.3, 8.3.2")
		r.logf("failed-login audit entry: %s", run.show(e))
	})
}

// denied sends a request the application must refuse and checks its entry.
func (run *alRun) denied(q Request) {
	r, cfg := run.r, run.cfg
	var s alSent
	sent := false
	r.step("When", fmt.Sprintf("I am refused %s", q), func() {
		if s, sent = run.send("refused request", q); !sent {
			return
		}
		if s.resp.Status != http.StatusUnauthorized && s.resp.Status != http.StatusForbidden {
			r.errorf("%s = %s, want 401 or 403: AuditLog.Denied must be a request the application refuses", q, s.resp)
		}
	})
	if !sent {
		return
	}
	r.step("Then", "the refusal is audited too", func() {
		e := run.x.pick(s.entries, cfg, false)
		if e == nil {
			r.errorf("no audit entry was written for the refused %s: access-control failures must be audited too (PCI DSS v4 10.2.1.4; OWASP ASVS 5.0 V16.3.2)", q)
			return
		}
		run.report("the refusal's audit entry", e, s, false)
		r.logf("refusal audit entry: %s", run.show(e))
	})
}

// pick returns the new entry most like the audit entry: the one with the
// expected user ID, else the one with most required fields.
func (x AuditLog) pick(entries []LogEntry, cfg auditConfig, wantUser bool) LogEntry {
	var best LogEntry
	bestScore := 0
	for _, e := range entries {
		score := 1
		for _, f := range cfg.required {
			if _, found := e.Lookup(x.Fields.name(f)); found {
				score++
			}
		}
		if v, found := e.Lookup(x.Fields.name("user_id")); wantUser && found && auditText(v) == cfg.user {
			score += 100
		}
		if score > bestScore {
			best, bestScore = e, score
		}
	}
	return best
}

// entryProblems judges e's required fields. wantUser checks the user ID's
// value too (the successful login's entry).
func (x AuditLog) entryProblems(what string, e LogEntry, cfg auditConfig, before, after time.Time, wantUser bool) []string {
	var probs []string
	add := func(p string) {
		if p != "" {
			probs = append(probs, p)
		}
	}
	for _, f := range cfg.required {
		name := x.Fields.name(f)
		v, found := e.Lookup(name)
		if !found || v == nil || auditText(v) == "" {
			add(auditMissing(what, f, name))
			continue
		}
		switch f {
		case "user_id":
			if got := auditText(v); wantUser && got != cfg.user {
				add(fmt.Sprintf("%s has %s %q, want %q: record the ID of the user who logged in, not another", what, name, got, cfg.user))
			}
		case "time":
			add(auditTimeProblem(what, name, v, cfg.skew, before, after))
		case "ip":
			add(auditIPProblem(what, name, auditText(v), cfg))
		}
	}
	return probs
}

// auditTriedProblem judges a failed login's user ID: it must identify the
// account tried, by its ID (user) or the name submitted (tried), so that
// the attempts against one account can be followed (PCI DSS v4 10.2.2
// "user identification"; OWASP ASVS 5.0 V16.2.1 "who"). An absent ID is
// reported as a missing field instead.
func auditTriedProblem(e LogEntry, name, user, tried string) string {
	v, found := e.Lookup(name)
	got := auditText(v)
	if !found || v == nil || got == "" || got == user || tried != "" && got == tried {
		return ""
	}
	want := strconv.Quote(user)
	if tried != "" && tried != user {
		want += " or " + strconv.Quote(tried)
	}
	return fmt.Sprintf("has %s %q, want the account tried (%s): record which account the attempt was for, so that attacks on one account can be followed (PCI DSS v4 10.2.2; OWASP ASVS 5.0 V16.2.1)", name, got, want)
}

// auditMissing is the problem of a required field the entry lacks.
func auditMissing(what, field, name string) string {
	switch field {
	case "time":
		return fmt.Sprintf("%s has no %q: record when it happened (a slog record's Time must not be zero; JSON lines need an RFC 3339 time)", what, name)
	case "ip":
		return fmt.Sprintf("%s has no %q: record the client's IP address", what, name)
	case "user_id":
		return fmt.Sprintf("%s has no %q: record the ID of the user", what, name)
	}
	return fmt.Sprintf("%s has no %q: the preset requires it (PCI DSS v4 10.2.2)", what, name)
}

// auditTimeProblem judges an entry's time: RFC 3339 with an offset (in
// text), not zero, within skew of the request's window.
func auditTimeProblem(what, name string, v any, skew time.Duration, before, after time.Time) string {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case string:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			if _, err2 := time.Parse("2006-01-02T15:04:05.999999999", v); err2 == nil {
				return fmt.Sprintf("%s has %s %q: a local time without an offset is ambiguous; write RFC 3339 in UTC (\"Z\") or with its offset", what, name, v)
			}
			return fmt.Sprintf("%s has %s %q: want an RFC 3339 time with Z or an offset, e.g. %q", what, name, v, before.UTC().Format(time.RFC3339))
		}
	default:
		return fmt.Sprintf("%s has %s %v (%T): want an RFC 3339 time with Z or an offset, e.g. %q", what, name, v, v, before.UTC().Format(time.RFC3339))
	}
	switch {
	case t.IsZero():
		return fmt.Sprintf("%s has a zero %s: record when it happened", what, name)
	case t.Before(before.Add(-skew)):
		return fmt.Sprintf("%s has %s %s, %v before the request was sent (%s): record the time of the event, in UTC or with its offset", what, name, t.Format(time.RFC3339Nano), before.Sub(t).Round(time.Millisecond), before.Format(time.RFC3339Nano))
	case t.After(after.Add(skew)):
		return fmt.Sprintf("%s has %s %s, %v after the response came back (%s): record the time of the event, in UTC or with its offset", what, name, t.Format(time.RFC3339Nano), t.Sub(after).Round(time.Millisecond), after.Format(time.RFC3339Nano))
	}
	return ""
}

// auditIPProblem judges an entry's client address against the one
// expected.
func auditIPProblem(what, name, got string, cfg auditConfig) string {
	host := got
	if h, _, err := net.SplitHostPort(got); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	want := cfg.ip
	if cfg.anyLoopback {
		want = "a loopback address (the test client)"
	}
	switch {
	case ip != nil && ip.Equal(net.ParseIP(auditSpoofed)):
		if cfg.behindProxy {
			return fmt.Sprintf("%s has %s %q, the leftmost X-Forwarded-For address, which the client wrote: take the rightmost address, the one your trusted proxy appended (%s); never the client's own claim (OWASP ASVS 5.0 V16.2.1)", what, name, got, cfg.ip)
		}
		return fmt.Sprintf("%s has %s %q, the address the client wrote in X-Forwarded-For: no trusted proxy is declared, so record the connection's address (%s); any client can forge the header and hide behind another address. Honour X-Forwarded-For only from your own proxy's address, and set AuditLog.ForwardedFor when the application runs behind one (OWASP ASVS 5.0 V16.2.1)", what, name, got, want)
	case ip == nil:
		return fmt.Sprintf("%s has %s %q: not an IP address; record the client's address, %s", what, name, got, want)
	case ip.IsUnspecified():
		return fmt.Sprintf("%s has %s %q: the unspecified address; record the client's address, %s", what, name, got, want)
	case cfg.anyLoopback:
		if !ip.IsLoopback() {
			return fmt.Sprintf("%s has %s %q, want %s: record the client's address, not the server's", what, name, got, want)
		}
	case !ip.Equal(net.ParseIP(cfg.ip)):
		if cfg.proxy != "" && ip.Equal(net.ParseIP(cfg.proxy)) {
			return fmt.Sprintf("%s has %s %q, the proxy's address, want the client's %s from X-Forwarded-For: take the client address from your trusted proxy's header", what, name, got, cfg.ip)
		}
		return fmt.Sprintf("%s has %s %q, want the client's address %s: record the request's client address (RemoteAddr, or the X-Forwarded-For of your trusted proxy), not the server's or a constant", what, name, got, cfg.ip)
	}
	return ""
}
