package scenario

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
)

// LogEntry is one audit log entry: its fields by name, with groups (slog
// groups, nested JSON objects) as nested map[string]any values. Values are
// as logged: time.Time, strings, numbers (json.Number for JSON lines)…
type LogEntry map[string]any

// Lookup returns the field name: a top-level key, else a dotted path through
// nested groups ("user.id").
func (e LogEntry) Lookup(name string) (any, bool) {
	if v, ok := e[name]; ok {
		return v, true
	}
	var cur any = map[string]any(e)
	for part := range strings.SplitSeq(name, ".") {
		m, ok := logMap(cur)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func logMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case LogEntry:
		return m, true
	}
	return nil, false
}

// LogSource is where [AuditLog] reads the application's audit entries:
// LogEntries returns every entry written so far, oldest first (the
// scenario takes the entries after the ones it saw before a request). An
// [*LogRecorder] and [JSONLines] are sources; implement it to read from a
// database table or a log service.
type LogSource interface {
	LogEntries() ([]LogEntry, error)
}

// LogRecorder is an slog.Handler that records every record as an
// [LogEntry], for the application to log its audit events to:
//
//	rec := scenario.NewLogRecorder()
//	app := newApp(slog.New(rec))
//
// Each entry holds the record's attributes (groups nested), its time under
// "time" (absent when the record's Time is zero, as slog.Handler requires),
// its level under "level" and message under "msg". It handles WithAttrs and
// WithGroup as the slog.Handler contract says (checked with
// testing/slogtest); handlers derived from it record into the same list. It
// is enabled at every level and safe for concurrent use.
type LogRecorder struct {
	once  sync.Once
	store *logStore
	goas  []logGOA // WithGroup and WithAttrs calls, in order
}

type logStore struct {
	mu      sync.Mutex
	entries []LogEntry
}

// logGOA is a group (group != "") or attributes.
type logGOA struct {
	group string
	attrs []slog.Attr
}

// NewLogRecorder returns an empty recorder.
func NewLogRecorder() *LogRecorder { return &LogRecorder{store: &logStore{}} }

// st returns the recorder's store, making it on first use: the zero
// LogRecorder records like one from NewLogRecorder.
func (h *LogRecorder) st() *logStore {
	h.once.Do(func() {
		if h.store == nil {
			h.store = &logStore{}
		}
	})
	return h.store
}

var (
	_ slog.Handler = (*LogRecorder)(nil)
	_ LogSource    = (*LogRecorder)(nil)
)

// Enabled returns true: audit events are recorded at every level.
func (h *LogRecorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle records r.
func (h *LogRecorder) Handle(_ context.Context, r slog.Record) error {
	e := map[string]any{}
	if !r.Time.IsZero() {
		e[slog.TimeKey] = r.Time
	}
	e[slog.LevelKey] = r.Level
	e[slog.MessageKey] = r.Message
	cur := e
	for _, g := range h.goas {
		if g.group != "" {
			sub := map[string]any{}
			cur[g.group] = sub
			cur = sub
			continue
		}
		for _, a := range g.attrs {
			logAdd(cur, a)
		}
	}
	r.Attrs(func(a slog.Attr) bool { logAdd(cur, a); return true })
	logPrune(e)
	h.st().mu.Lock()
	h.st().entries = append(h.st().entries, LogEntry(e))
	h.st().mu.Unlock()
	return nil
}

// logAdd adds a to m as the slog.Handler contract says: values resolved,
// empty attributes ignored, groups nested, empty-keyed groups inlined.
func logAdd(m map[string]any, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() != slog.KindGroup {
		m[a.Key] = a.Value.Any()
		return
	}
	attrs := a.Value.Group()
	if len(attrs) == 0 {
		return
	}
	sub := m
	if a.Key != "" {
		s, ok := m[a.Key].(map[string]any)
		if !ok {
			s = map[string]any{}
			m[a.Key] = s
		}
		sub = s
	}
	for _, b := range attrs {
		logAdd(sub, b)
	}
}

// logPrune removes groups left empty.
func logPrune(m map[string]any) {
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			logPrune(sub)
			if len(sub) == 0 {
				delete(m, k)
			}
		}
	}
}

// WithAttrs returns a handler whose records carry attrs, in the current
// group; it records into the same list.
func (h *LogRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return &LogRecorder{store: h.st(), goas: append(slices.Clip(h.goas), logGOA{attrs: slices.Clone(attrs)})}
}

// WithGroup returns a handler that nests the attributes that follow under
// name; it records into the same list.
func (h *LogRecorder) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &LogRecorder{store: h.st(), goas: append(slices.Clip(h.goas), logGOA{group: name})}
}

// Entries returns a copy of the entries recorded so far, oldest first.
func (h *LogRecorder) Entries() []LogEntry {
	h.st().mu.Lock()
	defer h.st().mu.Unlock()
	return slices.Clone(h.st().entries)
}

// LogEntries returns Entries and a nil error: it makes the recorder an
// [LogSource].
func (h *LogRecorder) LogEntries() ([]LogEntry, error) { return h.Entries(), nil }

// Reset forgets the entries recorded so far.
func (h *LogRecorder) Reset() {
	h.st().mu.Lock()
	h.st().entries = nil
	h.st().mu.Unlock()
}

// String returns "a log recorder (slog.Handler)".
func (h *LogRecorder) String() string { return "a log recorder (slog.Handler)" }

// JSONLines returns an [LogSource] reading one JSON object per line, such
// as slog.NewJSONHandler writes. open is called for every read and returns
// the whole log so far (e.g. bytes.NewReader(buf.Bytes()) or os.Open(path));
// a reader that is an io.Closer is closed. A line that is not a JSON object
// is reported as an error. Numbers are json.Number.
func JSONLines(open func() io.Reader) LogSource { return jsonLines(open) }

type jsonLines func() io.Reader

func (f jsonLines) String() string { return "JSON lines" }

func (f jsonLines) LogEntries() ([]LogEntry, error) {
	if f == nil {
		return nil, fmt.Errorf("scenario.JSONLines(nil): pass a function that returns the log, e.g. func() io.Reader { return bytes.NewReader(buf.Bytes()) }")
	}
	rd := f()
	if rd == nil {
		return nil, fmt.Errorf("scenario.JSONLines: the function returned a nil reader: return the log so far")
	}
	if c, ok := rd.(io.Closer); ok {
		defer c.Close()
	}
	var out []LogEntry
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&m); err != nil || m == nil {
			return out, fmt.Errorf("audit log line %d is not a JSON object (%.80s): write one JSON object per line, e.g. with slog.NewJSONHandler", n, line)
		}
		out = append(out, LogEntry(m))
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("reading the audit log: %v", err)
	}
	return out, nil
}
