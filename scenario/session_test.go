package scenario_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jettymethod/jetty/scenario"
)

// sessApp keeps sessions in memory; its flags break it the ways
// session management goes wrong.
type sessApp struct {
	keepPlanted bool          // login reuses the session id the browser sent (fixation)
	clientOnly  bool          // logout only clears the cookie
	idle        time.Duration // idle timeout; 0: 30 minutes; <0: none
	noLifetime  bool          // no absolute lifetime
	weakCookie  bool          // no HttpOnly, no SameSite
	sequential  bool          // ids are a counter
	sameID      bool          // one id for everyone
}

type sessEntry struct{ created, seen time.Time }

func (a sessApp) handler() http.Handler {
	var mu sync.Mutex
	sessions := map[string]*sessEntry{}
	n := 0
	newID := func() string {
		switch {
		case a.sameID:
			return "the-session"
		case a.sequential:
			n++
			return fmt.Sprintf("sess%06d", n)
		}
		b := make([]byte, 32)
		rand.Read(b)
		return hex.EncodeToString(b)
	}
	idle := a.idle
	if idle == 0 {
		idle = 30 * time.Minute
	}
	valid := func(id string) bool {
		mu.Lock()
		defer mu.Unlock()
		e, ok := sessions[id]
		if !ok {
			return false
		}
		now := time.Now()
		if (idle > 0 && now.Sub(e.seen) > idle) || (!a.noLifetime && now.Sub(e.created) > 12*time.Hour) {
			delete(sessions, id)
			return false
		}
		e.seen = now
		return true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.FormValue("password"), "right") {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		id := newID()
		if c, err := r.Cookie("sid"); err == nil && a.keepPlanted {
			id = c.Value
		}
		mu.Lock()
		sessions[id] = &sessEntry{time.Now(), time.Now()}
		mu.Unlock()
		ck := &http.Cookie{Name: "sid", Value: id, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
		if a.weakCookie {
			ck.HttpOnly, ck.SameSite = false, 0
		}
		http.SetCookie(w, ck)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("sid")
		if err != nil || !valid(c.Value) {
			http.Error(w, "sign in", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"user":"alice"}`)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("sid"); err == nil && !a.clientOnly {
			mu.Lock()
			delete(sessions, c.Value)
			mu.Unlock()
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

var sessLogin = scenario.Request{Method: "POST", Path: "/login", Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("user=alice&password=right")}

func (a sessApp) scenario(t *testing.T, url bool, wrap func(http.Handler) http.Handler) scenario.Session {
	target := scenario.HandlerFunc(func() http.Handler { return wrap(a.handler()) })
	if url {
		srv := httptest.NewServer(wrap(a.handler()))
		t.Cleanup(srv.Close)
		target = scenario.URL(srv.URL)
	}
	return scenario.Session{Target: target, Login: sessLogin}
}

func TestSessionPassesCorrectApp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		if err := (sessApp{}).scenario(t, false, noWrap).Verify(t.Context()); err != nil {
			t.Error(err)
		}
	})
	if err := (sessApp{}).scenario(t, true, noWrap).Verify(t.Context()); err != nil {
		t.Errorf("url: %v", err)
	}
}

func TestSessionCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		app     sessApp
		virtual bool // needs virtual time: in process only
		want    []string
	}{
		{"fixation", sessApp{keepPlanted: true}, false, []string{"logging in with an identifier the attacker chose kept it: issue a new session identifier at every login"}},
		{"logout only clears the cookie", sessApp{clientOnly: true}, false, []string{"after POST /logout the old session cookie still works (GET /me = 200): end the session on the server"}},
		{"weak cookie", sessApp{weakCookie: true}, false, []string{"the session cookie sid: has no HttpOnly attribute", "the session cookie sid: has no SameSite attribute"}},
		{"sequential ids", sessApp{sequential: true}, false, []string{"bits of entropy, want at least 128"}},
		{"one id for all", sessApp{sameID: true}, false, []string{"logging in with the identifier of an earlier session kept it"}},
		{"30-day idle sessions", sessApp{idle: 30 * 24 * time.Hour}, true, []string{"a session unused for longer than 30 minutes still works", "expire sessions after 30 minutes without use"}},
		{"no lifetime", sessApp{noLifetime: true}, true, []string{"still works after", "end every session after 12 hours however busy"}},
	} {
		for _, url := range []bool{false, true} {
			if url && tc.virtual {
				continue
			}
			t.Run(fmt.Sprintf("%s/url=%v", tc.name, url), func(t *testing.T) {
				if url {
					wantProblems(t, tc.app.scenario(t, true, noWrap), tc.want...)
					return
				}
				synctest.Test(t, func(t *testing.T) { wantProblems(t, tc.app.scenario(t, false, noWrap), tc.want...) })
			})
		}
	}
}

func TestSessionOverURLSaysTimeoutsNotProven(t *testing.T) {
	t.Parallel()
	out := runLogs(t, (sessApp{}).scenario(t, true, noWrap))
	for _, want := range []string{
		"not proven: the idle timeout and the absolute lifetime: they need virtual time",
		"not proven: that other sessions end when the password changes: set Session.PasswordChange",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func init() {
	registerLayers(
		layerCase{name: "Session/correct", bubble: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return (sessApp{}).scenario(t, false, wrap)
		}},
		layerCase{name: "Session/broken", broken: true, bubble: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return (sessApp{clientOnly: true, idle: -1}).scenario(t, false, wrap)
		}},
	)
}
