package main

import "strings"

// kindShort is a run under go test -short, which proves less than the
// full run the gate needs.
const kindShort = "ran under -short"

// judgeShort refuses to call green a run in which any feature ran under
// go test -short (its summary says "short"): Load and Injection send a
// smaller plan there, and tests may skip themselves. One problem per
// package, naming its features.
func (v *view) judgeShort(feats []*feature) {
	var pkgs []string
	names := map[string][]string{}
	for _, f := range feats {
		for _, s := range f.sums {
			if !s.Short {
				continue
			}
			if _, ok := names[f.pkg]; !ok {
				pkgs = append(pkgs, f.pkg)
			}
			names[f.pkg] = append(names[f.pkg], s.Feature)
			break
		}
	}
	for _, p := range pkgs {
		v.add(kindShort, p, "%s ran under go test -short: Load and Injection were shortened (and tests may skip themselves); the gate needs the full run (drop -short)", strings.Join(names[p], ", "))
	}
}
