package scenario

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Caching checks the HTTP caching headers (RFC 9111 HTTP Caching; RFC 9110
// §8.8 validators and §13 conditional requests) of two kinds of response.
//
// Public resources (static files, public pages) must be cacheable and
// revalidable: a 200 carrying Cache-Control with max-age > 0, public or
// immutable (and no no-store), and a validator, an ETag (quoted, as RFC
// 9110 §8.8.3 requires) or a Last-Modified. A conditional request sending
// the validator back (If-None-Match for an ETag, If-Modified-Since for a
// Last-Modified) must answer 304 Not Modified with no body, carrying the
// same ETag, and the Cache-Control, Expires and Vary the 200 carried (RFC
// 9110 §15.4.5). http.ServeContent does all of this when the handler sets
// Cache-Control and ETag, or passes a modification time. A public resource
// must also not be private (shared caches would never keep it), not carry
// Vary: * (RFC 9111 §4.1: it never matches), have a Last-Modified that is an
// HTTP date, and not set a cookie unless no-cache="Set-Cookie" keeps the
// cookie out of what caches store (RFC 9111 §3.1, §5.2.2.4).
//
// Private responses (personalised or authenticated, sent with their
// credentials) must never be stored by a shared cache (a CDN or proxy
// would serve one user's page to the next): a 2xx carrying Cache-Control
// with private or no-store, never public, and no s-maxage. A response
// without Cache-Control fails too: caches may then store it with
// heuristic freshness (RFC 9111 §4.2.2). When it may still be stored by the
// browser (private without no-store) and the request carried a Cookie or
// an Authorization header, Vary must name that header (or be *), or a
// browser shared by two users shows the first one's page to the second.
//
// Public and Private are each optional, but the one left empty is reported
// as not proven.
//
// Against a URL, a 304's body cannot be checked: net/http's server drops
// what a handler writes after a 304, so the body check bites in process.
//
// Caching covers no preset requirement (Covers returns nil): it is a
// performance and privacy check that you include by choice. It is a value;
// Verify and Run are safe in parallel tests when the target is not shared
// with another run that changes the resources.
//
// Not proven without its field: Caching covers no preset
// requirement: what it cannot prove (Public, Private) is logged, never
// required.
type Caching struct {
	production

	// Target is the application. Required.
	Target Target
	// Public are requests for cacheable resources, such as
	// {Path: "/static/app.js"}. Method defaults to GET; only GET and HEAD
	// are accepted. Each must answer 200.
	Public []Request
	// Private are requests for personalised or authenticated responses,
	// such as {Path: "/account", Header: http.Header{"Cookie":
	// {"session=…"}}}, with the credentials they need. Method defaults to
	// GET. Each must answer 2xx.
	//
	// At least one Public or Private request is required.
	Private []Request
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "public responses are cacheable and revalidate, private ones are never shared".
func (Caching) Title() string {
	return "public responses are cacheable and revalidate, private ones are never shared"
}

// Covers returns nil: Caching is a check included by choice, not a preset
// requirement.
func (Caching) Covers() []preset.ID { return nil }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Caching) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s.
func (x Caching) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// cacheRun is one run of Caching.
type cacheRun struct {
	x    Caching
	r    reporter
	c    *client
	pub  []Request
	priv []Request
}

func (x Caching) exec(r reporter) {
	u := &cacheRun{x: x, r: r}
	for _, q := range x.Public {
		u.pub = append(u.pub, q.orDefault(Request{Method: http.MethodGet, Path: "/"}))
	}
	for _, q := range x.Private {
		u.priv = append(u.priv, q.orDefault(Request{Method: http.MethodGet, Path: "/"}))
	}
	r.step("Given", fmt.Sprintf("%d public and %d private request(s)", len(u.pub), len(u.priv)), u.given)
	if r.failed() {
		return
	}
	for _, q := range u.pub {
		u.public(q)
	}
	for _, q := range u.priv {
		u.private(q)
	}
	switch {
	case len(u.pub) == 0:
		r.notProven(need{"", "Caching.Public"}, "no public resource was checked for caching and revalidation; set Public, e.g. []scenario.Request{{Path: \"/static/app.js\"}}")
	case len(u.priv) == 0:
		r.notProven(need{"", "Caching.Private"}, "no personalised response was checked for shared caching; set Private, e.g. []scenario.Request{{Path: \"/account\", Header: http.Header{\"Cookie\": {\"session=…\"}}}}")
	}
}

func (u *cacheRun) given() {
	r := u.r
	if len(u.pub)+len(u.priv) == 0 {
		r.errorf("no Public and no Private requests: list cacheable resources in Public (e.g. {Path: \"/static/app.js\"}) and personalised ones in Private, with their credentials")
	}
	for i, q := range u.pub {
		if !strings.HasPrefix(q.Path, "/") {
			r.errorf("Public[%d].Path = %q: want a path starting with /, such as /static/app.js", i, q.Path)
		}
		if q.Method != http.MethodGet && q.Method != http.MethodHead {
			r.errorf("Public[%d].Method = %q: only GET and HEAD responses are cached in practice; use GET", i, q.Method)
		}
	}
	for i, q := range u.priv {
		if !strings.HasPrefix(q.Path, "/") {
			r.errorf("Private[%d].Path = %q: want a path starting with /, such as /account", i, q.Path)
		}
	}
	u.c = connect(r, u.x.Target)
}

// fetch sends q and returns the response when its status is wanted.
func (u *cacheRun) fetch(q Request, ok func(int) bool, want, fix string) *response {
	name := q.String()
	resp, err := u.c.do(u.r.context(), q.req(nil))
	if err != nil {
		u.r.errorf("%s: %v", name, err)
		return nil
	}
	u.r.logf("%s = %s, Cache-Control %q, ETag %q, Last-Modified %q, Vary %q", name, resp, cacheHeader(resp.Header, "Cache-Control"), resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"), cacheHeader(resp.Header, "Vary"))
	if resp.Dropped || !ok(resp.Status) {
		u.r.errorf("%s = %s, want %s: %s", name, resp, want, fix)
		return nil
	}
	return resp
}

// public checks one public resource.
func (u *cacheRun) public(q Request) {
	name := q.String()
	var resp *response
	u.r.step("When", name+" (public) is fetched", func() {
		resp = u.fetch(q, func(st int) bool { return st == http.StatusOK }, "200", "list in Public a resource your app serves")
	})
	if resp == nil {
		return
	}
	u.r.step("Then", "it carries Cache-Control that lets caches keep it, and a validator", func() {
		for _, p := range cachePublicProblems(name, resp.Header) {
			u.r.errorf("%s", p)
		}
	})
	if etag := resp.Header.Get("ETag"); etag != "" {
		u.conditional(q, resp.Header, "If-None-Match", etag)
	}
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		u.conditional(q, resp.Header, "If-Modified-Since", lm)
	}
}

// conditional sends q back with a validator: it must answer 304.
func (u *cacheRun) conditional(q Request, first http.Header, header, value string) {
	r, name := u.r, q.String()
	r.step("And", fmt.Sprintf("a conditional request with %s answers 304 without a body", header), func() {
		resp, err := u.c.do(r.context(), q.req(http.Header{header: {value}}))
		if err != nil {
			r.errorf("%s with %s: %v", name, header, err)
			return
		}
		r.logf("%s with %s: %s = %s (%d bytes)", name, header, value, resp, len(resp.Body))
		if resp.Dropped || resp.Status != http.StatusNotModified {
			r.errorf("%s with %s: %s = %s, want 304 Not Modified: the app ignores the validator it sent, so caches download the whole resource again; compare it and answer 304 (http.ServeContent does) (RFC 9110 §13.1)", name, header, value, resp)
			return
		}
		for _, p := range cache304Problems(name+" with "+header, first, resp.Header, resp.Body) {
			r.errorf("%s", p)
		}
	})
}

// cachePublicProblems judges a public resource's 200: every problem.
func cachePublicProblems(name string, h http.Header) []string {
	var out []string
	ccRaw := cacheHeader(h, "Cache-Control")
	cc := probe.CacheControl(h)
	maxAge, _ := cc.Seconds("max-age")
	switch {
	case ccRaw == "":
		out = append(out, fmt.Sprintf("%s has no Cache-Control: caches guess its freshness (heuristic caching, RFC 9111 §4.2.2); set Cache-Control: public, max-age=3600 (or max-age=31536000, immutable for fingerprinted assets)", name))
	case cc.Has("no-store"):
		out = append(out, fmt.Sprintf("%s has Cache-Control %q: no-store forbids caching a public resource, so every visit downloads it again; use public, max-age=3600", name, ccRaw))
	case cc.Has("private"):
		out = append(out, fmt.Sprintf("%s has Cache-Control %q: private keeps it out of shared caches (CDNs, proxies), so every user's first visit reaches the server; use public, max-age=3600 (RFC 9111 §5.2.2.7)", name, ccRaw))
	case maxAge <= 0 && !cc.Has("public") && !cc.Has("immutable"):
		out = append(out, fmt.Sprintf("%s has Cache-Control %q: no cache may keep it fresh; set max-age > 0 (e.g. public, max-age=3600)", name, ccRaw))
	}
	etag, lastMod := h.Get("ETag"), h.Get("Last-Modified")
	if etag == "" && lastMod == "" {
		out = append(out, fmt.Sprintf("%s has no validator (ETag or Last-Modified): once stale, a cache must download it again instead of revalidating it with a 304; set an ETag, or serve it with http.ServeContent and its modification time (RFC 9110 §8.8)", name))
	}
	if etag != "" && !cacheETagOK(etag) {
		out = append(out, fmt.Sprintf("%s has ETag %q: an entity tag is a quoted string, such as \"v1\" or W/\"v1\" (RFC 9110 §8.8.3); clients send it back as is and net/http's ServeContent ignores an unquoted one", name, etag))
	}
	if lastMod != "" {
		if _, err := http.ParseTime(lastMod); err != nil {
			out = append(out, fmt.Sprintf("%s has Last-Modified %q, not an HTTP date (RFC 9110 §5.6.7, e.g. %q): caches cannot revalidate with it; use http.TimeFormat", name, lastMod, cacheExampleDate))
		}
	}
	if _, all := cacheList(cacheHeader(h, "Vary"))["*"]; all {
		out = append(out, fmt.Sprintf("%s has Vary: *, which no stored response ever matches (RFC 9111 §4.1), so caches can never serve it; name the request headers it varies on, or none", name))
	}
	if len(h.Values("Set-Cookie")) > 0 && !cacheNoCacheNames(cc, "set-cookie") {
		out = append(out, fmt.Sprintf("%s is cacheable and sets a cookie: a shared cache stores the Set-Cookie with the response (RFC 9111 §3.1) and can hand one user's cookie to everyone it serves; set cookies only on uncacheable responses, or send Cache-Control: no-cache=\"Set-Cookie\" (RFC 9111 §5.2.2.4)", name))
	}
	return out
}

const cacheExampleDate = "Fri, 02 Jan 2026 03:04:05 GMT"

// cacheNoCacheNames reports whether cc's no-cache or private names field
// (no-cache="Set-Cookie" keeps that field out of a reused response).
func cacheNoCacheNames(cc probe.Directives, field string) bool {
	for _, d := range []string{"no-cache", "private"} {
		if v, ok := cc[d]; ok && v != "" {
			if _, named := cacheList(v)[field]; named {
				return true
			}
		}
	}
	return false
}

// cache304Problems judges a 304 against the 200 it stands for: no body, and
// the fields a 200 would carry that a cache updates from it (RFC 9110
// §15.4.5: Cache-Control, ETag, Expires, Vary).
func cache304Problems(what string, first, h http.Header, body []byte) []string {
	var out []string
	if len(body) > 0 {
		out = append(out, fmt.Sprintf("%s = 304 with a %d-byte body (%.40q): a 304 has no body (RFC 9110 §15.4.5); write nothing after WriteHeader(304)", what, len(body), body))
	}
	if etag := first.Get("ETag"); etag != "" && h.Get("ETag") != etag {
		out = append(out, fmt.Sprintf("%s = 304 with ETag %q, want %q: a 304 carries the validator the 200 would have (RFC 9110 §15.4.5)", what, h.Get("ETag"), etag))
	}
	for _, k := range []string{"Cache-Control", "Expires", "Vary"} {
		if v := cacheHeader(first, k); v != "" && cacheHeader(h, k) == "" {
			out = append(out, fmt.Sprintf("%s = 304 without %s: a 304 carries the %s the 200 would have (%q), or caches lose it when they update the stored response (RFC 9110 §15.4.5)", what, k, k, v))
		}
	}
	return out
}

// private checks one private response.
func (u *cacheRun) private(q Request) {
	name := q.String()
	var resp *response
	u.r.step("When", name+" (private) is fetched with its credentials", func() {
		resp = u.fetch(q, func(st int) bool { return st >= 200 && st <= 299 }, "2xx", "set Header to the credentials (Cookie, Authorization) this request needs")
	})
	if resp == nil {
		return
	}
	u.r.step("Then", "it carries Cache-Control: private or no-store, and no shared-cache directive", func() {
		for _, p := range cachePrivateProblems(name, q.Header, resp.Header) {
			u.r.errorf("%s", p)
		}
	})
}

// cachePrivateProblems judges a personalised response to a request sent
// with reqH: every problem.
func cachePrivateProblems(name string, reqH, h http.Header) []string {
	ccRaw := cacheHeader(h, "Cache-Control")
	cc := probe.CacheControl(h)
	if ccRaw == "" {
		return []string{fmt.Sprintf("%s has no Cache-Control: a cache may store this personalised response with heuristic freshness (RFC 9111 §4.2.2) and serve it to someone else; set Cache-Control: no-store (or private)", name)}
	}
	var out []string
	switch {
	case cc.Has("public"):
		out = append(out, fmt.Sprintf("%s has Cache-Control %q: public lets a shared cache (CDN, proxy) store this personalised response and serve it to other users; use no-store (or private)", name, ccRaw))
	case !cc.Has("private") && !cc.Has("no-store"):
		out = append(out, fmt.Sprintf("%s has Cache-Control %q, without private or no-store: a shared cache may store this personalised response; use no-store (or private)", name, ccRaw))
	}
	if cc.Has("s-maxage") {
		out = append(out, fmt.Sprintf("%s has Cache-Control %q: s-maxage is for shared caches, which must never store a personalised response (RFC 9111 §5.2.2.10); remove it", name, ccRaw))
	}
	if cc.Has("no-store") {
		return out
	}
	vary := cacheList(cacheHeader(h, "Vary"))
	if _, all := vary["*"]; all {
		return out
	}
	for _, k := range []string{"Cookie", "Authorization"} {
		if reqH.Get(k) == "" {
			continue
		}
		if _, ok := vary[strings.ToLower(k)]; !ok {
			out = append(out, fmt.Sprintf("%s is sent with %s and may be stored by the browser (Cache-Control %q), but Vary does not name %s: after a logout or a switch of user the browser can show the previous user's response; add Vary: %s, or use no-store", name, k, ccRaw, k, k))
		}
	}
	return out
}

// cacheHeader joins every line of header k with ", ".
func cacheHeader(h http.Header, k string) string {
	return strings.Join(h.Values(k), ", ")
}

// cacheList reads a comma-separated list of field names (Vary, or the
// argument of no-cache="…") into lower-case names.
func cacheList(s string) map[string]bool {
	m := map[string]bool{}
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			m[p] = true
		}
	}
	return m
}

// cacheETagOK reports whether e is an entity-tag: an optional W/ and a
// quoted string without inner quotes (RFC 9110 §8.8.3).
func cacheETagOK(e string) bool {
	e = strings.TrimPrefix(e, "W/")
	return len(e) >= 2 && e[0] == '"' && e[len(e)-1] == '"' && !strings.Contains(e[1:len(e)-1], `"`)
}
