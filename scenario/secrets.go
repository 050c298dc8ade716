package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// SecretsInLogs checks that no password, token, session cookie or card
// data reaches the application's log (PCI DSS v4 3.3.1 — no sensitive
// authentication data after authorization — 3.4.1 and 3.5.1 — a card
// number shown at most as its first six and last four digits — and 8.3.2;
// OWASP Logging Cheat Sheet, "data to exclude"; CWE-532). It sends Requests
// that carry secrets, then reads every entry the application wrote to
// Source meanwhile and searches all of it — the message, every field,
// nested groups, keys too — for each secret.
//
// The secrets are canaries the scenario generates for the run (put
// [SecretPlaceholder] where a secret goes) and, in any request, the values
// of JSON body fields named like a password, token, secret, API key or
// session, the credentials of an Authorization header, cookie values (6
// characters or more), card numbers (13 to 19 digits that pass the Luhn
// check), and sensitive authentication data however short: a field named
// cvc, cvv2, card_verification_code, pin, pin_block or track2 (found in a
// log as a field of that name, or after its name in a text such as a logged
// body). A card number is found in any spacing — with spaces, dashes, dots
// or none; a masked form that shows at most the first six and last four
// digits, such as 411111******1111, is fine, one that shows more
// (411111111111****) is reported. Track data (";PAN=YYMM…", "%B…^") is
// reported in any log entry, whatever sent it. The default Requests are
//
//   - a failed login, [LoginRequest]("alice@example.com", canary): the
//     password of a failed login is the one most often logged;
//   - GET / with Authorization: Bearer canary;
//   - GET / with Cookie: session=canary;
//   - POST /checkout with the JSON body {"card_number": "4111 1111 1111
//     1111", "expiry": "12/30", "cvc": "123"} (a test card number).
//
// All of them run by default. A request that got no answer (the handler
// panicked, the connection dropped) is a problem: nothing its handler logs
// on a request it serves was exercised. A request answered 404 or 405
// reached no handler of the application: it is reported as "not proven: …;
// set SecretsInLogs.Requests" to routes the application serves.
//
// A failure names the request, the secret, the log entry and the field
// where it was found, and how to fix it: mask at the logging boundary (a
// slog.LogValuer on the type that holds the secret, or a ReplaceAttr in the
// handler). No message shows a secret's value: it says where, not what.
// Only the entries written by the time each response came back are read.
//
// It covers preset.SecretsInLogs. SecretsInLogs is a value; Verify and Run
// are safe in parallel tests when the target and the source are not shared
// with another run (a shared source mixes their entries: give each test its
// own recorder).
//
// Not proven without its field, and required by a preset with
// preset.SecretsInLogs: a log to search (Source, when the application wrote
// nothing to it). Handlers still running, or a route the application does not
// serve, are only logged.
type SecretsInLogs struct {
	production

	// Target is the application, logging to Source. Required.
	Target Target
	// Source is the application's whole log — not only its audit trail: an
	// *LogRecorder as the slog.Handler of its logger (slog.New(rec)),
	// JSONLines over what it writes, or your own. Required.
	Source LogSource
	// Requests carry the secrets; SecretPlaceholder in a path, header value
	// or body is replaced with the run's canary for that request. A zero
	// Method is POST with a body and GET without; a zero Path is "/".
	// Default: the four requests above. Setting Requests replaces them.
	Requests []Request
	// Secrets are other values that must never be logged, such as the API
	// key the application calls a payment provider with. Optional; values
	// shorter than 6 characters are refused (they would match by chance).
	Secrets []string
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "no password, token or card number reaches a log".
func (SecretsInLogs) Title() string { return "no password, token or card number reaches a log" }

// Covers returns preset.SecretsInLogs.
func (SecretsInLogs) Covers() []preset.ID { return []preset.ID{preset.SecretsInLogs} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x SecretsInLogs) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x SecretsInLogs) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// silTestPAN is the default card number: a test number every processor
// declines, that passes the Luhn check.
const silTestPAN = "4111 1111 1111 1111"

