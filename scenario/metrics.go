package scenario

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Metrics checks that request rate, errors and latency are exported as
// metrics a Prometheus server can scrape: three of the four golden signals
// of the Google SRE book (latency, traffic, errors; saturation is only
// logged) and the whole RED method (rate, errors, duration).
//
// It scrapes Path, which must answer 200 with the Prometheus text format
// (Content-Type text/plain; version=0.0.4) or OpenMetrics
// (application/openmetrics-text, which must end with "# EOF") that parses
// (see ParseExposition; a malformed line is reported by number; a second
// family of one name, which Prometheus ingests, is logged as a warning).
// It then sends N Requests and a request that must fail (Failing, or a GET
// of a path no application serves) and scrapes again, and checks that:
//
//   - a request counter rose by at least N: Counter, or else any
//     *_requests_total (such as http_requests_total);
//   - a latency histogram or summary counted at least N more observations:
//     Latency, or else any family whose name holds duration_seconds or
//     latency (such as http_request_duration_seconds), by its _count;
//   - every histogram is well formed, for each label set: its buckets
//     are cumulative, one is le="+Inf" and equals _count, and _sum and
//     _count are exposed (as Prometheus's histogram type defines them);
//   - the failing request answered 4xx or 5xx and an error series rose:
//     one labelled code, status or status_code 4xx/5xx, outcome or result
//     "error"/"failure", or a counter whose name holds "error" or "fail".
//
// The Go runtime's and promhttp's own families (go_*, process_*,
// promhttp_*) never count as the application's.
//
// Every probe runs by default. Without Failing, the errors signal is
// checked with GET /jetty-metrics-probe-not-found, which must be answered
// with an error and counted as one (a router's 404 counts when the
// instrumentation wraps the whole mux); an application that answers it
// 2xx (a catch-all route) has the errors signal reported as not proven,
// with Failing to set.
//
// It covers preset.Metrics. Metrics is a value; Verify and Run are safe in
// parallel tests when the target is not shared with another run (another
// run's requests would move the same counters; the checks are "at least").
//
// Not proven without its field, and required by a preset with
// preset.Metrics: the errors signal (Failing, when the made-up path is
// answered 2xx).
type Metrics struct {
	production

	// Target is the application, serving Path beside its routes. Required.
	Target Target
	// Path is the metrics endpoint. Default "/metrics".
	Path string
	// Request is an ordinary request that must be counted, sent N times.
	// Default GET /; a zero field takes that default.
	Request Request
	// Failing is a request the application answers with a 4xx or 5xx
	// error, such as GET /boom or a POST with an invalid body. Default:
	// GET /jetty-metrics-probe-not-found. Method defaults to GET; Path is
	// required when another field is set.
	Failing Request
	// N is how many times Request is sent. Default 5; at most 10000.
	N int
	// Counter is the name of the request counter, e.g. "myapp_hits_total".
	// Default: any *_requests_total.
	Counter string
	// Latency is the name of the latency histogram or summary, e.g.
	// "myapp_response_seconds". Default: any family whose name holds
	// duration_seconds or latency.
	Latency string
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "request rate, errors and latency are exported as metrics".
func (Metrics) Title() string { return "request rate, errors and latency are exported as metrics" }

// Covers returns preset.Metrics.
func (Metrics) Covers() []preset.ID { return []preset.ID{preset.Metrics} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Metrics) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s.
func (x Metrics) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// metricsProbePath is the path the scenario requests to see an error
// counted when Failing is not set: no application serves it.
const metricsProbePath = "/jetty-metrics-probe-not-found"

// metricsMaxN bounds Metrics.N.
const metricsMaxN = 10000

// metricsAccept is the Accept header Prometheus sends when it scrapes.
const metricsAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

// mtRun is one run of Metrics: the configuration resolved once, the
// client, and the two scrapes.
type mtRun struct {
	x      Metrics
	r      reporter
	c      *client
	path   string
	n      int
	req    Request
	fail   Request // Failing, or the scenario's own (provoked)
	before *Exposition
	after  *Exposition
	failed bool // Failing answered an error
	// provoked is set when Failing is not: the scenario sends its own
	// request for an error (metricsProbePath).
	provoked bool
	warned   bool // the exposition's warnings were logged
}

func (x Metrics) exec(r reporter) {
	m := &mtRun{x: x, r: r, path: cmp.Or(x.Path, "/metrics"), n: cmp.Or(x.N, 5)}
	m.req = x.Request.orDefault(Request{Method: http.MethodGet, Path: "/"})
	m.fail = Request{Method: http.MethodGet, Path: metricsProbePath}
	if m.provoked = x.Failing.IsZero(); !m.provoked {
		m.fail = x.Failing.orDefault(Request{Method: http.MethodGet})
	}
	r.step("Given", fmt.Sprintf("the metrics endpoint GET %s", m.path), m.given)
	if r.failed() || m.before == nil {
		return
	}
	r.step("When", fmt.Sprintf("%d × %s are sent", m.n, m.req), m.send)
	if m.after == nil {
		return
	}
	r.step("Then", fmt.Sprintf("a request counter rose by at least %d", m.n), m.counterRose)
	r.step("And", fmt.Sprintf("a latency histogram or summary counted at least %d more requests", m.n), m.latencyCounted)
	r.step("And", "every histogram is well formed: cumulative buckets, le=\"+Inf\" equal to _count, _sum", m.histograms)
	if m.failed {
		r.step("And", fmt.Sprintf("the failing %s is counted as an error", m.fail), m.errorsCounted)
	}
	m.saturation()
}

// config reports the fields that are wrong.
func (m *mtRun) config() {
	x, r := m.x, m.r
	if !strings.HasPrefix(m.path, "/") {
		r.errorf("Path = %q: want a path starting with /, such as /metrics", m.path)
	}
	if m.n < 0 || m.n > metricsMaxN {
		r.errorf("N = %d: want the number of requests to send, 1 to %d, or 0 for the default 5", m.n, metricsMaxN)
	}
	if !strings.HasPrefix(m.req.Path, "/") {
		r.errorf("Request.Path = %q: want a path starting with /, such as /", m.req.Path)
	}
	if !m.fail.IsZero() && !strings.HasPrefix(m.fail.Path, "/") {
		r.errorf("Failing.Path = %q: want the path of a request your app answers with 4xx or 5xx, such as /boom", m.fail.Path)
	}
	for _, f := range []struct{ name, val string }{{"Counter", x.Counter}, {"Latency", x.Latency}} {
		if f.val != "" && !metricsValidName(f.val) {
			r.errorf("%s = %q: want a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", f.name, f.val)
		}
	}
}

func (m *mtRun) given() {
	m.config()
	if m.c = connect(m.r, m.x.Target); m.c == nil {
		return
	}
	m.before = m.scrape(" before the requests")
}

// scrape fetches and parses the exposition; nil when it cannot be used.
func (m *mtRun) scrape(when string) *Exposition {
	r := m.r
	resp, err := m.c.do(r.context(), Request{Path: m.path, Header: http.Header{"Accept": {metricsAccept}}})
	if err != nil {
		r.errorf("GET %s%s: %v", m.path, when, err)
		return nil
	}
	if resp.Dropped || resp.Status != http.StatusOK {
		r.errorf("GET %s%s = %s, want 200: expose the metrics at %s (promhttp.Handler() with prometheus/client_golang), or set Path to where they are", m.path, when, resp, m.path)
		return nil
	}
	ct := resp.Header.Get("Content-Type")
	if p := metricsContentType(ct); p != "" {
		r.errorf("GET %s%s answers %s", m.path, when, p)
		return nil
	}
	e, err := ParseExposition(resp.Body)
	if err != nil {
		r.errorf("GET %s%s: the exposition is malformed: %v: fix what writes it (promhttp.Handler() writes valid text) — Prometheus rejects the whole scrape", m.path, when, err)
		return nil
	}
	if p := metricsEOFProblem(ct, e); p != "" {
		r.errorf("GET %s%s: %s", m.path, when, p)
		return nil
	}
	if !m.warned {
		m.warned = true
		for _, w := range e.Warnings {
			r.logf("warning: GET %s: %s", m.path, w)
		}
	}
	r.logf("GET %s%s = 200, %s: %d samples, %d TYPE lines", m.path, when, ct, len(e.Samples), len(e.Type))
	return e
}

// metricsEOFProblem judges the end of an exposition served as ct: an
// OpenMetrics one must end with # EOF.
func metricsEOFProblem(ct string, e *Exposition) string {
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/openmetrics-text" || e.EOF != 0 {
		return ""
	}
	return "the exposition is served as OpenMetrics (" + ct + ") but does not end with \"# EOF\": Prometheus rejects the whole scrape (\"data does not end with # EOF\"); end it with the line # EOF (promhttp.HandlerFor with EnableOpenMetrics does), or serve it as text/plain; version=0.0.4"
}

