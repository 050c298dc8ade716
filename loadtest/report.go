package loadtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jettymethod/jetty/internal/redact"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Report is the outcome of a run, or of result streams merged by FromResults.
// Its JSON form (json.Marshal) uses the field names in the tags below, with
// durations written as strings such as "1.5ms"; ReadReport reads it back.
// A Report is a plain value: safe to read from many goroutines.
type Report struct {
	Plan          string         `json:"plan"`              // the plan, e.g. "rate 100/1s for 1s"
	Requests      uint64         `json:"requests"`          // hits measured (warm-up excluded)
	Planned       uint64         `json:"planned"`           // hits the plan asked for; 0 when it fixes no count
	RequestedRate float64        `json:"requested_rate"`    // hits/s asked for; 0 for Users plans
	Rate          float64        `json:"rate"`              // hits/s actually sent: Requests over Duration
	Throughput    float64        `json:"throughput"`        // successful hits/s: Successes over Duration+Wait
	Duration      time.Duration  `json:"duration"`          // from the first send to the last send
	Wait          time.Duration  `json:"wait"`              // from the last send to the last response
	Success       float64        `json:"success"`           // Successes over Requests, 0 to 1
	Successes     uint64         `json:"successes"`         // hits whose status was expected (Expect)
	StatusCodes   map[int]uint64 `json:"status_codes"`      // hits per status; 0 counts hits with no response
	Errors        []ErrorCount   `json:"errors"`            // hits with no response, grouped by message, most frequent first
	Latencies     Latencies      `json:"latencies"`         // send to end of body
	Lag           Lag            `json:"lag"`               // how far the generator fell behind its schedule
	BytesIn       uint64         `json:"bytes_in"`          // response body bytes kept (MaxBody per hit)
	BytesOut      uint64         `json:"bytes_out"`         // request body bytes
	Invalid       []string       `json:"invalid,omitempty"` // why the run is invalid (see InvalidError)
}

// ErrorCount is one group of errors: hits that got no response, grouped by
// message with the request's URL left out.
type ErrorCount struct {
	Error string `json:"error"`
	Count uint64 `json:"count"`
}

// Latencies summarises response times. P999 is the 99.9th percentile.
// Percentiles are t-digest estimates, exact for small runs.
type Latencies struct {
	P50, P90, P95, P99, P999, Max, Min, Mean time.Duration
}

// Lag summarises how far behind its schedule the generator sent hits (send
// time minus scheduled time). For Users bursts the schedule is "all at
// once", so lag is how long after the release each user actually sent. It
// is zero for plans without a schedule (Users with Duration) and for reports
// built by FromResults.
type Lag struct {
	P50, P99, Max, Mean time.Duration
}

// InvalidError is returned by Run, with the report, when the run did not
// measure what the plan asked for: the generator could not keep the requested
// rate, fell behind its schedule by more than MaxLag, or was stopped by
// MaxTime. Its latencies describe a load other than the one planned.
type InvalidError struct {
	Reasons []string
}

func (e *InvalidError) Error() string {
	if len(e.Reasons) == 1 {
		return "loadtest: run invalid: " + e.Reasons[0]
	}
	return "loadtest: run invalid:\n  " + strings.Join(e.Reasons, "\n  ")
}

// aggregator streams results into a Report in bounded memory.
type aggregator struct {
	success    *[600]bool
	lat        vegeta.LatencyMetrics
	lag        vegeta.LatencyMetrics
	lagN       uint64
	n, ok      uint64
	codes      map[int]uint64
	errs       map[string]uint64
	otherErrs  uint64
	in, out    uint64
	first, end time.Time
	last       time.Time
}

const maxErrorGroups = 100

func newAggregator(success *[600]bool) *aggregator {
	return &aggregator{success: success, codes: map[int]uint64{}, errs: map[string]uint64{}}
}

func (a *aggregator) add(r *vegeta.Result) {
	a.n++
	code := int(r.Code)
	a.codes[code]++
	if code > 0 && code < 600 && a.success[code] {
		a.ok++
	}
	if code == 0 {
		msg := groupError(r.Error)
		if _, ok := a.errs[msg]; ok || len(a.errs) < maxErrorGroups {
			a.errs[msg]++
		} else {
			a.otherErrs++
		}
	}
	a.lat.Add(r.Latency)
	a.in += r.BytesIn
	a.out += r.BytesOut
	if a.first.IsZero() || r.Timestamp.Before(a.first) {
		a.first = r.Timestamp
	}
	if r.Timestamp.After(a.last) {
		a.last = r.Timestamp
	}
	if e := r.End(); e.After(a.end) {
		a.end = e
	}
}

func (a *aggregator) addLag(d time.Duration) {
	a.lag.Add(max(d, 0))
	a.lagN++
}

var urlInError = regexp.MustCompile(`^([A-Za-z]+) "[^"]*": `)