// silKind is the kind of a secret; it picks the fix.
type silKind int

const (
	silPassword silKind = iota
	silToken
	silCookie
	silCard
	silSAD // sensitive authentication data: CVV/CVC, PIN, track data
	silOther
)

// silSecret is one secret a request carries.
type silSecret struct {
	value string // what is searched for: the canary's random part, the value, or a card's digits
	pan   bool   // value is a card number's digits, found in any spacing
	kind  silKind
	where string         // where it was sent: `the "password" field of the body`
	field string         // silSAD: the name it was sent under ("cvc")
	sad   probe.SAD      // silSAD: what it is
	after *regexp.Regexp // silSAD: the value after its name in a text
}

func (s silSecret) name() string {
	switch s.kind {
	case silPassword:
		return "the password"
	case silToken:
		return "the token"
	case silCookie:
		return "the session cookie"
	case silCard:
		return "the card number"
	case silSAD:
		return string(s.sad)
	}
	return "the secret"
}

// silProbe is one request with its secrets.
type silProbe struct {
	label   string // "POST /login (a failed login's password)"
	req     Request
	secrets []silSecret
}

// add adds s unless a secret of the same value is there.
func (p *silProbe) add(s silSecret) {
	for _, t := range p.secrets {
		if t.value == s.value {
			return
		}
	}
	p.secrets = append(p.secrets, s)
}

// silSecretKey matches the names of fields that hold secrets.
var silSecretKey = regexp.MustCompile(`(?i)pass(word|wd|phrase)?|pwd|token|secret|api[_-]?key|credential|session|^sid$|^pin$|private[_-]?key`)

func silKindOf(name string) silKind {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "pass") || n == "pwd" || n == "pin":
		return silPassword
	case strings.Contains(n, "cookie") || strings.Contains(n, "session") || n == "sid":
		return silCookie
	case strings.Contains(n, "card") || strings.Contains(n, "pan"):
		return silCard
	case strings.Contains(n, "token") || strings.Contains(n, "auth") || strings.Contains(n, "key") || strings.Contains(n, "secret") || strings.Contains(n, "credential"):
		return silToken
	}
	return silOther
}

// silDefaults are the default requests, with the canary placeholder.
func silDefaults() []struct {
	name string
	req  Request
} {
	card, _ := json.Marshal(map[string]string{"card_number": silTestPAN, "expiry": "12/30", "cvc": "123"})
	return []struct {
		name string
		req  Request
	}{
		{"a failed login's password", LoginRequest("alice@example.com", SecretPlaceholder)},
		{"an access token", Request{Method: http.MethodGet, Path: "/", Header: http.Header{"Authorization": {"Bearer " + SecretPlaceholder}}}},
		{"a session cookie", Request{Method: http.MethodGet, Path: "/", Header: http.Header{"Cookie": {"session=" + SecretPlaceholder}}}},
		{"a card number", Request{Method: http.MethodPost, Path: "/checkout", Header: http.Header{"Content-Type": {"application/json"}}, Body: card}},
	}
}

// silJSONStrings calls fn with the dotted key path of every string in v.
func silJSONStrings(prefix string, v any, fn func(path, s string)) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			silJSONStrings(p, v[k], fn)
		}
	case []any:
		for i, w := range v {
			silJSONStrings(fmt.Sprintf("%s[%d]", prefix, i), w, fn)
		}
	case string:
		fn(prefix, v)
	case json.Number:
		fn(prefix, v.String())
	}
}

// silLast returns the last part of a dotted key path.
func silLast(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}

// silBody is a request body, parsed when it is JSON.
type silBody struct {
	doc    any
	isJSON bool
}

func silParse(b []byte) silBody {
	var doc any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	err := d.Decode(&doc)
	return silBody{doc: doc, isJSON: err == nil}
}

