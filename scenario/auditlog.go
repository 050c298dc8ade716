package scenario

import (
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
	pick := func(v string) string {
		if v != "" {
			return v
		}
		return canonical
	}
	switch canonical {
	case "user_id":
		return pick(f.UserID)
	case "time":
		return pick(f.Time)
	case "ip":
		return pick(f.IP)
	case "event":
		return pick(f.Event)
	case "outcome":
		return pick(f.Outcome)
	case "resource":
		return pick(f.Resource)
	case "request_id":
		return pick(f.RequestID)
	}
	return canonical
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
// write an entry too, with a time, the client's IP and an outcome that
// differs from the success's; a Denied request must be audited likewise
// (PCI DSS v4 10.2.1.4; OWASP ASVS 5.0 V16.3). It covers preset.AuditLog.
//
// AuditLog is a value; Verify and Run are safe in parallel tests when the
// target and the source are (a source shared by concurrent tests mixes
// their entries: give each test its own recorder).
type AuditLog struct {
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
	// ForwardedFor, when set, sends every request with X-Forwarded-For:
	// ForwardedFor, as through your trusted proxy: the entry must record it,
	// not the proxy's address (the request's RemoteAddr).
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

var _ jetty.Scenario = AuditLog{}

// Mode returns jetty.Production.
func (AuditLog) Mode() jetty.Mode { return jetty.Production }

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
func (x AuditLog) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

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
}

func (x AuditLog) config(r reporter) (auditConfig, bool) {
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
		cfg.required = paramsOf(r, preset.AuditLog).List(preset.ParamFields, []string{"user_id", "time", "ip"})
	}
	if len(cfg.required) == 0 {
		cfg.required = []string{"user_id", "time", "ip"}
	}
	cfg.failures = x.Failures || !x.FailedLogin.IsZero() || paramsOf(r, preset.AuditLog).Bool(preset.ParamFailures, false)
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
	cfg.ip = x.ClientIP
	switch {
	case x.ForwardedFor != "":
		if net.ParseIP(x.ForwardedFor) == nil {
			bad("AuditLog.ForwardedFor = %q: want an IP address such as \"203.0.113.9\"", x.ForwardedFor)
		}
		cfg.proxy = cfg.ip
		if cfg.proxy == "" && !x.Target.IsURL() {
			cfg.proxy = x.Target.clientIP
			if cfg.proxy == "" {
				cfg.proxy = defaultClientIP
			}
		}
		cfg.ip = x.ForwardedFor
	case cfg.ip != "":
		if net.ParseIP(cfg.ip) == nil {
			bad("AuditLog.ClientIP = %q: want an IP address such as \"192.0.2.10\"", cfg.ip)
		}
	case x.Target.IsURL():
		cfg.anyLoopback = true
	default:
		cfg.ip = x.Target.clientIP
		if cfg.ip == "" {
			cfg.ip = defaultClientIP
		}
	}
	return cfg, ok
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

// auditShow renders e as sorted key=value pairs, groups as dotted keys.
// auditMask hides the passwords the scenario sent wherever an entry shows
// them, whatever the field's name: a password logged under "detail" must
// not reach the test's output either.
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

func (x AuditLog) exec(r reporter) {
	ctx := r.context()
	var (
		cfg auditConfig
		c   *client
		ok  bool
	)
	src := "the audit source"
	if s, isStr := x.Source.(fmt.Stringer); isStr {
		src = s.String()
	}
	r.step("Given", "the application writes audit entries to "+src, func() {
		if cfg, ok = x.config(r); !ok {
			return
		}
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
			ok = false
			return
		}
		ipDesc := cfg.ip
		if cfg.anyLoopback {
			ipDesc = "a loopback address"
		}
		r.logf("target %v; user %q from %s; required fields %s", x.Target, cfg.user, ipDesc, strings.Join(cfg.required, ", "))
	})
	if !ok {
		return
	}
	// send sends q and returns the entries written meanwhile, with the
	// time window around the request.
	send := func(what string, q Request) (resp *response, got []LogEntry, before, after time.Time, sent bool) {
		old, err := x.Source.LogEntries()
		if err != nil {
			r.errorf("reading %s before %s: %v", src, what, err)
			return nil, nil, before, after, false
		}
		var extra http.Header
		if x.ForwardedFor != "" {
			extra = http.Header{"X-Forwarded-For": {x.ForwardedFor}}
		}
		before = time.Now()
		resp, err = c.do(ctx, q.req(extra))
		after = time.Now()
		if err != nil {
			r.errorf("%s %s: %v", what, q, err)
			return nil, nil, before, after, false
		}
		all, err := x.Source.LogEntries()
		if err != nil {
			r.errorf("reading %s after %s: %v", src, what, err)
			return resp, nil, before, after, false
		}
		if len(all) >= len(old) {
			got = all[len(old):]
		}
		r.logf("%s: %s, body %s = %s; %d new audit entr%s", what, q, q.Body, resp, len(got), map[bool]string{true: "y", false: "ies"}[len(got) == 1])
		return resp, got, before, after, true
	}
	var (
		entries        []LogEntry
		before, after  time.Time
		successOutcome any
		haveSuccess    bool
	)
	r.step("When", "I successfully log in", func() {
		var resp *response
		if resp, entries, before, after, ok = send("login", cfg.login); !ok {
			return
		}
		if resp.Dropped || resp.Status >= 400 {
			r.errorf("%s for %s = %s: the login must succeed (2xx or 3xx); set AuditLog.Login to the login of a user that exists, with the right password", cfg.login, cfg.user, resp)
			ok = false
		}
	})
	if !ok {
		return
	}
	r.step("Then", "an audit log entry records my user ID, timestamp, and IP address", func() {
		e := x.pick(entries, cfg, true)
		if e == nil {
			r.errorf("no audit entry was written for the successful login of %s: write one (user ID, time, IP) for every login, e.g. logger.Info(\"login\", \"user_id\", id, \"ip\", clientIP) (OWASP ASVS 5.0 V16.3.1)", cfg.user)
			return
		}
		haveSuccess = true
		x.checkEntry(r, "the login's audit entry", e, cfg, before, after, true)
		if slices.Contains(cfg.required, "outcome") {
			successOutcome, _ = e.Lookup(x.Fields.name("outcome"))
		}
		r.logf("audit entry: %s", auditMask(auditShow(e), cfg.passwords))
		for _, p := range cfg.passwords {
			if len(p) >= 4 && auditContains(e, p) {
				r.errorf("the login's audit entry contains the password %s: never log passwords, not even failed ones (PCI DSS v4 3.3, 8.3.2; OWASP Logging Cheat Sheet)", auditPasswordName(p))
			}
		}
	})
	if cfg.failures && !cfg.failed.IsZero() {
		var (
			fEntries    []LogEntry
			fb, fa      time.Time
			sentFailure bool
		)
		r.step("When", "I fail to log in with a wrong password", func() {
			var resp *response
			if resp, fEntries, fb, fa, sentFailure = send("failed login", cfg.failed); !sentFailure {
				return
			}
			if !resp.Dropped && resp.Status < 400 {
				r.errorf("%s with a wrong password = %d: the login must fail (401); check the password", cfg.failed, resp.Status)
			}
		})
		if sentFailure {
			r.step("Then", "the failed login is audited too", func() {
				e := x.pick(fEntries, cfg, false)
				if e == nil {
					r.errorf("no audit entry was written for the failed login of %s: failed logins must be audited too, with user ID, time and IP (PCI DSS v4 10.2.1.4; OWASP ASVS 5.0 V16.3.2)", cfg.user)
					return
				}
				x.checkEntry(r, "the failed login's audit entry", e, cfg, fb, fa, false)
				if haveSuccess && slices.Contains(cfg.required, "outcome") {
					if o, found := e.Lookup(x.Fields.name("outcome")); found && successOutcome != nil && auditText(o) == auditText(successOutcome) {
						r.errorf("the failed login's audit entry has %s %q, the same as the successful login's: record the outcome (e.g. \"failure\")", x.Fields.name("outcome"), auditText(o))
					}
				}
				for _, p := range cfg.passwords {
					if len(p) >= 4 && auditContains(e, p) {
						r.errorf("the failed login's audit entry contains the password %s: never log passwords, not even failed ones (PCI DSS v4 3.3, 8.3.2)", auditPasswordName(p))
					}
				}
				r.logf("failed-login audit entry: %s", auditMask(auditShow(e), cfg.passwords))
			})
		}
	}
	if !x.Denied.IsZero() {
		q := x.Denied.orDefault(Request{Method: http.MethodGet, Path: "/"})
		var (
			dEntries []LogEntry
			db, da   time.Time
			sent     bool
		)
		r.step("When", fmt.Sprintf("I am refused %s", q), func() {
			var resp *response
			if resp, dEntries, db, da, sent = send("refused request", q); !sent {
				return
			}
			if resp.Status != http.StatusUnauthorized && resp.Status != http.StatusForbidden {
				r.errorf("%s = %s, want 401 or 403: AuditLog.Denied must be a request the application refuses", q, resp)
			}
		})
		if sent {
			r.step("Then", "the refusal is audited too", func() {
				e := x.pick(dEntries, cfg, false)
				if e == nil {
					r.errorf("no audit entry was written for the refused %s: access-control failures must be audited too (PCI DSS v4 10.2.1.4; OWASP ASVS 5.0 V16.3.2)", q)
					return
				}
				x.checkEntry(r, "the refusal's audit entry", e, cfg, db, da, false)
				r.logf("refusal audit entry: %s", auditMask(auditShow(e), cfg.passwords))
			})
		}
	}
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

// checkEntry checks e's required fields. wantUser checks the user ID's value
// too (the successful login's entry).
func (x AuditLog) checkEntry(r reporter, what string, e LogEntry, cfg auditConfig, before, after time.Time, wantUser bool) {
	for _, f := range cfg.required {
		name := x.Fields.name(f)
		v, found := e.Lookup(name)
		if !found || v == nil || auditText(v) == "" {
			switch f {
			case "time":
				r.errorf("%s has no %q: record when it happened (a slog record's Time must not be zero; JSON lines need an RFC 3339 time)", what, name)
			case "ip":
				r.errorf("%s has no %q: record the client's IP address", what, name)
			case "user_id":
				r.errorf("%s has no %q: record the ID of the user", what, name)
			default:
				r.errorf("%s has no %q: the preset requires it (PCI DSS v4 10.2.2)", what, name)
			}
			continue
		}
		switch f {
		case "user_id":
			if got := auditText(v); wantUser && got != cfg.user {
				r.errorf("%s has %s %q, want %q: record the ID of the user who logged in, not another", what, name, got, cfg.user)
			}
		case "time":
			x.checkTime(r, what, name, v, cfg.skew, before, after)
		case "ip":
			x.checkIP(r, what, name, auditText(v), cfg)
		}
	}
}

func (x AuditLog) checkTime(r reporter, what, name string, v any, skew time.Duration, before, after time.Time) {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case string:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			if _, err2 := time.Parse("2006-01-02T15:04:05.999999999", v); err2 == nil {
				r.errorf("%s has %s %q: a local time without an offset is ambiguous; write RFC 3339 in UTC (\"Z\") or with its offset", what, name, v)
			} else {
				r.errorf("%s has %s %q: want an RFC 3339 time with Z or an offset, e.g. %q", what, name, v, before.UTC().Format(time.RFC3339))
			}
			return
		}
	default:
		r.errorf("%s has %s %v (%T): want an RFC 3339 time with Z or an offset, e.g. %q", what, name, v, v, before.UTC().Format(time.RFC3339))
		return
	}
	switch {
	case t.IsZero():
		r.errorf("%s has a zero %s: record when it happened", what, name)
	case t.Before(before.Add(-skew)):
		r.errorf("%s has %s %s, %v before the request was sent (%s): record the time of the event, in UTC or with its offset", what, name, t.Format(time.RFC3339Nano), before.Sub(t).Round(time.Millisecond), before.Format(time.RFC3339Nano))
	case t.After(after.Add(skew)):
		r.errorf("%s has %s %s, %v after the response came back (%s): record the time of the event, in UTC or with its offset", what, name, t.Format(time.RFC3339Nano), t.Sub(after).Round(time.Millisecond), after.Format(time.RFC3339Nano))
	}
}

func (x AuditLog) checkIP(r reporter, what, name, got string, cfg auditConfig) {
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
	case ip == nil:
		r.errorf("%s has %s %q: not an IP address; record the client's address, %s", what, name, got, want)
	case ip.IsUnspecified():
		r.errorf("%s has %s %q: the unspecified address; record the client's address, %s", what, name, got, want)
	case cfg.anyLoopback:
		if !ip.IsLoopback() {
			r.errorf("%s has %s %q, want %s: record the client's address, not the server's", what, name, got, want)
		}
	case !ip.Equal(net.ParseIP(cfg.ip)):
		if cfg.proxy != "" && ip.Equal(net.ParseIP(cfg.proxy)) {
			r.errorf("%s has %s %q, the proxy's address, want the client's %s from X-Forwarded-For: take the client address from your trusted proxy's header", what, name, got, cfg.ip)
			return
		}
		r.errorf("%s has %s %q, want the client's address %s: record the request's client address (RemoteAddr, or the X-Forwarded-For of your trusted proxy), not the server's or a constant", what, name, got, cfg.ip)
	}
}
