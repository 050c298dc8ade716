package jetty

import (
	"strings"
	"unicode/utf8"
)

// fastString returns the JSON that encoding/json writes for the scenario
// summary, built by appending when every string in it is plain (printable
// ASCII that JSON leaves as is), without reflection; ok is false otherwise,
// and String falls back to encoding/json. A feature of 10,000 scenarios
// emits 10,000 of these: json.Marshal was a tenth of the run's CPU.
func (s ScenarioSummary) fastString() (string, bool) {
	n := len(`{"mode":"","name":""}`) + len(s.Mode) + len(s.Name)
	for _, id := range s.Covers {
		n += len(id) + 3
	}
	for _, t := range s.Tags {
		n += len(t) + 3
	}
	if !plainJSON(s.Mode) || !plainJSON(s.Name) {
		return "", false
	}
	var b strings.Builder
	b.Grow(n + len(`,"covers":[],"tags":[]`))
	b.WriteString(`{"mode":"`)
	b.WriteString(s.Mode)
	b.WriteString(`","name":"`)
	b.WriteString(s.Name)
	b.WriteByte('"')
	if len(s.Covers) > 0 {
		b.WriteString(`,"covers":[`)
		for i, id := range s.Covers {
			if !plainJSON(string(id)) {
				return "", false
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(string(id))
			b.WriteByte('"')
		}
		b.WriteByte(']')
	}
	if len(s.Tags) > 0 {
		b.WriteString(`,"tags":[`)
		for i, t := range s.Tags {
			if !plainJSON(t) {
				return "", false
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(t)
			b.WriteByte('"')
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.String(), true
}

// plainJSON reports whether encoding/json writes s between quotes as it is:
// printable ASCII without '"', '\\' or the HTML characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