// silProbeOf substitutes the canary in q and lists the secrets it carries.
func silProbeOf(label string, q Request) silProbe {
	canary, random := probe.Canary()
	p := silProbe{label: label}
	body := silParse(q.Body)
	silCanaries(&p, q, body, random)
	silValues(&p, q, body)
	silCards(&p, q, body)
	silSADs(&p, body)
	p.req = silSubstitute(q, canary)
	return p
}

// silHas reports whether any of vs holds the placeholder.
func silHas(vs []string) bool {
	return slices.ContainsFunc(vs, func(v string) bool { return strings.Contains(v, SecretPlaceholder) })
}

// silCanaries adds the canary, wherever q holds the placeholder.
func silCanaries(p *silProbe, q Request, body silBody, random string) {
	if strings.Contains(q.Path, SecretPlaceholder) {
		where, kind := "the path", silOther
		if u, err := url.Parse(q.Path); err == nil {
			for k, vs := range u.Query() {
				if silHas(vs) {
					where, kind = fmt.Sprintf("the query parameter %q", k), silKindOf(k)
				}
			}
		}
		p.add(silSecret{value: random, kind: kind, where: where})
	}
	for _, k := range slices.Sorted(maps.Keys(q.Header)) {
		if silHas(q.Header[k]) {
			p.add(silSecret{value: random, kind: silKindOf(k), where: "the " + http.CanonicalHeaderKey(k) + " header"})
		}
	}
	if !strings.Contains(string(q.Body), SecretPlaceholder) {
		return
	}
	s := silSecret{value: random, kind: silOther, where: "the body"}
	if body.isJSON {
		silJSONStrings("", body.doc, func(path, v string) {
			if strings.Contains(v, SecretPlaceholder) && s.where == "the body" {
				s.where, s.kind = fmt.Sprintf("the %q field of the body", path), silKindOf(silLast(path))
			}
		})
	}
	p.add(s)
}

// silValues adds the secrets q carries without a placeholder: JSON fields
// named for a secret, the Authorization header's credentials, cookies.
func silValues(p *silProbe, q Request, body silBody) {
	if body.isJSON {
		silJSONStrings("", body.doc, func(path, v string) {
			name := silLast(path)
			if strings.Contains(v, SecretPlaceholder) {
				return
			}
			if probe.SADName(name, true) != probe.SADNone {
				return // silSADs
			}
			if len(v) >= 6 && silSecretKey.MatchString(name) {
				p.add(silSecret{value: v, kind: silKindOf(name), where: fmt.Sprintf("the %q field of the body", path)})
			}
		})
	}
	for _, v := range q.Header.Values("Authorization") {
		if cred := strings.TrimSpace(v[strings.IndexByte(v, ' ')+1:]); len(cred) >= 6 && !strings.Contains(cred, SecretPlaceholder) {
			p.add(silSecret{value: cred, kind: silToken, where: "the Authorization header"})
		}
	}
	for _, line := range q.Header.Values("Cookie") {
		for part := range strings.SplitSeq(line, ";") {
			if _, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && len(v) >= 6 && !strings.Contains(v, SecretPlaceholder) {
				p.add(silSecret{value: v, kind: silCookie, where: "the Cookie header"})
			}
		}
	}
}

// silSADs adds the sensitive authentication data in q's JSON body: a CVC
// or a PIN, however short, found in a log after its name.
func silSADs(p *silProbe, body silBody) {
	if !body.isJSON {
		return
	}
	silJSONStrings("", body.doc, func(path, v string) {
		name := silLast(path)
		if sad := probe.SADName(name, true); sad != probe.SADNone && len(v) >= 3 && !strings.Contains(v, SecretPlaceholder) {
			after := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(name) + `["']?\s*[:=]\s*["']?` + regexp.QuoteMeta(v) + `(?:[^0-9A-Za-z]|$)`)
			p.add(silSecret{value: v, kind: silSAD, sad: sad, field: name, after: after, where: fmt.Sprintf("the %q field of the body", path)})
		}
	})
}

