package probe

import (
	"encoding/base64"
	"strings"
	"testing"
)

func jwtOf(header, claims, sig string) string {
	e := base64.RawURLEncoding.EncodeToString
	return e([]byte(header)) + "." + e([]byte(claims)) + "." + e([]byte(sig))
}

func TestParseJWT(t *testing.T) {
	tok := jwtOf(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"alice","aud":["api"],"iss":"me"}`, "0123456789abcdef")
	j, ok := ParseJWT(tok)
	if !ok {
		t.Fatal("ParseJWT refused a JWT")
	}
	if aud, _ := j.Declared("aud"); aud != "api" {
		t.Errorf("aud = %q", aud)
	}
	flipped := j.FlipSignature()
	f, ok := ParseJWT(flipped)
	if !ok || f.Raw[0] != j.Raw[0] || f.Raw[1] != j.Raw[1] || string(f.Signature) == string(j.Signature) {
		t.Errorf("FlipSignature = %q: want the same header and claims and another signature", flipped)
	}
	none := j.AlgNone()
	if !strings.HasSuffix(none, ".") || strings.Split(none, ".")[1] != j.Raw[1] {
		t.Errorf("AlgNone = %q", none)
	}
	for _, bad := range []string{"", "a.b", "a.b.c", jwtOf(`{"typ":"JWT"}`, `{}`, "x"), jwtOf(`{"alg":"HS256"}`, `[]`, "x"), "x.y.z.w"} {
		if _, ok := ParseJWT(bad); ok {
			t.Errorf("ParseJWT(%q) ok, want refused", bad)
		}
	}
}

func FuzzParseJWT(f *testing.F) {
	f.Add(jwtOf(`{"alg":"HS256"}`, `{"sub":"a"}`, "sig"))
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, s string) {
		if j, ok := ParseJWT(s); ok {
			j.FlipSignature()
			j.AlgNone()
			j.Declared("aud")
		}
	})
}
