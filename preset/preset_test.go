package preset_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBuiltinsAreValidAndGrow(t *testing.T) {
	all := preset.Builtins()
	require.Len(t, all, 7)
	levels, family := all[:4], all[4:]
	for _, p := range family {
		require.NoError(t, p.Validate(), p.Name)
		for _, r := range preset.Regulated.Requirements {
			assert.True(t, p.Has(r.ID), "%s keeps %s of Regulated", p.Name, r.ID)
		}
		assert.Greater(t, len(p.Requirements), len(preset.Regulated.Requirements), p.Name)
	}
	all = levels
	for i, p := range all {
		require.NoError(t, p.Validate(), p.Name)
		if i > 0 {
			for _, r := range all[i-1].Requirements {
				assert.True(t, p.Has(r.ID), "%s keeps %s of %s", p.Name, r.ID, all[i-1].Name)
			}
			assert.Greater(t, len(p.Requirements), len(all[i-1].Requirements), p.Name)
		}
	}
	assert.Equal(t, "Startup MVP", preset.StartupMVP.Name)
	assert.Equal(t, "Regulated", preset.Regulated.Name)
}

func TestBuiltinThresholdsFollowTheStandards(t *testing.T) {
	saas := preset.ProductionSaaS
	assert.Equal(t, "10", saas.Param(preset.LoginRateLimit, preset.ParamAttempts, ""), "the seed: 10 attempts")
	assert.Equal(t, "1m", saas.Param(preset.LoginRateLimit, preset.ParamWindow, ""), "the seed: in one minute")
	assert.Equal(t, "5m", saas.Param(preset.LoginRateLimit, preset.ParamLockout, ""), "the seed: blocked for 5 minutes")
	assert.Equal(t, "Too many login attempts. Please try again later.", saas.Param(preset.LoginRateLimit, preset.ParamMessage, ""))
	assert.Equal(t, "100", saas.Param(preset.Load, preset.ParamUsers, ""), "the seed: 100 users at once")
	assert.Equal(t, "2s", saas.Param(preset.Load, preset.ParamMax, ""), "the seed: within 2 seconds")

	// PCI DSS v4 8.3.4: lockout after at most 10 attempts for at least 30 minutes.
	for _, p := range []preset.Preset{preset.Enterprise, preset.Regulated} {
		r, ok := p.Requirement(preset.LoginRateLimit)
		require.True(t, ok)
		assert.LessOrEqual(t, r.Params.Int(preset.ParamAttempts, 99), 10, p.Name)
		assert.GreaterOrEqual(t, r.Params.Duration(preset.ParamLockout, 0), 30*time.Minute, p.Name)
	}
	// HSTS: a year above Startup, the Observatory's 180-day floor in Startup.
	assert.Equal(t, 180*24*time.Hour, preset.StartupMVP.Requirements[0].Params.Duration(preset.ParamHSTSMaxAge, 0))
	for _, p := range []preset.Preset{preset.ProductionSaaS, preset.Enterprise, preset.Regulated} {
		r, _ := p.Requirement(preset.SecurityHeaders)
		assert.GreaterOrEqual(t, r.Params.Duration(preset.ParamHSTSMaxAge, 0), 365*24*time.Hour, p.Name)
	}
	// Sessions: NIST SP 800-63B AAL1 30 days; AAL2 12 h and 30 min idle;
	// AAL3 and PCI DSS v4 8.2.8 15 min idle.
	for p, want := range map[string][2]time.Duration{
		preset.StartupMVP.Name: {30 * 24 * time.Hour, 30 * 24 * time.Hour}, preset.ProductionSaaS.Name: {30 * time.Minute, 12 * time.Hour},
		preset.Enterprise.Name: {15 * time.Minute, 12 * time.Hour}, preset.Regulated.Name: {15 * time.Minute, 12 * time.Hour},
	} {
		pr, _ := preset.Lookup(p)
		r, ok := pr.Requirement(preset.Sessions)
		require.True(t, ok, p)
		assert.Equal(t, want[0], r.Params.Duration(preset.ParamIdle, 0), p)
		assert.Equal(t, want[1], r.Params.Duration(preset.ParamLifetime, 0), p)
	}
	// PCI DSS v4 10.2.2 audit fields in Regulated.
	r, _ := preset.Regulated.Requirement(preset.AuditLog)
	assert.Equal(t, []string{"user_id", "time", "ip", "event", "outcome", "resource", "request_id"}, r.Params.List(preset.ParamFields))
	assert.Equal(t, "true", r.Params.String(preset.ParamFailures, ""))
	// Attestations.
	pt, _ := preset.Regulated.Requirement(preset.PenTest)
	assert.Equal(t, preset.KindAttested, pt.Kind)
	assert.LessOrEqual(t, pt.Validity, 92*24*time.Hour, "quarterly")
	assert.False(t, preset.StartupMVP.Has(preset.PenTest))
}

