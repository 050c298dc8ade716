// Package redact removes secrets from text the library prints: failure
// messages, logs, reports. Values of Authorization, Cookie and Set-Cookie
// headers, bearer and basic credentials, and fields named like password,
// token, secret or API key — in JSON, form and query encodings — become
// "[REDACTED]".
package redact

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Mask replaces every secret value.
const Mask = "[REDACTED]"

const secretName = `[A-Za-z0-9_.\-]*(?i:pass(?:word|wd|phrase)?|pwd|token|secret|api[_-]?key|credential|authorization|cookie|session(?:id)?|sid|private[_-]?key)[A-Za-z0-9_.\-]*`

var (
	jsonField = regexp.MustCompile(`("` + secretName + `"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)`)
	// afterMask is a secret field whose opening quote closed the masked value
	// before it.
	afterMask = regexp.MustCompile(regexp.QuoteMeta(Mask+`"`) + `(` + secretName + `"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)`)
	formField = regexp.MustCompile(`(^|[?&;\s"'])(` + secretName + `)=("(?:[^"\\]|\\.)*"|[^&;\s"']*)`)
	// jsonQuoted is a JSON field inside a quoted string (%q of a body):
	// {\"password\":\"…\"}.
	jsonQuoted = regexp.MustCompile(`(\\"` + secretName + `\\"\s*:\s*)(\\"(?:[^"\\]|\\[^"])*\\"|[^,}\]\s\\]+)`)
	headerLine = regexp.MustCompile(`(?im)^(\s*(?:proxy-)?(?:authorization|cookie|set-cookie|x-api-key|x-auth-token)\s*:\s*)(.*)$`)
	headerMap  = regexp.MustCompile(`(?i)((?:proxy-)?(?:authorization|cookie|set-cookie|x-api-key|x-auth-token)\s*:\s*\[)([^\]]*)(\])`)
	scheme     = regexp.MustCompile(`(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9._~+/=\-]{4,}`)
)

// hints are the words every pattern needs: text without any of them is
// returned as it is, without running the regular expressions.
var hints = []string{"pass", "pwd", "token", "secret", "key", "credential", "auth", "cookie", "session", "sid", "bearer", "basic", "digest"}

// String returns s with every secret value masked.
func String(s string) string {
	if s == "" {
		return s
	}
	lower := strings.ToLower(s)
	if !slices.ContainsFunc(hints, func(h string) bool { return strings.Contains(lower, h) }) {
		return s
	}
	s = headerMap.ReplaceAllString(s, "${1}"+Mask+"${3}")
	s = headerLine.ReplaceAllString(s, "${1}"+Mask)
	s = scheme.ReplaceAllString(s, "${1} "+Mask)
	// Until nothing changes: in broken JSON such as "pass":"{"password":"x"}
	// one value's closing quote is the next name's opening quote, so one
	// pass masks only every other field (found by FuzzString).
	s = jsonField.ReplaceAllString(s, `${1}"`+Mask+`"`)
	for range 8 {
		next := afterMask.ReplaceAllString(s, Mask+`"${1}"`+Mask+`"`)
		if next == s {
			break
		}
		s = next
	}
	s = jsonQuoted.ReplaceAllString(s, `${1}\"`+Mask+`\"`)
	s = formField.ReplaceAllString(s, "${1}${2}="+Mask)
	return s
}

// Bytes is String for a body.
func Bytes(b []byte) string { return String(string(b)) }

// sensitiveHeaders are masked whole by Header.
var sensitiveHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Auth-Token"}

// Header returns a copy of h with the values of sensitive headers masked.
func Header(h http.Header) http.Header {
	out := h.Clone()
	for k, vs := range out {
		for _, s := range sensitiveHeaders {
			if strings.EqualFold(k, s) {
				for i := range vs {
					vs[i] = Mask
				}
			}
		}
	}
	return out
}
