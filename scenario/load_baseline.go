package scenario

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jettymethod/jetty/loadtest"
)

// Load's baselines: a report kept in the package's testdata directory, one
// per machine class, that every later run is compared with (see Load's
// Baseline and Tolerance fields).
const (
	// loadDefaultTolerance is how much worse than its baseline a run may
	// be: latencies up to 1.5× the baseline's, throughput down to half of
	// it. A busy machine moves an in-process run's percentiles by tens of
	// percent; a regression worth catching (a lock, a query per request, a
	// slower hash) moves them by multiples.
	loadDefaultTolerance = 0.5
	// loadBaselineFloor is the latency below which differences are noise:
	// a baseline latency under it is compared as if it were this. A
	// scheduler's time slice on a busy machine is a few milliseconds.
	loadBaselineFloor = 2 * time.Millisecond
	// loadUpdateEnv, set to 1, rewrites the baseline of this machine class
	// from the run instead of comparing.
	loadUpdateEnv = "JETTY_UPDATE_BASELINE"
	// loadBaselineFormat identifies the file's format.
	loadBaselineFormat = "jetty load baseline v1"
)

// loadBaselineFile is the JSON kept at Load.Baseline: what was loaded, and
// one report per machine class it was measured on.
type loadBaselineFile struct {
	Format   string            `json:"format"`
	Run      string            `json:"run"` // "POST /login, 100 users at once, in process"
	Machines []loadBaselineRun `json:"machines"`
}

// loadBaselineRun is the baseline measured on one machine class.
type loadBaselineRun struct {
	Machine  string           `json:"machine"`
	Recorded time.Time        `json:"recorded"`
	Report   *loadtest.Report `json:"report"`
}

// loadMachine names this machine's class: runs measured on machines of one
// class are comparable, others are not. It is the OS and architecture, the
// CPU model, the number of CPUs and of Ps, and whether the race detector is
// on (it slows a run several times over).
func loadMachine() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s, %d CPUs, GOMAXPROCS %d", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	if m := cpuModel(); m != "" {
		fmt.Fprintf(&b, ", %s", m)
	}
	if loadRace {
		b.WriteString(", race detector on")
	}
	return b.String()
}

// cpuModel is the CPU's model name where the system says it ("" elsewhere).
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

// baselinePath is where Load.Baseline is kept: a relative name is in the
// package's testdata directory (go test runs in the package's directory).
func (x Load) baselinePath() string {
	if filepath.IsAbs(x.Baseline) {
		return x.Baseline
	}
	return filepath.Join("testdata", x.Baseline)
}

// loadWarmupBurst reports whether the run warms up with one burst of its
// own before it measures (plans without a schedule to warm up along).
func (x Load) loadWarmupBurst() bool { return x.Baseline != "" && x.Rate == 0 && x.Duration == 0 }

// loadWarmup is the warm-up the loadtest plan gets when a baseline is kept:
// a fifth of a timed run, before it is measured.
func (x Load) loadWarmup() time.Duration {
	if x.Baseline == "" || (x.Rate == 0 && x.Duration == 0) {
		return 0
	}
	return max(cmpDuration(x.Duration)/5, time.Millisecond)
}

func cmpDuration(d time.Duration) time.Duration {
	if d == 0 {
		return time.Second
	}
	return d
}

// warm sends one burst of the plan and discards it, so that the measured
// run finds the caches, pools and code paths warm.
func (l *ldRun) warm() {
	rep, err := loadtest.Run(l.r.context(), l.target, l.measureOpts...)
	if rep == nil {
		l.r.errorf("the warm-up run did not start: %v", err)
		return
	}
	l.r.logf("warm-up: one burst of %s sent and left out of the measure (p99 %v)", l.plan, rep.Latencies.P99)
}

// loadBaselineRunText names what a baseline measured.
func (l *ldRun) baselineRunText() string {
	where := "in process"
	switch {
	case l.x.Target.url != "" && l.x.Target.allowRemote:
		where = "over the network"
	case l.x.Target.url != "":
		where = "over loopback"
	}
	return fmt.Sprintf("%s, %s, %s", l.what, l.plan, where)
}

// compare is the baseline step: it reads the baseline of this machine
// class, compares the run with it at the tolerance and, when it regressed,
// measures once more and judges the better of the two runs, so that one
// noisy run does not fail the test. Without a baseline for this machine
// class (or with JETTY_UPDATE_BASELINE=1) it records the run instead.
func (l *ldRun) compare() {
	x, r := l.x, l.r
	path := x.baselinePath()
	machine := loadMachine()
	run := l.baselineRunText()
	tol := cmpTolerance(x.Tolerance)
	file, err := readLoadBaseline(path)
	if err != nil {
		r.errorf("baseline %s: %v; fix or delete the file, or rewrite it with %s=1", path, err, loadUpdateEnv)
		return
	}
	update := os.Getenv(loadUpdateEnv) == "1"
	if file != nil && file.Run != run && !update {
		r.errorf("baseline %s was recorded for %q, this run is %q: the runs are not comparable; rewrite it with %s=1 go test -run <this test> (or give this check its own Baseline file)", path, file.Run, run, loadUpdateEnv)
		return
	}
	if invalid := slices.ContainsFunc(l.checked, loadViolation.invalid); invalid {
		r.logf("baseline %s: not compared and not recorded: the run is invalid (see above)", path)
		return
	}
	i := -1
	if file != nil {
		i = slices.IndexFunc(file.Machines, func(m loadBaselineRun) bool { return m.Machine == machine })
	}
	if update || i < 0 {
		l.record(path, file, i, machine, run, update)
		return
	}
	base := file.Machines[i]
	floored := loadFloor(base.Report)
	err = l.report.Compare(floored, tol)
	if err == nil {
		r.logf("baseline %s (%s, recorded %s): no regression beyond %s: p99 %v (baseline %v), throughput %.1f/s (baseline %.1f/s)", path, machine, base.Recorded.Format(time.DateOnly), loadTolText(tol), l.report.Latencies.P99, base.Report.Latencies.P99, l.report.Throughput, base.Report.Throughput)
		return
	}
	r.logf("baseline %s: the run regressed (%v); measuring once more to tell a regression from noise", path, oneLine(err))
	again, _, failed := runLoad(r, "confirming load", l.plan, l.target, l.measureOpts)
	if again == nil || failed {
		return
	}
	best := loadBest(l.report, again)
	for _, v := range loadViolations(best.Compare(floored, tol)) {
		if v.kind == loadtest.KindRegression {
			r.errorf("%s sending %s regressed against its baseline %s (%s, recorded %s), in both of two runs: %s; find what made it slower (profile it: go test -cpuprofile), or, if the change is intended, rewrite the baseline with %s=1 and commit it", l.plan, l.what, path, machine, base.Recorded.Format(time.DateOnly), v.text, loadUpdateEnv)
		}
	}
	if !r.failed() {
		r.logf("baseline %s: the second run met the baseline: the first was noise", path)
	}
}