// silCards adds the card numbers anywhere in q.
func silCards(p *silProbe, q Request, body silBody) {
	var all strings.Builder
	all.WriteString(q.Path + "\n" + string(q.Body) + "\n" + silUnescape(q.Path+"\n"+string(q.Body)))
	for _, vs := range q.Header {
		all.WriteString("\n" + strings.Join(vs, "\n"))
	}
	for _, pan := range probe.PANs(all.String()) {
		p.add(silSecret{value: pan, pan: true, kind: silCard, where: silPANWhere(q, body.doc, pan)})
	}
}

// silSubstitute returns q with the canary in place of the placeholder.
func silSubstitute(q Request, canary string) Request {
	sub := func(s string) string { return strings.ReplaceAll(s, SecretPlaceholder, canary) }
	q.Path, q.Body = sub(q.Path), []byte(sub(string(q.Body)))
	if q.Header != nil {
		h := make(http.Header, len(q.Header))
		for k, vs := range q.Header {
			for _, v := range vs {
				h[k] = append(h[k], sub(v))
			}
		}
		q.Header = h
	}
	return q
}

// silPANWhere says where pan is in q.
func silPANWhere(q Request, doc any, pan string) string {
	where := "the request"
	if strings.Contains(probe.Digits(silUnescape(string(q.Body))), pan) {
		where = "the body"
	}
	silJSONStrings("", doc, func(path, v string) {
		if where == "the body" && strings.Contains(probe.Digits(v), pan) {
			where = fmt.Sprintf("the %q field of the body", path)
		}
	})
	return where
}

// silField is one field of a log entry, as text.
type silField struct{ path, text string }

// silFields flattens an entry: every key and value, groups as dotted paths.
func silFields(prefix string, v any, out []silField) []silField {
	if m, ok := logMap(v); ok {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out = append(out, silField{path: p + " (its name)", text: k})
			out = silFields(p, m[k], out)
		}
		return out
	}
	switch v := v.(type) {
	case []any:
		for i, w := range v {
			out = silFields(fmt.Sprintf("%s[%d]", prefix, i), w, out)
		}
		return out
	case nil:
		return out
	}
	return append(out, silField{path: prefix, text: silText(v)})
}

// silText renders a logged value as text, whatever its type.
func silText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprintf("%+v", v)
}

// silHit reports whether field f of a log entry shows secret s; digits is
// f's text with the separators between digits removed.
func silHit(s silSecret, f silField, digits string) bool {
	switch {
	case s.pan:
		return strings.Contains(digits, s.value) || strings.Contains(probe.Digits(silUnescape(f.text)), s.value)
	case s.kind == silSAD:
		return silSADHit(s, f) || silSADHit(s, silField{path: f.path, text: silUnescape(f.text)})
	}
	return strings.Contains(f.text, s.value) || strings.Contains(silUnescape(f.text), s.value)
}

// silUnescape returns s URL-decoded, as a logged query or form body holds a
// secret ("card_number=4111%201111…", "password=p%40ss"); s when it is not.
func silUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// silSADHit reports whether f shows a short value of sensitive
// authentication data: as the value of a field named for it, or after its
// name in a text (`"cvc":"123"`, `cvc=123`, a logged body).
func silSADHit(s silSecret, f silField) bool {
	if strings.HasSuffix(f.path, " (its name)") {
		return false
	}
	if probe.SADName(silLast(f.path), true) != probe.SADNone && silBounded(f.text, s.value) {
		return true
	}
	return s.after.MatchString(f.text)
}

// silBounded reports whether v is in s, not inside a longer run of letters
// or digits.
func silBounded(s, v string) bool {
	alnum := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	for i := 0; ; {
		j := strings.Index(s[i:], v)
		if j < 0 {
			return false
		}
		lo, hi := i+j, i+j+len(v)
		if (lo == 0 || !alnum(s[lo-1])) && (hi == len(s) || !alnum(s[hi])) {
			return true
		}
		i = lo + 1
	}
}

// silFound is where a secret was found.
type silFound struct {
	probe, secret int
	path          string
	entries       []int // 1-based, among the entries written during the run
	wholeBody     bool
	shown         string // a masked card number that shows too much: its safe form
	digits        int    // and how many digits it shows
}

