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
// number reaches the application's log (PCI DSS v4 3.3 — no sensitive
// authentication data after authorization — and 8.3.2; OWASP Logging Cheat
// Sheet, "data to exclude"; CWE-532). It sends Requests that carry secrets,
// then reads every entry the application wrote to Source meanwhile and
// searches all of it — the message, every field, nested groups, keys too —
// for each secret.
//
// The secrets are canaries the scenario generates for the run (put
// [SecretPlaceholder] where a secret goes) and, in any request, the values
// of JSON body fields named like a password, token, secret, API key or
// session, the credentials of an Authorization header, cookie values (6
// characters or more), and card numbers (13 to 19 digits that pass the Luhn
// check). A card number is found in any spacing — with spaces, dashes, dots
// or none; a masked form such as 4111********1111 or the last four digits
// is fine (PCI DSS v4 3.4.1). The default Requests are
//
//   - a failed login, [LoginRequest]("alice@example.com", canary): the
//     password of a failed login is the one most often logged;
//   - GET / with Authorization: Bearer canary;
//   - GET / with Cookie: session=canary;
//   - POST /checkout with the JSON body {"card_number": "4111 1111 1111
//     1111", "expiry": "12/30", "cvc": "123"} (a test card number).
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
type SecretsInLogs struct {
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

var _ jetty.Scenario = SecretsInLogs{}

// Mode returns jetty.Production.
func (SecretsInLogs) Mode() jetty.Mode { return jetty.Production }

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
	silOther
)

// silSecret is one secret a request carries.
type silSecret struct {
	value string // what is searched for: the canary's random part, the value, or a card's digits
	pan   bool   // value is a card number's digits, found in any spacing
	kind  silKind
	where string // where it was sent: `the "password" field of the body`
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
	}
	return "the secret"
}

