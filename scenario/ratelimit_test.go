package scenario_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario"
)

// rlApp is a login handler with a per-account attempt counter and a lockout
// map, reading time.Now (the fake clock inside a synctest bubble). Its zero
// knobs make it correct; each knob breaks it one way.
type rlApp struct {
	limit        int           // attempts that get through; -1: no limit
	extra        int           // extra attempts allowed (off by one)
	lockout      time.Duration // default 5m
	status       int           // default 429
	message      string        // default preset.LockoutMessage
	retryAfter   func(remaining time.Duration) string
	cacheControl string // default "no-store"
	keyByClient  bool   // count per X-Forwarded-For / RemoteAddr, not per account
	onlyExisting bool   // count only accounts that exist
	keyOnly      string // "ip": count per RemoteAddr only; "xff": per X-Forwarded-For, else RemoteAddr
	passFirst    bool   // checks the password before the lockout: the right one gets in while blocked
}

// rlServer is a running rlApp.
type rlServer struct {
	rlApp
	mu     sync.Mutex
	counts map[string]int
	start  map[string]time.Time
	until  map[string]time.Time
}

var rlUsers = map[string]string{"alice@example.com": "s3cret", "bob@example.com": "hunter2"}

func (a rlApp) handler() http.Handler {
	s := &rlServer{rlApp: a}
	return s.defaults()
}

func (a *rlServer) defaults() *rlServer {
	if a.limit == 0 {
		a.limit = 10
	}
	if a.lockout == 0 {
		a.lockout = 5 * time.Minute
	}
	if a.status == 0 {
		a.status = http.StatusTooManyRequests
	}
	if a.message == "" {
		a.message = preset.LockoutMessage
	}
	if a.retryAfter == nil {
		a.retryAfter = func(d time.Duration) string { return strconv.Itoa(int((d + time.Second - 1) / time.Second)) }
	}
	if a.cacheControl == "" {
		a.cacheControl = "no-store"
	}
	a.counts, a.start, a.until = map[string]int{}, map[string]time.Time{}, map[string]time.Time{}
	return a
}

func (a *rlServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var creds struct{ Email, Password string }
	if r.Method != http.MethodPost || r.URL.Path != "/login" || json.NewDecoder(r.Body).Decode(&creds) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	key := creds.Email
	if a.keyByClient {
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			ip = f
		}
		key += "|" + ip
	}
	if a.keyOnly != "" {
		key, _, _ = net.SplitHostPort(r.RemoteAddr)
		if f := r.Header.Get("X-Forwarded-For"); f != "" && a.keyOnly == "xff" {
			key = f
		}
	}
	_, exists := rlUsers[creds.Email]
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	blocked := func(until time.Time) {
		if v := a.retryAfter(until.Sub(now)); v != "" {
			w.Header().Set("Retry-After", v)
		}
		w.Header().Set("Cache-Control", a.cacheControl)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		fmt.Fprintf(w, `{"error":%q}`, a.message)
	}
	if a.passFirst && exists && rlUsers[creds.Email] == creds.Password {
		w.Write([]byte(`{"ok":true}`))
		return
	}
	if u, ok := a.until[key]; ok {
		if now.Before(u) {
			blocked(u)
			return
		}
		delete(a.until, key)
		a.counts[key] = 0
	}
	if rlUsers[creds.Email] == creds.Password && exists {
		a.counts[key] = 0
		w.Write([]byte(`{"ok":true}`))
		return
	}
	if a.limit > 0 && (exists || !a.onlyExisting) {
		if now.Sub(a.start[key]) >= time.Minute {
			a.start[key], a.counts[key] = now, 0
		}
		a.counts[key]++
		if a.counts[key] > a.limit+a.extra {
			a.until[key] = now.Add(a.lockout)
			blocked(a.until[key])
			return
		}
	}
	http.Error(w, "invalid email or password", http.StatusUnauthorized)
}

// build returns a HandlerFunc target that builds a fresh copy of the app.
func (a rlApp) target() scenario.Target {
	return scenario.HandlerFunc(a.handler)
}

