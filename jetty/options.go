package jetty

import (
	"fmt"
	"strings"
	"time"

	"github.com/jettymethod/jetty/preset"
)

// Option configures a Feature, Check or Project. Options are
// order-independent; conflicting options are reported by name.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	internal, external bool
	preset             preset.Preset
	traits             []preset.Trait
	parallel           bool
	app                bool // jetty.App: the application-level feature
	inventory          Routes
	hasInventory       bool
	fromMain           bool // internal/external/preset came from jetty.Main
	problems           []string
}

// Internal declares the project internal: its finish line is stable mode.
// Production scenarios still run if declared, and nothing is required of
// them. It overrides the profile file. The default, with no profile file,
// is internal.
func Internal() Option { return optionFunc(func(c *config) { c.internal = true }) }

// External declares the project external (it has real users) with preset p,
// overriding the profile file: production mode is required of every feature
// and each of p's requirements that applies to the feature must be covered
// by a passing production scenario or waived.
func External(p preset.Preset) Option {
	return optionFunc(func(c *config) {
		c.external = true
		c.preset = p
	})
}

// Traits declares what the feature has (a public endpoint, a login,
// personal data, stored data…). A preset requirement with traits applies to
// a feature that has one of them; one without traits applies to every
// feature. Default: no traits, so only trait-less requirements apply.
func Traits(traits ...preset.Trait) Option {
	return optionFunc(func(c *config) { c.traits = append(c.traits, traits...) })
}

// Parallel runs the scenarios of each mode in parallel with each other (each
// scenario calls t.Parallel). Modes still run in order and gating still
// applies. Default: scenarios run one after another, in declaration order.
func Parallel() Option { return optionFunc(func(c *config) { c.parallel = true }) }

func newConfig(opts []Option) config {
	var c config
	for i, o := range opts {
		if o == nil {
			c.problems = append(c.problems, fmt.Sprintf("option #%d is nil: drop it or pass jetty.Internal(), jetty.External(…), jetty.Traits(…)", i+1))
			continue
		}
		o.apply(&c)
	}
	if c.internal && c.external {
		c.problems = append(c.problems, "jetty.Internal() and jetty.External(…) are both given: keep one")
	}
	if c.external {
		if c.preset.IsZero() {
			c.problems = append(c.problems, "jetty.External was given the zero Preset: pass one, e.g. jetty.External(preset.ProductionSaaS)")
		} else if err := c.preset.Validate(); err != nil {
			c.problems = append(c.problems, "jetty.External: "+strings.ReplaceAll(err.Error(), ":\n\t", ": ")+": fix the preset or use a built-in")
			c.problems[len(c.problems)-1] = strings.ReplaceAll(c.problems[len(c.problems)-1], "\n\t", "; ")
		}
	}
	c = c.withDefaults() // jetty.Main's options: see profile_tune.go
	for _, t := range c.traits {
		if t == "" {
			c.problems = append(c.problems, "jetty.Traits: an empty trait: use the preset constants, e.g. preset.Login")
		}
	}
	return c
}

// profile resolves the project profile: options win over the profile file,
// which wins over the default (internal).
func (c config) profile(file Profile) Profile {
	switch {
	case c.external && c.fromMain && file.Preset.Name == c.preset.Name:
		// The profile names Main's preset: its tuning applies.
		return Profile{File: file.File, External: true, Preset: file.Preset, Attestations: file.Attestations, Without: file.Without, Waivers: file.Waivers}
	case c.external:
		return Profile{File: file.File, External: true, Preset: c.preset, Attestations: file.Attestations}
	case c.internal:
		return Profile{File: file.File, Preset: file.Preset}
	}
	return file
}

// WaiverOption configures a waiver (see F.Waive).
type WaiverOption interface{ applyWaiver(*waiver) }

type waiverFunc func(*waiver)

func (f waiverFunc) applyWaiver(w *waiver) { f(w) }

// Until makes a waiver expire after the given day (YYYY-MM-DD, inclusive, in
// local time). An expired waiver counts as uncovered, so an exception cannot
// outlive its reason unnoticed. Default: a waiver does not expire.
func Until(date string) WaiverOption {
	return waiverFunc(func(w *waiver) {
		d, err := time.ParseInLocation(time.DateOnly, date, time.Local)
		if err != nil {
			w.problem = fmt.Sprintf("jetty.Until(%q): want a date as YYYY-MM-DD, e.g. jetty.Until(\"2027-03-31\")", date)
			return
		}
		w.until = d
	})
}
