package scenario

import "github.com/jettymethod/jetty/jetty"

// production gives every ready-made check its mode: Mode returns
// jetty.Production.
type production struct{}

// Mode returns jetty.Production.
func (production) Mode() jetty.Mode { return jetty.Production }

// Every ready-made check is a jetty.Scenario.
var _ = []jetty.Scenario{
	AuditLog{},
	AuthRequired{},
	BackupRestore{},
	CORS{},
	Caching{},
	CrossSite{},
	EncryptedAtRest{},
	ErrorHandling{},
	Faults{},
	GracefulShutdown{},
	HealthCheck{},
	Injection{},
	Load{},
	Metrics{},
	Overload{},
	QueryBudget{},
	RateLimit{},
	Rollback{},
	SecretsInLogs{},
	SecurityHeaders{},
	Session{},
	TLS{},
}
