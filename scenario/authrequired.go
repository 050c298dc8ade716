package scenario

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// AuthRequired checks that protected routes refuse everyone but the owner:
// each route listed in Routes must answer 401 or 403 (see Refused) — never
// 2xx, never 5xx, never a redirect that still serves the data — when it is
// requested
//
//   - without credentials (OWASP ASVS 5.0 V8.2.1);
//   - with another user's credentials for the owner's object: broken object
//     level authorization, BOLA or IDOR (ASVS 5.0 V8.2.2; OWASP API Security
//     Top 10 API1:2023), when the route has an Owner;
//   - with the owner's token tampered: for a JWT (RFC 7519) one bit of the
//     signature flipped, header and claims untouched, so only an app that
//     verifies the signature refuses it (ASVS 5.0 V9.1.1); for another
//     token one character changed in its middle;
//   - for a JWT, re-headed "alg": "none" without a signature (RFC 8725
//     §2.1; ASVS 5.0 V9.1.2);
//   - with the owner's token truncated (a malformed token is refused, not a
//     crash);
//   - with the owner's expired token (ASVS 5.0 V9.2.1), from Expired, or
//     from WithClaims with exp in the past;
//   - for a JWT, not valid yet (nbf in 2100), from WithClaims; and a JWT
//     without exp fails (ASVS 5.0 V9.2.1);
//   - for a JWT that declares an audience (aud) or issuer (iss), with a
//     token for another one, from WithClaims (ASVS 5.0 V9.2.3, V9.2.2).
//
// It also checks that the owner can read each route (2xx), so that a route
// that refuses everybody, or a Credentials function the app does not accept,
// does not pass vacuously.
//
// By default every probe runs that the credentials allow; what needs a field
// is reported as not proven, naming it: BOLA without Owner, expiry without
// Expired (or WithClaims), audience and issuer without WithClaims.
//
// Routes with a safe method (GET, HEAD, OPTIONS) are requested by the owner
// first, and the owner's answer is the data a refused request must not
// carry; routes with other methods are requested by the owner last, after
// every refused request, so that a DELETE does not remove the object before
// it is probed.
//
// It covers preset.AuthRequired. AuthRequired is a value; Verify and Run are
// safe in parallel tests when the target is (each run opens the target once).
//
// Not proven without its field, and required by a preset with
// preset.AuthRequired: BOLA, when no route has an Owner (a route like /me
// serves whoever asks, so one owned route is enough), and expiry (Expired or
// WithClaims) when the credentials are a JWT; an opaque session's expiry is
// the server's, which Session proves, so there it is optional, as are
// audience and issuer.
type AuthRequired struct {
	production

	// Target is the application. Required.
	Target Target
	// Routes are the protected routes to probe. Required: at least one,
	// or an Inventory.
	Routes []AuthRoute
	// Inventory is the application's route inventory (jetty.WalkRoutes,
	// jetty.Mux, OpenAPIRoutes): every route of it not declared public and
	// not listed in Routes is probed too — without credentials, with the
	// owner's token tampered and truncated — so a route nobody listed still
	// must refuse strangers. Its {name} placeholders take Values. Under a
	// Feature the check reports every route it probed (jetty.S.Touched).
	// Default: none.
	Inventory jetty.Routes
	// Values fill the placeholders of Inventory routes, by name. Default
	// "1" for each.
	Values map[string]string
	// Credentials returns the headers that authenticate user, e.g.
	// {"Authorization": {"Bearer " + token}} or {"Cookie": {"session=…"}}.
	// Required.
	Credentials func(user string) http.Header
	// OtherUser is the signed-in user who must not reach another user's
	// objects. Default "mallory".
	OtherUser string
	// Tamper returns headers whose token is altered but still looks valid.
	// Default: the token of the Authorization header (after its scheme),
	// else of the first cookie, else of the first header whose name mentions
	// a token, key, auth or session; a JWT gets its signature changed, any
	// other token one character in its middle.
	Tamper func(h http.Header) http.Header
	// Expired returns the headers of an expired token of user (e.g. a JWT
	// whose exp is in the past). Optional: without it (and without
	// WithClaims) expiry is not proven.
	Expired func(user string) http.Header
	// WithClaims returns the headers of a token of user, signed as the app
	// signs its tokens, whose claims are those of a normal token with claims
	// set over them (e.g. {"exp": …} in the past, {"aud": "other"}).
	// Optional: with it the check makes the expired, wrong-audience and
	// wrong-issuer tokens itself.
	WithClaims func(user string, claims map[string]any) http.Header
	// Refused are the statuses that count as a refusal. Default 401 and 403.
	// Add 404 if your app hides other users' objects on purpose.
	Refused []int
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// AuthRoute is one protected route.
type AuthRoute struct {
	// Method defaults to GET.
	Method string
	// Path is the path and query, such as "/notes/42". Required.
	Path string
	// Owner is the user whose object the route serves. When empty the route
	// is not user-specific: any signed-in user may use it, BOLA is not
	// proven for it (and said so), and the owner check signs in as
	// "alice".
	Owner string
	// Header is sent with every request to the route, before credentials.
	Header http.Header
	// Body is sent with every request to the route.
	Body []byte
}

// Title returns "protected routes refuse missing, wrong and tampered credentials".
func (AuthRequired) Title() string {
	return "protected routes refuse missing, wrong and tampered credentials"
}

// Covers returns preset.AuthRequired.
func (AuthRequired) Covers() []preset.ID { return []preset.ID{preset.AuthRequired} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x AuthRequired) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x AuthRequired) Run(s *jetty.S) {
	s.Helper()
	run(s, x.Preset, x.exec)
	s.Touched(x.touched()...)
}

