// Package tbtest is a testing.TB double for the module's own tests: it runs
// a function against a recording TB and reports what it logged and whether
// it failed, so a test can assert that a check fails on a broken service
// with the expected message.
package tbtest

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// TB records what a test would print. FailNow and SkipNow end the function
// passed to Run (runtime.Goexit), as they end a test.
type TB struct {
	testing.TB // nil: only satisfies the interface's unexported method
	name       string
	mu         sync.Mutex
	logs       []string
	errors     []string
	failed     bool
	skipped    bool
	cleanups   []func()
	ctx        context.Context
	cancel     context.CancelFunc
	parent     testing.TB
	attrs      map[string]string
}

// Result is what one Run recorded.
type Result struct {
	Failed, Skipped bool
	Errors          []string // Error/Errorf/Fatal messages
	Logs            []string // Log/Logf/Skip messages, in order
	Attrs           map[string]string
}

// Output returns every error and log, one per line.
func (r Result) Output() string {
	return strings.Join(append(append([]string{}, r.Logs...), r.Errors...), "\n")
}

// ErrorText returns the errors joined by newlines.
func (r Result) ErrorText() string { return strings.Join(r.Errors, "\n") }

// Run runs fn against a fresh TB named name on its own goroutine and waits
// for it. parent supplies TempDir and ArtifactDir.
func Run(parent testing.TB, name string, fn func(tb *TB)) Result {
	parent.Helper()
	ctx, cancel := context.WithCancel(parent.Context())
	tb := &TB{name: name, ctx: ctx, cancel: cancel, parent: parent, attrs: map[string]string{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(tb.cleanups) - 1; i >= 0; i-- {
				tb.cleanups[i]()
			}
			cancel()
		}()
		fn(tb)
	}()
	<-done
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return Result{Failed: tb.failed, Skipped: tb.skipped, Errors: tb.errors, Logs: tb.logs, Attrs: tb.attrs}
}

func (t *TB) Name() string  { return t.name }
func (t *TB) Helper()       {}
func (t *TB) Fail()         { t.mu.Lock(); t.failed = true; t.mu.Unlock() }
func (t *TB) Failed() bool  { t.mu.Lock(); defer t.mu.Unlock(); return t.failed }
func (t *TB) Skipped() bool { t.mu.Lock(); defer t.mu.Unlock(); return t.skipped }
func (t *TB) FailNow()      { t.Fail(); runtime.Goexit() }
func (t *TB) SkipNow()      { t.mu.Lock(); t.skipped = true; t.mu.Unlock(); runtime.Goexit() }
func (t *TB) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.logs = append(t.logs, strings.TrimSuffix(fmt.Sprintln(args...), "\n"))
}
func (t *TB) Logf(format string, args ...any) { t.Log(fmt.Sprintf(format, args...)) }
func (t *TB) Error(args ...any) {
	t.mu.Lock()
	t.errors = append(t.errors, strings.TrimSuffix(fmt.Sprintln(args...), "\n"))
	t.failed = true
	t.mu.Unlock()
}
func (t *TB) Errorf(format string, args ...any) { t.Error(fmt.Sprintf(format, args...)) }
func (t *TB) Fatal(args ...any)                 { t.Error(args...); t.FailNow() }
func (t *TB) Fatalf(format string, args ...any) { t.Errorf(format, args...); t.FailNow() }
func (t *TB) Skip(args ...any)                  { t.Log(args...); t.SkipNow() }
func (t *TB) Skipf(format string, args ...any)  { t.Logf(format, args...); t.SkipNow() }
func (t *TB) Cleanup(f func())                  { t.mu.Lock(); t.cleanups = append(t.cleanups, f); t.mu.Unlock() }
func (t *TB) Context() context.Context          { return t.ctx }
func (t *TB) TempDir() string                   { return t.parent.TempDir() }
func (t *TB) ArtifactDir() string               { return t.parent.TempDir() }
func (t *TB) Setenv(key, value string) {
	t.Errorf("tbtest: Setenv(%q) is not supported by the double", key)
}
func (t *TB) Chdir(dir string)       { t.Errorf("tbtest: Chdir(%q) is not supported by the double", dir) }
func (t *TB) Attr(key, value string) { t.mu.Lock(); t.attrs[key] = value; t.mu.Unlock() }
func (t *TB) Output() io.Writer      { return writerFunc(func(p []byte) { t.Log(string(p)) }) }

type writerFunc func([]byte)

func (w writerFunc) Write(p []byte) (int, error) { w(p); return len(p), nil }

var _ testing.TB = (*TB)(nil)
