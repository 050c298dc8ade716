package loadtest

import (
	"fmt"
	"io"
	"time"
)

// Defaults applied when an option is not given. Every run is bounded: it stops
// by itself after at most MaxHits hits and MaxTime of wall time.
const (
	DefaultRate     = 50                     // hits per second of the default plan
	DefaultDuration = time.Second            // length of the default plan and of Rate or Users plans without Duration
	DefaultTimeout  = 5 * time.Second        // per-request timeout
	DefaultWorkers  = 64                     // worker cap for Rate and Ramp plans
	DefaultMaxHits  = 100_000                // hard cap on hits in a run, warm-up included
	DefaultMaxTime  = 60 * time.Second       // hard cap on a run's wall time, warm-up included
	DefaultMaxLag   = 100 * time.Millisecond // p99 generator lag beyond which a run is invalid
	DefaultMaxBody  = 1 << 20                // response bytes kept and counted per hit
	MaxUsers        = 10_000                 // largest n accepted by Users
)

// An Option configures Run. Options are order-independent; giving one twice,
// or two that contradict each other (Rate and Users, Ramp and Duration),
// is an error that names both. Build options with the functions of this
// package; the interface is sealed.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Format is a vegeta result encoding, used by Record.
type Format int

// The result encodings of vegeta, readable by FromResults and by the vegeta
// command (vegeta report, vegeta plot).
const (
	Gob  Format = iota // vegeta's default binary encoding (vegeta attack > results.bin)
	JSON               // one JSON object per line (vegeta encode --to json)
	CSV                // vegeta's CSV columns (vegeta encode --to csv)
)

func (f Format) String() string {
	switch f {
	case Gob:
		return "Gob"
	case JSON:
		return "JSON"
	case CSV:
		return "CSV"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

type config struct {
	given    map[string]int // option name -> times given
	problems []string

	users, rounds    int
	freq             int
	per              time.Duration
	dur              time.Duration
	rampFrom, rampTo int
	rampDur          time.Duration
	warmup           time.Duration
	timeout          time.Duration
	workers          int
	maxHits          int
	maxTime          time.Duration
	maxLag           time.Duration
	maxBody          int64
	expect           []int
	allowRemote      bool
	record           io.Writer
	recordFormat     Format
	plot             io.Writer
}

func (c *config) mark(name string) { c.given[name]++ }

func (c *config) has(name string) bool { return c.given[name] > 0 }

func (c *config) problem(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// Users plans n users acting at once: all n requests are in flight together,
// released by one barrier, not spread over a second (the "100 users log in
// simultaneously" case). Alone it is one burst; with Rounds(k) it is k bursts,
// each starting when the previous one has completed; with Duration(d) the n
// users keep sending back to back for d (a closed model, as fast as the
// target answers). Users uses exactly n workers, ignoring Workers.
// n must be between 1 and MaxUsers.
func Users(n int) Option {
	return optionFunc(func(c *config) { c.mark("Users"); c.users = n })
}

// Rounds sets how many bursts a Users plan sends; default 1.
func Rounds(k int) Option {
	return optionFunc(func(c *config) { c.mark("Rounds"); c.rounds = k })
}

// Rate plans an open-model constant rate of freq hits every per (vegeta's
// ConstantPacer), for Duration (default 1s): Rate(100, time.Second).
// Hits are sent on schedule whether or not earlier ones have answered, with up
// to Workers in flight. freq must be at least 1 and per positive; there is no
// "unlimited" rate. Default plan, with no plan option: Rate(50, time.Second)
// for 1s.
func Rate(freq int, per time.Duration) Option {
	return optionFunc(func(c *config) { c.mark("Rate"); c.freq, c.per = freq, per })
}

// Duration sets how long a Rate plan (or the default plan) sends, or how long
// a Users plan keeps its users busy. Default 1s; at least 1ms.
func Duration(d time.Duration) Option {
	return optionFunc(func(c *config) { c.mark("Duration"); c.dur = d })
}

// Ramp plans a rate rising (or falling) linearly from `from` to `to` hits per
// second over d (vegeta's LinearPacer). Both rates must be at least 1.
func Ramp(from, to int, d time.Duration) Option {
	return optionFunc(func(c *config) { c.mark("Ramp"); c.rampFrom, c.rampTo, c.rampDur = from, to, d })
}

// Warmup sends traffic for d before the measured run starts and leaves it out
// of the report (and out of Record and Plot). Rate and Ramp plans warm up at
// their starting rate; Users plans repeat their burst (at least once) until d
// has passed. Default 0: no warm-up.
func Warmup(d time.Duration) Option {
	return optionFunc(func(c *config) { c.mark("Warmup"); c.warmup = d })
}

// Timeout bounds each request, from send to the end of its body; default 5s.
// It is enforced to within 10ms (requests started together share a deadline).
// A Handler target that ignores its request's context cannot be interrupted:
// the timeout then only cancels that context.
func Timeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.mark("Timeout"); c.timeout = d })
}