const authDefaultOwner = "alice"

// authWrongValue is the audience and issuer no app trusts.
const authWrongValue = "https://evil.example"

// arRun is one run of AuthRequired.
type arRun struct {
	x       AuthRequired
	r       reporter
	c       *client
	refused []int
	want    string
	other   string
}

// arRoute is one route being probed.
type arRoute struct {
	rt    AuthRoute
	owner string
	name  string
	data  []byte // the owner's answer, when known
}

func (x AuthRequired) exec(r reporter) {
	u := &arRun{x: x, r: r, other: x.OtherUser}
	if u.other == "" {
		u.other = "mallory"
	}
	r.step("Given", "protected routes and the credentials of their owners", u.given)
	if r.failed() {
		return
	}
	u.want = authWant(u.refused)
	for _, rt := range x.Routes {
		u.route(rt)
	}
	for _, rt := range x.inventoryRoutes() {
		u.inventoryRoute(rt)
	}
}

func (u *arRun) given() {
	x, r := u.x, u.r
	u.c = connect(r, x.Target)
	u.refused = x.Refused
	if len(u.refused) == 0 {
		u.refused = []int{http.StatusUnauthorized, http.StatusForbidden}
	}
	for _, st := range u.refused {
		if st < 300 || st > 599 {
			r.errorf("Refused contains %d: a refusal is a 3xx, 4xx or 5xx status such as 401 or 403", st)
		}
	}
	if len(x.Routes) == 0 && len(x.Inventory.Protected()) == 0 {
		r.errorf("no Routes and no protected route in Inventory: list the protected routes, e.g. Routes: []scenario.AuthRoute{{Method: \"GET\", Path: \"/notes/42\", Owner: \"alice\"}}")
	}
	for i, rt := range x.Routes {
		if !strings.HasPrefix(rt.Path, "/") {
			r.errorf("Routes[%d].Path = %q: want a path starting with /, such as /notes/42", i, rt.Path)
		}
		if rt.Owner != "" && rt.Owner == u.other {
			r.errorf("Routes[%d].Owner and OtherUser are both %q: OtherUser must be a different user", i, u.other)
		}
	}
	if x.Credentials == nil {
		r.errorf("Credentials is nil: set it to a function returning the headers that sign a user in, e.g. func(user string) http.Header { return http.Header{\"Authorization\": {\"Bearer \" + tokenFor(user)}} }")
	}
}

