package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Defaults of RateLimit, from the seed.
const (
	rlDefaultAttempts = 10
	rlDefaultWindow   = time.Minute
	rlDefaultLockout  = 5 * time.Minute
	rlDefaultStatus   = http.StatusTooManyRequests
	rlDefaultEmail    = "alice@example.com"
	rlWrongPassword   = "wrong-password"
)

// RateLimit checks that repeated login attempts are blocked: the seed
//
//	Given I am on the login page
//	When I attempt to log in 10 times in one minute
//	Then my subsequent attempts are blocked for 5 minutes
//	And I see a message 'Too many login attempts. Please try again later.'
//
// with the steps reading the configured numbers. It sends Attempts login
// attempts with a wrong password for one account, which must not be blocked,
// then one more, which must be: it must answer Status with Message in its
// body, carry a valid Retry-After (RFC 9110 §10.2.3: delay-seconds or an
// HTTP-date, more than 0 and at most the lockout, about the remaining
// lockout) and must not be cacheable (RFC 6585 §4: never public, nor fresh
// through max-age or Expires without no-store, no-cache or private; a 429
// without Cache-Control is not stored by caches, and the scenario logs that
// no-store would say so explicitly). The block must still hold one second
// before Lockout ends and lift one second after it. It covers
// preset.LoginRateLimit (OWASP ASVS 5.0 V6.3.1; NIST SP 800-63B §3.2.2; PCI
// DSS v4 8.3.4 under the Enterprise preset).
//
// # Probes
//
// Every probe runs by default: the attempts and the block (status,
// message, Retry-After, not cacheable); attempts with rotated
// X-Forwarded-For and X-Real-IP (a spoofed client address must not reset
// the counter); a second account, which must not be blocked (the counter
// is per account, not per client address); an account that does not
// exist, which must be blocked alike; and, in a synctest bubble, the
// lockout's length waited out on virtual time. The second and the unknown
// account are derived from Request (its JSON or form "email", "username",
// "user", "login" or "account", renamed at the same domain:
// jetty-second-account@example.com, jetty-no-such-account@example.com);
// PerAccount and UnknownUser override them. When Request names no account
// there, those probes are reported as "not proven: …; set PerAccount" (or
// UnknownUser). The right password must be blocked too while the account
// is: that needs Success (the check does not know the password) and is
// reported not proven without it. Over a URL, or with TrustRetryAfter, the lockout's length
// is judged through Retry-After and the limiter's own reset headers, and
// the wait is reported as not proven.
//
// # Time
//
// Minutes are never waited out. For an in-process target time is virtual:
// run the scenario inside a testing/synctest bubble, with a
// [HandlerFunc] target whose handler is then built inside the bubble, so
// its limiter reads the bubble's fake clock:
//
//	synctest.Test(t, func(t *testing.T) {
//		err := scenario.RateLimit{Target: scenario.HandlerFunc(newApp)}.Verify(t.Context())
//		…
//	})
//
// A 5-minute lockout is then verified in milliseconds. Verify detects the
// bubble by itself; outside one, an in-process target gets a problem saying
// the lockout could not be verified, unless TrustRetryAfter is set. Run uses
// the bubble of a jetty.S that offers one (a Bubble(func()) bool method). A
// [URL] target's clock cannot be virtual: the lockout's length is checked
// through Retry-After (at least the lockout minus 2 seconds, at most the
// lockout) and the limiter's own reset headers (RateLimit, RateLimit-Reset,
// X-RateLimit-Reset: a limiter that says it resets before the lockout ends
// fails on both target kinds alike), and the wait itself is reported as not
// proven.
//
// RateLimit is a value; Verify and Run are safe in parallel tests when the
// target is (a HandlerFunc target is built afresh for each run; a Handler
// or URL target keeps its counters between runs, so use distinct accounts).
//
// Not proven without its field, and required by a preset with
// preset.LoginRateLimit: the right password blocked too (Success; the check
// cannot know the password), and, when the login request names no account it
// can vary, the per-account and unknown-account probes (PerAccount,
// UnknownUser). Over a URL the lockout is judged through Retry-After, which
// is logged, not required.
type RateLimit struct {
	production

	// Target is the application. Required. Use HandlerFunc for an
	// in-process handler, so that it is built inside the synctest bubble.
	Target Target
	// Request is one login attempt that must fail, for the account whose
	// attempts are counted. Zero fields default to LoginRequest(
	// "alice@example.com", "wrong-password"): POST /login with a JSON body.
	Request Request
	// Attempts is how many attempts in Window get through. Default: the
	// preset's "attempts" parameter, else 10. Attempt Attempts+1 is blocked.
	Attempts int
	// Window is the period the attempts are made in. Default: the preset's
	// "window", else 1 minute. The attempts are sent at once, well inside it.
	Window time.Duration
	// Lockout is how long the block lasts. Default: the preset's "lockout",
	// else 5 minutes (30 minutes under the Enterprise preset). At least 2s.
	Lockout time.Duration
	// Status is the status of a blocked attempt. Default 429 Too Many
	// Requests (RFC 6585 §4).
	Status int
	// Message must appear in a blocked attempt's body. Default: the preset's
	// "message", else "Too many login attempts. Please try again later."
	Message string
	// PerAccount is a failing login attempt for a second account: while
	// the first account is blocked it must not be (the counter is per
	// account, so one user cannot lock out another). Zero: derived from
	// Request (jetty-second-account at Request's domain).
	PerAccount Request
	// RotateForwardedFor is kept for compatibility: the check that the
	// block holds when the attempts carry new X-Forwarded-For and X-Real-IP
	// values (a spoofed client address must not reset the counter) always
	// runs.
	RotateForwardedFor bool
	// UnknownUser is a login attempt for an account that does not exist:
	// it must be blocked after Attempts attempts the same way, so the block
	// reveals nothing about which accounts exist and guessing stays
	// limited. Zero: derived from Request (jetty-no-such-account at
	// Request's domain).
	UnknownUser Request
	// Success is a login with the right password for Request's account:
	// while the account is blocked it must be blocked too, or the right
	// guess is told apart from the wrong ones and guessing stays unlimited.
	// Zero: not proven (the check does not know the password).
	Success Request
	// TrustRetryAfter checks the lockout's length through Retry-After
	// instead of waiting it out, for an in-process target run outside a
	// synctest bubble. URL targets always do. Default false: outside a
	// bubble an in-process target gets a problem instead.
	TrustRetryAfter bool
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "too many login attempts are blocked".
func (RateLimit) Title() string { return "too many login attempts are blocked" }

// Covers returns preset.LoginRateLimit.
func (RateLimit) Covers() []preset.ID { return []preset.ID{preset.LoginRateLimit} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil. Thresholds not set on x take the
// seed's numbers (Verify has no preset). Call it inside synctest.Test for an
// in-process target; see RateLimit.
func (x RateLimit) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s, with thresholds from the project's
// preset. An in-process target runs on virtual time, inside a synctest
// bubble (jetty.S.Bubble), so the lockout passes in milliseconds; when s
// cannot start a bubble (it is not backed by a *testing.T) the lockout is
// reported as not verified, unless TrustRetryAfter is set.
func (x RateLimit) Run(s *jetty.S) {
	s.Helper()
	runBubbled(s, x.Preset, x.Target, x.exec)
}

// rlConfig is a RateLimit with its defaults resolved.
type rlConfig struct {
	req Request
	// other and unknown are the second account's and the unknown
	// account's attempts; zero when they could not be derived. derived
	// says they were derived from req, not set.
	other, unknown  Request
	derived         bool
	success         Request
	attempts        int
	window, lockout time.Duration
	status          int
	message         string
}

// rlParams are the preset's parameters, read before anything else.
type rlParams struct {
	attempts        int
	window, lockout time.Duration
	message         string
}

func rlReadParams(r reporter) rlParams {
	p := paramsOf(r, preset.LoginRateLimit)
	return rlParams{
		attempts: p.Int(preset.ParamAttempts, rlDefaultAttempts),
		window:   p.Duration(preset.ParamWindow, rlDefaultWindow),
		lockout:  p.Duration(preset.ParamLockout, rlDefaultLockout),
		message:  p.String(preset.ParamMessage, preset.LockoutMessage),
	}
}

// config resolves x's fields over the preset's parameters and reports what
// is wrong with them.
func (x RateLimit) config(r reporter) (rlConfig, bool) {
	p := rlReadParams(r)
	var probs []string
	cfg := rlConfig{
		req:      x.Request.orDefault(LoginRequest(rlDefaultEmail, rlWrongPassword)),
		attempts: x.Attempts, window: x.Window, lockout: x.Lockout, status: x.Status, message: x.Message,
	}
	if x.Target.IsZero() {
		probs = append(probs, "RateLimit.Target is not set: set it to scenario.HandlerFunc(newApp) (in process, virtual time) or scenario.URL(\"http://127.0.0.1:8080\")")
	}
	if cfg.attempts == 0 {
		cfg.attempts = p.attempts
		probs = append(probs, rlPresetAttemptsProblem(cfg.attempts))
	} else {
		probs = append(probs, rlAttemptsProblem(cfg.attempts))
	}
	for _, d := range []struct {
		field string
		v     *time.Duration
		param time.Duration
		def   time.Duration
	}{{"Window", &cfg.window, p.window, rlDefaultWindow}, {"Lockout", &cfg.lockout, p.lockout, rlDefaultLockout}} {
		switch {
		case *d.v < 0:
			probs = append(probs, fmt.Sprintf("RateLimit.%s = %v: want a positive duration, or 0 for the preset's (default %v)", d.field, *d.v, d.def))
		case *d.v == 0:
			*d.v = d.param
		}
	}
	if cfg.lockout > 0 && cfg.lockout < 2*time.Second {
		probs = append(probs, fmt.Sprintf("the lockout is %v: want at least 2s (the scenario probes 1s before and after its end, and a shorter block does not slow an attacker)", cfg.lockout))
	}
	switch {
	case cfg.status == 0:
		cfg.status = rlDefaultStatus
	case cfg.status < 400 || cfg.status > 599:
		probs = append(probs, fmt.Sprintf("RateLimit.Status = %d: a blocked attempt must answer an error status; want 429 (RFC 6585 §4), or 0 for the default", cfg.status))
	}
	if cfg.message == "" {
		cfg.message = p.message
	}
	if strings.TrimSpace(cfg.message) == "" {
		probs = append(probs, fmt.Sprintf("the message a blocked user sees is empty: set RateLimit.Message, e.g. %q", preset.LockoutMessage))
	}
	x.accounts(&cfg)
	ok := true
	for _, q := range probs {
		if q != "" {
			r.errorf("%s", q)
			ok = false
		}
	}
	return cfg, ok
}

// accounts resolves the second account's and the unknown account's
// attempts: the fields when set, else derived from the login request.
func (x RateLimit) accounts(cfg *rlConfig) {
	same := Request{Method: cfg.req.Method, Path: cfg.req.Path}
	if !x.PerAccount.IsZero() {
		cfg.other = x.PerAccount.orDefault(same)
	} else if q, ok := rlWithAccount(cfg.req, rlSecondAccount); ok {
		cfg.other, cfg.derived = q, true
	}
	if !x.Success.IsZero() {
		cfg.success = x.Success.orDefault(same)
	}
	if !x.UnknownUser.IsZero() {
		cfg.unknown = x.UnknownUser.orDefault(same)
	} else if q, ok := rlWithAccount(cfg.req, rlUnknownAccount); ok {
		cfg.unknown, cfg.derived = q, true
	}
}

// rlAttemptsProblem judges RateLimit.Attempts when set.
func rlAttemptsProblem(n int) string {
	switch {
	case n < 0:
		return fmt.Sprintf("RateLimit.Attempts = %d: want the number of attempts that get through (a positive number), or 0 for the preset's (default %d)", n, rlDefaultAttempts)
	case n > 1000:
		return fmt.Sprintf("RateLimit.Attempts = %d: more than 1000 attempts is not a login limit (NIST SP 800-63B §3.2.2 allows at most 100 failures); lower it", n)
	}
	return ""
}

// rlPresetAttemptsProblem judges the preset's attempts parameter.
func rlPresetAttemptsProblem(n int) string {
	if n > 1000 {
		return fmt.Sprintf("the preset's %s parameter %q = %d: more than 1000 attempts is not a login limit; lower it", preset.LoginRateLimit, preset.ParamAttempts, n)
	}
	return ""
}

// The accounts the scenario derives from the login request: a second
// account, and one that does not exist. Both keep the login's domain.
const (
	rlSecondAccount  = "jetty-second-account"
	rlUnknownAccount = "jetty-no-such-account"
)

// rlAccountKeys are the fields a login body names its account in.
var rlAccountKeys = []string{"email", "username", "user", "login", "account"}

// rlWithAccount returns q with the account it logs in as replaced by name
// (at the same domain when it is an e-mail address), in a JSON object or a
// form body; ok is false when q names no account there.
func rlWithAccount(q Request, name string) (Request, bool) {
	rename := func(old string) string {
		if _, domain, found := strings.Cut(old, "@"); found {
			return name + "@" + domain
		}
		return name
	}
	out := Request{Method: q.Method, Path: q.Path, Header: q.Header.Clone()}
	var m map[string]any
	if json.Unmarshal(q.Body, &m) == nil {
		for _, k := range rlAccountKeys {
			if v, ok := m[k].(string); ok && v != "" {
				m[k] = rename(v)
				out.Body, _ = json.Marshal(m)
				return out, true
			}
		}
		return Request{}, false
	}
	if !strings.Contains(strings.ToLower(q.Header.Get("Content-Type")), "x-www-form-urlencoded") {
		return Request{}, false
	}
	form, err := url.ParseQuery(string(q.Body))
	if err != nil {
		return Request{}, false
	}
	for _, k := range rlAccountKeys {
		if v := form.Get(k); v != "" {
			form.Set(k, rename(v))
			out.Body = []byte(form.Encode())
			return out, true
		}
	}
	return Request{}, false
}

// rlAccount names the account q logs in as, for reports: its JSON or form
// field, else the request.
func rlAccount(q Request) string {
	if a, ok := q.jsonField(rlAccountKeys...); ok && a != "" {
		return a
	}
	if form, err := url.ParseQuery(string(q.Body)); err == nil {
		for _, k := range rlAccountKeys {
			if v := form.Get(k); v != "" {
				return v
			}
		}
	}
	return q.account()
}

// rlHasMessage reports whether body shows msg, as text, HTML or JSON.
func rlHasMessage(body []byte, msg string) bool {
	if bytes.Contains(body, []byte(msg)) || bytes.Contains(body, []byte(html.EscapeString(msg))) {
		return true
	}
	q, _ := json.Marshal(msg)
	return bytes.Contains(body, bytes.Trim(q, `"`))
}

// rlCacheProblem says why a blocked response could be cached, or "".
// RFC 6585 §4: a 429 "MUST NOT be stored by a cache"; RFC 9111 §4.2.2: a
// status that is not heuristically cacheable (429, 403, 503…) is cached
// only with explicit freshness. So a response is a problem when it says
// public, carries max-age, s-maxage or Expires without no-store, no-cache or
// private, or has a heuristically cacheable status and no such directive.
func rlCacheProblem(status int, h http.Header) string {
	d := probe.CacheControl(h)
	cc := strings.ToLower(strings.Join(h.Values("Cache-Control"), ","))
	explicit := d.Has("max-age") || d.Has("s-maxage") || h.Get("Expires") != ""
	switch {
	case d.Has("public"):
		return fmt.Sprintf("it is cacheable (Cache-Control: %s): a shared cache could serve the block to other users; send Cache-Control: no-store (RFC 6585 §4)", cc)
	case d.Has("no-store"), d.Has("no-cache"), d.Has("private"):
		return ""
	case explicit:
		return fmt.Sprintf("it may be cached (Cache-Control: %q, Expires: %q): send Cache-Control: no-store (RFC 6585 §4, RFC 9111)", cc, h.Get("Expires"))
	case rlHeuristic(status):
		return fmt.Sprintf("a %d without Cache-Control may be cached heuristically (RFC 9111 §4.2.2): send Cache-Control: no-store", status)
	}
	return ""
}

// rlHeuristic reports whether a status is heuristically cacheable (RFC 9110
// §15.1).
func rlHeuristic(status int) bool {
	switch status {
	case 200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501:
		return true
	}
	return false
}

// rlRetryProblem judges the first blocked attempt's Retry-After: d as
// probe.RetryAfter read it (date: an HTTP-date, which has whole seconds).
func rlRetryProblem(raw string, d time.Duration, date bool, err error, lockout time.Duration) string {
	slack := time.Duration(0)
	if date {
		slack = time.Second
	}
	secs := int(lockout.Seconds())
	switch {
	case err != nil:
		return fmt.Sprintf("%v: tell the client when to retry, e.g. Retry-After: %d (RFC 9110 §10.2.3, RFC 6585 §4)", err, secs)
	case d <= 0:
		return fmt.Sprintf("has Retry-After %q, %v from now: it must be in the future, the remaining lockout (%d seconds)", raw, d, secs)
	case d > lockout+slack:
		return fmt.Sprintf("has Retry-After %q (%v): more than the %v lockout; send the remaining lockout, %d seconds", raw, d, lockout, secs)
	case d < lockout-2*time.Second:
		return fmt.Sprintf("has Retry-After %q (%v) at the start of a %v lockout: a client retrying then is still blocked; send the remaining lockout, %d seconds", raw, d, lockout, secs)
	}
	return ""
}

// rlLimiterReset reads when a limiter's own headers say its limit resets,
// from now: RateLimit-Reset (delta seconds, draft-ietf-httpapi-ratelimit-
// headers before -07), the RateLimit field's t parameter (-07 on),
// X-RateLimit-Reset (delta seconds, or Unix seconds as go-chi/httprate and
// GitHub send them, counted from the response's Date when it has one). ok
// is false when no header says, or when a header says the limiter still has
// attempts left: then those headers describe another limit (a per-IP
// budget beside the account's lockout), not the block.
func rlLimiterReset(h http.Header, now time.Time) (d time.Duration, name string, ok bool) {
	if ref, err := http.ParseTime(h.Get("Date")); err == nil {
		now = ref
	}
	remaining := []string{h.Get("RateLimit-Remaining"), h.Get("X-RateLimit-Remaining"), rlFieldParam(h.Get("RateLimit"), "r")}
	for _, v := range remaining {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
			return 0, "", false
		}
	}
	for _, c := range []struct{ name, v string }{
		{"RateLimit-Reset", h.Get("RateLimit-Reset")},
		{"RateLimit", rlFieldParam(h.Get("RateLimit"), "t")},
		{"X-RateLimit-Reset", h.Get("X-RateLimit-Reset")},
	} {
		n, err := strconv.ParseInt(strings.TrimSpace(c.v), 10, 64)
		if err != nil || n < 0 || n > 1<<40 {
			continue
		}
		if n >= 1e8 { // Unix seconds (1973 on): no limit resets in 3 years
			return time.Unix(n, 0).Sub(now), c.name, true
		}
		return time.Duration(n) * time.Second, c.name, true
	}
	return 0, "", false
}

// rlFieldParam returns parameter key of the first item of a structured
// field such as RateLimit: "default";r=0;t=30.
func rlFieldParam(field, key string) string {
	item, _, _ := strings.Cut(field, ",")
	for _, p := range strings.Split(item, ";")[1:] {
		if k, v, found := strings.Cut(strings.TrimSpace(p), "="); found && k == key {
			return v
		}
	}
	return ""
}

// rlResetProblem judges the limiter's own reset headers on the first
// blocked attempt against the lockout, and against Retry-After (retry, 0
// when it had none valid): a limiter that says it resets before the lockout
// ends lifts the block as its window slides, whatever the target kind.
func rlResetProblem(h http.Header, now time.Time, retry, lockout time.Duration) string {
	d, name, ok := rlLimiterReset(h, now)
	if !ok {
		return ""
	}
	const slack = 2 * time.Second
	switch {
	case d < lockout-slack:
		return fmt.Sprintf("its %s says the limit resets in %v, before the %v lockout ends: the limiter lets attempts through again as its window moves on, so the account is not blocked for %v; block the account until the lockout ends (e.g. remember a blocked-until time per account), or set Lockout to what the limiter does", name, d.Round(time.Second), lockout, lockout)
	case retry > 0 && (d > retry+slack || d < retry-slack):
		return fmt.Sprintf("its %s says the limit resets in %v, but its Retry-After says %v: tell clients one time, the remaining lockout", name, d.Round(time.Second), retry)
	}
	return ""
}

// rlSpoofed are the client addresses sent in X-Forwarded-For (RFC 5737
// documentation ranges).
var rlSpoofed = [...]string{"203.0.113.7", "198.51.100.23", "192.0.2.200"}

// rlRun is one run of a RateLimit: its config, its client and what it saw.
type rlRun struct {
	x       RateLimit
	r       reporter
	ctx     context.Context
	cfg     rlConfig
	c       *client
	virtual bool
	acct    string
	sent    int         // attempts sent for the first account
	pre     map[int]int // statuses of the attempts that got through
	block   *response   // the first blocked attempt; nil when none was
	blockAs int         // the status a block answers (Status, or the one seen)
	blockAt time.Time
}

func (x RateLimit) exec(r reporter) {
	run := &rlRun{x: x, r: r, ctx: r.context(), pre: map[int]int{}}
	ok := false
	r.step("Given", "I am on the login page", func() { ok = run.open() })
	if !ok {
		return
	}
	r.step("When", fmt.Sprintf("I attempt to log in %d times in %s", run.cfg.attempts, probe.Words(run.cfg.window)), func() { ok = run.attempts() })
	if !ok {
		return
	}
	r.step("Then", fmt.Sprintf("my subsequent attempts are blocked for %s", probe.Words(run.cfg.lockout)), run.blocked)
	if run.block == nil {
		return
	}
	r.step("And", fmt.Sprintf("I see a message '%s'", run.cfg.message), run.message)
	run.unknownUser()
}

// open resolves the config and opens the target.
func (run *rlRun) open() bool {
	r := run.r
	cfg, ok := run.x.config(r)
	if !ok {
		return false
	}
	run.cfg, run.acct, run.blockAs = cfg, rlAccount(cfg.req), cfg.status
	if run.c = connect(r, run.x.Target); run.c == nil {
		return false
	}
	run.virtual = run.c.h != nil && probe.InBubble()
	clock := "real time"
	switch {
	case run.virtual:
		clock = "virtual time (synctest bubble)"
	case run.c.h == nil:
		clock = "real time; the lockout is checked through Retry-After"
	}
	r.logf("target %v, %s; attempts: %s for %s, body %s", run.x.Target, clock, cfg.req, run.acct, cfg.req.Body)
	if cfg.derived {
		r.logf("derived from the login request: a second account %s and an unknown account %s (set PerAccount and UnknownUser to choose them)", rlAccount(cfg.other), rlAccount(cfg.unknown))
	}
	return true
}

// do sends q with extra headers; nil on a transport error, reported.
func (run *rlRun) do(q Request, extra http.Header) *response {
	resp, err := run.c.do(run.ctx, q.req(extra))
	if err != nil {
		run.r.errorf("%s: %v", q, err)
		return nil
	}
	return resp
}

// isBlocked reports whether resp is a block: the block's status, or the
// message.
func (run *rlRun) isBlocked(resp *response) bool {
	return resp.Status == run.blockAs || rlHasMessage(resp.Body, run.cfg.message)
}

// attempts sends the attempts that must get through.
func (run *rlRun) attempts() bool {
	r, cfg, n := run.r, run.cfg, run.cfg.attempts
	for run.sent < n {
		run.sent++
		resp := run.do(cfg.req, nil)
		switch {
		case resp == nil:
			return false
		case resp.Dropped:
			r.errorf("%s attempt #%d for %s: %s: a failed login must answer (e.g. 401), not drop the connection", cfg.req, run.sent, run.acct, resp)
			return false
		case run.isBlocked(resp):
			r.errorf("%s attempt #%d for %s = %d, already blocked: the first %d attempts in %s must get through (a wrong password answers e.g. 401); block from attempt #%d on", cfg.req, run.sent, run.acct, resp.Status, n, probe.Words(cfg.window), n+1)
			return false
		}
		run.pre[resp.Status]++
	}
	var st []string
	for _, code := range slices.Sorted(maps.Keys(run.pre)) {
		st = append(st, fmt.Sprintf("%d×%d", code, run.pre[code]))
	}
	r.logf("sent %d × %s for %s: statuses %s, none blocked", n, cfg.req, run.acct, strings.Join(st, ", "))
	return true
}

// blocked sends the attempt that must be blocked and, when it is, checks
// the block.
func (run *rlRun) blocked() {
	r, cfg := run.r, run.cfg
	run.sent++
	block := run.do(cfg.req, nil)
	run.blockAt = time.Now()
	if block == nil {
		return
	}
	if block.Status != cfg.status {
		if block.Dropped || block.Status < 400 || run.pre[block.Status] > 0 && !rlHasMessage(block.Body, cfg.message) {
			run.diagnoseLate(block)
			return
		}
		// Blocked, with the wrong status: report and go on.
		r.errorf("%s attempt #%d = %d, want %d: a blocked attempt must answer %d %s (RFC 6585 §4); return %d when the limit is reached", cfg.req, run.sent, block.Status, cfg.status, cfg.status, http.StatusText(cfg.status), cfg.status)
		run.blockAs = block.Status
	}
	run.block = block
	r.logf("attempt #%d for %s = %d: blocked", run.sent, run.acct, block.Status)
	r.step("And", "the blocked response says when to retry and is not cached", run.headers)
	r.step("And", "rotating X-Forwarded-For does not reset the counter", run.rotate)
	run.rightPassword()
	run.otherAccount()
	run.lockout()
}

// headers checks the block's Retry-After, the limiter's own reset headers
// and its cacheability.
func (run *rlRun) headers() {
	r, block := run.r, run.block
	d, date, err := probe.RetryAfter(block.Header, run.blockAt)
	if p := rlRetryProblem(block.Header.Get("Retry-After"), d, date, err, run.cfg.lockout); p != "" {
		r.errorf("the blocked attempt #%d %s", run.sent, p)
	} else {
		r.logf("Retry-After: %s (%v)", block.Header.Get("Retry-After"), d)
	}
	if err != nil {
		d = 0
	}
	if p := rlResetProblem(block.Header, run.blockAt, d, run.cfg.lockout); p != "" {
		r.errorf("the blocked attempt #%d: %s", run.sent, p)
	}
	switch p := rlCacheProblem(block.Status, block.Header); {
	case p != "":
		r.errorf("the blocked attempt #%d: %s", run.sent, p)
	case block.Header.Get("Cache-Control") == "":
		r.logf("no Cache-Control: a %d is not stored by caches (RFC 6585 §4, RFC 9111 §4.2.2); Cache-Control: no-store says so to every cache", block.Status)
	default:
		r.logf("Cache-Control: %s", block.Header.Get("Cache-Control"))
	}
}

// rotate checks that new client addresses do not reset the counter.
func (run *rlRun) rotate() {
	cfg := run.cfg
	for _, ip := range rlSpoofed {
		run.sent++
		resp := run.do(cfg.req, http.Header{"X-Forwarded-For": {ip}, "X-Real-Ip": {ip}})
		if resp == nil {
			return
		}
		if !run.isBlocked(resp) {
			run.r.errorf("%s attempt #%d for %s with X-Forwarded-For: %s = %s, want %d: a new client address reset the counter, so an attacker rotating the header guesses without limit; count attempts per account, and trust X-Forwarded-For only from your own proxies", cfg.req, run.sent, run.acct, ip, resp, run.blockAs)
			return
		}
	}
	run.r.logf("attempts with X-Forwarded-For and X-Real-IP %v: all blocked", rlSpoofed)
}

// rightPassword checks the right password is blocked too while the
// account is.
func (run *rlRun) rightPassword() {
	r, cfg := run.r, run.cfg
	if cfg.success.IsZero() {
		r.notProven(need{preset.LoginRateLimit, "RateLimit.Success"}, "the right password is blocked too while the account is (else the right guess is told apart and guessing stays unlimited): the check does not know the password; set Success to a login with the right password for %s", run.acct)
		return
	}
	r.step("And", "the right password is blocked too", func() {
		run.sent++
		resp := run.do(cfg.success, nil)
		switch {
		case resp == nil:
		case !resp.Dropped && !run.isBlocked(resp):
			r.errorf("%s with the right password for %s = %d during the lockout, want %d: the right guess gets through while wrong ones are blocked, so an attacker keeps guessing and knows when a guess is right; check the lockout before the password", cfg.success, run.acct, resp.Status, run.blockAs)
		default:
			r.logf("%s with the right password for %s = %d: blocked too", cfg.success, run.acct, resp.Status)
		}
	})
}

// otherAccount checks that a second account is not blocked by the first's
// attempts.
func (run *rlRun) otherAccount() {
	r, cfg := run.r, run.cfg
	if cfg.other.IsZero() {
		r.notProven(need{preset.LoginRateLimit, "RateLimit.PerAccount"}, "one account's attempts do not block another's (the counter is per account, not per client address): the login request names no account in a JSON or form field to vary; set PerAccount to a failing login for a second account")
		return
	}
	other := rlAccount(cfg.other)
	r.step("And", fmt.Sprintf("another account (%s) is not blocked by my attempts", other), func() {
		resp := run.do(cfg.other, nil)
		switch {
		case resp == nil:
		case resp.Dropped || run.isBlocked(resp):
			r.errorf("%s for %s = %s after %d attempts for %s: the other account is blocked too; count attempts per account, so one user cannot lock out another (OWASP ASVS 5.0 V6.3.1)", cfg.other, other, resp, run.sent, run.acct)
		default:
			r.logf("%s for %s = %d: not blocked", cfg.other, other, resp.Status)
		}
	})
}

// lockout waits the lockout out on virtual time, or says it could not.
func (run *rlRun) lockout() {
	r, cfg := run.r, run.cfg
	if !run.virtual {
		if run.c.h != nil && !run.x.TrustRetryAfter {
			r.errorf("the %v lockout was not verified: an in-process target runs on real time here, and the scenario does not wait %v; call Verify inside synctest.Test(t, func(t *testing.T) { … }) with Target: scenario.HandlerFunc(newApp) so the lockout passes on virtual time, or set TrustRetryAfter to check it through Retry-After only", cfg.lockout, cfg.lockout)
			return
		}
		why, fix := "a live server's clock cannot be virtual", "run the check on an in-process scenario.HandlerFunc(newApp) target, where it waits the lockout out on virtual time"
		if run.c.h != nil {
			why, fix = "TrustRetryAfter is set", "run it inside synctest.Test without TrustRetryAfter"
		}
		r.notProven(need{}, "the block holds for the whole lockout and lifts when it ends: the %v lockout was checked through Retry-After, not by waiting: %s; %s", cfg.lockout, why, fix)
		return
	}
	before := cfg.lockout - time.Second
	r.step("And", fmt.Sprintf("the block still holds %v after it began", before), func() { run.holds(before) })
	after := cfg.lockout + time.Second
	r.step("And", fmt.Sprintf("the block lifts %v after it began", after), func() { run.lifts(after) })
}

// attemptAt sends the next attempt at d after the block began (virtual
// time); nil when it got no answer (reported).
func (run *rlRun) attemptAt(d time.Duration) *response {
	time.Sleep(time.Until(run.blockAt.Add(d)))
	run.sent++
	return run.do(run.cfg.req, nil)
}

// holds checks the block still holds at before, near the lockout's end.
func (run *rlRun) holds(before time.Duration) {
	r, cfg := run.r, run.cfg
	resp := run.attemptAt(before)
	switch {
	case resp == nil:
	case !run.isBlocked(resp):
		r.errorf("%s attempt #%d, %v after the block began = %s, want %d: the block lifted before the %v lockout ended; keep the account blocked for the whole %v", cfg.req, run.sent, before, resp, run.blockAs, cfg.lockout, cfg.lockout)
	default:
		d, _, err := probe.RetryAfter(resp.Header, time.Now())
		if err == nil && d > 2*time.Second {
			r.errorf("%s attempt #%d, %v after the block began, has Retry-After %q (%v) with 1s of the lockout left: send the remaining lockout, not a constant", cfg.req, run.sent, before, resp.Header.Get("Retry-After"), d)
		}
		r.logf("attempt #%d at +%v (virtual time) = %d: still blocked", run.sent, before, resp.Status)
	}
}

// lifts checks the block has lifted at after, past the lockout's end.
func (run *rlRun) lifts(after time.Duration) {
	r, cfg := run.r, run.cfg
	resp := run.attemptAt(after)
	switch {
	case resp == nil:
	case resp.Dropped || run.isBlocked(resp):
		r.errorf("%s attempt #%d, %v after the block began = %s, want the block lifted: the lockout must end after %v; a longer block (or one restarted by each blocked attempt) locks users out longer than the policy says", cfg.req, run.sent, after, resp, cfg.lockout)
	default:
		r.logf("attempt #%d at +%v (virtual time) = %d: the block lifted; %v of lockout verified in virtual time", run.sent, after, resp.Status, cfg.lockout)
	}
}

// message checks the block shows the message.
func (run *rlRun) message() {
	if !rlHasMessage(run.block.Body, run.cfg.message) {
		run.r.errorf("the blocked attempt's body %s does not show the message %q: tell the user why the attempt was refused", probe.Quote(run.block.Body, 200), run.cfg.message)
		return
	}
	run.r.logf("the blocked response shows %q", run.cfg.message)
}

// unknownUser checks an account that does not exist is blocked the same
// way.
func (run *rlRun) unknownUser() {
	r, cfg := run.r, run.cfg
	if cfg.unknown.IsZero() {
		r.notProven(need{preset.LoginRateLimit, "RateLimit.UnknownUser"}, "an account that does not exist is blocked the same way (the block reveals nothing about which accounts exist): the login request names no account in a JSON or form field to vary; set UnknownUser to a login for an account that does not exist")
		return
	}
	who, n := rlAccount(cfg.unknown), cfg.attempts
	r.step("And", fmt.Sprintf("an account that does not exist (%s) is blocked the same way", who), func() {
		for i := 1; i <= n+1; i++ {
			resp := run.do(cfg.unknown, nil)
			switch {
			case resp == nil:
				return
			case i <= n && run.isBlocked(resp):
				r.errorf("%s attempt #%d for %s (no such account) = %d, already blocked: the first %d attempts must get through for an unknown account as for a real one; count attempts per submitted account name, not per client address", cfg.unknown, i, who, resp.Status, n)
				return
			case i == n+1 && (resp.Status != run.blockAs || !rlHasMessage(resp.Body, cfg.message)):
				r.errorf("%s attempt #%d for %s (no such account) = %s with body %s, want %d with %q: the block must not depend on whether the account exists, or it reveals which accounts exist and leaves guessing unlimited; count attempts for every submitted account name", cfg.unknown, i, who, resp, probe.Quote(resp.Body, 200), run.blockAs, cfg.message)
				return
			}
		}
		r.logf("%d attempts for %s (no such account): attempt #%d blocked like a real account's", n+1, who, n+1)
	})
}

// diagnoseLate reports an attempt Attempts+1 that was not blocked, probing a
// few more attempts to tell "one too late" from "no limit".
func (run *rlRun) diagnoseLate(resp *response) {
	const extra = 5
	r, cfg, send := run.r, run.cfg, run.sent
	for k := send + 1; k <= send+extra; k++ {
		p := run.do(cfg.req, nil)
		if p == nil {
			return
		}
		if p.Status == cfg.status || rlHasMessage(p.Body, cfg.message) {
			r.errorf("%s attempt #%d = %s, want %d: the %s attempt in %s must be blocked, but only attempt #%d was: the handler allows %d attempts instead of %d; block as soon as %d attempts were made", cfg.req, send, resp, cfg.status, probe.Ordinal(send), probe.Words(cfg.window), k, k-1, cfg.attempts, cfg.attempts)
			return
		}
	}
	r.errorf("%s attempt #%d = %s, want %d: the %s attempt in %s must be blocked, and attempts up to #%d were not blocked either: limit login attempts per account (e.g. a counter with a lockout, or golang.org/x/time/rate) and answer %d with %q", cfg.req, send, resp, cfg.status, probe.Ordinal(send), probe.Words(cfg.window), send+extra, cfg.status, cfg.message)
}