// bucket is a token bucket in the style of golang.org/x/time/rate (which
// this module does not depend on): burst tokens, refilled at one per every.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) allow(now time.Time, burst int, every time.Duration) bool {
	if b.last.IsZero() {
		b.tokens = float64(burst)
	} else {
		b.tokens = min(float64(burst), b.tokens+float64(now.Sub(b.last))/float64(every))
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// rateApp is a correct handler built on a token bucket per account (10 a
// minute), then a 5-minute lockout, answering Retry-After as an HTTP-date.
func rateApp() http.Handler {
	var mu sync.Mutex
	buckets := map[string]*bucket{}
	until := map[string]time.Time{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var creds struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&creds)
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if buckets[creds.Email] == nil {
			buckets[creds.Email] = &bucket{}
		}
		if u := until[creds.Email]; now.Before(u) || !buckets[creds.Email].allow(now, 10, time.Minute/10) {
			if !now.Before(u) {
				u = now.Add(5 * time.Minute)
				until[creds.Email] = u
			}
			w.Header().Set("Retry-After", u.UTC().Format(http.TimeFormat))
			w.Header().Set("Cache-Control", "private, no-cache")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, "<p>Too many login attempts. Please try again later.</p>")
			return
		}
		http.Error(w, "invalid email or password", http.StatusUnauthorized)
	})
}

// rlFull turns every optional check on.
func rlFull(t scenario.Target) scenario.RateLimit {
	return scenario.RateLimit{
		Target:             t,
		PerAccount:         scenario.LoginRequest("bob@example.com", "wrong"),
		RotateForwardedFor: true,
		UnknownUser:        scenario.LoginRequest("nobody@example.com", "wrong"),
	}
}

func rlProblems(t *testing.T, err error) *scenario.Problems {
	t.Helper()
	var probs *scenario.Problems
	if !errors.As(err, &probs) {
		t.Fatalf("Verify = %v, want *scenario.Problems", err)
	}
	return probs
}

func TestRateLimitPassesCorrectHandlers(t *testing.T) {
	t.Parallel()
	for name, target := range map[string]scenario.Target{
		"counter":      rlApp{}.target(),
		"token bucket": scenario.HandlerFunc(rateApp),
		"HTTP-date":    rlApp{retryAfter: func(d time.Duration) string { return time.Now().Add(d).UTC().Format(http.TimeFormat) }}.target(),
		"private":      rlApp{cacheControl: "private, max-age=0"}.target(),
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				x := rlFull(target)
				if name == "token bucket" {
					x.UnknownUser = scenario.Request{} // covered by the counter handler
				}
				if err := x.Verify(t.Context()); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

func TestRateLimitLogsWhatItTried(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, rlFull(rlApp{}.target())) })
		if res.Failed {
			t.Fatalf("jetty.Check failed on a correct handler:\n%s", res.Output())
		}
		out := res.Output()
		for _, want := range []string{
			"Given I am on the login page",
			"When I attempt to log in 10 times in one minute",
			"Then my subsequent attempts are blocked for 5 minutes",
			"I see a message 'Too many login attempts. Please try again later.'",
			"sent 10 × POST /login for alice@example.com",
			"Retry-After: 300",
			"the block still holds 4m59s after it began",
			"5m0s of lockout verified in virtual time",
			"bob@example.com = 401: not blocked",
			"nobody@example.com (no such account): attempt #11 blocked",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
}

