package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/jettymethod/jetty/scenario"
)

// newLimitedLogin is a login handler that blocks an account for 5 minutes
// after 10 failed attempts.
func newLimitedLogin() http.Handler {
	var mu sync.Mutex
	fails := map[string]int{}
	until := map[string]time.Time{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		user := r.FormValue("email")
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if u, ok := until[user]; ok && now.Before(u) {
			w.Header().Set("Retry-After", strconv.Itoa(int(u.Sub(now).Round(time.Second).Seconds())))
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "Too many login attempts. Please try again later.", http.StatusTooManyRequests)
			return
		} else if ok {
			delete(until, user)
			fails[user] = 0
		}
		if fails[user]++; fails[user] > 10 {
			until[user] = now.Add(5 * time.Minute)
			w.Header().Set("Retry-After", "300")
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "Too many login attempts. Please try again later.", http.StatusTooManyRequests)
			return
		}
		http.Error(w, "invalid email or password", http.StatusUnauthorized)
	})
}

// A live server's minutes cannot be virtual: the lockout is checked through
// Retry-After. In a test, run an in-process scenario.HandlerFunc target
// inside synctest.Test instead, and the 5 minutes pass on virtual time:
//
//	synctest.Test(t, func(t *testing.T) {
//		err := scenario.RateLimit{Target: scenario.HandlerFunc(newLimitedLogin)}.Verify(t.Context())
//		…
//	})
func ExampleRateLimit() {
	srv := httptest.NewServer(newLimitedLogin())
	defer srv.Close()

	rl := scenario.RateLimit{
		Target:  scenario.URL(srv.URL),
		Request: scenario.Request{Body: []byte("email=alice%40example.com&password=wrong"), Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
	}
	fmt.Println("rate limit:", rl.Verify(context.Background()))

	unlimited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "invalid email or password", http.StatusUnauthorized)
	}))
	defer unlimited.Close()
	fmt.Println(scenario.RateLimit{Target: scenario.URL(unlimited.URL)}.Verify(context.Background()))
	// Output:
	// rate limit: <nil>
	// too many login attempts are blocked: 1 problem(s):
	// 	Then my subsequent attempts are blocked for 5 minutes: POST /login attempt #11 = 401, want 429: the 11th attempt in one minute must be blocked, and attempts up to #16 were not blocked either: limit login attempts per account (e.g. a counter with a lockout, or golang.org/x/time/rate) and answer 429 with "Too many login attempts. Please try again later."
}
