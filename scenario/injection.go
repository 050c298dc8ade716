package scenario

import (
	"bytes"
	"context"
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
// path traversal, template, CRLF, format string, oversized, invalid UTF-8,
// odd Unicode, file-write, SSRF and open redirect (see [PayloadCategory]
// and [Payloads]) — into each configured
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
//   - does not reflect an XSS payload where it runs in an HTML response,
//     judged by the context it lands in: unescaped markup, a script (code,
//     or a string it closes: 1;alert(1337)// needs no quote or tag), an
//     event-handler attribute (escaping does not help there), an unquoted
//     attribute, a javascript: URL, or a page a client-side template
//     framework renders (AngularJS, Vue);
//   - does not answer a UNION SELECT of a marker with the marker
//     (7331*7927 = 58112837), nor a true and a false condition (OR 7=7,
//     OR 7=8, and again with 3=3, 3=4) differently beyond the echoed
//     input: blind SQL injection that shows no error. Words in which the
//     two true conditions' answers already differ (a request ID, a time,
//     the ID of a row each request created, even one a digit longer) are
//     ignored; an answer that changes in more than 64 bytes or half its
//     body, or in its number of words, is not judged, and the log says so;
//   - does not evaluate a template payload (7331*7919 shows as 58054189 where the
//     baseline had none);
//   - does not use the input as a Go format string (%!s(MISSING));
//   - gains no response header from a CRLF payload (X-Jetty-Injected, a
//     jetty_injected cookie);
//   - shows no command output (uid=…, root:x:0:0:) or file it should not
//     serve (/etc/passwd, win.ini) that the baseline did not;
//   - does not redirect (Location on a 3xx, or Refresh) to the host an
//     open-redirect payload names;
//   - and leaves no side effect: the canary file the command payloads try to
//     `touch` does not exist after it (the message says whether shell
//     syntax was needed: a command run without a shell is not said to
//     have reached one); no file appears in the temporary directory the
//     check owns, where the file-write payloads point (an absolute path,
//     and the same path behind 16 "../"); and the canary listener the SSRF
//     payloads name, on 127.0.0.1, is never called.
//
// Warning: the file-write payloads make a vulnerable application write a
// file where its input says. They point only into the check's own
// temporary directory (removed after the run), but never run Injection as
// root against a real filesystem: a sink that rewrites paths could write
// elsewhere, and a handler that creates the file any input names also
// creates the path-traversal payloads' targets (/etc/passwd, truncated:
// seen in this module's own tests as root). Run it against a test
// instance, as an unprivileged user; the run logs a warning when it runs
// as root.
//
// Payloads that cannot travel in a header (CR, LF, NUL and other control
// bytes: net/http refuses them) are skipped for InHeader and InCookie
// inputs, unless a Template carries them as JSON (escaped). No payload is
// timing-based, and none is destructive to an application that only
// reads the paths it is given (see the warning above for one that
// writes). The canary check assumes the application runs on this machine
// (an in-process handler or a loopback URL).
//
// A passing run logs how many payloads were sent into which inputs, per
// category. A failing run lists each failing payload (at most 25 per input,
// then a count) with its category, input, status and what leaked; long
// payloads are truncated and invalid bytes escaped.
//
// Every probe above runs by default on every input listed in Inputs (the
// one required field: Injection cannot guess where input goes); Categories
// and MaxPayloads only narrow the corpus, and a narrowed run says what it
// sent.
//
// Under go test -short, unless MaxPayloads is set (it wins), Injection
// sends each category's strongest probes instead of the whole corpus: 64
// of its 186 payloads, every category and every judgement above still
// tried. The differential oracle keeps its quoted, quoted-with-comment and
// numeric OR shapes with their four conditions each, the UNION marker
// every column count, XSS one payload per context, the command payloads
// the canary with and without a shell; the variants (other shapes,
// encodings, filter bypasses) wait for the full run. The log says so for
// each input ("-short: 64 of 186 payloads into POST /login json email; run
// without -short for the whole corpus"). Run CI without -short: the jetty
// command does not call a -short run green.
//
// Payloads are sent four at a time (an application that hashes passwords
// spends its time in the hash, and a batch keeps two cores busy), so a
// handler sees concurrent requests, as from any HTTP client; answers are
// judged in the corpus's order. The side effects are looked for after each
// batch, and a batch that had one is sent again a payload at a time, so
// the message names the payload that did it.
//
// Injection is safe in parallel tests as long as each run has its own canary
// (the default is unique per run) and the application tolerates the load.
//
// Not proven without its field: no probe of Injection needs one; every
// category runs by default. The SSRF probe is logged as not proven only when
// no canary listener can listen on loopback.
type Injection struct {
	production

	// Target is the application. Required.
	Target Target
	// Inputs are where the payloads go. Required: at least one, or an
	// Inventory.
	Inputs []Input
	// Inventory is the application's route inventory (jetty.WalkRoutes,
	// jetty.Mux, OpenAPIRoutes): every parameter a route names — path
	// placeholders, and from an OpenAPI document query, header and cookie
	// parameters and JSON body fields — becomes an Input too, with
	// InventoryHeader sent along. Under a Feature the check reports the
	// routes it probed (jetty.S.Touched). Default: none.
	Inventory jetty.Routes
	// InventoryHeader is sent with every request built from the Inventory,
	// e.g. the credentials of a signed-in user. Default: none.
	InventoryHeader http.Header
	// Categories limits the corpus. Default: every category.
	Categories []PayloadCategory
	// Canary is the absolute path of a file the command payloads try to
	// create with `touch`. It must not exist before the run and is removed
	// after it if a payload created it. Default: a new name in a temporary
	// directory the check creates under os.TempDir and removes after the
	// run, unique per run.
	Canary string
	// MaxPayloads caps the payloads sent into each input, taken evenly
	// from every category. Default: the whole selected corpus
	// (len(Payloads()) payloads for every category); under go test -short,
	// each category's strongest probes (see above). Set, it wins over
	// -short.
	MaxPayloads int
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset

	short shortMode // go test -short decides, unless a test of the package forces it
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
	// InHeader puts the payload in the request header Name; with a
	// Template (a JSON object), in its field Field, the header's value
	// being the JSON.
	InHeader
	// InCookie puts the payload in the cookie Name (percent-encoded when a
	// cookie cannot carry it as it is); with a Template, as InHeader.
	InCookie
)

// String returns "query", "form", "json", "path", "header" or "cookie".
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
	case InCookie:
		return "cookie"
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
	// parameters for InQuery; for InHeader and InCookie, a JSON object
	// that is the value, with the payload in its field Field.
	Template string
	// Field is the field (dotted for nested objects) of an InHeader or
	// InCookie Template that takes the payload, such as "filter.name" for
	// X-Filter: {"filter": {"name": "…"}}. Required with such a Template.
	Field string
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

// Title names the check in the preset's words.
func (x Injection) Title() string {
	return "hostile input is refused without errors, leaks or side effects"
}

// Covers returns preset.Injection.
func (x Injection) Covers() []preset.ID { return []preset.ID{preset.Injection} }

// Verify runs the check without a testing.T and returns a *Problems listing
// every problem, or nil.
func (x Injection) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the check as the steps of a jetty scenario.
func (x Injection) Run(s *jetty.S) {
	s.Helper()
	run(s, x.Preset, x.exec)
	s.Touched(x.touched()...)
}

// injMaxListed bounds the failing payloads listed per input.
const injMaxListed = 25

// injFailure is one payload that did harm.
type injFailure struct {
	in   Input
	p    Payload
	text string
}

// injRun is one run of Injection: its configuration, resolved once, and
// what it saw.
type injRun struct {
	x          Injection
	r          reporter
	c          *client
	payloads   []Payload
	canary     string
	failures   []injFailure
	sent       map[PayloadCategory]int
	total      int
	skipped    int
	canaryHits int
	writeHits  int
	ssrfHits   int
	sinks      injSinks
	// short is set when -short narrowed the corpus, of corpus payloads,
	// to payloads.
	short  bool
	corpus int
}

func (x Injection) exec(r reporter) {
	x.Inputs = append(slices.Clip(x.Inputs), x.inventoryInputs()...)
	u := &injRun{x: x, r: r, canary: x.Canary, sent: map[PayloadCategory]int{}}
	r.step("Given", "the application at "+x.Target.String(), u.setup)
	if r.failed() {
		return
	}
	r.step("When", fmt.Sprintf("I send %d hostile payloads into %s", len(u.payloads), injInputList(x.Inputs)), u.sendAll)
	r.step("Then", "every payload is refused without a server error, a leak, unescaped reflection, evaluation or an injected header", u.report)
	r.step("And", "no payload has a side effect: no command ran, no file was written, no request left the server", u.sideEffects)
}

// injConfigProblems lists what is wrong with the check's fields.
func injConfigProblems(x Injection) []string {
	var out []string
	if len(x.Inputs) == 0 {
		out = append(out, `no Inputs: list where user input goes, e.g. Inputs: []scenario.Input{{In: scenario.InQuery, Name: "q", Path: "/search"}}`)
	}
	for i, in := range x.Inputs {
		if err := in.check(); err != nil {
			out = append(out, fmt.Sprintf("input #%d (%s): %v", i+1, in, err))
		}
	}
	for _, cat := range x.Categories {
		if !slices.Contains(PayloadCategories(), cat) {
			out = append(out, fmt.Sprintf("category %q is unknown: want one of %s", cat, injCategoryList()))
		}
	}
	if x.MaxPayloads < 0 {
		out = append(out, fmt.Sprintf("MaxPayloads is %d: want a positive bound, or zero for the whole corpus", x.MaxPayloads))
	}
	return out
}

// injCanaryProblem says why canary cannot be the canary file, or "".
func injCanaryProblem(canary string) string {
	switch {
	case !filepath.IsAbs(canary):
		return fmt.Sprintf("Canary %q is not an absolute path: use one such as filepath.Join(t.TempDir(), \"canary\")", canary)
	case strings.ContainsAny(canary, " \t\r\n"):
		return fmt.Sprintf("Canary %q holds white space: a shell would not touch it as one file; pick a path without spaces", canary)
	}
	if _, err := os.Lstat(canary); err == nil {
		return fmt.Sprintf("Canary %q exists before the run: remove it or pick a new path, so that a payload creating it can be told", canary)
	}
	return ""
}

func (u *injRun) setup() {
	var err error
	if u.c, err = u.x.Target.open(u.r); err != nil {
		u.r.errorf("%v", err)
	}
	for _, p := range injConfigProblems(u.x) {
		u.r.errorf("%s", p)
	}
	u.r.ready()
	if u.r.failed() {
		return
	}
	if p := injCanaryProblem(u.canary); u.canary != "" && p != "" {
		u.r.errorf("%s", p)
		return
	}
	u.openSinks()
	all := Payloads(u.x.Categories...)
	u.corpus = len(all)
	if u.x.MaxPayloads == 0 && u.x.short.on() {
		u.payloads, u.short = injShort(all), true
	} else {
		u.payloads = injSelect(all, u.x.MaxPayloads)
	}
	for i := range u.payloads {
		u.payloads[i].Value = u.sinks.placeholders(strings.ReplaceAll(u.payloads[i].Value, CanaryFilePlaceholder, u.canary))
	}
}

func (u *injRun) sendAll() {
	for _, in := range u.x.Inputs {
		if !u.sendInput(in) {
			return
		}
	}
}

// sendInput sends the baseline and every payload into in; false stops the
// run.
func (u *injRun) sendInput(in Input) bool {
	ctx := u.r.context()
	base, err := u.c.do(ctx, in.request(Payload{Value: in.baseline()}))
	if err != nil {
		u.r.errorf("%s baseline: %v", in, err)
		return false
	}
	if p := injReachableProblem(in, base); p != "" {
		u.r.errorf("%s", p)
		return true
	}
	n, oracle, ok := u.sendPayloads(ctx, in, base)
	if !ok {
		return false
	}
	u.oracle(in, oracle)
	if u.short {
		u.r.logf("-short: %d of %d payloads into %s; run without -short for the whole corpus", n, u.corpus, in)
	} else {
		u.r.logf("%d payloads into %s", n, in) // "password: 186" would read as a secret
	}
	return true
}

// injSentValue is p's value as sent into in (the baseline placeholder
// replaced).
func injSentValue(in Input, p Payload) string {
	return strings.ReplaceAll(p.Value, BaselinePlaceholder, in.baseline())
}

// oracle judges the differential SQL oracle's answers for in.
func (u *injRun) oracle(in Input, seen map[int]*[4]*response) {
	unstable := 0
	for shape := 1; shape <= len(sqlOracleShapes); shape++ {
		rs := seen[shape]
		if rs == nil || rs[0] == nil || rs[1] == nil || rs[2] == nil || rs[3] == nil {
			continue
		}
		verdict := injOracleVerdict(rs)
		if verdict == injOracleUnstable {
			unstable++
			continue
		}
		if verdict != injOracleDiffers {
			continue
		}
		t, f := injOracleValue(in, shape, 0), injOracleValue(in, shape, 1)
		u.failures = append(u.failures, injFailure{in, Payload{Category: PayloadSQL, Value: t}, fmt.Sprintf(
			"%s ← sql payloads %s and %s: %s and %s: the answers to a true and a false condition differ beyond the echoed input, twice, so the input changes the query's logic (boolean-based SQL injection, no error needed): use parameterised queries (database/sql placeholders)",
			in, injShow(t), injShow(f), injSize(rs[0]), injSize(rs[1]))})
		return
	}
	if unstable > 0 {
		u.r.logf("%s: the differential SQL oracle could not judge %d shape(s): two sends of one condition answered differently (a request ID or a time in the body?)", in, unstable)
	}
}

// injOracleValue is the value of the oracle payload of shape at pos for in.
func injOracleValue(in Input, shape, pos int) string {
	d := sqlOracleDigits[pos]
	return injSentValue(in, Payload{Value: fmt.Sprintf(sqlOracleShapes[shape-1], d[0], d[1])})
}

func injSize(r *response) string { return fmt.Sprintf("%s (%d bytes)", r, len(r.Body)) }

// The verdicts of the differential oracle on one shape.
const (
	injOracleSame     = iota // true and false answer alike: no sign of injection
	injOracleDiffers         // true and false answer differently, twice
	injOracleUnstable        // two true conditions answer differently: no verdict
)

// injOracleVerdict compares the answers to 7=7, 7=8, 3=3 and 3=4.
// Answers are alike when their statuses are equal and their bodies differ
// only where the echoed digits do, or where the two true conditions'
// answers already differ (content that changes on every request, such as
// a request ID: see injDynamic).
func injOracleVerdict(rs *[4]*response) int {
	dyn, ok := injDynamic(rs[0], rs[2], '7', '3')
	if !ok {
		return injOracleUnstable
	}
	if !injEchoEqual(rs[0], rs[1], '7', '8', dyn) && !injEchoEqual(rs[2], rs[3], '3', '4', dyn) {
		return injOracleDiffers
	}
	return injOracleSame
}

// injMaxDynamic is how many bytes of an answer may change from one request
// to the next (a request ID, a time) for the oracle still to judge it.
const injMaxDynamic = 64

// injDynamic compares the answers a and b to two true conditions, which
// echo x and y, word by word (see injWords): it returns the ordinals of
// the words where they differ otherwise, in order — content that changes
// on every request, such as a request ID or the ID of a row just created,
// ignored when true and false answers are compared; a word may change its
// length (row 9, then row 10) — or ok false when they differ in status or
// in their number of words, or in more than injMaxDynamic bytes or half
// the body.
func injDynamic(a, b *response, x, y byte) (dyn []int, ok bool) {
	if a.Status != b.Status || a.Dropped != b.Dropped {
		return nil, false
	}
	if injEchoWord(a.Body, b.Body, x, y) {
		return nil, true // alike byte for byte: the words need no walk
	}
	n := 0
	same := injWords(a.Body, b.Body, func(k int, p, q []byte) bool {
		if !injEchoWord(p, q, x, y) {
			dyn = append(dyn, k)
			n += max(len(p), len(q))
		}
		return n <= injMaxDynamic
	})
	return dyn, same && 2*n <= len(a.Body)
}

// injWords walks the words of a and b side by side — runs of letters and
// digits, and each byte between them — calling fn with each pair and its
// ordinal until fn returns false; it reports whether fn never did and a
// and b have as many words.
func injWords(a, b []byte, fn func(k int, p, q []byte) bool) bool {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		ni, nj := injWordEnd(a, i), injWordEnd(b, j)
		if !fn(k, a[i:ni], b[j:nj]) {
			return false
		}
		i, j, k = ni, nj, k+1
	}
	return i == len(a) && j == len(b)
}

