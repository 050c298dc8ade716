package scenario_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// authKey signs the test tokens.
var authKey = []byte("test-only-hmac-key")

// authToken is a small HMAC-SHA256 signed token: base64url(user|exp).mac.
func authToken(user string, exp time.Time) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(user + "|" + strconv.FormatInt(exp.Unix(), 10)))
	m := hmac.New(sha256.New, authKey)
	m.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func authBearer(user string) http.Header {
	return http.Header{"Authorization": {"Bearer " + authToken(user, time.Now().Add(time.Hour))}}
}

func authExpired(user string) http.Header {
	return http.Header{"Authorization": {"Bearer " + authToken(user, time.Now().Add(-time.Hour))}}
}

func authCookie(user string) http.Header {
	return http.Header{"Cookie": {"session=" + authToken(user, time.Now().Add(time.Hour)) + "; theme=dark"}}
}

// authApp serves notes; its flags break it in the ways AuthRequired must catch.
type authApp struct {
	noAuth, noOwner, noSig, noExpiry bool
	crashMalformed, panicMalformed   bool
	redirectLeak                     bool // redirects to /login but forgets to return
	redirectData                     bool // redirects to a page that serves the note without auth
	redirectLogin                    bool // redirects to a harmless login page
	refuseAll                        bool
	hide                             bool // answers 404 to other users
}

func (a authApp) handler() http.Handler {
	var mu sync.Mutex
	notes := map[string][2]string{"42": {"alice", "alice's secret note: buy milk"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "please sign in") })
	mux.HandleFunc("GET /public/notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n, ok := notes[r.PathValue("id")]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, n[1])
	})
	note := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n, ok := notes[r.PathValue("id")]
		mu.Unlock()
		user, status := a.user(r)
		if status != 0 {
			switch {
			case a.redirectLeak:
				http.Redirect(w, r, "/login", http.StatusFound)
				// missing return: the note follows the redirect's body
			case a.redirectData:
				http.Redirect(w, r, "/public"+r.URL.Path, http.StatusFound)
				return
			case a.redirectLogin:
				http.Redirect(w, r, "/login", http.StatusFound)
				return
			default:
				http.Error(w, http.StatusText(status), status)
				return
			}
		}
		if a.refuseAll {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !a.noOwner && !a.noAuth && user != n[0] && status == 0 {
			if a.hide {
				http.NotFound(w, r)
				return
			}
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodDelete {
			mu.Lock()
			delete(notes, r.PathValue("id"))
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fmt.Fprint(w, n[1])
	}
	mux.HandleFunc("GET /notes/{id}", note)
	mux.HandleFunc("DELETE /notes/{id}", note)
	return mux
}

// user authenticates r: the user, or the status to refuse it with.
func (a authApp) user(r *http.Request) (string, int) {
	if a.noAuth {
		return "", 0
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		c, err := r.Cookie("session")
		if err != nil {
			return "", http.StatusUnauthorized
		}
		tok = c.Value
	}
	payload, mac, ok := strings.Cut(tok, ".")
	if a.panicMalformed && len(mac) != 43 {
		_ = mac[42] // index out of range on a short MAC
	}
	if a.crashMalformed && len(mac) != 43 {
		return "", http.StatusInternalServerError
	}
	if !ok {
		return "", http.StatusUnauthorized
	}
	if !a.noSig {
		m := hmac.New(sha256.New, authKey)
		m.Write([]byte(payload))
		if !hmac.Equal([]byte(mac), []byte(base64.RawURLEncoding.EncodeToString(m.Sum(nil)))) {
			return "", http.StatusUnauthorized
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", http.StatusUnauthorized
	}
	user, exp, ok := strings.Cut(string(raw), "|")
	if !ok {
		return "", http.StatusUnauthorized
	}
	sec, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", http.StatusUnauthorized
	}
	if !a.noExpiry && time.Now().After(time.Unix(sec, 0)) {
		return "", http.StatusUnauthorized
	}
	return user, 0
}

func authScenario(t scenario.Target) scenario.AuthRequired {
	return scenario.AuthRequired{
		Target:      t,
		Routes:      []scenario.AuthRoute{{Method: "GET", Path: "/notes/42", Owner: "alice"}},
		Credentials: authBearer,
		Expired:     authExpired,
	}
}

func TestAuthRequiredPassesCorrectApp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		x    func(scenario.Target) scenario.AuthRequired
	}{
		{"bearer", authScenario},
		{"cookie", func(tg scenario.Target) scenario.AuthRequired {
			x := authScenario(tg)
			x.Credentials = authCookie
			x.Expired = nil
			return x
		}},
		{"delete is probed before the owner deletes", func(tg scenario.Target) scenario.AuthRequired {
			x := authScenario(tg)
			x.Routes = []scenario.AuthRoute{{Method: "DELETE", Path: "/notes/42", Owner: "alice"}}
			return x
		}},
		{"redirect to a login page", func(tg scenario.Target) scenario.AuthRequired {
			return authScenario(tg)
		}},
	} {
		t.Run(tc.name+"/in-process", func(t *testing.T) {
			app := authApp{redirectLogin: tc.name == "redirect to a login page"}
			if err := tc.x(scenario.Handler(app.handler())).Verify(context.Background()); err != nil {
				t.Fatalf("Verify on a correct app: %v", err)
			}
		})
		t.Run(tc.name+"/url", func(t *testing.T) {
			app := authApp{redirectLogin: tc.name == "redirect to a login page"}
			srv := httptest.NewServer(app.handler())
			defer srv.Close()
			if err := tc.x(scenario.URL(srv.URL)).Verify(context.Background()); err != nil {
				t.Fatalf("Verify on a correct app: %v", err)
			}
		})
	}
}

func TestAuthRequiredCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		app  authApp
		want []string
	}{
		{"no auth at all", authApp{noAuth: true}, []string{
			"GET /notes/42 without credentials = 200, want 401 or 403: require authentication",
		}},
		{"no ownership check", authApp{noOwner: true}, []string{
			"GET /notes/42 as mallory (alice's object) = 200, want 401 or 403: check the object's owner, not just that a user is signed in (BOLA, ASVS 8.2.2",
		}},
		{"signature not verified", authApp{noSig: true}, []string{
			"GET /notes/42 with alice's token tampered (one character changed) = 200, want 401 or 403: verify the token's signature",
		}},
		{"expiry not checked", authApp{noExpiry: true}, []string{
			"GET /notes/42 with alice's expired token = 200, want 401 or 403: check the token's expiry",
		}},
		{"500 on a malformed token", authApp{crashMalformed: true}, []string{
			"GET /notes/42 with alice's token truncated (malformed) = 500, want 401 or 403: a missing or bad credential must be refused, not crash",
		}},
		{"panic on a malformed token", authApp{panicMalformed: true}, []string{
			"GET /notes/42 with alice's token truncated (malformed) = no response (the connection was dropped), want 401 or 403: the handler crashed",
		}},
		{"redirect that still serves the data", authApp{redirectLeak: true}, []string{
			`GET /notes/42 without credentials = 302 redirecting to "/login", but its body still carries the data: return right after http.Redirect`,
		}},
		{"redirect to a page with the data", authApp{redirectData: true}, []string{
			"GET /notes/42 without credentials = 302 redirecting to /public/notes/42, which serves the data (200)",
		}},
		{"other users get 404", authApp{hide: true}, []string{
			"GET /notes/42 as mallory (alice's object) = 404, want 401 or 403: check the object's owner",
			"set Refused: []int{401, 403, 404}",
		}},
		{"refuses everybody", authApp{refuseAll: true}, []string{
			"GET /notes/42 as alice (the owner) = 403, want 2xx: the owner gets 403: AuthRequired needs a route the owner can read",
		}},
	} {
		for _, url := range []bool{false, true} {
			name := tc.name + "/in-process"
			if url {
				name = tc.name + "/url"
			}
			t.Run(name, func(t *testing.T) {
				if url && tc.app.panicMalformed {
					t.Skip("a panic over HTTP makes net/http log to stderr; covered in process")
				}
				tg := scenario.Handler(tc.app.handler())
				if url {
					srv := httptest.NewServer(tc.app.handler())
					defer srv.Close()
					tg = scenario.URL(srv.URL)
				}
				got := verifyProblems(t, authScenario(tg))
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("problems do not contain %q:\n%s", w, got)
					}
				}
			})
		}
	}
}

func TestAuthRequiredRefusedSetAccepts404(t *testing.T) {
	t.Parallel()
	x := authScenario(scenario.Handler(authApp{hide: true}.handler()))
	x.Refused = []int{401, 403, 404}
	if err := x.Verify(context.Background()); err != nil {
		t.Fatalf("Verify with Refused 401, 403, 404 on an app hiding objects: %v", err)
	}
}

