package loadtest

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type planKind int

const (
	planRate planKind = iota
	planRamp
	planBurst  // Users with Rounds
	planClosed // Users with Duration
)

// plan is a validated configuration.
type plan struct {
	kind       planKind
	desc       string
	freq       int
	per        time.Duration
	dur        time.Duration
	from, to   int
	users      int
	rounds     int
	planned    uint64  // measured hits planned; 0 for closed plans
	requested  float64 // hits per second asked for; 0 for Users plans
	warmup     time.Duration
	timeout    time.Duration
	workers    int
	maxHits    uint64
	maxTime    time.Duration
	maxLag     time.Duration
	maxBody    int64
	success    [600]bool
	expectDesc string
	cfg        *config
}

const minDuration = time.Millisecond

func newConfig(opts []Option) *config {
	c := &config{given: map[string]int{}}
	for _, o := range opts {
		if o == nil {
			c.problem("nil Option")
			continue
		}
		o.apply(c)
	}
	return c
}

// validate checks every option and returns the plan, or every problem found.
func (c *config) validate() (*plan, []string) {
	p := &plan{cfg: c}
	names := make([]string, 0, len(c.given))
	for name := range c.given {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if n := c.given[name]; n > 1 {
			c.problem("%s given %d times: give it once", name, n)
		}
	}

	// Plans.
	var plans []string
	for _, name := range []string{"Users", "Rate", "Ramp"} {
		if c.has(name) {
			plans = append(plans, name)
		}
	}
	if len(plans) > 1 {
		c.problem("%s conflict: choose one plan", strings.Join(plans, " and "))
	}
	if c.has("Ramp") && c.has("Duration") {
		c.problem("Ramp and Duration conflict: Ramp(from, to, d) sets its own duration")
	}
	if c.has("Rounds") && !c.has("Users") {
		c.problem("Rounds(%d) needs Users(n): Rounds counts bursts of users", c.rounds)
	}
	if c.has("Rounds") && c.has("Duration") {
		c.problem("Rounds and Duration conflict: Users(n) with Rounds(k) sends k bursts, Users(n) with Duration(d) keeps n users busy for d; choose one")
	}
	if c.has("Duration") && c.dur < minDuration {
		c.problem("Duration(%v): want at least %v", c.dur, minDuration)
	}

	p.dur = DefaultDuration
	if c.has("Duration") {
		p.dur = c.dur
	}
	switch {
	case c.has("Users"):
		if c.users < 1 {
			c.problem("Users(%d): want at least 1 user", c.users)
		} else if c.users > MaxUsers {
			c.problem("Users(%d): at most %d users at once; for more load use Rate", c.users, MaxUsers)
		}
		p.users, p.rounds = c.users, 1
		if c.has("Rounds") {
			p.rounds = c.rounds
			if c.rounds < 1 {
				c.problem("Rounds(%d): want at least 1 round", c.rounds)
			}
		}
		if c.has("Duration") {
			p.kind = planClosed
			p.desc = fmt.Sprintf("%d users for %v", p.users, p.dur)
		} else {
			p.kind = planBurst
			p.planned = uint64(max(p.users, 0)) * uint64(max(p.rounds, 0))
			p.dur = 0
			p.desc = fmt.Sprintf("%d users at once", p.users)
			if p.rounds > 1 {
				p.desc += fmt.Sprintf(", %d rounds", p.rounds)
			}
		}
		p.workers = p.users
	case c.has("Ramp"):
		p.kind = planRamp
		if c.rampFrom < 1 || c.rampTo < 1 {
			c.problem("Ramp(%d, %d, %v): want rates of at least 1 hit/s", c.rampFrom, c.rampTo, c.rampDur)
		}
		if c.rampDur < minDuration {
			c.problem("Ramp(%d, %d, %v): want a duration of at least %v", c.rampFrom, c.rampTo, c.rampDur, minDuration)
		}
		p.from, p.to, p.dur = c.rampFrom, c.rampTo, c.rampDur
		p.requested = float64(p.from+p.to) / 2
		p.planned = uint64(max(0, p.requested*p.dur.Seconds()))
		p.desc = fmt.Sprintf("ramp %d/s to %d/s over %v", p.from, p.to, p.dur)
	default:
		p.kind = planRate
		p.freq, p.per = DefaultRate, time.Second
		if c.has("Rate") {
			p.freq, p.per = c.freq, c.per
			switch {
			case c.freq < 1:
				c.problem("Rate(%d, %v): want a frequency of at least 1", c.freq, c.per)
			case c.per <= 0:
				c.problem("Rate(%d, %v): per must be positive, e.g. Rate(%d, time.Second)", c.freq, c.per, c.freq)
			case float64(c.freq)/c.per.Seconds() > 10e6:
				c.problem("Rate(%d, %v): at most 10,000,000 hits/s", c.freq, c.per)
			}
		}
		if p.freq >= 1 && p.per > 0 {
			p.requested = float64(p.freq) / p.per.Seconds()
			p.planned = uint64(float64(p.freq) * float64(p.dur) / float64(p.per))
		}
		p.desc = fmt.Sprintf("rate %d/%v for %v", p.freq, p.per, p.dur)
	}
	if p.kind == planRate || p.kind == planRamp {
		p.workers = DefaultWorkers
		if c.has("Workers") {
			p.workers = c.workers
			if c.workers < 1 || c.workers > MaxUsers {
				c.problem("Workers(%d): want between 1 and %d", c.workers, MaxUsers)
			}
		}
		if p.planned == 0 && len(c.problems) == 0 {
			c.problem("%s sends no hits: lengthen the duration or raise the rate", p.desc)
		}
	} else if c.has("Workers") {
		c.problem("Workers(%d) conflicts with Users(%d), which uses exactly %d workers", c.workers, c.users, c.users)
	}

	// Bounds.
	if c.has("Warmup") {
		p.warmup = c.warmup
		if c.warmup < 0 || (c.warmup > 0 && c.warmup < minDuration) {
			c.problem("Warmup(%v): want 0 (none) or at least %v", c.warmup, minDuration)
		}
	}
	p.timeout = DefaultTimeout
	if c.has("Timeout") {
		p.timeout = c.timeout
		if c.timeout < minDuration {
			c.problem("Timeout(%v): want at least %v", c.timeout, minDuration)
		}
	}
	p.maxHits = DefaultMaxHits
	if c.has("MaxHits") {
		p.maxHits = uint64(max(c.maxHits, 0))
		if c.maxHits < 1 {
			c.problem("MaxHits(%d): want at least 1", c.maxHits)
		}
	}
	p.maxTime = DefaultMaxTime
	if c.has("MaxTime") {
		p.maxTime = c.maxTime
		if c.maxTime < minDuration {
			c.problem("MaxTime(%v): want at least %v", c.maxTime, minDuration)
		}
	}
	p.maxLag = DefaultMaxLag
	if c.has("MaxLag") {
		p.maxLag = c.maxLag
		if c.maxLag <= 0 {
			c.problem("MaxLag(%v): want a positive duration", c.maxLag)
		}
	}
	p.maxBody = DefaultMaxBody
	if c.has("MaxBody") {
		p.maxBody = c.maxBody
		if c.maxBody < 0 {
			c.problem("MaxBody(%d): want 0 or more bytes", c.maxBody)
		}
	}
	if c.has("Expect") {
		if len(c.expect) == 0 {
			c.problem("Expect(): want at least one status, e.g. Expect(200, 429)")
		}
		for _, s := range c.expect {
			if s < 100 || s > 599 {
				c.problem("Expect(%d): want statuses between 100 and 599", s)
			}
		}
	}
	p.success, p.expectDesc = successSet(c.expect)
	if c.has("Record") {
		if c.record == nil {
			c.problem("Record(nil, %v): want a writer", c.recordFormat)
		}
		if c.recordFormat < Gob || c.recordFormat > CSV {
			c.problem("Record(w, %v): want Gob, JSON or CSV", c.recordFormat)
		}
	}
	if c.has("Plot") && c.plot == nil {
		c.problem("Plot(nil): want a writer")
	}

	// Feasibility against the hard caps.
	if len(c.problems) == 0 {
		warmHits := uint64(0)
		switch p.kind {
		case planRate:
			warmHits = uint64(float64(p.freq) * float64(p.warmup) / float64(p.per))
		case planRamp:
			warmHits = uint64(float64(p.from) * p.warmup.Seconds())
		}
		if need := p.planned + warmHits; need > p.maxHits {
			c.problem("%s needs %d hits, above MaxHits(%d): raise MaxHits or shorten the plan", p.desc, need, p.maxHits)
		}
		if need := p.warmup + p.dur; need > p.maxTime {
			c.problem("%s needs %v with warm-up, above MaxTime(%v): raise MaxTime or shorten the plan", p.desc, need, p.maxTime)
		}
	}
	return p, c.problems
}