// injWordEnd is where the word of b that starts at i ends.
func injWordEnd(b []byte, i int) int {
	j := i + 1
	if injWordByte(b[i]) {
		for j < len(b) && injWordByte(b[j]) {
			j++
		}
	}
	return j
}

func injWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// injEchoWord reports whether words (or whole bodies) p and q are one,
// but where p has x and q has y (the echoed digits of the condition).
func injEchoWord(p, q []byte, x, y byte) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if c, d := p[i], q[i]; c != d && (c != x || d != y) {
			return false
		}
	}
	return true
}

// injEchoEqual reports whether a and b have one status and bodies of as
// many words that differ only where a has x and b has y, or in the words
// dyn lists.
func injEchoEqual(a, b *response, x, y byte, dyn []int) bool {
	if a.Status != b.Status || a.Dropped != b.Dropped {
		return false
	}
	if injEchoWord(a.Body, b.Body, x, y) {
		return true // alike byte for byte: the words need no walk
	}
	return injWords(a.Body, b.Body, func(k int, p, q []byte) bool {
		for len(dyn) > 0 && dyn[0] < k {
			dyn = dyn[1:]
		}
		return injEchoWord(p, q, x, y) || len(dyn) > 0 && dyn[0] == k
	})
}

// injReachableProblem says why the baseline shows the input cannot be
// tested, or "".
func injReachableProblem(in Input, base *response) string {
	if base.Dropped || base.Status >= 500 || base.Status == http.StatusNotFound || base.Status == http.StatusMethodNotAllowed {
		return fmt.Sprintf("%s with the harmless value %q = %s: the input is not reachable; fix Method, Path or Template so that a normal request succeeds", in, in.baseline(), base)
	}
	return ""
}