// route runs every probe on one route.
func (u *arRun) route(rt AuthRoute) {
	if rt.Method == "" {
		rt.Method = http.MethodGet
	}
	a := &arRoute{rt: rt, owner: rt.Owner, name: rt.Method + " " + rt.Path}
	if a.owner == "" {
		a.owner = authDefaultOwner
	}
	safe := rt.Method == http.MethodGet || rt.Method == http.MethodHead || rt.Method == http.MethodOptions
	if safe {
		u.ownerStep(a, "Given")
	}
	u.probe(a, "When", "without credentials", nil, "require authentication on this route (ASVS 8.2.1)")
	u.bola(a)
	good := u.x.Credentials(a.owner)
	u.tampered(a, good)
	if bad := authTruncate(good.Clone()); bad != nil {
		u.probe(a, "And", fmt.Sprintf("with %s's token truncated (malformed)", a.owner), bad, "refuse a malformed token with 401")
	}
	u.expired(a, good)
	u.claims(a, good)
	if !safe {
		u.ownerStep(a, "But")
	}
}

func (u *arRun) ownerStep(a *arRoute, kw string) {
	r := u.r
	r.step(kw, fmt.Sprintf("%s as %s (the owner) succeeds", a.name, a.owner), func() {
		resp, err := u.c.do(r.context(), authReq(a.rt, u.x.Credentials(a.owner)))
		if err != nil {
			r.errorf("%s as %s: %v", a.name, a.owner, err)
			return
		}
		r.logf("%s as %s (the owner) = %s", a.name, a.owner, resp)
		if p := authOwnerProblem(a.name, a.owner, resp); p != "" {
			r.errorf("%s", p)
			return
		}
		a.data = resp.Body
	})
}

// authOwnerProblem is the problem with the owner's answer, or "".
func authOwnerProblem(name, owner string, resp *response) string {
	if resp.Dropped || resp.Status < 200 || resp.Status > 299 {
		return fmt.Sprintf("%s as %s (the owner) = %s, want 2xx: the owner gets %s: AuthRequired needs a route the owner can read, or every refusal below passes vacuously; check that the object exists and that Credentials(%q) returns headers your app accepts", name, owner, resp, resp, owner)
	}
	return ""
}

// probe sends one request that must be refused.
func (u *arRun) probe(a *arRoute, kw, as string, h http.Header, fix string) {
	r := u.r
	r.step(kw, fmt.Sprintf("%s %s is refused", a.name, as), func() {
		resp, err := u.c.do(r.context(), authReq(a.rt, h))
		if err != nil {
			r.errorf("%s %s: %v", a.name, as, err)
			return
		}
		r.logf("%s %s = %s", a.name, as, resp)
		if resp.Status >= 300 && resp.Status < 400 && !slices.Contains(u.refused, resp.Status) {
			u.x.authRedirect(r, u.c, a.rt, h, resp, a.data, a.name, as, u.want)
			return
		}
		if p := authRefusal(a.name+" "+as, resp, u.refused, u.want, a.rt.Owner != "", fix); p != "" {
			r.errorf("%s", p)
		}
	})
}

// authRefusal judges the answer to a request that must be refused: the
// problem, or "".
func authRefusal(what string, resp *response, refused []int, want string, owned bool, fix string) string {
	switch {
	case resp.Dropped:
		return fmt.Sprintf("%s = %s, want %s: the handler crashed on a bad credential; refuse it with 401 instead of panicking", what, resp, want)
	case slices.Contains(refused, resp.Status):
		return ""
	case resp.Status >= 500:
		return fmt.Sprintf("%s = %d, want %s: a missing or bad credential must be refused, not crash the handler (a 5xx also tells an attacker what the parser choked on)", what, resp.Status, want)
	case resp.Status == http.StatusNotFound && owned:
		return fmt.Sprintf("%s = 404, want %s: %s; if your app answers 404 on purpose to hide the object, set Refused: []int{401, 403, 404}", what, want, fix)
	}
	return fmt.Sprintf("%s = %d, want %s: %s", what, resp.Status, want, fix)
}

