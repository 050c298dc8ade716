package observatory

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// CSP is one parsed Content-Security-Policy (W3C CSP Level 3 §2.2.1) as a
// browser reads it: the directives in order, names lower-cased, sources as
// written.
type CSP struct {
	// Directives maps each directive name to its source list. The first
	// occurrence of a name wins, as in browsers.
	Directives map[string][]string
	// Order lists the directive names in the order they appear.
	Order []string
	// Duplicates lists directive names that appear more than once.
	Duplicates []string
}

// ParseCSP parses one serialized policy as a browser does: directives
// separated by ';', a directive's name (case-insensitive) and sources
// separated by ASCII whitespace. A header value holding several policies
// separated by ',' must be split first. Directives whose names are not ASCII
// letters, digits and '-' are skipped, as browsers do. It returns an error
// when the policy has no valid directive. It never panics. (The grade reads
// policies as the Observatory does, which is stricter: a repeated directive
// makes the policy invalid.)
func ParseCSP(policy string) (CSP, error) {
	c := CSP{Directives: map[string][]string{}}
	for tok := range strings.SplitSeq(policy, ";") {
		fields := strings.FieldsFunc(tok, cspIsSpace)
		if len(fields) == 0 {
			continue
		}
		name := strings.ToLower(fields[0])
		if !cspValidName(name) {
			continue
		}
		if _, dup := c.Directives[name]; dup {
			if !slices.Contains(c.Duplicates, name) {
				c.Duplicates = append(c.Duplicates, name)
			}
			continue
		}
		c.Directives[name] = fields[1:]
		c.Order = append(c.Order, name)
	}
	if len(c.Order) == 0 {
		return c, errors.New("no valid directive (want e.g. \"default-src 'self'\")")
	}
	return c, nil
}

func cspIsSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}

func cspValidName(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return s != ""
}

// Sources returns the sources governing directive, falling back to
// default-src for fetch directives (script-src, style-src, img-src, …) as
// browsers do; ok is false when neither is set.
func (c CSP) Sources(directive string) (src []string, from string, ok bool) {
	directive = strings.ToLower(directive)
	if s, ok := c.Directives[directive]; ok {
		return s, directive, true
	}
	if strings.HasSuffix(directive, "-src") {
		if s, ok := c.Directives["default-src"]; ok {
			return s, "default-src", true
		}
	}
	return nil, "", false
}

// sources is a set of lower-cased CSP sources.
type sources map[string]bool

func (s sources) any(set sources) bool {
	for k := range s {
		if set[k] {
			return true
		}
	}
	return false
}

func (s sources) anyPrefix(prefixes ...string) bool {
	for k := range s {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				return true
			}
		}
	}
	return false
}

func (s sources) list() string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

var (
	cspBroad       = sources{"ftp:": true, "http:": true, "https:": true, "*": true, "http://*": true, "http://*.*": true, "https://*": true, "https://*.*": true}
	cspBroadInline = sources{"ftp:": true, "http:": true, "https:": true, "*": true, "http://*": true, "http://*.*": true, "https://*": true, "https://*.*": true, "'unsafe-inline'": true, "data:": true}
	cspNonceHash   = []string{"'sha256-", "'sha384-", "'sha512-", "'nonce-"}
)

// cspSplit splits header values into policies at commas (RFC 9110 §5.3;
// CSP3 §2.2 keeps commas out of directive values).
func cspSplit(values []string) []string {
	var out []string
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return out
}

// cspEntry is one source of one policy while policies are merged.
type cspEntry struct {
	src  string
	idx  int
	keep bool
}

// obsPolicy is the Observatory's reading of every policy a response sent,
// merged: a source counts only when every policy that sets the directive
// allows it.
type obsPolicy struct {
	d map[string]sources
	// dupReports is set when report-uri or report-to repeats in a policy.
	dupReports bool
}

