// Package preset holds production standards as data: the requirements a
// project's features must cover before they are ready for real users.
//
// A [Preset] is a named list of [Requirement] values. Each requirement has a
// stable [ID], a title, a [Category], the feature [Trait] values it applies to
// (none means every feature), parameters such as thresholds, the standard it
// is anchored in, and the ready-made scenario that covers it. The four
// built-in presets — [StartupMVP], [ProductionSaaS], [Enterprise] and
// [Regulated] — grow from one another; a custom preset starts with [New] or
// [Extend] and drops requirements with [Preset.Without].
//
// Requirements that no test can prove (a quarterly penetration test, an
// on-call rotation) are attestations: [KindAttested]. The project profile
// records who attested, when and where the evidence is; an attestation older
// than the requirement's Validity is stale. They are verified once per module
// (jetty.Project), not once per feature.
//
// Each requirement has a [Scope]: [ScopeFeature] (the zero value: each
// feature it applies to proves it) or [ScopeApp] (it belongs to the whole
// service and is proven once per module, by jetty.App). The built-in
// presets mark headers, errors, health, metrics, shutdown, overload,
// chaos, backups, rollback, TLS, encryption at rest, secrets in logs and
// CORS app-wide ([AppIDs]); [Preset.Feature] and [Preset.App] split a
// preset's requirements by scope, and [Preset.Scoped] moves them.
//
// The package is data and functions only: it has no mutable package state and
// every function is safe for concurrent use. Presets are values; the methods
// that change a preset return a new one and never alias the receiver's slices.
package preset

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ID names a requirement, e.g. "SEC-RATE-LIMIT". IDs are stable across
// releases: waivers and coverage declarations refer to them.
type ID string

// Category groups requirements the way the Jetty Method does.
type Category string

// The categories of production requirements.
const (
	Security    Category = "security"
	Performance Category = "performance"
	Monitoring  Category = "monitoring"
	Resilience  Category = "resilience"
	Compliance  Category = "compliance"
)

// Trait describes what a feature has; requirements apply to features by trait.
type Trait string

// The traits a feature declares (jetty.Traits). A requirement with no traits
// applies to every feature; one with traits applies to a feature that has at
// least one of them.
const (
	PublicEndpoint Trait = "public-endpoint" // reachable by users or the internet
	Login          Trait = "login"           // authenticates users
	PersonalData   Trait = "personal-data"   // reads or writes personal data
	StoredData     Trait = "stored-data"     // persists data that must survive
	Admin          Trait = "admin"           // privileged operations
)

// Kind says how a requirement is proven.
type Kind int

const (
	// KindTested requirements are proven by a passing production scenario of
	// each feature they apply to. It is the zero value.
	KindTested Kind = iota
	// KindAttested requirements cannot be proven by a test (a penetration
	// test, an on-call rotation); the project profile records an attestation
	// that stays valid for the requirement's Validity. They are checked once
	// per module, not per feature.
	KindAttested
)

// String returns "tested" or "attested".
func (k Kind) String() string {
	if k == KindAttested {
		return "attested"
	}
	return "tested"
}

// Requirement is one production requirement of a preset.
type Requirement struct {
	ID       ID
	Title    string
	Category Category
	// Traits limits the requirement to features with at least one of these
	// traits. Empty means every feature.
	Traits []Trait
	// Kind is KindTested (the zero value) or KindAttested.
	Kind Kind
	// Scope is ScopeFeature (the zero value: each feature it applies to
	// proves it) or ScopeApp (proven once for the application, by
	// jetty.App). The built-in presets set ScopeApp on headers, errors,
	// health, metrics, shutdown, overload, chaos, backups, rollback, TLS,
	// encryption at rest, secrets in logs and CORS.
	Scope Scope
	// Validity is how long an attestation stays fresh (KindAttested only).
	Validity time.Duration
	// Params are the thresholds the ready-made scenario reads, such as
	// "attempts": "10" or "lockout": "5m". See the Param constants.
	Params Params
	// Scenario is the ready-made scenario that covers the requirement, as a
	// Go expression a user can paste, e.g. "scenario.RateLimit{…}".
	Scenario string
	// Standard cites what the requirement is anchored in, e.g.
	// "OWASP ASVS 5.0 V6.3.1; PCI DSS v4 8.3.4".
	Standard string
}

// AppliesTo reports whether the requirement applies to a feature with the
// given traits: true when the requirement has no traits, or shares one.
func (r Requirement) AppliesTo(traits ...Trait) bool {
	if len(r.Traits) == 0 {
		return true
	}
	for _, t := range r.Traits {
		if slices.Contains(traits, t) {
			return true
		}
	}
	return false
}

func (r Requirement) clone() Requirement {
	r.Traits = slices.Clone(r.Traits)
	r.Params = maps.Clone(r.Params)
	return r
}

// Params are a requirement's thresholds as text, so that they read the same
// in Go, in a profile file and in a report. Typed accessors parse them.
type Params map[string]string

