package preset

import (
	"strings"
	"time"
)

// IDs of the built-in requirements. Custom presets may reuse them (and the
// ready-made scenarios that cover them) or define their own.
const (
	LoginRateLimit   ID = "SEC-RATE-LIMIT"
	SecurityHeaders  ID = "SEC-HEADERS"
	Injection        ID = "SEC-INJECTION"
	AuthRequired     ID = "SEC-AUTHZ"
	ErrorLeaks       ID = "SEC-ERRORS"
	TLS              ID = "SEC-TLS"
	EncryptionAtRest ID = "SEC-ENCRYPT-REST"
	SecretsInLogs    ID = "SEC-SECRETS-LOGS"
	Load             ID = "PERF-LOAD"
	HealthCheck      ID = "MON-HEALTH"
	AuditLog         ID = "MON-AUDIT"
	Metrics          ID = "MON-METRICS"
	Backups          ID = "RES-BACKUP"
	GracefulShutdown ID = "RES-SHUTDOWN"
	Overload         ID = "RES-OVERLOAD"
	Chaos            ID = "RES-CHAOS"
	DisasterRecovery ID = "RES-DR-DRILL"
	MultiRegion      ID = "RES-MULTI-REGION"
	OnCall           ID = "OPS-ONCALL"
	PenTest          ID = "CMP-PENTEST"
	CrossSite        ID = "SEC-CSRF"
	CORS             ID = "SEC-CORS"
	Sessions         ID = "SEC-SESSIONS"
	Rollback         ID = "RES-ROLLBACK"
)

const day = 24 * time.Hour

// The seed's words for a blocked login, used by the built-in presets.
const LockoutMessage = "Too many login attempts. Please try again later."

// StartupMVP is basic security, simple monitoring and daily backups: OWASP
// ASVS 5.0 level 1 in spirit. Security headers must grade B or better with
// HSTS of at least 180 days (the Mozilla HTTP Observatory's floor), protected
// routes require authentication, errors leak nothing, a health endpoint
// answers, and stored data has a daily backup whose restore is tested.
var StartupMVP = startupMVP()

// ProductionSaaS is StartupMVP plus firewall-grade input filtering and rate
// limits, performance monitoring, zero-downtime deploys and on-call: ASVS 5.0
// level 2 in spirit. Logins are limited to 10 attempts a minute and then
// blocked for 5 minutes with "Too many login attempts. Please try again
// later." (the seed; NIST SP 800-63B §3.2.2 allows at most 100 failed
// attempts per account); 100 users logging in at once all complete within
// 2 seconds and none fails; security headers grade A- with HSTS of a year;
// authentication events are audited with user ID, timestamp and IP.
var ProductionSaaS = productionSaaS()

// Enterprise is ProductionSaaS plus DDoS protection (overload shedding),
// chaos engineering (dependency faults), disaster recovery and multi-region:
// ASVS 5.0 level 3 in spirit. Logins lock out for 30 minutes (PCI DSS v4
// 8.3.4), headers grade A, restores complete within an hour.
var Enterprise = enterprise()

// Regulated is Enterprise plus encryption everywhere (TLS, data at rest,
// no secrets in logs), full audit logging (PCI DSS v4 10.2.2 and NIST SP
// 800-53 AU-3: user, event type, time, outcome, origin, resource; failures
// audited too) and a quarterly penetration test.
var Regulated = regulated()

// Builtins returns fresh copies of the built-in presets: the four levels,
// strictest last, then the Regulated family (PCIDSS, HIPAA,
// FedRAMPModerate).
func Builtins() []Preset {
	return append([]Preset{startupMVP(), productionSaaS(), enterprise(), regulated()}, Family()...)
}

// Lookup returns the built-in preset with the given name. Names match
// case-insensitively, ignoring spaces, dashes and underscores, so
// "Production SaaS", "production-saas" and "productionsaas" all find
// ProductionSaaS; "startup", "saas", "pci", "hipaa" and "fedramp" are
// accepted too. It returns a fresh
// copy that the caller may change.
func Lookup(name string) (Preset, bool) {
	key := normalize(name)
	for _, p := range Builtins() {
		n := normalize(p.Name)
		if key == n || (key != "" && strings.HasPrefix(n, key)) || (key == "saas" && n == "productionsaas") {
			return p, true
		}
	}
	return Preset{}, false
}

