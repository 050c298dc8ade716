package scenario

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Session checks session management as OWASP ASVS 5.0 V7 and the OWASP
// Session Management Cheat Sheet ask, through the requests a browser
// sends. By default it logs in with Login and:
//
//   - checks the session cookie: Secure, HttpOnly, SameSite Lax or Strict
//     (V3.3.1–V3.3.2), no Domain that widens it to other hosts, and the
//     session identifier in no URL (Location) or body;
//   - checks the session is needed and works: Check answers 2xx with the
//     cookie and refuses without it;
//   - logs in again carrying an identifier the attacker chose and one it
//     saw before: the login must issue a new identifier (fixation, V7.2.4),
//     and the attacker's must not work;
//   - measures the identifiers of Samples logins: all distinct, with at
//     least 128 bits of estimated entropy (V7.2.3);
//   - logs out with Logout and checks the old cookie no longer works on the
//     server (V7.4.1), even if the browser kept it;
//   - with an in-process HandlerFunc target, on virtual time: a session
//     left idle longer than IdleTimeout no longer works (V7.3.1), and one
//     kept busy stops working after Lifetime (V7.3.2). A URL target's clock
//     cannot be virtual: the timeouts are reported not proven.
//
// PasswordChange (V7.4.3: other sessions end when a password changes) and
// Elevate (V7.2.4: a new identifier when privilege changes) run when set,
// and are reported not proven otherwise.
//
// It covers preset.Sessions. Session is a value; Verify and Run are safe in
// parallel tests when the target is.
//
// Not proven without its field, and required by a preset with
// preset.Sessions: the timeouts, which need virtual time (set Target to an
// in-process HandlerFunc). PasswordChange and Elevate are optional: an
// application may have no password change or privilege levels, which the
// check cannot tell.
type Session struct {
	production

	// Target is the application. Use HandlerFunc so the idle timeout and
	// lifetime are checked on virtual time. Required.
	Target Target
	// Login is a successful login request. Required (e.g.
	// LoginRequest("alice@example.com", "her password")).
	Login Request
	// Cookie is the session cookie's name. Default: the first cookie the
	// login sets.
	Cookie string
	// Check is a request that needs the session. Default GET /me.
	Check Request
	// Logout ends the session. Default POST /logout.
	Logout Request
	// PasswordChange changes the password of Login's account, sent with
	// one session while another is open; the other must end. Optional.
	// The check logs in again afterwards with PasswordChangedLogin.
	PasswordChange Request
	// Elevate changes the session's privilege (sudo mode, a second
	// factor); the identifier must change. Optional.
	Elevate Request
	// IdleTimeout is the longest a session may stay unused. Default: the
	// preset's "idle" parameter, else 30 minutes (NIST SP 800-63B AAL2).
	IdleTimeout time.Duration
	// Lifetime is the longest a session may last however busy. Default:
	// the preset's "lifetime", else 12 hours (NIST SP 800-63B AAL2).
	Lifetime time.Duration
	// Samples is how many logins the entropy estimate reads. Default 16.
	Samples int
	// Preset is the preset this check's thresholds come from; see
	// [RateLimit.Preset].
	Preset preset.Preset
}

// Title returns "sessions are safe from theft, fixation and reuse".
func (Session) Title() string { return "sessions are safe from theft, fixation and reuse" }