// Well-known parameter names read by the ready-made scenarios.
const (
	ParamAttempts   = "attempts"     // rate limit: allowed attempts per window (int)
	ParamWindow     = "window"       // rate limit: the window (duration)
	ParamLockout    = "lockout"      // rate limit: how long the block lasts (duration)
	ParamMessage    = "message"      // rate limit: the message a blocked user sees
	ParamUsers      = "users"        // load: users arriving at once (int)
	ParamP99        = "p99"          // load: 99th percentile latency budget (duration)
	ParamMax        = "max"          // load: every request completes within (duration)
	ParamMinSuccess = "min-success"  // load: minimum success ratio (float, 0..1)
	ParamGrade      = "grade"        // security headers: minimum Observatory grade
	ParamHSTSMaxAge = "hsts-max-age" // security headers: minimum HSTS max-age (duration)
	ParamFields     = "fields"       // audit log: required fields, comma separated
	ParamBackupAge  = "max-age"      // backups: the oldest acceptable backup (duration)
	ParamRTO        = "rto"          // backups: restore must complete within (duration)
	ParamDrain      = "drain"        // graceful shutdown: in-flight requests drain within (duration)
	ParamFailures   = "failures"     // audit log: "true" when failed logins and denials are audited too
	ParamIdle       = "idle"         // sessions: the longest a session may stay unused (duration)
	ParamLifetime   = "lifetime"     // sessions: the longest a session may last (duration)
)

// String returns the parameter, or def when it is absent.
func (p Params) String(key, def string) string {
	if v, ok := p[key]; ok {
		return v
	}
	return def
}

// Int returns the parameter as an int, or def when it is absent or invalid.
func (p Params) Int(key string, def int) int {
	if n, err := strconv.Atoi(p[key]); err == nil {
		return n
	}
	return def
}

// Float returns the parameter as a float64, or def when absent or invalid.
func (p Params) Float(key string, def float64) float64 {
	if f, err := strconv.ParseFloat(p[key], 64); err == nil {
		return f
	}
	return def
}

// Duration returns the parameter as a time.Duration (time.ParseDuration
// syntax, plus a "d" suffix for days), or def when absent or invalid.
func (p Params) Duration(key string, def time.Duration) time.Duration {
	if d, err := ParseDuration(p[key]); err == nil {
		return d
	}
	return def
}

