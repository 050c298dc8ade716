package scenario

// Direct tests of the pure judgements of SecurityHeaders, AuthRequired, TLS
// and Caching (each returns the problem, or "").

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/scenario/internal/probe"
	"github.com/jettymethod/jetty/scenario/observatory"
)

func TestHeadersJudgements(t *testing.T) {
	t.Parallel()
	if p := hdBelow(observatory.Report{Grade: "B", Score: 70}, "A-"); p != "grade B (70/100), want at least A-" {
		t.Errorf("hdBelow = %q", p)
	}
	if p := hdBelow(observatory.Report{Grade: "A", Score: 90}, "A-"); p != "" {
		t.Errorf("hdBelow(A, A-) = %q, want none", p)
	}
	if p := hdAnswered("GET /", &response{Status: 503}); !strings.Contains(p, "GET / = 503: the page failed") {
		t.Errorf("hdAnswered(503) = %q", p)
	}
	if p := hdAnswered("GET /", &response{Status: 200}); p != "" {
		t.Errorf("hdAnswered(200) = %q", p)
	}
	reqs := hdRequests(nil, []Request{{Method: "POST", Path: "/login"}})
	if len(reqs) != 1 || reqs[0].String() != "POST /login" {
		t.Errorf("hdRequests = %v: Requests alone must not add GET /", reqs)
	}
}

func TestAuthJudgements(t *testing.T) {
	t.Parallel()
	refused := []int{401, 403}
	for _, tc := range []struct {
		resp  *response
		owned bool
		want  string
	}{
		{&response{Status: 401}, true, ""},
		{&response{Status: 200}, true, "x = 200, want 401 or 403: fix it"},
		{&response{Status: 500}, true, "must be refused, not crash"},
		{&response{Status: 404}, true, "set Refused: []int{401, 403, 404}"},
		{&response{Status: 404}, false, "x = 404, want 401 or 403: fix it"},
		{&response{Dropped: true}, true, "the handler crashed on a bad credential"},
	} {
		if got := authRefusal("x", tc.resp, refused, "401 or 403", tc.owned, "fix it"); !strings.Contains(got, tc.want) || (tc.want == "") != (got == "") {
			t.Errorf("authRefusal(%d) = %q, want %q", tc.resp.Status, got, tc.want)
		}
	}
	if p := authOwnerProblem("GET /n", "alice", &response{Status: 403}); !strings.Contains(p, "want 2xx") {
		t.Errorf("authOwnerProblem(403) = %q", p)
	}
	if p := authOwnerProblem("GET /n", "alice", &response{Status: 200}); p != "" {
		t.Errorf("authOwnerProblem(200) = %q", p)
	}
}

func TestTLSJudgements(t *testing.T) {
	t.Parallel()
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if p := tlsKeyProblem(&small.PublicKey); !strings.Contains(p, "RSA key has 1024 bits") {
		t.Errorf("tlsKeyProblem(RSA 1024) = %q", p)
	}
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if p := tlsKeyProblem(&p224.PublicKey); !strings.Contains(p, "ECDSA key is on a 224-bit curve") {
		t.Errorf("tlsKeyProblem(P-224) = %q", p)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if p := tlsKeyProblem(&p256.PublicKey); p != "" {
		t.Errorf("tlsKeyProblem(P-256) = %q", p)
	}
	big2048 := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 2047), E: 65537}
	if p := tlsKeyProblem(big2048); p != "" {
		t.Errorf("tlsKeyProblem(RSA 2048) = %q", p)
	}
	for v, want := range map[string]string{
		"":                     "without Strict-Transport-Security",
		"max-age=0":            "max-age=0, which tells browsers to forget HSTS",
		"max-age=abc":          "is invalid",
		"max-age=31536000":     "",
		"max-age=1; max-age=2": "is invalid",
	} {
		if got := tlsHSTSProblem("https://x/", 200, v); !strings.Contains(got, want) || (want == "") != (got == "") {
			t.Errorf("tlsHSTSProblem(%q) = %q, want %q", v, got, want)
		}
	}
	if p := tlsWeakProblem("a:1", nil); p != "" {
		t.Errorf("tlsWeakProblem(none) = %q", p)
	}
	if p := tlsWeakProblem("a:1", []string{"TLS_RSA_WITH_AES_128_CBC_SHA (RSA key exchange)"}); !strings.Contains(p, "a:1 accepts weak TLS 1.2 cipher suites: TLS_RSA_WITH_AES_128_CBC_SHA") {
		t.Errorf("tlsWeakProblem = %q", p)
	}
}

func TestCachingJudgements(t *testing.T) {
	t.Parallel()
	h := http.Header{"Cache-Control": {"public, max-age=60"}, "Etag": {`"v1"`}, "Last-Modified": {"yesterday"}}
	got := strings.Join(cachePublicProblems("GET /a", h), "\n")
	if !strings.Contains(got, `Last-Modified "yesterday", not an HTTP date`) {
		t.Errorf("cachePublicProblems = %s", got)
	}
	h.Set("Last-Modified", "Fri, 02 Jan 2026 03:04:05 GMT")
	if got := cachePublicProblems("GET /a", h); len(got) != 0 {
		t.Errorf("cachePublicProblems(correct) = %v", got)
	}
	first := http.Header{"Cache-Control": {"public, max-age=60"}, "Etag": {`"v1"`}, "Expires": {"Fri, 02 Jan 2026 03:04:05 GMT"}}
	got = strings.Join(cache304Problems("GET /a with If-None-Match", first, http.Header{"Etag": {`"v1"`}, "Cache-Control": {"public, max-age=60"}}, nil), "\n")
	if !strings.Contains(got, "304 without Expires") {
		t.Errorf("cache304Problems = %s", got)
	}
	priv := cachePrivateProblems("GET /me", http.Header{"Authorization": {"Bearer x"}}, http.Header{"Cache-Control": {"private, max-age=60"}, "Vary": {"Cookie"}})
	if len(priv) != 1 || !strings.Contains(priv[0], "Vary does not name Authorization") {
		t.Errorf("cachePrivateProblems = %v", priv)
	}
}

// TestTLSProbesDialThroughTheGuard: the TLS check's own dialers keep to
// loopback on the address dialed (issue 10 item 2), as the client does.
func TestTLSProbesDialThroughTheGuard(t *testing.T) {
	t.Parallel()
	d := &net.Dialer{Control: probe.Guard(false)}
	if _, err := tlsProbe(t.Context(), d, "192.0.2.1:443", &tls.Config{InsecureSkipVerify: true}); !errors.Is(err, probe.ErrNotLoopback) {
		t.Errorf("tlsProbe to 192.0.2.1: err = %v, want ErrNotLoopback", err)
	}
	if _, err := tlsPlainGet(t.Context(), d, "http://192.0.2.1/"); !errors.Is(err, probe.ErrNotLoopback) {
		t.Errorf("tlsPlainGet to 192.0.2.1: err = %v, want ErrNotLoopback", err)
	}
}