// Covers returns preset.Sessions.
func (Session) Covers() []preset.ID { return []preset.ID{preset.Sessions} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil. The timeouts need virtual time: call
// it inside synctest.Test with a HandlerFunc target, or they are reported
// not proven.
func (x Session) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s, inside a synctest bubble for an
// in-process target.
func (x Session) Run(s *jetty.S) { s.Helper(); runBubbled(s, x.Preset, x.Target, x.exec) }

// Defaults of Session.
const (
	sessDefaultIdle     = 30 * time.Minute
	sessDefaultLifetime = 12 * time.Hour
	sessDefaultSamples  = 16
	sessMinBits         = 128
)

// sessRun is one run of Session.
type sessRun struct {
	x                    Session
	r                    reporter
	c                    *client
	login, check, logout Request
	idle, lifetime       time.Duration
	samples              int
	name                 string // the cookie's name
	virtual              bool
}

func (x Session) exec(r reporter) {
	run := &sessRun{x: x, r: r}
	param := paramsOf(r, preset.Sessions)
	run.idle = x.IdleTimeout
	if run.idle == 0 {
		run.idle = param.Duration(preset.ParamIdle, sessDefaultIdle)
	}
	run.lifetime = x.Lifetime
	if run.lifetime == 0 {
		run.lifetime = param.Duration(preset.ParamLifetime, sessDefaultLifetime)
	}
	r.step("Given", "a signed-in user: "+x.Login.String(), run.open)
	if r.failed() {
		return
	}
	var id string
	r.step("Then", "the session cookie is Secure, HttpOnly and SameSite, and the session is needed and works", func() { id = run.first() })
	if id == "" {
		return
	}
	r.step("And", "logging in issues a new identifier, and a planted one never works (fixation)", func() { run.fixation(id) })
	r.step("And", fmt.Sprintf("%d identifiers are distinct and carry at least %d bits of entropy", run.samples, sessMinBits), run.entropy)
	r.step("And", "after logout the old cookie no longer works", run.logoutEnds)
	run.optional()
	r.step("And", fmt.Sprintf("a session idle for %s, or older than %s, no longer works", probe.Words(run.idle), probe.Words(run.lifetime)), run.timeouts)
}

func (run *sessRun) open() {
	x, r := run.x, run.r
	if x.Login.IsZero() {
		r.errorf("Session.Login is not set: set it to a successful login, e.g. scenario.LoginRequest(\"alice@example.com\", password)")
	}
	run.login = x.Login.orDefault(LoginRequest("", ""))
	run.check = x.Check.orDefault(Request{Method: http.MethodGet, Path: "/me"})
	run.logout = x.Logout.orDefault(Request{Method: http.MethodPost, Path: "/logout"})
	run.samples = x.Samples
	switch {
	case run.samples == 0:
		run.samples = sessDefaultSamples
	case run.samples < 4 || run.samples > 1000:
		r.errorf("Session.Samples = %d: want 4 to 1000, or 0 for %d", run.samples, sessDefaultSamples)
	}
	if run.idle <= 0 || run.lifetime <= 0 || run.idle > run.lifetime {
		r.errorf("IdleTimeout %v and Lifetime %v: want positive durations, the idle timeout no longer than the lifetime", run.idle, run.lifetime)
	}
	c := connect(r, x.Target)
	if c == nil {
		return
	}
	run.c = c
	run.virtual = c.h != nil && probe.InBubble()
}

// signIn logs in (with extra cookies) and returns the session cookie set.
func (run *sessRun) signIn(extra string) (*http.Cookie, *response, bool) {
	q := run.login
	if extra != "" {
		q = q.req(http.Header{"Cookie": {extra}})
	}
	resp, err := run.c.do(run.r.context(), q)
	switch {
	case err != nil:
		run.r.errorf("%s: %v", q, err)
		return nil, nil, false
	case resp.Dropped || resp.Status >= 400:
		run.r.errorf("%s = %s, want a successful login: fix Session.Login (its credentials must be right)", q, resp)
		return nil, nil, false
	}
	ck := sessCookie(resp.Header, run.x.Cookie)
	if ck == nil {
		want := "a session cookie"
		if run.x.Cookie != "" {
			want = "cookie " + run.x.Cookie
		}
		run.r.errorf("%s = %d set no %s: set Session.Cookie to the session cookie's name, or set it on login", q, resp.Status, want)
		return nil, resp, false
	}
	run.name = ck.Name
	return ck, resp, true
}

// sessCookie returns the session cookie h sets: name's, else the first.
func sessCookie(h http.Header, name string) *http.Cookie {
	for _, line := range h.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err != nil || ck.Value == "" || ck.MaxAge < 0 {
			continue
		}
		if name == "" || ck.Name == name {
			return ck
		}
	}
	return nil
}

// works reports whether Check answers 2xx with the session id.
func (run *sessRun) works(id string) (ok bool, status string) {
	q := run.check.req(http.Header{"Cookie": {run.name + "=" + id}})
	resp, err := run.c.do(run.r.context(), q)
	if err != nil {
		run.r.errorf("%s: %v", run.check, err)
		return false, "error"
	}
	return !resp.Dropped && resp.Status >= 200 && resp.Status < 300, resp.String()
}

func (run *sessRun) first() string {
	r := run.r
	ck, resp, ok := run.signIn("")
	if !ok {
		return ""
	}
	for _, p := range sessCookieProblems(ck) {
		r.errorf("the session cookie %s: %s", ck.Name, p)
	}
	if p := sessInURL(resp, ck.Value); p != "" {
		r.errorf("%s: %s", run.login, p)
	}
	if ok, st := run.works(ck.Value); !ok {
		r.errorf("%s with the session cookie = %s, want 2xx: set Session.Check to a request that needs the session", run.check, st)
		return ""
	}
	resp2, err := run.c.do(r.context(), run.check)
	if err == nil && resp2.Status >= 200 && resp2.Status < 300 {
		r.errorf("%s without a session = %d: it must refuse (401, 403 or a redirect to the login), or Check proves nothing; set Session.Check to a request that needs the session", run.check, resp2.Status)
		return ""
	}
	r.logf("%s set %s (%s); %s works with it and not without", run.login, ck.Name, sessAttrs(ck), run.check)
	return ck.Value
}