// List returns a comma-separated parameter as trimmed, non-empty items.
func (p Params) List(key string) []string {
	var out []string
	for _, s := range strings.Split(p[key], ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ParseDuration is time.ParseDuration that also accepts whole days ("90d"),
// for durations of 0 or more: a negative duration, and one too long for a
// time.Duration (about 292 years, 106751d), is an error, never a wrapped
// or negative value.
func ParseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseInt(n, 10, 64)
		switch {
		case err != nil || days < 0:
			return 0, fmt.Errorf("preset: duration %q: want a whole number of days such as \"90d\"", s)
		case days > maxDays:
			return 0, fmt.Errorf("preset: duration %q: longer than %dd, the longest a duration can be", s, maxDays)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, err
	case d < 0:
		return 0, fmt.Errorf("preset: duration %q is negative: want 0 or more", s)
	}
	return d, nil
}

// maxDays is the most whole days a time.Duration holds.
const maxDays = int64(math.MaxInt64 / int64(24*time.Hour))

// Preset is a named set of production requirements: the specification of
// production mode for an external project. The zero Preset has no
// requirements. Presets are values: methods return new presets.
type Preset struct {
	Name        string
	Description string
	// Requirements are in the order they are reported. IDs are unique.
	Requirements []Requirement
}

// New returns a custom preset. Requirement IDs must be unique and non-empty;
// [Preset.Validate] reports any that are not (jetty reports it when the
// preset is used).
func New(name string, reqs ...Requirement) Preset {
	p := Preset{Name: name}
	for _, r := range reqs {
		p.Requirements = append(p.Requirements, r.clone())
	}
	return p
}

// Extend returns a preset named name holding base's requirements, then reqs.
// A requirement in reqs whose ID base already has replaces base's, in base's
// position: that is how a custom preset tightens a threshold. A replacing
// requirement keeps base's Scope (use [Preset.Scoped] to change it).
func Extend(base Preset, name string, reqs ...Requirement) Preset {
	p := Preset{Name: name, Description: base.Description}
	for _, r := range base.Requirements {
		p.Requirements = append(p.Requirements, r.clone())
	}
	for _, r := range reqs {
		if i := p.index(r.ID); i >= 0 {
			scope := p.Requirements[i].Scope
			p.Requirements[i] = r.clone()
			if r.Scope == ScopeFeature {
				p.Requirements[i].Scope = scope
			}
			continue
		}
		p.Requirements = append(p.Requirements, r.clone())
	}
	return p
}

// Without returns a copy of p without the requirements with the given IDs.
// IDs p does not have are ignored; use [Preset.Has] to check first.
func (p Preset) Without(ids ...ID) Preset {
	out := Preset{Name: p.Name, Description: p.Description}
	for _, r := range p.Requirements {
		if !slices.Contains(ids, r.ID) {
			out.Requirements = append(out.Requirements, r.clone())
		}
	}
	return out
}

// Describe returns a copy of p with its description set.
func (p Preset) Describe(description string) Preset {
	out := Extend(p, p.Name)
	out.Description = description
	return out
}

func (p Preset) index(id ID) int {
	return slices.IndexFunc(p.Requirements, func(r Requirement) bool { return r.ID == id })
}

// Has reports whether p has a requirement with the ID.
func (p Preset) Has(id ID) bool { return p.index(id) >= 0 }

// Requirement returns the requirement with the ID.
func (p Preset) Requirement(id ID) (Requirement, bool) {
	if i := p.index(id); i >= 0 {
		return p.Requirements[i].clone(), true
	}
	return Requirement{}, false
}

// Param returns parameter key of requirement id, or def when p has no such
// requirement or the requirement no such parameter. It is how ready-made
// scenarios take their thresholds from the preset.
func (p Preset) Param(id ID, key, def string) string {
	if i := p.index(id); i >= 0 {
		return p.Requirements[i].Params.String(key, def)
	}
	return def
}

// For returns the tested requirements that apply to a feature with the given
// traits, in p's order.
func (p Preset) For(traits ...Trait) []Requirement {
	var out []Requirement
	for _, r := range p.Requirements {
		if r.Kind == KindTested && r.AppliesTo(traits...) {
			out = append(out, r.clone())
		}
	}
	return out
}

// Attested returns the requirements proven by attestation, in p's order.
func (p Preset) Attested() []Requirement {
	var out []Requirement
	for _, r := range p.Requirements {
		if r.Kind == KindAttested {
			out = append(out, r.clone())
		}
	}
	return out
}

// IsZero reports whether p is the zero Preset.
func (p Preset) IsZero() bool { return p.Name == "" && len(p.Requirements) == 0 }

// String returns the preset's name.
func (p Preset) String() string { return p.Name }

// Validate returns an error listing every problem with p: an empty name,
// requirements with empty or duplicate IDs, empty titles, unknown categories,
// attestations without a validity, parameters that do not parse.
func (p Preset) Validate() error {
	var problems []string
	if strings.TrimSpace(p.Name) == "" {
		problems = append(problems, "the preset has no name: give preset.New a name")
	}
	seen := map[ID]bool{}
	for i, r := range p.Requirements {
		where := fmt.Sprintf("requirement #%d %q", i+1, r.ID)
		switch {
		case strings.TrimSpace(string(r.ID)) == "":
			problems = append(problems, fmt.Sprintf("requirement #%d has no ID: set Requirement.ID, e.g. \"SEC-RATE-LIMIT\"", i+1))
		case seen[r.ID]:
			problems = append(problems, fmt.Sprintf("%s appears twice: IDs must be unique (use preset.Extend to replace one)", where))
		}
		seen[r.ID] = true
		if strings.TrimSpace(r.Title) == "" {
			problems = append(problems, where+" has no title: set Requirement.Title")
		}
		switch r.Category {
		case Security, Performance, Monitoring, Resilience, Compliance:
		default:
			problems = append(problems, fmt.Sprintf("%s has category %q: want one of security, performance, monitoring, resilience, compliance", where, r.Category))
		}
		if r.Kind == KindAttested && r.Validity <= 0 {
			problems = append(problems, where+" is attested but has no Validity: set how long an attestation stays fresh, e.g. 90 days")
		}
		for _, k := range slices.Sorted(maps.Keys(r.Params)) {
			if err := checkParam(k, r.Params[k]); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", where, err))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("preset %q:\n\t%s", p.Name, strings.Join(problems, "\n\t"))
}

func checkParam(key, v string) error {
	var err error
	switch key {
	case ParamAttempts, ParamUsers:
		var n int
		if n, err = strconv.Atoi(v); err == nil && n <= 0 {
			err = fmt.Errorf("want a positive number")
		}
	case ParamWindow, ParamLockout, ParamP99, ParamMax, ParamHSTSMaxAge, ParamBackupAge, ParamRTO, ParamDrain, ParamIdle, ParamLifetime:
		var d time.Duration
		if d, err = ParseDuration(v); err == nil && d <= 0 {
			err = fmt.Errorf("want a positive duration")
		}
	case ParamMinSuccess:
		var f float64
		if f, err = strconv.ParseFloat(v, 64); err == nil && (f < 0 || f > 1) {
			err = fmt.Errorf("want a ratio between 0 and 1")
		}
	case ParamGrade:
		if GradeRank(v) == 0 {
			err = fmt.Errorf("want one of A+, A, A-, B+, B, B-, C+, C, C-, D+, D, D-, F")
		}
	}
	if err != nil {
		return fmt.Errorf("param %q = %q: %v", key, v, err)
	}
	return nil
}

// GradeRank orders Observatory-style grades: F is 1, D- is 2, … A+ is 13.
// It returns 0 for a string that is not a grade.
func GradeRank(grade string) int {
	grades := []string{"F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+"}
	return slices.Index(grades, grade) + 1
}
