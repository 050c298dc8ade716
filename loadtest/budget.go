package loadtest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Budget is what a run must meet, checked by (*Report).Check. A zero field is
// not checked; the zero Budget checks only that the run is valid and measured
// something.
type Budget struct {
	P50, P90, P95, P99, P999 time.Duration // latency percentiles must be at most these
	Max, Mean                time.Duration // slowest and mean latency must be at most these

	MinSuccess    float64 // success ratio (0 to 1, e.g. 0.999) must be at least this
	MinThroughput float64 // successful hits per second must be at least this
	MinRequests   uint64  // hits measured must be at least this

	// Expect, when set, recomputes success and throughput counting exactly
	// these statuses as success, e.g. []int{200, 429} for a rate-limit run
	// judged from results read by FromResults.
	Expect []int

	// Baseline, when set, adds the lines of r.Compare(Baseline, Tolerance):
	// a regression beyond Tolerance is a violation like the others.
	Baseline  *Report
	Tolerance float64 // allowed regression against Baseline, 0.1 = 10%
}

// BudgetError lists every line of a Budget a report violated, k6-style:
// "p99 = 2.4s, want ≤ 2s". Kinds[i] says which part of the budget
// Violations[i] broke, for callers that react to some kinds only (a
// scenario that reports an invalid run differently from a slow one);
// Error's text does not depend on it.
type BudgetError struct {
	Violations []string
	Kinds      []Kind
}

// Kind is the kind of one budget violation.
type Kind int

// The kinds of violations, in the order Check lists them.
const (
	// KindInvalidRun: the run did not measure the planned load (see
	// InvalidError), or there is no report at all.
	KindInvalidRun Kind = iota + 1
	// KindEmpty: the run measured no request.
	KindEmpty
	// KindBudget: the Budget itself is unusable (a negative duration, a
	// ratio outside 0–1, NaN or an infinity); nothing is judged by it.
	KindBudget
	// KindLatency: a percentile, the maximum or the mean is above the budget.
	KindLatency
	// KindSuccess: the success ratio is below MinSuccess.
	KindSuccess
	// KindThroughput: successful hits per second are below MinThroughput.
	KindThroughput
	// KindRequests: fewer hits than MinRequests were measured.
	KindRequests
	// KindRegression: worse than the Baseline beyond Tolerance (Compare).
	KindRegression
)

var kindNames = [...]string{KindInvalidRun: "invalid run", KindEmpty: "empty", KindBudget: "bad budget", KindLatency: "latency",
	KindSuccess: "success", KindThroughput: "throughput", KindRequests: "requests", KindRegression: "regression"}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

func (e *BudgetError) Error() string {
	if len(e.Violations) == 1 {
		return "loadtest: budget violated: " + e.Violations[0]
	}
	return "loadtest: budget violated:\n  " + strings.Join(e.Violations, "\n  ")
}

// Has reports whether a violation of kind k is listed.
func (e *BudgetError) Has(k Kind) bool {
	return e != nil && slices.Contains(e.Kinds, k)
}

// violations collects the lines of a BudgetError.
type violations struct{ e BudgetError }

func (v *violations) add(k Kind, format string, args ...any) {
	v.e.Violations = append(v.e.Violations, fmt.Sprintf(format, args...))
	v.e.Kinds = append(v.e.Kinds, k)
}

func (v *violations) err() error {
	if len(v.e.Violations) == 0 {
		return nil
	}
	return &v.e
}