// groupError strips the request URL from a client error, so that errors of
// hits with distinct URLs group together.
func groupError(msg string) string {
	if msg == "" {
		return "no response"
	}
	return redact.String(urlInError.ReplaceAllString(msg, "$1: "))
}

func (a *aggregator) report(p *plan) *Report {
	r := &Report{
		Requests:    a.n,
		Successes:   a.ok,
		StatusCodes: a.codes,
		BytesIn:     a.in,
		BytesOut:    a.out,
		Errors:      []ErrorCount{},
	}
	if p != nil {
		r.Plan, r.Planned, r.RequestedRate = p.desc, p.planned, p.requested
	}
	for msg, n := range a.errs {
		r.Errors = append(r.Errors, ErrorCount{Error: msg, Count: n})
	}
	sort.Slice(r.Errors, func(i, j int) bool {
		if r.Errors[i].Count != r.Errors[j].Count {
			return r.Errors[i].Count > r.Errors[j].Count
		}
		return r.Errors[i].Error < r.Errors[j].Error
	})
	if a.otherErrs > 0 {
		r.Errors = append(r.Errors, ErrorCount{Error: fmt.Sprintf("(other errors, beyond %d groups)", maxErrorGroups), Count: a.otherErrs})
	}
	if a.n == 0 {
		return r
	}
	r.Duration = a.last.Sub(a.first)
	r.Wait = a.end.Sub(a.last)
	r.Success = float64(a.ok) / float64(a.n)
	if s := r.Duration.Seconds(); s > 0 {
		r.Rate = float64(a.n) / s
	}
	if s := (r.Duration + r.Wait).Seconds(); s > 0 {
		r.Throughput = float64(a.ok) / s
	}
	l := &a.lat
	r.Latencies = Latencies{
		P50: l.Quantile(0.50), P90: l.Quantile(0.90), P95: l.Quantile(0.95),
		P99: l.Quantile(0.99), P999: l.Quantile(0.999),
		Max: l.Max, Min: l.Min, Mean: time.Duration(float64(l.Total) / float64(a.n)),
	}
	if a.lagN > 0 {
		g := &a.lag
		r.Lag = Lag{P50: g.Quantile(0.5), P99: g.Quantile(0.99), Max: g.Max, Mean: time.Duration(float64(g.Total) / float64(a.lagN))}
	}
	return r
}

// FromResults decodes vegeta result streams — any mix of the gob, JSON and
// CSV encodings, detected per stream — and merges them into one Report, as if
// one run had sent every hit. Use it to judge a load spread over several
// machines: run `vegeta attack ... > host1.bin` (or Run with Record) on each,
// collect the files, and FromResults(f1, f2, ...).Check(budget). Success is
// counted from status codes (2xx and 3xx; Budget.Expect changes it). Memory
// stays bounded whatever the streams' length.
func FromResults(r ...io.Reader) (*Report, error) {
	if len(r) == 0 {
		return nil, errors.New("loadtest: FromResults(): want at least one result stream")
	}
	set, _ := successSet(nil)
	agg := newAggregator(&set)
	for i, rd := range r {
		if rd == nil {
			return nil, fmt.Errorf("loadtest: FromResults: stream %d is nil", i)
		}
		dec := vegeta.DecoderFor(rd)
		if dec == nil {
			return nil, fmt.Errorf("loadtest: FromResults: stream %d is not a vegeta result stream (gob, JSON or CSV)", i)
		}
		for n := 0; ; n++ {
			var res vegeta.Result
			err := dec.Decode(&res)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("loadtest: FromResults: stream %d, result %d: %w", i, n, err)
			}
			agg.add(&res)
		}
	}
	rep := agg.report(nil)
	rep.Plan = fmt.Sprintf("results of %d streams", len(r))
	if len(r) == 1 {
		rep.Plan = "results of 1 stream"
	}
	return rep, nil
}

// errNilReport is returned by the methods of a nil *Report.
var errNilReport = errors.New("loadtest: nil report: Run returned an error, check it before using the report")

