package scenario

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
)

// Problem is one thing a scenario found wrong: the step it was found in and
// what is wrong, with how to fix it.
type Problem struct {
	Step string // e.g. "Then my subsequent attempts are blocked for 5 minutes"
	Text string
}

// Problems is the error an engine (Verify) returns: every problem found, in
// the order found, and what the scenario tried.
type Problems struct {
	Scenario string
	List     []Problem
	// Tried lists what the scenario did (requests, payloads, users), as it
	// logged it.
	Tried []string
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

// reporter is where an engine reports: a *jetty.S (Run) or a collector
// (Verify). Engines are written once, as steps, against it.
type reporter interface {
	context() context.Context
	step(keyword, text string, fn func())
	logf(format string, args ...any)
	errorf(format string, args ...any)
	// failed reports whether a problem was reported so far.
	failed() bool
	param(id preset.ID, key, def string) string
	// cleanup registers fn to run when the scenario ends.
	cleanup(fn func())
}

// collector gathers problems for Verify.
type collector struct {
	ctx      context.Context
	p        preset.Preset
	cur      []string
	probs    Problems
	cleanups []func()
}

func (c *collector) context() context.Context { return c.ctx }
func (c *collector) step(kw, text string, fn func()) {
	c.cur = append(c.cur, kw+" "+redact.String(text))
	defer func() { c.cur = c.cur[:len(c.cur)-1] }()
	fn()
}
func (c *collector) logf(format string, args ...any) {
	c.probs.Tried = append(c.probs.Tried, redactf(format, args...))
}
func (c *collector) errorf(format string, args ...any) {
	c.probs.List = append(c.probs.List, Problem{Step: strings.Join(c.cur, ": "), Text: redactf(format, args...)})
}
func (c *collector) failed() bool      { return len(c.probs.List) > 0 }
func (c *collector) cleanup(fn func()) { c.cleanups = append(c.cleanups, fn) }
func (c *collector) param(id preset.ID, key, def string) string {
	return c.p.Param(id, key, def)
}

// verify runs an engine without a testing.T and returns its problems.
func verify(ctx context.Context, title string, p preset.Preset, exec func(reporter)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c := &collector{ctx: ctx, p: p}
	c.probs.Scenario = title
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
		exec(c)
	}()
	if len(c.probs.List) == 0 {
		return nil
	}
	return &c.probs
}

// stepper reports to a running jetty scenario.
type stepper struct{ s *jetty.S }

func (r stepper) context() context.Context { return r.s.Context() }
func (r stepper) step(kw, text string, fn func()) {
	r.s.Helper()
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
	r.s.Error(redactf(format, args...))
}
func (r stepper) failed() bool      { return r.s.Failed() }
func (r stepper) cleanup(fn func()) { r.s.Cleanup(fn) }
func (r stepper) param(id preset.ID, key, def string) string {
	return r.s.Param(id, key, def)
}

// run runs an engine as a jetty scenario's steps.
func run(s *jetty.S, exec func(reporter)) {
	s.Helper()
	exec(stepper{s})
}
