package scenario

import (
	"strconv"
	"strings"
	"time"

	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// params reads the parameters of one preset requirement for a check, typed,
// from the preset the check resolved (reporter.preset): the one reader every
// check uses, so that a parameter means the same in every check as in
// preset.Validate ("1d" is a day everywhere), and a bad one is reported in
// one wording. Each method returns def when the preset does not set the
// parameter; a value that does not parse, or is out of range, is reported
// as a problem and def is returned.
type params struct {
	r  reporter
	id preset.ID
}

// paramsOf returns the reader of requirement id's parameters.
func paramsOf(r reporter, id preset.ID) params { return params{r: r, id: id} }

// raw returns the parameter's text and whether the preset sets it.
func (p params) raw(key string) (string, bool) {
	if rec, ok := p.r.(interface{ read(preset.ID, string) }); ok {
		rec.read(p.id, key)
	}
	pr := p.r.preset()
	req, ok := pr.Requirement(p.id)
	if !ok {
		return "", false
	}
	v, ok := req.Params[key]
	return v, ok
}

func (p params) bad(key, v, want, example string) {
	name := p.r.preset().Name
	p.r.errorf("preset %q, requirement %s: parameter %q = %q: want %s such as %q; fix the preset (or the profile file that tunes it), or set the check's field", name, p.id, key, v, want, example)
}

// String returns the parameter as text.
func (p params) String(key, def string) string {
	if v, ok := p.raw(key); ok {
		return v
	}
	return def
}

// Int returns a positive whole number.
func (p params) Int(key string, def int) int {
	return parsed(p, key, def, "a positive whole number", strconv.Itoa(max(def, 1)), func(v string) (int, bool) {
		n, err := strconv.Atoi(v)
		return n, err == nil && n > 0
	})
}

// Duration returns a positive duration, read as preset.ParseDuration reads
// it (Go's syntax, plus whole days: "90d").
func (p params) Duration(key string, def time.Duration) time.Duration {
	ex := probe.Short(max(def, time.Second))
	if def > 0 && def%(24*time.Hour) == 0 {
		ex = strconv.FormatInt(int64(def/(24*time.Hour)), 10) + "d"
	}
	return parsed(p, key, def, "a positive duration", ex, func(v string) (time.Duration, bool) {
		d, err := preset.ParseDuration(v)
		return d, err == nil && d > 0
	})
}

// Ratio returns a number between 0 and 1.
func (p params) Ratio(key string, def float64) float64 {
	return parsed(p, key, def, "a ratio between 0 and 1", strconv.FormatFloat(def, 'g', -1, 64), func(v string) (float64, bool) {
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil && f >= 0 && f <= 1
	})
}

// Bool returns "true" or "false".
func (p params) Bool(key string, def bool) bool {
	return parsed(p, key, def, "true or false", strconv.FormatBool(def), func(v string) (bool, bool) {
		b, err := strconv.ParseBool(v)
		return b, err == nil
	})
}

// parsed returns the parameter key as parse reads it (white space around
// it trimmed), def when the preset does not set it, and def with the one
// problem wording when parse refuses it.
func parsed[T any](p params, key string, def T, want, example string, parse func(string) (T, bool)) T {
	v, ok := p.raw(key)
	if !ok {
		return def
	}
	x, ok := parse(strings.TrimSpace(v))
	if !ok {
		p.bad(key, v, want, example)
		return def
	}
	return x
}

// List returns a comma-separated list of non-empty items.
func (p params) List(key string, def []string) []string {
	v, ok := p.raw(key)
	if !ok {
		return def
	}
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	if len(out) == 0 {
		p.bad(key, v, "a comma-separated list", strings.Join(def, ","))
		return def
	}
	return out
}

// Grade returns an Observatory grade (A+ … F).
func (p params) Grade(key, def string) string {
	return parsed(p, key, def, "a grade (A+, A, A-, B+, … F)", def, func(v string) (string, bool) {
		return v, preset.GradeRank(v) != 0
	})
}
