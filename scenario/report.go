package scenario

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Problem is one thing a scenario found wrong: the step it was found in and
// what is wrong, with how to fix it.
type Problem struct {
	Step string // e.g. "Then my subsequent attempts are blocked for 5 minutes"
	Text string
	// Err is the error behind the problem, when there is one (a transport
	// error, the context's error): Problems unwraps to it.
	Err error
}

// Problems is the error an engine (Verify) returns: every problem found, in
// the order found, and what the scenario tried.
type Problems struct {
	Scenario string
	List     []Problem
	// Tried lists what the scenario did (requests, payloads, users), as it
	// logged it.
	Tried []string
	// NotProven lists what the scenario could not prove with what it was
	// given, each with the field to set ("not proven: …; set X").
	NotProven []string
	// Required lists the NotProven probes that the preset in force
	// requires (see [Explain]): under jetty.Feature each one makes the
	// requirement the check covers only partly proven (coverage
	// "partial") until its field is set. The others are optional: they
	// are reported and logged only.
	Required []string
}

// Err returns p as an error when it lists a problem, else nil: the
// verdict Verify returns.
func (p *Problems) Err() error {
	if p == nil || len(p.List) == 0 {
		return nil
	}
	return p
}

// Explain runs check's engine without a testing.T, as Verify does, and
// returns everything it found, also on a pass: the problems, what it
// tried, and what it could not prove (NotProven, and the part of it the
// preset in force requires, Required). Verify keeps its contract (nil on a
// pass); Explain is for a caller that must also know what a pass did not
// prove:
//
//	p := scenario.Explain(ctx, scenario.RateLimit{Target: target})
//	if err := p.Err(); err != nil { … }      // the verdict
//	for _, np := range p.Required { … }      // "… set Success to …"
//
// check is any of the package's checks, or a type whose Verify returns a
// *Problems or an error (then only what that error says is known).
// Explain never returns nil.
func Explain(ctx context.Context, check interface {
	Verify(context.Context) error
}) *Problems {
	if ctx == nil {
		ctx = context.Background()
	}
	if check == nil {
		return &Problems{List: []Problem{{Text: "scenario.Explain(ctx, nil): pass a check such as scenario.RateLimit{…}"}}}
	}
	sink := new(*Problems)
	err := check.Verify(context.WithValue(ctx, explainKey{}, sink))
	var p *Problems
	switch {
	case *sink != nil:
		return *sink
	case errors.As(err, &p):
		return p
	case err != nil:
		return &Problems{List: []Problem{{Text: err.Error(), Err: err}}}
	}
	return &Problems{}
}

// explainKey carries Explain's sink to verify through the context.
type explainKey struct{}

// need is what a probe that could not run needed: the requirement it is
// part of and the check's field that would let it run. A probe with a
// zero need is optional (nothing the user can set enables it, or it only
// adds to what the check proves): it is reported, never required.
type need struct {
	id    preset.ID
	field string // e.g. "RateLimit.Success"
}

// requiredBy reports whether preset p requires the probe: p has the
// requirement, and the requirement's "optional" parameter (a
// comma-separated list of field names, e.g. "Session.Elevate") does not
// name the field.
func (n need) requiredBy(r reporter) bool {
	if n.id == "" {
		return false
	}
	if _, ok := r.preset().Requirement(n.id); !ok {
		return false
	}
	for _, f := range paramsOf(r, n.id).List("optional", nil) {
		if f == n.field || strings.HasSuffix(n.field, "."+f) {
			return false
		}
	}
	return true
}

// withField returns msg naming the field to set, when it does not yet.
func (n need) withField(msg string) string {
	if n.field == "" {
		return msg
	}
	_, short, _ := strings.Cut(n.field, ".")
	if strings.Contains(msg, "set "+n.field) || strings.Contains(msg, "set "+short) {
		return msg
	}
	return msg + "; set " + n.field
}

// Error lists every problem, one per line, under the scenario's title.
func (p *Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s):", p.Scenario, len(p.List))
	for _, q := range p.List {
		b.WriteString("\n\t")
		if q.Step != "" {
			b.WriteString(q.Step)
			b.WriteString(": ")
		}
		b.WriteString(q.Text)
	}
	return b.String()
}

// Unwrap returns the errors behind the problems, so that errors.Is and
// errors.As see them (context.Canceled, a *net.OpError, …).
func (p *Problems) Unwrap() []error {
	var errs []error
	for _, q := range p.List {
		if q.Err != nil {
			errs = append(errs, q.Err)
		}
	}
	return errs
}

