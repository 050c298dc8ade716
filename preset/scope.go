package preset

import "slices"

// Scope says where a requirement is proven: by each feature it applies to,
// or once for the whole application.
type Scope int

const (
	// ScopeFeature requirements are proven by each feature they apply to:
	// its login's rate limit and audit, the authorization of its routes,
	// injection on its inputs, its load. It is the zero value.
	ScopeFeature Scope = iota
	// ScopeApp requirements belong to the whole service — security
	// headers, health, metrics, graceful shutdown, error handling, TLS,
	// overload, backups — and are proven once per module by the
	// application-level feature (jetty.App); no feature is asked to prove
	// them again, but one that declares a scenario covering such a
	// requirement takes it on and is judged on it (jetty.App's doc).
	ScopeApp
)

// String returns "feature" or "app".
func (s Scope) String() string {
	if s == ScopeApp {
		return "app"
	}
	return "feature"
}

// ParseScope parses "feature" or "app".
func ParseScope(s string) (Scope, bool) {
	switch s {
	case "feature":
		return ScopeFeature, true
	case "app":
		return ScopeApp, true
	}
	return ScopeFeature, false
}

// appIDs are the built-in requirements that belong to the whole service.
var appIDs = []ID{SecurityHeaders, ErrorLeaks, HealthCheck, Metrics, GracefulShutdown, Overload, Chaos,
	Backups, Rollback, TLS, EncryptionAtRest, SecretsInLogs, CORS}

// AppIDs returns the IDs of the built-in requirements whose scope is
// ScopeApp in the built-in presets.
func AppIDs() []ID { return slices.Clone(appIDs) }

// appScoped sets the scope of the built-in application-wide requirements.
func appScoped(p Preset) Preset {
	for i := range p.Requirements {
		if slices.Contains(appIDs, p.Requirements[i].ID) {
			p.Requirements[i].Scope = ScopeApp
		}
	}
	return p
}

// Feature returns the tested, feature-scoped requirements that apply to a
// feature with the given traits, in p's order: what each feature proves.
func (p Preset) Feature(traits ...Trait) []Requirement {
	var out []Requirement
	for _, r := range p.For(traits...) {
		if r.Scope == ScopeFeature {
			out = append(out, r)
		}
	}
	return out
}

// App returns the tested, application-scoped requirements that apply to an
// application with the given traits, in p's order: what the module proves
// once (jetty.App).
func (p Preset) App(traits ...Trait) []Requirement {
	var out []Requirement
	for _, r := range p.For(traits...) {
		if r.Scope == ScopeApp {
			out = append(out, r)
		}
	}
	return out
}

// Scoped returns a copy of p with the requirements ids set to scope s; IDs
// p does not have are ignored. It is how a custom preset moves a
// requirement between a feature's and the application's.
func (p Preset) Scoped(s Scope, ids ...ID) Preset {
	out := Extend(p, p.Name)
	for i := range out.Requirements {
		if slices.Contains(ids, out.Requirements[i].ID) {
			out.Requirements[i].Scope = s
		}
	}
	return out
}
