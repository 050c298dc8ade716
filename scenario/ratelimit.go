package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
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
// lockout) and the scenario logs that it was checked that way, not by
// waiting.
//
// RateLimit is a value; Verify and Run are safe in parallel tests when the
// target is (a HandlerFunc target is built afresh for each run; a Handler
// or URL target keeps its counters between runs, so use distinct accounts).
type RateLimit struct {
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
	// PerAccount, when set, is a failing login attempt for a second,
	// existing account: while the first account is blocked it must not be
	// (the counter is per account, so one user cannot lock out another).
	// Zero: the check is skipped.
	PerAccount Request
	// RotateForwardedFor, when true, checks that the block holds when the
	// attempts carry new X-Forwarded-For and X-Real-IP values: a spoofed
	// client address must not reset the counter.
	RotateForwardedFor bool
	// UnknownUser, when set, is a login attempt for an account that does
	// not exist: it must be blocked after Attempts attempts the same way, so
	// the block reveals nothing about which accounts exist and guessing
	// stays limited. Zero: the check is skipped.
	UnknownUser Request
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

var _ jetty.Scenario = RateLimit{}

// Mode returns jetty.Production.
func (RateLimit) Mode() jetty.Mode { return jetty.Production }

// Title returns "too many login attempts are blocked".
func (RateLimit) Title() string { return "too many login attempts are blocked" }

// Covers returns preset.LoginRateLimit.
func (RateLimit) Covers() []preset.ID { return []preset.ID{preset.LoginRateLimit} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil. Thresholds not set on x take the
// seed's numbers (Verify has no preset). Call it inside synctest.Test for an
// in-process target; see RateLimit.
func (x RateLimit) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

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
	req, other, unknown Request
	attempts            int
	window, lockout     time.Duration
	status              int
	message             string
}

func (x RateLimit) config(r reporter) (rlConfig, bool) {
	ok := true
	bad := func(format string, args ...any) { r.errorf(format, args...); ok = false }
	param := paramsOf(r, preset.LoginRateLimit)
	cfg := rlConfig{
		req:      x.Request.orDefault(LoginRequest(rlDefaultEmail, rlWrongPassword)),
		attempts: x.Attempts, window: x.Window, lockout: x.Lockout, status: x.Status, message: x.Message,
	}
	if !x.PerAccount.IsZero() {
		cfg.other = x.PerAccount.orDefault(Request{Method: cfg.req.Method, Path: cfg.req.Path})
	}
	if !x.UnknownUser.IsZero() {
		cfg.unknown = x.UnknownUser.orDefault(Request{Method: cfg.req.Method, Path: cfg.req.Path})
	}
	if x.Target.IsZero() {
		bad("RateLimit.Target is not set: set it to scenario.HandlerFunc(newApp) (in process, virtual time) or scenario.URL(\"http://127.0.0.1:8080\")")
	}
	switch {
	case cfg.attempts < 0:
		bad("RateLimit.Attempts = %d: want the number of attempts that get through (a positive number), or 0 for the preset's (default %d)", cfg.attempts, rlDefaultAttempts)
	case cfg.attempts > 1000:
		bad("RateLimit.Attempts = %d: more than 1000 attempts is not a login limit (NIST SP 800-63B §3.2.2 allows at most 100 failures); lower it", cfg.attempts)
	case cfg.attempts == 0:
		cfg.attempts = param.Int(preset.ParamAttempts, rlDefaultAttempts)
		if cfg.attempts > 1000 {
			bad("the preset's %s parameter %q = %d: more than 1000 attempts is not a login limit; lower it", preset.LoginRateLimit, preset.ParamAttempts, cfg.attempts)
		}
	}
	dur := func(field string, d *time.Duration, key string, def time.Duration) {
		if *d < 0 {
			bad("RateLimit.%s = %v: want a positive duration, or 0 for the preset's (default %v)", field, *d, def)
			return
		}
		if *d == 0 {
			*d = param.Duration(key, def)
		}
	}
	dur("Window", &cfg.window, preset.ParamWindow, rlDefaultWindow)
	dur("Lockout", &cfg.lockout, preset.ParamLockout, rlDefaultLockout)
	if cfg.lockout > 0 && cfg.lockout < 2*time.Second {
		bad("the lockout is %v: want at least 2s (the scenario probes 1s before and after its end, and a shorter block does not slow an attacker)", cfg.lockout)
	}
	switch {
	case cfg.status == 0:
		cfg.status = rlDefaultStatus
	case cfg.status < 400 || cfg.status > 599:
		bad("RateLimit.Status = %d: a blocked attempt must answer an error status; want 429 (RFC 6585 §4), or 0 for the default", cfg.status)
	}
	if cfg.message == "" {
		cfg.message = param.String(preset.ParamMessage, preset.LockoutMessage)
	}
	if strings.TrimSpace(cfg.message) == "" {
		bad("the message a blocked user sees is empty: set RateLimit.Message, e.g. %q", preset.LockoutMessage)
	}
	return cfg, ok
}

// rlHuman reads a duration the way the seed does: "one minute", "5 minutes".
func rlHuman(d time.Duration) string {
	unit := func(n int64, one, many string) string {
		if n == 1 {
			return "one " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour", "hours")
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute", "minutes")
	case d >= time.Second && d%time.Second == 0 && d < time.Minute:
		return unit(int64(d/time.Second), "second", "seconds")
	}
	return d.String()
}

// rlOrdinal returns "1st", "2nd", "11th".
func rlOrdinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

// rlShow quotes a body for a failure message, cut to 200 bytes.
func rlShow(b []byte) string {
	if len(b) > 200 {
		return strconv.Quote(string(b[:200])) + "…"
	}
	return strconv.Quote(string(b))
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
	cc := strings.ToLower(strings.Join(h.Values("Cache-Control"), ","))
	var names []string
	for d := range strings.SplitSeq(cc, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
		if name != "" {
			names = append(names, name)
		}
	}
	explicit := slices.Contains(names, "max-age") || slices.Contains(names, "s-maxage") || h.Get("Expires") != ""
	switch {
	case slices.Contains(names, "public"):
		return fmt.Sprintf("it is cacheable (Cache-Control: %s): a shared cache could serve the block to other users; send Cache-Control: no-store (RFC 6585 §4)", cc)
	case slices.Contains(names, "no-store"), slices.Contains(names, "no-cache"), slices.Contains(names, "private"):
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

// rlSpoofed are the client addresses sent in X-Forwarded-For (RFC 5737
// documentation ranges).
var rlSpoofed = [...]string{"203.0.113.7", "198.51.100.23", "192.0.2.200"}

func (x RateLimit) exec(r reporter) {
	ctx := r.context()
	var (
		cfg     rlConfig
		c       *client
		virtual bool
		ok      bool
	)
	r.step("Given", "I am on the login page", func() {
		if cfg, ok = x.config(r); !ok {
			return
		}
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
			ok = false
			return
		}
		virtual = c.h != nil && probe.InBubble()
		clock := "real time"
		switch {
		case virtual:
			clock = "virtual time (synctest bubble)"
		case c.h == nil:
			clock = "real time; the lockout is checked through Retry-After"
		}
		r.logf("target %v, %s; attempts: %s for %s, body %s", x.Target, clock, cfg.req, cfg.req.account(), cfg.req.Body)
	})
	if !ok {
		return
	}
	n, acct, send := cfg.attempts, cfg.req.account(), 0
	do := func(q Request, extra http.Header) *response {
		resp, err := c.do(ctx, q.req(extra))
		if err != nil {
			r.errorf("%s: %v", q, err)
			return nil
		}
		return resp
	}
	blocked := func(resp *response, as int) bool {
		return resp.Status == as || rlHasMessage(resp.Body, cfg.message)
	}
	pre := map[int]int{} // statuses of the attempts that got through
	r.step("When", fmt.Sprintf("I attempt to log in %d times in %s", n, rlHuman(cfg.window)), func() {
		for send < n {
			send++
			resp := do(cfg.req, nil)
			switch {
			case resp == nil:
				ok = false
			case resp.Dropped:
				r.errorf("%s attempt #%d for %s: %s: a failed login must answer (e.g. 401), not drop the connection", cfg.req, send, acct, resp)
				ok = false
			case blocked(resp, cfg.status):
				r.errorf("%s attempt #%d for %s = %d, already blocked: the first %d attempts in %s must get through (a wrong password answers e.g. 401); block from attempt #%d on", cfg.req, send, acct, resp.Status, n, rlHuman(cfg.window), n+1)
				ok = false
			default:
				pre[resp.Status]++
				continue
			}
			return
		}
		var st []string
		for _, code := range slices.Sorted(maps.Keys(pre)) {
			st = append(st, fmt.Sprintf("%d×%d", code, pre[code]))
		}
		r.logf("sent %d × %s for %s: statuses %s, none blocked", n, cfg.req, acct, strings.Join(st, ", "))
	})
	if !ok {
		return
	}
	var (
		block   *response
		blockAs = cfg.status
		blockAt time.Time
	)
	r.step("Then", fmt.Sprintf("my subsequent attempts are blocked for %s", rlHuman(cfg.lockout)), func() {
		send++
		block = do(cfg.req, nil)
		blockAt = time.Now()
		if block == nil {
			return
		}
		if block.Status != cfg.status {
			if !block.Dropped && block.Status >= 400 && (pre[block.Status] == 0 || rlHasMessage(block.Body, cfg.message)) {
				// Blocked, with the wrong status: report and go on.
				r.errorf("%s attempt #%d = %d, want %d: a blocked attempt must answer %d %s (RFC 6585 §4); return %d when the limit is reached", cfg.req, send, block.Status, cfg.status, cfg.status, http.StatusText(cfg.status), cfg.status)
				blockAs = block.Status
			} else {
				x.diagnoseLate(r, do, cfg, send, block)
				block = nil
				return
			}
		}
		r.logf("attempt #%d for %s = %d: blocked", send, acct, block.Status)
		r.step("And", "the blocked response says when to retry and is not cached", func() {
			d, date, err := probe.RetryAfter(block.Header, blockAt)
			slack := time.Duration(0)
			if date {
				slack = time.Second // an HTTP-date has whole seconds
			}
			switch {
			case err != nil:
				r.errorf("the blocked attempt #%d: %v: tell the client when to retry, e.g. Retry-After: %d (RFC 9110 §10.2.3, RFC 6585 §4)", send, err, int(cfg.lockout.Seconds()))
			case d <= 0:
				r.errorf("the blocked attempt #%d has Retry-After %q, %v from now: it must be in the future, the remaining lockout (%d seconds)", send, block.Header.Get("Retry-After"), d, int(cfg.lockout.Seconds()))
			case d > cfg.lockout+slack:
				r.errorf("the blocked attempt #%d has Retry-After %q (%v): more than the %v lockout; send the remaining lockout, %d seconds", send, block.Header.Get("Retry-After"), d, cfg.lockout, int(cfg.lockout.Seconds()))
			case d < cfg.lockout-2*time.Second:
				r.errorf("the blocked attempt #%d has Retry-After %q (%v) at the start of a %v lockout: a client retrying then is still blocked; send the remaining lockout, %d seconds", send, block.Header.Get("Retry-After"), d, cfg.lockout, int(cfg.lockout.Seconds()))
			default:
				r.logf("Retry-After: %s (%v)", block.Header.Get("Retry-After"), d)
			}
			switch p := rlCacheProblem(block.Status, block.Header); {
			case p != "":
				r.errorf("the blocked attempt #%d: %s", send, p)
			case block.Header.Get("Cache-Control") == "":
				r.logf("no Cache-Control: a %d is not stored by caches (RFC 6585 §4, RFC 9111 §4.2.2); Cache-Control: no-store says so to every cache", block.Status)
			default:
				r.logf("Cache-Control: %s", block.Header.Get("Cache-Control"))
			}
		})
		if x.RotateForwardedFor {
			r.step("And", "rotating X-Forwarded-For does not reset the counter", func() {
				for _, ip := range rlSpoofed {
					send++
					resp := do(cfg.req, http.Header{"X-Forwarded-For": {ip}, "X-Real-Ip": {ip}})
					if resp == nil {
						return
					}
					if !blocked(resp, blockAs) {
						r.errorf("%s attempt #%d for %s with X-Forwarded-For: %s = %s, want %d: a new client address reset the counter, so an attacker rotating the header guesses without limit; count attempts per account, and trust X-Forwarded-For only from your own proxies", cfg.req, send, acct, ip, resp, blockAs)
						return
					}
				}
				r.logf("attempts with X-Forwarded-For and X-Real-IP %v: all blocked", rlSpoofed)
			})
		}
		if !cfg.other.IsZero() {
			other := cfg.other.account()
			r.step("And", fmt.Sprintf("another account (%s) is not blocked by my attempts", other), func() {
				resp := do(cfg.other, nil)
				switch {
				case resp == nil:
				case resp.Dropped || blocked(resp, blockAs):
					r.errorf("%s for %s = %s after %d attempts for %s: the other account is blocked too; count attempts per account, so one user cannot lock out another (OWASP ASVS 5.0 V6.3.1)", cfg.other, other, resp, send, acct)
				default:
					r.logf("%s for %s = %d: not blocked", cfg.other, other, resp.Status)
				}
			})
		}
		if !virtual {
			if c.h != nil && !x.TrustRetryAfter {
				r.errorf("the %v lockout was not verified: an in-process target runs on real time here, and the scenario does not wait %v; call Verify inside synctest.Test(t, func(t *testing.T) { … }) with Target: scenario.HandlerFunc(newApp) so the lockout passes on virtual time, or set TrustRetryAfter to check it through Retry-After only", cfg.lockout, cfg.lockout)
				return
			}
			r.logf("the %v lockout was checked through Retry-After, not by waiting: %s", cfg.lockout, map[bool]string{true: "a live server's clock cannot be virtual", false: "TrustRetryAfter is set"}[c.h == nil])
			return
		}
		before := cfg.lockout - time.Second
		r.step("And", fmt.Sprintf("the block still holds %v after it began", before), func() {
			time.Sleep(time.Until(blockAt.Add(before)))
			send++
			resp := do(cfg.req, nil)
			switch {
			case resp == nil:
			case !blocked(resp, blockAs):
				r.errorf("%s attempt #%d, %v after the block began = %s, want %d: the block lifted before the %v lockout ended; keep the account blocked for the whole %v", cfg.req, send, before, resp, blockAs, cfg.lockout, cfg.lockout)
			default:
				d, _, err := probe.RetryAfter(resp.Header, time.Now())
				if err == nil && d > 2*time.Second {
					r.errorf("%s attempt #%d, %v after the block began, has Retry-After %q (%v) with 1s of the lockout left: send the remaining lockout, not a constant", cfg.req, send, before, resp.Header.Get("Retry-After"), d)
				}
				r.logf("attempt #%d at +%v (virtual time) = %d: still blocked", send, before, resp.Status)
			}
		})
		after := cfg.lockout + time.Second
		r.step("And", fmt.Sprintf("the block lifts %v after it began", after), func() {
			time.Sleep(time.Until(blockAt.Add(after)))
			send++
			resp := do(cfg.req, nil)
			switch {
			case resp == nil:
			case resp.Dropped || blocked(resp, blockAs):
				r.errorf("%s attempt #%d, %v after the block began = %s, want the block lifted: the lockout must end after %v; a longer block (or one restarted by each blocked attempt) locks users out longer than the policy says", cfg.req, send, after, resp, cfg.lockout)
			default:
				r.logf("attempt #%d at +%v (virtual time) = %d: the block lifted; %v of lockout verified in virtual time", send, after, resp.Status, cfg.lockout)
			}
		})
	})
	if block == nil {
		return
	}
	r.step("And", fmt.Sprintf("I see a message '%s'", cfg.message), func() {
		if !rlHasMessage(block.Body, cfg.message) {
			r.errorf("the blocked attempt's body %s does not show the message %q: tell the user why the attempt was refused", rlShow(block.Body), cfg.message)
			return
		}
		r.logf("the blocked response shows %q", cfg.message)
	})
	if !cfg.unknown.IsZero() {
		who := cfg.unknown.account()
		r.step("And", fmt.Sprintf("an account that does not exist (%s) is blocked the same way", who), func() {
			for i := 1; i <= n+1; i++ {
				resp := do(cfg.unknown, nil)
				switch {
				case resp == nil:
					return
				case i <= n && blocked(resp, blockAs):
					r.errorf("%s attempt #%d for %s (no such account) = %d, already blocked: the first %d attempts must get through for an unknown account as for a real one", cfg.unknown, i, who, resp.Status, n)
					return
				case i == n+1 && (resp.Status != blockAs || !rlHasMessage(resp.Body, cfg.message)):
					r.errorf("%s attempt #%d for %s (no such account) = %s with body %s, want %d with %q: the block must not depend on whether the account exists, or it reveals which accounts exist and leaves guessing unlimited; count attempts for every submitted account name", cfg.unknown, i, who, resp, rlShow(resp.Body), blockAs, cfg.message)
					return
				}
			}
			r.logf("%d attempts for %s (no such account): attempt #%d blocked like a real account's", n+1, who, n+1)
		})
	}
}

// diagnoseLate reports an attempt Attempts+1 that was not blocked, probing a
// few more attempts to tell "one too late" from "no limit".
func (x RateLimit) diagnoseLate(r reporter, do func(Request, http.Header) *response, cfg rlConfig, send int, resp *response) {
	const extra = 5
	for k := send + 1; k <= send+extra; k++ {
		p := do(cfg.req, nil)
		if p == nil {
			return
		}
		if p.Status == cfg.status || rlHasMessage(p.Body, cfg.message) {
			r.errorf("%s attempt #%d = %s, want %d: the %s attempt in %s must be blocked, but only attempt #%d was: the handler allows %d attempts instead of %d; block as soon as %d attempts were made", cfg.req, send, resp, cfg.status, rlOrdinal(send), rlHuman(cfg.window), k, k-1, cfg.attempts, cfg.attempts)
			return
		}
	}
	r.errorf("%s attempt #%d = %s, want %d: the %s attempt in %s must be blocked, and attempts up to #%d were not blocked either: limit login attempts per account (e.g. a counter with a lockout, or golang.org/x/time/rate) and answer %d with %q", cfg.req, send, resp, cfg.status, rlOrdinal(send), rlHuman(cfg.window), send+extra, cfg.status, cfg.message)
}