// parseObservatory reads policies as the Observatory's parseCsp does: a
// policy shorter than 6 characters, or a directive repeated in one policy
// (other than report-uri and report-to), makes the whole header invalid.
func parseObservatory(list []string) (obsPolicy, error) {
	p := obsPolicy{d: map[string]sources{}}
	merged := map[string][]*cspEntry{}
	for i := range list {
		list[i] = strings.TrimSpace(strings.NewReplacer("\r", "", "\n", "").Replace(list[i]))
		if len(list[i]) < len("img-src")-1 {
			return p, fmt.Errorf("policy %q is too short to hold a directive", probe.Clip(list[i], 40))
		}
	}
	for pi, policy := range list {
		seen := map[string]bool{}
		for entry := range strings.SplitSeq(policy, ";") {
			fields := strings.Fields(entry)
			if len(fields) == 0 {
				continue
			}
			d := strings.ToLower(fields[0])
			if seen[d] {
				if d != "report-uri" && d != "report-to" {
					return p, fmt.Errorf("directive %s appears twice in one policy", d)
				}
				p.dupReports = true
			}
			seen[d] = true
			var err error
			if merged[d], err = cspMerge(merged[d], d, fields[1:], pi); err != nil {
				return p, err
			}
			if pi == 0 && len(list) > 1 {
				for _, e := range merged[d] {
					e.keep = false
				}
			}
		}
	}
	for d, es := range merged {
		set := sources{}
		for _, e := range es {
			set[e.src] = true
		}
		if len(set) == 0 {
			set["'none'"] = true
		}
		p.d[d] = set
	}
	return p, nil
}

// cspMerge adds the sources of directive d from policy pi to the entries
// kept so far, as the Observatory does: in one policy a source that extends
// another is superfluous; across policies a source is kept only when the
// previous policy allowed it too.
func cspMerge(prev []*cspEntry, d string, vals []string, pi int) ([]*cspEntry, error) {
	var combined []*cspEntry
	if pi > 0 {
		combined = append(combined, prev...)
	}
	for _, v := range vals {
		combined = append(combined, &cspEntry{src: strings.ToLower(v), idx: pi, keep: pi == 0})
	}
	if len(vals) == 0 && strings.HasSuffix(d, "-src") {
		combined = append(combined, &cspEntry{src: "'none'", idx: pi, keep: pi == 0})
	}
	slices.SortStableFunc(combined, func(a, b *cspEntry) int { return strings.Compare(a.src, b.src) })
	for i := 1; i < len(combined); i++ {
		e, before := combined[i], combined[i-1]
		if e.idx == before.idx && strings.HasPrefix(e.src, before.src) {
			e.keep = false
		}
		if e.idx != before.idx {
			m, err := cspPathMatch(before.src, e.src)
			if err != nil {
				return nil, err
			}
			if m {
				e.keep = true
			}
		}
	}
	return slices.DeleteFunc(combined, func(e *cspEntry) bool { return !e.keep }), nil
}

// cspPathMatch is the Observatory's pathPartMatch.
func cspPathMatch(a, b string) (bool, error) {
	if a == "" || a == "/" && b == "" {
		return true, nil
	}
	exact := !strings.HasSuffix(a, "/")
	pa, pb := strings.Split(a, "/"), strings.Split(b, "/")
	if len(pa) > len(pb) || exact && len(pa) != len(pb) {
		return false, nil
	}
	if !exact {
		pa = pa[:len(pa)-1]
	}
	for i := range pa {
		x, err1 := url.PathUnescape(pa[i])
		y, err2 := url.PathUnescape(pb[i])
		if err1 != nil || err2 != nil {
			return false, errors.New("a source has a malformed %-escape")
		}
		if x != y {
			return false, nil
		}
	}
	return true, nil
}

// get returns a directive's sources, falling back to the others in turn,
// else to "*" (anything). The set is the policy's own, as in the
// Observatory: removing a source from script-src that falls back to
// default-src removes it from default-src.
func (p obsPolicy) get(names ...string) sources {
	for _, n := range names {
		if s, ok := p.d[n]; ok {
			return s
		}
	}
	return sources{"*": true}
}