// Names returns the names of the built-in presets.
func Names() []string {
	var out []string
	for _, p := range Builtins() {
		out = append(out, p.Name)
	}
	return out
}

func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_', '\t':
			return -1
		}
		return r
	}, strings.ToLower(s))
}

func startupMVP() Preset {
	p := New("Startup MVP",
		Requirement{
			ID: SecurityHeaders, Title: "security headers grade B or better", Category: Security,
			Traits:   []Trait{PublicEndpoint},
			Params:   Params{ParamGrade: "B", ParamHSTSMaxAge: "180d"},
			Scenario: "scenario.SecurityHeaders{…}",
			Standard: "Mozilla HTTP Observatory scoring; OWASP ASVS 5.0 V3.4",
		},
		Requirement{
			ID: Sessions, Title: "sessions are safe from theft, fixation and reuse, and end within 30 days", Category: Security,
			Traits:   []Trait{Login},
			Params:   Params{ParamIdle: "30d", ParamLifetime: "30d"},
			Scenario: "scenario.Session{…}",
			Standard: "OWASP ASVS 5.0 V7 (level 1); NIST SP 800-63B §4.1.3 (AAL1: reauthenticate within 30 days)",
		},
		Requirement{
			ID: AuthRequired, Title: "protected routes refuse missing, wrong and tampered credentials", Category: Security,
			Traits:   []Trait{Login, PersonalData, Admin},
			Scenario: "scenario.AuthRequired{…}",
			Standard: "OWASP ASVS 5.0 V8.2 (authorization, including BOLA/IDOR 8.2.2); OWASP API Security Top 10 API1",
		},
		Requirement{
			ID: ErrorLeaks, Title: "failures answer a generic 500 with a request ID and leak no internals", Category: Security,
			Scenario: "scenario.ErrorHandling{…}",
			Standard: "OWASP ASVS 5.0 V16.5; CWE-209",
		},
		Requirement{
			ID: HealthCheck, Title: "a health endpoint answers fast and reports dependencies", Category: Monitoring,
			Traits:   []Trait{PublicEndpoint},
			Scenario: "scenario.HealthCheck{…}",
			Standard: "Kubernetes liveness/readiness probes; IETF draft-inadarei-api-health-check",
		},
		Requirement{
			ID: Backups, Title: "stored data is backed up daily and the restore is tested", Category: Resilience,
			Traits:   []Trait{StoredData},
			Params:   Params{ParamBackupAge: "24h"},
			Scenario: "scenario.BackupRestore{…}",
			Standard: "NIST SP 800-34 §3.4.2; CIS Controls v8 11.2 and 11.5",
		},
	)
	p.Description = "Basic security, simple monitoring, daily backups (OWASP ASVS 5.0 level 1 in spirit)."
	return appScoped(p)
}