func (u *arRun) bola(a *arRoute) {
	if a.rt.Owner == "" {
		// BOLA is required once per check: when no route names an
		// owner (a route such as /me serves whoever asks).
		n := need{field: "AuthRoute.Owner"}
		if !slices.ContainsFunc(u.x.Routes, func(rt AuthRoute) bool { return rt.Owner != "" }) {
			n.id = preset.AuthRequired
		}
		u.r.notProven(n, "%s has no Owner: the check with %s's credentials (BOLA) was skipped; set Owner to the user whose object it serves", a.name, u.other)
		return
	}
	as := fmt.Sprintf("as %s (%s's object)", u.other, a.owner)
	u.probe(a, "And", as, u.x.Credentials(u.other), "check the object's owner, not just that a user is signed in (BOLA, ASVS 8.2.2; OWASP API1:2023)")
}

// tampered probes the owner's token with a changed signature (a JWT) or a
// changed character, and, for a JWT, re-headed alg none.
func (u *arRun) tampered(a *arRoute, good http.Header) {
	jwt, isJWT := authJWT(good)
	if isJWT {
		if bad, ok := authReplaceToken(good.Clone(), jwt.AlgNone()); ok {
			u.probe(a, "And", fmt.Sprintf("with %s's JWT re-headed alg none, unsigned", a.owner), bad,
				"accept only the algorithms you sign with (e.g. jwt.WithValidMethods([]string{\"HS256\"})); never alg none (RFC 8725 §2.1, ASVS 9.1.2)")
		}
	}
	if u.x.Tamper == nil && isJWT {
		if bad, ok := authReplaceToken(good.Clone(), jwt.FlipSignature()); ok {
			u.probe(a, "And", fmt.Sprintf("with %s's JWT signature changed (header and claims untouched)", a.owner), bad,
				"verify the JWT's signature with your key before trusting its claims (ASVS 9.1.1)")
		}
		return
	}
	tamper := u.x.Tamper
	if tamper == nil {
		tamper = authTamper
	}
	bad := tamper(good.Clone())
	if bad == nil || authSameHeader(bad, good) {
		u.r.step("And", fmt.Sprintf("%s with %s's token tampered is refused", a.name, a.owner), func() {
			u.r.errorf("Tamper left Credentials(%q) unchanged: the default finds a bearer token in Authorization, a cookie, or a header named like a token, key, auth or session; set Tamper to a function that alters your token", a.owner)
		})
		return
	}
	u.probe(a, "And", fmt.Sprintf("with %s's token tampered (one character changed)", a.owner), bad,
		"verify the token's signature or MAC before trusting it (ASVS 9.1.1)")
}

func (u *arRun) expired(a *arRoute, good http.Header) {
	var h http.Header
	switch {
	case u.x.Expired != nil:
		h = u.x.Expired(a.owner)
	case u.x.WithClaims != nil:
		h = u.x.WithClaims(a.owner, map[string]any{"exp": 1000000000, "iat": 999996400, "nbf": 999996400})
	default:
		// Required of a token that carries its expiry (a JWT); an opaque
		// session's expiry is the server's, which Session proves.
		n := need{field: "AuthRequired.Expired"}
		if _, isJWT := authJWT(good); isJWT {
			n.id = preset.AuthRequired
		}
		u.r.notProven(n, "%s: the expired-token check was skipped: set Expired to a function returning the headers of a user's expired token (e.g. a JWT whose exp is in the past), or WithClaims", a.name)
		return
	}
	u.probe(a, "And", fmt.Sprintf("with %s's expired token", a.owner), h, "check the token's expiry time (exp) and refuse expired tokens (ASVS 9.2.1)")
}