// silWait is how long the check waits for in-process handlers to return
// before it reads the log.
const silWait = 5 * time.Second

// silRun is one run of SecretsInLogs: its configuration, resolved once, and
// what was seen.
type silRun struct {
	x        SecretsInLogs
	r        reporter
	c        *client
	src      string // the log, for messages
	probes   []silProbe
	extra    []silSecret // Secrets
	ok       bool
	before   []LogEntry
	answered int // requests that got a whole response
}

func (x SecretsInLogs) exec(r reporter) {
	s := &silRun{x: x, r: r, ok: true, src: "the log"}
	if str, isStr := x.Source.(fmt.Stringer); isStr {
		s.src = str.String()
	}
	r.step("Given", "the application logs to "+s.src, s.open)
	if !s.ok {
		return
	}
	r.step("When", fmt.Sprintf("%d request(s) carrying secrets are sent", len(s.probes)), s.send)
	if !s.ok {
		return
	}
	r.step("Then", "no log entry contains any of them", s.search)
}

// open validates the fields, builds the probes and opens the target.
func (s *silRun) open() {
	x, r := s.x, s.r
	bad := func(format string, args ...any) { r.errorf(format, args...); s.ok = false }
	if x.Source == nil {
		bad("SecretsInLogs.Source is not set: log through rec := scenario.NewLogRecorder() (slog.New(rec)) and set Source: rec, or use scenario.JSONLines over the log the application writes")
	}
	if len(x.Requests) == 0 {
		for _, d := range silDefaults() {
			s.probes = append(s.probes, silProbeOf(fmt.Sprintf("%s (%s)", d.req, d.name), d.req))
		}
	}
	for i, q := range x.Requests {
		def := Request{Method: http.MethodGet, Path: "/"}
		if len(q.Body) > 0 {
			def.Method = http.MethodPost
		}
		q = q.orDefault(def)
		if !strings.HasPrefix(q.Path, "/") {
			bad("SecretsInLogs.Requests[%d].Path = %q: want a path starting with /, such as /login", i, q.Path)
			continue
		}
		p := silProbeOf(fmt.Sprintf("%s (Requests[%d])", q, i), q)
		if len(p.secrets) == 0 {
			bad("SecretsInLogs.Requests[%d] (%s) carries no secret: put %s where a secret goes (a header value, a body field), or send a password, token, cookie or card number", i, q, SecretPlaceholder)
			continue
		}
		s.probes = append(s.probes, p)
	}
	for i, v := range x.Secrets {
		if len(v) < 6 {
			bad("SecretsInLogs.Secrets[%d] has %d characters: want 6 or more, or it would match by chance", i, len(v))
			continue
		}
		s.extra = append(s.extra, silSecret{value: v, kind: silOther, where: fmt.Sprintf("Secrets[%d]", i)})
	}
	if !s.ok {
		return
	}
	if s.c = connect(r, x.Target); s.c == nil {
		s.ok = false
	}
}

// send sends every probe; a probe that got no answer proves nothing.
func (s *silRun) send() {
	r := s.r
	var err error
	if s.before, err = s.x.Source.LogEntries(); err != nil {
		r.errorf("reading %s before the requests: %v", s.src, err)
		s.ok = false
		return
	}
	for _, p := range s.probes {
		resp, err := s.c.do(r.context(), p.req.req(nil))
		if err != nil {
			r.errorf("%s: %v: the request got no answer, so what its handler logs was not exercised; make the application answer it, then run the check again", p.label, err)
			continue
		}
		wheres := make([]string, len(p.secrets))
		for i, sec := range p.secrets {
			wheres[i] = sec.name() + " in " + sec.where
		}
		r.logf("%s = %s, carrying %s", p.label, resp, strings.Join(wheres, ", "))
		if problem, unproven := silAnswer(p.label, resp); problem != "" {
			r.errorf("%s", problem)
		} else if unproven != "" {
			r.notProven(need{}, "%s", unproven)
		} else {
			s.answered++
		}
	}
}