// sessCookieProblems lists what is wrong with a session cookie's
// attributes.
func sessCookieProblems(ck *http.Cookie) []string {
	var out []string
	if !ck.Secure {
		out = append(out, "has no Secure attribute: a plain-HTTP request would send it in the clear; add Secure (OWASP ASVS 5.0 V3.3.1)")
	}
	if !ck.HttpOnly {
		out = append(out, "has no HttpOnly attribute: any injected script can read it; add HttpOnly (V3.3.4)")
	}
	switch ck.SameSite {
	case http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		out = append(out, "is SameSite=None: every other site's requests carry it; use SameSite=Lax or Strict (V3.3.2)")
	default:
		out = append(out, "has no SameSite attribute: set SameSite=Lax or Strict (V3.3.2)")
	}
	if ck.Domain != "" {
		out = append(out, fmt.Sprintf("has Domain=%s, which sends it to every subdomain too: leave Domain out (host-only), ideally with the __Host- prefix (V3.3.3)", ck.Domain))
	}
	return out
}

func sessAttrs(ck *http.Cookie) string {
	var a []string
	if ck.Secure {
		a = append(a, "Secure")
	}
	if ck.HttpOnly {
		a = append(a, "HttpOnly")
	}
	a = append(a, fmt.Sprintf("SameSite=%v", map[http.SameSite]string{http.SameSiteLaxMode: "Lax", http.SameSiteStrictMode: "Strict", http.SameSiteNoneMode: "None"}[ck.SameSite]))
	return strings.Join(a, ", ")
}

// sessInURL says where a login response puts the session id in a URL or
// body, or "".
func sessInURL(resp *response, id string) string {
	if loc := resp.Header.Get("Location"); id != "" && strings.Contains(loc, id) {
		return "the session identifier is in the Location URL: it leaks through history, logs and Referer; keep it in the cookie only (V7.2.1)"
	}
	if id != "" && strings.Contains(string(resp.Body), id) {
		return "the session identifier is in the response body: script can read it there; keep it in the HttpOnly cookie only"
	}
	return ""
}

func (run *sessRun) fixation(first string) {
	r := run.r
	planted, _ := probe.Canary()
	for _, old := range []struct{ what, id string }{{"an identifier the attacker chose", planted}, {"the identifier of an earlier session", first}} {
		ck, _, ok := run.signIn(run.name + "=" + old.id)
		if !ok {
			return
		}
		if ck.Value == old.id {
			r.errorf("logging in with %s kept it: issue a new session identifier at every login, so a planted one is never authenticated (session fixation, V7.2.4)", old.what)
			continue
		}
		if old.id == planted {
			if ok, _ := run.works(planted); ok {
				r.errorf("the planted identifier works after the login: bind sessions only to identifiers the server issued")
			}
		}
		r.logf("logging in with %s issued a new identifier", old.what)
	}
}

func (run *sessRun) entropy() {
	r := run.r
	ids := make([]string, 0, run.samples)
	for range run.samples {
		ck, _, ok := run.signIn("")
		if !ok {
			return
		}
		ids = append(ids, ck.Value)
	}
	if probe.LooksLikeJWT(ids[0]) {
		r.notProven(need{}, "the entropy of the session identifiers: they are signed tokens (JWT), whose strength is their key's, not measurable from outside")
		return
	}
	if p := sessEntropyProblem(ids); p != "" {
		r.errorf("%s", p)
		return
	}
	r.logf("%d identifiers, all distinct, about %.0f bits each", len(ids), sessBits(ids))
}

// sessEntropyProblem judges a sample of identifiers: all distinct, with at
// least sessMinBits of estimated entropy.
func sessEntropyProblem(ids []string) string {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return fmt.Sprintf("two of %d logins got the same session identifier: generate identifiers with crypto/rand (at least 16 random bytes)", len(ids))
		}
		seen[id] = true
	}
	if bits := sessBits(ids); bits < sessMinBits {
		return fmt.Sprintf("the session identifiers carry about %.0f bits of entropy, want at least %d (V7.2.3): generate them from at least 16 bytes of crypto/rand, e.g. base64 of rand.Read(make([]byte, 32))", bits, sessMinBits)
	}
	return ""
}

// sessBits estimates the entropy of identifiers: the positions that vary
// across the sample, each worth the bits of the alphabet the sample uses.
func sessBits(ids []string) float64 {
	alphabet := map[byte]bool{}
	longest := 0
	for _, id := range ids {
		longest = max(longest, len(id))
		for i := range len(id) {
			alphabet[id[i]] = true
		}
	}
	varying := 0
	for pos := range longest {
		chars := map[byte]bool{}
		for _, id := range ids {
			if pos < len(id) {
				chars[id[pos]] = true
			}
		}
		// A random position shows several characters in a sample; one
		// that takes two values at most is a counter's or a clock's.
		if len(chars) > min(2, len(ids)/4) {
			varying++
		}
	}
	return float64(varying) * math.Log2(float64(max(len(alphabet), 2)))
}

