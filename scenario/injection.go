package scenario

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Injection sends a corpus of hostile inputs — SQL, NoSQL, XSS, command,
// path traversal, template, CRLF, format string, oversized, invalid UTF-8 and
// odd Unicode (see [PayloadCategory] and [Payloads]) — into each configured
// input of the application, and checks that none does harm. It covers
// [preset.Injection] (OWASP ASVS 5.0 V1, OWASP Top 10 A03, OWASP WSTG
// input validation testing).
//
// For each input it first sends a harmless value (the baseline), then each
// payload. A payload passes when the response
//
//   - is not 5xx and not a dropped connection (a panic in process);
//   - leaks no database error or stack trace that the baseline did not show:
//     SQLite (`near "…": syntax error`, SQLITE_ERROR, unrecognized token),
//     PostgreSQL (`syntax error at or near`, pq:), MySQL, SQL Server,
//     Oracle, MongoDB, Go (panic:, goroutine N [, runtime error:, file.go:NN,
//     /usr/local/go/src), Python, Java, Node.js, PHP and .NET traces;
//   - does not reflect an XSS payload unescaped in an HTML response;
//   - does not evaluate a template payload (7331*7919 shows as 58054189 where the
//     baseline had none);
//   - does not use the input as a Go format string (%!s(MISSING));
//   - gains no response header from a CRLF payload (X-Jetty-Injected, a
//     jetty_injected cookie);
//   - shows no command output (uid=…, root:x:0:0:) or file it should not
//     serve (/etc/passwd, win.ini) that the baseline did not;
//   - and leaves no side effect: the canary file the command payloads try to
//     `touch` does not exist after it.
//
// Payloads that cannot travel in a header (CR, LF, NUL and other control
// bytes: net/http refuses them) are skipped for InHeader inputs. No payload
// is timing-based or destructive. The canary check assumes the application
// runs on this machine (an in-process handler or a loopback URL).
//
// A passing run logs how many payloads were sent into which inputs, per
// category. A failing run lists each failing payload (at most 25 per input,
// then a count) with its category, input, status and what leaked; long
// payloads are truncated and invalid bytes escaped.
//
// Injection is safe in parallel tests as long as each run has its own canary
// (the default is unique per run) and the application tolerates the load.
type Injection struct {
	// Target is the application. Required.
	Target Target
	// Inputs are where the payloads go. Required: at least one.
	Inputs []Input
	// Categories limits the corpus. Default: every category.
	Categories []PayloadCategory
	// Canary is the absolute path of a file the command payloads try to
	// create with `touch`. It must not exist before the run and is removed
	// after it if a payload created it. Default: a new name under
	// os.TempDir, unique per run.
	Canary string
	// MaxPayloads caps the payloads sent into each input, taken evenly
	// from every category. Default: the whole selected corpus (130
	// payloads today).
	MaxPayloads int
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Location says where in a request an [Input] goes.
type Location int

// The locations of an input.
const (
	// InQuery puts the payload in the query parameter Name.
	InQuery Location = iota + 1
	// InForm puts the payload in the form field Name of an
	// application/x-www-form-urlencoded body.
	InForm
	// InJSON puts the payload in the field Name (dots for nested objects,
	// e.g. "user.email") of a JSON object body.
	InJSON
	// InPath puts the payload, escaped, in place of "{Name}" in the Path.
	InPath
	// InHeader puts the payload in the request header Name.
	InHeader
)

// String returns "query", "form", "json", "path" or "header".
func (l Location) String() string {
	switch l {
	case InQuery:
		return "query"
	case InForm:
		return "form"
	case InJSON:
		return "json"
	case InPath:
		return "path"
	case InHeader:
		return "header"
	}
	return fmt.Sprintf("Location(%d)", int(l))
}

// Input is one place of a request that takes user input, such as
//
//	scenario.Input{In: scenario.InQuery, Name: "q", Path: "/search"}
//	scenario.Input{In: scenario.InJSON, Name: "email", Method: "POST", Path: "/login",
//		Template: `{"email": "x", "password": "y"}`}
//	scenario.Input{In: scenario.InPath, Name: "id", Path: "/users/{id}"}
type Input struct {
	// In is where the payload goes. Required.
	In Location
	// Name is the query parameter, form field, JSON field (dotted for
	// nested objects), path placeholder or header. Required.
	Name string
	// Method defaults to POST for InForm and InJSON, GET otherwise.
	Method string
	// Path is the request path, with a query if any ("/search?page=1"),
	// and "{Name}" for InPath. Default "/".
	Path string
	// Template is the rest of the body: a JSON object for InJSON (default
	// {}), form-encoded fields for InForm ("user=x&password=y"), extra query
	// parameters for InQuery.
	Template string
	// Header holds headers sent with every request, such as
	// Authorization or a session cookie.
	Header http.Header
	// Value is the harmless value of the baseline request. Default
	// "jetty".
	Value string
}

// String describes the input: "GET /search query q". (The name is not
// quoted: reports mask `"token": …` as a secret.)
func (in Input) String() string {
	return fmt.Sprintf("%s %s %s %s", in.method(), pathOnly(in.path()), in.In, in.Name)
}

func (in Input) method() string {
	if in.Method != "" {
		return strings.ToUpper(in.Method)
	}
	if in.In == InForm || in.In == InJSON {
		return http.MethodPost
	}
	return http.MethodGet
}

func (in Input) path() string {
	if in.Path == "" {
		return "/"
	}
	return in.Path
}

var _ jetty.Scenario = Injection{}

// Mode returns jetty.Production.
func (x Injection) Mode() jetty.Mode { return jetty.Production }

// Title names the check in the preset's words.
func (x Injection) Title() string {
	return "hostile input is refused without errors, leaks or side effects"
}

// Covers returns preset.Injection.
func (x Injection) Covers() []preset.ID { return []preset.ID{preset.Injection} }

// Verify runs the check without a testing.T and returns a *Problems listing
// every problem, or nil.
func (x Injection) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the check as the steps of a jetty scenario.
func (x Injection) Run(s *jetty.S) {
	s.Helper()
	run(s, x.Preset, x.exec)
}

// injMaxListed bounds the failing payloads listed per input.
const injMaxListed = 25

// injFailure is one payload that did harm.
type injFailure struct {
	in   Input
	p    Payload
	text string
}

func (x Injection) exec(r reporter) {
	var (
		c        *client
		payloads []Payload
		canary   = x.Canary
	)
	r.step("Given", "the application at "+x.Target.String(), func() {
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
		}
		if len(x.Inputs) == 0 {
			r.errorf(`no Inputs: list where user input goes, e.g. Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q", Path: "/search"}}`)
		}
		for i, in := range x.Inputs {
			if err := in.check(); err != nil {
				r.errorf("input #%d (%s): %v", i+1, in, err)
			}
		}
		for _, cat := range x.Categories {
			if !slices.Contains(PayloadCategories(), cat) {
				r.errorf("category %q is unknown: want one of %s", cat, injCategoryList())
			}
		}
		if x.MaxPayloads < 0 {
			r.errorf("MaxPayloads is %d: want a positive bound, or zero for the whole corpus", x.MaxPayloads)
		}
		if canary == "" {
			var b [8]byte
			_, _ = rand.Read(b[:])
			canary = filepath.Join(os.TempDir(), "jetty-canary-"+hex.EncodeToString(b[:]))
		}
		switch {
		case !filepath.IsAbs(canary):
			r.errorf("Canary %q is not an absolute path: use one such as filepath.Join(t.TempDir(), \"canary\")", canary)
		case strings.ContainsAny(canary, " \t\r\n"):
			r.errorf("Canary %q holds white space: a shell would not touch it as one file; pick a path without spaces", canary)
		default:
			if _, err := os.Lstat(canary); err == nil {
				r.errorf("Canary %q exists before the run: remove it or pick a new path, so that a payload creating it can be told", canary)
			}
		}
		payloads = injSelect(Payloads(x.Categories...), x.MaxPayloads)
		for i := range payloads {
			payloads[i].Value = strings.ReplaceAll(payloads[i].Value, CanaryFilePlaceholder, canary)
		}
	})
	if r.failed() {
		return
	}

	var (
		failures   []injFailure
		sent       = map[PayloadCategory]int{}
		total      int
		skipped    int
		canaryHits int
	)
	r.step("When", fmt.Sprintf("I send %d hostile payloads into %s", len(payloads), injInputList(x.Inputs)), func() {
		ctx := r.context()
		for _, in := range x.Inputs {
			base, err := c.do(ctx, in.request(Payload{Value: in.baseline()}))
			if err != nil {
				r.errorf("%s baseline: %v", in, err)
				return
			}
			if base.Dropped || base.Status >= 500 || base.Status == http.StatusNotFound || base.Status == http.StatusMethodNotAllowed {
				r.errorf("%s with the harmless value %q = %s: the input is not reachable; fix Method, Path or Template so that a normal request succeeds", in, in.baseline(), base)
				continue
			}
			n := 0
			for _, p := range payloads {
				if in.In == InHeader && !injHeaderValueOK(p.Value) {
					skipped++
					continue
				}
				if ctx.Err() != nil {
					r.errorf("stopped: %v", ctx.Err())
					return
				}
				res, err := c.do(ctx, in.request(p))
				if err != nil {
					r.errorf("%s ← %s payload %s: %v", in, p.Category, injShow(p.Value), err)
					continue
				}
				n++
				sent[p.Category]++
				total++
				problems := injJudge(p, base, res)
				if _, err := os.Lstat(canary); err == nil {
					problems = append(problems, fmt.Sprintf("created the canary file %s: the input reached a shell; never pass input to sh -c, run exec.Command with separate arguments", canary))
					canaryHits++
					_ = os.Remove(canary)
				}
				if len(problems) > 0 {
					failures = append(failures, injFailure{in, p, fmt.Sprintf("%s ← %s payload %s: %s, %s", in, p.Category, injShow(p.Value), res, strings.Join(problems, "; "))})
				}
			}
			r.logf("%s: %d payloads", in, n)
		}
	})
	r.step("Then", "every payload is refused without a server error, a leak, unescaped reflection, evaluation or an injected header", func() {
		listed := map[string]int{}
		for _, f := range failures {
			key := f.in.String()
			listed[key]++
			if listed[key] <= injMaxListed {
				r.errorf("%s", f.text)
			}
		}
		for _, in := range x.Inputs {
			if n := listed[in.String()]; n > injMaxListed {
				r.errorf("%s: %d more payloads failed (%d in all)", in, n-injMaxListed, n)
				listed[in.String()] = 0
			}
		}
		var counts []string
		for _, cat := range PayloadCategories() {
			if sent[cat] > 0 {
				counts = append(counts, fmt.Sprintf("%s %d", cat, sent[cat]))
			}
		}
		msg := fmt.Sprintf("sent %d payloads into %d inputs: %s", total, len(x.Inputs), strings.Join(counts, ", "))
		if skipped > 0 {
			msg += fmt.Sprintf(" (%d skipped: control bytes cannot travel in a header)", skipped)
		}
		r.logf("%s; %d failed", msg, len(failures))
	})
	r.step("And", "no payload has a side effect: the canary file "+canary+" was never created", func() {
		if _, err := os.Lstat(canary); err == nil {
			_ = os.Remove(canary)
			r.errorf("the canary file %s exists after the run: an input reached a shell; never pass input to sh -c", canary)
			return
		}
		if canaryHits > 0 {
			r.errorf("%d payloads created the canary file %s (listed above; each was removed)", canaryHits, canary)
			return
		}
		r.logf("the canary file %s was never created", canary)
	})
}

