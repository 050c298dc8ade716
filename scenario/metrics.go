package scenario

import (
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
)

// Metrics checks that request rate, errors and latency are exported as
// metrics a Prometheus server can scrape: three of the four golden signals
// of the Google SRE book (latency, traffic, errors; saturation is only
// logged) and the whole RED method (rate, errors, duration).
//
// It scrapes Path, which must answer 200 with the Prometheus text format
// (Content-Type text/plain; version=0.0.4) or OpenMetrics
// (application/openmetrics-text) that parses (see ParseExposition; a
// malformed line is reported by number). It then sends N Requests (and
// Failing, when set) and scrapes again, and checks that:
//
//   - a request counter rose by at least N: Counter, or else any
//     *_requests_total (such as http_requests_total);
//   - a latency histogram or summary counted at least N more observations:
//     Latency, or else any family whose name holds duration_seconds or
//     latency (such as http_request_duration_seconds), by its _count;
//   - when Failing is set, it answered 4xx or 5xx and an error series rose:
//     one labelled code, status or status_code 4xx/5xx, outcome or result
//     "error"/"failure", or a counter whose name holds "error" or "fail".
//
// The Go runtime's and promhttp's own families (go_*, process_*,
// promhttp_*) never count as the application's.
//
// It covers preset.Metrics. Metrics is a value; Verify and Run are safe in
// parallel tests when the target is not shared with another run (another
// run's requests would move the same counters; the checks are "at least").
type Metrics struct {
	// Target is the application, serving Path beside its routes. Required.
	Target Target
	// Path is the metrics endpoint. Default "/metrics".
	Path string
	// Request is an ordinary request that must be counted, sent N times.
	// Default GET /; a zero field takes that default.
	Request Request
	// Failing is a request the application answers with a 4xx or 5xx
	// error, such as GET /boom or a POST with an invalid body. Optional:
	// when zero, the errors signal is not checked, and the scenario says
	// so. Method defaults to GET; Path is required.
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

var _ jetty.Scenario = Metrics{}

// Mode returns jetty.Production.
func (Metrics) Mode() jetty.Mode { return jetty.Production }

// Title returns "request rate, errors and latency are exported as metrics".
func (Metrics) Title() string { return "request rate, errors and latency are exported as metrics" }

// Covers returns preset.Metrics.
func (Metrics) Covers() []preset.ID { return []preset.ID{preset.Metrics} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x Metrics) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x Metrics) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// metricsMaxN bounds Metrics.N.
const metricsMaxN = 10000

// metricsAccept is the Accept header Prometheus sends when it scrapes.
const metricsAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