// silAnswer judges the response to a probe: one that never came (the
// handler panicked, the connection dropped) proves nothing and is a
// problem; a 404 or 405 reached none of the application's handlers.
func silAnswer(label string, resp *response) (problem, unproven string) {
	switch {
	case resp.Dropped:
		return fmt.Sprintf("%s = %s: the handler panicked or dropped the connection, so what it logs on a request it serves was not exercised and the check proves nothing for it; recover from panics (a middleware that logs the error without the request and answers 500), fix the handler, then run the check again", label, resp), ""
	case resp.Status == http.StatusNotFound || resp.Status == http.StatusMethodNotAllowed:
		return "", fmt.Sprintf("%s = %d: the request reached no handler of the application, so what that handler would log was not exercised; set SecretsInLogs.Requests to routes your application serves", label, resp.Status)
	}
	return "", ""
}

// search reads the entries written during the requests and reports every
// secret found in them.
func (s *silRun) search() {
	r := s.r
	// A middleware logs after its handler wrote the response: wait for
	// in-process handlers to return before reading the log.
	if !s.c.WaitHandlers(silWait) {
		r.notProven(need{}, "the application's handlers were still running %s after the last response: what they log later was not searched; make them return, or read a log the check can wait for", probe.Words(silWait))
	}
	all, err := s.x.Source.LogEntries()
	if err != nil {
		r.errorf("reading %s after the requests: %v", s.src, err)
		return
	}
	var entries []LogEntry
	if len(all) >= len(s.before) {
		entries = all[len(s.before):]
	}
	if len(entries) == 0 {
		r.notProven(need{preset.SecretsInLogs, "SecretsInLogs.Source"}, "the application wrote no log entry during the requests, so no secret could be seen in one: if it logs elsewhere, set SecretsInLogs.Source to that log")
		return
	}
	r.logf("%d log entr%s written during the requests searched for %d secret(s), and for card data that must never be kept (CVV/CVC, PIN, track data; PCI DSS v4 3.3.1)",
		len(entries), map[bool]string{true: "y", false: "ies"}[len(entries) == 1], silCount(s.probes)+len(s.extra))
	probes := append(slices.Clone(s.probes), silProbe{label: "Secrets", secrets: s.extra})
	mask := silMasker(probes)
	for _, fd := range silSearch(probes, entries) {
		s.report(probes, entries, fd, mask)
	}
	for _, p := range silTracks(entries) {
		r.errorf("%s", p)
	}
}

// silMasker returns a function that masks every secret of the run, and
// every card number, in what is shown of an entry.
func silMasker(probes []silProbe) func(string) string {
	var values []string
	for _, p := range probes {
		for _, sec := range p.secrets {
			if sec.kind != silSAD {
				values = append(values, sec.value)
			}
		}
	}
	return func(s string) string {
		for _, v := range values {
			s = strings.ReplaceAll(s, v, redact.Mask)
		}
		s = strings.ReplaceAll(s, probe.CanaryPrefix+redact.Mask, redact.Mask)
		return probe.MaskPANs(s, redact.Mask)
	}
}

// silSearch returns where each secret of probes shows in entries.
func silSearch(probes []silProbe, entries []LogEntry) []*silFound {
	var found []*silFound
	index := map[string]*silFound{}
	note := func(pi, si int, path string, n int) *silFound {
		key := fmt.Sprint(pi, "/", si, "/", path)
		fd := index[key]
		if fd == nil {
			fd = &silFound{probe: pi, secret: si, path: path}
			index[key] = fd
			found = append(found, fd)
		}
		fd.entries = append(fd.entries, n+1)
		return fd
	}
	for n, e := range entries {
		for _, f := range silFields("", e, nil) {
			digits := probe.Digits(f.text)
			for pi, p := range probes {
				for si, sec := range p.secrets {
					if silHit(sec, f, digits) {
						fd := note(pi, si, f.path, n)
						if b := p.req.Body; len(b) >= 16 && strings.Contains(f.text, string(b)) {
							fd.wholeBody = true
						}
					} else if sec.pan {
						if form, shown := probe.OverShown(f.text, sec.value); form != "" {
							fd := note(pi, si, f.path, n)
							fd.shown, fd.digits = form, shown
						}
					}
				}
			}
		}
	}
	return found
}

