package observatory

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// HSTS is a parsed Strict-Transport-Security header (RFC 6797 §6.1).
type HSTS struct {
	// MaxAge is the max-age directive in seconds.
	MaxAge            int64
	IncludeSubDomains bool
	Preload           bool
}

// ParseHSTS parses a Strict-Transport-Security value as RFC 6797 §6.1 has
// it: directives separated by ';', names case-insensitive, values a token or
// a quoted string. It returns an error when max-age is missing, not a number
// of seconds, or any directive appears twice. A max-age too large for int64
// is clamped. It never panics. (The grade reads the header as the
// Observatory does, which accepts more; what RFC 6797 refuses is a baseline
// finding of its own.)
func ParseHSTS(value string) (HSTS, error) {
	var h HSTS
	seen := map[string]bool{}
	for tok := range strings.SplitSeq(value, ";") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		name, val, hasVal := strings.Cut(tok, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		val = strings.TrimSpace(val)
		if seen[name] {
			return HSTS{}, fmt.Errorf("directive %s appears twice", name)
		}
		seen[name] = true
		switch name {
		case "max-age":
			if !hasVal {
				return HSTS{}, errors.New("max-age has no value")
			}
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if val == "" || strings.Trim(val, "0123456789") != "" {
				return HSTS{}, fmt.Errorf("max-age=%q is not a number of seconds", probe.Clip(val, 40))
			}
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				n = 1<<63 - 1
			}
			h.MaxAge = n
		case "includesubdomains":
			h.IncludeSubDomains = true
		case "preload":
			h.Preload = true
		}
	}
	if !seen["max-age"] {
		return HSTS{}, errors.New("no max-age directive")
	}
	return h, nil
}

// hstsObservatory reads the header as the Observatory does: the header
// sent twice (a comma) or without a "max-age=" parameter is invalid; the
// last max-age counts, read as JavaScript's parseInt reads it (leading
// digits; none is NaN, which the Observatory counts as at least six
// months). ok is false for an invalid header.
func hstsObservatory(v string) (maxAge int64, nan, ok bool) {
	v = v[:min(len(v), 1024)]
	if strings.Contains(v, ",") {
		return 0, false, false
	}
	found := false
	for p := range strings.SplitSeq(v, ";") {
		p = strings.ToLower(strings.TrimSpace(p))
		if !strings.HasPrefix(p, "max-age=") {
			continue
		}
		found = true
		maxAge, nan = jsParseInt(p[len("max-age="):min(len(p), 128)])
	}
	return maxAge, nan, found
}

// jsParseInt is JavaScript's parseInt(s, 10), saturating; nan when s has no
// leading digits.
func jsParseInt(s string) (n int64, nan bool) {
	s = strings.TrimLeft(s, " \t\n\r\f\v")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if n < (1<<62)/10 {
			n = n*10 + int64(s[i]-'0')
		}
		i++
	}
	if i == 0 {
		return 0, true
	}
	if neg {
		n = -n
	}
	return n, false
}

// hsts grades Strict-Transport-Security; pass is the Observatory's (at
// least six months), which the cookies test reads.
func (s *grading) hsts() (pass bool) {
	const test, name = "strict-transport-security", "Strict-Transport-Security"
	g := s.g
	want := fmt.Sprintf("add %q", fmt.Sprintf("Strict-Transport-Security: max-age=%d; includeSubDomains", max(int64(g.MinHSTS/time.Second), 31536000)))
	v := strings.Join(s.h.Values(name), ", ")
	add := s.score
	if v == "" {
		if g.HTTPS {
			add(Finding{Test: test, Header: name, Rule: "hsts-not-implemented", Delta: -20, Fail: true, Text: "missing", Fix: want})
		} else {
			s.base(Finding{Test: test, Header: name, Rule: "hsts-not-graded-no-https", Text: "not sent; not required over plain HTTP (set HTTPS when the application is served over HTTPS)", Fix: want})
		}
		return false
	}
	age, nan, ok := hstsObservatory(v)
	rfc, rfcErr := ParseHSTS(v)
	switch {
	case !ok:
		add(Finding{Test: test, Header: name, Rule: "hsts-header-invalid", Delta: -20, Fail: true,
			Text: fmt.Sprintf("%q is invalid: %s", probe.Clip(v, 80), hstsWhy(v, rfcErr)), Fix: want})
		return false
	case !nan && age < int64(hstsFloor/time.Second):
		add(Finding{Test: test, Header: name, Rule: "hsts-implemented-max-age-less-than-six-months", Delta: -10, Fail: age < int64(g.MinHSTS/time.Second),
			Text: fmt.Sprintf("max-age=%d (%s) is below 6 months (15552000)", age, probe.Days(time.Duration(max(age, 0))*time.Second)), Fix: want})
	default:
		add(Finding{Test: test, Header: name, Rule: "hsts-implemented-max-age-at-least-six-months", Text: fmt.Sprintf("max-age=%d, at least 6 months", age)})
		pass = true
	}
	s.hstsBaseline(v, rfc, rfcErr, want, !nan && age < int64(hstsFloor/time.Second))
	return pass
}

func hstsWhy(v string, rfcErr error) string {
	if strings.Contains(v, ",") {
		return "sent more than once"
	}
	if rfcErr != nil {
		return rfcErr.Error()
	}
	return "no max-age"
}

// hstsBaseline adds what RFC 6797 and OWASP ASVS 5.0 V3.4.1 ask beyond the
// Observatory: a well-formed header, max-age of at least MinHSTS, and (level
// 2) includeSubDomains.
func (s *grading) hstsBaseline(v string, h HSTS, err error, want string, short bool) {
	const test, name = "strict-transport-security", "Strict-Transport-Security"
	min := int64(s.g.MinHSTS / time.Second)
	switch {
	case err != nil:
		s.base(Finding{Test: test, Header: name, Rule: "rfc6797-header-invalid", Fail: true,
			Text: fmt.Sprintf("%q is invalid: %v (RFC 6797 §6.1); browsers may ignore it", probe.Clip(v, 80), err), Fix: want})
		return
	case h.MaxAge < min && !short:
		s.base(Finding{Test: test, Header: name, Rule: "hsts-max-age-below-minimum", Fail: true,
			Text: fmt.Sprintf("max-age=%d (%s) is below the minimum %d (%s)", h.MaxAge, probe.Days(time.Duration(h.MaxAge)*time.Second), min, probe.Days(s.g.MinHSTS)), Fix: want})
	}
	if s.g.Level >= 2 && !h.IncludeSubDomains {
		s.base(Finding{Test: test, Header: name, Rule: "asvs-hsts-include-subdomains", Fail: true,
			Text: "lacks includeSubDomains (OWASP ASVS 5.0 V3.4.1, level 2)", Fix: want})
	}
}
