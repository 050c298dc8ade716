package jetty

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jettymethod/jetty/preset"
)

// The tuning a profile file applies to its preset, for the whole module:
//
//	{
//	  "audience": "external",
//	  "preset": "Production SaaS",
//	  "params": {"SEC-RATE-LIMIT": {"attempts": "5", "lockout": "15m"}},
//	  "without": [{"id": "PERF-LOAD", "reason": "a batch service: no user waits on it"}],
//	  "waivers": [{"id": "SEC-CORS", "reason": "no browser client until the SPA ships", "until": "2027-03-31"}]
//	}
//
// "params" override a requirement's parameters (the keys the ready-made
// checks read, see preset.Params); "without" leaves requirements out of
// the preset, each with a reason; "waivers" waive a requirement for every
// feature (and App) of the module, with a reason and an optional expiry
// (YYYY-MM-DD, inclusive), reported in each summary like F.Waive. Each
// mistake is an error naming the file, the line and the field.

// Omission is a requirement the profile leaves out of its preset.
type Omission struct {
	ID     preset.ID
	Reason string
}

// ModuleWaiver is a waiver the profile gives every feature of the module.
type ModuleWaiver struct {
	ID     preset.ID
	Reason string
	Until  string // YYYY-MM-DD, or "" for no expiry
	line   int
}

type omissionJSON struct {
	ID     preset.ID `json:"id"`
	Reason string    `json:"reason"`
}

type waiverJSON struct {
	ID     preset.ID `json:"id"`
	Reason string    `json:"reason"`
	Until  string    `json:"until"`
}

func profileFields(error) string {
	return `"audience", "preset", "params", "without", "waivers" and "attestations" (a "without" entry has "id" and "reason"; a waiver "id", "reason" and "until"; an attestation "id", "by", "date" and "evidence")`
}

// tune applies the profile's params, omissions and waivers to p.Preset and
// returns every problem, each with file:line and field.
func (p *Profile) tune(name string, data []byte, raw profileJSON) []string {
	var problems []string
	if len(raw.Params)+len(raw.Without)+len(raw.Waivers) == 0 {
		return nil
	}
	if p.Preset.IsZero() {
		return []string{fmt.Sprintf("%s:%d: field %q: tuning needs a preset: name one in \"preset\"", name, fieldLine(data, firstTuning(raw)), firstTuning(raw))}
	}
	base := p.Preset
	known := func(at string, id preset.ID) bool {
		if id == "" {
			problems = append(problems, at+": \"id\" is missing: name the requirement, e.g. \"PERF-LOAD\"")
			return false
		}
		if !base.Has(id) {
			problems = append(problems, fmt.Sprintf("%s: preset %q has no requirement %q: want one of %s", at, base.Name, id, idList(base)))
			return false
		}
		return true
	}
	tuned := preset.Extend(base, base.Name)
	for _, id := range slices.Sorted(maps.Keys(raw.Params)) {
		at := fmt.Sprintf("%s:%d: params[%q]", name, keyLineAfter(data, "params", string(id)), id)
		if !known(at, id) {
			continue
		}
		r, _ := tuned.Requirement(id)
		if r.Params == nil {
			r.Params = preset.Params{}
		}
		for k, v := range raw.Params[id] {
			r.Params[k] = v
		}
		one := preset.New(base.Name, r)
		if err := one.Validate(); err != nil {
			msg := err.Error()
			if i := strings.Index(msg, ": param "); i >= 0 {
				msg = msg[i+2:]
			}
			problems = append(problems, fmt.Sprintf("%s: %s", at, strings.ReplaceAll(msg, "\n\t", "; ")))
			continue
		}
		tuned = preset.Extend(tuned, tuned.Name, r)
	}
	var drop []preset.ID
	for i, o := range raw.Without {
		at := fmt.Sprintf("%s:%d: without[%d]", name, entryLine(data, "without", i), i)
		if !known(at, o.ID) {
			continue
		}
		if strings.TrimSpace(o.Reason) == "" {
			problems = append(problems, fmt.Sprintf("%s: \"reason\" is missing: say why %s does not apply to this module", at, o.ID))
			continue
		}
		drop = append(drop, o.ID)
		p.Without = append(p.Without, Omission(o))
	}
	tuned = tuned.Without(drop...)
	if len(drop) > 0 {
		tuned.Description = strings.TrimSpace(tuned.Description + " Tuned by " + name + ": without " + strings.Join(idStrings(drop), ", ") + ".")
	}
	for i, w := range raw.Waivers {
		at := fmt.Sprintf("%s:%d: waivers[%d]", name, entryLine(data, "waivers", i), i)
		if !known(at, w.ID) {
			continue
		}
		if slices.Contains(drop, w.ID) {
			problems = append(problems, fmt.Sprintf("%s: %s is also left out (\"without\"): keep one", at, w.ID))
			continue
		}
		if strings.TrimSpace(w.Reason) == "" {
			problems = append(problems, fmt.Sprintf("%s: \"reason\" is missing: say why %s is waived and until when", at, w.ID))
			continue
		}
		if w.Until != "" {
			if _, err := time.ParseInLocation(time.DateOnly, w.Until, time.Local); err != nil {
				problems = append(problems, fmt.Sprintf("%s: \"until\" is %q: want YYYY-MM-DD, e.g. \"2027-03-31\"", at, w.Until))
				continue
			}
		}
		p.Waivers = append(p.Waivers, ModuleWaiver{ID: w.ID, Reason: w.Reason, Until: w.Until, line: entryLine(data, "waivers", i)})
	}
	p.Preset = tuned
	return problems
}

