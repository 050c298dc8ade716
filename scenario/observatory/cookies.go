package observatory

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// cookieOrder is the Observatory's order of cookie results, best to worst:
// a cookie result replaces another only when it comes later.
var cookieOrder = []struct {
	rule  string
	delta int
}{
	{"cookies-without-secure-flag-but-protected-by-hsts", -5},
	{"cookies-without-secure-flag", -20},
	{"cookies-session-without-secure-flag-but-protected-by-hsts", -10},
	{"cookies-samesite-flag-invalid", -20},
	{"cookies-anticsrf-without-samesite-flag", -20},
	{"cookies-session-without-httponly-flag", -30},
	{"cookies-session-without-secure-flag", -40},
}

func cookieRank(rule string) int {
	return slices.IndexFunc(cookieOrder, func(c struct {
		rule  string
		delta int
	}) bool {
		return c.rule == rule
	})
}

var sessionNameParts = []string{"sess", "sid", "token", "auth", "login", "jwt", "remember"}

// isSession is Jetty's notion of a session cookie (wider than the
// Observatory's "login" or "sess").
func (g Grader) isSession(name string) bool {
	low := strings.ToLower(name)
	if slices.ContainsFunc(g.SessionCookies, func(s string) bool { return strings.EqualFold(s, name) }) {
		return true
	}
	return slices.ContainsFunc(sessionNameParts, func(p string) bool { return strings.Contains(low, p) })
}

// cookieIssue is one cookie's worst Observatory result so far.
type cookieIssue struct {
	f    Finding
	rank int
}

func (c *cookieIssue) worse(rule string, f Finding) {
	if r := cookieRank(rule); r > c.rank {
		f.Rule, f.Delta = rule, cookieOrder[r].delta
		c.f, c.rank = f, r
	}
}

func (s *grading) cookies(hsts bool) {
	const test, all = "cookies", "Cookies"
	worst := cookieIssue{rank: -1}
	missingSameSite, n := false, 0
	for _, line := range s.h.Values("Set-Cookie") {
		if cookieBadSameSite(line) {
			worst.worse("cookies-samesite-flag-invalid", Finding{Header: "Set-Cookie " + cookieName(line), Text: "cookie has an invalid SameSite attribute", Fix: "use SameSite=Lax or SameSite=Strict"})
		}
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Name == "heroku-session-affinity" {
			continue
		}
		n++
		s.observeCookie(c, hsts, &worst)
		missingSameSite = missingSameSite || cookieSameSite(c) == ""
		s.cookieBaseline(c, line)
	}
	switch {
	case worst.rank >= 0:
		f := worst.f
		f.Test = test
		s.score(f)
		s.dedupeCookie()
	case n == 0:
		s.score(Finding{Test: test, Header: all, Rule: "cookies-not-found", Text: "none set"})
	case missingSameSite:
		s.score(Finding{Test: test, Header: all, Rule: "cookies-secure-with-httponly-sessions", Text: "every cookie is Secure, session cookies HttpOnly, but not every cookie has SameSite", Fix: "for a bonus, add SameSite=Lax (or Strict) to every cookie"})
	default:
		s.score(Finding{Test: test, Header: all, Rule: "cookies-secure-with-httponly-sessions-and-samesite", Delta: 5,
			Text: "every cookie is Secure and SameSite, session cookies HttpOnly"})
	}
}

// observeCookie applies the Observatory's cookie rules to one cookie.
func (s *grading) observeCookie(c *http.Cookie, hsts bool, worst *cookieIssue) {
	low := strings.ToLower(c.Name)
	session := strings.Contains(low, "login") || strings.Contains(low, "sess")
	kind := "cookie"
	if session {
		kind = "session cookie"
	}
	name := "Set-Cookie " + c.Name
	ss := cookieSameSite(c)
	secure := Finding{Header: name, Text: kind + " lacks Secure", Fix: "add Secure so it never travels over plain HTTP"}
	if !c.Secure && ss == "none" {
		worst.worse("cookies-samesite-flag-invalid", Finding{Header: name, Text: kind + " has SameSite=None without Secure; browsers reject it", Fix: "use SameSite=Lax, or add Secure"})
	}
	switch {
	case !c.Secure && hsts:
		worst.worse("cookies-without-secure-flag-but-protected-by-hsts", secure)
	case !c.Secure:
		worst.worse("cookies-without-secure-flag", secure)
	}
	if strings.Contains(low, "csrf") && ss == "" {
		worst.worse("cookies-anticsrf-without-samesite-flag", Finding{Header: name, Text: kind + " is an anti-CSRF cookie without SameSite", Fix: "add SameSite=Strict"})
	}
	switch {
	case session && !c.Secure && hsts:
		worst.worse("cookies-session-without-secure-flag-but-protected-by-hsts", secure)
	case session && !c.Secure:
		worst.worse("cookies-session-without-secure-flag", secure)
	}
	if session && !c.HttpOnly {
		worst.worse("cookies-session-without-httponly-flag", Finding{Header: name, Text: kind + " lacks HttpOnly", Fix: "add HttpOnly so scripts cannot read it"})
	}
}