// Workers caps how many requests a Rate or Ramp plan keeps in flight; default
// 64. Throughput peaks between 16 and 64 workers on most machines; unbounded
// workers collapse under their own scheduling. A plan needing more in flight
// than the cap falls behind and is reported invalid.
func Workers(n int) Option {
	return optionFunc(func(c *config) { c.mark("Workers"); c.workers = n })
}

// MaxHits caps the hits of a run, warm-up included; default 100,000. A plan
// that needs more is refused before it starts; a Users plan with Duration
// stops when it reaches the cap.
func MaxHits(n int) Option {
	return optionFunc(func(c *config) { c.mark("MaxHits"); c.maxHits = n })
}

// MaxTime caps a run's wall time, warm-up included; default 60s. A plan that
// needs longer is refused; a run still going at MaxTime is stopped and
// reported invalid.
func MaxTime(d time.Duration) Option {
	return optionFunc(func(c *config) { c.mark("MaxTime"); c.maxTime = d })
}

// MaxLag sets how far behind its schedule the generator may fall (p99 of send
// time minus scheduled time) before the run is invalid; default 100ms.
func MaxLag(d time.Duration) Option {
	return optionFunc(func(c *config) { c.mark("MaxLag"); c.maxLag = d })
}

// MaxBody caps the response bytes kept (and counted in BytesIn) per hit; the
// rest of a body is read and discarded. Default 1 MiB; 0 keeps none.
func MaxBody(n int64) Option {
	return optionFunc(func(c *config) { c.mark("MaxBody"); c.maxBody = n })
}

// Expect sets the statuses that count as success, replacing the default
// (every 2xx and 3xx status). In a rate-limit run, Expect(200, 429) counts the
// refusals as the behaviour wanted. A hit with no response never succeeds.
func Expect(statuses ...int) Option {
	return optionFunc(func(c *config) { c.mark("Expect"); c.expect = append([]int(nil), statuses...) })
}

// AllowRemote lets a URL target name a host that is not loopback. Without it,
// URL targets are refused unless the host is literally localhost, an address
// in 127.0.0.0/8 or ::1, and connections to any other address are refused.
func AllowRemote() Option {
	return optionFunc(func(c *config) { c.mark("AllowRemote"); c.allowRemote = true })
}

// Record writes every measured result to w while the run goes, in vegeta's
// encoding f (Gob, JSON or CSV), without bodies or headers, so that
// FromResults or the vegeta command can read it back and merge it with
// results from other machines. Writes happen on one goroutine.
func Record(w io.Writer, f Format) Option {
	return optionFunc(func(c *config) { c.mark("Record"); c.record, c.recordFormat = w, f })
}

// Plot writes an interactive HTML plot of latency over time (vegeta's
// lib/plot, downsampled to 4000 points a series) to w when the run ends.
// Plotting keeps a compressed copy of every point (a few bytes a hit), so ask
// for it only when you want it.
func Plot(w io.Writer) Option {
	return optionFunc(func(c *config) { c.mark("Plot"); c.plot = w })
}