// metricsContentType judges a scrape's Content-Type.
func metricsContentType(ct string) (problem string) {
	mt, params, _ := mime.ParseMediaType(ct)
	switch {
	case mt == "application/openmetrics-text":
	case mt == "text/plain" && (params["version"] == "" || params["version"] == "0.0.4"):
	default:
		return fmt.Sprintf("Content-Type %q, want \"text/plain; version=0.0.4\" (the Prometheus text format) or \"application/openmetrics-text; version=1.0.0\": Prometheus refuses other types; serve the exposition with promhttp.Handler()", ct)
	}
	return ""
}

func (m *mtRun) send() {
	r, ctx := m.r, m.r.context()
	statuses := map[string]int{}
	for i := range m.n {
		resp, err := m.c.do(ctx, m.req.req(nil))
		if err != nil {
			r.errorf("%s #%d: %v", m.req, i+1, err)
			return
		}
		statuses[resp.String()]++
	}
	r.logf("%s × %d: %s", m.req, m.n, metricsCounts(statuses))
	m.sendFailing()
	m.after = m.scrape(" after the requests")
}

// sendFailing sends the request that must be counted as an error: Failing,
// or, when it is not set, a GET of a path no application serves.
func (m *mtRun) sendFailing() {
	r := m.r
	resp, err := m.c.do(r.context(), m.fail.req(nil))
	switch {
	case err != nil && m.provoked:
		r.errorf("%s (sent to see an error counted): %v", m.fail, err)
	case err != nil:
		r.errorf("Failing %s: %v", m.fail, err)
	case (resp.Dropped || resp.Status < 400) && m.provoked:
		r.notProven(need{preset.Metrics, "Metrics.Failing"}, "the errors signal: %s, a path the scenario made up, = %s, not an error, so whether errors are counted was not checked; set Failing to a request your app answers with 4xx or 5xx", m.fail, resp)
	case resp.Dropped || resp.Status < 400:
		r.errorf("Failing %s = %s, want a 4xx or 5xx: set Failing to a request your app answers with an error", m.fail, resp)
	case m.provoked:
		m.failed = true
		r.logf("%s = %d (a path the scenario made up, sent to see an error counted; set Failing to choose the request)", m.fail, resp.Status)
	default:
		m.failed = true
		r.logf("Failing %s = %d", m.fail, resp.Status)
	}
}

