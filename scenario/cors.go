package scenario

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

// CORS checks that cross-origin resource sharing trusts only the origins
// the application declares (OWASP ASVS 5.0 V3.4.2: Access-Control-Allow-
// Origin is a fixed value or checked against an allowlist; the Fetch
// standard's CORS protocol). For each of Paths it sends, by default:
//
//   - requests from origins that must not be trusted: an arbitrary site
//     (https://evil.example), "null" (sandboxed frames, data: URLs), and,
//     for each allowed origin, the look-alikes a sloppy match accepts — a
//     prefix (https://evil-app.example), a suffix
//     (https://app.example.evil.example), the host as a label of another
//     (https://app.example-evil.example) and its plain-HTTP twin. None may
//     be echoed in Access-Control-Allow-Origin, and "*" must never come
//     with Access-Control-Allow-Credentials: true;
//   - a request from each of Allowed, which must be echoed (so the
//     declaration is true);
//   - a preflight (OPTIONS with Access-Control-Request-Method and
//     -Headers) from an allowed origin for a method outside Methods and a
//     header outside Headers, which must not be allowed, and one from an
//     untrusted origin, which must not be allowed at all.
//
// Without Allowed the application is expected to trust no other origin;
// the look-alike probes are then built on the target's own host.
//
// It covers preset.CORS. CORS only reads the target; it is safe in
// parallel tests.
//
// Not proven without its field: no probe of CORS needs one; every probe runs
// by default.
type CORS struct {
	production

	// Target is the application. Required.
	Target Target
	// Paths are the paths checked. Default "/".
	Paths []string
	// Allowed are the origins the application trusts, such as
	// "https://app.example". Optional.
	Allowed []string
	// Methods are the methods a preflight may allow. Default GET, HEAD
	// and POST.
	Methods []string
	// Headers are the request headers a preflight may allow. Default
	// none beyond the CORS-safelisted ones.
	Headers []string
	// Preset is the preset this check's thresholds come from (it has
	// none yet); see [RateLimit.Preset].
	Preset preset.Preset
}

// Title returns "cross-origin requests are trusted only from declared origins".
func (CORS) Title() string { return "cross-origin requests are trusted only from declared origins" }

// Covers returns preset.CORS.
func (CORS) Covers() []preset.ID { return []preset.ID{preset.CORS} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x CORS) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s.
func (x CORS) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// corsRun is one run of CORS.
type corsRun struct {
	x       CORS
	r       reporter
	c       *client
	paths   []string
	methods []string
	allowed []*url.URL
}

func (x CORS) exec(r reporter) {
	run := &corsRun{x: x, r: r}
	r.step("Given", fmt.Sprintf("the application trusts %s", corsList(x.Allowed, "no other origin")), run.open)
	if r.failed() {
		return
	}
	r.step("When", "untrusted and look-alike origins send requests", func() {
		for _, p := range run.paths {
			for _, o := range run.untrusted() {
				run.simple(p, o, false)
			}
		}
	})
	if len(run.allowed) > 0 {
		r.step("And", "the allowed origins send requests", func() {
			for _, p := range run.paths {
				for _, o := range x.Allowed {
					run.simple(p, o, true)
				}
			}
		})
	}
	r.step("Then", fmt.Sprintf("preflights allow only %s and %s", strings.Join(run.methods, ", "), corsList(x.Headers, "no extra header")), func() {
		for _, p := range run.paths {
			run.preflights(p)
		}
	})
}

func corsList(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, ", ")
}