func (run *sessRun) logoutEnds() {
	r := run.r
	ck, _, ok := run.signIn("")
	if !ok {
		return
	}
	q := run.logout.req(http.Header{"Cookie": {run.name + "=" + ck.Value}})
	resp, err := run.c.do(r.context(), q)
	if err != nil || resp.Dropped || resp.Status >= 400 {
		r.errorf("%s = %v %v, want success: set Session.Logout to the logout request", q, resp, err)
		return
	}
	if ok, st := run.works(ck.Value); ok {
		r.errorf("after %s the old session cookie still works (%s = %s): end the session on the server (delete it from the store), not only by clearing the cookie (V7.4.1)", run.logout, run.check, st)
		return
	}
	r.logf("after %s the old cookie is refused", run.logout)
}

func (run *sessRun) optional() {
	x, r := run.x, run.r
	if x.Elevate.IsZero() {
		r.notProven(need{field: "Session.Elevate"}, "that the identifier changes when privilege changes: set Session.Elevate")
	} else {
		r.step("And", "changing privilege issues a new identifier", run.elevate)
	}
	if x.PasswordChange.IsZero() {
		r.notProven(need{field: "Session.PasswordChange"}, "that other sessions end when the password changes: set Session.PasswordChange")
	} else {
		r.step("And", "a password change ends the other sessions", run.passwordChange)
	}
}

// sendAs sends q with the session id and returns its answer, or nil when
// it did not succeed (reported: fix field).
func (run *sessRun) sendAs(id string, q Request, field string) *response {
	q = q.req(http.Header{"Cookie": {run.name + "=" + id}})
	resp, err := run.c.do(run.r.context(), q)
	if err != nil || resp.Dropped || resp.Status >= 400 {
		run.r.errorf("%s = %v %v, want success: fix %s", q, resp, err, field)
		return nil
	}
	return resp
}

func (run *sessRun) elevate() {
	ck, _, ok := run.signIn("")
	if !ok {
		return
	}
	resp := run.sendAs(ck.Value, run.x.Elevate, "Session.Elevate")
	if resp == nil {
		return
	}
	if nc := sessCookie(resp.Header, run.name); nc == nil || nc.Value == ck.Value {
		run.r.errorf("%s kept the session identifier: issue a new one when privilege changes (V7.2.4)", run.x.Elevate)
	}
}

func (run *sessRun) passwordChange() {
	one, _, ok := run.signIn("")
	if !ok {
		return
	}
	two, _, ok := run.signIn("")
	if !ok {
		return
	}
	if run.sendAs(one.Value, run.x.PasswordChange, "Session.PasswordChange") == nil {
		return
	}
	if ok, _ := run.works(two.Value); ok {
		run.r.errorf("after %s another session of the account still works: end the account's other sessions when its password changes (V7.4.3)", run.x.PasswordChange)
	}
}

func (run *sessRun) timeouts() {
	r := run.r
	if !run.virtual {
		r.notProven(need{preset.Sessions, "Session.Target"}, "the idle timeout and the absolute lifetime: they need virtual time; use an in-process HandlerFunc target (jetty.Check runs it in a synctest bubble)")
		return
	}
	ck, _, ok := run.signIn("")
	if !ok {
		return
	}
	time.Sleep(run.idle + time.Second)
	if ok, st := run.works(ck.Value); ok {
		r.errorf("a session unused for longer than %s still works (%s = %s): expire sessions after %s without use (V7.3.1)", probe.Words(run.idle), run.check, st, probe.Words(run.idle))
	}
	ck, _, ok = run.signIn("")
	if !ok {
		return
	}
	step := run.idle / 2
	start := time.Now()
	for time.Since(start) <= run.lifetime {
		time.Sleep(step)
		if ok, _ := run.works(ck.Value); !ok {
			break
		}
	}
	if ok, st := run.works(ck.Value); ok {
		r.errorf("a session used every %s still works after %s (%s = %s): end every session after %s however busy (V7.3.2)", probe.Words(step), probe.Words(time.Since(start)), run.check, st, probe.Words(run.lifetime))
		return
	}
	if used := time.Since(start); used < run.lifetime-step {
		r.errorf("a session used every %s ended after %s, before its %s lifetime: the idle timeout must count from the last use", probe.Words(step), probe.Words(used.Round(time.Second)), probe.Words(run.lifetime))
		return
	}
	r.logf("an idle session ended after %s; a busy one within %s", probe.Words(run.idle), probe.Words(run.lifetime))
}
