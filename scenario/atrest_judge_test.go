package scenario

import (
	"strings"
	"testing"
)

func TestEARJudgements(t *testing.T) {
	t.Parallel()
	fresh := earSeenWrite{ok: true, changed: true, longest: 57, in: "app.db-wal"}
	for _, tc := range []struct {
		name             string
		again            earSeenWrite
		fresh            earSeenWrite
		problem, unknown string
	}{
		{"fresh ciphertext each time", earSeenWrite{ok: true, changed: true, longest: 57}, fresh, "", ""},
		{"the same bytes again", earSeenWrite{ok: true, changed: true, longest: 8}, fresh, "writing the same data again stored no new ciphertext in app.db-wal, while a new value did", ""},
		{"unchanged storage", earSeenWrite{ok: true}, fresh, "", "writing the same value again changed nothing in the storage"},
		{"no fresh bytes for a new value", earSeenWrite{ok: true, changed: true, longest: 8}, earSeenWrite{ok: true, changed: true, longest: 4}, "", "writing a new value added no run of 16 new bytes"},
	} {
		p, u := earDeterministic(tc.fresh, tc.again)
		if tc.problem == "" && p != "" || tc.problem != "" && !strings.Contains(p, tc.problem) {
			t.Errorf("%s: problem %q, want %q", tc.name, p, tc.problem)
		}
		if tc.unknown == "" && u != "" || tc.unknown != "" && !strings.Contains(u, tc.unknown) {
			t.Errorf("%s: not proven %q, want %q", tc.name, u, tc.unknown)
		}
	}
	if p := earECB(earSeenWrite{ok: true, ecb: 32, ecbIn: "Dump"}); !strings.Contains(p, "Dump shows the same 32-character hex blocks repeated in a row: ECB mode") {
		t.Errorf("earECB = %q", p)
	}
	if p := earECB(earSeenWrite{ok: true}); p != "" {
		t.Errorf("earECB without repeats = %q", p)
	}
	for name, want := range map[string]bool{"/d/app.key": true, "/d/data.key": true, "/d/master-key.json": true, "/d/keys.pem": true, "/d/cert.pem": false, "/d/app.db": false, "/d/monkey.db": false, "/d/keyboard.txt": false} {
		if got := earKeyFile(name); got != want {
			t.Errorf("earKeyFile(%q) = %v, want %v", name, got, want)
		}
	}
	canary, random := "jetty-canary-00112233aabbccdd", "00112233aabbccdd"
	pans := earPANs(Request{Body: []byte(`{"card_number": "4111 1111 1111 1111", "holder": "{{canary}}"}`)})
	if len(pans) != 2 || pans[0] != "4111111111111111" || pans[1] != "4111 1111 1111 1111" {
		t.Fatalf("earPANs = %q", pans)
	}
	for _, tc := range []struct {
		stored string
		want   string
	}{
		{`{"pan":"4111111111111111"}`, "the card number sent by POST /cards is stored in plain text (UTF-8) in f"},
		{`{"pan":"411111******1111","holder":"` + canary + `"}`, "the personal data sent by POST /cards is stored in plain text (UTF-8) in f"},
		{`{"pan":"411111******1111"}`, ""},
		{`CREATE TABLE cards (pan TEXT, cvv2 TEXT)`, `f keeps a field named "cvv2", the card verification code`},
		{`CREATE TABLE cards (pan TEXT, pin_block BLOB)`, `f keeps a field named "pin_block", the PIN or PIN block`},
		{`CREATE TABLE cards (pan TEXT, cvv_result TEXT)`, ""},
	} {
		got := strings.Join(earReadable("POST /cards", "f", []byte(tc.stored), canary, random, pans), "\n")
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("earReadable(%q) = %q, want %q", tc.stored, got, tc.want)
		}
	}
}
