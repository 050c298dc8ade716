package observatory

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

func (s *grading) frames(csp cspFacts) {
	const test, name = "x-frame-options", "X-Frame-Options"
	fix := `add "Content-Security-Policy: frame-ancestors 'none'" (or 'self')`
	var f Finding
	v := ""
	if vs := s.h.Values(name); len(vs) > 0 {
		v = strings.TrimSpace(vs[0])
	}
	switch low := strings.ToLower(v); {
	case v == "":
		f = Finding{Test: test, Header: name, Rule: "x-frame-options-not-implemented", Delta: -20, Fail: true, Text: "missing, and no CSP frame-ancestors", Fix: fix}
	case low == "deny" || low == "sameorigin":
		f = Finding{Test: test, Header: name, Rule: "x-frame-options-sameorigin-or-deny", Delta: 5, Text: strings.ToUpper(low)}
	case strings.HasPrefix(low, "allow-from"):
		f = Finding{Test: test, Header: name, Rule: "x-frame-options-allow-from-origin", Fail: true, Text: v + ": ALLOW-FROM is ignored by current browsers", Fix: fix}
	default:
		f = Finding{Test: test, Header: name, Rule: "x-frame-options-header-invalid", Delta: -20, Fail: true, Text: fmt.Sprintf("%q is invalid", probe.Clip(v, 80)), Fix: fix}
	}
	fa, viaCSP := csp.pol.d["frame-ancestors"]
	if csp.valid && viaCSP {
		f = Finding{Test: test, Header: "Content-Security-Policy", Rule: "x-frame-options-implemented-via-csp", Delta: 5, Text: "frame-ancestors " + fa.list()}
	}
	s.score(f)
	switch {
	case viaCSP && csp.valid && fa.any(cspBroad):
		s.base(Finding{Test: test, Header: "Content-Security-Policy", Rule: "asvs-frame-ancestors-broad", Fail: true,
			Text: "frame-ancestors " + fa.list() + " lets any site frame the page (clickjacking)", Fix: "use frame-ancestors 'none' (or 'self')"})
	case !(csp.valid && viaCSP) && s.g.Level >= 2 && !f.Fail:
		s.base(Finding{Test: test, Header: "Content-Security-Policy", Rule: "asvs-frame-ancestors", Fail: true,
			Text: "no CSP frame-ancestors: X-Frame-Options alone is obsolete (OWASP ASVS 5.0 V3.4.6)", Fix: fix})
	}
}

func (s *grading) nosniff() {
	const test, name = "x-content-type-options", "X-Content-Type-Options"
	fix := `add "X-Content-Type-Options: nosniff"`
	v := ""
	if vs := s.h.Values(name); len(vs) > 0 {
		v = vs[0]
	}
	switch v = strings.TrimSpace(v); {
	case v == "":
		s.score(Finding{Test: test, Header: name, Rule: "x-content-type-options-not-implemented", Delta: -5, Fail: true, Text: "missing", Fix: fix})
	case strings.EqualFold(v, "nosniff"):
		s.score(Finding{Test: test, Header: name, Rule: "x-content-type-options-nosniff", Text: "nosniff"})
	default:
		s.score(Finding{Test: test, Header: name, Rule: "x-content-type-options-header-invalid", Delta: -5, Fail: true,
			Text: fmt.Sprintf("%q is invalid", probe.Clip(v, 80)), Fix: fix})
	}
}

func (s *grading) referrer() {
	const test, name = "referrer-policy", "Referrer-Policy"
	fix := `use "Referrer-Policy: strict-origin-when-cross-origin" (or no-referrer)`
	l2 := s.g.Level >= 2
	all := append(slices.Clone(s.h.Values(name)), s.meta.referrer...) // a <meta name="referrer"> comes last and wins
	raw := strings.Join(all, ", ")
	if len(all) == 0 {
		s.score(Finding{Test: test, Header: name, Rule: "referrer-policy-not-implemented", Fail: l2,
			Text: "not sent (browsers default to strict-origin-when-cross-origin; OWASP ASVS 5.0 V3.4.5 asks for one)", Fix: fix})
		return
	}
	// The last policy the browser recognises wins.
	policy := ""
	for t := range strings.SplitSeq(raw, ",") {
		switch t = strings.ToLower(strings.TrimSpace(t)); t {
		case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin",
			"origin", "origin-when-cross-origin", "no-referrer-when-downgrade", "unsafe-url":
			policy = t
		}
	}
	switch policy {
	case "":
		s.score(Finding{Test: test, Header: name, Rule: "referrer-policy-header-invalid", Delta: -5, Fail: l2, Text: fmt.Sprintf("%q is invalid", probe.Clip(raw, 80)), Fix: fix})
	case "origin", "origin-when-cross-origin", "no-referrer-when-downgrade", "unsafe-url":
		s.score(Finding{Test: test, Header: name, Rule: "referrer-policy-unsafe", Delta: -5, Fail: l2, Text: policy + " leaks URLs to other sites", Fix: fix})
	default:
		s.score(Finding{Test: test, Header: name, Rule: "referrer-policy-private", Delta: 5, Text: policy})
	}
}

