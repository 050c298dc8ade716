package probe

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/jettymethod/jetty/internal/redact"
)

// Leak is one signature of internals that a response must not show.
type Leak struct {
	What string // "a Go panic message"
	// SQL marks a database error (it proves SQL injection when a payload
	// caused it).
	SQL bool
	// Hints are literal texts one of which any match holds: a fast
	// pre-filter, so that large bodies stay fast. Empty: always try RE.
	Hints []string
	// FoldHints are more such texts, matched ignoring ASCII case: lower-case
	// ASCII without k or s (whose case folding reaches beyond ASCII), for
	// the case-insensitive parts of RE. A match holds one of Hints or of
	// FoldHints.
	FoldHints []string
	RE        *regexp.Regexp
}

// hinted reports whether b may hold a match: l has no hints, or one of
// them is in b.
func hinted[T string | []byte](l Leak, b T, index func(T, T) int) bool {
	if len(l.Hints) == 0 && len(l.FoldHints) == 0 {
		return true
	}
	for _, h := range l.Hints {
		if index(b, T(h)) >= 0 {
			return true
		}
	}
	for _, h := range l.FoldHints {
		if redact.ContainsFold(b, h) {
			return true
		}
	}
	return false
}

// Find returns l's first match in b, or nil.
func (l Leak) Find(b []byte) []byte {
	if loc := l.FindIndex(b); loc != nil {
		return b[loc[0]:loc[1]]
	}
	return nil
}

// FindIndex returns the position of l's first match in b, or nil. The
// regular expression runs only when b holds one of the Hints or FoldHints: on a
// megabyte body, most signatures are then a few substring searches.
func (l Leak) FindIndex(b []byte) []int {
	if !hinted(l, b, bytes.Index) {
		return nil
	}
	return l.RE.FindIndex(b)
}

// FindString is FindIndex on a string.
func (l Leak) FindString(s string) []int {
	if !hinted(l, s, strings.Index) {
		return nil
	}
	return l.RE.FindStringIndex(s)
}

// Internals are the signatures of an error body that shows the server's
// internals: panics, stack traces, source paths, SQL and database errors.
var Internals = []Leak{
	{What: "a Go panic message", RE: regexp.MustCompile(`panic: `)},
	{What: "a goroutine stack trace", RE: regexp.MustCompile(`goroutine \d+ \[`)},
	{What: "a Go runtime error", RE: regexp.MustCompile(`runtime error:`)},
	{What: "a source file and line", Hints: []string{".go:"}, RE: regexp.MustCompile(`\w\.go:\d+`)},
	{What: "an internal path", Hints: []string{"/home/", "/usr/local/go/src", "/usr/lib/go", "/go/pkg/mod/", "/app/", "/root/", "/Users/", "/var/www/", "/srv/", ":\\"}, RE: regexp.MustCompile(`(/home/|/usr/local/go/src|/usr/lib/go|/go/pkg/mod/|/app/|/root/|/Users/|/var/www/|/srv/|[A-Z]:\\)`)},
	{What: "SQL text", SQL: true, Hints: []string{"SELECT", "UPDATE"}, FoldHints: []string{"into", "delete"}, RE: regexp.MustCompile(`\bSELECT\b.{0,200}?\bFROM\b|(?i:\binsert\s+into\b|\bdelete\s+from\b)|\bUPDATE\s+\S+\s+SET\b`)},
	{What: "a database error", SQL: true, Hints: []string{`near "`, "SQLITE_ERROR", "SQLSTATE", "ORA-", "error in your SQL syntax", "pq: ", "Error 1"}, FoldHints: []string{"error at or near"}, RE: regexp.MustCompile(`near "|SQLITE_ERROR|(?i:syntax error at or near)|SQLSTATE|\bORA-\d{5}\b|error in your SQL syntax|\bpq: |Error 1\d{3} \(`)},
}

// DependencyErrors are the errors of a dependency that must not reach a
// client, besides Internals: network, context and database/sql errors.
var DependencyErrors = []Leak{
	{What: "a network error", Hints: []string{"dial tcp", "connection refused", "connection reset by peer", "i/o timeout", "no such host", "broken pipe"}, RE: regexp.MustCompile(`dial tcp|connection refused|connection reset by peer|i/o timeout|no such host|broken pipe`)},
	{What: "a Go context error", Hints: []string{"context deadline exceeded", "context canceled"}, RE: regexp.MustCompile(`context deadline exceeded|context canceled`)},
	{What: "a Go database/sql error", Hints: []string{"sql: ", "driver: bad connection"}, RE: regexp.MustCompile(`sql: (database is closed|connection is already closed|no rows)|driver: bad connection`)},
}

