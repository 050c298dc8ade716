package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jettymethod/jetty/internal/redact"
	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/tsenart/vegeta/v12/lib/plot"
)

// attackName is the Attack field of recorded results and the X-Vegeta-Attack
// header of requests.
const attackName = "loadtest"

// plotPoints is the downsampling threshold of Plot, per series.
const plotPoints = 4000

// Run loads target following the plan set by opts (default: Rate(50,
// time.Second) for 1s) and returns its Report.
//
// Run returns an error, and no report, when an option or the target is
// invalid (listing every problem, each saying how to fix it) or when a URL
// target is refused by the loopback guard; no request is sent then. It
// returns the report and an *InvalidError when the run did not measure the
// planned load (see InvalidError), the report and an error wrapping ctx.Err()
// when ctx was cancelled (the run stops at once: in-flight requests are
// cancelled through their context), and the report and an error when Record
// or Plot could not write or a Build function failed.
//
// Run is safe to call from parallel tests: it keeps no shared state, and each
// run uses its own vegeta Attacker and HTTP client.
func Run(ctx context.Context, target Target, opts ...Option) (*Report, error) {
	c := newConfig(opts)
	p, probs := c.validate()
	res, tprobs := target.check(c.allowRemote)
	probs = append(probs, tprobs...)
	if ctx == nil {
		probs = append([]string{"Run(nil, …): want a context: pass t.Context() in a test, or context.Background()"}, probs...)
	}
	if len(probs) == 1 {
		return nil, errors.New("loadtest: " + probs[0])
	}
	if len(probs) > 1 {
		return nil, fmt.Errorf("loadtest: %d problems:\n  %s", len(probs), strings.Join(probs, "\n  "))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("loadtest: not started: %w", err)
	}

	runCtx, cancel := context.WithTimeout(ctx, p.maxTime)
	defer cancel()
	client, release := target.client(runCtx, p, res)
	defer release()

	r := &runner{p: p, ctx: runCtx, client: client}
	r.targeter = target.targeter(res, &r.hits, &r.failed)
	r.agg = newAggregator(&p.success)
	if c.record != nil {
		switch c.recordFormat {
		case Gob:
			r.enc = vegeta.NewEncoder(c.record)
		case JSON:
			r.enc = vegeta.NewJSONEncoder(c.record)
		case CSV:
			r.enc = vegeta.NewCSVEncoder(c.record)
		}
	}
	if c.plot != nil {
		r.plot = plot.New(plot.Title(p.desc), plot.Downsample(plotPoints), plot.Label(func(res *vegeta.Result) string {
			if int(res.Code) < len(p.success) && p.success[res.Code] {
				return "OK"
			}
			return "ERROR"
		}))
	}

	usedUp := false
	if p.warmup > 0 {
		r.warm()
		usedUp = r.left() == 0 && r.ctx.Err() == nil && r.failed.Load() == nil
	}
	if !usedUp {
		r.measure()
	}
	rep := r.agg.report(p)
	if usedUp {
		rep.Invalid = append(rep.Invalid, fmt.Sprintf("the warm-up used up MaxHits(%d): no hit was left to measure; raise MaxHits or shorten Warmup(%v)", p.maxHits, p.warmup))
	}

	var errs []error
	if err := ctx.Err(); err != nil {
		errs = append(errs, fmt.Errorf("loadtest: run cancelled after %d requests: %w", rep.Requests, err))
	} else {
		if runCtx.Err() != nil {
			rep.Invalid = append(rep.Invalid, fmt.Sprintf("stopped by MaxTime(%v) before the plan finished", p.maxTime))
		}
		if msg := r.failed.Load(); msg != nil {
			errs = append(errs, errors.New(*msg))
		} else if runCtx.Err() == nil && !usedUp {
			rep.Invalid = append(rep.Invalid, judge(p, rep)...)
		}
		if len(rep.Invalid) > 0 {
			errs = append(errs, &InvalidError{Reasons: rep.Invalid})
		}
	}
	if r.encErr != nil {
		errs = append(errs, fmt.Errorf("loadtest: Record: %w", r.encErr))
	}
	if r.plot != nil {
		r.plot.Close()
		if r.plotErr == nil {
			_, r.plotErr = r.plot.WriteTo(c.plot)
		}
		if r.plotErr != nil {
			errs = append(errs, fmt.Errorf("loadtest: Plot: %w", r.plotErr))
		}
	}
	return rep, errors.Join(errs...)
}