// sideEffect looks for the canaries after payload p, and removes them.
func (u *injRun) sideEffect(p Payload) []string {
	out := u.effects()
	if _, err := os.Lstat(u.canary); err != nil {
		return out
	}
	u.canaryHits++
	_ = os.Remove(u.canary)
	return append(out, injCommandEffect(p.Value, u.canary))
}

func (u *injRun) report() {
	listed := map[string]int{}
	for _, f := range u.failures {
		key := f.in.String()
		listed[key]++
		if listed[key] <= injMaxListed {
			u.r.errorf("%s", f.text)
		}
	}
	for _, in := range u.x.Inputs {
		if n := listed[in.String()]; n > injMaxListed {
			u.r.errorf("%s: %d more payloads failed (%d in all)", in, n-injMaxListed, n)
			listed[in.String()] = 0
		}
	}
	msg := fmt.Sprintf("%s; %d failed", injSentSummary(u.sent, u.total, len(u.x.Inputs), u.skipped), len(u.failures))
	if u.short {
		msg += fmt.Sprintf("; -short: %d of the corpus's %d payloads per input, each category's strongest probes", len(u.payloads), u.corpus)
	}
	u.r.logf("%s", msg)
}

// injSentSummary says what was sent, per category.
func injSentSummary(sent map[PayloadCategory]int, total, inputs, skipped int) string {
	var counts []string
	for _, cat := range PayloadCategories() {
		if sent[cat] > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", cat, sent[cat]))
		}
	}
	msg := fmt.Sprintf("sent %d payloads into %d inputs: %s", total, inputs, strings.Join(counts, ", "))
	if skipped > 0 {
		msg += fmt.Sprintf(" (%d skipped: control bytes cannot travel in a header)", skipped)
	}
	return msg
}

