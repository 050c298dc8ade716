package observatory

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

const cspFix = `add "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'" with object-src 'none' and base-uri 'none' (tighten further with default-src 'none' and per-type sources)`

// cspModifier is the Observatory's score modifier of each CSP result.
var cspModifier = map[string]int{
	"csp-implemented-with-no-unsafe-default-src-none":              10,
	"csp-implemented-with-no-unsafe":                               5,
	"csp-implemented-with-unsafe-inline-in-style-src-only":         0,
	"csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
	"csp-implemented-with-unsafe-eval":                             -10,
	"csp-implemented-with-unsafe-inline":                           -20,
	"csp-implemented-with-insecure-scheme":                         -20,
	"csp-header-invalid":                                           -25,
	"csp-not-implemented":                                          -25,
	"csp-not-implemented-but-reporting-enabled":                    -25,
	"csp-implemented-but-duplicate-directives":                     0,
}

// cspFacts is what the other tests read of the CSP test: the policy as the
// Observatory read it, when it could.
type cspFacts struct {
	valid bool
	pol   obsPolicy
}

func (s *grading) csp() cspFacts {
	const test, name = "content-security-policy", "Content-Security-Policy"
	values := s.h.Values(name)
	httpPol, metaPol := cspSplit(values), cspSplit(s.meta.csp)
	notImplemented := func() cspFacts {
		f := Finding{Test: test, Header: name, Rule: "csp-not-implemented", Delta: -25, Fail: true, Text: "missing", Fix: cspFix}
		if s.h.Get("Content-Security-Policy-Report-Only") != "" {
			f.Rule, f.Text = "csp-not-implemented-but-reporting-enabled", "missing (Content-Security-Policy-Report-Only only reports, it enforces nothing)"
		}
		s.score(f)
		return cspFacts{}
	}
	if len(httpPol)+len(metaPol) == 0 {
		return notImplemented()
	}
	pol, err := parseObservatory(append(slices.Clone(httpPol), metaPol...))
	if err != nil {
		s.score(Finding{Test: test, Header: name, Rule: "csp-header-invalid", Delta: -25, Fail: true,
			Text: fmt.Sprintf("%q is invalid: %v", probe.Clip(strings.Join(append(slices.Clone(values), s.meta.csp...), ", "), 80), err), Fix: "send one valid policy in which each directive appears once (merge repeated directives' sources); " + cspFix})
		return cspFacts{}
	}
	headerOnly, _ := parseObservatory(slices.Clone(httpPol))
	metaOnly, _ := parseObservatory(slices.Clone(metaPol))
	for _, d := range []string{"frame-ancestors", "report-uri", "sandbox"} {
		delete(metaOnly.d, d) // not allowed in <meta> (HTML §4.2.5.3)
	}
	if len(headerOnly.d)+len(metaOnly.d) == 0 {
		return notImplemented()
	}
	rule, why, fix := cspJudge(pol, s.g.HTTPS)
	f := Finding{Test: test, Header: name, Rule: rule, Delta: cspModifier[rule], Text: why, Fix: fix}
	f.Fail = rule == "csp-implemented-with-unsafe-inline" || rule == "csp-header-invalid"
	s.score(f)
	s.cspBaseline(pol)
	return cspFacts{valid: true, pol: pol}
}