func injCategoryList() string {
	var s []string
	for _, c := range PayloadCategories() {
		s = append(s, string(c))
	}
	return strings.Join(s, ", ")
}

func injInputList(ins []Input) string {
	if len(ins) == 1 {
		return "1 input"
	}
	return fmt.Sprintf("each of %d inputs", len(ins))
}

func (in Input) baseline() string {
	if in.Value == "" {
		return "jetty"
	}
	return in.Value
}

// check reports a misconfigured input.
func (in Input) check() error {
	if in.In < InQuery || in.In > InHeader {
		return errors.New("set In to scenario.InQuery, InForm, InJSON, InPath or InHeader")
	}
	if strings.TrimSpace(in.Name) == "" {
		return errors.New("set Name: the parameter, field, path placeholder or header that takes the input")
	}
	if !strings.HasPrefix(in.path(), "/") {
		return fmt.Errorf("field Path %q must start with \"/\"", in.Path)
	}
	switch in.In {
	case InPath:
		if !strings.Contains(pathOnly(in.path()), "{"+in.Name+"}") {
			return fmt.Errorf("field Path %q has no {%s} placeholder: write it like \"/users/{%s}\"", in.path(), in.Name, in.Name)
		}
	case InJSON:
		if _, err := injJSONBody(in.Template, in.Name, `""`); err != nil {
			return err
		}
	case InForm, InQuery:
		if _, err := url.ParseQuery(in.Template); err != nil {
			return fmt.Errorf("field Template %q is not form-encoded (%v): write it like \"user=x&password=y\"", in.Template, err)
		}
	case InHeader:
		if !injHeaderNameOK(in.Name) {
			return fmt.Errorf("field Name %q is not a valid header name", in.Name)
		}
	}
	return nil
}

