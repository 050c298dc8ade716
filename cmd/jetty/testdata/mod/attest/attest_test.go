// Package attest checks the project's attestations: the profile's on-call
// attestation is years old, so it is stale.
package attest

import (
	"testing"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

func TestProject(t *testing.T) { jetty.Project(t, jetty.External(preset.ProductionSaaS)) }
