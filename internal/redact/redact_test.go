package redact_test

import (
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/stretchr/testify/assert"
)

const canary = "CANARY-s3cr3t-9f2b"

func TestStringMasksEverySecret(t *testing.T) {
	for _, in := range []string{
		`{"email":"a@b.c","password":"` + canary + `"}`,
		`{"user": {"Password" : "` + canary + `", "x": 1}}`,
		`{"access_token":"` + canary + `","refresh_token":"` + canary + `"}`,
		`{"apiKey":"` + canary + `"}`,
		`{"client_secret":"` + canary + `"}`,
		`{"password":"with \"quotes\" ` + canary + `"}`,
		`{"pin_token":` + canary + `}`,
		`email=a%40b.c&password=` + canary,
		`/login?user=x&token=` + canary + `&next=/`,
		"Authorization: Bearer " + canary,
		"authorization: Basic " + canary,
		"Cookie: session=" + canary,
		"Set-Cookie: session=" + canary + "; HttpOnly",
		"map[Authorization:[Bearer " + canary + "] Cookie:[sid=" + canary + "]]",
		"GET /x with bearer " + canary,
		`sessionid=` + canary,
		`"pAss":"{"password":"` + canary + `"}`,
		`"pass":"{"password":"{"token":"` + canary + `"}`,
	} {
		got := redact.String(in)
		assert.NotContains(t, got, canary, "input %q gave %q", in, got)
		assert.Contains(t, got, redact.Mask, in)
	}
}

func TestStringKeepsWhatIsNotSecret(t *testing.T) {
	for _, in := range []string{
		`{"email":"a@b.c","status":"ok"}`,
		`POST /login #11 = 200, want 429`,
		`q=hello&page=2`,
		`Too many login attempts. Please try again later.`,
		`near "OR": syntax error`,
	} {
		assert.Equal(t, in, redact.String(in))
	}
}

func TestHeader(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer " + canary}, "Cookie": {"a=" + canary}, "Set-Cookie": {"s=" + canary}, "Accept": {"text/html"}}
	got := redact.Header(h)
	for k, vs := range got {
		for _, v := range vs {
			assert.NotContains(t, v, canary, k)
		}
	}
	assert.Equal(t, "text/html", got.Get("Accept"))
	assert.Equal(t, "Bearer "+canary, h.Get("Authorization"), "the original is untouched")
}

func FuzzString(f *testing.F) {
	f.Add(`{"password":"x"}`, "x")
	f.Add("Authorization: Bearer abcd", "abcd")
	f.Add("token=abc&x=1", "abc")
	f.Fuzz(func(t *testing.T, prefix, secret string) {
		if len(secret) < 6 || strings.ContainsAny(secret, "\"\\&;='[]{},:?") || strings.IndexFunc(secret, unicode.IsSpace) >= 0 {
			return
		}
		for _, in := range []string{
			prefix + `{"password":"` + secret + `"}`,
			prefix + "\nAuthorization: Bearer " + secret,
			prefix + "&token=" + secret,
		} {
			if strings.Contains(prefix, secret) {
				return
			}
			if got := redact.String(in); strings.Contains(got, secret) {
				t.Fatalf("secret %q survived in %q", secret, got)
			}
		}
	})
}
