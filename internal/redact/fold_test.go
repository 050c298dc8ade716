package redact_test

import (
	"testing"

	"github.com/jettymethod/jetty/internal/redact"
)

func TestContainsFold(t *testing.T) {
	for _, tc := range []struct {
		b, lower string
		want     bool
	}{
		{"", "", true}, {"x", "", true}, {"", "a", false},
		{"INTO", "into", true}, {"xInTo", "into", true}, {"int", "into", false},
		{"ERROR AT OR NEAR", "error at or near", true}, {"error at or nea", "error at or near", false},
		{"1NTO", "into", false}, {"iiinto", "into", true},
		{"KIND", "kind", true}, {"\u212aind", "kind", false}, {"a.b", "a.b", true}, {"A.B", "a.b", true},
	} {
		if got := redact.ContainsFold([]byte(tc.b), tc.lower); got != tc.want {
			t.Errorf("ContainsFold(%q, %q) = %v, want %v", tc.b, tc.lower, got, tc.want)
		}
		if got := redact.ContainsFold(tc.b, tc.lower); got != tc.want {
			t.Errorf("ContainsFold(string %q, %q) = %v, want %v", tc.b, tc.lower, got, tc.want)
		}
	}
}