// Everything an engine logs or reports passes through redact.String: no
// credential, cookie or password-like field reaches a log or a message.

// redactf formats a message with every secret masked. Strings, bodies and
// headers among args are masked before formatting, so that quoting a body
// (%q escapes its JSON quotes) cannot hide a password from the pattern;
// the message is masked again after.
func redactf(format string, args ...any) string {
	masked := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			masked[i] = redact.String(v)
		case []byte:
			masked[i] = []byte(redact.Bytes(v))
		case http.Header:
			masked[i] = redact.Header(v)
		default:
			masked[i] = a
		}
	}
	return redact.String(fmt.Sprintf(format, masked...))
}

// errorIn returns the first error among args, for Problem.Err.
func errorIn(args []any) error {
	for _, a := range args {
		if err, ok := a.(error); ok {
			return err
		}
	}
	return nil
}

// reporter is where an engine reports: a *jetty.S (Run) or a collector
// (Verify). Engines are written once, as steps, against it.
type reporter interface {
	context() context.Context
	// step runs fn as a step; once the context is done it runs nothing
	// and reports, once, that the check stopped.
	step(keyword, text string, fn func())
	logf(format string, args ...any)
	errorf(format string, args ...any)
	// notProven reports what the check could not prove and which field
	// would let it (see need): a probe the preset in force requires is
	// reported to the scenario's coverage, the others are logged only.
	notProven(n need, format string, args ...any)
	// ready marks the end of the check's configuration: a problem
	// reported before it is about the check's fields, and under Run it
	// names the line of the user's f.Include or jetty.Check.
	ready()
	// failed reports whether a problem was reported so far.
	failed() bool
	// preset is the preset the check's thresholds come from, resolved
	// once (see resolvePreset).
	preset() preset.Preset
	// artifactDir is where the check may keep files for the user ("" when
	// there is nowhere).
	artifactDir() string
	// cleanup registers fn to run when the scenario ends.
	cleanup(fn func())
}

// resolvePreset is the one place the precedence of a check's preset is
// decided: the check's own Preset field; else the preset the scenario runs
// under (Run: the Feature's options, then the module's profile file;
// Verify: the module's profile file, found from the working directory as
// go test sets it); else none, and the check uses the seed's numbers.
func resolvePreset(own preset.Preset, running func() (preset.Preset, error)) (preset.Preset, error) {
	if !own.IsZero() {
		return own, nil
	}
	return running()
}

// profilePreset reads the module's profile file from the working
// directory: the preset of an external project, none for an internal one.
func profilePreset() (preset.Preset, error) {
	p, err := jetty.LoadProfile(".")
	if err != nil || !p.External {
		return preset.Preset{}, err
	}
	return p.Preset, nil
}

// stopped is the problem a check reports when its context ends.
func stopped(ctx context.Context) (string, error) {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(err, cause) {
		err = fmt.Errorf("%w (%v)", err, cause)
	}
	return fmt.Sprintf("stopped before the next step: %v", err), err
}

// collector gathers problems for Verify.
type collector struct {
	ctx      context.Context
	p        preset.Preset
	cur      []string
	probs    Problems
	cleanups []func()
	halted   bool
	reads    []string // "id/key" of every preset parameter read
}

func (c *collector) ready() {}

func (c *collector) context() context.Context { return c.ctx }
func (c *collector) step(kw, text string, fn func()) {
	if c.ctx.Err() != nil {
		c.halt()
		return
	}
	c.cur = append(c.cur, kw+" "+redact.String(text))
	defer func() { c.cur = c.cur[:len(c.cur)-1] }()
	fn()
}
func (c *collector) halt() {
	if c.halted {
		return
	}
	c.halted = true
	text, err := stopped(c.ctx)
	c.probs.List = append(c.probs.List, Problem{Step: strings.Join(c.cur, ": "), Text: text, Err: err})
}
func (c *collector) logf(format string, args ...any) {
	c.probs.Tried = append(c.probs.Tried, redactf(format, args...))
}
func (c *collector) errorf(format string, args ...any) {
	c.probs.List = append(c.probs.List, Problem{Step: strings.Join(c.cur, ": "), Text: redactf(format, args...), Err: errorIn(args)})
}
func (c *collector) notProven(n need, format string, args ...any) {
	msg := n.withField(redactf(format, args...))
	c.probs.NotProven = append(c.probs.NotProven, msg)
	if n.requiredBy(c) {
		c.probs.Required = append(c.probs.Required, msg)
	}
	c.probs.Tried = append(c.probs.Tried, "not proven: "+msg)
}
func (c *collector) failed() bool          { return len(c.probs.List) > 0 }
func (c *collector) preset() preset.Preset { return c.p }
func (c *collector) read(id preset.ID, key string) {
	c.reads = append(c.reads, string(id)+"/"+key)
}
func (c *collector) artifactDir() string { return "" }
func (c *collector) cleanup(fn func())   { c.cleanups = append(c.cleanups, fn) }

