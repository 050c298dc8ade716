package jetty_test

import (
	"strings"
	"testing"

	"github.com/jettymethod/jetty/jetty"
)

func FuzzParseProfile(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"audience":"external","preset":"Production SaaS"}`,
		`{"audience":"external","preset":"Regulated","attestations":[{"id":"CMP-PENTEST","by":"a","date":"2026-01-01","evidence":"e"}]}`,
		"{\n\"preset\": 7\n}", `{"attestations":[{},{"id":""}]}`, `[`, ``, `{"audience":"x"} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := jetty.ParseProfile("jetty.json", data)
		if err != nil {
			if !strings.Contains(err.Error(), "jetty.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if p.External && p.Preset.IsZero() {
			t.Fatalf("external profile without a preset accepted: %q", data)
		}
	})
}

func FuzzParseSummary(f *testing.F) {
	ok := jetty.Summary{Version: 1, Feature: "Login", Modes: map[string]jetty.ModeSummary{"speed": {Pass: 1}}}
	for _, s := range []string{ok.String(), "=== ATTR  TestX jetty.summary " + ok.String(), "", "{", `{"v":1}`, `{"v":1,"feature":"x","modes":{"speed":{"pass":-1}}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		s, err := jetty.ParseSummary(line)
		if err != nil {
			return
		}
		again, err := jetty.ParseSummary(s.String())
		if err != nil {
			t.Fatalf("a parsed summary does not parse again: %v\n%s", err, s.String())
		}
		if again.String() != s.String() {
			t.Fatalf("round trip changed the summary:\n%s\n%s", s.String(), again.String())
		}
	})
}