// claims probes a JWT's validity window and its declared audience and
// issuer with another one.
func (u *arRun) claims(a *arRoute, good http.Header) {
	jwt, ok := authJWT(good)
	if !ok {
		return
	}
	if p := authNoExpiry(a.owner, jwt); p != "" {
		u.r.step("And", fmt.Sprintf("%s's JWT has an expiry time", a.owner), func() { u.r.errorf("%s", p) })
	}
	if u.x.WithClaims != nil {
		u.probe(a, "And", fmt.Sprintf("with %s's JWT not valid before 2100 (nbf)", a.owner), u.x.WithClaims(a.owner, map[string]any{"nbf": 4102444800}),
			"check the token's not-before time (nbf) and refuse tokens not valid yet (ASVS 9.2.1)")
	}
	for _, c := range []struct{ claim, what, asvs string }{{"aud", "audience", "9.2.3"}, {"iss", "issuer", "9.2.2"}} {
		v, declared := jwt.Declared(c.claim)
		if !declared {
			continue
		}
		if u.x.WithClaims == nil {
			u.r.notProven(need{}, "%s: the owner's JWT declares %s %q, but a token for another %s was not tried; set WithClaims to a function that signs a token of a user with given claims", a.name, c.claim, v, c.what)
			continue
		}
		h := u.x.WithClaims(a.owner, map[string]any{c.claim: authWrongValue})
		u.probe(a, "And", fmt.Sprintf("with %s's JWT for another %s (%s %q)", a.owner, c.what, c.claim, authWrongValue), h,
			fmt.Sprintf("check the token's %s (%s) against your own and refuse others (ASVS %s)", c.what, c.claim, c.asvs))
	}
}

// authNoExpiry is the problem of a JWT without exp, or "".
func authNoExpiry(owner string, j probe.JWT) string {
	if _, ok := j.Claims["exp"].(float64); ok {
		return ""
	}
	return fmt.Sprintf("Credentials(%q) is a JWT without an exp claim: a stolen token never expires; issue tokens with exp (ASVS 9.2.1, RFC 7519 §4.1.4)", owner)
}

// authJWT is the JWT among the credentials, if the token is one.
func authJWT(h http.Header) (probe.JWT, bool) {
	key, lo, hi, ok := authTokenAt(h)
	if !ok {
		return probe.JWT{}, false
	}
	return probe.ParseJWT(h.Get(key)[lo:hi])
}

// authReplaceToken puts tok where the credentials' token is.
func authReplaceToken(h http.Header, tok string) (http.Header, bool) {
	key, lo, hi, ok := authTokenAt(h)
	if !ok || tok == "" {
		return nil, false
	}
	v := h.Get(key)
	h.Set(key, v[:lo]+tok+v[hi:])
	return h, true
}

// authRedirect judges a 3xx answer to a request that should be refused: it
// is a problem when the redirect's body carries the data, or when following
// it (with the same credentials) reaches a page that serves the data.
func (x AuthRequired) authRedirect(r reporter, c *client, rt AuthRoute, h http.Header, resp *response, data []byte, name, as, want string) {
	if authCarries(resp.Body, data) {
		r.errorf("%s %s = %d redirecting to %q, but its body still carries the data: return right after http.Redirect, or answer %s", name, as, resp.Status, resp.Header.Get("Location"), want)
		return
	}
	loc := resp.Header.Get("Location")
	hops := []string{loc}
	cur := resp
	for range 5 {
		if cur.Status < 300 || cur.Status > 399 {
			break
		}
		next, ok := authFollow(c, rt.Path, cur.Header.Get("Location"))
		if !ok {
			r.logf("%s %s = %d redirecting to %q, not followed (another host); answer %s for APIs", name, as, resp.Status, loc, want)
			return
		}
		var err error
		cur, err = c.do(r.context(), Request{Method: http.MethodGet, Path: next, Header: authMerge(rt.Header, h)})
		if err != nil {
			r.errorf("%s %s: following the redirect to %s: %v", name, as, next, err)
			return
		}
		hops = append(hops, next)
	}
	final := hops[len(hops)-1]
	switch {
	case cur.Dropped || cur.Status >= 500:
		r.errorf("%s %s = %d redirecting to %s, which answers %s: the page a refused user lands on must work; answer %s", name, as, resp.Status, final, cur, want)
	case cur.Status >= 200 && cur.Status < 300 && (authCarries(cur.Body, data) || pathOnly(final) == pathOnly(rt.Path)):
		r.errorf("%s %s = %d redirecting to %s, which serves the data (%d): a redirect must not lead a refused user to the object; answer %s", name, as, resp.Status, final, cur.Status, want)
	default:
		r.logf("%s %s = %d redirecting to %s (%s), which does not serve the data", name, as, resp.Status, loc, cur)
	}
}

