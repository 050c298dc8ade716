package probe

import "testing"

func TestRawErrors(t *testing.T) {
	find := func(body string) []string {
		var got []string
		for _, l := range RawErrors {
			if l.Find([]byte(body)) != nil {
				got = append(got, l.What)
			}
		}
		return got
	}
	for body, want := range map[string]int{
		"connecting to db-primary.internal:5432 as app_rw failed: dial tcp 10.0.0.5:5432: connect: connection refused": 3,
		"open /var/lib/app/config.yaml: permission denied":                                                             1,
		"assignment to entry in nil map":                                                                               1,
		"runtime error: invalid memory address or nil pointer dereference":                                             1,
		"querying orders: scanning row: sql: no rows in result set":                                                    1,
		"lookup redis.internal on 10.0.0.2:53: no such host":                                                           2,
	} {
		if got := find(body); len(got) < want {
			t.Errorf("%q: found %q, want at least %d signs", body, got, want)
		}
	}
	for _, body := range []string{
		`{"error":"internal error","request_id":"req-000001"}`,
		`{"error": "internal error", "request_id": "req-1"}`,
		"Something went wrong. Quote req-0001 to support.",
		"<!doctype html><title>Error</title><p>Sorry, something went wrong at 12:30:45. Please try again.</p>",
		"service temporarily unavailable",
		`{"error":"upstream unavailable","retry_after":5,"time":"2026-12-01T20:30:45Z"}`,
	} {
		if got := find(body); len(got) > 0 {
			t.Errorf("%q: found %q in a generic body", body, got)
		}
	}
}