func (run *corsRun) open() {
	x, r := run.x, run.r
	run.paths = x.Paths
	if len(run.paths) == 0 {
		run.paths = []string{"/"}
	}
	for _, p := range run.paths {
		if !strings.HasPrefix(p, "/") {
			r.errorf("CORS.Paths has %q: want paths starting with /", p)
		}
	}
	for _, o := range x.Allowed {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			r.errorf("CORS.Allowed has %q: want an origin such as https://app.example (scheme and host, no path)", o)
			continue
		}
		run.allowed = append(run.allowed, u)
	}
	run.methods = x.Methods
	if len(run.methods) == 0 {
		run.methods = []string{http.MethodGet, http.MethodHead, http.MethodPost}
	}
	c := connect(r, x.Target)
	if c == nil {
		return
	}
	run.c = c
	if len(run.allowed) == 0 {
		base := c.Base()
		r.logf("no Allowed origins: the look-alikes are built on the application's own host %s", base.Host)
	}
}

// untrusted returns the origins that must not be trusted.
func (run *corsRun) untrusted() []string {
	out := []string{"https://evil.example", "null"}
	bases := run.allowed
	if len(bases) == 0 {
		bases = []*url.URL{run.c.Base()}
	}
	for _, u := range bases {
		out = append(out, corsLookAlikes(u)...)
	}
	return slices.Compact(out)
}

// corsLookAlikes are the origins a sloppy match of u accepts: prefix and
// suffix matches, the host inside another label, and the plain-HTTP twin
// of an HTTPS origin.
func corsLookAlikes(u *url.URL) []string {
	host := u.Host
	out := []string{
		u.Scheme + "://evil-" + host,
		u.Scheme + "://" + host + ".evil.example",
		u.Scheme + "://" + strings.Replace(host, ".", "-", 1) + ".evil.example",
	}
	if u.Scheme == "https" {
		out = append(out, "http://"+host)
	}
	return out
}

// simple sends GET path from origin and judges the CORS answer.
func (run *corsRun) simple(path, origin string, trusted bool) {
	r := run.r
	resp, err := run.c.do(r.context(), Request{Method: http.MethodGet, Path: path, Header: http.Header{"Origin": {origin}, "Cookie": {"session=jetty-cors-probe"}}})
	if err != nil {
		r.errorf("GET %s from %s: %v", path, origin, err)
		return
	}
	if resp.Dropped {
		r.errorf("GET %s from %s = %s", path, origin, resp)
		return
	}
	if p := corsProblem(resp.Header, origin, trusted); p != "" {
		r.errorf("GET %s from Origin %s: %s", path, origin, p)
		return
	}
	r.logf("GET %s from Origin %s: Access-Control-Allow-Origin %q", path, origin, resp.Header.Get("Access-Control-Allow-Origin"))
}

// corsProblem judges a response's CORS headers for a request from origin,
// which the application trusts or not; "" when right.
func corsProblem(h http.Header, origin string, trusted bool) string {
	acao := strings.TrimSpace(h.Get("Access-Control-Allow-Origin"))
	creds := strings.EqualFold(strings.TrimSpace(h.Get("Access-Control-Allow-Credentials")), "true")
	switch {
	case len(h.Values("Access-Control-Allow-Origin")) > 1:
		return fmt.Sprintf("%d Access-Control-Allow-Origin headers: browsers refuse them all; send one", len(h.Values("Access-Control-Allow-Origin")))
	case acao == "*" && creds:
		return "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true: never combine them; echo only allowlisted origins"
	case !trusted && acao == origin:
		cred := ""
		if creds {
			cred = " with credentials, so any page of that site can read a signed-in user's data"
		}
		return fmt.Sprintf("Access-Control-Allow-Origin echoes the untrusted origin %s%s: compare the Origin with an allowlist of exact origins (scheme, host and port), never by prefix, suffix or substring, and never trust \"null\"", origin, cred)
	case trusted && acao != origin && acao != "*":
		return fmt.Sprintf("Access-Control-Allow-Origin is %q, want %s: the origin is declared in Allowed but not trusted; fix Allowed or the allowlist", acao, origin)
	case trusted && acao == origin && !corsVaries(h):
		return "the allowed origin is echoed without \"Vary: Origin\": a cache may serve one origin's answer to another; add Vary: Origin"
	}
	return ""
}

func corsVaries(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, "Origin") {
				return true
			}
		}
	}
	return false
}

