package main

import (
	"fmt"
	"slices"

	"github.com/jettymethod/jetty/preset"
)

// kindApp is an app-wide requirement (preset.ScopeApp) that some feature
// left to jetty.App and no test of the run proved.
const kindApp = "app requirement"

// judgeApp gives the module's verdict on the app-wide requirements: every
// one a feature's summary lists under "app_pending" must be covered or
// waived by App, or proven by a feature itself ("app"), somewhere in the
// run. The run is the module: jetty test runs every package it is given.
func (v *view) judgeApp() {
	proven := map[preset.ID]bool{}
	type pending struct {
		pkg, feature string
	}
	var order []preset.ID
	left := map[preset.ID]pending{}
	apps := 0
	for _, r := range v.rows {
		s := r.sum
		if s.Scope == "app" {
			apps++
			for _, id := range slices.Concat(r.cov.Covered, r.cov.Waived) {
				proven[id] = true
			}
			if ids := slices.Concat(r.cov.Covered, r.cov.Waived); len(ids) > 0 {
				v.appWide = append(v.appWide, fmt.Sprintf("  %s proven once for the module by %s (%s)", idList(ids), s.Feature, r.pkg))
			}
			continue
		}
		for _, id := range r.cov.App {
			proven[id] = true
		}
		if len(r.cov.App) > 0 {
			v.appWide = append(v.appWide, fmt.Sprintf("  %s proven by feature %s (%s)", idList(r.cov.App), s.Feature, r.pkg))
		}
		for _, id := range r.cov.AppPending {
			if _, ok := left[id]; !ok {
				left[id] = pending{r.pkg, s.Feature}
				order = append(order, id)
			}
		}
	}
	for _, id := range order {
		if proven[id] {
			continue
		}
		p := left[id]
		where := "no test of the run calls jetty.App: add func TestApp(t *testing.T) { jetty.App(t, …) } and include the check that covers it"
		if apps > 0 {
			where = "jetty.App ran but did not cover it: include the check that covers it in jetty.App"
		}
		v.add(kindApp, p.pkg, "%s: app-wide requirement left to jetty.App by %s, proven by no test of the run: %s", id, p.feature, where)
	}
}