func TestRateLimitCatchesBrokenHandlers(t *testing.T) {
	t.Parallel()
	malformed := func(time.Duration) string { return "soon" }
	tests := []struct {
		name string
		app  rlApp
		want []string
	}{
		{"no limit", rlApp{limit: -1}, []string{"attempt #11 = 401, want 429: the 11th attempt in one minute must be blocked, and attempts up to #16 were not blocked either"}},
		{"one too late", rlApp{extra: 1}, []string{"attempt #11 = 401, want 429", "only attempt #12 was: the handler allows 11 attempts instead of 10"}},
		{"lockout 1s short", rlApp{lockout: 5*time.Minute - time.Second}, []string{"4m59s after the block began = 401, want 429: the block lifted before the 5m0s lockout ended"}},
		{"lockout 2s long", rlApp{lockout: 5*time.Minute + 2*time.Second}, []string{"5m1s after the block began = 429, want the block lifted"}},
		{"message differs", rlApp{message: "Slow down."}, []string{`does not show the message "Too many login attempts. Please try again later."`, `Slow down.`}},
		{"no Retry-After", rlApp{retryAfter: func(time.Duration) string { return "" }}, []string{"it has no Retry-After header"}},
		{"malformed Retry-After", rlApp{retryAfter: malformed}, []string{`Retry-After "soon" is neither delay-seconds`}},
		{"Retry-After too long", rlApp{retryAfter: func(time.Duration) string { return "3600" }}, []string{`Retry-After "3600" (1h0m0s): more than the 5m0s lockout`}},
		{"Retry-After constant", rlApp{retryAfter: func(time.Duration) string { return "300" }}, []string{`with 1s of the lockout left: send the remaining lockout, not a constant`}},
		{"Retry-After too short", rlApp{retryAfter: func(time.Duration) string { return "60" }}, []string{`Retry-After "60" (1m0s) at the start of a 5m0s lockout`}},
		{"cacheable", rlApp{cacheControl: "public, max-age=300"}, []string{"it is cacheable (Cache-Control: public, max-age=300)"}},
		{"fresh for a while", rlApp{cacheControl: "max-age=60"}, []string{`it may be cached (Cache-Control: "max-age=60"`}},
		{"counter keyed by X-Forwarded-For", rlApp{keyByClient: true}, []string{"with X-Forwarded-For: 203.0.113.7 = 401, want 429: a new client address reset the counter"}},
		{"only existing users", rlApp{onlyExisting: true}, []string{"nobody@example.com (no such account) = 401", "the block must not depend on whether the account exists"}},
		{"wrong status", rlApp{status: http.StatusForbidden}, []string{"attempt #11 = 403, want 429: a blocked attempt must answer 429 Too Many Requests"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				probs := rlProblems(t, rlFull(tt.app.target()).Verify(t.Context()))
				for _, w := range tt.want {
					if !strings.Contains(probs.Error(), w) {
						t.Errorf("problems lack %q:\n%v", w, probs)
					}
				}
			})
		})
	}
}

func TestRateLimitGlobalCounterBlocksOtherAccount(t *testing.T) {
	t.Parallel()
	// A counter shared by every account locks bob out with alice's attempts.
	global := scenario.HandlerFunc(func() http.Handler {
		var n int
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n++; n > 10 {
				w.Header().Set("Retry-After", "300")
				w.Header().Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, preset.LockoutMessage)
				return
			}
			w.WriteHeader(http.StatusUnauthorized)
		})
	})
	synctest.Test(t, func(t *testing.T) {
		probs := rlProblems(t, rlFull(global).Verify(t.Context()))
		if want := "POST /login for bob@example.com = 429 after 14 attempts for alice@example.com: the other account is blocked too"; !strings.Contains(probs.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, probs)
		}
	})
}

func TestRateLimitCheckReportsThroughS(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, rlFull(rlApp{limit: -1}.target())) })
		if !res.Failed {
			t.Fatal("jetty.Check passed a handler without a limit")
		}
		want := "Then my subsequent attempts are blocked for 5 minutes: POST /login attempt #11 = 401, want 429"
		if !strings.Contains(res.ErrorText(), want) {
			t.Errorf("errors lack %q:\n%s", want, res.ErrorText())
		}
	})
}

func TestRateLimitOutsideBubble(t *testing.T) {
	t.Parallel()
	x := scenario.RateLimit{Target: rlApp{}.target()}
	probs := rlProblems(t, x.Verify(context.Background()))
	if want := "the 5m0s lockout was not verified: an in-process target runs on real time here"; !strings.Contains(probs.Error(), want) || len(probs.List) != 1 {
		t.Errorf("want one problem %q, got:\n%v", want, probs)
	}
	x.TrustRetryAfter = true
	if err := x.Verify(context.Background()); err != nil {
		t.Fatalf("with TrustRetryAfter: %v", err)
	}
}

func TestRateLimitURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(rlApp{}.handler())
	defer srv.Close()
	x := rlFull(scenario.URL(srv.URL))
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed {
		t.Fatalf("correct live server failed:\n%s", res.Output())
	}
	if want := "the 5m0s lockout was checked through Retry-After, not by waiting: a live server's clock cannot be virtual"; !strings.Contains(res.Output(), want) {
		t.Errorf("output lacks %q:\n%s", want, res.Output())
	}

	for name, tc := range map[string]struct {
		app  rlApp
		want string
	}{
		"short Retry-After": {rlApp{retryAfter: func(time.Duration) string { return "120" }}, `Retry-After "120" (2m0s) at the start of a 5m0s lockout`},
		"no limit":          {rlApp{limit: -1}, "attempt #11 = 401, want 429"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(tc.app.handler())
			defer srv.Close()
			probs := rlProblems(t, rlFull(scenario.URL(srv.URL)).Verify(t.Context()))
			if !strings.Contains(probs.Error(), tc.want) {
				t.Errorf("problems lack %q:\n%v", tc.want, probs)
			}
		})
	}
}

func TestRateLimitVirtualTimeIsFast(t *testing.T) {
	t.Parallel()
	start := time.Now()
	synctest.Test(t, func(t *testing.T) {
		begin := time.Now()
		x := scenario.RateLimit{Target: rlApp{lockout: 30 * time.Minute}.target(), Lockout: 30 * time.Minute}
		if err := x.Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(begin); got < 30*time.Minute {
			t.Errorf("virtual time advanced %v, want at least the 30m lockout", got)
		}
	})
	if wall := time.Since(start); wall >= time.Minute {
		t.Errorf("a 30m lockout took %v of wall time: it must run on virtual time", wall)
	}
}

func TestRateLimitBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		x    scenario.RateLimit
		want string
	}{
		{"zero target", scenario.RateLimit{}, "RateLimit.Target is not set: set it to scenario.HandlerFunc(newApp)"},
		{"negative attempts", scenario.RateLimit{Target: rlApp{}.target(), Attempts: -1}, "RateLimit.Attempts = -1: want the number of attempts"},
		{"absurd attempts", scenario.RateLimit{Target: rlApp{}.target(), Attempts: 5000}, "RateLimit.Attempts = 5000: more than 1000"},
		{"negative lockout", scenario.RateLimit{Target: rlApp{}.target(), Lockout: -time.Second}, "RateLimit.Lockout = -1s: want a positive duration"},
		{"tiny lockout", scenario.RateLimit{Target: rlApp{}.target(), Lockout: time.Second}, "the lockout is 1s: want at least 2s"},
		{"negative window", scenario.RateLimit{Target: rlApp{}.target(), Window: -time.Minute}, "RateLimit.Window = -1m0s"},
		{"success status", scenario.RateLimit{Target: rlApp{}.target(), Status: 200}, "RateLimit.Status = 200: a blocked attempt must answer an error status"},
		{"blank message", scenario.RateLimit{Target: rlApp{}.target(), Message: "  "}, "the message a blocked user sees is empty"},
		{"remote URL", scenario.RateLimit{Target: scenario.URL("http://example.com")}, `"example.com" is not a loopback host`},
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

func TestRateLimitTakesPresetParams(t *testing.T) {
	t.Parallel()
	p := preset.New("strict", preset.Requirement{
		ID: preset.LoginRateLimit, Title: "three strikes", Category: preset.Security,
		Traits: []preset.Trait{preset.Login},
		Params: preset.Params{preset.ParamAttempts: "3", preset.ParamWindow: "1m", preset.ParamLockout: "30m", preset.ParamMessage: "Locked.",
			// The check is not given the right password: this preset
			// makes that probe optional (else the coverage is partial).
			"optional": "RateLimit.Success"},
	})
	srv := httptest.NewServer(rlApp{limit: 3, lockout: 30 * time.Minute, message: "Locked."}.handler())
	defer srv.Close()
	jetty.Feature(t, "Login", func(f *jetty.F) {
		f.Include(scenario.RateLimit{Target: scenario.URL(srv.URL)})
	}, jetty.External(p), jetty.Traits(preset.Login))
	// The same server under the seed's defaults (10 attempts) is wrong.
	srv2 := httptest.NewServer(rlApp{limit: 3, lockout: 30 * time.Minute, message: "Locked."}.handler())
	defer srv2.Close()
	probs := rlProblems(t, scenario.RateLimit{Target: scenario.URL(srv2.URL)}.Verify(t.Context()))
	if want := "attempt #4 for alice@example.com = 429, already blocked: the first 10 attempts"; !strings.Contains(probs.Error(), want) {
		t.Errorf("problems lack %q:\n%v", want, probs)
	}
}

// Through jetty.Check with a *testing.T, an in-process target runs on
// virtual time via jetty.S.Bubble: a lockout one second too short is caught
// without waiting, and a correct one passes.
func TestRateLimitCheckUsesVirtualTime(t *testing.T) {
	t.Parallel()
	t.Run("correct", func(t *testing.T) {
		jetty.Check(t, scenario.RateLimit{Target: rlApp{}.target()})
	})
	r := innertestRateLimit(t)
	if !strings.Contains(r, "lockout") {
		t.Errorf("a lockout 1s too short passed under jetty.Check:\n%s", r)
	}
}

func TestInnerRateLimitShortLockout(t *testing.T) {
	t.Parallel()
	innertest.Inner(t)
	jetty.Check(t, scenario.RateLimit{Target: rlApp{lockout: 5*time.Minute - time.Second}.target()})
}

func innertestRateLimit(t *testing.T) string {
	r := innertest.Run(t, "TestInnerRateLimitShortLockout")
	if r.ExitOK {
		t.Errorf("jetty.Check passed a lockout one second too short:\n%s", r.Output)
	}
	return r.Output
}

// RFC 6585 §4: a 429 must not be stored by a cache, so one without
// Cache-Control is correct; a 200 "block" without it would be cacheable.
func TestRateLimitWithoutCacheControl(t *testing.T) {
	t.Parallel()
	bare := func() http.Handler {
		inner := rlApp{}.handler()
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, r)
			for k, vs := range rec.Header() {
				if k != "Cache-Control" {
					w.Header()[k] = vs
				}
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	}
	synctest.Test(t, func(t *testing.T) {
		if err := (scenario.RateLimit{Target: scenario.HandlerFunc(bare)}).Verify(t.Context()); err != nil {
			t.Errorf("a 429 without Cache-Control failed: %v", err)
		}
	})
}

func init() {
	registerLayers(
		layerCase{name: "RateLimit/correct", bubble: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return rlFull(scenario.HandlerFunc(func() http.Handler { return wrap(rlApp{}.handler()) }))
		}},
		layerCase{name: "RateLimit/broken", broken: true, bubble: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return rlFull(scenario.HandlerFunc(func() http.Handler { return wrap(rlApp{extra: 1, keyByClient: true}.handler()) }))
		}},
	)
}