// successSet returns the statuses counted as success.
func successSet(expect []int) (set [600]bool, desc string) {
	if len(expect) == 0 {
		for s := 200; s < 400; s++ {
			set[s] = true
		}
		return set, "2xx and 3xx"
	}
	parts := make([]string, 0, len(expect))
	for _, s := range expect {
		if s >= 100 && s < 600 {
			set[s] = true
			parts = append(parts, fmt.Sprint(s))
		}
	}
	return set, strings.Join(parts, ", ")
}

// pacer is the vegeta pacer of a plan, capped at maxHits hits.
func (p *plan) pacer(maxHits uint64) vegeta.Pacer {
	var inner vegeta.Pacer
	switch p.kind {
	case planRate:
		inner = vegeta.ConstantPacer{Freq: p.freq, Per: p.per}
	case planRamp:
		inner = vegeta.LinearPacer{
			StartAt: vegeta.ConstantPacer{Freq: p.from, Per: time.Second},
			Slope:   float64(p.to-p.from) / p.dur.Seconds(),
		}
	default:
		inner = nil // as fast as the workers allow
	}
	return cappedPacer{inner: inner, max: maxHits}
}

// due returns when hit n is scheduled, measured from the start of an attack.
func (p *plan) due(n uint64) time.Duration {
	switch p.kind {
	case planRate:
		// ConstantPacer sends hit n after (n+1) intervals.
		return time.Duration(float64(n+1) * float64(p.per) / float64(p.freq))
	case planRamp:
		// LinearPacer sends hit n when a*t²/2 + b*t reaches n+1 (hit 0 at once).
		if n == 0 {
			return 0
		}
		a := float64(p.to-p.from) / p.dur.Seconds()
		b := float64(p.from)
		k := float64(n + 1)
		if a == 0 {
			return time.Duration(k / b * 1e9)
		}
		disc := b*b + 2*a*k
		if disc < 0 {
			return p.dur
		}
		return time.Duration((-b + math.Sqrt(disc)) / a * 1e9)
	}
	return 0 // bursts: every hit is due at once
}

// cappedPacer stops after max hits; a nil inner pacer sends as fast as the
// workers allow.
type cappedPacer struct {
	inner vegeta.Pacer
	max   uint64
}

var _ vegeta.Pacer = cappedPacer{}

func (c cappedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= c.max {
		return 0, true
	}
	if c.inner == nil {
		return 0, false
	}
	return c.inner.Pace(elapsed, hits)
}

func (c cappedPacer) Rate(elapsed time.Duration) float64 {
	if c.inner == nil {
		return 0
	}
	return c.inner.Rate(elapsed)
}

// checkMethod reports whether m is a valid HTTP method token.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, r := range m {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return true
}