// request builds the request that carries p into the input.
func (in Input) request(p Payload) Request {
	req := Request{Method: in.method(), Header: http.Header{}}
	for k, vs := range in.Header {
		req.Header[k] = slices.Clone(vs)
	}
	path, query := pathOnly(in.path()), queryOnly(in.path())
	switch in.In {
	case InQuery:
		q, _ := url.ParseQuery(query)
		t, _ := url.ParseQuery(in.Template)
		for k, vs := range t {
			q[k] = vs
		}
		q.Set(in.Name, p.Value)
		query = q.Encode()
	case InForm:
		f, _ := url.ParseQuery(in.Template)
		f.Set(in.Name, p.Value)
		req.Body = []byte(f.Encode())
		if req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case InJSON:
		v := p.JSON
		if v == "" {
			v = injJSONString(p.Value)
		}
		req.Body, _ = injJSONBody(in.Template, in.Name, v)
		if req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/json")
		}
	case InPath:
		path = strings.ReplaceAll(path, "{"+in.Name+"}", url.PathEscape(p.Value))
	case InHeader:
		req.Header.Set(in.Name, p.Value)
	}
	req.Path = path
	if query != "" {
		req.Path += "?" + query
	}
	return req
}

// injJSONPlaceholder marks where the payload goes in a marshalled template.
const injJSONPlaceholder = "\x00jetty-payload\x00"

