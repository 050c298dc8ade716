package scenario

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// The -short corpus is a part of the corpus: every value it keeps is a
// payload of its category (a renamed payload would drop out unseen), every
// category keeps some, and every kept shape of the differential oracle
// keeps its four conditions, without which the oracle judges nothing.
func TestInjectionShortCorpus(t *testing.T) {
	t.Parallel()
	all := Payloads()
	short := injShort(all)
	for cat, values := range injShortValues {
		for _, v := range values {
			if !slices.ContainsFunc(all, func(p Payload) bool { return p.Category == cat && p.Value == v }) {
				t.Errorf("-short keeps %s payload %s, which the corpus lacks", cat, injShow(v))
			}
		}
	}
	n := map[PayloadCategory]int{}
	conds := map[int]int{}
	for _, p := range short {
		n[p.Category]++
		if p.oracle.shape > 0 {
			conds[p.oracle.shape]++
		}
	}
	for _, cat := range PayloadCategories() {
		if n[cat] == 0 {
			t.Errorf("-short sends no %s payload", cat)
		}
	}
	for _, shape := range injShortShapes {
		if conds[shape] != 4 {
			t.Errorf("-short keeps %d of the 4 conditions of oracle shape %d", conds[shape], shape)
		}
	}
	if len(short) >= len(all)/2 {
		t.Errorf("-short sends %d of %d payloads: not much of a shortening", len(short), len(all))
	}
	if !slices.IsSortedFunc(short, func(a, b Payload) int {
		return slices.IndexFunc(all, func(p Payload) bool { return p.Value == a.Value && p.Category == a.Category }) -
			slices.IndexFunc(all, func(p Payload) bool { return p.Value == b.Value && p.Category == b.Category })
	}) {
		t.Error("-short sends its payloads out of the corpus's order (the UNION and oracle payloads must come before the stacked queries)")
	}
	// Injection's doc gives the numbers.
	src, err := os.ReadFile("injection.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.ReplaceAll(string(src), "\n// ", " ")
	for _, want := range []string{fmt.Sprintf("the whole corpus: %d of its %d payloads", len(short), len(all)), fmt.Sprintf(`"-short: %d of %d payloads into`, len(short), len(all))} {
		if !strings.Contains(doc, want) {
			t.Errorf("Injection's doc lacks %q: update it", want)
		}
	}
}
