package jetty

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jettymethod/jetty/internal/redact"
)

// Everything package jetty prints goes through these: failures, logs, skip
// reasons, attributes and output are masked by internal/redact, the one
// redaction of the module. A secret in a scenario's title, a step's text,
// a panic value or a waiver's reason never reaches the test's output.

func errorf(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Error(maskf(format, args...))
}

func logf(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Log(maskf(format, args...))
}

func skipf(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Skip(maskf(format, args...))
}

// maskf is fmt.Sprintf with secrets masked: in each string argument before
// formatting (%q would escape a newline a header line needs), and in the
// result.
func maskf(format string, args ...any) string {
	masked := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			masked[i] = redact.String(v)
		case error:
			masked[i] = maskedError{v}
		case fmt.Stringer:
			masked[i] = redact.String(v.String())
		default:
			masked[i] = a
		}
	}
	return redact.String(fmt.Sprintf(format, masked...))
}

// maskedError prints an error masked, for %v and %s.
type maskedError struct{ err error }

func (e maskedError) Error() string { return redact.String(e.err.Error()) }

// testName masks a test's name. package testing writes spaces as "_", so
// the name is masked as it is and again with its underscores read as
// spaces ("card_4111_1111_1111_1111", "Authorization:_Bearer_x").
func testName(name string) string {
	name = redact.String(name)
	spaced := strings.ReplaceAll(name, "_", " ")
	if m := redact.String(spaced); m != spaced {
		name = strings.ReplaceAll(m, " ", "_")
	}
	return name
}

// maskWriter masks what is written through it, a chunk of whole lines at a
// time; the last partial line waits for its newline or for flush.
type maskWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
	// partial is set when a write to w did not end its line (see S.slowLog).
	partial *atomic.Bool
}

func (m *maskWriter) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf = append(m.buf, p...)
	i := bytes.LastIndexByte(m.buf, '\n')
	if i < 0 {
		if len(m.buf) < 64<<10 {
			return len(p), nil
		}
		i = len(m.buf) - 1
	}
	if m.buf[i] != '\n' {
		m.partial.Store(true)
	}
	_, err := io.WriteString(m.w, redact.Bytes(m.buf[:i+1]))
	m.buf = append(m.buf[:0], m.buf[i+1:]...)
	return len(p), err
}

func (m *maskWriter) flush() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.buf) > 0 {
		m.partial.Store(true)
		_, _ = io.WriteString(m.w, redact.Bytes(m.buf))
		m.buf = m.buf[:0]
	}
}