// silTracks returns a problem for each entry that holds track data.
func silTracks(entries []LogEntry) []string {
	var out []string
	for n, e := range entries {
		for _, f := range silFields("", e, nil) {
			if probe.TrackData([]byte(f.text)) != nil {
				out = append(out, fmt.Sprintf("log entry #%d, field %q, holds magnetic-stripe track data (a card number with its expiry and service code): full track data must never be kept after authorization, not in a log either (PCI DSS v4 3.3.1.1); never log card-reader data", n+1, f.path))
				break
			}
		}
	}
	return out
}

// report reports one secret found.
func (s *silRun) report(probes []silProbe, entries []LogEntry, fd *silFound, mask func(string) string) {
	p := probes[fd.probe]
	sec := p.secrets[fd.secret]
	e := entries[fd.entries[0]-1]
	entry := fmt.Sprintf("log entry #%d", fd.entries[0])
	if msg, isStr := e[slog.MessageKey].(string); isStr {
		entry += fmt.Sprintf(" (msg %q)", mask(msg))
	}
	if len(fd.entries) > 1 {
		entry += fmt.Sprintf(" and %d more", len(fd.entries)-1)
	}
	what := fmt.Sprintf("%s sent in %s", sec.name(), sec.where)
	if fd.probe == len(probes)-1 {
		what = fmt.Sprintf("the value of %s", sec.where)
	}
	if fd.shown != "" {
		s.r.errorf("%s: %s reached the log masked but showing %d digits (%s, # marking the digits it must not show): %s, field %q; show at most the first six and last four digits, e.g. 411111******1111 (PCI DSS v4 3.4.1); mask at the logging boundary: a slog.LogValuer on the type that holds it, or a ReplaceAttr in the handler", p.label, what, fd.digits, fd.shown, entry, mask(fd.path))
		return
	}
	s.r.errorf("%s: %s reached the log: %s, field %q; %s; mask at the logging boundary: a slog.LogValuer on the type that holds it, or a ReplaceAttr in the handler (PCI DSS v4 3.3, 3.4.1, 8.3.2; OWASP Logging Cheat Sheet; CWE-532)", p.label, what, entry, mask(fd.path), silFix(sec, fd))
}

func silCount(probes []silProbe) int {
	n := 0
	for _, p := range probes {
		for _, s := range p.secrets {
			if s.kind != silSAD {
				n++
			}
		}
	}
	return n
}

// silFix says how to stop logging s.
func silFix(s silSecret, fd *silFound) string {
	var fix string
	switch s.kind {
	case silPassword:
		fix = "never log passwords, not even of a failed login: log the user ID or email and the outcome"
	case silToken:
		fix = "never log the Authorization header or tokens: log the ID of the user the token belongs to"
	case silCookie:
		fix = "never log the Cookie header or session IDs: log the session's user ID, or a hash of the session ID"
	case silCard:
		fix = "never log a full card number: show at most the first six and last four digits, e.g. 411111******1111 (PCI DSS v4 3.4.1)"
	case silSAD:
		fix = "never log the card verification code, the PIN or track data, masked or not: they must not be kept after authorization at all (PCI DSS v4 3.3.1); drop the field from what is logged"
	default:
		fix = "never log secrets"
	}
	lower := strings.ToLower(fd.path)
	switch {
	case fd.wholeBody:
		fix = "the field holds the whole request body: do not log request bodies, log the fields you need; " + fix
	case strings.Contains(lower, "header") && (s.kind == silToken || s.kind == silCookie):
		fix = "do not log request headers whole, log an allow-list of safe ones; " + fix
	}
	return fix
}