// record writes the run as the baseline of machine into path (replacing
// entry i, or adding one when i < 0), unless the run failed its budget.
func (l *ldRun) record(path string, file *loadBaselineFile, i int, machine, run string, update bool) {
	r := l.r
	if len(l.checked) > 0 {
		r.logf("baseline %s: not recorded: the run did not meet its budget", path)
		return
	}
	if file == nil || update && file.Run != run {
		file = &loadBaselineFile{Format: loadBaselineFormat, Run: run}
		i = -1
	}
	entry := loadBaselineRun{Machine: machine, Recorded: time.Now().UTC().Truncate(time.Second), Report: l.report}
	others := make([]string, 0, len(file.Machines))
	for _, m := range file.Machines {
		others = append(others, m.Machine)
	}
	if i >= 0 {
		file.Machines[i] = entry
	} else {
		file.Machines = append(file.Machines, entry)
	}
	if err := writeLoadBaseline(path, file); err != nil {
		r.errorf("baseline %s: recording it: %v", path, err)
		return
	}
	switch {
	case update:
		r.logf("baseline %s: rewritten for this machine (%s) from this run, as %s=1 asks: nothing compared (p99 %v, throughput %.1f/s)", path, machine, loadUpdateEnv, l.report.Latencies.P99, l.report.Throughput)
	case len(others) > 0:
		r.logf("baseline %s: recorded for this machine (%s) from this run: nothing compared, since runs on other machines (%s) do not compare with this one; commit the file so that later runs on this machine are compared", path, machine, strings.Join(others, "; "))
	default:
		r.logf("baseline %s: recorded from this run (first run, machine %s): nothing compared yet; commit the file so that later runs are compared (p99 %v, throughput %.1f/s)", path, machine, l.report.Latencies.P99, l.report.Throughput)
	}
}

// readLoadBaseline reads the file at path: nil and no error when there is
// none yet.
func readLoadBaseline(path string) (*loadBaselineFile, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f loadBaselineFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("not a load baseline: %v", err)
	}
	if f.Format != loadBaselineFormat {
		return nil, fmt.Errorf("format %q, want %q", f.Format, loadBaselineFormat)
	}
	for _, m := range f.Machines {
		if m.Report == nil || m.Machine == "" {
			return nil, errors.New("an entry has no machine or no report")
		}
	}
	return &f, nil
}

// writeLoadBaseline writes f to path, creating its directory.
func writeLoadBaseline(path string, f *loadBaselineFile) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// cmpTolerance is the tolerance in use: t, or the default for 0.
func cmpTolerance(t float64) float64 {
	if t == 0 {
		return loadDefaultTolerance
	}
	return t
}

// loadTolText says what a tolerance allows: "+50% latency, −50% throughput".
func loadTolText(t float64) string {
	return fmt.Sprintf("+%g%% latency, -%g%% throughput", t*100, t*100)
}

// loadFloor returns a copy of base whose latencies are at least
// loadBaselineFloor: differences below it are noise.
func loadFloor(base *loadtest.Report) *loadtest.Report {
	c := *base
	for _, d := range []*time.Duration{&c.Latencies.P50, &c.Latencies.P90, &c.Latencies.P95, &c.Latencies.P99, &c.Latencies.Mean} {
		if *d > 0 && *d < loadBaselineFloor {
			*d = loadBaselineFloor
		}
	}
	return &c
}

// loadBest is the better of two runs, figure by figure: the lower latency,
// the higher throughput and success. A regression is what both runs show.
func loadBest(a, b *loadtest.Report) *loadtest.Report {
	c := *a
	la, lb := &c.Latencies, b.Latencies
	la.P50, la.P90, la.P95, la.P99, la.Mean = min(la.P50, lb.P50), min(la.P90, lb.P90), min(la.P95, lb.P95), min(la.P99, lb.P99), min(la.Mean, lb.Mean)
	c.Throughput = math.Max(c.Throughput, b.Throughput)
	if b.Success > c.Success {
		c.Success, c.Successes, c.Requests = b.Success, b.Successes, b.Requests
	}
	return &c
}

// oneLine joins an error's lines with "; ".
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ; ")), " ")
}