func (u *injRun) sideEffects() {
	late := u.effects()
	if _, err := os.Lstat(u.canary); err == nil {
		_ = os.Remove(u.canary)
		late = append(late, fmt.Sprintf("the canary file %s exists after the run: a payload ran a command after its response; never run a program or shell built from input", u.canary))
	}
	for _, p := range late {
		u.r.errorf("after the last payload: %s", p)
	}
	if u.canaryHits > 0 {
		u.r.errorf("%d payloads created the canary file %s (listed above; each was removed)", u.canaryHits, u.canary)
	}
	if u.writeHits > 0 {
		u.r.errorf("%d payloads wrote files into %s (listed above; each was removed)", u.writeHits, u.sinks.dir)
	}
	if u.ssrfHits > 0 {
		u.r.errorf("%d payloads made the server call the canary listener (listed above)", u.ssrfHits)
	}
	if len(late) == 0 && u.canaryHits+u.writeHits+u.ssrfHits == 0 {
		u.r.logf("the canary file %s was never created, no file was written into %s, and the canary listener was never called", u.canary, u.sinks.dir)
	}
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
	if in.In < InQuery || in.In > InCookie {
		return errors.New("set In to scenario.InQuery, InForm, InJSON, InPath, InHeader or InCookie")
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
		if _, _, err := injJSONFrame(in.Template, in.Name); err != nil {
			return err
		}
	case InForm, InQuery:
		if _, err := url.ParseQuery(in.Template); err != nil {
			return fmt.Errorf("field Template %q is not form-encoded (%v): write it like \"user=x&password=y\"", in.Template, err)
		}
	case InHeader, InCookie:
		if !injHeaderNameOK(in.Name) {
			return fmt.Errorf("field Name %q is not a valid %s name", in.Name, map[Location]string{InHeader: "header", InCookie: "cookie"}[in.In])
		}
		if in.Template == "" {
			break
		}
		if in.Field == "" {
			return errors.New("field Template is set but Field is not: name the JSON field that takes the payload, e.g. Field: \"filter.name\"")
		}
		if _, _, err := injJSONFrame(in.Template, in.Field); err != nil {
			return err
		}
	}
	return nil
}