// The README's pasted check, with no optional field, is strict: it derives
// a second account, an unknown account and rotated client addresses from
// its login request, so a limiter keyed on the client instead of the
// account fails it.
func TestRateLimitStrictByDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		app  rlApp
		want []string
	}{
		{"keyed on the client IP", rlApp{keyOnly: "ip"}, []string{
			"POST /login for jetty-second-account@example.com = 429 after 14 attempts for alice@example.com: the other account is blocked too",
			"for jetty-no-such-account@example.com (no such account) = 429, already blocked",
		}},
		{"keyed on X-Forwarded-For", rlApp{keyOnly: "xff"}, []string{
			"with X-Forwarded-For: 203.0.113.7 = 401, want 429: a new client address reset the counter",
			"the other account is blocked too",
		}},
		{"keyed on account and address", rlApp{keyByClient: true}, []string{
			"with X-Forwarded-For: 203.0.113.7 = 401, want 429: a new client address reset the counter",
		}},
		{"only existing accounts", rlApp{onlyExisting: true}, []string{
			"the block must not depend on whether the account exists",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				probs := rlProblems(t, scenario.RateLimit{Target: tc.app.target()}.Verify(t.Context()))
				for _, w := range tc.want {
					if !strings.Contains(probs.Error(), w) {
						t.Errorf("problems lack %q:\n%v", w, probs)
					}
				}
			})
		})
	}
	t.Run("per account (correct)", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, scenario.RateLimit{Target: rlApp{}.target()}) })
			if res.Failed {
				t.Fatalf("a per-account limiter failed:\n%s", res.Output())
			}
			for _, want := range []string{
				"a second account jetty-second-account@example.com and an unknown account jetty-no-such-account@example.com",
				"rotating X-Forwarded-For does not reset the counter",
				"jetty-second-account@example.com = 401: not blocked",
				"jetty-no-such-account@example.com (no such account): attempt #11 blocked",
			} {
				if !strings.Contains(res.Output(), want) {
					t.Errorf("output lacks %q:\n%s", want, res.Output())
				}
			}
			for _, derived := range []string{"not proven: one account's", "not proven: an account that does not exist", "not proven: rotating"} {
				if strings.Contains(res.Output(), derived) {
					t.Errorf("a login request with a JSON account proves the derived probes, got %q:\n%s", derived, res.Output())
				}
			}
		})
	})
	t.Run("form body", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			x := scenario.RateLimit{Target: scenario.HandlerFunc(newLimitedLogin), Request: scenario.Request{
				Body: []byte("email=alice%40example.com&password=wrong"), Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			}}
			if err := x.Verify(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("no account to vary", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// A login whose body names no account in a field the check
			// reads: what cannot be derived is not proven, naming the field.
			x := scenario.RateLimit{Target: scenario.HandlerFunc(newLimitedLogin), Request: scenario.Request{
				Body: []byte("alice@example.com wrong"), Header: http.Header{"Content-Type": {"text/plain"}},
			}}
			res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
			for _, want := range []string{"not proven: one account's attempts do not block another's", "set PerAccount", "set UnknownUser"} {
				if !strings.Contains(res.Output(), want) {
					t.Errorf("output lacks %q:\n%s", want, res.Output())
				}
			}
		})
	})
}