// ServerErrors are the error texts of databases and language runtimes that
// a response to an injection payload must never show, each with hints.
var ServerErrors = []Leak{
	{What: "a SQLite syntax error", SQL: true, Hints: []string{": syntax error"}, RE: regexp.MustCompile(`near "[^"\n]{0,80}": syntax error`)},
	{What: "a SQLite error", SQL: true, Hints: []string{"SQLITE_", "SQL logic error", "unrecognized token: ", "no such ", "incomplete input", "sqlite"},
		RE: regexp.MustCompile(`SQLITE_[A-Z]+|SQL logic error|unrecognized token: |no such (?:column|table): |incomplete input|sqlite3?: `)},
	{What: "a PostgreSQL error", SQL: true, Hints: []string{"at or near", "pq: ", "SQLSTATE", "invalid input syntax for"},
		RE: regexp.MustCompile(`syntax error at or near|unterminated quoted string at or near|\bpq: |SQLSTATE[ \[]|invalid input syntax for`)},
	{What: "a MySQL error", SQL: true, Hints: []string{"SQL syntax", "Error 1064", "mysql", "MariaDB"},
		RE: regexp.MustCompile(`You have an error in your SQL syntax|\bError 1064\b|mysql_fetch_|mysqli?_\w+\(\)|MariaDB server version`)},
	{What: "a SQL Server error", SQL: true, Hints: []string{"Unclosed quotation mark", "Incorrect syntax near", "mssql: "},
		RE: regexp.MustCompile(`Unclosed quotation mark after the character string|Incorrect syntax near|\bmssql: `)},
	{What: "an Oracle error", SQL: true, Hints: []string{"ORA-"}, RE: regexp.MustCompile(`\bORA-\d{5}\b`)},
	{What: "a MongoDB error", Hints: []string{"Mongo", "CastError", "BSONError"}, RE: regexp.MustCompile(`MongoServerError|MongoError|\bCastError\b|BSONError`)},
	{What: "a Go panic", Hints: []string{"panic: ", "goroutine "}, RE: regexp.MustCompile(`panic: |goroutine \d+ \[`)},
	{What: "a Go runtime error", Hints: []string{"runtime error: "}, RE: regexp.MustCompile(`runtime error: `)},
	{What: "a Go source path", Hints: []string{"/usr/local/go/src/", ".go:"}, RE: regexp.MustCompile(`/usr/local/go/src/|[\w-]+\.go:\d+`)},
	{What: "a Python traceback", Hints: []string{"Traceback (most recent call last)", ".py\", line "},
		RE: regexp.MustCompile(`Traceback \(most recent call last\)|File "[^"\n]+\.py", line \d+`)},
	{What: "a Java stack trace", Hints: []string{".java:", "java."}, RE: regexp.MustCompile(`\bat [\w$.]+\([\w$]+\.java:\d+\)|\bjava\.(?:lang|sql|io)\.\w+(?:Exception|Error)\b`)},
	{What: "a Node.js stack trace", Hints: []string{"js:"}, RE: regexp.MustCompile(`\bat [\w.<>$ ]+ \([^()\n]*\.[cm]?js:\d+:\d+\)`)},
	{What: "a PHP error", Hints: []string{" on line "}, RE: regexp.MustCompile(`(?:Fatal error|Parse error|Warning)(?:</b>)?: .{0,200} on line (?:<b>)?\d+`)},
	{What: "a .NET error", Hints: []string{"System.", "Server Error in"}, RE: regexp.MustCompile(`\bSystem\.[\w.]+Exception\b|Server Error in '/' Application`)},
}

// Line returns the match m of b extended to the end of its line, at most
// 100 bytes, so that a message shows the whole error.
func Line(b, m []byte) []byte {
	i := bytes.Index(b, m)
	if i < 0 {
		return m
	}
	end := i + len(m)
	for end < len(b) && end < i+100 && b[end] != '\n' && b[end] != '<' {
		end++
	}
	return bytes.TrimSpace(b[i:end])
}