// judge returns why a finished run did not measure the planned load.
func judge(p *plan, rep *Report) []string {
	var why []string
	if p.planned > 0 && float64(rep.Requests) < 0.95*float64(p.planned)-1 {
		if p.requested > 0 {
			why = append(why, fmt.Sprintf("generator fell behind: sent %d of %d planned hits (%.1f/s of %.1f/s requested, %s, want ≥ 95%%); the target answers too slowly for Workers(%d) — raise Workers or lower the rate",
				rep.Requests, p.planned, float64(rep.Requests)/p.dur.Seconds(), p.requested, pct(float64(rep.Requests)/float64(p.planned)), p.workers))
		} else {
			why = append(why, fmt.Sprintf("sent %d of %d planned hits", rep.Requests, p.planned))
		}
	}
	if rep.Lag.P99 > p.maxLag {
		why = append(why, fmt.Sprintf("generator lag p99 = %v (max %v), want ≤ %v (MaxLag): hits left later than scheduled, so latencies describe a lighter load than planned",
			short(rep.Lag.P99), short(rep.Lag.Max), p.maxLag))
	}
	return why
}

// runner carries one run.
type runner struct {
	p        *plan
	ctx      context.Context
	client   *http.Client
	targeter vegeta.Targeter
	hits     atomic.Uint64
	failed   atomic.Pointer[string]
	agg      *aggregator
	enc      vegeta.Encoder
	encErr   error
	plot     *plot.Plot
	plotErr  error
	seq      uint64 // sequence offset of the next attack, for Plot
}

// attack runs one vegeta attack and passes each result to each.
func (r *runner) attack(pacer vegeta.Pacer, du time.Duration, workers, maxWorkers int, each func(*vegeta.Result, time.Time)) {
	atk := vegeta.NewAttacker(
		vegeta.Client(r.client),
		vegeta.Workers(uint64(workers)),
		vegeta.MaxWorkers(uint64(maxWorkers)),
		vegeta.MaxBody(r.p.maxBody),
	)
	stop := context.AfterFunc(r.ctx, func() { atk.Stop() })
	defer stop()
	began := time.Now()
	for res := range atk.Attack(r.targeter, pacer, du, attackName) {
		each(res, began)
	}
}

// left returns the hits still allowed by MaxHits.
func (r *runner) left() uint64 {
	if n := r.hits.Load(); n < r.p.maxHits {
		return r.p.maxHits - n
	}
	return 0
}

func (r *runner) done() bool {
	return r.ctx.Err() != nil || r.failed.Load() != nil || r.left() == 0
}

// warm sends the warm-up traffic and discards it.
func (r *runner) warm() {
	p := r.p
	discard := func(*vegeta.Result, time.Time) {}
	switch p.kind {
	case planRate, planRamp:
		var pacer vegeta.Pacer = cappedPacer{inner: vegeta.ConstantPacer{Freq: p.freq, Per: p.per}, max: r.left()}
		if p.kind == planRamp {
			pacer = cappedPacer{inner: vegeta.ConstantPacer{Freq: p.from, Per: time.Second}, max: r.left()}
		}
		r.attack(pacer, p.warmup, min(10, p.workers), p.workers, discard)
	case planClosed:
		r.attack(cappedPacer{max: r.left()}, p.warmup, p.users, p.users, discard)
	case planBurst:
		end := time.Now().Add(p.warmup)
		for first := true; first || time.Now().Before(end); first = false {
			if r.done() {
				return
			}
			r.attack(cappedPacer{max: min(uint64(p.users), r.left())}, 0, p.users, p.users, discard)
		}
	}
}

// measure sends the measured traffic.
func (r *runner) measure() {
	p := r.p
	switch p.kind {
	case planRate, planRamp:
		r.attack(p.pacer(r.left()), p.dur, min(10, p.workers), p.workers, r.collect(true))
	case planClosed:
		r.attack(cappedPacer{max: r.left()}, p.dur, p.users, p.users, r.collect(false))
	case planBurst:
		for i := 0; i < p.rounds && !r.done(); i++ {
			r.attack(cappedPacer{max: min(uint64(p.users), r.left())}, 0, p.users, p.users, r.collect(true))
		}
	}
}

// collect returns the function that measures each result of an attack.
func (r *runner) collect(lag bool) func(*vegeta.Result, time.Time) {
	offset := r.seq
	var n uint64
	return func(res *vegeta.Result, began time.Time) {
		if res.Error != "" && res.Code == 0 && r.failed.Load() != nil && strings.HasPrefix(res.Error, "loadtest: Build(") {
			return // the hit that stopped the run was never sent
		}
		n++
		r.seq = max(r.seq, offset+res.Seq+1)
		r.agg.add(res)
		if lag {
			r.agg.addLag(res.Timestamp.Sub(began) - r.p.due(res.Seq))
		}
		res.Body, res.Headers = nil, nil
		if r.enc != nil || r.plot != nil {
			// Only what leaves the run is masked: the hot path stays free
			// of regular expressions.
			res.Error, res.URL = redact.String(res.Error), redact.String(res.URL)
		}
		if r.enc != nil && r.encErr == nil {
			r.encErr = r.enc.Encode(res)
		}
		if r.plot != nil && r.plotErr == nil {
			pr := *res
			pr.Seq += offset
			r.plotErr = r.plot.Add(&pr)
		}
	}
}
