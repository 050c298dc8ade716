package jetty_test

import (
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatchTags(t *testing.T) {
	for _, tc := range []struct {
		expr string
		tags []string
		want bool
	}{
		{"", nil, true},
		{"smoke", []string{"@smoke"}, true},
		{"@Smoke", []string{"smoke"}, true},
		{"smoke", nil, false},
		{"smoke && !slow", []string{"smoke"}, true},
		{"smoke && !slow", []string{"smoke", "slow"}, false},
		{"smoke and not slow", []string{"smoke", "slow"}, false},
		{"a || b && c", []string{"a"}, true},
		{"(a || b) && c", []string{"a"}, false},
		{"(a || b) && c", []string{"b", "c"}, true},
		{"a, b", []string{"b"}, true},
		{"!!a", []string{"a"}, true},
		{"login:v2", []string{"login:v2"}, true},
	} {
		got, err := jetty.MatchTags(tc.expr, tc.tags...)
		require.NoError(t, err, tc.expr)
		assert.Equal(t, tc.want, got, "%q on %v", tc.expr, tc.tags)
	}
}

func TestMatchTagsErrors(t *testing.T) {
	for expr, want := range map[string]string{
		"smoke &&":  `tag expression "smoke &&": column 9: the expression ends where a tag is needed`,
		"smoke & x": `column 7: "&" must be doubled: write "&&"`,
		"(a || b":   `column 8: missing ")" for the "(" at column 1`,
		"a b":       `column 3: unexpected "b": join tags with && or ||`,
		"a && $":    `column 6: unexpected "$"`,
		"|| a":      `column 1: unexpected "||" where a tag is needed`,
		"a)":        `column 2: unexpected ")"`,
	} {
		_, err := jetty.MatchTags(expr)
		if assert.Error(t, err, expr) {
			assert.Contains(t, err.Error(), want)
		}
	}
}

func FuzzMatchTags(f *testing.F) {
	for _, s := range []string{"", "smoke", "a && !b", "(a || b) && c", "not x or y", "((a)", "a,,b", "@", "&&", "!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		ok1, err1 := jetty.MatchTags(expr, "a", "smoke")
		ok2, err2 := jetty.MatchTags(expr, "a", "smoke")
		if (err1 == nil) != (err2 == nil) || ok1 != ok2 {
			t.Fatalf("not deterministic for %q", expr)
		}
	})
}
