package scenario_test

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/scenario"
)

// FuzzJSONLines feeds the JSON-lines audit reader any bytes: it must not
// panic, every entry it returns must be a non-nil object, an error must say
// which line and how to fix it, and every field of every entry must be
// found by Lookup under its own name.
func FuzzJSONLines(f *testing.F) {
	for _, s := range []string{
		`{"time":"2026-01-02T03:04:05Z","level":"INFO","msg":"login","user_id":"u1","ip":"192.0.2.1","outcome":"success"}`,
		"{\"a\":1}\n\n{\"b\":{\"c\":[1,2,{\"d\":null}]}}\r\n",
		"{}\nnull\n", "[1]", "\"x\"", "{\"a\":1} {\"b\":2}", "{", "", "\n\n", "{\"user\":{\"id\":7}}\n{\"user.id\":8}",
		"{\"a\":1e999}", "{\"\":{\"\":{}}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := scenario.JSONLines(func() io.Reader { return bytes.NewReader(data) })
		entries, err := src.LogEntries()
		if err != nil && !strings.Contains(err.Error(), "audit log") {
			t.Fatalf("error does not name the audit log: %v", err)
		}
		for i, e := range entries {
			if e == nil {
				t.Fatalf("entry %d is nil", i)
			}
			for k, v := range e {
				got, ok := e.Lookup(k)
				if !ok {
					t.Fatalf("entry %d: Lookup(%q) found nothing", i, k)
				}
				a, _ := json.Marshal(got)
				b, _ := json.Marshal(v)
				if !bytes.Equal(a, b) {
					t.Fatalf("entry %d: Lookup(%q) = %s, want %s", i, k, a, b)
				}
			}
		}
	})
}

// FuzzLogEntryLookup looks up any dotted name in any entry (a JSON
// object): it must not panic, and a name found as a top-level key wins over
// a nested path.
func FuzzLogEntryLookup(f *testing.F) {
	for _, s := range []struct{ entry, name string }{
		{`{"user":{"id":"u1"}}`, "user.id"}, {`{"user.id":"top","user":{"id":"nested"}}`, "user.id"},
		{`{"a":{"b":{"c":1}}}`, "a.b.c"}, {`{"a":[{"b":1}]}`, "a.0.b"}, {`{}`, ""}, {`{"":{"":1}}`, "."},
		{`{"a":1}`, "a."}, {`{"a":{"":2}}`, "a."}, {`{"a":null}`, "a.b"},
	} {
		f.Add(s.entry, s.name)
	}
	f.Fuzz(func(t *testing.T, entry, name string) {
		var m map[string]any
		if json.Unmarshal([]byte(entry), &m) != nil || m == nil {
			return
		}
		e := scenario.LogEntry(m)
		v, ok := e.Lookup(name)
		if top, isTop := m[name]; isTop {
			if !ok {
				t.Fatalf("Lookup(%q) missed a top-level key", name)
			}
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(top)
			if !bytes.Equal(a, b) {
				t.Fatalf("Lookup(%q) = %s, want the top-level %s", name, a, b)
			}
		}
		if !ok && v != nil {
			t.Fatalf("Lookup(%q) = %v, false: want nil when not found", name, v)
		}
	})
}
