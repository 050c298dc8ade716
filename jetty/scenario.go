package jetty

import (
	"slices"

	"github.com/jettymethod/jetty/preset"
)

// Scenario is a scenario defined outside a feature's body: the ready-made
// scenarios of package scenario, or your own. Include it in a feature with
// F.Include, or run it alone in any test with Check.
//
// A Scenario may also implement Tags() []string to carry tags (see
// [Tagged]).
type Scenario interface {
	// Mode is the mode the scenario belongs to; ready-made production
	// checks return Production.
	Mode() Mode
	// Title names the scenario; it becomes the subtest's name.
	Title() string
	// Covers lists the preset requirements the scenario proves when it
	// passes in production mode.
	Covers() []preset.ID
	// Run runs the scenario's steps on s.
	Run(s *S)
}

// Tagged returns sc with tags added; the result reports them through a
// Tags() []string method, which Feature and Check use with -jetty.tags.
func Tagged(sc Scenario, tags ...string) Scenario {
	return tagged{Scenario: sc, tags: append(scenarioTags(sc), tags...)}
}

type tagged struct {
	Scenario
	tags []string
}

func (t tagged) Tags() []string { return slices.Clone(t.tags) }

func scenarioTags(sc Scenario) []string {
	if t, ok := sc.(interface{ Tags() []string }); ok {
		return t.Tags()
	}
	return nil
}

// Define returns a Scenario built from a function: the way to write a
// reusable scenario without declaring a type.
//
//	var signsIn = jetty.Define(jetty.Speed, "signs in", func(s *jetty.S) { … })
func Define(mode Mode, title string, body func(s *S), covers ...preset.ID) Scenario {
	return defined{mode: mode, title: title, body: body, covers: slices.Clone(covers)}
}

type defined struct {
	mode   Mode
	title  string
	body   func(*S)
	covers []preset.ID
}

func (d defined) Mode() Mode          { return d.mode }
func (d defined) Title() string       { return d.title }
func (d defined) Covers() []preset.ID { return slices.Clone(d.covers) }
func (d defined) Run(s *S) {
	if d.body == nil {
		s.Errorf("jetty.Define(%v, %q, nil): the scenario has no body: pass func(s *jetty.S) { … }", d.mode, d.title)
		return
	}
	d.body(s)
}