// silProbe is one request with its secrets.
type silProbe struct {
	label   string // "POST /login (a failed login's password)"
	req     Request
	secrets []silSecret
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

// silProbeOf substitutes the canary in q and lists the secrets it carries.
func silProbeOf(label string, q Request) silProbe {
	canary, random := probe.Canary()
	sub := func(s string) string { return strings.ReplaceAll(s, SecretPlaceholder, canary) }
	p := silProbe{label: label}
	add := func(s silSecret) {
		for _, t := range p.secrets {
			if t.value == s.value {
				return
			}
		}
		p.secrets = append(p.secrets, s)
	}
	body := string(q.Body)
	// The canary, wherever the placeholder is.
	if strings.Contains(q.Path, SecretPlaceholder) {
		where, kind := "the path", silOther
		if u, err := url.Parse(q.Path); err == nil {
			for k, vs := range u.Query() {
				if slices.ContainsFunc(vs, func(v string) bool { return strings.Contains(v, SecretPlaceholder) }) {
					where, kind = fmt.Sprintf("the query parameter %q", k), silKindOf(k)
				}
			}
		}
		add(silSecret{value: random, kind: kind, where: where})
	}
	for _, k := range slices.Sorted(maps.Keys(q.Header)) {
		if slices.ContainsFunc(q.Header[k], func(v string) bool { return strings.Contains(v, SecretPlaceholder) }) {
			add(silSecret{value: random, kind: silKindOf(k), where: "the " + http.CanonicalHeaderKey(k) + " header"})
		}
	}
	var doc any
	isJSON := json.Unmarshal(q.Body, &doc) == nil
	if strings.Contains(body, SecretPlaceholder) {
		s := silSecret{value: random, kind: silOther, where: "the body"}
		if isJSON {
			silJSONStrings("", doc, func(path, v string) {
				if strings.Contains(v, SecretPlaceholder) && s.where == "the body" {
					s.where, s.kind = fmt.Sprintf("the %q field of the body", path), silKindOf(silLast(path))
				}
			})
		}
		add(s)
	}
	// Secrets the request carries without a placeholder.
	if isJSON {
		silJSONStrings("", doc, func(path, v string) {
			if len(v) >= 6 && !strings.Contains(v, SecretPlaceholder) && silSecretKey.MatchString(silLast(path)) {
				add(silSecret{value: v, kind: silKindOf(silLast(path)), where: fmt.Sprintf("the %q field of the body", path)})
			}
		})
	}
	for _, v := range q.Header.Values("Authorization") {
		if cred := strings.TrimSpace(v[strings.IndexByte(v, ' ')+1:]); len(cred) >= 6 && !strings.Contains(cred, SecretPlaceholder) {
			add(silSecret{value: cred, kind: silToken, where: "the Authorization header"})
		}
	}
	for _, line := range q.Header.Values("Cookie") {
		for _, part := range strings.Split(line, ";") {
			if _, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && len(v) >= 6 && !strings.Contains(v, SecretPlaceholder) {
				add(silSecret{value: v, kind: silCookie, where: "the Cookie header"})
			}
		}
	}
	// Card numbers anywhere.
	var all strings.Builder
	all.WriteString(q.Path + "\n" + body)
	for _, vs := range q.Header {
		all.WriteString("\n" + strings.Join(vs, "\n"))
	}
	for _, pan := range silPANs(all.String()) {
		add(silSecret{value: pan, pan: true, kind: silCard, where: silPANWhere(q, doc, pan)})
	}
	q.Path, q.Body = sub(q.Path), []byte(sub(body))
	if q.Header != nil {
		q.Header = q.Header.Clone()
		for k, vs := range q.Header {
			for i := range vs {
				vs[i] = sub(vs[i])
			}
			q.Header[k] = vs
		}
	}
	p.req = q
	return p
}

// silPANWhere says where pan is in q.
func silPANWhere(q Request, doc any, pan string) string {
	where := "the request"
	if strings.Contains(silDigits(string(q.Body)), pan) {
		where = "the body"
	}
	silJSONStrings("", doc, func(path, v string) {
		if where == "the body" && strings.Contains(silDigits(v), pan) {
			where = fmt.Sprintf("the %q field of the body", path)
		}
	})
	return where
}

// silPANRun matches digits separated by at most one space, dash or dot.
var silPANRun = regexp.MustCompile(`\d(?:[ .\-]?\d)+`)

// silPANs returns the card numbers in s: runs of 13 to 19 digits, in any
// spacing, that pass the Luhn check.
func silPANs(s string) []string {
	var out []string
	for _, run := range silPANRun.FindAllString(s, -1) {
		d := silDigits(run)
		if len(d) >= 13 && len(d) <= 19 && silLuhn(d) && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// silDigits removes the spaces, dashes and dots between digits, so that a
// card number in any spacing reads as its digits.
func silDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == ' ' || c == '-' || c == '.') && i > 0 && i+1 < len(s) && silIsDigit(s[i-1]) && silIsDigit(s[i+1]) {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func silIsDigit(c byte) bool { return c >= '0' && c <= '9' }

func silLuhn(d string) bool {
	sum := 0
	for i := range len(d) {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
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

// silFound is where a secret was found.
type silFound struct {
	probe, secret int
	path          string
	entries       []int // 1-based, among the entries written during the run
	wholeBody     bool
}

func (x SecretsInLogs) exec(r reporter) {
	ctx := r.context()
	var (
		c      *client
		probes []silProbe
		ok     = true
		extra  []silSecret
	)
	src := "the log"
	if s, isStr := x.Source.(fmt.Stringer); isStr {
		src = s.String()
	}
	r.step("Given", "the application logs to "+src, func() {
		bad := func(format string, args ...any) { r.errorf(format, args...); ok = false }
		if x.Source == nil {
			bad("SecretsInLogs.Source is not set: log through rec := scenario.NewLogRecorder() (slog.New(rec)) and set Source: rec, or use scenario.JSONLines over the log the application writes")
		}
		if len(x.Requests) == 0 {
			for _, d := range silDefaults() {
				probes = append(probes, silProbeOf(fmt.Sprintf("%s (%s)", d.req, d.name), d.req))
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
			probes = append(probes, p)
		}
		for i, s := range x.Secrets {
			if len(s) < 6 {
				bad("SecretsInLogs.Secrets[%d] has %d characters: want 6 or more, or it would match by chance", i, len(s))
				continue
			}
			extra = append(extra, silSecret{value: s, kind: silOther, where: fmt.Sprintf("Secrets[%d]", i)})
		}
		if !ok {
			return
		}
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
			ok = false
		}
	})
	if !ok {
		return
	}
	var before []LogEntry
	r.step("When", fmt.Sprintf("%d request(s) carrying secrets are sent", len(probes)), func() {
		var err error
		if before, err = x.Source.LogEntries(); err != nil {
			r.errorf("reading %s before the requests: %v", src, err)
			ok = false
			return
		}
		for _, p := range probes {
			resp, err := c.do(ctx, p.req.req(nil))
			if err != nil {
				r.errorf("%s: %v", p.label, err)
				continue
			}
			wheres := make([]string, len(p.secrets))
			for i, s := range p.secrets {
				wheres[i] = s.name() + " in " + s.where
			}
			r.logf("%s = %s, carrying %s", p.label, resp, strings.Join(wheres, ", "))
		}
	})
	if !ok {
		return
	}
	r.step("Then", "no log entry contains any of them", func() {
		all, err := x.Source.LogEntries()
		if err != nil {
			r.errorf("reading %s after the requests: %v", src, err)
			return
		}
		var entries []LogEntry
		if len(all) >= len(before) {
			entries = all[len(before):]
		}
		if len(entries) == 0 {
			r.logf("the application wrote no log entry during the requests: if it logs elsewhere, set Source to that log, or this check proves nothing")
			return
		}
		r.logf("%d log entr%s written during the requests searched for %d secret(s)", len(entries), map[bool]string{true: "y", false: "ies"}[len(entries) == 1], silCount(probes)+len(extra))
		// Every secret of the run masks what is shown of an entry.
		var values []string
		for _, p := range probes {
			for _, s := range p.secrets {
				values = append(values, s.value)
			}
		}
		for _, s := range extra {
			values = append(values, s.value)
		}
		mask := func(s string) string {
			for _, v := range values {
				s = strings.ReplaceAll(s, v, redact.Mask)
			}
			s = strings.ReplaceAll(s, probe.CanaryPrefix+redact.Mask, redact.Mask)
			return silPANRun.ReplaceAllStringFunc(s, func(run string) string {
				if d := silDigits(run); len(d) >= 13 && silLuhn(d) {
					return redact.Mask
				}
				return run
			})
		}
		all2 := append(slices.Clone(probes), silProbe{label: "Secrets", secrets: extra})
		var found []*silFound
		index := map[string]*silFound{}
		for n, e := range entries {
			for _, f := range silFields("", e, nil) {
				digits := ""
				for pi, p := range all2 {
					for si, s := range p.secrets {
						var hit bool
						if s.pan {
							if digits == "" {
								digits = silDigits(f.text)
							}
							hit = strings.Contains(digits, s.value)
						} else {
							hit = strings.Contains(f.text, s.value)
						}
						if !hit {
							continue
						}
						key := fmt.Sprint(pi, "/", si, "/", f.path)
						fd := index[key]
						if fd == nil {
							fd = &silFound{probe: pi, secret: si, path: f.path}
							index[key] = fd
							found = append(found, fd)
						}
						fd.entries = append(fd.entries, n+1)
						if b := p.req.Body; len(b) >= 16 && strings.Contains(f.text, string(b)) {
							fd.wholeBody = true
						}
					}
				}
			}
		}
		for _, fd := range found {
			p := all2[fd.probe]
			s := p.secrets[fd.secret]
			e := entries[fd.entries[0]-1]
			entry := fmt.Sprintf("log entry #%d", fd.entries[0])
			if msg, isStr := e[slog.MessageKey].(string); isStr {
				entry += fmt.Sprintf(" (msg %q)", mask(msg))
			}
			if len(fd.entries) > 1 {
				entry += fmt.Sprintf(" and %d more", len(fd.entries)-1)
			}
			what := fmt.Sprintf("%s sent in %s", s.name(), s.where)
			if fd.probe == len(probes) {
				what = fmt.Sprintf("the value of %s", s.where)
			}
			r.errorf("%s: %s reached the log: %s, field %q; %s; mask at the logging boundary: a slog.LogValuer on the type that holds it, or a ReplaceAttr in the handler (PCI DSS v4 3.3, 8.3.2; OWASP Logging Cheat Sheet; CWE-532)", p.label, what, entry, mask(fd.path), silFix(s, fd))
		}
	})
}

func silCount(probes []silProbe) int {
	n := 0
	for _, p := range probes {
		n += len(p.secrets)
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