func productionSaaS() Preset {
	p := Extend(startupMVP(), "Production SaaS",
		Requirement{
			ID: Sessions, Title: "sessions end after 30 minutes idle and 12 hours in all", Category: Security,
			Traits:   []Trait{Login},
			Params:   Params{ParamIdle: "30m", ParamLifetime: "12h"},
			Scenario: "scenario.Session{…}",
			Standard: "OWASP ASVS 5.0 V7 (level 2); NIST SP 800-63B §4.2.3 (AAL2: 12 hours, 30 minutes of inactivity)",
		},
		Requirement{
			ID: SecurityHeaders, Title: "security headers grade A- or better, HSTS for a year", Category: Security,
			Traits:   []Trait{PublicEndpoint},
			Params:   Params{ParamGrade: "A-", ParamHSTSMaxAge: "365d"},
			Scenario: "scenario.SecurityHeaders{…}",
			Standard: "Mozilla HTTP Observatory scoring; OWASP ASVS 5.0 V3.4.1 (HSTS ≥ 1 year)",
		},
		Requirement{
			ID: LoginRateLimit, Title: "login attempts are rate limited and then blocked", Category: Security,
			Traits:   []Trait{Login},
			Params:   Params{ParamAttempts: "10", ParamWindow: "1m", ParamLockout: "5m", ParamMessage: LockoutMessage},
			Scenario: "scenario.RateLimit{…}",
			Standard: "the seed (10 attempts a minute, 5-minute block); NIST SP 800-63B §3.2.2 (≤ 100 failures); OWASP ASVS 5.0 V6.3.1",
		},
		Requirement{
			ID: Injection, Title: "hostile input is refused without errors, leaks or side effects", Category: Security,
			Traits:   []Trait{PublicEndpoint},
			Scenario: "scenario.Injection{…}",
			Standard: "OWASP ASVS 5.0 V1 (encoding and sanitization); OWASP Top 10 A03; big-list-of-naughty-strings",
		},
		Requirement{
			ID: AuditLog, Title: "authentication events are audited with user ID, timestamp and IP", Category: Monitoring,
			Traits:   []Trait{Login, Admin},
			Params:   Params{ParamFields: "user_id,time,ip"},
			Scenario: "scenario.AuditLog{…}",
			Standard: "the seed; OWASP ASVS 5.0 V16.3; OWASP Logging Cheat Sheet",
		},
		Requirement{
			ID: Load, Title: "100 users at once all complete within 2 seconds, none fails", Category: Performance,
			Traits:   []Trait{PublicEndpoint, Login},
			Params:   Params{ParamUsers: "100", ParamMax: "2s", ParamMinSuccess: "1"},
			Scenario: "scenario.Load{…}",
			Standard: "the seed (100 simultaneous logins within 2 s, none failing)",
		},
		Requirement{
			ID: CrossSite, Title: "state-changing requests from other sites are refused", Category: Security,
			Traits:   []Trait{Login},
			Scenario: "scenario.CrossSite{…}",
			Standard: "OWASP ASVS 5.0 V3.5.1–V3.5.3; Fetch Metadata (Sec-Fetch-Site); Go's http.CrossOriginProtection",
		},
		Requirement{
			ID: CORS, Title: "cross-origin reads are allowed only to declared origins", Category: Security,
			Traits:   []Trait{PublicEndpoint},
			Scenario: "scenario.CORS{…}",
			Standard: "OWASP ASVS 5.0 V3.4.2; the Fetch standard's CORS protocol",
		},
		Requirement{
			ID: Metrics, Title: "request rate, errors and latency are exported as metrics", Category: Monitoring,
			Traits:   []Trait{PublicEndpoint},
			Scenario: "scenario.Metrics{…}",
			Standard: "Google SRE book, the four golden signals; RED method",
		},
		Requirement{
			ID: Rollback, Title: "a failed deployment rolls back: the previous version starts on the rolled-back data and nothing is lost", Category: Resilience,
			Traits:   []Trait{StoredData},
			Scenario: "scenario.Rollback{…}",
			Standard: "the seed (rollback capabilities for failed deployments); Google SRE book, release engineering (rollbacks)",
		},
		Requirement{
			ID: GracefulShutdown, Title: "shutdown drains in-flight requests (zero-downtime deploys)", Category: Resilience,
			Traits:   []Trait{PublicEndpoint},
			Params:   Params{ParamDrain: "10s"},
			Scenario: "scenario.GracefulShutdown{…}",
			Standard: "Kubernetes pod termination (SIGTERM, grace period); net/http Server.Shutdown",
		},
		Requirement{
			ID: OnCall, Title: "an on-call rotation answers production alerts", Category: Monitoring,
			Kind: KindAttested, Validity: 90 * day,
			Standard: "Google SRE book, being on-call",
		},
	)
	p.Description = "Startup MVP plus firewall-grade input filtering and rate limits, performance monitoring, zero-downtime deploys, on-call (ASVS 5.0 level 2 in spirit)."
	return appScoped(p)
}