// finite reports whether f is neither NaN nor an infinity.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Check returns nil when r meets b, or a *BudgetError listing every violated
// line. An invalid run, or one that measured nothing, always violates: its
// latencies do not describe the planned load. So does a nil report (Run
// returned an error: check it first) and an unusable Budget (a negative
// duration, MinSuccess outside 0–1, NaN or an infinity).
func (r *Report) Check(b Budget) error {
	var v violations
	if r == nil {
		v.add(KindInvalidRun, "nil report: Run returned an error, check it before calling Check")
		return v.err()
	}
	for _, s := range r.Invalid {
		v.add(KindInvalidRun, "run invalid: %s", s)
	}
	if r.Requests == 0 {
		v.add(KindEmpty, "requests = 0: nothing was measured")
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"P50", b.P50}, {"P90", b.P90}, {"P95", b.P95}, {"P99", b.P99}, {"P999", b.P999}, {"Max", b.Max}, {"Mean", b.Mean}} {
		if f.d < 0 {
			v.add(KindBudget, "Budget.%s = %v: want a positive duration, or 0 to skip", f.name, f.d)
		}
	}
	if !(b.MinSuccess >= 0 && b.MinSuccess <= 1) {
		v.add(KindBudget, "Budget.MinSuccess = %v: want a ratio between 0 and 1 (write 0.999, not 99.9)", b.MinSuccess)
	}
	if !(b.MinThroughput >= 0) || !finite(b.MinThroughput) {
		v.add(KindBudget, "Budget.MinThroughput = %v: want hits per second, 0 or more", b.MinThroughput)
	}
	if !(b.Tolerance >= 0) || !finite(b.Tolerance) {
		v.add(KindBudget, "Budget.Tolerance = %v: want 0 or more (0.1 = 10%%)", b.Tolerance)
	}

	successes, success, throughput := r.Successes, r.Success, r.Throughput
	if len(b.Expect) > 0 {
		set, _ := successSet(b.Expect)
		successes = 0
		for code, n := range r.StatusCodes {
			if code > 0 && code < 600 && set[code] {
				successes += n
			}
		}
		success, throughput = 0, 0
		if r.Requests > 0 {
			success = float64(successes) / float64(r.Requests)
		}
		if s := (r.Duration + r.Wait).Seconds(); s > 0 {
			throughput = float64(successes) / s
		}
	}

	lat := r.Latencies
	for _, f := range []struct {
		name      string
		got, want time.Duration
	}{{"p50", lat.P50, b.P50}, {"p90", lat.P90, b.P90}, {"p95", lat.P95, b.P95}, {"p99", lat.P99, b.P99},
		{"p99.9", lat.P999, b.P999}, {"max", lat.Max, b.Max}, {"mean", lat.Mean, b.Mean}} {
		if f.want > 0 && f.got > f.want {
			v.add(KindLatency, "%s = %v, want ≤ %v", f.name, short(f.got), f.want)
		}
	}
	if b.MinSuccess > 0 && success < b.MinSuccess {
		v.add(KindSuccess, "success = %s (%d/%d), want ≥ %s", pct(success), successes, r.Requests, pctMin(b.MinSuccess))
	}
	if b.MinThroughput > 0 && throughput < b.MinThroughput {
		v.add(KindThroughput, "throughput = %.1f/s, want ≥ %g/s", throughput, b.MinThroughput)
	}
	if b.MinRequests > 0 && r.Requests < b.MinRequests {
		v.add(KindRequests, "requests = %d, want ≥ %d", r.Requests, b.MinRequests)
	}
	if b.Baseline != nil && b.Tolerance >= 0 && finite(b.Tolerance) {
		if err := r.Compare(b.Baseline, b.Tolerance); err != nil {
			be := err.(*BudgetError)
			v.e.Violations = append(v.e.Violations, be.Violations...)
			v.e.Kinds = append(v.e.Kinds, be.Kinds...)
		}
	}
	return v.err()
}

// Compare returns nil when r has not regressed beyond tolerance (0.1 = 10%)
// against baseline, or a *BudgetError listing each regression: latency
// percentiles p50 to p99 and mean higher than baseline×(1+tolerance),
// throughput lower than baseline×(1−tolerance), and failure ratio higher than
// baseline's×(1+tolerance) plus 0.1 point.
func (r *Report) Compare(baseline *Report, tolerance float64) error {
	var v violations
	add := func(format string, args ...any) { v.add(KindRegression, format, args...) }
	switch {
	case r == nil:
		v.add(KindInvalidRun, "nil report: Run returned an error, check it before calling Compare")
	case baseline == nil:
		v.add(KindBudget, "Compare(nil, %v): want a baseline report", tolerance)
	case !(tolerance >= 0) || !finite(tolerance):
		v.add(KindBudget, "Compare(baseline, %v): want a tolerance of 0 or more (0.1 = 10%%)", tolerance)
	default:
		tol := fmt.Sprintf("+%g%%", tolerance*100)
		b, l := baseline.Latencies, r.Latencies
		for _, f := range []struct {
			name      string
			got, base time.Duration
		}{{"p50", l.P50, b.P50}, {"p90", l.P90, b.P90}, {"p95", l.P95, b.P95}, {"p99", l.P99, b.P99}, {"mean", l.Mean, b.Mean}} {
			limit := time.Duration(float64(f.base) * (1 + tolerance))
			if f.base > 0 && f.got > limit {
				add("%s = %v, baseline %v, want ≤ %v (%s)", f.name, short(f.got), short(f.base), short(limit), tol)
			}
		}
		if baseline.Throughput > 0 {
			limit := baseline.Throughput * (1 - tolerance)
			if r.Throughput < limit {
				add("throughput = %.1f/s, baseline %.1f/s, want ≥ %.1f/s (-%g%%)", r.Throughput, baseline.Throughput, limit, tolerance*100)
			}
		}
		if baseline.Requests > 0 && r.Requests > 0 {
			limit := (1-baseline.Success)*(1+tolerance) + 0.001
			if fail := 1 - r.Success; fail > limit {
				add("failures = %s, baseline %s, want ≤ %s", pct(fail), pct(1-baseline.Success), pct(limit))
			}
		}
	}
	return v.err()
}

// pctMin formats a minimum ratio without rounding it up past what was asked.
func pctMin(f float64) string {
	return strconv.FormatFloat(math.Round(f*1e6)/1e4, 'f', -1, 64) + "%"
}