// cookieBaseline adds what OWASP ASVS 5.0 V3.3 asks of a cookie: at every
// level, a session cookie (Jetty's wider notion) Secure, HttpOnly and with a
// valid SameSite, and every cookie Secure (V3.3.1); from level 2 every
// cookie with SameSite (V3.3.2) and the __Host- prefix, or __Secure- for a
// cookie shared with other hosts (V3.3.1, V3.3.3); at level 3 name and value
// within 4096 bytes (V3.3.5).
func (s *grading) cookieBaseline(c *http.Cookie, line string) {
	name := "Set-Cookie " + c.Name
	session := s.g.isSession(c.Name)
	kind := "cookie"
	if session {
		kind = "session cookie"
	}
	add := func(rule, text, fix string) {
		s.base(Finding{Test: "cookies", Header: name, Rule: rule, Fail: true, Text: kind + " " + text, Fix: fix})
	}
	if !c.Secure {
		add("asvs-cookie-secure", "lacks Secure", "add Secure so it never travels over plain HTTP")
	}
	if session && !c.HttpOnly {
		add("asvs-session-cookie", "lacks HttpOnly", "add HttpOnly so scripts cannot read it")
	}
	switch ss := cookieSameSite(c); {
	case !session && s.g.Level < 2:
	case c.SameSite == http.SameSiteDefaultMode:
		add("asvs-cookie-samesite", "has an invalid SameSite attribute", "use SameSite=Lax or SameSite=Strict")
	case ss == "none" && !c.Secure:
		add("asvs-cookie-samesite", "has SameSite=None without Secure; browsers reject it", "use SameSite=Lax, or add Secure")
	case ss == "":
		add("asvs-cookie-samesite", "lacks SameSite", "add SameSite=Lax (or Strict) against cross-site request forgery")
	}
	if s.g.Level >= 2 {
		if p := cookiePrefixProblem(c, line); p != "" {
			add("asvs-cookie-prefix", p, "name it __Host-"+c.Name+" with Secure, Path=/ and no Domain (OWASP ASVS 5.0 V3.3.3), or __Secure- when other hosts must read it")
		}
	}
	if s.g.Level >= 3 && len(c.Name)+len(c.Value) > 4096 {
		add("asvs-cookie-size", fmt.Sprintf("is %d bytes of name and value, over 4096: browsers drop it (OWASP ASVS 5.0 V3.3.5)", len(c.Name)+len(c.Value)), "keep the cookie small; store the data server-side")
	}
}

// cookiePrefixProblem says what is wrong with a cookie's name prefix
// (RFC 6265bis §4.1.3), or "".
func cookiePrefixProblem(c *http.Cookie, line string) string {
	low := strings.ToLower(c.Name)
	hasDomain := slices.ContainsFunc(strings.Split(line, ";"), func(a string) bool {
		k, _, _ := strings.Cut(strings.TrimSpace(a), "=")
		return strings.EqualFold(strings.TrimSpace(k), "domain")
	})
	switch {
	case strings.HasPrefix(low, "__host-"):
		if !c.Secure || c.Path != "/" || hasDomain {
			return "has the __Host- prefix without Secure, Path=/ and no Domain, so browsers reject it"
		}
	case strings.HasPrefix(low, "__secure-"):
		if !c.Secure {
			return "has the __Secure- prefix without Secure, so browsers reject it"
		}
	default:
		return "has neither the __Host- nor the __Secure- prefix (OWASP ASVS 5.0 V3.3.1), so a subdomain or a plain-HTTP page can overwrite it"
	}
	return ""
}

// dedupeCookie folds a baseline finding that repeats the scored cookie
// finding into it (the scored one then fails).
func (s *grading) dedupeCookie() {
	i := slices.IndexFunc(s.fs, func(f Finding) bool { return f.Scored && f.Test == "cookies" })
	sc := &s.fs[i]
	s.fs = slices.DeleteFunc(s.fs, func(f Finding) bool {
		if !f.Scored && f.Test == "cookies" && f.Header == sc.Header && f.Text == sc.Text {
			sc.Fail = true
			return true
		}
		return false
	})
}

// cookieSameSite is the SameSite a cookie jar keeps: "strict", "lax",
// "none", or "" when missing or invalid.
func cookieSameSite(c *http.Cookie) string {
	switch c.SameSite {
	case http.SameSiteStrictMode:
		return "strict"
	case http.SameSiteLaxMode:
		return "lax"
	case http.SameSiteNoneMode:
		return "none"
	}
	return ""
}

// cookieBadSameSite reports a SameSite attribute without a value or with
// one other than Lax, Strict or None, as the Observatory reads the raw line.
func cookieBadSameSite(line string) bool {
	for p := range strings.SplitSeq(strings.TrimSpace(line), ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "samesite") {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "lax", "strict", "none":
			default:
				return true
			}
		}
	}
	return false
}

// cookieName is a Set-Cookie line's cookie name, clipped, for messages.
func cookieName(line string) string {
	n, _, _ := strings.Cut(line, "=")
	return probe.Clip(strings.Join(strings.Fields(n), ""), 40)
}