// injJSONBody returns the template object with the field name (dotted for
// nested objects) set to the raw JSON value.
func injJSONBody(template, name, value string) ([]byte, error) {
	if strings.TrimSpace(template) == "" {
		template = "{}"
	}
	dec := json.NewDecoder(strings.NewReader(template))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, fmt.Errorf("field Template %q is not a JSON object: write it like {\"email\": \"x\", \"password\": \"y\"}", probe.Clip(template, 60))
	}
	keys := strings.Split(name, ".")
	m := obj
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = injJSONPlaceholder
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, err
	}
	quoted, _ := json.Marshal(injJSONPlaceholder)
	return bytes.Replace(bytes.TrimSpace(b.Bytes()), quoted, []byte(value), 1), nil
}

// injJSONString quotes s as a JSON string, escaping quotes, backslashes and
// control characters but leaving other bytes as they are: invalid UTF-8
// reaches the application as sent (encoding/json would replace it).
func injJSONString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func injHeaderValueOK(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func injHeaderNameOK(n string) bool {
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return n != ""
}

// injSelect takes at most max payloads, round-robin over categories so
// each is tried.
func injSelect(all []Payload, max int) []Payload {
	if max <= 0 || max >= len(all) {
		return all
	}
	by := map[PayloadCategory][]Payload{}
	var order []PayloadCategory
	for _, p := range all {
		if _, ok := by[p.Category]; !ok {
			order = append(order, p.Category)
		}
		by[p.Category] = append(by[p.Category], p)
	}
	var out []Payload
	for i := 0; len(out) < max; i++ {
		for _, c := range order {
			if i < len(by[c]) && len(out) < max {
				out = append(out, by[c][i])
			}
		}
	}
	return out
}

// injShow quotes a payload for a message: truncated, invalid bytes
// escaped, with its size when long.
func injShow(s string) string {
	if len(s) <= 100 {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q (%d bytes)", probe.Clip(s, 40), len(s))
}

// injLeakSignatures are texts a response must never show: database errors and
// stack traces.
var injLeakSignatures = []struct {
	what  string
	sql   bool
	hints []string // literal texts one of which a match holds: a fast pre-filter
	re    *regexp.Regexp
}{
	{"a SQLite syntax error", true, []string{": syntax error"}, regexp.MustCompile(`near "[^"\n]{0,80}": syntax error`)},
	{"a SQLite error", true, []string{"SQLITE_", "SQL logic error", "unrecognized token: ", "no such ", "incomplete input", "sqlite"},
		regexp.MustCompile(`SQLITE_[A-Z]+|SQL logic error|unrecognized token: |no such (?:column|table): |incomplete input|sqlite3?: `)},
	{"a PostgreSQL error", true, []string{"at or near", "pq: ", "SQLSTATE", "invalid input syntax for"},
		regexp.MustCompile(`syntax error at or near|unterminated quoted string at or near|\bpq: |SQLSTATE[ \[]|invalid input syntax for`)},
	{"a MySQL error", true, []string{"SQL syntax", "Error 1064", "mysql", "MariaDB"},
		regexp.MustCompile(`You have an error in your SQL syntax|\bError 1064\b|mysql_fetch_|mysqli?_\w+\(\)|MariaDB server version`)},
	{"a SQL Server error", true, []string{"Unclosed quotation mark", "Incorrect syntax near", "mssql: "},
		regexp.MustCompile(`Unclosed quotation mark after the character string|Incorrect syntax near|\bmssql: `)},
	{"an Oracle error", true, []string{"ORA-"}, regexp.MustCompile(`\bORA-\d{5}\b`)},
	{"a MongoDB error", false, []string{"Mongo", "CastError", "BSONError"}, regexp.MustCompile(`MongoServerError|MongoError|\bCastError\b|BSONError`)},
	{"a Go panic", false, []string{"panic: ", "goroutine "}, regexp.MustCompile(`panic: |goroutine \d+ \[`)},
	{"a Go runtime error", false, []string{"runtime error: "}, regexp.MustCompile(`runtime error: `)},
	{"a Go source path", false, []string{"/usr/local/go/src/", ".go:"}, regexp.MustCompile(`/usr/local/go/src/|[\w-]+\.go:\d+`)},
	{"a Python traceback", false, []string{"Traceback (most recent call last)", ".py\", line "},
		regexp.MustCompile(`Traceback \(most recent call last\)|File "[^"\n]+\.py", line \d+`)},
	{"a Java stack trace", false, []string{".java:", "java."}, regexp.MustCompile(`\bat [\w$.]+\([\w$]+\.java:\d+\)|\bjava\.(?:lang|sql|io)\.\w+(?:Exception|Error)\b`)},
	{"a Node.js stack trace", false, []string{"js:"}, regexp.MustCompile(`\bat [\w.<>$ ]+ \([^()\n]*\.[cm]?js:\d+:\d+\)`)},
	{"a PHP error", false, []string{" on line "}, regexp.MustCompile(`(?:Fatal error|Parse error|Warning)(?:</b>)?: .{0,200} on line (?:<b>)?\d+`)},
	{"a .NET error", false, []string{"System.", "Server Error in"}, regexp.MustCompile(`\bSystem\.[\w.]+Exception\b|Server Error in '/' Application`)},
}

// injFind returns re's first match in b, trying the regular expression
// only when b holds one of the literal hints (large bodies stay fast).
func injFind(re *regexp.Regexp, hints []string, b []byte) []byte {
	for _, h := range hints {
		if bytes.Contains(b, []byte(h)) {
			return re.Find(b)
		}
	}
	return nil
}

// injContext returns the match m of b extended to the end of its line, at
// most 100 bytes, so that a message shows the whole error.
func injContext(b, m []byte) []byte {
	i := bytes.Index(b, m)
	if i < 0 {
		return m
	}
	end := i + len(m)
	for end < len(b) && end < i+100 && b[end] != '\n' && b[end] != '<' {
		end++
	}
	return bytes.TrimSpace(b[i:end])
}

var (
	injCommandOutput = regexp.MustCompile(`uid=\d+\([\w.-]*\) gid=\d+`)
	injFileContents  = regexp.MustCompile(`root:[x*!]?:0:0:|\[(?:fonts|extensions)\]\s*\r?\n|; for 16-bit app support`)
	injFormatVerbs   = regexp.MustCompile(`%!(?:[a-zA-Z]?\((?:MISSING|BADWIDTH|BADPREC|NOVERB|BADINDEX)\)|\(EXTRA )`)
	// injEvaluated finds the template product as a number of its own.
	injEvaluated      = regexp.MustCompile(`(?:^|[^0-9A-Za-z])` + templateProduct + `(?:[^0-9A-Za-z]|$)`)
	injJavascriptAttr = regexp.MustCompile(`(?i)(?:href|src|action|formaction|data)\s*=\s*["']?\s*javascript:alert\(1337\)`)

	jsHints   = []string{"javascript:alert(1337)"}
	fmtHints  = []string{"%!"}
	cmdHints  = []string{"uid="}
	fileHints = []string{"root:", "[fonts]", "[extensions]", "16-bit"}
)

// injJudge lists what the response to payload p reveals, against the baseline.
func injJudge(p Payload, base, res *response) []string {
	if res.Dropped {
		return []string{"the handler crashed or the server closed the connection: recover, validate the input and answer 400"}
	}
	var out []string
	if res.Status >= 500 {
		out = append(out, "a server error: validate the input and answer 4xx, never 5xx")
	}
	for _, sig := range injLeakSignatures {
		m := injFind(sig.re, sig.hints, res.Body)
		if m == nil || injFind(sig.re, sig.hints, base.Body) != nil {
			continue
		}
		fix := "answer a generic error and log the details (OWASP ASVS 5.0 V16.5)"
		if sig.sql {
			fix = "use parameterised queries (database/sql placeholders) and " + fix
		}
		out = append(out, fmt.Sprintf("the body leaks %s (%s): %s", sig.what, injShow(string(injContext(res.Body, m))), fix))
		break
	}
	value := []byte(p.Value)
	if p.Category == PayloadXSS && injIsHTML(res) && len(value) > 0 {
		switch {
		case html.EscapeString(p.Value) != p.Value && bytes.Contains(res.Body, value):
			out = append(out, "the HTML reflects it unescaped (cross-site scripting): escape output, e.g. with html/template (OWASP ASVS 5.0 V1.2.1)")
		case strings.HasPrefix(p.Value, "javascript:") && injFind(injJavascriptAttr, jsHints, res.Body) != nil && injFind(injJavascriptAttr, jsHints, base.Body) == nil:
			out = append(out, "the HTML puts it in a link or source (cross-site scripting): allow only http(s) URLs, e.g. with html/template")
		}
	}
	if p.Category == PayloadTemplate && injEvaluated.Match(res.Body) && !injEvaluated.Match(base.Body) {
		out = append(out, "the template was evaluated (7331*7919 = 58054189 in the body): never render input as a template; pass it as data")
	}
	if m := injFind(injFormatVerbs, fmtHints, res.Body); m != nil && injFind(injFormatVerbs, fmtHints, base.Body) == nil {
		out = append(out, fmt.Sprintf("the input was used as a format string (%s in the body): write fmt.Fprintf(w, \"%%s\", input)", m))
	}
	if v := res.Header.Get("X-Jetty-Injected"); v != "" {
		out = append(out, "the response gained the header X-Jetty-Injected (response splitting): never copy input into headers; reject CR and LF")
	}
	for _, sc := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(strings.TrimSpace(sc), "jetty_injected=") {
			out = append(out, "the response sets the cookie jetty_injected (response splitting): never copy input into headers; reject CR and LF")
			break
		}
	}
	if m := injFind(injCommandOutput, cmdHints, res.Body); m != nil && injFind(injCommandOutput, cmdHints, base.Body) == nil {
		out = append(out, fmt.Sprintf("the body shows command output (%q): never pass input to a shell", m))
	}
	if m := injFind(injFileContents, fileHints, res.Body); m != nil && injFind(injFileContents, fileHints, base.Body) == nil {
		out = append(out, fmt.Sprintf("the body shows a system file (%q): resolve paths inside a root (os.Root, filepath.IsLocal)", strings.TrimSpace(string(m))))
	}
	return out
}

// injIsHTML reports whether the response is HTML, by Content-Type or, when it
// has none, by sniffing as a browser would.
func injIsHTML(res *response) bool {
	ct := res.Header.Get("Content-Type")
	if ct == "" {
		ct = http.DetectContentType(res.Body)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.Contains(strings.ToLower(ct), "html")
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}
