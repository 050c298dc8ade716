package probe

import (
	"slices"
	"testing"
)

// A signature's Hints and FoldHints are a pre-filter: every text its regular expression
// matches holds one of them, or the filter would hide a leak. Checked on
// a text for each alternative of each signature that has Hints, and on
// random texts built from the alternatives (FuzzLeakHints).
func TestLeakHintsNeverHideAMatch(t *testing.T) {
	samples := []string{
		"main.go:42", "handlers/x_test.go:7",
		"/home/app/x", "/usr/local/go/src/net/http", "/usr/lib/go-1.22/", "/go/pkg/mod/github.com", "/app/main", "/root/.cache", "/Users/ana", "/var/www/html", "/srv/data", `C:\Windows`,
		"dial tcp 10.0.0.5:5432", "connect: connection refused", "read: connection reset by peer", "i/o timeout", "lookup db: no such host", "write: broken pipe",
		"context deadline exceeded", "context canceled",
		"sql: database is closed", "sql: connection is already closed", "sql: no rows in result set", "driver: bad connection",
		`near "x": syntax error`, "ORA-00933", "panic: boom", "goroutine 7 [running]", "runtime error: index out of range",
		`open "/etc/app.yaml"`, " /var/lib/x", "=/opt/a", ":/usr/b", "(/tmp/c", "'/root/d", " /data/e", " /mnt/f", " /run/g", " /proc/1", " /Users/h", " /srv/i", " /app/j", " /home/k",
		"read config: open file: permission denied", "db-primary.internal:5432", "10.0.0.5:5432", "[::1]:8080", "localhost:8080",
		"assignment to entry in nil map", "invalid memory address or nil pointer dereference", "index out of range [3] with length 2", "slice bounds out of range", "interface conversion: x", "integer divide by zero", "send on closed channel", "close of closed channel", "all goroutines are asleep", "concurrent map writes", "concurrent map read and map write",
		"SELECT id FROM users", "insert into t", "INSERT\tINTO t", "inſert into t", "Delete From t", "DELETE\nFROM t", "UPDATE users SET a=1",
		"syntax error at or near \"x\"", "Syntax Error At Or Near", "SQLSTATE 42601", "SQLITE_ERROR", "ORA-01756", "You have an error in your SQL syntax", "pq: bad", "Error 1064 (42000)",
		"dial udp6 [::1]:53", "dial unix /x", "CONNECTING TO db", "Failed to connect", "unable to CONNECT", "could not to connect", "lookup db.internal on 10.0.0.1:53: timeout",
	}
	all := slices.Concat(Internals, DependencyErrors, RawErrors)
	for _, l := range all {
		for _, s := range samples {
			body := "<p>" + s + "</p>"
			if l.RE.FindStringIndex(body) != nil && l.FindString(body) == nil {
				t.Errorf("%s: the regular expression matches %q, but no hint is in it (hints %q)", l.What, body, l.Hints)
			}
			if (l.RE.FindIndex([]byte(body)) == nil) != (l.FindIndex([]byte(body)) == nil) {
				t.Errorf("%s: FindIndex and the regular expression disagree on %q", l.What, body)
			}
		}
	}
}

func FuzzLeakHints(f *testing.F) {
	f.Add("x dial tcp y", "main.go:1")
	f.Add("/home/", "sql: no rows")
	f.Add("InSeRt\u00a0", "iNtO x")
	f.Add("SYNTAX ERROR AT", "OR NEAR")
	all := slices.Concat(Internals, DependencyErrors, RawErrors)
	f.Fuzz(func(t *testing.T, a, b string) {
		body := a + " " + b
		for _, l := range all {
			if l.RE.FindStringIndex(body) != nil && l.FindString(body) == nil {
				t.Fatalf("%s: the regular expression matches %q, but no hint is in it (hints %q)", l.What, body, l.Hints)
			}
		}
	})
}
