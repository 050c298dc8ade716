package jetty

import "testing"

func TestDeclNames(t *testing.T) {
	var l declList
	var n declNames
	add := func(m Mode, name string) *decl {
		t.Helper()
		if o := n.find(&l, m, name); o != nil {
			t.Fatalf("find(%v, %q) = %q before it was added", m, name, o.title)
		}
		i, d := l.add()
		d.mode, d.title = m, name
		n.add(m, name, i)
		return d
	}
	a := add(Speed, "signs in")
	if got := n.find(&l, Speed, "signs_in"); got != a {
		t.Errorf(`find("signs_in") = %v, want the decl of "signs in": both are subtest signs_in`, got)
	}
	if got := n.find(&l, Stable, "signs in"); got != nil {
		t.Errorf("find in another mode = %q, want nil", got.title)
	}
	// A name whose hash another decl holds already.
	n.byHash[nameHash(Speed, "signs out")] = 0
	b := add(Speed, "signs out")
	if got := n.find(&l, Speed, "signs out"); got != b {
		t.Errorf(`find("signs out") after a collision = %v, want its decl`, got)
	}
	if got := n.find(&l, Speed, "signs in"); got != a {
		t.Errorf(`find("signs in") = %v, want its decl`, got)
	}
	for i := range 3 * declChunk {
		add(Production, string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if l.len() != 2+3*declChunk || l.at(l.len()-1).title != "jh" {
		t.Errorf("declList: %d decls, last %q", l.len(), l.at(l.len()-1).title)
	}
	seen := 0
	for range l.all {
		seen++
	}
	if seen != l.len() {
		t.Errorf("all yielded %d decls, want %d", seen, l.len())
	}
}