func TestAuthRequiredOwnerOfMissingObject(t *testing.T) {
	t.Parallel()
	x := authScenario(scenario.Handler(authApp{}.handler()))
	x.Routes = []scenario.AuthRoute{{Path: "/notes/99", Owner: "alice"}}
	got := verifyProblems(t, x)
	if !strings.Contains(got, "GET /notes/99 as alice (the owner) = 404, want 2xx: the owner gets 404: AuthRequired needs a route the owner can read") {
		t.Errorf("problems:\n%s", got)
	}
}

func TestAuthRequiredCookieTamperCaught(t *testing.T) {
	t.Parallel()
	x := authScenario(scenario.Handler(authApp{noSig: true}.handler()))
	x.Credentials = authCookie
	got := verifyProblems(t, x)
	if !strings.Contains(got, "with alice's token tampered (one character changed) = 200") {
		t.Errorf("problems:\n%s", got)
	}
}

func TestAuthRequiredBadConfiguration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		x    scenario.AuthRequired
		want string
	}{
		{"zero target", scenario.AuthRequired{Routes: []scenario.AuthRoute{{Path: "/x"}}, Credentials: authBearer}, "no target: set Target"},
		{"no routes", scenario.AuthRequired{Target: scenario.Handler(http.NotFoundHandler()), Credentials: authBearer}, "no Routes and no protected route in Inventory: list the protected routes"},
		{"nil credentials", scenario.AuthRequired{Target: scenario.Handler(http.NotFoundHandler()), Routes: []scenario.AuthRoute{{Path: "/x"}}}, "Credentials is nil"},
		{"bad path", scenario.AuthRequired{Target: scenario.Handler(http.NotFoundHandler()), Routes: []scenario.AuthRoute{{Path: "notes"}}, Credentials: authBearer}, `Routes[0].Path = "notes": want a path starting with /`},
		{"owner is the other user", scenario.AuthRequired{Target: scenario.Handler(http.NotFoundHandler()), Routes: []scenario.AuthRoute{{Path: "/x", Owner: "mallory"}}, Credentials: authBearer}, "OtherUser must be a different user"},
		{"nonsense refused", scenario.AuthRequired{Target: scenario.Handler(http.NotFoundHandler()), Routes: []scenario.AuthRoute{{Path: "/x"}}, Credentials: authBearer, Refused: []int{200}}, "Refused contains 200"},
		{"remote url", scenario.AuthRequired{Target: scenario.URL("http://example.com"), Routes: []scenario.AuthRoute{{Path: "/x"}}, Credentials: authBearer}, "not a loopback host"},
		{"no token to tamper", scenario.AuthRequired{Target: scenario.Handler(authApp{noAuth: true}.handler()), Routes: []scenario.AuthRoute{{Path: "/notes/42", Owner: "alice"}}, Credentials: func(string) http.Header { return http.Header{"X-Tenant": {"a"}} }}, "Tamper left Credentials(\"alice\") unchanged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

func TestAuthRequiredThroughJettyCheck(t *testing.T) {
	t.Parallel()
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, authScenario(scenario.Handler(authApp{noOwner: true}.handler())))
	})
	if !res.Failed || !strings.Contains(res.ErrorText(), "as mallory (alice's object) = 200, want 401 or 403") {
		t.Errorf("jetty.Check on an app without ownership checks: failed=%v\n%s", res.Failed, res.Output())
	}

	x := authScenario(scenario.Handler(authApp{}.handler()))
	x.Expired = nil
	x.Routes = append(x.Routes, scenario.AuthRoute{Path: "/notes/42"})
	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed {
		t.Fatalf("jetty.Check on a correct app failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"Given GET /notes/42 as alice (the owner) succeeds",
		"GET /notes/42 as mallory (alice's object) = 403",
		"the expired-token check was skipped: set Expired",
		"has no Owner: the check with mallory's credentials (BOLA) was skipped",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}
}

func init() {
	registerLayers(
		layerCase{name: "AuthRequired/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return authScenario(scenario.Handler(wrap(authApp{}.handler())))
		}},
		layerCase{name: "AuthRequired/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return authScenario(scenario.Handler(wrap(authApp{noOwner: true, noExpiry: true}.handler())))
		}},
	)
}