// request builds the request that carries p into the input.
func (in Input) request(p Payload) Request { return in.builder().request(p) }

// injBuilder builds the requests that carry payloads into one input, its
// JSON template parsed once rather than once a payload.
type injBuilder struct {
	in Input
	// before and after frame the payload's JSON value in the Template
	// (InJSON, or a header or cookie with a Field); framed is false when
	// there is no frame.
	before, after string
	framed        bool
}

func (in Input) builder() injBuilder {
	b := injBuilder{in: in}
	var err error
	switch {
	case in.In == InJSON:
		b.before, b.after, err = injJSONFrame(in.Template, in.Name)
		b.framed = err == nil
	case in.Template != "" && in.Field != "":
		b.before, b.after, err = injJSONFrame(in.Template, in.Field)
		b.framed = err == nil
	}
	return b
}

func (b injBuilder) request(p Payload) Request {
	in := b.in
	p.Value = injSentValue(in, p)
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
		if b.framed {
			req.Body = injFramed(b.before, injJSONValue(p), b.after)
		}
		if req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/json")
		}
	case InPath:
		path = strings.ReplaceAll(path, "{"+in.Name+"}", url.PathEscape(p.Value))
	case InHeader:
		req.Header.Set(in.Name, b.carried(p))
	case InCookie:
		req.Header.Add("Cookie", in.Name+"="+b.carried(p))
	}
	req.Path = path
	if query != "" {
		req.Path += "?" + query
	}
	return req
}