// authFollow resolves a Location against the route's path; ok is false for
// another host.
func authFollow(c *client, from, loc string) (string, bool) {
	if loc == "" {
		return "", false
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "", false
	}
	if u.Host != "" {
		if c.base == nil || !strings.EqualFold(u.Host, c.base.Host) {
			return "", false
		}
	}
	base := &url.URL{Path: pathOnly(from)}
	ref := base.ResolveReference(&url.URL{Path: u.Path, RawQuery: u.RawQuery})
	return ref.RequestURI(), true
}

// authCarries reports whether body carries data, the owner's answer.
func authCarries(body, data []byte) bool {
	d := bytes.TrimSpace(data)
	if len(d) < 4 {
		return false
	}
	return bytes.Contains(body, d)
}

func authReq(rt AuthRoute, h http.Header) Request {
	return Request{Method: rt.Method, Path: rt.Path, Header: authMerge(rt.Header, h), Body: rt.Body}
}

func authMerge(base, creds http.Header) http.Header {
	h := base.Clone()
	if h == nil {
		h = http.Header{}
	}
	for k, vs := range creds {
		h[k] = append([]string(nil), vs...)
	}
	return h
}

func authWant(st []int) string {
	parts := make([]string, len(st))
	for i, s := range st {
		parts[i] = strconv.Itoa(s)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

func authSameHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, vs := range a {
		if !slices.Equal(vs, b[k]) {
			return false
		}
	}
	return true
}

// authTokenAt finds the token in h: the header key, the value index, and
// the byte range of the token inside that value. ok is false when none.
func authTokenAt(h http.Header) (key string, lo, hi int, ok bool) {
	if v := h.Get("Authorization"); v != "" {
		lo := 0
		if i := strings.IndexByte(v, ' '); i >= 0 {
			lo = i + 1
		}
		if hi := len(v); hi > lo {
			return "Authorization", lo, hi, true
		}
	}
	if v := h.Get("Cookie"); v != "" {
		first, _, _ := strings.Cut(v, ";")
		if i := strings.IndexByte(first, '='); i >= 0 && len(first) > i+1 {
			return "Cookie", i + 1, len(first), true
		}
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "token") || strings.Contains(lk, "key") || strings.Contains(lk, "auth") || strings.Contains(lk, "session") {
			if v := h.Get(k); v != "" {
				return http.CanonicalHeaderKey(k), 0, len(v), true
			}
		}
	}
	return "", 0, 0, false
}

// authTamper is the default Tamper: it changes one alphanumeric character
// in the middle of the token, so the token keeps its shape.
func authTamper(h http.Header) http.Header {
	key, lo, hi, ok := authTokenAt(h)
	if !ok {
		return h
	}
	v := []byte(h.Get(key))
	mid := lo + (hi-lo)/2
	for i := 0; i < hi-lo; i++ {
		j := lo + (mid-lo+i)%(hi-lo)
		ch := v[j]
		switch {
		case ch >= '0' && ch <= '9':
			v[j] = '0' + (ch-'0'+1)%10
		case ch >= 'a' && ch <= 'z':
			v[j] = 'a' + (ch-'a'+1)%26
		case ch >= 'A' && ch <= 'Z':
			v[j] = 'A' + (ch-'A'+1)%26
		default:
			continue
		}
		h.Set(key, string(v))
		return h
	}
	return h
}

// authTruncate returns h with its token cut in half, or nil when h has no
// token.
func authTruncate(h http.Header) http.Header {
	key, lo, hi, ok := authTokenAt(h)
	if !ok || hi-lo < 2 {
		return nil
	}
	v := h.Get(key)
	h.Set(key, v[:lo+(hi-lo)/2]+v[hi:])
	return h
}
