package preset

// The Regulated family: one preset per regime, each built on Regulated and
// changing only what that regime's text says. Every number cites its
// clause; duties a test cannot prove are attestations with the validity the
// regime sets (where it sets none, the preset says so and asks yearly).

// IDs of the requirements the Regulated family adds.
const (
	LogRetention     ID = "CMP-LOG-RETENTION"
	VulnScans        ID = "CMP-VULN-SCAN"
	IncidentResponse ID = "OPS-INCIDENT-RESPONSE"
	RiskAnalysis     ID = "CMP-RISK-ANALYSIS"
	BusinessAssoc    ID = "CMP-BAA"
	ContingencyTest  ID = "RES-CONTINGENCY-TEST"
	FIPSCrypto       ID = "CMP-FIPS-CRYPTO"
	ContinuousMon    ID = "CMP-CONMON"
)

// PCIDSS is Regulated as PCI DSS v4.0.1 asks of a service that stores,
// processes or transmits cardholder data: lockout after at most 10 attempts
// for at least 30 minutes (8.3.4), sessions re-authenticated after 15 idle
// minutes (8.2.8), the 10.2.2 audit fields with failures (10.2.1.4), no
// sensitive authentication data kept and PANs masked (3.3.1, 3.4.1), PANs
// unreadable at rest (3.5.1), strong cryptography in transit (4.2.1), audit
// logs kept 12 months (10.5.1), vulnerability scans every three months
// (11.3.1, 11.3.2), a penetration test every 12 months (11.4.1) and an
// incident response plan tested every 12 months (12.10.2).
var PCIDSS = pciDSS()

// HIPAA is Regulated as the HIPAA Security Rule's technical safeguards (45
// CFR §164.312) and the administrative duties behind them ask: unique user
// identification and person or entity authentication (§164.312(a)(2)(i),
// (d)), automatic logoff (§164.312(a)(2)(iii)), audit controls (§164.312(b)),
// integrity (§164.312(c)), transmission security (§164.312(e)), encryption
// (§164.312(a)(2)(iv), (e)(2)(ii)), a data backup plan (§164.308(a)(7)),
// and attested risk analysis, business associate agreements, contingency
// plan testing and six-year retention of documentation (§164.316(b)(2)).
// The rule sets no logoff time and no review interval: the preset keeps
// Regulated's 15 minutes and asks for attestations yearly.
var HIPAA = hipaa()

// FedRAMPModerate is Regulated as the FedRAMP Moderate baseline (NIST SP
// 800-53 rev. 5 with FedRAMP's parameter values) asks: unsuccessful logon
// attempts limited in alignment with NIST SP 800-63B (AC-7), a session lock
// after 15 minutes of inactivity (AC-11) and session termination (AC-12),
// audit record content (AU-3) with failures, transmission confidentiality
// and integrity (SC-8), protection at rest (SC-28(1)), FIPS-validated
// cryptography (SC-13, attested), and the continuous monitoring duties:
// monthly vulnerability scans (RA-5) and reports (CA-7), a yearly
// penetration test (CA-8), contingency plan test (CP-4) and incident
// response test (IR-3), audit records kept as OMB M-21-31 asks (AU-11).
var FedRAMPModerate = fedrampModerate()

// Family returns fresh copies of the regime presets built on Regulated.
func Family() []Preset { return []Preset{pciDSS(), hipaa(), fedrampModerate()} }