// carried is the header or cookie value that carries p: the payload, or
// the Template with the payload in its Field, as a cookie can carry it.
func (b injBuilder) carried(p Payload) string {
	p.Value = injSentValue(b.in, p)
	v := p.Value
	if b.framed && b.in.In != InJSON {
		v = string(injFramed(b.before, injJSONValue(p), b.after))
	}
	if b.in.In == InCookie {
		return injCookieValue(v)
	}
	return v
}

// injJSONValue is p as a raw JSON value: its JSON, or its Value quoted.
func injJSONValue(p Payload) string {
	if p.JSON != "" {
		return p.JSON
	}
	return injJSONString(p.Value)
}

// injJSONPlaceholder marks where the payload goes in a marshalled template.
const injJSONPlaceholder = "\x00jetty-payload\x00"

// injFramed is before, value and after in one new slice.
func injFramed(before, value, after string) []byte {
	b := make([]byte, 0, len(before)+len(value)+len(after))
	return append(append(append(b, before...), value...), after...)
}

// injJSONFrame is the template object with the field name (dotted for
// nested objects) set, split around where the field's raw JSON value goes.
func injJSONFrame(template, name string) (before, after string, err error) {
	if strings.TrimSpace(template) == "" {
		template = "{}"
	}
	dec := json.NewDecoder(strings.NewReader(template))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return "", "", fmt.Errorf("field Template %q is not a JSON object: write it like {\"email\": \"x\", \"password\": \"y\"}", probe.Clip(template, 60))
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
		return "", "", err
	}
	quoted, _ := json.Marshal(injJSONPlaceholder)
	out := bytes.TrimSpace(b.Bytes())
	i := bytes.Index(out, quoted)
	return string(out[:i]), string(out[i+len(quoted):]), nil
}