func firstTuning(raw profileJSON) string {
	switch {
	case len(raw.Params) > 0:
		return "params"
	case len(raw.Without) > 0:
		return "without"
	}
	return "waivers"
}

func idStrings(ids []preset.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// keyLineAfter returns the line of "key" after the first "section" in
// data, or the section's line.
func keyLineAfter(data []byte, section, key string) int {
	start := bytes.Index(data, []byte(`"`+section+`"`))
	if start < 0 {
		return 1
	}
	if i := bytes.Index(data[start:], []byte(`"`+key+`"`)); i >= 0 {
		return lineAt(data, start+i)
	}
	return lineAt(data, start)
}

// entryLine returns the line of the i-th object of the array "section".
func entryLine(data []byte, section string, i int) int {
	start := bytes.Index(data, []byte(`"`+section+`"`))
	if start < 0 {
		return 1
	}
	return arrayObjectLine(data, start, len(section)+2, i)
}

// moduleWaivers adds the profile's waivers to the feature, for the
// requirements that apply to it and that it does not waive itself.
func (f *F) moduleWaivers(prof Profile, cfg config) {
	if !prof.External {
		return
	}
	file := prof.File
	if file == "" {
		file = ProfileFile
	}
	applies := (&run{cfg: cfg, profile: prof}).required()
	for _, mw := range prof.Waivers {
		if !slices.ContainsFunc(applies, func(r preset.Requirement) bool { return r.ID == mw.ID }) ||
			slices.ContainsFunc(f.waivers, func(w *waiver) bool { return w.id == mw.ID }) {
			continue
		}
		w := &waiver{id: mw.ID, reason: mw.Reason, where: siteAt(fmt.Sprintf("%s:%d", shortFile(file), mw.line))}
		if mw.Until != "" {
			w.until, _ = time.ParseInLocation(time.DateOnly, mw.Until, time.Local)
		}
		f.waivers = append(f.waivers, w)
	}
}

// waivedByProfile reports whether the profile waives id, unexpired.
func (p Profile) waivedByProfile(id preset.ID, now time.Time) bool {
	for _, mw := range p.Waivers {
		if mw.ID != id {
			continue
		}
		if mw.Until == "" {
			return true
		}
		d, err := time.ParseInLocation(time.DateOnly, mw.Until, time.Local)
		return err == nil && now.Before(d.AddDate(0, 0, 1))
	}
	return false
}

// defaultsMu guards defaults, the options Main was given: set once, in
// TestMain, before any test runs, like the test flags.
var (
	defaultsMu sync.Mutex
	defaults   []Option
	defaultsOK bool
)

// Main runs the package's tests with opts as the default options of every
// Feature, App, Check and Project of the package: the one place a team
// makes its own Go-defined preset the default, instead of passing
// jetty.External(acme) to every call.
//
//	func TestMain(m *testing.M) { os.Exit(jetty.Main(m, jetty.External(acme.Preset))) }
//
// A preset given here can also be named by the profile file ("preset":
// "Acme"), which then tunes it for the module like a built-in one. Options
// given to a call win over these, which win over the profile file. Main
// is called once, before any test runs; a second call, or bad options, is
// reported on stderr and exits 2 without running the tests.
func Main(m *testing.M, opts ...Option) int {
	cfg := newConfig(opts)
	defaultsMu.Lock()
	again := defaultsOK
	if !again && len(cfg.problems) == 0 {
		defaults, defaultsOK = slices.Clone(opts), true
	}
	defaultsMu.Unlock()
	switch {
	case again:
		fmt.Fprintln(os.Stderr, "[jetty] jetty.Main called twice: call it once, from TestMain")
		return 2
	case len(cfg.problems) > 0:
		fmt.Fprintf(os.Stderr, "[jetty] jetty.Main: %s\n", strings.Join(cfg.problems, "; "))
		return 2
	}
	return m.Run()
}

// defaultConfig is the configuration Main's options make, or the zero one.
func defaultConfig() config {
	defaultsMu.Lock()
	opts := defaults
	defaultsMu.Unlock()
	var c config
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}

// defaultPresets are the presets given to Main, which a profile may name.
func defaultPresets() []preset.Preset {
	if c := defaultConfig(); c.external {
		return []preset.Preset{c.preset}
	}
	return nil
}

// withDefaults fills in what the call's options leave open from Main's.
func (c config) withDefaults() config {
	d := defaultConfig()
	if !c.internal && !c.external {
		c.internal, c.external, c.preset = d.internal, d.external, d.preset
		c.fromMain = d.external || d.internal
	}
	if len(c.traits) == 0 {
		c.traits = d.traits
	}
	return c
}

func lookupPreset(name string, custom []preset.Preset) (preset.Preset, bool) {
	for _, p := range custom {
		if strings.EqualFold(strings.TrimSpace(p.Name), strings.TrimSpace(name)) {
			return preset.Extend(p, p.Name), true
		}
	}
	return preset.Lookup(name)
}

func presetNames(ps []preset.Preset) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}