// preflights checks the preflight answers of path.
func (run *corsRun) preflights(path string) {
	method := corsUndeclared([]string{http.MethodDelete, http.MethodPut, http.MethodPatch}, run.methods)
	header := "X-Jetty-Undeclared"
	if len(run.allowed) > 0 {
		origin := run.x.Allowed[0]
		h := run.preflight(path, origin, method, header)
		if h != nil {
			if p := corsPreflightProblem(h, method, header, run.methods, run.x.Headers); p != "" {
				run.r.errorf("OPTIONS %s from %s asking for %s and %s: %s", path, origin, method, header, p)
			}
		}
	}
	h := run.preflight(path, "https://evil.example", http.MethodPost, header)
	if h != nil && strings.TrimSpace(h.Get("Access-Control-Allow-Origin")) == "https://evil.example" {
		run.r.errorf("OPTIONS %s from https://evil.example: the preflight allows an untrusted origin: answer preflights only for allowlisted origins", path)
	}
}

// corsUndeclared returns the first of candidates not in declared, or "".
func corsUndeclared(candidates, declared []string) string {
	for _, m := range candidates {
		if !slices.ContainsFunc(declared, func(d string) bool { return strings.EqualFold(d, m) }) {
			return m
		}
	}
	return "PROPFIND"
}

func (run *corsRun) preflight(path, origin, method, header string) http.Header {
	r := run.r
	resp, err := run.c.do(r.context(), Request{Method: http.MethodOptions, Path: path, Header: http.Header{
		"Origin": {origin}, "Access-Control-Request-Method": {method}, "Access-Control-Request-Headers": {strings.ToLower(header)},
	}})
	switch {
	case err != nil:
		r.errorf("OPTIONS %s from %s: %v", path, origin, err)
		return nil
	case resp.Dropped:
		r.errorf("OPTIONS %s from %s = %s", path, origin, resp)
		return nil
	}
	r.logf("OPTIONS %s from %s asking for %s = %d, Allow-Methods %q, Allow-Headers %q", path, origin, method, resp.Status, resp.Header.Get("Access-Control-Allow-Methods"), resp.Header.Get("Access-Control-Allow-Headers"))
	return resp.Header
}

// corsPreflightProblem judges a preflight that asked for an undeclared
// method and header: neither may be allowed.
func corsPreflightProblem(h http.Header, method, header string, methods, headers []string) string {
	if strings.TrimSpace(h.Get("Access-Control-Allow-Origin")) == "" {
		return ""
	}
	var bad []string
	creds := strings.EqualFold(strings.TrimSpace(h.Get("Access-Control-Allow-Credentials")), "true")
	allowM := corsTokens(h.Values("Access-Control-Allow-Methods"))
	if allowM[strings.ToLower(method)] || (allowM["*"] && !creds) {
		bad = append(bad, fmt.Sprintf("method %s (Access-Control-Allow-Methods: %s)", method, h.Get("Access-Control-Allow-Methods")))
	}
	allowH := corsTokens(h.Values("Access-Control-Allow-Headers"))
	if allowH[strings.ToLower(header)] || (allowH["*"] && !creds) {
		bad = append(bad, fmt.Sprintf("header %s (Access-Control-Allow-Headers: %s)", header, h.Get("Access-Control-Allow-Headers")))
	}
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("it allows %s, which is not declared: allow only %s and %s, never echo Access-Control-Request-Method/-Headers back", strings.Join(bad, " and "), strings.Join(methods, ", "), corsList(headers, "the safelisted headers"))
}

// corsTokens reads comma-separated header values as lower-case tokens.
func corsTokens(vals []string) map[string]bool {
	out := map[string]bool{}
	for _, v := range vals {
		for tok := range strings.SplitSeq(v, ",") {
			if tok = strings.ToLower(strings.TrimSpace(tok)); tok != "" {
				out[tok] = true
			}
		}
	}
	return out
}
