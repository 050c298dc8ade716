package main

import (
	"os"
	"testing"
	"time"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// asOf is the day the example's attestations were last reviewed. A real
// project keeps its profile at the module root and runs jetty.Project(t),
// which checks the attestations against today: they go stale when the
// regime says (the vulnerability scans after three months).
var asOf = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// TestProfile: what no test can prove — the penetration test, the scans,
// log retention, incident response, on-call, the disaster-recovery drill,
// the second region — is attested in jetty.json, each with who, when and
// the evidence, and every attested requirement of PCI DSS v4 is current.
func TestProfile(t *testing.T) {
	data, err := os.ReadFile(jetty.ProfileFile)
	require.NoError(t, err)
	prof, err := jetty.ParseProfile(jetty.ProfileFile, data)
	require.NoError(t, err)
	assert.True(t, prof.External)
	assert.Equal(t, preset.PCIDSS.Name, prof.Preset.Name)
	require.NoError(t, prof.Verify(asOf))
	for _, a := range prof.Attestations {
		assert.NotEmpty(t, a.Evidence, "%s: an attestation says where its evidence is", a.ID)
	}
	assert.Len(t, prof.Attestations, len(preset.PCIDSS.Attested()), "one attestation per attested requirement")
	if err := prof.Verify(time.Now()); err != nil {
		t.Logf("as of today (not as of %s): %v", asOf.Format(time.DateOnly), err)
	}
}
