package probe

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Clip shortens s to at most n bytes plus "…", cutting on a rune boundary.
func Clip(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Quote quotes b for a message (strconv.Quote), cut to n bytes first.
func Quote(b []byte, n int) string {
	if len(b) > n {
		return strconv.Quote(Clip(string(b), n))
	}
	return strconv.Quote(string(b))
}

// Excerpt returns up to 60 bytes of s around s[lo:hi], for a message that
// shows where something was found.
func Excerpt(s string, lo, hi int) string {
	lo = max(0, min(lo, len(s))-10)
	hi = min(len(s), max(hi, lo+20)+10)
	if hi-lo > 60 {
		hi = lo + 60
	}
	for lo > 0 && lo < len(s) && !utf8.RuneStart(s[lo]) {
		lo--
	}
	for hi < len(s) && !utf8.RuneStart(s[hi]) {
		hi++
	}
	return s[lo:hi]
}

// Count says n of a thing: "1 request", "3 requests".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Ordinal returns "1st", "2nd", "3rd", "11th".
func Ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

// Percent writes a ratio as a percentage without trailing zeros: 0.999 is
// "99.9%", 1 is "100%".
func Percent(f float64) string {
	return strconv.FormatFloat(f*100, 'f', -1, 64) + "%"
}

const day = 24 * time.Hour

// Words says a duration the way a person does, in the largest whole unit:
// "one minute", "5 minutes", "30 seconds", "180 days", "2 hours"; a duration
// that is no whole number of seconds, minutes, hours or days is written as
// Go writes it, without trailing zero units ("1h30m", "1.5s", "250ms").
func Words(d time.Duration) string {
	unit := func(n int64, one, many string) string {
		if n == 1 {
			return "one " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	switch {
	case d >= day && d%day == 0:
		return unit(int64(d/day), "day", "days")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour", "hours")
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute", "minutes")
	case d >= time.Second && d%time.Second == 0 && d < time.Minute:
		return unit(int64(d/time.Second), "second", "seconds")
	}
	return Short(d)
}

// Short writes d as Go does, without trailing zero units: "24h", "1h30m",
// "50ms", "1.5s".
func Short(d time.Duration) string {
	s := d.String()
	if t, ok := trimSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := trimSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

func trimSuffix(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// Days writes a duration of at least a day in whole days ("1 day", "180
// days", cutting any rest), and a shorter one as Short does.
func Days(d time.Duration) string {
	if d < day {
		return Short(d)
	}
	if n := d / day; n == 1 {
		return "1 day"
	} else {
		return fmt.Sprintf("%d days", n)
	}
}

// Statuses lists HTTP status codes in words: "401", "401 or 403",
// "401, 403 or 404".
func Statuses(codes []int) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = strconv.Itoa(c)
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}