func TestLookup(t *testing.T) {
	for name, want := range map[string]string{
		"Production SaaS": "Production SaaS", "production-saas": "Production SaaS", "saas": "Production SaaS",
		"startup": "Startup MVP", "STARTUP_MVP": "Startup MVP", "enterprise": "Enterprise", "Regulated": "Regulated",
		"pci": "PCI DSS v4", "PCI DSS v4": "PCI DSS v4", "hipaa": "HIPAA Security Rule", "fedramp": "FedRAMP Moderate",
		"FedRAMP Moderate": "FedRAMP Moderate",
	} {
		p, ok := preset.Lookup(name)
		require.True(t, ok, name)
		assert.Equal(t, want, p.Name, name)
	}
	for _, name := range []string{"", "gold", "production saas plus"} {
		_, ok := preset.Lookup(name)
		assert.False(t, ok, name)
	}
	assert.Equal(t, []string{"Startup MVP", "Production SaaS", "Enterprise", "Regulated", "PCI DSS v4", "HIPAA Security Rule", "FedRAMP Moderate"}, preset.Names())
}

func TestForAppliesByTraits(t *testing.T) {
	p := preset.New("T",
		preset.Requirement{ID: "ALL", Title: "all", Category: preset.Security},
		preset.Requirement{ID: "LOGIN", Title: "login", Category: preset.Security, Traits: []preset.Trait{preset.Login}},
		preset.Requirement{ID: "DATA", Title: "data", Category: preset.Resilience, Traits: []preset.Trait{preset.StoredData, preset.PersonalData}},
		preset.Requirement{ID: "ATT", Title: "attested", Category: preset.Compliance, Kind: preset.KindAttested, Validity: time.Hour},
	)
	ids := func(rs []preset.Requirement) (out []preset.ID) {
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	assert.Equal(t, []preset.ID{"ALL"}, ids(p.For()))
	assert.Equal(t, []preset.ID{"ALL", "LOGIN"}, ids(p.For(preset.Login)))
	assert.Equal(t, []preset.ID{"ALL", "DATA"}, ids(p.For(preset.PersonalData)))
	assert.Equal(t, []preset.ID{"ATT"}, ids(p.Attested()))
}

func TestExtendReplacesAndWithoutDrops(t *testing.T) {
	strict := preset.Extend(preset.ProductionSaaS, "Strict SaaS", preset.Requirement{
		ID: preset.LoginRateLimit, Title: "5 attempts", Category: preset.Security, Traits: []preset.Trait{preset.Login},
		Params: preset.Params{preset.ParamAttempts: "5", preset.ParamLockout: "30m"},
	})
	require.NoError(t, strict.Validate())
	assert.Equal(t, len(preset.ProductionSaaS.Requirements), len(strict.Requirements), "replaced in place")
	assert.Equal(t, "5", strict.Param(preset.LoginRateLimit, preset.ParamAttempts, ""))
	assert.Equal(t, "10", preset.ProductionSaaS.Param(preset.LoginRateLimit, preset.ParamAttempts, ""), "the base is untouched")

	lean := strict.Without(preset.Load, preset.Metrics, "NOT-THERE")
	assert.False(t, lean.Has(preset.Load))
	assert.True(t, strict.Has(preset.Load), "Without returns a copy")

	// Changing a returned requirement never changes the preset.
	r, _ := strict.Requirement(preset.LoginRateLimit)
	r.Params[preset.ParamAttempts] = "999"
	assert.Equal(t, "5", strict.Param(preset.LoginRateLimit, preset.ParamAttempts, ""))
}

func TestValidateListsEveryProblem(t *testing.T) {
	p := preset.New("",
		preset.Requirement{Title: "no id", Category: preset.Security},
		preset.Requirement{ID: "A", Category: "speed"},
		preset.Requirement{ID: "A", Title: "dup", Category: preset.Security, Params: preset.Params{preset.ParamAttempts: "-3", preset.ParamLockout: "soon", preset.ParamGrade: "Z"}},
		preset.Requirement{ID: "B", Title: "attested", Category: preset.Compliance, Kind: preset.KindAttested},
	)
	err := p.Validate()
	require.Error(t, err)
	for _, want := range []string{
		"the preset has no name",
		"requirement #1 has no ID",
		`requirement #2 "A" has no title`,
		`requirement #2 "A" has category "speed": want one of security, performance, monitoring, resilience, compliance`,
		`requirement #3 "A" appears twice`,
		`param "attempts" = "-3": want a positive number`,
		`param "lockout" = "soon"`,
		`param "grade" = "Z": want one of A+`,
		`requirement #4 "B" is attested but has no Validity`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestParams(t *testing.T) {
	p := preset.Params{"n": "12", "d": "90d", "f": "0.5", "l": " a, b ,,c ", "bad": "x"}
	assert.Equal(t, 12, p.Int("n", 0))
	assert.Equal(t, 7, p.Int("bad", 7))
	assert.Equal(t, 90*24*time.Hour, p.Duration("d", 0))
	assert.Equal(t, time.Second, p.Duration("missing", time.Second))
	assert.Equal(t, 0.5, p.Float("f", 0))
	assert.Equal(t, []string{"a", "b", "c"}, p.List("l"))
	assert.Equal(t, "def", p.String("missing", "def"))
	_, err := preset.ParseDuration("xd")
	assert.Error(t, err)
}

func TestGradeRank(t *testing.T) {
	assert.Greater(t, preset.GradeRank("A+"), preset.GradeRank("A"))
	assert.Greater(t, preset.GradeRank("B-"), preset.GradeRank("C+"))
	assert.Equal(t, 1, preset.GradeRank("F"))
	assert.Equal(t, 0, preset.GradeRank("E"))
}

func TestBuiltinsAreFreshCopies(t *testing.T) {
	a := preset.Builtins()[1]
	a.Requirements[0].Title = "changed"
	b, _ := preset.Lookup("saas")
	if d := cmp.Diff(preset.ProductionSaaS.Requirements[0].Title, b.Requirements[0].Title); d != "" {
		t.Error(d)
	}
	assert.NotEqual(t, "changed", b.Requirements[0].Title)
}

// The Regulated family: each regime's numbers, as its text sets them.
func TestRegulatedFamilyFollowsEachRegime(t *testing.T) {
	dur := func(p preset.Preset, id preset.ID, key string) time.Duration {
		r, ok := p.Requirement(id)
		require.True(t, ok, "%s has %s", p.Name, id)
		return r.Params.Duration(key, 0)
	}
	validity := func(p preset.Preset, id preset.ID) time.Duration {
		r, ok := p.Requirement(id)
		require.True(t, ok, "%s has %s", p.Name, id)
		require.Equal(t, preset.KindAttested, r.Kind, "%s %s", p.Name, id)
		return r.Validity
	}
	const day = 24 * time.Hour
	// PCI DSS v4.0.1.
	pci := preset.PCIDSS
	r, _ := pci.Requirement(preset.LoginRateLimit)
	assert.LessOrEqual(t, r.Params.Int(preset.ParamAttempts, 99), 10, "8.3.4: at most 10 attempts")
	assert.GreaterOrEqual(t, dur(pci, preset.LoginRateLimit, preset.ParamLockout), 30*time.Minute, "8.3.4: at least 30 minutes")
	assert.Equal(t, 15*time.Minute, dur(pci, preset.Sessions, preset.ParamIdle), "8.2.8")
	r, _ = pci.Requirement(preset.AuditLog)
	assert.Equal(t, []string{"user_id", "time", "ip", "event", "outcome", "resource"}, r.Params.List(preset.ParamFields), "10.2.2")
	assert.Equal(t, 92*day, validity(pci, preset.VulnScans), "11.3: every three months")
	assert.Equal(t, 365*day, validity(pci, preset.PenTest), "11.4.1: every 12 months")
	assert.Equal(t, 365*day, validity(pci, preset.IncidentResponse), "12.10.2")
	// HIPAA Security Rule.
	h := preset.HIPAA
	assert.Equal(t, 15*time.Minute, dur(h, preset.Sessions, preset.ParamIdle), "§164.312(a)(2)(iii)")
	for _, id := range []preset.ID{preset.RiskAnalysis, preset.BusinessAssoc, preset.ContingencyTest, preset.LogRetention} {
		assert.Equal(t, 365*day, validity(h, id), string(id))
	}
	for _, id := range []preset.ID{preset.AuthRequired, preset.AuditLog, preset.TLS, preset.EncryptionAtRest} {
		r, ok := h.Requirement(id)
		require.True(t, ok, string(id))
		assert.Contains(t, r.Standard, "164.312", string(id))
	}
	// FedRAMP Moderate.
	f := preset.FedRAMPModerate
	assert.Equal(t, 15*time.Minute, dur(f, preset.Sessions, preset.ParamIdle), "AC-11: fifteen minutes")
	assert.Equal(t, 31*day, validity(f, preset.VulnScans), "RA-5: monthly")
	assert.Equal(t, 31*day, validity(f, preset.ContinuousMon), "CA-7: monthly")
	assert.Equal(t, 365*day, validity(f, preset.PenTest), "CA-8: annually")
	for _, p := range preset.Family() {
		require.NoError(t, p.Validate(), p.Name)
		for _, r := range p.Requirements {
			assert.NotEmpty(t, r.Standard, "%s %s cites no standard", p.Name, r.ID)
		}
	}
}
