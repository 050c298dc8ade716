package scenario

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
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
// same ETag and Cache-Control. http.ServeContent does all of this when the
// handler sets Cache-Control and ETag, or passes a modification time.
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
// Against a URL, a 304's body cannot be checked: net/http's server drops
// what a handler writes after a 304, so the body check bites in process.
//
// Caching covers no preset requirement (Covers returns nil): it is a
// performance and privacy check that you include by choice. It is a value;
// Verify and Run are safe in parallel tests when the target is not shared
// with another run that changes the resources.
type Caching struct {
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

var _ jetty.Scenario = Caching{}

// Mode returns jetty.Production.
func (Caching) Mode() jetty.Mode { return jetty.Production }

// Title returns "public responses are cacheable and revalidate, private ones are never shared".
func (Caching) Title() string {
	return "public responses are cacheable and revalidate, private ones are never shared"
}

// Covers returns nil: Caching is a check included by choice, not a preset
// requirement.
func (Caching) Covers() []preset.ID { return nil }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Caching) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x Caching) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

func (x Caching) exec(r reporter) {
	var c *client
	pub := make([]Request, len(x.Public))
	for i, q := range x.Public {
		pub[i] = q.orDefault(Request{Method: http.MethodGet, Path: "/"})
	}
	priv := make([]Request, len(x.Private))
	for i, q := range x.Private {
		priv[i] = q.orDefault(Request{Method: http.MethodGet, Path: "/"})
	}
	r.step("Given", fmt.Sprintf("%d public and %d private request(s)", len(pub), len(priv)), func() {
		if len(pub)+len(priv) == 0 {
			r.errorf("no Public and no Private requests: list cacheable resources in Public (e.g. {Path: \"/static/app.js\"}) and personalised ones in Private, with their credentials")
		}
		for i, q := range pub {
			if !strings.HasPrefix(q.Path, "/") {
				r.errorf("Public[%d].Path = %q: want a path starting with /, such as /static/app.js", i, q.Path)
			}
			if q.Method != http.MethodGet && q.Method != http.MethodHead {
				r.errorf("Public[%d].Method = %q: only GET and HEAD responses are cached in practice; use GET", i, q.Method)
			}
		}
		for i, q := range priv {
			if !strings.HasPrefix(q.Path, "/") {
				r.errorf("Private[%d].Path = %q: want a path starting with /, such as /account", i, q.Path)
			}
		}
		if r.failed() {
			return
		}
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
		}
	})
	if r.failed() {
		return
	}
	for _, q := range pub {
		cachePublic(r, c, q)
	}
	for _, q := range priv {
		cachePrivate(r, c, q)
	}
}

