package probe_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// FuzzRetryAfter feeds RateLimit's Retry-After parser (RFC 9110 §10.2.3)
// any header value, alone or with a Date header: it must not panic, a
// delay-seconds value must come back as exactly that many seconds (never an
// overflowed, negative delay), and an error must quote the value.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []struct{ v, date string }{
		{"300", ""}, {"0", ""}, {" 12 ", ""}, {"", ""}, {"-1", ""}, {"1.5", ""}, {"+5", ""},
		{"Wed, 21 Oct 2015 07:28:00 GMT", ""}, {"Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:23:00 GMT"},
		{"Sunday, 06-Nov-94 08:49:37 GMT", ""}, {"Sun Nov  6 08:49:37 1994", "garbage"},
		{"99999999999999999999", ""}, {"9223372036", ""}, {"\x00", ""},
	} {
		f.Add(s.v, s.date)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v, date string) {
		h := http.Header{}
		h.Set("Retry-After", v)
		if date != "" {
			h.Set("Date", date)
		}
		d, isDate, err := probe.RetryAfter(h, now)
		if err != nil {
			if !strings.Contains(err.Error(), "Retry-After") {
				t.Fatalf("error does not name the header: %v", err)
			}
			return
		}
		if isDate {
			return
		}
		n, perr := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if perr != nil {
			t.Fatalf("Retry-After %q accepted as delay-seconds but is not a number: %v", v, perr)
		}
		if d < 0 || d/time.Second != time.Duration(n) {
			t.Fatalf("Retry-After %q parsed as %v, want %d seconds", v, d, n)
		}
	})
}
