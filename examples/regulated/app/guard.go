package app

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// guard holds the login limits: a lockout per account and a coarse token
// bucket per client IP.
type guard struct {
	attempts int
	window   time.Duration
	lockout  time.Duration
	ipRate   rate.Limit
	ipBurst  int

	mu       sync.Mutex
	accounts map[string]*account
	ips      map[string]*visitor
}

type account struct {
	failures    []time.Time // within the window, oldest first
	lockedUntil time.Time
}

type visitor struct {
	lim  *rate.Limiter
	seen time.Time
}

// sweepAt bounds the maps: past this many entries, stale ones are dropped
// on the next access. No background goroutine is needed.
const sweepAt = 10000

func newGuard(c Config) guard {
	return guard{
		attempts: c.LoginAttempts, window: c.LoginWindow, lockout: c.Lockout,
		ipRate: c.IPRate, ipBurst: c.IPBurst,
		accounts: map[string]*account{}, ips: map[string]*visitor{},
	}
}

// blocked reports whether account is locked at now, and for how long.
func (g *guard) blocked(key string, now time.Time) (time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	a := g.accounts[key]
	if a == nil || !now.Before(a.lockedUntil) {
		return 0, false
	}
	return a.lockedUntil.Sub(now), true
}

// failed records a failed attempt on account at now and reports whether it
// locked the account. The count does not depend on whether the account
// exists, so the lockout reveals nothing either.
func (g *guard) failed(key string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.accounts) > sweepAt {
		for k, a := range g.accounts {
			if now.After(a.lockedUntil) && (len(a.failures) == 0 || now.Sub(a.failures[len(a.failures)-1]) > g.window) {
				delete(g.accounts, k)
			}
		}
	}
	a := g.accounts[key]
	if a == nil {
		a = &account{}
		g.accounts[key] = a
	}
	cut := 0
	for cut < len(a.failures) && now.Sub(a.failures[cut]) >= g.window {
		cut++
	}
	a.failures = append(a.failures[cut:], now)
	if len(a.failures) >= g.attempts {
		a.lockedUntil = now.Add(g.lockout)
		a.failures = nil
		return true
	}
	return false
}

// succeeded clears the failures of account after a correct password.
func (g *guard) succeeded(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.accounts, key)
}

// allowIP spends a token of ip's bucket.
func (g *guard) allowIP(ip string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.ips) > sweepAt {
		for k, v := range g.ips {
			if now.Sub(v.seen) > time.Minute {
				delete(g.ips, k)
			}
		}
	}
	v := g.ips[ip]
	if v == nil {
		v = &visitor{lim: rate.NewLimiter(g.ipRate, g.ipBurst)}
		g.ips[ip] = v
	}
	v.seen = now
	return v.lim.AllowN(now, 1)
}

// limitIP answers 429 to a client IP that exceeds its token bucket. The
// probes and metrics are exempt, so an orchestrator is never throttled.
func (s *Server) limitIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
		default:
			if !s.guard.allowIP(s.clientIP(r), time.Now()) {
				tooMany(w, r, time.Second, "too many requests, slow down")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