// injJSONString quotes s as a JSON string, escaping quotes, backslashes and
// control characters but leaving other bytes as they are: invalid UTF-8
// reaches the application as sent (encoding/json would replace it).
func injJSONString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	start := 0 // s[start:i] needs no escape
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		start = i + 1
		if c < 0x20 {
			fmt.Fprintf(&b, `\u%04x`, c)
		} else {
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	b.WriteString(s[start:])
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

var (
	injCommandOutput = probe.Leak{Hints: []string{"uid="}, RE: regexp.MustCompile(`uid=\d+\([\w.-]*\) gid=\d+`)}
	injFileContents  = probe.Leak{Hints: []string{"root:", "[fonts]", "[extensions]", "16-bit"},
		RE: regexp.MustCompile(`root:[x*!]?:0:0:|\[(?:fonts|extensions)\]\s*\r?\n|; for 16-bit app support`)}
	injFormatVerbs = probe.Leak{Hints: []string{"%!"}, RE: regexp.MustCompile(`%!(?:[a-zA-Z]?\((?:MISSING|BADWIDTH|BADPREC|NOVERB|BADINDEX)\)|\(EXTRA )`)}
	// injEvaluated finds the template product as a number of its own.
	injEvaluated = regexp.MustCompile(`(?:^|[^0-9A-Za-z])` + templateProduct + `(?:[^0-9A-Za-z]|$)`)
	// injClientTemplate finds the mark of a client-side template framework.
	injClientTemplate = regexp.MustCompile(`(?i)\bng-app\b|\bv-app\b|\bdata-v-app\b|\bx-data\b|angular(?:\.min)?\.js|vue(?:\.global)?(?:\.min)?\.js`)
	// injUnion finds the UNION payloads' product as a number of its own.
	injUnion          = regexp.MustCompile(`(?:^|[^0-9A-Za-z])` + unionProduct + `(?:[^0-9A-Za-z]|$)`)
	injJavascriptAttr = probe.Leak{Hints: []string{"javascript:alert(1337)"},
		RE: regexp.MustCompile(`(?i)(?:href|src|action|formaction|data)\s*=\s*["']?\s*javascript:alert\(1337\)`)}
)

// injHas reports whether re, which matches only texts holding the number
// lit, matches body: the substring search first, so that a megabyte body
// is not walked by the regular expression's slower engine.
func injHas(re *regexp.Regexp, lit string, body []byte) bool {
	return bytes.Contains(body, []byte(lit)) && re.Match(body)
}

// injJudge lists what the response to payload p reveals, against the baseline.
func injJudge(p Payload, base, res *response) []string {
	if res.Dropped {
		return []string{"the handler crashed or the server closed the connection: recover, validate the input and answer 400"}
	}
	var out []string
	if res.Status >= 500 {
		out = append(out, "a server error: validate the input and answer 4xx, never 5xx")
	}
	for _, sig := range probe.ServerErrors {
		m := sig.Find(res.Body)
		if m == nil || sig.Find(base.Body) != nil {
			continue
		}
		fix := "answer a generic error and log the details (OWASP ASVS 5.0 V16.5)"
		if sig.SQL {
			fix = "use parameterised queries (database/sql placeholders) and " + fix
		}
		out = append(out, fmt.Sprintf("the body leaks %s (%s): %s", sig.What, injShow(string(probe.Line(res.Body, m))), fix))
		break
	}
	value := []byte(p.Value)
	if p.Category == PayloadXSS && injIsHTML(res) && len(value) > 0 {
		switch {
		case strings.HasPrefix(p.Value, "javascript:") && injJavascriptAttr.Find(res.Body) != nil && injJavascriptAttr.Find(base.Body) == nil:
			out = append(out, "the HTML puts it in a link or source (cross-site scripting): allow only http(s) URLs, e.g. with html/template")
		default:
			if msg := injXSSContextProblem(p.Value, res.Body); msg != "" && injXSSContextProblem(p.Value, base.Body) == "" {
				out = append(out, msg)
			}
		}
	}
	if unionMarker(p) && injHas(injUnion, unionProduct, res.Body) && !injHas(injUnion, unionProduct, base.Body) {
		out = append(out, "a UNION SELECT in the input added its own row (7331*7927 = "+unionProduct+" in the body): the input is part of the SQL text (SQL injection, no error needed); use parameterised queries (database/sql placeholders)")
	}
	if p.Category == PayloadTemplate && injHas(injEvaluated, templateProduct, res.Body) && !injHas(injEvaluated, templateProduct, base.Body) {
		out = append(out, "the template was evaluated (7331*7919 = 58054189 in the body): never render input as a template; pass it as data")
	}
	if m := injFormatVerbs.Find(res.Body); m != nil && injFormatVerbs.Find(base.Body) == nil {
		out = append(out, fmt.Sprintf("the input was used as a format string (%s in the body): write fmt.Fprintf(w, \"%%s\", input)", m))
	}
	if strings.Contains(p.Value, redirectCanaryHost) {
		if msg := injRedirectProblem(res); msg != "" {
			out = append(out, msg)
		}
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
	if m := injCommandOutput.Find(res.Body); m != nil && injCommandOutput.Find(base.Body) == nil {
		out = append(out, fmt.Sprintf("the body shows command output (%q): never pass input to a shell", m))
	}
	if m := injFileContents.Find(res.Body); m != nil && injFileContents.Find(base.Body) == nil {
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

// The contexts of a reflection in an HTML page.
const (
	injCtxText    = iota // between tags
	injCtxTag            // inside a tag, outside quotes: an unquoted attribute
	injCtxAttr           // inside a quoted attribute value
	injCtxScript         // inside <script>…</script>
	injCtxComment        // inside <!-- … -->
	injCtxRawText        // inside <style>, <textarea>, <title>
)

// injHTMLContext returns the context of body[idx] and, for an attribute,
// its name and the offset where its value starts; for a script, the
// offset where the script starts.
func injHTMLContext(body []byte, idx int) (ctx int, attr string, start int) {
	ctx = injCtxText
	var (
		quote       byte
		name, tag   []byte
		readingName bool
		sawEq       bool
		raw         string
	)
	for i := 0; i < idx && i < len(body); i++ {
		c := body[i]
		switch ctx {
		case injCtxText:
			switch {
			case bytes.HasPrefix(body[i:], []byte("<!--")):
				ctx, i = injCtxComment, i+3
			case c == '<' && i+1 < len(body) && (isASCIILetter(body[i+1]) || body[i+1] == '/'):
				ctx, tag, name, readingName, sawEq = injCtxTag, nil, nil, true, false
			}
		case injCtxComment:
			if bytes.HasPrefix(body[i:], []byte("-->")) {
				ctx, i = injCtxText, i+2
			}
		case injCtxScript, injCtxRawText:
			if c == '<' && len(body) >= i+2+len(raw) && body[i+1] == '/' && strings.EqualFold(string(body[i+2:i+2+len(raw)]), raw) {
				ctx, tag, name, readingName, sawEq = injCtxTag, []byte("/"+raw), nil, false, false
				i += 1 + len(raw)
			}
		case injCtxTag:
			if readingName && (isASCIILetter(c) || c >= '0' && c <= '9' || c == '/' && len(tag) == 0) {
				tag = append(tag, c)
				continue
			}
			readingName = false
			switch {
			case c == '>':
				ctx = injCtxText
				switch t := strings.ToLower(string(tag)); t {
				case "script":
					ctx, raw, start = injCtxScript, t, i+1
				case "style", "textarea", "title", "xmp":
					ctx, raw = injCtxRawText, t
				}
			case (c == '"' || c == '\'') && sawEq:
				ctx, quote, attr, start = injCtxAttr, c, strings.ToLower(string(name)), i+1
			case c == '=':
				sawEq = true
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/':
				switch {
				case !sawEq:
					name = nil
				case body[i-1] != '=':
					name, sawEq = nil, false // the end of an unquoted value
				}
			case !sawEq:
				name = append(name, c)
			}
		case injCtxAttr:
			if c == quote {
				ctx, name, sawEq = injCtxTag, nil, false
			}
		}
	}
	if ctx == injCtxTag {
		attr = strings.ToLower(string(name))
	}
	return ctx, attr, start
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// The states of a JavaScript scan.
const (
	jsCode = iota
	jsSingle
	jsDouble
	jsTemplate
	jsLineComment
	jsBlockComment
)

// jsState returns the state of JavaScript source src at its end.
func jsState(src string) int {
	st := jsCode
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch st {
		case jsCode:
			switch {
			case c == '\'':
				st = jsSingle
			case c == '"':
				st = jsDouble
			case c == '`':
				st = jsTemplate
			case c == '/' && i+1 < len(src) && src[i+1] == '/':
				st, i = jsLineComment, i+1
			case c == '/' && i+1 < len(src) && src[i+1] == '*':
				st, i = jsBlockComment, i+1
			}
		case jsSingle, jsDouble, jsTemplate:
			end := map[int]byte{jsSingle: '\'', jsDouble: '"', jsTemplate: '`'}[st]
			switch {
			case c == '\\':
				i++
			case st == jsTemplate && c == '$' && i+1 < len(src) && src[i+1] == '{':
				st, i = jsCode, i+1 // an interpolation: code until its }
			case c == end:
				st = jsCode
			case c == '\n' && st != jsTemplate:
				st = jsCode
			}
		case jsLineComment:
			if c == '\n' {
				st = jsCode
			}
		case jsBlockComment:
			if c == '*' && i+1 < len(src) && src[i+1] == '/' {
				st, i = jsCode, i+1
			}
		}
	}
	return st
}

// jsRuns reports whether payload v, placed after the JavaScript source
// prefix, runs code of its own: whether its alert(1337) is code, not
// inside a string, a template literal's text or a comment. A quote in v
// that prefix escapes (a backslash before it) closes nothing.
func jsRuns(prefix, v string) bool {
	i := strings.Index(v, "alert(1337)")
	return i >= 0 && jsState(prefix+v[:i]) == jsCode
}

// injXSSContextProblem finds a reflection of XSS payload v in an HTML
// body that runs, by the context it lands in: markup where it is not
// escaped; a script where it is code or closes its string (HTML escaping
// does nothing there); an event handler, where the browser decodes the
// escaping before it runs the JavaScript; an unquoted attribute, where a
// space starts a new one; markup a client-side template framework renders.
func injXSSContextProblem(v string, body []byte) string {
	for _, form := range []string{v, html.EscapeString(v)} {
		for off := 0; off < len(body); {
			i := bytes.Index(body[off:], []byte(form))
			if i < 0 {
				break
			}
			idx := off + i
			off = idx + 1
			if msg := injXSSAt(v, form == v, body, idx); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// injXSSAt judges one reflection of v at body[idx], raw or HTML-escaped.
func injXSSAt(v string, raw bool, body []byte, idx int) string {
	ctx, attr, start := injHTMLContext(body, idx)
	switch {
	case ctx == injCtxScript:
		if raw && jsRuns(string(body[start:idx]), v) {
			return "the page puts it into a script where it runs (cross-site scripting in a JavaScript context): encode it as a JSON string (html/template does) and never concatenate input into script"
		}
		return ""
	case ctx == injCtxAttr && strings.HasPrefix(attr, "on") && jsRuns(html.UnescapeString(string(body[start:idx])), v):
		return "the page puts it into the event handler " + attr + " where it runs once the browser decodes the attribute (cross-site scripting; HTML escaping does not protect JavaScript): use html/template, which escapes for JavaScript there"
	case raw && html.EscapeString(v) != v:
		return "the HTML reflects it unescaped (cross-site scripting): escape output, e.g. with html/template (OWASP ASVS 5.0 V1.2.1)"
	case raw && ctx == injCtxTag && strings.ContainsAny(v, " \t\n/") && strings.Contains(v, "="):
		return "the page puts it into an unquoted attribute, where a space starts a new attribute (cross-site scripting): quote every attribute value, or use html/template"
	case ctx == injCtxText && strings.HasPrefix(v, "{{") && injClientTemplate.Match(body):
		return "the page reflects template syntax into markup a client-side template framework renders (AngularJS, Vue, Alpine: client-side template injection): keep input out of the framework's templates (ng-non-bindable, v-pre) or render it as text"
	}
	return ""
}