// slidingWindow is a login limiter in the style of go-chi/httprate: a
// sliding-window counter per account over fixed windows (starting phase
// after each multiple of window), blocked attempts not counted, answering
// 429 with Retry-After set to the window's length and, with resetHeaders,
// X-RateLimit-* headers (the reset in Unix seconds); no lockout of its own.
type slidingWindow struct {
	limit        int
	window       time.Duration
	phase        time.Duration
	resetHeaders bool
	mu           sync.Mutex
	counts       map[string]map[time.Time]int
}

func (l *slidingWindow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var creds struct{ Email string }
	json.NewDecoder(r.Body).Decode(&creds)
	now := time.Now()
	cur := now.Add(-l.phase).Truncate(l.window).Add(l.phase)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts[creds.Email] == nil {
		l.counts[creds.Email] = map[time.Time]int{}
	}
	c := l.counts[creds.Email]
	rate := float64(c[cur.Add(-l.window)])*float64(l.window-now.Sub(cur))/float64(l.window) + float64(c[cur])
	n := int(rate + 0.5)
	if l.resetHeaders {
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(0, l.limit-n-1)))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(cur.Add(l.window).Unix(), 10))
	}
	if n >= l.limit {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("Retry-After", strconv.Itoa(int(l.window.Seconds())))
		http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
		return
	}
	c[cur]++
	http.Error(w, "invalid email or password", http.StatusUnauthorized)
}

// newSlidingWindow returns a limiter of 10 attempts a minute whose windows
// start 30s before now (rounded down to the second), so the first attempts
// fall half-way through a window.
func newSlidingWindow(resetHeaders bool) *slidingWindow {
	at := time.Now().Truncate(time.Second)
	return &slidingWindow{limit: 10, window: time.Minute, resetHeaders: resetHeaders,
		phase: at.Sub(at.Truncate(time.Minute)) - 30*time.Second, counts: map[string]map[time.Time]int{}}
}