func (s *grading) cors() {
	const test, name = "cross-origin-resource-sharing", "Access-Control-Allow-Origin"
	acao := ""
	if vs := s.h.Values(name); len(vs) > 0 {
		acao = vs[0]
	}
	creds := false
	if vs := s.h.Values("Access-Control-Allow-Credentials"); len(vs) > 0 {
		creds = strings.EqualFold(strings.TrimSpace(vs[0]), "true")
	}
	trimmed := strings.TrimSpace(acao)
	switch {
	case trimmed == "":
		s.score(Finding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-not-implemented", Text: "not sent"})
	case trimmed == "*":
		s.score(Finding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-public-access", Text: "* (public, without credentials)"})
	case acao == s.g.Origin && creds:
		s.score(Finding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-universal-access", Delta: -50, Fail: true,
			Text: fmt.Sprintf("echoes the arbitrary Origin %q with Access-Control-Allow-Credentials: true, so any site can read users' data", acao),
			Fix:  "allow only a fixed list of trusted origins (OWASP ASVS 5.0 V3.4.2)"})
	default:
		s.score(Finding{Test: test, Header: name, Rule: "cross-origin-resource-sharing-implemented-with-restricted-access", Text: probe.Clip(trimmed, 80)})
		if creds && (strings.EqualFold(trimmed, s.g.Origin) || trimmed == "null") {
			s.base(Finding{Test: test, Header: name, Rule: "asvs-cors-untrusted-origin", Fail: true,
				Text: fmt.Sprintf("trusts the origin %q with Access-Control-Allow-Credentials: true (sandboxed frames and local files send Origin: null)", trimmed),
				Fix:  "allow only a fixed list of trusted origins (OWASP ASVS 5.0 V3.4.2)"})
		}
	}
}

// crossOrigin grades COOP, COEP and CORP, and (level 3) asks HTML
// responses for COOP (OWASP ASVS 5.0 V3.4.8).
func (s *grading) crossOrigin() {
	coop := s.sfPolicy("cross-origin-opener-policy", "Cross-Origin-Opener-Policy", "coop", map[string]int{
		"same-origin": 10, "same-origin-allow-popups": 10, "noopener-allow-popups": 10, "unsafe-none": 0})
	s.sfPolicy("cross-origin-embedder-policy", "Cross-Origin-Embedder-Policy", "coep", map[string]int{
		"require-corp": 10, "credentialless": 10, "unsafe-none": 0})
	s.corp()
	ct := strings.ToLower(s.h.Get("Content-Type"))
	if s.g.Level >= 3 && strings.HasPrefix(ct, "text/html") && coop != "same-origin" && coop != "same-origin-allow-popups" {
		s.base(Finding{Test: "cross-origin-opener-policy", Header: "Cross-Origin-Opener-Policy", Rule: "asvs-coop", Fail: true,
			Text: "an HTML response without Cross-Origin-Opener-Policy same-origin or same-origin-allow-popups (OWASP ASVS 5.0 V3.4.8)",
			Fix:  `add "Cross-Origin-Opener-Policy: same-origin"`})
	}
}

// sfPolicy grades a header whose value is a structured-field token (COOP,
// COEP): sent twice or not a known token is invalid (−5).
func (s *grading) sfPolicy(test, name, short string, mod map[string]int) string {
	vs := s.h.Values(name)
	if len(vs) == 0 {
		s.score(Finding{Test: test, Header: name, Rule: short + "-not-implemented", Text: "not sent"})
		return ""
	}
	tok, ok := sfToken(vs[0])
	d, known := mod[tok]
	if len(vs) > 1 || !ok || !known {
		s.score(Finding{Test: test, Header: name, Rule: short + "-header-invalid", Delta: -5,
			Text: fmt.Sprintf("%q is invalid", probe.Clip(strings.Join(vs, ", "), 80)), Fix: "send one of " + strings.Join(sortedKeys(mod), ", ")})
		return ""
	}
	s.score(Finding{Test: test, Header: name, Rule: short + "-implemented-with-" + tok, Delta: d, Text: tok})
	return tok
}

func (s *grading) corp() {
	const test, name = "cross-origin-resource-policy", "Cross-Origin-Resource-Policy"
	vs := s.h.Values(name)
	v := strings.ToLower(strings.TrimSpace(strings.Join(vs, ", ")))
	switch v {
	case "":
		s.score(Finding{Test: test, Header: name, Rule: "corp-not-implemented", Text: "not sent"})
	case "same-site", "same-origin":
		s.score(Finding{Test: test, Header: name, Rule: "corp-implemented-with-" + v, Delta: 10, Text: v})
	case "cross-origin":
		s.score(Finding{Test: test, Header: name, Rule: "corp-implemented-with-cross-origin", Text: v})
	default:
		s.score(Finding{Test: test, Header: name, Rule: "corp-header-invalid", Delta: -5, Text: fmt.Sprintf("%q is invalid", probe.Clip(v, 80)), Fix: "send same-origin, same-site or cross-origin"})
	}
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var serverVersionRE = regexp.MustCompile(`\d+\.\d+|/\s*\d`)

func (s *grading) leaks() {
	const test = "information-disclosure"
	if v := s.h.Get("Server"); v != "" && serverVersionRE.MatchString(v) {
		s.base(Finding{Test: test, Header: "Server", Rule: "server-version-disclosed", Fail: true,
			Text: fmt.Sprintf("%q reveals the software version", probe.Clip(v, 60)), Fix: "drop the version (e.g. nginx server_tokens off) or the header"})
	}
	for _, k := range []string{"X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"} {
		if v := s.h.Get(k); v != "" {
			s.base(Finding{Test: test, Header: k, Rule: "framework-disclosed", Fail: true,
				Text: fmt.Sprintf("%q reveals the framework", probe.Clip(v, 60)), Fix: "remove the header (Express: app.disable(\"x-powered-by\"))"})
		}
	}
}
