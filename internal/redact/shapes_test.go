package redact_test

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/jettymethod/jetty/internal/redact"
)

// secret is the value every row of secretShapes hides.
const secret = "Zq9-h2X7kPw3"

// secretShapes holds a secret in each shape the redaction must recognise;
// the secret is the part that must not survive.
var secretShapes = []struct{ name, in, secret string }{
	{"JSON", `{"email":"a@b.c","password":"` + secret + `"}`, secret},
	{"JSON spaced", `{"user": {"Password" : "` + secret + `"}}`, secret},
	{"JSON bare", `{"pin_token":` + secret + `}`, secret},
	{"JSON in %q", fmt.Sprintf("%q", `{"access_token":"`+secret+`"}`), secret},
	{"key: value", `password: ` + secret, secret},
	{"key: word on its line", "user: alice\npassword: swordfish\n", "swordfish"},
	{"template", `GET /reset?token={{canary}}`, "canary"},
	{"key: value inline", `login failed, password: ` + secret + ` for alice`, secret},
	{"key=value", `user=alice pw=` + secret + ` ok`, secret},
	{"passwd", `passwd=` + secret, secret},
	{"pwd", `PWD=` + secret, secret},
	{"form", `email=a%40b.c&password=` + secret + `&next=/`, secret},
	{"URL-encoded form", `next=%2Flogin%3Fuser%3Da%26password%3D` + secret, secret},
	{"query", `/login?user=x&token=` + secret + `&next=/`, secret},
	{"SQL", `UPDATE users SET password = '` + secret + `' WHERE id = 1`, secret},
	{"SQL quoted quote", `WHERE passwd='` + secret + `''x'`, secret},
	{"Go %+v struct", fmt.Sprintf("%+v", struct{ User, Password string }{"alice", secret}), secret},
	{"Go %+v pointer", fmt.Sprintf("%+v", &struct{ APIKey string }{secret}), secret},
	{"Go %v map", fmt.Sprintf("%v", map[string]string{"password": secret}), secret},
	{"Go %v header", fmt.Sprintf("%v", map[string][]string{"Authorization": {"Bearer " + secret}}), secret},
	{"api_key", `api_key=` + secret, secret},
	{"apikey", `apikey=` + secret, secret},
	{"apiKey", `{"apiKey":"` + secret + `"}`, secret},
	{"access_key", `aws_access_key=` + secret, secret},
	{"secret_access_key", `aws_secret_access_key = ` + secret, secret},
	{"private_key", `"private_key": "` + secret + `"`, secret},
	{"client_secret", `client_secret=` + secret, secret},
	{"session", `session=` + secret, secret},
	{"sessionid", `sessionid=` + secret, secret},
	{"csrf", `csrf=` + secret, secret},
	{"logfmt quoted", `level=INFO msg="login" password="` + secret + `" x=1`, secret},
	{"Python dict", `{'password': '` + secret + `'}`, secret},
	{"Authorization", "Authorization: Bearer " + secret, secret},
	{"Authorization basic", "authorization: Basic " + secret, secret},
	{"Proxy-Authorization", "Proxy-Authorization: Digest username=\"a\", response=\"" + secret + "\"", secret},
	{"Cookie", "Cookie: theme=dark; session=" + secret, secret},
	{"Cookie other name", "Cookie: theme=dark; prefs=" + secret, secret},
	{"Set-Cookie", "Set-Cookie: uid=" + secret + "; HttpOnly", secret},
	{"Private-Token", "GET /api\nPrivate-Token: " + secret + "\nAccept: */*", secret},
	{"X-Csrf-Token", "X-Csrf-Token: " + secret, secret},
	{"X-Api-Key", "X-Api-Key: " + secret, secret},
	{"X-Auth-Token", "x-auth-token: " + secret, secret},
	{"header inline", `sent Cookie: a=1; b=` + secret + ` to the server`, secret},
	{"bearer in text", "GET /x with bearer " + secret, secret},
	{"basic base64", "basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"},
	{"PAN plain", "card 4111111111111111 declined", "4111111111111111"},
	{"PAN spaced", "card 4111 1111 1111 1111 declined", "4111 1111 1111 1111"},
	{"PAN dashed", "card 5500-0000-0000-0004.", "5500-0000-0000-0004"},
	{"PAN in JSON", `{"pan":"378282246310005","exp":"12/29"}`, "378282246310005"},
	{"PAN number in JSON", `{"pan":6011111111111117}`, "6011111111111117"},
	{"PAN then date", "4111111111111111 12 29", "4111111111111111"},
	{"PAN 19", "6200000000000005 card", "6200000000000005"},
	{"PAN Mastercard 2", "2223000048400011", "2223000048400011"},
	{"JWT query", "GET /cb?state=1&id=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_nature-x", "eyJzdWIiOiIxMjMifQ"},
	{"JWT path", "GET /reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2ln/confirm", "eyJzdWIiOiIxMjMifQ"},
	{"AWS", "key AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"},
	{"GitHub", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a"},
	{"GitHub PAT", "github_pat_11ABCDEFG0123456789_abcdefghij", "11ABCDEFG0123456789_abcdefghij"},
	{"Slack", "xoxb-123456789012-abcdefABCDEF", "123456789012-abcdefABCDEF"},
	{"Slack user", "xoxp-123456789012-abcdefABCDEF", "123456789012-abcdefABCDEF"},
	{"Stripe", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"},
	{"PEM", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"},
	{"PEM cut", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5", "MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5"},
	{"broken JSON", `"pAss":"{"password":"` + secret + `"}`, secret},
	{"value holding a form", `{"note":"password=` + secret + `"}`, secret},
}

// lookalikes are texts that resemble a secret and must survive unmasked.
var lookalikes = []string{
	"a basic auth form",
	"a basic authentication form",
	"Bearer tokens are accepted",
	"passed=3",
	"passed: 3, failed: 0",
	"compass=n",
	"tokens_used=5",
	"residence",
	"the residence permit of the resident",
	"bypass=true",
	"keyboard=us",
	"monkey: 3",
	"POST /login #11 = 200, want 429",
	"took 1234567 ms over 42 requests",
	"order 4111111111111112 shipped",
	"order id 1234567890123456",
	"invoice 9999999999999995",
	"2026-12-01T19:55:29.123456789Z",
	"20261201195529123",
	"1764619200000",
	"1764619200000000000",
	"+1 (555) 010-0199",
	"v1.2.3-4567890123456",
	"sha256:a3f94111111111111111b2",
	"3.14159265358979323846",
	`{"email":"a@b.c","status":"ok"}`,
	`{"pass":3,"fail":0,"skip":1}`,
	"q=hello&page=2",
	"Too many login attempts. Please try again later.",
	`near "OR": syntax error`,
	"eyJ is how base64 JSON starts",
	"ghp is a prefix",
	"a session of 3 users",
	"SecretsInLogs.Requests[0] (GET /) carries no secret: put {{canary}} where a secret goes",
	"the password: too short",
	"GET /notes/42 with alice's expired token = 200, want 401 or 403",
	`SQL logic error: unrecognized token: "'" (1)`,
	`crlf payload "%0D%0ASet-Cookie: jetty_injected=1": 200`,
	`path-traversal payload "../../../../etc/passwd": 200, the body shows a system file`,
}

func TestSecretShapes(t *testing.T) {
	for _, c := range secretShapes {
		got := redact.String(c.in)
		if strings.Contains(got, c.secret) {
			t.Errorf("%s: %q survived in %q", c.name, c.secret, got)
		}
		if !strings.Contains(got, redact.Mask) {
			t.Errorf("%s: %q has no mask", c.name, got)
		}
		if again := redact.String(got); again != got {
			t.Errorf("%s: masking twice changed %q to %q", c.name, got, again)
		}
	}
}

func TestShapesTable(t *testing.T) {
	for _, sh := range redact.Shapes() {
		if got := redact.String(sh.Example); strings.Contains(got, sh.Secret) {
			t.Errorf("%s: example %q gave %q", sh.Name, sh.Example, got)
		}
	}
}

func TestLookalikesSurvive(t *testing.T) {
	for _, in := range lookalikes {
		if got := redact.String(in); got != in {
			t.Errorf("look-alike %q was masked: %q", in, got)
		}
	}
}

func TestJSONStaysJSON(t *testing.T) {
	got := redact.String(`{"password":"x-1","n":1}`)
	if got != `{"password":"`+redact.Mask+`","n":1}` {
		t.Errorf("got %s", got)
	}
}

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "Password": true, "X-Csrf-Token": true, "Private-Token": true, "apiKey": true, "APIKey": true,
		"client_secret": true, "Set-Cookie": true, "sessionid": true, "pw": true,
		"passed": false, "compass": false, "tokens_used": false, "residence": false, "Accept": false, "keyboard": false,
	} {
		if got := redact.SecretName(name); got != want {
			t.Errorf("SecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestLuhn(t *testing.T) {
	for s, want := range map[string]bool{"4111111111111111": true, "4111 1111 1111 1111": true, "4111111111111112": false, "": false} {
		if got := redact.Luhn(s); got != want {
			t.Errorf("Luhn(%q) = %v", s, got)
		}
	}
}

// shapeOf builds a secret shape around a fuzzed secret.
var shapeOf = []func(secret string) string{
	func(s string) string { return `{"password":"` + s + `"}` },
	func(s string) string { return `password: ` + s },
	func(s string) string { return `api_key=` + s },
	func(s string) string { return `Authorization: Bearer ` + s },
	func(s string) string { return `bearer ` + s },
	func(s string) string { return fmt.Sprintf("%+v", struct{ Password string }{s}) },
	func(s string) string { return fmt.Sprintf("%v", map[string]string{"token": s}) },
	func(s string) string { return `X-Csrf-Token: ` + s },
	func(s string) string { return `WHERE pwd = '` + s + `'` },
	func(s string) string { return `sid%3D` + s },
}

// alnum turns fuzz bytes into a secret of letters and digits, with a
// digit, 8 to 40 characters long.
func alnum(b []byte) string {
	const abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	if len(b) < 7 {
		return ""
	}
	b = b[:min(len(b), 39)]
	out := make([]byte, len(b), len(b)+1)
	for i, c := range b {
		out[i] = abc[int(c)%len(abc)]
	}
	return string(out) + "7"
}

// card turns fuzz bytes into a valid 16-digit Visa number.
func card(b []byte) string {
	d := []byte("4")
	for i := 0; len(d) < 15; i++ {
		c := byte('0')
		if i < len(b) {
			c += b[i] % 10
		}
		d = append(d, c)
	}
	for c := byte('0'); c <= '9'; c++ {
		if redact.Luhn(string(d) + string(c)) {
			return string(d) + string(c)
		}
	}
	return ""
}

// FuzzSecretShapes inserts a secret, in every shape, into random text: it
// must never survive.
func FuzzSecretShapes(f *testing.F) {
	f.Add("some text", []byte("hunter2hunter2"), "more")
	f.Add(`{"a":"`, []byte{1, 2, 3, 4, 5, 6, 7, 8}, `"}`)
	f.Add("passed=3 ", []byte("0123456789abc"), "\n")
	f.Fuzz(func(t *testing.T, prefix string, raw []byte, suffix string) {
		s := alnum(raw)
		if s == "" || strings.Contains(prefix, s) || strings.Contains(suffix, s) {
			return
		}
		ins := []string{card(raw)}
		for _, shape := range shapeOf {
			ins = append(ins, shape(s))
		}
		for i, in := range ins {
			text := prefix + "\n" + in + "\n" + suffix
			want := s
			if i == 0 {
				want = ins[0]
			}
			if got := redact.String(text); strings.Contains(got, want) {
				t.Fatalf("secret %q survived in %q", want, got)
			}
		}
	})
}

// FuzzLookalikes puts look-alikes between random texts that hold no
// candidate of a secret: they must survive unmasked.
func FuzzLookalikes(f *testing.F) {
	f.Add("hello", uint(0), "world")
	f.Add("", uint(7), "")
	f.Fuzz(func(t *testing.T, prefix string, i uint, suffix string) {
		look := lookalikes[i%uint(len(lookalikes))]
		if redact.String(prefix) != prefix || redact.String(suffix) != suffix {
			return
		}
		// candidates only from the look-alike: no hint may straddle the
		// joins, which are newlines.
		text := prefix + "\n" + look + "\n" + suffix
		for _, part := range []string{prefix, suffix} {
			if strings.ContainsAny(part, "0123456789") || redact.String(part+"x=1") != part+"x=1" {
				return
			}
		}
		if got := redact.String(text); got != text {
			t.Fatalf("look-alike %q was masked: %q", look, got)
		}
	})
}

func BenchmarkStringNoCandidate(b *testing.B) {
	s := "Then attempts are blocked: POST /login #11 = 200, want 429"
	for b.Loop() {
		_ = redact.String(s)
	}
}

func BenchmarkStringSecrets(b *testing.B) {
	s := `{"email":"a@b.c","password":"x"} Authorization: Bearer abcdef12345 card 4111111111111111`
	for b.Loop() {
		_ = redact.String(s)
	}
}

// TestFastPath: text with no candidate of a secret (the steps and logs of a
// passing run) costs a byte scan: no allocation, the same string back.
func TestFastPath(t *testing.T) {
	for _, s := range []string{"Then attempts are blocked: POST /login #11 = 200, want 429", "a registered user", "Given the cart holds 3 items"} {
		if allocs := testing.AllocsPerRun(100, func() { _ = redact.String(s) }); allocs != 0 {
			t.Errorf("String(%q) allocates %v times, want 0", s, allocs)
		}
		if got := redact.String(s); unsafe.StringData(got) != unsafe.StringData(s) {
			t.Errorf("String(%q) returned a copy", s)
		}
	}
}