func enterprise() Preset {
	p := Extend(productionSaaS(), "Enterprise",
		Requirement{
			ID: Sessions, Title: "sessions end after 15 minutes idle and 12 hours in all", Category: Security,
			Traits:   []Trait{Login},
			Params:   Params{ParamIdle: "15m", ParamLifetime: "12h"},
			Scenario: "scenario.Session{…}",
			Standard: "OWASP ASVS 5.0 V7 (level 3); NIST SP 800-63B §4.3.3 (AAL3: 12 hours, 15 minutes of inactivity); PCI DSS v4 8.2.8 (15 minutes)",
		},
		Requirement{
			ID: SecurityHeaders, Title: "security headers grade A or better, HSTS for a year", Category: Security,
			Traits:   []Trait{PublicEndpoint},
			Params:   Params{ParamGrade: "A", ParamHSTSMaxAge: "365d"},
			Scenario: "scenario.SecurityHeaders{…}",
			Standard: "Mozilla HTTP Observatory scoring; OWASP ASVS 5.0 V3.4",
		},
		Requirement{
			ID: LoginRateLimit, Title: "login attempts are limited to 10, then locked out for 30 minutes", Category: Security,
			Traits:   []Trait{Login},
			Params:   Params{ParamAttempts: "10", ParamWindow: "1m", ParamLockout: "30m", ParamMessage: LockoutMessage},
			Scenario: "scenario.RateLimit{…}",
			Standard: "PCI DSS v4 8.3.4 (lockout after ≤ 10 attempts for ≥ 30 minutes); NIST SP 800-63B §3.2.2",
		},
		Requirement{
			ID: Backups, Title: "stored data is backed up daily and restores within an hour", Category: Resilience,
			Traits:   []Trait{StoredData},
			Params:   Params{ParamBackupAge: "24h", ParamRTO: "1h"},
			Scenario: "scenario.BackupRestore{…}",
			Standard: "NIST SP 800-34 §3.4.2; ISO 22301 (RTO)",
		},
		Requirement{
			ID: Overload, Title: "overload is shed with 429/503 instead of collapse (DDoS protection)", Category: Resilience,
			Traits:   []Trait{PublicEndpoint},
			Scenario: "scenario.Overload{…}",
			Standard: "Google SRE book, handling overload; AWS Well-Architected REL05",
		},
		Requirement{
			ID: Chaos, Title: "dependency faults degrade gracefully (chaos engineering)", Category: Resilience,
			Traits:   []Trait{PublicEndpoint, StoredData},
			Scenario: "scenario.Faults{…}",
			Standard: "Principles of Chaos Engineering; AWS Well-Architected REL05",
		},
		Requirement{
			ID: DisasterRecovery, Title: "a disaster-recovery drill restored service from backups", Category: Resilience,
			Kind: KindAttested, Validity: 180 * day,
			Standard: "NIST SP 800-34 §3.5 (testing, training and exercises)",
		},
		Requirement{
			ID: MultiRegion, Title: "the service runs in more than one region and fails over", Category: Resilience,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "AWS Well-Architected REL10",
		},
	)
	p.Description = "Production SaaS plus DDoS protection, chaos engineering, disaster recovery, multi-region (ASVS 5.0 level 3 in spirit)."
	return appScoped(p)
}

func regulated() Preset {
	p := Extend(enterprise(), "Regulated",
		Requirement{
			ID: AuditLog, Title: "every security event is audited with the PCI DSS 10.2.2 fields, failures too", Category: Compliance,
			Traits:   []Trait{Login, Admin, PersonalData},
			Params:   Params{ParamFields: "user_id,time,ip,event,outcome,resource,request_id", ParamFailures: "true"},
			Scenario: "scenario.AuditLog{…}",
			Standard: "PCI DSS v4 10.2.1 and 10.2.2; NIST SP 800-53 AU-3; OWASP Logging Cheat Sheet",
		},
		Requirement{
			ID: TLS, Title: "traffic is encrypted with TLS 1.2 or newer", Category: Compliance,
			Traits:   []Trait{PublicEndpoint},
			Scenario: "scenario.TLS{…}",
			Standard: "PCI DSS v4 4.2.1; NIST SP 800-52r2",
		},
		Requirement{
			ID: EncryptionAtRest, Title: "personal and stored data is encrypted at rest", Category: Compliance,
			Traits:   []Trait{PersonalData, StoredData},
			Scenario: "scenario.EncryptedAtRest{…}",
			Standard: "PCI DSS v4 3.5; HIPAA §164.312(a)(2)(iv); GDPR art. 32",
		},
		Requirement{
			ID: SecretsInLogs, Title: "no password, token or card number reaches a log", Category: Compliance,
			Traits:   []Trait{Login, PersonalData},
			Scenario: "scenario.SecretsInLogs{…}",
			Standard: "PCI DSS v4 3.3 and 8.3.2; OWASP Logging Cheat Sheet (data to exclude)",
		},
		Requirement{
			ID: PenTest, Title: "a penetration test was done this quarter", Category: Compliance,
			Kind: KindAttested, Validity: 92 * day,
			Standard: "PCI DSS v4 11.4 (penetration testing); SOC 2 CC4.1",
		},
	)
	p.Description = "Enterprise plus encryption everywhere, audit logging, quarterly penetration testing."
	return appScoped(p)
}