func pciDSS() Preset {
	p := Extend(regulated(), "PCI DSS v4",
		Requirement{
			ID: LoginRateLimit, Title: "at most 10 invalid login attempts, then a lockout of at least 30 minutes", Category: Security,
			Traits:   []Trait{Login},
			Params:   Params{ParamAttempts: "10", ParamWindow: "1m", ParamLockout: "30m", ParamMessage: LockoutMessage},
			Scenario: "scenario.RateLimit{…}",
			Standard: "PCI DSS v4.0.1 8.3.4 (lock out after not more than 10 attempts, for at least 30 minutes)",
		},
		Requirement{
			ID: Sessions, Title: "a session idle for more than 15 minutes must log in again", Category: Security,
			Traits:   []Trait{Login},
			Params:   Params{ParamIdle: "15m", ParamLifetime: "12h"},
			Scenario: "scenario.Session{…}",
			Standard: "PCI DSS v4.0.1 8.2.8 (15 minutes idle); the 12-hour lifetime is NIST SP 800-63B AAL2's",
		},
		Requirement{
			ID: AuditLog, Title: "every security event is audited with the 10.2.2 fields, failures too", Category: Compliance,
			Traits:   []Trait{Login, Admin, PersonalData},
			Params:   Params{ParamFields: "user_id,time,ip,event,outcome,resource", ParamFailures: "true"},
			Scenario: "scenario.AuditLog{…}",
			Standard: "PCI DSS v4.0.1 10.2.1 (events, 10.2.1.4 invalid access attempts) and 10.2.2 (user, type, date and time, success or failure, origination, affected resource)",
		},
		Requirement{
			ID: SecretsInLogs, Title: "no password, token, full PAN or sensitive authentication data reaches a log", Category: Compliance,
			Traits:   []Trait{Login, PersonalData},
			Scenario: "scenario.SecretsInLogs{…}",
			Standard: "PCI DSS v4.0.1 3.3.1 (no SAD after authorization), 3.4.1 (PAN masked: at most the BIN and last four digits shown), 8.3.2",
		},
		Requirement{
			ID: EncryptionAtRest, Title: "stored PANs are unreadable", Category: Compliance,
			Traits:   []Trait{PersonalData, StoredData},
			Scenario: "scenario.EncryptedAtRest{…}",
			Standard: "PCI DSS v4.0.1 3.5.1 (PAN rendered unreadable wherever stored)",
		},
		Requirement{
			ID: TLS, Title: "cardholder data is sent only over strong cryptography (TLS 1.2 or newer)", Category: Compliance,
			Traits:   []Trait{PublicEndpoint},
			Scenario: "scenario.TLS{…}",
			Standard: "PCI DSS v4.0.1 4.2.1; NIST SP 800-52r2",
		},
		Requirement{
			ID: LogRetention, Title: "audit logs are kept 12 months, the last three immediately available", Category: Compliance,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "PCI DSS v4.0.1 10.5.1",
		},
		Requirement{
			ID: VulnScans, Title: "internal and ASV external vulnerability scans passed within three months", Category: Compliance,
			Kind: KindAttested, Validity: 92 * day,
			Standard: "PCI DSS v4.0.1 11.3.1 and 11.3.2 (at least once every three months)",
		},
		Requirement{
			ID: PenTest, Title: "a penetration test was done within 12 months", Category: Compliance,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "PCI DSS v4.0.1 11.4.1 (at least once every 12 months and after significant changes)",
		},
		Requirement{
			ID: IncidentResponse, Title: "the incident response plan was tested within 12 months", Category: Compliance,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "PCI DSS v4.0.1 12.10.2",
		},
	)
	p.Description = "Regulated as PCI DSS v4.0.1 asks of a cardholder data environment."
	return appScoped(p)
}

func hipaa() Preset {
	p := Extend(regulated(), "HIPAA Security Rule",
		Requirement{
			ID: AuthRequired, Title: "every user is identified and authenticated; ePHI is refused to others", Category: Compliance,
			Traits:   []Trait{Login, PersonalData, Admin},
			Scenario: "scenario.AuthRequired{…}",
			Standard: "45 CFR §164.312(a)(1) access control, (a)(2)(i) unique user identification, (c)(1) integrity, (d) person or entity authentication",
		},
		Requirement{
			ID: Sessions, Title: "sessions log off automatically after 15 idle minutes", Category: Compliance,
			Traits:   []Trait{Login},
			Params:   Params{ParamIdle: "15m", ParamLifetime: "12h"},
			Scenario: "scenario.Session{…}",
			Standard: "45 CFR §164.312(a)(2)(iii) automatic logoff (addressable; the rule sets no time: 15 minutes as NIST SP 800-53 AC-11 sets it)",
		},
		Requirement{
			ID: AuditLog, Title: "activity on ePHI is recorded: who, what, when, from where, the outcome", Category: Compliance,
			Traits:   []Trait{Login, Admin, PersonalData},
			Params:   Params{ParamFields: "user_id,time,ip,event,outcome,resource", ParamFailures: "true"},
			Scenario: "scenario.AuditLog{…}",
			Standard: "45 CFR §164.312(b) audit controls; NIST SP 800-66r2",
		},
		Requirement{
			ID: TLS, Title: "ePHI in transit is encrypted (TLS 1.2 or newer)", Category: Compliance,
			Traits:   []Trait{PublicEndpoint},
			Scenario: "scenario.TLS{…}",
			Standard: "45 CFR §164.312(e)(1) transmission security, (e)(2)(ii) encryption; NIST SP 800-52r2",
		},
		Requirement{
			ID: EncryptionAtRest, Title: "ePHI at rest is encrypted", Category: Compliance,
			Traits:   []Trait{PersonalData, StoredData},
			Scenario: "scenario.EncryptedAtRest{…}",
			Standard: "45 CFR §164.312(a)(2)(iv) encryption and decryption; NIST SP 800-111",
		},
		Requirement{
			ID: RiskAnalysis, Title: "a risk analysis of ePHI was done or reviewed this year", Category: Compliance,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "45 CFR §164.308(a)(1)(ii)(A) (no interval set: yearly)",
		},
		Requirement{
			ID: BusinessAssoc, Title: "every business associate that handles ePHI has a signed agreement", Category: Compliance,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "45 CFR §164.308(b)(1) and §164.314(a)",
		},
		Requirement{
			ID: ContingencyTest, Title: "the contingency plan (backup, disaster recovery, emergency mode) was tested this year", Category: Resilience,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "45 CFR §164.308(a)(7)(ii)(D) testing and revision (addressable; no interval set: yearly)",
		},
		Requirement{
			ID: LogRetention, Title: "security policies, procedures and records are kept six years", Category: Compliance,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "45 CFR §164.316(b)(2)(i)",
		},
	)
	p.Description = "Regulated as the HIPAA Security Rule (45 CFR §164.312) asks of a service holding ePHI."
	return appScoped(p)
}

