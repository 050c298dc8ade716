package jetty

import (
	"fmt"
	"slices"
	"strings"
)

// Inventory gives a Feature (or App) the application's routes: after the
// production scenarios ran, every route no check touched (S.Touched) is
// listed with the check that would cover it, and turns the feature's
// coverage red — so a route added to the app and to no check is noticed.
// The ready-made checks that take an inventory (scenario.AuthRequired and
// scenario.Injection, field Inventory) touch the routes they probe.
// Default: no inventory, no route is required.
func Inventory(routes Routes) Option {
	return optionFunc(func(c *config) {
		c.inventory = append(c.inventory, routes...)
		c.hasInventory = true
	})
}

// Touched records that the running scenario's check probed routes of the
// inventory (see Inventory). Ready-made checks call it; a scenario of your
// own that requests a route calls it too, e.g.
// s.Touched(jetty.Route{Method: "GET", Pattern: "/healthz"}). A route
// matches the inventory's when method and pattern are equal, or when the
// pattern given is a concrete path the inventory's pattern matches
// ("/orders/42" for "/orders/{id}"). Outside a Feature it does nothing.
// Safe to call from any goroutine while the scenario runs.
func (s *S) Touched(routes ...Route) {
	if d := s.decl; d != nil && len(routes) > 0 {
		d.mu.Lock()
		d.x().touched = append(d.x().touched, routes...)
		d.mu.Unlock()
	}
}

// routeCoverage lists the inventory's routes no scenario touched.
func (r *run) routeCoverage(c *coverage) {
	if !r.cfg.hasInventory || c.status == CoverageUnchecked {
		return
	}
	if prod := r.state[Production]; prod != nil && (prod.blocked != "" || prod.incomplete) {
		c.notes = append(c.notes, fmt.Sprintf("[jetty] %s: route inventory not checked: production mode did not run to the end", r.f.name))
		return
	}
	var touched []Route
	for d := range r.f.decls.all {
		d.mu.Lock()
		touched = append(touched, d.m().touched...)
		d.mu.Unlock()
	}
	var lines []string
	for _, rt := range r.cfg.inventory {
		if slices.ContainsFunc(touched, func(t Route) bool { return sameRoute(rt, t) }) {
			continue
		}
		c.untouched = append(c.untouched, rt.String())
		lines = append(lines, fmt.Sprintf("%-24s — %s", rt, coverWith(rt)))
	}
	if len(lines) == 0 {
		if len(r.cfg.inventory) > 0 {
			c.notes = append(c.notes, fmt.Sprintf("[jetty] %s: every route of the inventory (%d) was touched by a check", r.f.name, len(r.cfg.inventory)))
		}
		return
	}
	msg := fmt.Sprintf("[jetty] %s: %d of %d route(s) of the inventory were touched by no check:\n\t%s",
		r.f.name, len(lines), len(r.cfg.inventory), strings.Join(lines, "\n\t"))
	if c.err != "" {
		c.err += "\n" + msg
	} else {
		c.err = msg
	}
	if c.status != CoverageNotRequired || r.profile.External {
		c.status = CoverageUncovered
	}
}

// sameRoute reports whether touch t is of inventory route rt.
func sameRoute(rt, t Route) bool {
	if t.Pattern == rt.Pattern {
		return t.Method == "" || rt.Method == "" || strings.EqualFold(t.Method, rt.Method)
	}
	return rt.Match(t.Method, t.Pattern)
}

// coverWith names the ready-made check that would touch rt.
func coverWith(rt Route) string {
	switch {
	case !rt.Public:
		return "not declared public: give the inventory to scenario.AuthRequired{Inventory: routes}, or declare it public with routes.Public(\"" + rt.String() + "\")"
	case len(rt.Params) > 0:
		return "public, takes input: give the inventory to scenario.Injection{Inventory: routes}"
	}
	return "public, no input: request it in a scenario and call s.Touched, or leave it out of the inventory"
}