// A sliding-window limiter has no lockout: it lets attempts through again
// as its window slides, half a minute after the block began here. In
// process the wait shows it; over a URL its own X-RateLimit-Reset says so,
// and the two target kinds give the same verdict. Without reset headers a
// URL cannot show it: the pass says the lockout's length was not proven by
// waiting.
func TestRateLimitSlidingWindowSameVerdictOnBothTargets(t *testing.T) {
	t.Parallel()
	check := func(target scenario.Target) scenario.RateLimit {
		return scenario.RateLimit{Target: target, Lockout: time.Minute, Message: "Too Many Requests"}
	}
	// The same judgement on both kinds (over a URL the reset, in whole
	// seconds, may read 29s or 30s).
	reset := regexp.MustCompile(`the blocked attempt #11: its X-RateLimit-Reset says the limit resets in (29|30)s, before the 1m0s lockout ends`)
	t.Run("in process", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			x := check(scenario.HandlerFunc(func() http.Handler { return newSlidingWindow(true) }))
			probs := rlProblems(t, x.Verify(t.Context()))
			if !reset.MatchString(probs.Error()) {
				t.Errorf("problems lack %q:\n%v", reset, probs)
			}
			if want := "59s after the block began = 401, want 429: the block lifted before the 1m0s lockout ended"; !strings.Contains(probs.Error(), want) {
				t.Errorf("problems lack %q:\n%v", want, probs)
			}
		})
	})
	t.Run("URL", func(t *testing.T) {
		srv := httptest.NewServer(newSlidingWindow(true))
		defer srv.Close()
		probs := rlProblems(t, check(scenario.URL(srv.URL)).Verify(t.Context()))
		if !reset.MatchString(probs.Error()) {
			t.Errorf("problems lack %q:\n%v", reset, probs)
		}
	})
	t.Run("URL without reset headers", func(t *testing.T) {
		srv := httptest.NewServer(newSlidingWindow(false))
		defer srv.Close()
		res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, check(scenario.URL(srv.URL))) })
		want := "not proven: the block holds for the whole lockout and lifts when it ends: the 1m0s lockout was checked through Retry-After, not by waiting"
		if !strings.Contains(res.Output(), want) {
			t.Errorf("output lacks %q:\n%s", want, res.Output())
		}
	})
	t.Run("correct lockout with reset headers", func(t *testing.T) {
		// Its twin: a lockout whose reset headers tell the truth passes on
		// both target kinds.
		correct := func() http.Handler {
			inner := rlApp{lockout: time.Minute, message: "Too Many Requests"}.handler()
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec := httptest.NewRecorder()
				inner.ServeHTTP(rec, r)
				if ra := rec.Header().Get("Retry-After"); ra != "" {
					secs, _ := strconv.Atoi(ra)
					w.Header().Set("X-RateLimit-Remaining", "0")
					w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Duration(secs)*time.Second).Unix(), 10))
					w.Header().Set("RateLimit", fmt.Sprintf(`"login";r=0;t=%d`, secs))
				}
				for k, vs := range rec.Header() {
					w.Header()[k] = vs
				}
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
			})
		}
		synctest.Test(t, func(t *testing.T) {
			if err := check(scenario.HandlerFunc(correct)).Verify(t.Context()); err != nil {
				t.Errorf("in process: %v", err)
			}
		})
		srv := httptest.NewServer(correct())
		defer srv.Close()
		if err := check(scenario.URL(srv.URL)).Verify(t.Context()); err != nil {
			t.Errorf("URL: %v", err)
		}
	})
}

// A lockout that lets the right password through tells the right guess
// apart, so guessing stays unlimited: with Success set, the right password
// must be blocked too while the account is; without it, that is not proven.
func TestRateLimitBlocksTheRightPasswordToo(t *testing.T) {
	t.Parallel()
	right := scenario.LoginRequest("alice@example.com", "s3cret")
	synctest.Test(t, func(t *testing.T) {
		x := scenario.RateLimit{Target: rlApp{passFirst: true}.target(), Success: right}
		wantProblems(t, x, "POST /login with the right password for alice@example.com = 200 during the lockout, want 429: the right guess gets through")
	})
	synctest.Test(t, func(t *testing.T) {
		res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, scenario.RateLimit{Target: rlApp{}.target(), Success: right}) })
		if res.Failed || !strings.Contains(res.Output(), "the right password for alice@example.com = 429: blocked too") {
			t.Errorf("a lockout that blocks the right password: failed=%v\n%s", res.Failed, res.Output())
		}
	})
	synctest.Test(t, func(t *testing.T) {
		res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, scenario.RateLimit{Target: rlApp{passFirst: true}.target()}) })
		if want := "not proven: the right password is blocked too while the account is"; !strings.Contains(res.Output(), want) || !strings.Contains(res.Output(), "set Success") {
			t.Errorf("output lacks %q and the field:\n%s", want, res.Output())
		}
	})
}