func (x Metrics) exec(r reporter) {
	var (
		c      *client
		before *Exposition
		after  *Exposition
		path   = x.Path
		n      = x.N
		req    = x.Request.orDefault(Request{Method: http.MethodGet, Path: "/"})
		fail   Request
		failed = false // Failing answered an error
	)
	if path == "" {
		path = "/metrics"
	}
	if n == 0 {
		n = 5
	}
	if !x.Failing.IsZero() {
		fail = x.Failing.orDefault(Request{Method: http.MethodGet})
	}
	ctx := r.context()
	scrape := func(when string) *Exposition {
		resp, err := c.do(ctx, Request{Path: path, Header: http.Header{"Accept": {metricsAccept}}})
		if err != nil {
			r.errorf("GET %s%s: %v", path, when, err)
			return nil
		}
		if resp.Dropped || resp.Status != http.StatusOK {
			r.errorf("GET %s%s = %s, want 200: expose the metrics at %s (promhttp.Handler() with prometheus/client_golang), or set Path to where they are", path, when, resp, path)
			return nil
		}
		ct := resp.Header.Get("Content-Type")
		mt, params, _ := mime.ParseMediaType(ct)
		switch {
		case mt == "application/openmetrics-text":
		case mt == "text/plain" && (params["version"] == "" || params["version"] == "0.0.4"):
		default:
			r.errorf("GET %s%s answers Content-Type %q, want \"text/plain; version=0.0.4\" (the Prometheus text format) or \"application/openmetrics-text; version=1.0.0\": Prometheus refuses other types; serve the exposition with promhttp.Handler()", path, when, ct)
			return nil
		}
		e, err := ParseExposition(resp.Body)
		if err != nil {
			r.errorf("GET %s%s: the exposition is malformed: %v: fix what writes it (promhttp.Handler() writes valid text) — Prometheus rejects the whole scrape", path, when, err)
			return nil
		}
		r.logf("GET %s%s = 200, %s: %d samples, %d TYPE lines", path, when, ct, len(e.Samples), len(e.Type))
		return e
	}
	r.step("Given", fmt.Sprintf("the metrics endpoint GET %s", path), func() {
		if !strings.HasPrefix(path, "/") {
			r.errorf("Path = %q: want a path starting with /, such as /metrics", path)
		}
		if n < 0 || n > metricsMaxN {
			r.errorf("N = %d: want the number of requests to send, 1 to %d, or 0 for the default 5", n, metricsMaxN)
		}
		if !strings.HasPrefix(req.Path, "/") {
			r.errorf("Request.Path = %q: want a path starting with /, such as /", req.Path)
		}
		if !x.Failing.IsZero() && !strings.HasPrefix(fail.Path, "/") {
			r.errorf("Failing.Path = %q: want the path of a request your app answers with 4xx or 5xx, such as /boom", fail.Path)
		}
		for name, val := range map[string]string{"Counter": x.Counter, "Latency": x.Latency} {
			if val != "" && !metricsValidName(val) {
				r.errorf("%s = %q: want a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", name, val)
			}
		}
		if r.failed() {
			return
		}
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
			return
		}
		before = scrape(" before the requests")
	})
	if r.failed() || before == nil {
		return
	}
	r.step("When", fmt.Sprintf("%d × %s are sent", n, req), func() {
		statuses := map[string]int{}
		for i := range n {
			resp, err := c.do(ctx, req.req(nil))
			if err != nil {
				r.errorf("%s #%d: %v", req, i+1, err)
				return
			}
			statuses[resp.String()]++
		}
		r.logf("%s × %d: %s", req, n, metricsCounts(statuses))
		if !x.Failing.IsZero() {
			resp, err := c.do(ctx, fail.req(nil))
			switch {
			case err != nil:
				r.errorf("Failing %s: %v", fail, err)
			case resp.Dropped || resp.Status < 400:
				r.errorf("Failing %s = %s, want a 4xx or 5xx: set Failing to a request your app answers with an error", fail, resp)
			default:
				failed = true
				r.logf("Failing %s = %d", fail, resp.Status)
			}
		}
		after = scrape(" after the requests")
	})
	if after == nil {
		return
	}
	r.step("Then", fmt.Sprintf("a request counter rose by at least %d", n), func() {
		var names []string
		if x.Counter != "" {
			for _, nm := range []string{x.Counter, x.Counter + "_total"} {
				if after.has(nm) {
					names = append(names, nm)
				}
			}
			if len(names) == 0 {
				r.errorf("Counter %q is not exported at GET %s (it exports %s): count every request in it, or set Counter to the name you export", x.Counter, path, metricsSome(after.names()))
				return
			}
		} else {
			for _, nm := range after.names() {
				if strings.HasSuffix(nm, "_requests_total") && !metricsRuntime(nm) {
					names = append(names, nm)
				}
			}
			if len(names) == 0 {
				r.errorf("no request counter: GET %s exports no *_requests_total counter (it exports %s): count every request, e.g. http_requests_total{method,code} (promhttp.InstrumentHandlerCounter), or set Counter to the name you use", path, metricsSome(after.names()))
				return
			}
		}
		var rose []string
		for _, nm := range names {
			d := after.sum(nm) - before.sum(nm)
			rose = append(rose, fmt.Sprintf("%s +%s", nm, metricsNum(d)))
			if d >= float64(n) {
				r.logf("%s rose by %s after %d × %s", nm, metricsNum(d), n, req)
				return
			}
		}
		r.errorf("no request counter rose by %d after %d × %s (%s): increment it for every request, in middleware around every route (promhttp.InstrumentHandlerCounter)", n, n, req, strings.Join(rose, ", "))
	})
	r.step("And", fmt.Sprintf("a latency histogram or summary counted at least %d more requests", n), func() {
		var bases []string
		if x.Latency != "" {
			base := x.Latency
			for _, suf := range []string{"_bucket", "_count", "_sum"} {
				base = strings.TrimSuffix(base, suf)
			}
			if !after.has(base + "_count") {
				r.errorf("Latency %q: GET %s exports no %s_count (it exports %s): observe every request's duration in a histogram or summary named %s, or set Latency to the name you export", x.Latency, path, base, metricsSome(after.names()), base)
				return
			}
			bases = []string{base}
		} else {
			for _, nm := range after.names() {
				base, ok := strings.CutSuffix(nm, "_count")
				if !ok || metricsRuntime(base) || !after.has(base+"_sum") {
					continue
				}
				if strings.Contains(base, "duration_seconds") || strings.Contains(base, "latency") {
					bases = append(bases, base)
				}
			}
			if len(bases) == 0 {
				r.errorf("no latency histogram or summary: GET %s exports no *_duration_seconds or *latency* family with _count and _sum (it exports %s): observe every request's duration, e.g. the histogram http_request_duration_seconds (promhttp.InstrumentHandlerDuration), or set Latency to the name you use", path, metricsSome(after.names()))
				return
			}
		}
		var rose []string
		for _, b := range bases {
			d := after.sum(b+"_count") - before.sum(b+"_count")
			rose = append(rose, fmt.Sprintf("%s_count +%s", b, metricsNum(d)))
			if d >= float64(n) {
				kind := "summary"
				if after.has(b + "_bucket") {
					kind = "histogram"
				}
				r.logf("latency %s %s: _count rose by %s after %d × %s", kind, b, metricsNum(d), n, req)
				return
			}
		}
		r.errorf("no latency histogram or summary counted %d more requests after %d × %s (%s): observe the duration of every request, in middleware around every route (promhttp.InstrumentHandlerDuration)", n, n, req, strings.Join(rose, ", "))
	})
	if x.Failing.IsZero() {
		r.logf("the errors signal was not checked: set Failing to a request your app answers with 4xx or 5xx to check errors are counted")
	} else if failed {
		r.step("And", fmt.Sprintf("the failing %s is counted as an error", fail), func() {
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
			if len(rose) == 0 {
				r.errorf("Failing %s answered an error but no error series rose: label the request counter with the status code (code=\"500\"), or count errors in a *_errors_total counter, so the error rate can be alerted on (the RED method's E)", fail)
				return
			}
			r.logf("error series that rose: %s", metricsSome(rose))
		})
	}
	var sat []string
	for _, nm := range after.names() {
		if !metricsRuntime(nm) && (strings.Contains(nm, "in_flight") || strings.Contains(nm, "inflight") || strings.Contains(nm, "saturation") || strings.Contains(nm, "queue")) {
			sat = append(sat, nm)
		}
	}
	if len(sat) > 0 {
		r.logf("saturation (not required): %s", metricsSome(sat))
	} else {
		r.logf("saturation, the fourth golden signal, is not required: consider an in-flight gauge such as http_requests_in_flight")
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
// series repeated, text that is not UTF-8, or text after # EOF. It never
// panics.
func ParseExposition(text []byte) (*Exposition, error) {
	e := &Exposition{Help: map[string]string{}, Type: map[string]string{}}
	seen := map[string]int{} // series key → line
	named := map[string]bool{}
	eof := 0
	for i, line := range strings.Split(string(text), "\n") {
		ln := i + 1
		line = strings.Trim(line, " \t\r")
		if line == "" {
			continue
		}
		if eof != 0 {
			return nil, fmt.Errorf("line %d: text after # EOF (line %d): # EOF must end the exposition", ln, eof)
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("line %d: not valid UTF-8", ln)
		}
		if line[0] == '#' {
			f := metricsFields(line[1:])
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "EOF":
				eof = ln
			case "HELP", "TYPE":
				if len(f) < 2 || !metricsValidName(f[1]) {
					return nil, fmt.Errorf("line %d: # %s wants a metric name, got %q", ln, f[0], line)
				}
				name := f[1]
				if f[0] == "HELP" {
					if _, dup := e.Help[name]; dup {
						return nil, fmt.Errorf("line %d: a second # HELP for %s", ln, name)
					}
					rest := strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(line[1:], " \t"), "HELP"), " \t")
					rest = strings.TrimLeft(strings.TrimPrefix(rest, name), " \t")
					e.Help[name] = strings.NewReplacer(`\\`, `\`, `\n`, "\n").Replace(rest)
					continue
				}
				if len(f) != 3 || !metricsTypes[f[2]] {
					return nil, fmt.Errorf("line %d: # TYPE %s wants one of counter, gauge, histogram, summary or untyped, got %q", ln, name, strings.Join(f[2:], " "))
				}
				if _, dup := e.Type[name]; dup {
					return nil, fmt.Errorf("line %d: a second # TYPE for %s", ln, name)
				}
				if named[name] {
					return nil, fmt.Errorf("line %d: # TYPE %s after samples of %s: the TYPE line must come first", ln, name, name)
				}
				e.Type[name] = f[2]
			}
			continue
		}
		s, err := metricsParseSample(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v in %q", ln, err, metricsClip(line))
		}
		s.Line = ln
		k := s.key()
		if prev, dup := seen[k]; dup {
			return nil, fmt.Errorf("line %d: series %s repeats line %d", ln, k, prev)
		}
		seen[k] = ln
		named[s.Name] = true
		e.Samples = append(e.Samples, s)
	}
	return e, nil
}

// metricsFields splits s at blanks and tabs, the exposition's separators.
func metricsFields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })
}

func metricsClip(s string) string {
	if len(s) > 80 {
		cut := 80
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "…"
	}
	return s
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
	skip := func() {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
	}
	skip()
	if i < len(line) && line[i] == '{' {
		i++
		s.Labels = map[string]string{}
		for {
			skip()
			if i >= len(line) {
				return s, fmt.Errorf("labels not closed: want }")
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
				return s, fmt.Errorf("want a label name ([a-zA-Z_][a-zA-Z0-9_]*) at column %d", i+1)
			}
			name := line[i:j]
			i = j
			skip()
			if i >= len(line) || line[i] != '=' {
				return s, fmt.Errorf("want = after label %s", name)
			}
			i++
			skip()
			if i >= len(line) || line[i] != '"' {
				return s, fmt.Errorf("want a quoted value for label %s", name)
			}
			i++
			var v strings.Builder
			closed := false
			for i < len(line) {
				c := line[i]
				i++
				if c == '"' {
					closed = true
					break
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
					return s, fmt.Errorf("invalid escape \\%c in the value of label %s: only \\\\, \\\" and \\n are allowed", line[i], name)
				}
				i++
			}
			if !closed {
				return s, fmt.Errorf("the value of label %s is not closed: want \"", name)
			}
			if _, dup := s.Labels[name]; dup {
				return s, fmt.Errorf("label %s appears twice", name)
			}
			s.Labels[name] = v.String()
			skip()
			if i < len(line) && line[i] == ',' {
				i++
				continue
			}
			if i >= len(line) || line[i] != '}' {
				return s, fmt.Errorf("want , or } after label %s", name)
			}
		}
		if len(s.Labels) == 0 {
			s.Labels = nil
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