// cspJudge is the Observatory's CSP result for a policy read without
// error: the rule, what was found, and how to fix it.
func cspJudge(p obsPolicy, https bool) (rule, why, fix string) {
	script, scriptFrom := p.get("script-src", "default-src"), cspFrom(p, "script-src", "default-src")
	style, styleFrom := p.get("style-src", "default-src"), cspFrom(p, "style-src", "default-src")
	obj, objFrom := p.get("object-src", "default-src"), cspFrom(p, "object-src", "default-src")
	for _, sl := range []sources{script, style} {
		if sl.anyPrefix(cspNonceHash...) {
			delete(sl, "'unsafe-inline'")
		}
	}
	set := func(r, w, x string) {
		if rule == "" {
			rule, why, fix = r, w, x
		}
	}
	if script.anyPrefix(cspNonceHash...) && script["'strict-dynamic'"] {
		for src := range script {
			if src == "'self'" || src == "'unsafe-inline'" || (sources{src: true}).anyPrefix(keys(cspBroad)...) {
				delete(script, src)
			}
		}
	} else if script["'strict-dynamic'"] {
		set("csp-header-invalid", scriptFrom+" has 'strict-dynamic' without a nonce or hash", "add a per-response 'nonce-…' to script-src, or drop 'strict-dynamic'")
	}
	active, passive := sources{}, sources{}
	for d, sl := range p.d {
		if d != "img-src" && d != "media-src" && d != "script-src" {
			for k := range sl {
				active[k] = true
			}
		}
	}
	for k := range script {
		active[k] = true
	}
	for _, d := range []string{"img-src", "media-src"} {
		for k := range p.d[cspFromOr(p, d, "default-src")] {
			passive[k] = true
		}
	}
	switch {
	case script.any(cspBroadInline):
		set("csp-implemented-with-unsafe-inline", scriptFrom+" allows "+cspWhich(script, cspBroadInline),
			"remove 'unsafe-inline' and wildcard sources from script-src; move inline scripts to files or allow them with a nonce or hash")
	case obj.any(cspBroad):
		set("csp-implemented-with-unsafe-inline", objFrom+" allows "+cspWhich(obj, cspBroad)+" (plugins from anywhere)",
			"add object-src 'none' (or default-src 'none')")
	}
	if https && active.anyPrefix("http:", "ftp:") {
		set("csp-implemented-with-insecure-scheme", "allows active content over plain HTTP or FTP", "load scripts, styles, frames and connections over https only")
	}
	if script["'unsafe-eval'"] || style["'unsafe-eval'"] {
		set("csp-implemented-with-unsafe-eval", scriptFrom+" allows 'unsafe-eval'", "remove 'unsafe-eval'; avoid eval() and new Function()")
	}
	if https && passive.anyPrefix("http:", "ftp:") {
		set("csp-implemented-with-insecure-scheme-in-passive-content-only", "allows images or media over plain HTTP", "load images and media over https only")
	}
	if style.any(cspBroadInline) {
		set("csp-implemented-with-unsafe-inline-in-style-src-only", styleFrom+" allows "+cspWhich(style, cspBroadInline)+" (styles only)",
			"for a bonus, remove 'unsafe-inline' from style-src (use a nonce or hash)")
	}
	if d, ok := p.d["default-src"]; ok && len(d) == 1 && d["'none'"] {
		set("csp-implemented-with-no-unsafe-default-src-none", "default-src 'none' and no unsafe sources", "")
	}
	set("csp-implemented-with-no-unsafe", "no unsafe sources", "for a bigger bonus, start from default-src 'none' and allow each type of content explicitly")
	switch rule {
	case "csp-implemented-with-no-unsafe", "csp-implemented-with-no-unsafe-default-src-none",
		"csp-implemented-with-unsafe-inline-in-style-src-only", "csp-implemented-with-insecure-scheme-in-passive-content-only":
		if p.dupReports {
			rule, why, fix = "csp-implemented-but-duplicate-directives", why+", but report-uri or report-to appears twice", "send report-uri and report-to once each"
		}
	}
	return rule, why, fix
}

// cspBaseline adds the ASVS 5.0 V3.4.3 and V3.4.7 findings the score does
// not carry.
func (s *grading) cspBaseline(p obsPolicy) {
	const test, name = "content-security-policy", "Content-Security-Policy"
	if s.g.Level < 2 {
		return
	}
	if obj := p.get("object-src", "default-src"); !(len(obj) == 1 && obj["'none'"]) {
		s.base(Finding{Test: test, Header: name, Rule: "asvs-csp-object-src-none", Fail: true,
			Text: "object-src is " + obj.list() + ", not 'none' (OWASP ASVS 5.0 V3.4.3)", Fix: "add object-src 'none'"})
	}
	if b, ok := p.d["base-uri"]; !ok || b.any(cspBroadInline) {
		s.base(Finding{Test: test, Header: name, Rule: "asvs-csp-base-uri", Fail: true,
			Text: "base-uri is not restricted, so an injected <base> can redirect relative scripts (OWASP ASVS 5.0 V3.4.3)", Fix: "add base-uri 'none' (or 'self')"})
	}
	if s.g.Level < 3 {
		return
	}
	if !p.get("script-src", "default-src").anyPrefix(cspNonceHash...) {
		s.base(Finding{Test: test, Header: name, Rule: "asvs-csp-nonce-or-hash", Fail: true,
			Text: "script-src has no nonce or hash (OWASP ASVS 5.0 V3.4.3, level 3)", Fix: "allow scripts with a per-response 'nonce-…' or a 'sha256-…' hash"})
	}
	if _, uri := p.d["report-uri"]; !uri {
		if _, to := p.d["report-to"]; !to {
			s.base(Finding{Test: test, Header: name, Rule: "asvs-csp-report", Fail: true,
				Text: "no report-uri or report-to: violations are never reported (OWASP ASVS 5.0 V3.4.7)", Fix: "add report-to (with a Reporting-Endpoints header) or report-uri"})
		}
	}
}

// cspFrom names the directive a fallback chain reads, or "no directive".
func cspFrom(p obsPolicy, names ...string) string {
	for _, n := range names {
		if _, ok := p.d[n]; ok {
			return n
		}
	}
	return "no " + names[0] + " or default-src"
}

func cspFromOr(p obsPolicy, a, b string) string {
	if _, ok := p.d[a]; ok {
		return a
	}
	return b
}

// cspWhich lists the sources of sl that are in bad, sorted.
func cspWhich(sl, bad sources) string {
	found := sources{}
	for k := range sl {
		if bad[k] {
			found[k] = true
		}
	}
	return found.list()
}

func keys(s sources) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	return out
}