// cachePublic checks one public resource.
func cachePublic(r reporter, c *client, q Request) {
	ctx := r.context()
	name := q.String()
	var resp *response
	r.step("When", name+" (public) is fetched", func() {
		var err error
		if resp, err = c.do(ctx, q.req(nil)); err != nil {
			r.errorf("%s: %v", name, err)
			resp = nil
			return
		}
		r.logf("%s = %s, Cache-Control %q, ETag %q, Last-Modified %q", name, resp, resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"))
		if resp.Dropped || resp.Status != http.StatusOK {
			r.errorf("%s = %s, want 200: list in Public a resource your app serves", name, resp)
			resp = nil
		}
	})
	if resp == nil {
		return
	}
	ccRaw := cacheHeader(resp.Header, "Cache-Control")
	cc := cacheDirectives(ccRaw)
	etag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	r.step("Then", "it carries Cache-Control that lets caches keep it, and a validator", func() {
		_, noStore := cc["no-store"]
		_, public := cc["public"]
		_, immutable := cc["immutable"]
		switch {
		case ccRaw == "":
			r.errorf("%s has no Cache-Control: caches guess its freshness (heuristic caching, RFC 9111 §4.2.2); set Cache-Control: public, max-age=3600 (or max-age=31536000, immutable for fingerprinted assets)", name)
		case noStore:
			r.errorf("%s has Cache-Control %q: no-store forbids caching a public resource, so every visit downloads it again; use public, max-age=3600", name, ccRaw)
		case cacheSeconds(cc, "max-age") <= 0 && !public && !immutable:
			r.errorf("%s has Cache-Control %q: no cache may keep it fresh; set max-age > 0 (e.g. public, max-age=3600)", name, ccRaw)
		}
		if etag == "" && lastMod == "" {
			r.errorf("%s has no validator (ETag or Last-Modified): once stale, a cache must download it again instead of revalidating it with a 304; set an ETag, or serve it with http.ServeContent and its modification time (RFC 9110 §8.8)", name)
		}
		if etag != "" && !cacheETagOK(etag) {
			r.errorf("%s has ETag %q: an entity tag is a quoted string, such as \"v1\" or W/\"v1\" (RFC 9110 §8.8.3); clients send it back as is and net/http's ServeContent ignores an unquoted one", name, etag)
		}
	})
	cond := func(header, value string) {
		r.step("And", fmt.Sprintf("a conditional request with %s answers 304 without a body", header), func() {
			resp2, err := c.do(ctx, q.req(http.Header{header: {value}}))
			if err != nil {
				r.errorf("%s with %s: %v", name, header, err)
				return
			}
			r.logf("%s with %s: %s = %s (%d bytes)", name, header, value, resp2, len(resp2.Body))
			if resp2.Dropped || resp2.Status != http.StatusNotModified {
				r.errorf("%s with %s: %s = %s, want 304 Not Modified: the app ignores the validator it sent, so caches download the whole resource again; compare it and answer 304 (http.ServeContent does) (RFC 9110 §13.1)", name, header, value, resp2)
				return
			}
			if len(resp2.Body) > 0 {
				r.errorf("%s with %s = 304 with a %d-byte body (%.40q): a 304 has no body (RFC 9110 §15.4.5); write nothing after WriteHeader(304)", name, header, len(resp2.Body), resp2.Body)
			}
			if etag != "" && resp2.Header.Get("ETag") != etag {
				r.errorf("%s with %s = 304 with ETag %q, want %q: a 304 carries the validator the 200 would have (RFC 9110 §15.4.5)", name, header, resp2.Header.Get("ETag"), etag)
			}
			if ccRaw != "" && cacheHeader(resp2.Header, "Cache-Control") == "" {
				r.errorf("%s with %s = 304 without Cache-Control: a 304 carries the Cache-Control the 200 would have (%q), or caches lose its freshness (RFC 9110 §15.4.5)", name, header, ccRaw)
			}
		})
	}
	if etag != "" {
		cond("If-None-Match", etag)
	}
	if lastMod != "" {
		cond("If-Modified-Since", lastMod)
	}
}

// cachePrivate checks one private response.
func cachePrivate(r reporter, c *client, q Request) {
	ctx := r.context()
	name := q.String()
	var resp *response
	r.step("When", name+" (private) is fetched with its credentials", func() {
		var err error
		if resp, err = c.do(ctx, q.req(nil)); err != nil {
			r.errorf("%s: %v", name, err)
			resp = nil
			return
		}
		r.logf("%s = %s, Cache-Control %q, Vary %q", name, resp, resp.Header.Get("Cache-Control"), cacheHeader(resp.Header, "Vary"))
		if resp.Dropped || resp.Status < 200 || resp.Status > 299 {
			r.errorf("%s = %s, want 2xx: set Header to the credentials (Cookie, Authorization) this request needs", name, resp)
			resp = nil
		}
	})
	if resp == nil {
		return
	}
	r.step("Then", "it carries Cache-Control: private or no-store, and no shared-cache directive", func() {
		ccRaw := cacheHeader(resp.Header, "Cache-Control")
		cc := cacheDirectives(ccRaw)
		_, noStore := cc["no-store"]
		_, private := cc["private"]
		_, public := cc["public"]
		_, sMaxAge := cc["s-maxage"]
		switch {
		case ccRaw == "":
			r.errorf("%s has no Cache-Control: a cache may store this personalised response with heuristic freshness (RFC 9111 §4.2.2) and serve it to someone else; set Cache-Control: no-store (or private)", name)
			return
		case public:
			r.errorf("%s has Cache-Control %q: public lets a shared cache (CDN, proxy) store this personalised response and serve it to other users; use no-store (or private)", name, ccRaw)
		case !private && !noStore:
			r.errorf("%s has Cache-Control %q, without private or no-store: a shared cache may store this personalised response; use no-store (or private)", name, ccRaw)
		}
		if sMaxAge {
			r.errorf("%s has Cache-Control %q: s-maxage is for shared caches, which must never store a personalised response (RFC 9111 §5.2.2.10); remove it", name, ccRaw)
		}
		if noStore {
			return
		}
		vary := cacheDirectives(cacheHeader(resp.Header, "Vary"))
		if _, all := vary["*"]; all {
			return
		}
		for _, h := range []string{"Cookie", "Authorization"} {
			if q.Header.Get(h) == "" {
				continue
			}
			if _, ok := vary[strings.ToLower(h)]; !ok {
				r.errorf("%s is sent with %s and may be stored by the browser (Cache-Control %q), but Vary does not name %s: after a logout or a switch of user the browser can show the previous user's response; add Vary: %s, or use no-store", name, h, ccRaw, h, h)
			}
		}
	})
}

// cacheHeader joins every line of header k with ", ".
func cacheHeader(h http.Header, k string) string {
	return strings.Join(h.Values(k), ", ")
}

// cacheDirectives parses a comma-separated list of directives (Cache-Control
// or Vary) into lower-case names and their values, unquoted. Commas inside
// quoted values do not split.
func cacheDirectives(s string) map[string]string {
	m := map[string]string{}
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case '\\':
			i++
		case ',':
			if !quoted {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, s[min(start, len(s)):])
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		m[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return m
}

// cacheSeconds returns the delta-seconds of directive k, or -1.
func cacheSeconds(cc map[string]string, k string) int64 {
	v, ok := cc[k]
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// cacheETagOK reports whether e is an entity-tag: an optional W/ and a
// quoted string without inner quotes (RFC 9110 §8.8.3).
func cacheETagOK(e string) bool {
	e = strings.TrimPrefix(e, "W/")
	return len(e) >= 2 && e[0] == '"' && e[len(e)-1] == '"' && !strings.Contains(e[1:len(e)-1], `"`)
}