// rose returns the first of series whose sum rose by at least N between
// the scrapes and by how much ("" when none did), and every rise as
// "name +d" for the report.
func (m *mtRun) rose(series []string) (string, float64, []string) {
	var rose []string
	for _, nm := range series {
		d := m.after.sum(nm) - m.before.sum(nm)
		rose = append(rose, fmt.Sprintf("%s +%s", nm, metricsNum(d)))
		if d >= float64(m.n) {
			return nm, d, rose
		}
	}
	return "", 0, rose
}

func (m *mtRun) counterRose() {
	names, problem := metricsCounters(m.after, m.x.Counter, m.path)
	if problem != "" {
		m.r.errorf("%s", problem)
		return
	}
	nm, d, rose := m.rose(names)
	if nm != "" {
		m.r.logf("%s rose by %s after %d × %s", nm, metricsNum(d), m.n, m.req)
		return
	}
	m.r.errorf("no request counter rose by %d after %d × %s (%s): increment it for every request, in middleware around every route (promhttp.InstrumentHandlerCounter)", m.n, m.n, m.req, strings.Join(rose, ", "))
}

// metricsCounters returns the request counters of e: counter (or
// counter_total) when set, else every *_requests_total of the
// application; or the problem when there is none.
func metricsCounters(e *Exposition, counter, path string) (names []string, problem string) {
	if counter != "" {
		for _, nm := range []string{counter, counter + "_total"} {
			if e.has(nm) {
				names = append(names, nm)
			}
		}
		if len(names) == 0 {
			return nil, fmt.Sprintf("Counter %q is not exported at GET %s (it exports %s): count every request in it, or set Counter to the name you export", counter, path, metricsSome(e.names()))
		}
		return names, ""
	}
	for _, nm := range e.names() {
		if strings.HasSuffix(nm, "_requests_total") && !metricsRuntime(nm) {
			names = append(names, nm)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Sprintf("no request counter: GET %s exports no *_requests_total counter (it exports %s): count every request, e.g. http_requests_total{method,code} (promhttp.InstrumentHandlerCounter), or set Counter to the name you use", path, metricsSome(e.names()))
	}
	return names, ""
}

// metricsLatencies returns the base names of e's latency histograms or
// summaries: latency's when set, else every *duration_seconds* or
// *latency* family with _count and _sum; or the problem when there is none.
func metricsLatencies(e *Exposition, latency, path string) (bases []string, problem string) {
	if latency != "" {
		base := latency
		for _, suf := range []string{"_bucket", "_count", "_sum"} {
			base = strings.TrimSuffix(base, suf)
		}
		if !e.has(base + "_count") {
			return nil, fmt.Sprintf("Latency %q: GET %s exports no %s_count (it exports %s): observe every request's duration in a histogram or summary named %s, or set Latency to the name you export", latency, path, base, metricsSome(e.names()), base)
		}
		return []string{base}, ""
	}
	for _, nm := range e.names() {
		base, ok := strings.CutSuffix(nm, "_count")
		if !ok || metricsRuntime(base) || !e.has(base+"_sum") {
			continue
		}
		if strings.Contains(base, "duration_seconds") || strings.Contains(base, "latency") {
			bases = append(bases, base)
		}
	}
	if len(bases) == 0 {
		return nil, fmt.Sprintf("no latency histogram or summary: GET %s exports no *_duration_seconds or *latency* family with _count and _sum (it exports %s): observe every request's duration, e.g. the histogram http_request_duration_seconds (promhttp.InstrumentHandlerDuration), or set Latency to the name you use", path, metricsSome(e.names()))
	}
	return bases, ""
}

func (m *mtRun) latencyCounted() {
	bases, problem := metricsLatencies(m.after, m.x.Latency, m.path)
	if problem != "" {
		m.r.errorf("%s", problem)
		return
	}
	counts := make([]string, len(bases))
	for i, b := range bases {
		counts[i] = b + "_count"
	}
	nm, d, rose := m.rose(counts)
	if nm != "" {
		b := strings.TrimSuffix(nm, "_count")
		kind := "summary"
		if m.after.has(b + "_bucket") {
			kind = "histogram"
		}
		m.r.logf("latency %s %s: _count rose by %s after %d × %s", kind, b, metricsNum(d), m.n, m.req)
		return
	}
	m.r.errorf("no latency histogram or summary counted %d more requests after %d × %s (%s): observe the duration of every request, in middleware around every route (promhttp.InstrumentHandlerDuration)", m.n, m.n, m.req, strings.Join(rose, ", "))
}

func (m *mtRun) histograms() {
	problems := metricsHistogramProblems(m.after)
	for _, p := range problems {
		m.r.errorf("GET %s: %s", m.path, p)
	}
	if len(problems) == 0 {
		m.r.logf("every histogram's buckets are cumulative, with le=\"+Inf\" equal to _count, and a _sum")
	}
}

func (m *mtRun) errorsCounted() {
	rose := metricsErrorsRose(m.before, m.after)
	switch {
	case len(rose) == 0 && m.provoked:
		m.r.errorf("%s answered an error (the scenario sent it, to a path it made up) but no error series rose: count every response by status code, the router's 404s included — label the request counter with the code (code=\"404\") and wrap the whole mux in it (promhttp.InstrumentHandlerCounter), or count errors in a *_errors_total counter — so the error rate can be alerted on (the RED method's E); or set Failing to a request of one of your routes that answers an error", m.fail)
		return
	case len(rose) == 0:
		m.r.errorf("Failing %s answered an error but no error series rose: label the request counter with the status code (code=\"500\"), or count errors in a *_errors_total counter, so the error rate can be alerted on (the RED method's E)", m.fail)
		return
	}
	m.r.logf("error series that rose: %s", metricsSome(rose))
}

// metricsErrorsRose lists the application's error series that rose from
// before to after, with how much.
func metricsErrorsRose(before, after *Exposition) []string {
	prev := before.series()
	var rose []string
	for _, s := range after.Samples {
		if metricsRuntime(s.Name) || strings.HasSuffix(s.Name, "_bucket") || !metricsIsError(s) {
			continue
		}
		if d := s.Value - prev[s.key()]; d > 0 {
			rose = append(rose, fmt.Sprintf("%s +%s", s.key(), metricsNum(d)))
		}
	}
	return rose
}

// saturation logs the fourth golden signal, which is not required.
func (m *mtRun) saturation() {
	var sat []string
	for _, nm := range m.after.names() {
		if !metricsRuntime(nm) && (strings.Contains(nm, "in_flight") || strings.Contains(nm, "inflight") || strings.Contains(nm, "saturation") || strings.Contains(nm, "queue")) {
			sat = append(sat, nm)
		}
	}
	if len(sat) > 0 {
		m.r.logf("saturation (not required): %s", metricsSome(sat))
	} else {
		m.r.logf("saturation, the fourth golden signal, is not required: consider an in-flight gauge such as http_requests_in_flight")
	}
}

// metricsRuntime reports whether name belongs to the Go runtime's,
// process's or promhttp's own families.
func metricsRuntime(name string) bool {
	return strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") || strings.HasPrefix(name, "promhttp_")
}

// metricsIsError reports whether s counts errors.
func metricsIsError(s MetricSample) bool {
	if strings.Contains(s.Name, "error") || strings.Contains(s.Name, "fail") {
		return true
	}
	for k, v := range s.Labels {
		switch strings.ToLower(k) {
		case "code", "status", "status_code", "http_status", "http_status_code", "response_code", "status_class":
			if v != "" && (v[0] == '4' || v[0] == '5') {
				return true
			}
		}
		switch strings.ToLower(k) {
		case "outcome", "result", "status", "error":
			switch strings.ToLower(v) {
			case "error", "failure", "fail", "failed", "server_error", "client_error", "true":
				return true
			}
		}
	}
	return false
}

func metricsCounts(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// metricsSome lists at most 8 names.
func metricsSome(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	if len(names) > 8 {
		return strings.Join(names[:8], ", ") + fmt.Sprintf(" and %d more", len(names)-8)
	}
	return strings.Join(names, ", ")
}

func metricsNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// MetricSample is one sample of an exposition: a series (metric name and
// labels) and its value.
type MetricSample struct {
	// Name is the metric name, e.g. "http_requests_total" or
	// "http_request_duration_seconds_bucket".
	Name string
	// Labels are the label pairs, values unescaped; nil when there are
	// none.
	Labels map[string]string
	// Value is the sample's value: NaN, +Inf and -Inf included.
	Value float64
	// Line is the 1-based line of the sample in the exposition.
	Line int
}

// key identifies s's series: its name and sorted labels, as exposed.
func (s MetricSample) key() string {
	if len(s.Labels) == 0 {
		return s.Name
	}
	var b strings.Builder
	b.WriteString(s.Name)
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(s.Labels)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s.Labels[k]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// Exposition is a parsed Prometheus text exposition (format 0.0.4) or
// OpenMetrics text.
type Exposition struct {
	// Samples are the samples in order.
	Samples []MetricSample
	// Help maps a metric family's name to its # HELP text, unescaped.
	Help map[string]string
	// Type maps a metric family's name to its # TYPE: counter, gauge,
	// histogram, summary or untyped (OpenMetrics adds unknown, info,
	// stateset and gaugehistogram).
	Type map[string]string
	// EOF is the line of OpenMetrics' "# EOF", 0 when there is none (an
	// OpenMetrics exposition must end with it; the Prometheus text format
	// needs none).
	EOF int
	// Warnings are what the text gets wrong that Prometheus still ingests,
	// each naming its line: a second metric family of one name.
	Warnings []string
}

// has reports whether e has a sample named name.
func (e *Exposition) has(name string) bool {
	return slices.ContainsFunc(e.Samples, func(s MetricSample) bool { return s.Name == name })
}

// names returns the distinct sample names, sorted.
func (e *Exposition) names() []string {
	set := map[string]bool{}
	for _, s := range e.Samples {
		set[s.Name] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// sum adds the values of every series named name.
func (e *Exposition) sum(name string) float64 {
	t := 0.0
	for _, s := range e.Samples {
		if s.Name == name {
			t += s.Value
		}
	}
	return t
}

// series maps each series' key to its value.
func (e *Exposition) series() map[string]float64 {
	m := make(map[string]float64, len(e.Samples))
	for _, s := range e.Samples {
		m[s.key()] = s.Value
	}
	return m
}

var metricsTypes = map[string]bool{
	"counter": true, "gauge": true, "histogram": true, "summary": true, "untyped": true,
	"unknown": true, "info": true, "stateset": true, "gaugehistogram": true,
}

// ParseExposition parses the Prometheus text exposition format 0.0.4, and
// the OpenMetrics text that Prometheus servers also scrape: one sample per
// line, `name{label="value",…} value [timestamp]`, label values escaping
// \\, \" and \n; values are floats, NaN, +Inf or -Inf; # HELP and # TYPE
// lines (at most one each per family, TYPE before the family's samples);
// other # lines are comments; OpenMetrics' # EOF ends the text and
// exemplars (" # {…} value") are skipped. Histograms and summaries are
// their _bucket, _sum and _count (and quantile) samples.
//
// It returns an error naming the first malformed line — "line 7: …" — for
// an invalid name, label, escape or value, a label repeated in a sample, a
// series repeated, a second HELP or TYPE line in one family, text that is
// not UTF-8, or text after # EOF. A second family of a name an earlier
// family had (a HELP or TYPE block of its own) is a warning, not an error:
// Prometheus ingests it. It never panics.
func ParseExposition(text []byte) (*Exposition, error) {
	p := &mtParser{e: &Exposition{Help: map[string]string{}, Type: map[string]string{}},
		seen: map[string]int{}, named: map[string]bool{}, declared: map[string]int{}}
	for i, line := range strings.Split(string(text), "\n") {
		ln := i + 1
		line = strings.Trim(line, " \t\r")
		if line == "" {
			continue
		}
		if p.e.EOF != 0 {
			return nil, fmt.Errorf("line %d: text after # EOF (line %d): # EOF must end the exposition", ln, p.e.EOF)
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("line %d: not valid UTF-8", ln)
		}
		var err error
		if line[0] == '#' {
			err = p.comment(ln, line)
		} else {
			err = p.sample(ln, line)
		}
		if err != nil {
			return nil, err
		}
	}
	return p.e, nil
}

// mtParser is the state of ParseExposition.
type mtParser struct {
	e        *Exposition
	seen     map[string]int  // series key → line
	named    map[string]bool // sample names seen
	declared map[string]int  // family name → line of its first HELP or TYPE
	// block is the family whose HELP and TYPE lines are being read (until
	// its first sample), and which of them it had.
	block          string
	blockHelp      bool
	blockType      bool
	blockDuplicate bool // block repeats the name of an earlier family
}

// comment reads a # line.
func (p *mtParser) comment(ln int, line string) error {
	f := metricsFields(line[1:])
	if len(f) == 0 {
		return nil
	}
	switch f[0] {
	case "EOF":
		p.e.EOF = ln
		return nil
	case "HELP", "TYPE":
	default:
		return nil
	}
	if len(f) < 2 || !metricsValidName(f[1]) {
		return fmt.Errorf("line %d: # %s wants a metric name, got %q", ln, f[0], line)
	}
	name := f[1]
	if f[0] == "TYPE" && (len(f) != 3 || !metricsTypes[f[2]]) {
		return fmt.Errorf("line %d: # TYPE %s wants one of counter, gauge, histogram, summary or untyped, got %q", ln, name, strings.Join(f[2:], " "))
	}
	if name != p.block {
		p.startBlock(ln, name)
	}
	if f[0] == "HELP" {
		if p.blockHelp {
			return fmt.Errorf("line %d: a second # HELP for %s", ln, name)
		}
		p.blockHelp = true
		if !p.blockDuplicate {
			rest := strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(line[1:], " \t"), "HELP"), " \t")
			rest = strings.TrimLeft(strings.TrimPrefix(rest, name), " \t")
			p.e.Help[name] = strings.NewReplacer(`\\`, `\`, `\n`, "\n").Replace(rest)
		}
		return nil
	}
	if p.blockType {
		return fmt.Errorf("line %d: a second # TYPE for %s", ln, name)
	}
	p.blockType = true
	if p.blockDuplicate {
		return nil
	}
	if p.named[name] {
		return fmt.Errorf("line %d: # TYPE %s after samples of %s: the TYPE line must come first", ln, name, name)
	}
	p.e.Type[name] = f[2]
	return nil
}

// startBlock begins the HELP and TYPE lines of the family name. A name
// that an earlier family had is a second family of one name: Prometheus
// ingests it, so it is a warning, and the first family's HELP and TYPE
// stand.
func (p *mtParser) startBlock(ln int, name string) {
	p.block, p.blockHelp, p.blockType = name, false, false
	first, dup := p.declared[name]
	p.blockDuplicate = dup
	if !dup {
		p.declared[name] = ln
		return
	}
	p.e.Warnings = append(p.e.Warnings, fmt.Sprintf("line %d: a second metric family named %s (the first at line %d): Prometheus ingests both, but the text formats want each family name once, and stricter parsers (expfmt's TextParser, which promtool check metrics uses) reject the exposition; client_golang's Go collector writes this in OpenMetrics (go_memstats_alloc_bytes, a gauge, beside go_memstats_alloc_bytes_total, a counter), which is not yours to fix; if both families are yours, rename one", ln, name, first))
}

// sample reads a sample line.
func (p *mtParser) sample(ln int, line string) error {
	s, err := metricsParseSample(line)
	if err != nil {
		return fmt.Errorf("line %d: %v in %q", ln, err, probe.Clip(line, 80))
	}
	s.Line = ln
	k := s.key()
	if prev, dup := p.seen[k]; dup {
		return fmt.Errorf("line %d: series %s repeats line %d", ln, k, prev)
	}
	p.seen[k] = ln
	p.named[s.Name] = true
	p.block = "" // a HELP or TYPE after samples begins another family
	p.e.Samples = append(p.e.Samples, s)
	return nil
}

// metricsFields splits s at blanks and tabs, the exposition's separators.
func metricsFields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })
}

func metricsValidName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// metricsParseSample parses one sample line (trimmed, not a comment).
func metricsParseSample(line string) (MetricSample, error) {
	var s MetricSample
	i := 0
	for i < len(line) && (line[i] == '_' || line[i] == ':' || 'a' <= line[i] && line[i] <= 'z' || 'A' <= line[i] && line[i] <= 'Z' || i > 0 && '0' <= line[i] && line[i] <= '9') {
		i++
	}
	if i == 0 {
		return s, fmt.Errorf("want a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) at the start")
	}
	s.Name = line[:i]
	i = metricsSkip(line, i)
	if i < len(line) && line[i] == '{' {
		var err error
		if s.Labels, i, err = metricsParseLabels(line, i+1); err != nil {
			return s, err
		}
	}
	rest := metricsFields(line[i:])
	if len(rest) == 0 {
		return s, fmt.Errorf("no value")
	}
	if blank := func(c byte) bool { return c == ' ' || c == '\t' }; !blank(line[i-1]) && !blank(line[i]) {
		return s, fmt.Errorf("want a space before the value")
	}
	v, ok := metricsFloat(rest[0])
	if !ok {
		return s, fmt.Errorf("value %q is not a number (want a float, NaN, +Inf or -Inf)", rest[0])
	}
	s.Value = v
	rest = rest[1:]
	if len(rest) > 0 && rest[0] != "#" {
		if ts, ok := metricsFloat(rest[0]); !ok || math.IsNaN(ts) || math.IsInf(ts, 0) {
			return s, fmt.Errorf("timestamp %q is not a number of milliseconds", rest[0])
		}
		rest = rest[1:]
	}
	if len(rest) > 0 && rest[0] != "#" {
		return s, fmt.Errorf("unexpected %q after the value and timestamp", rest[0])
	}
	return s, nil
}

// metricsSkip returns the index of the first byte at or after i that is
// not a blank or a tab.
func metricsSkip(line string, i int) int {
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i
}

// metricsParseLabels parses the labels of a sample from line[i:], just
// after its {, up to and including the }: the labels (nil for none) and the
// index after the }.
func metricsParseLabels(line string, i int) (map[string]string, int, error) {
	labels := map[string]string{}
	for {
		i = metricsSkip(line, i)
		if i >= len(line) {
			return nil, i, fmt.Errorf("labels not closed: want }")
		}
		if line[i] == '}' {
			i++
			break
		}
		j := i
		for j < len(line) && (line[j] == '_' || 'a' <= line[j] && line[j] <= 'z' || 'A' <= line[j] && line[j] <= 'Z' || j > i && '0' <= line[j] && line[j] <= '9') {
			j++
		}
		if j == i {
			return nil, i, fmt.Errorf("want a label name ([a-zA-Z_][a-zA-Z0-9_]*) at column %d", i+1)
		}
		name := line[i:j]
		i = metricsSkip(line, j)
		if i >= len(line) || line[i] != '=' {
			return nil, i, fmt.Errorf("want = after label %s", name)
		}
		i = metricsSkip(line, i+1)
		if i >= len(line) || line[i] != '"' {
			return nil, i, fmt.Errorf("want a quoted value for label %s", name)
		}
		v, next, err := metricsLabelValue(line, i+1, name)
		if err != nil {
			return nil, i, err
		}
		if _, dup := labels[name]; dup {
			return nil, i, fmt.Errorf("label %s appears twice", name)
		}
		labels[name] = v
		i = metricsSkip(line, next)
		if i < len(line) && line[i] == ',' {
			i++
			continue
		}
		if i >= len(line) || line[i] != '}' {
			return nil, i, fmt.Errorf("want , or } after label %s", name)
		}
	}
	if len(labels) == 0 {
		labels = nil
	}
	return labels, i, nil
}

// metricsLabelValue reads a label value from line[i:], just after its
// opening quote: the value unescaped and the index after the closing quote.
func metricsLabelValue(line string, i int, name string) (string, int, error) {
	var v strings.Builder
	for i < len(line) {
		c := line[i]
		i++
		if c == '"' {
			return v.String(), i, nil
		}
		if c != '\\' {
			v.WriteByte(c)
			continue
		}
		if i >= len(line) {
			break
		}
		switch line[i] {
		case '\\':
			v.WriteByte('\\')
		case '"':
			v.WriteByte('"')
		case 'n':
			v.WriteByte('\n')
		default:
			return "", i, fmt.Errorf("invalid escape \\%c in the value of label %s: only \\\\, \\\" and \\n are allowed", line[i], name)
		}
		i++
	}
	return "", i, fmt.Errorf("the value of label %s is not closed: want \"", name)
}

// metricsFloat parses a value as Prometheus does: a Go float (an
// out-of-range one stands as ±Inf or 0), NaN, +Inf or -Inf; no underscores.
func metricsFloat(tok string) (float64, bool) {
	v, err := strconv.ParseFloat(tok, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return v, !strings.Contains(tok, "_")
}

// metricsBucket is one _bucket sample: its bound and count.
type metricsBucket struct {
	le    float64
	text  string // the le label as exposed
	value float64
}

// metricsHistogramProblems checks every histogram of e against the
// invariants Prometheus and OpenMetrics define: buckets are cumulative
// (a count never falls as le rises), one bucket is le="+Inf", it equals
// _count, and _sum and _count are exposed; for each label set.
func metricsHistogramProblems(e *Exposition) []string {
	groups := map[string][]metricsBucket{} // base + other labels → buckets
	var order []string
	for _, s := range e.Samples {
		base, ok := strings.CutSuffix(s.Name, "_bucket")
		le, hasLE := s.Labels["le"]
		if !ok || !hasLE || e.Type[base] == "gaugehistogram" {
			continue
		}
		rest := MetricSample{Name: base, Labels: maps.Clone(s.Labels)}
		delete(rest.Labels, "le")
		k := rest.key()
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		bound, ok := metricsFloat(le)
		if !ok || math.IsNaN(bound) {
			groups[k] = append(groups[k], metricsBucket{le: math.NaN(), text: le})
			continue
		}
		groups[k] = append(groups[k], metricsBucket{le: bound, text: le, value: s.Value})
	}
	series := e.series()
	var problems []string
	for _, k := range order {
		base, labels, _ := strings.Cut(k, "{")
		if labels != "" {
			labels = "{" + labels
		}
		count, hasCount := series[base+"_count"+labels]
		_, hasSum := series[base+"_sum"+labels]
		if p := metricsHistogramProblem(k, groups[k], count, hasCount, hasSum); p != "" {
			problems = append(problems, p)
		}
	}
	return problems
}

// metricsHistogramProblem judges one histogram series (name and labels,
// without le): its buckets in exposition order, its _count and whether it
// has one, whether it has a _sum.
func metricsHistogramProblem(name string, buckets []metricsBucket, count float64, hasCount, hasSum bool) string {
	fix := "observe with a client library's histogram (prometheus.NewHistogram), which writes these series right"
	for _, b := range buckets {
		if math.IsNaN(b.le) {
			return fmt.Sprintf("histogram %s: bucket le=%q is not a number: le is the bucket's upper bound, a float or +Inf; %s", name, b.text, fix)
		}
	}
	sorted := slices.Clone(buckets)
	slices.SortStableFunc(sorted, func(a, b metricsBucket) int { return cmp.Compare(a.le, b.le) })
	for i := 1; i < len(sorted); i++ {
		if prev, b := sorted[i-1], sorted[i]; b.value < prev.value {
			return fmt.Sprintf("histogram %s: bucket le=%q = %s is below le=%q = %s: buckets are cumulative (each counts every observation up to its bound, so a count never falls as le rises), or histogram_quantile answers nonsense; %s", name, b.text, metricsNum(b.value), prev.text, metricsNum(prev.value), fix)
		}
	}
	last := sorted[len(sorted)-1]
	switch {
	case !math.IsInf(last.le, 1):
		return fmt.Sprintf("histogram %s has no le=\"+Inf\" bucket: it counts every observation, and histogram_quantile needs it; %s", name, fix)
	case !hasCount:
		return fmt.Sprintf("histogram %s has no _count: the rate of observations is read from it; %s", name, fix)
	case last.value != count:
		return fmt.Sprintf("histogram %s: le=\"+Inf\" = %s but _count = %s: the +Inf bucket counts every observation, so it must equal _count; %s", name, metricsNum(last.value), metricsNum(count), fix)
	case !hasSum:
		return fmt.Sprintf("histogram %s has no _sum: the mean (rate of _sum over rate of _count) is read from it; %s", name, fix)
	}
	return ""
}