// verify runs an engine without a testing.T and returns its problems. A
// context that is done stops it before its first step.
func verify(ctx context.Context, title string, own preset.Preset, exec func(reporter)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c := &collector{ctx: ctx}
	c.probs.Scenario = title
	p, err := resolvePreset(own, profilePreset)
	if err != nil {
		c.errorf("reading the module's profile for the preset: %v; fix the profile file, or set the check's Preset field", err)
		return &c.probs
	}
	c.p = p
	func() {
		// A panic in a callback the caller gave (a HandlerFunc build,
		// Credentials, Dependency.Down…) is a problem, as Run reports it:
		// it must not escape Verify and crash the caller.
		defer func() {
			if v := recover(); v != nil {
				c.errorf("panic: %v: a function given to the scenario panicked; fix it, or recover in it and return an error value", v)
			}
		}()
		defer func() {
			for i := len(c.cleanups) - 1; i >= 0; i-- {
				c.cleanups[i]()
			}
		}()
		if ctx.Err() != nil {
			c.halt()
			return
		}
		exec(c)
	}()
	if sink, ok := ctx.Value(explainKey{}).(**Problems); ok && sink != nil {
		*sink = &c.probs
	}
	return c.probs.Err()
}

// stepper reports to a running jetty scenario.
type stepper struct {
	s      *jetty.S
	p      preset.Preset
	halted *bool
	// configured is set by ready: until then a problem is about the
	// check's fields and names the user's line (jetty.S.Origin).
	configured *bool
}

func (r stepper) ready() { *r.configured = true }

func (r stepper) context() context.Context { return r.s.Context() }
func (r stepper) step(kw, text string, fn func()) {
	r.s.Helper()
	if ctx := r.s.Context(); ctx.Err() != nil {
		if !*r.halted {
			*r.halted = true
			text, _ := stopped(ctx)
			r.s.Error(text)
		}
		return
	}
	text = redact.String(text)
	switch kw {
	case "Given":
		r.s.Given(text, fn)
	case "When":
		r.s.When(text, fn)
	case "Then":
		r.s.Then(text, fn)
	case "But":
		r.s.But(text, fn)
	default:
		r.s.And(text, fn)
	}
}
func (r stepper) logf(format string, args ...any) {
	r.s.Helper()
	r.s.Log(redactf(format, args...))
}
func (r stepper) errorf(format string, args ...any) {
	r.s.Helper()
	msg := redactf(format, args...)
	if at := r.s.Origin(); !*r.configured && at != "" {
		// t.Run runs the scenario on its own goroutine: no Helper mark
		// reaches the user's frame, so the message names it.
		msg = at + ": " + msg
	}
	r.s.Error(msg)
}
func (r stepper) notProven(n need, format string, args ...any) {
	r.s.Helper()
	msg := n.withField(redactf(format, args...))
	if n.requiredBy(r) {
		r.s.NotProven(n.id, msg)
		return
	}
	r.s.Log("not proven: " + msg)
}
func (r stepper) failed() bool          { return r.s.Failed() }
func (r stepper) preset() preset.Preset { return r.p }
func (r stepper) artifactDir() string   { return r.s.ArtifactDir() }
func (r stepper) cleanup(fn func())     { r.s.Cleanup(fn) }

// run runs an engine as a jetty scenario's steps.
func run(s *jetty.S, own preset.Preset, exec func(reporter)) {
	s.Helper()
	p, _ := resolvePreset(own, func() (preset.Preset, error) {
		if !s.External() {
			return preset.Preset{}, nil
		}
		return s.Preset(), nil
	})
	exec(stepper{s: s, p: p, halted: new(bool), configured: new(bool)})
}

// runBubbled runs an engine that needs virtual time for an in-process
// target: inside a synctest bubble that s opens, unless the caller is in
// one already or s cannot open one (then on real time, and the engine says
// what it could not verify).
func runBubbled(s *jetty.S, own preset.Preset, t Target, exec func(reporter)) {
	s.Helper()
	if !t.IsZero() && !t.IsURL() && !probe.InBubble() {
		if s.Bubble(func(s *jetty.S) { run(s, own, exec) }) {
			return
		}
	}
	run(s, own, exec)
}