// ReadReport reads a Report written as JSON (json.Marshal or WriteJSON), for
// instance a baseline kept in testdata.
func ReadReport(r io.Reader) (*Report, error) {
	if r == nil {
		return nil, errors.New("loadtest: ReadReport(nil): want a reader, such as an opened file")
	}
	var rep Report
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("loadtest: ReadReport: %w", err)
	}
	if rep.StatusCodes == nil {
		rep.StatusCodes = map[int]uint64{}
	}
	return &rep, nil
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	if r == nil {
		return errNilReport
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

type jsonLatencies struct {
	P50  string `json:"p50"`
	P90  string `json:"p90"`
	P95  string `json:"p95"`
	P99  string `json:"p99"`
	P999 string `json:"p99.9"`
	Max  string `json:"max"`
	Min  string `json:"min"`
	Mean string `json:"mean"`
}

// MarshalJSON writes durations as strings such as "1.5ms".
func (l Latencies) MarshalJSON() ([]byte, error) {
	return json.Marshal(jsonLatencies{l.P50.String(), l.P90.String(), l.P95.String(), l.P99.String(), l.P999.String(), l.Max.String(), l.Min.String(), l.Mean.String()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *Latencies) UnmarshalJSON(b []byte) error {
	var j jsonLatencies
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	return parseDurations([]string{j.P50, j.P90, j.P95, j.P99, j.P999, j.Max, j.Min, j.Mean},
		[]*time.Duration{&l.P50, &l.P90, &l.P95, &l.P99, &l.P999, &l.Max, &l.Min, &l.Mean})
}

type jsonLag struct {
	P50  string `json:"p50"`
	P99  string `json:"p99"`
	Max  string `json:"max"`
	Mean string `json:"mean"`
}

// MarshalJSON writes durations as strings such as "1.5ms".
func (l Lag) MarshalJSON() ([]byte, error) {
	return json.Marshal(jsonLag{l.P50.String(), l.P99.String(), l.Max.String(), l.Mean.String()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *Lag) UnmarshalJSON(b []byte) error {
	var j jsonLag
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	return parseDurations([]string{j.P50, j.P99, j.Max, j.Mean}, []*time.Duration{&l.P50, &l.P99, &l.Max, &l.Mean})
}

func parseDurations(s []string, d []*time.Duration) error {
	for i := range s {
		if s[i] == "" {
			*d[i] = 0
			continue
		}
		v, err := time.ParseDuration(s[i])
		if err != nil {
			return err
		}
		*d[i] = v
	}
	return nil
}

type plainReport Report

type jsonReport struct {
	*plainReport
	Duration string `json:"duration"`
	Wait     string `json:"wait"`
}

// MarshalJSON writes r with durations as strings such as "1.5ms".
func (r *Report) MarshalJSON() ([]byte, error) {
	return json.Marshal(jsonReport{(*plainReport)(r), r.Duration.String(), r.Wait.String()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Report) UnmarshalJSON(b []byte) error {
	j := jsonReport{plainReport: (*plainReport)(r)}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	return parseDurations([]string{j.Duration, j.Wait}, []*time.Duration{&r.Duration, &r.Wait})
}

// String returns the text summary written by WriteText.
func (r *Report) String() string {
	if r == nil {
		return "loadtest: nil report (Run returned an error)"
	}
	var b bytes.Buffer
	_ = r.WriteText(&b)
	return b.String()
}

// WriteText writes a human-readable summary of r.
func (r *Report) WriteText(w io.Writer) error {
	if r == nil {
		return errNilReport
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d requests, %s success\n", r.Plan, r.Requests, pct(r.Success))
	if r.Planned > 0 {
		fmt.Fprintf(&b, "  requests    %d of %d planned\n", r.Requests, r.Planned)
	}
	fmt.Fprintf(&b, "  rate        %.1f/s sent", r.Rate)
	if r.RequestedRate > 0 {
		fmt.Fprintf(&b, " of %.1f/s requested (%s)", r.RequestedRate, pct(r.Rate/r.RequestedRate))
	}
	fmt.Fprintf(&b, ", throughput %.1f/s\n", r.Throughput)
	fmt.Fprintf(&b, "  duration    %v + wait %v\n", short(r.Duration), short(r.Wait))
	l := r.Latencies
	fmt.Fprintf(&b, "  latency     p50 %v  p90 %v  p95 %v  p99 %v  p99.9 %v  max %v  mean %v\n",
		short(l.P50), short(l.P90), short(l.P95), short(l.P99), short(l.P999), short(l.Max), short(l.Mean))
	if r.Lag != (Lag{}) {
		fmt.Fprintf(&b, "  lag         p50 %v  p99 %v  max %v  mean %v\n", short(r.Lag.P50), short(r.Lag.P99), short(r.Lag.Max), short(r.Lag.Mean))
	}
	codes := make([]int, 0, len(r.StatusCodes))
	for c := range r.StatusCodes {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	b.WriteString("  status     ")
	for _, c := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "no response"
		}
		fmt.Fprintf(&b, " %s ×%d", name, r.StatusCodes[c])
	}
	b.WriteString("\n")
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "  error       ×%d %s\n", e.Count, e.Error)
	}
	fmt.Fprintf(&b, "  bytes       in %d, out %d\n", r.BytesIn, r.BytesOut)
	for _, s := range r.Invalid {
		fmt.Fprintf(&b, "  INVALID     %s\n", s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// short rounds d to three significant digits.
func short(d time.Duration) time.Duration {
	for unit := time.Duration(1); unit < time.Hour; unit *= 10 {
		if d < 1000*unit && d > -1000*unit {
			return d.Round(unit)
		}
	}
	return d.Round(time.Second)
}

func pct(f float64) string {
	return fmt.Sprintf("%.1f%%", f*100)
}
