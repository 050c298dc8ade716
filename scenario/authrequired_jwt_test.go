package scenario_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// jwtKey signs the test JWTs (HS256).
var jwtKey = []byte("test-only-jwt-key")

// jwtSign makes an HS256 JWT of claims.
func jwtSign(claims map[string]any) string {
	e := base64.RawURLEncoding.EncodeToString
	h := e([]byte(`{"alg":"HS256","typ":"JWT"}`))
	b, _ := json.Marshal(claims)
	m := hmac.New(sha256.New, jwtKey)
	m.Write([]byte(h + "." + e(b)))
	return h + "." + e(b) + "." + e(m.Sum(nil))
}

// jwtClaims are a normal token's claims for user.
func jwtClaims(user string) map[string]any {
	return map[string]any{"sub": user, "aud": "notes-api", "iss": "https://auth.notes.example", "exp": time.Now().Add(time.Hour).Unix()}
}

func jwtWithClaims(user string, over map[string]any) http.Header {
	c := jwtClaims(user)
	maps.Copy(c, over)
	return http.Header{"Authorization": {"Bearer " + jwtSign(c)}}
}

func jwtBearer(user string) http.Header { return jwtWithClaims(user, nil) }

// jwtApp serves alice's note behind a JWT; its flags break the checks a real
// JWT library makes, the way hand-rolled middleware does.
type jwtApp struct {
	noVerify   bool // decodes the claims, never checks the signature
	acceptNone bool // trusts alg none
	noExpiry   bool
	noAudience bool
	noIssuer   bool
	noNbf      bool // ignores nbf
}

func (a jwtApp) user(r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(tok, ".")
	if !ok || len(parts) != 3 {
		return "", false
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	var head struct{ Alg string }
	var claims struct {
		Sub, Aud, Iss string
		Exp, Nbf      int64
	}
	if err1 != nil || err2 != nil || json.Unmarshal(hb, &head) != nil || json.Unmarshal(cb, &claims) != nil {
		return "", false
	}
	switch {
	case head.Alg == "none" && a.acceptNone:
	case a.noVerify:
	default:
		m := hmac.New(sha256.New, jwtKey)
		m.Write([]byte(parts[0] + "." + parts[1]))
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if head.Alg != "HS256" || err != nil || !hmac.Equal(sig, m.Sum(nil)) {
			return "", false
		}
	}
	if !a.noExpiry && time.Now().Unix() > claims.Exp {
		return "", false
	}
	if !a.noNbf && claims.Nbf != 0 && time.Now().Unix() < claims.Nbf {
		return "", false
	}
	if !a.noAudience && claims.Aud != "notes-api" || !a.noIssuer && claims.Iss != "https://auth.notes.example" {
		return "", false
	}
	return claims.Sub, true
}

func (a jwtApp) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := a.user(r)
		switch {
		case !ok:
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		case user != "alice":
			http.Error(w, "forbidden", http.StatusForbidden)
		default:
			w.Write([]byte("alice's secret note: buy milk"))
		}
	})
}

func jwtScenario(a jwtApp) scenario.AuthRequired {
	return scenario.AuthRequired{
		Target:      scenario.Handler(a.handler()),
		Routes:      []scenario.AuthRoute{{Path: "/notes/42", Owner: "alice"}},
		Credentials: jwtBearer,
		WithClaims:  jwtWithClaims,
	}
}

func TestAuthRequiredJWTProbes(t *testing.T) {
	t.Parallel()
	if err := jwtScenario(jwtApp{}).Verify(context.Background()); err != nil {
		t.Fatalf("a JWT app that checks signature, alg, exp, aud and iss: Verify = %v", err)
	}
	for _, tc := range []struct {
		name string
		app  jwtApp
		want string
	}{
		// issue 11 item 4: the old tamper changed the payload, which the
		// app refused as broken JSON; a signature-only change is accepted.
		{"signature never verified", jwtApp{noVerify: true}, "GET /notes/42 with alice's JWT signature changed (header and claims untouched) = 200, want 401 or 403: verify the JWT's signature"},
		{"alg none trusted", jwtApp{acceptNone: true}, "GET /notes/42 with alice's JWT re-headed alg none, unsigned = 200, want 401 or 403: accept only the algorithms you sign with"},
		{"expiry not checked", jwtApp{noExpiry: true}, "GET /notes/42 with alice's expired token = 200, want 401 or 403: check the token's expiry"},
		{"audience not checked", jwtApp{noAudience: true}, `GET /notes/42 with alice's JWT for another audience (aud "https://evil.example") = 200, want 401 or 403: check the token's audience (aud)`},
		{"not-before not checked", jwtApp{noNbf: true}, "GET /notes/42 with alice's JWT not valid before 2100 (nbf) = 200, want 401 or 403: check the token's not-before time"},
		{"issuer not checked", jwtApp{noIssuer: true}, `GET /notes/42 with alice's JWT for another issuer (iss "https://evil.example") = 200, want 401 or 403: check the token's issuer (iss)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, jwtScenario(tc.app)); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

func TestAuthRequiredJWTWithoutExpiry(t *testing.T) {
	t.Parallel()
	x := jwtScenario(jwtApp{noExpiry: true})
	x.Credentials = func(user string) http.Header {
		c := jwtClaims(user)
		delete(c, "exp")
		return http.Header{"Authorization": {"Bearer " + jwtSign(c)}}
	}
	if got := verifyProblems(t, x); !strings.Contains(got, `Credentials("alice") is a JWT without an exp claim: a stolen token never expires`) {
		t.Errorf("problems lack the missing exp:\n%s", got)
	}
}

func TestAuthRequiredNotProvenNamesTheField(t *testing.T) {
	t.Parallel()
	x := jwtScenario(jwtApp{})
	x.WithClaims = nil
	x.Routes = append(x.Routes, scenario.AuthRoute{Path: "/notes/42"})
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed {
		t.Fatalf("a correct JWT app failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"not proven: GET /notes/42 has no Owner: the check with mallory's credentials (BOLA) was skipped; set Owner",
		"not proven: GET /notes/42: the expired-token check was skipped: set Expired",
		`not proven: GET /notes/42: the owner's JWT declares aud "notes-api", but a token for another audience was not tried; set WithClaims`,
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("output lacks %q:\n%s", w, res.Output())
		}
	}
}
