package app_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/examples/regulated/app"
)

func TestParseKeys(t *testing.T) {
	secret := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	short := base64.StdEncoding.EncodeToString([]byte("too short a key"))
	for _, tc := range []struct{ in, want string }{
		{"", "key #1: want id:base64key"},
		{secret, "key #1: want id:base64key"},
		{"k 1:" + secret, "key #1: want id:base64key"},
		{"k1:" + short, `key "k1": want 32 bytes in standard base64`},
		{"k1:!!" + secret, `key "k1": want 32 bytes in standard base64`},
		{"k1:" + secret + ",k1:" + secret, `key "k1" is listed twice`},
		{"k1:" + secret + ",", "key #2: want id:base64key"},
	} {
		_, err := app.ParseKeys(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeys(%q) = %v, want an error with %q", tc.in, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), short) {
			t.Errorf("ParseKeys(%q): the error shows the key: %v", tc.in, err)
		}
	}
	k, err := app.ParseKeys("k2:" + secret + ", " + app.NewKey("k1"))
	if err != nil || k.Active() != "k2" {
		t.Fatalf("ParseKeys of two keys = %v, %v; want k2 active", k, err)
	}
}

// FuzzParseKeys: whatever the environment holds, ParseKeys answers a
// keyring or an error, never a panic, and no error repeats its input's
// base64 part.
func FuzzParseKeys(f *testing.F) {
	f.Add("k1:" + base64.StdEncoding.EncodeToString(make([]byte, 32)))
	f.Add("a:b,c:d")
	f.Add(",:,")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := app.ParseKeys(s)
		if err == nil && k.Active() == "" {
			t.Fatalf("ParseKeys(%q): a keyring with no active key", s)
		}
		if err != nil {
			for _, part := range strings.Split(s, ",") {
				if _, b64, ok := strings.Cut(part, ":"); ok && len(b64) >= 16 && strings.Contains(err.Error(), b64) {
					t.Fatalf("ParseKeys(%q): the error shows key material: %v", s, err)
				}
			}
		}
	})
}

func TestMask(t *testing.T) {
	for pan, want := range map[string]string{
		"4111111111111111":    "411111******1111",
		"5555555555554444":    "555555******4444",
		"378282246310005":     "37828******0005", // 15 digits: at most 9 shown
		"4222222222222":       "422******2222",   // 13 digits
		"6011000990139424123": "601100*********4123",
	} {
		if got := app.Mask(pan); got != want {
			t.Errorf("Mask(%s) = %s, want %s", pan, got, want)
		}
	}
}
