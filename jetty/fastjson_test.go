package jetty

import (
	"encoding/json"
	"testing"

	"github.com/jettymethod/jetty/preset"
)

// The fast path writes what encoding/json writes, and leaves to it every
// string it would escape.
func TestScenarioSummaryFastPathMatchesJSON(t *testing.T) {
	for _, s := range []ScenarioSummary{
		{Mode: "speed", Name: "signs in"},
		{Mode: "production", Name: "rate limit", Covers: []preset.ID{"SEC-RATE-LIMIT", "SEC-AUTH"}, Tags: []string{"slow", "smoke"}},
		{Mode: "stable", Name: `a "quoted" name`},
		{Mode: "stable", Name: `back\slash`},
		{Mode: "stable", Name: "<script>&"},
		{Mode: "stable", Name: "café ›"},
		{Mode: "stable", Name: "tab\there"},
		{Mode: "stable", Name: "bad \xff utf8"},
		{Mode: "stable", Name: "x", Tags: []string{"a<b"}},
		{Mode: "stable", Name: "x", Covers: []preset.ID{"A&B"}},
		{},
	} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.String(); got != string(want) {
			t.Errorf("%#v.String() = %s, want %s", s, got, want)
		}
	}
}