func fedrampModerate() Preset {
	p := Extend(regulated(), "FedRAMP Moderate",
		Requirement{
			ID: LoginRateLimit, Title: "consecutive invalid logon attempts are limited, then the account locks", Category: Security,
			Traits:   []Trait{Login},
			Params:   Params{ParamAttempts: "10", ParamWindow: "1m", ParamLockout: "30m", ParamMessage: LockoutMessage},
			Scenario: "scenario.RateLimit{…}",
			Standard: "NIST SP 800-53r5 AC-7 with FedRAMP's requirement: in alignment with NIST SP 800-63B (at most 100 failures); the preset keeps Regulated's stricter 10 attempts and 30 minutes",
		},
		Requirement{
			ID: Sessions, Title: "sessions lock after 15 idle minutes and terminate after 12 hours", Category: Security,
			Traits:   []Trait{Login},
			Params:   Params{ParamIdle: "15m", ParamLifetime: "12h"},
			Scenario: "scenario.Session{…}",
			Standard: "NIST SP 800-53r5 AC-11 (FedRAMP: fifteen minutes), AC-12 session termination (organization-defined: 12 hours, NIST SP 800-63B AAL2)",
		},
		Requirement{
			ID: AuditLog, Title: "audit records say what happened, when, where, from where, the outcome and who", Category: Compliance,
			Traits:   []Trait{Login, Admin, PersonalData},
			Params:   Params{ParamFields: "user_id,time,ip,event,outcome,resource,request_id", ParamFailures: "true"},
			Scenario: "scenario.AuditLog{…}",
			Standard: "NIST SP 800-53r5 AU-2, AU-3 (type, time, location, source, outcome, identity)",
		},
		Requirement{
			ID: TLS, Title: "transmissions are confidential and intact (TLS 1.2 or newer)", Category: Compliance,
			Traits:   []Trait{PublicEndpoint},
			Scenario: "scenario.TLS{…}",
			Standard: "NIST SP 800-53r5 SC-8, SC-8(1); NIST SP 800-52r2",
		},
		Requirement{
			ID: EncryptionAtRest, Title: "information at rest is protected by encryption", Category: Compliance,
			Traits:   []Trait{PersonalData, StoredData},
			Scenario: "scenario.EncryptedAtRest{…}",
			Standard: "NIST SP 800-53r5 SC-28, SC-28(1)",
		},
		Requirement{
			ID: FIPSCrypto, Title: "cryptography uses FIPS 140 validated modules", Category: Compliance,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "NIST SP 800-53r5 SC-13 (FedRAMP: FIPS-validated or NSA-approved cryptography); Go: GOFIPS140",
		},
		Requirement{
			ID: VulnScans, Title: "operating systems, web applications and databases were scanned this month", Category: Compliance,
			Kind: KindAttested, Validity: 31 * day,
			Standard: "NIST SP 800-53r5 RA-5 (FedRAMP: monthly)",
		},
		Requirement{
			ID: ContinuousMon, Title: "this month's continuous monitoring deliverables (scans, POA&M) were sent", Category: Compliance,
			Kind: KindAttested, Validity: 31 * day,
			Standard: "NIST SP 800-53r5 CA-7; FedRAMP Continuous Monitoring Strategy Guide (monthly)",
		},
		Requirement{
			ID: PenTest, Title: "a penetration test was done within the year", Category: Compliance,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "NIST SP 800-53r5 CA-8 (FedRAMP: at least annually)",
		},
		Requirement{
			ID: ContingencyTest, Title: "the contingency plan was tested within the year", Category: Resilience,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "NIST SP 800-53r5 CP-4 (FedRAMP Moderate: at least annually)",
		},
		Requirement{
			ID: IncidentResponse, Title: "incident response was tested within the year", Category: Compliance,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "NIST SP 800-53r5 IR-3 (FedRAMP: at least annually)",
		},
		Requirement{
			ID: LogRetention, Title: "audit records are kept as OMB M-21-31 asks (12 months active, 18 more in cold storage)", Category: Compliance,
			Kind: KindAttested, Validity: 365 * day,
			Standard: "NIST SP 800-53r5 AU-11 (FedRAMP: per OMB M-21-31)",
		},
	)
	p.Description = "Regulated as the FedRAMP Moderate baseline (NIST SP 800-53 rev. 5 with FedRAMP's values) asks."
	return appScoped(p)
}
