package probe

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfter parses a response's Retry-After header (RFC 9110 §10.2.3) into
// the delay it asks for. An HTTP-date counts from the response's Date
// header when it has a valid one, else from now; date reports that form. A
// missing, repeated, malformed or out-of-range value is an error that names
// the header. The delay of an HTTP-date in the past is negative: callers
// judge it.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, date bool, err error) {
	vals := h.Values("Retry-After")
	if len(vals) == 0 {
		return 0, false, fmt.Errorf("it has no Retry-After header")
	}
	if len(vals) > 1 {
		return 0, false, fmt.Errorf("it has %d Retry-After headers %q: send one", len(vals), vals)
	}
	v := strings.TrimSpace(vals[0])
	if v != "" && strings.Trim(v, "0123456789") == "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(math.MaxInt64/time.Second) {
			// Beyond about 292 years a time.Duration overflows: without
			// this bound 9227000000 became a negative delay.
			return 0, false, fmt.Errorf("Retry-After %q is out of range", v)
		}
		return time.Duration(n) * time.Second, false, nil
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false, fmt.Errorf("Retry-After %q is neither delay-seconds (\"300\") nor an HTTP-date (\"Wed, 21 Oct 2015 07:28:00 GMT\")", v)
	}
	if ref, err := http.ParseTime(h.Get("Date")); err == nil {
		now = ref
	}
	return t.Sub(now), true, nil
}

// Directives are a Cache-Control header's directives (RFC 9111 §5.2):
// lower-case names, with their argument unquoted ("" for none).
type Directives map[string]string

// CacheControl reads every Cache-Control header of h.
func CacheControl(h http.Header) Directives {
	d := Directives{}
	for _, line := range h.Values("Cache-Control") {
		for part := range strings.SplitSeq(line, ",") {
			name, arg, _ := strings.Cut(strings.TrimSpace(part), "=")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			if _, seen := d[name]; !seen {
				d[name] = strings.Trim(strings.TrimSpace(arg), `"`)
			}
		}
	}
	return d
}

// Has reports whether directive name is present.
func (d Directives) Has(name string) bool { _, ok := d[name]; return ok }

// Seconds returns a delta-seconds argument (max-age, s-maxage); ok is false
// when name is absent or its argument is not a non-negative integer.
// Values beyond 2^31 are read as 2^31 (RFC 9111 §1.2.2).
func (d Directives) Seconds(name string) (n int64, ok bool) {
	v, present := d[name]
	if !present || v == "" || strings.Trim(v, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > 1<<31 {
		return 1 << 31, true
	}
	return n, true
}

// String writes the directives back, sorted, for messages.
func (d Directives) String() string {
	names := make([]string, 0, len(d))
	for k, v := range d {
		if v != "" {
			k += "=" + v
		}
		names = append(names, k)
	}
	sortStrings(names)
	return strings.Join(names, ", ")
}
