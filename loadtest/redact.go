package loadtest

import (
	"regexp"
	"slices"
	"strings"
)

// Error groups, recorded results and reports never show a secret: a
// handler's panic value or a server's malformed answer may hold a password
// or a token. loadtest imports only vegeta and the standard library, so it
// masks with these few patterns of its own (the scenarios use a fuller
// set): values of Authorization, Cookie and Set-Cookie, bearer and basic
// credentials, and fields named like password, token, secret or API key in
// JSON, form and query encodings.

const masked = "[REDACTED]"

const secretName = `[A-Za-z0-9_.\-]*(?i:pass(?:word|wd|phrase)?|pwd|token|secret|api[_-]?key|credential|authorization|cookie|session(?:id)?|sid|private[_-]?key)[A-Za-z0-9_.\-]*`

var (
	maskJSON = regexp.MustCompile(`("` + secretName + `"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)`)
	// maskAfterMask is a secret field whose opening quote closed the masked value
	// before it.
	maskAfterMask = regexp.MustCompile(regexp.QuoteMeta(masked+`"`) + `(` + secretName + `"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)`)
	maskQuoted    = regexp.MustCompile(`(\\"` + secretName + `\\"\s*:\s*)(\\"(?:[^"\\]|\\[^"])*\\"|[^,}\]\s\\]+)`)
	maskForm      = regexp.MustCompile(`(^|[?&;\s"'])(` + secretName + `)=("(?:[^"\\]|\\.)*"|[^&;\s"']*)`)
	maskHeader    = regexp.MustCompile(`(?i)((?:proxy-)?(?:authorization|cookie|set-cookie|x-api-key|x-auth-token)\s*:\s*)([^\r\n"]*)`)
	maskScheme    = regexp.MustCompile(`(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9._~+/=\-]{4,}`)
)

// hints are the words without which mask has nothing to replace.
var hints = []string{"pass", "pwd", "token", "secret", "key", "credential", "auth", "cookie", "session", "sid", "bearer", "basic", "digest"}

// mask returns s with every secret value it recognises replaced.
func mask(s string) string {
	if s == "" {
		return s
	}
	lower := strings.ToLower(s)
	if !slices.ContainsFunc(hints, func(h string) bool { return strings.Contains(lower, h) }) {
		return s
	}
	s = maskHeader.ReplaceAllString(s, "${1}"+masked)
	s = maskScheme.ReplaceAllString(s, "${1} "+masked)
	// Until nothing changes: in broken JSON such as "pass":"{"password":"x"}
	// one value's closing quote is the next name's opening quote, so one
	// pass masks only every other field (found by FuzzString).
	s = maskJSON.ReplaceAllString(s, `${1}"`+masked+`"`)
	for range 8 {
		next := maskAfterMask.ReplaceAllString(s, masked+`"${1}"`+masked+`"`)
		if next == s {
			break
		}
		s = next
	}
	s = maskQuoted.ReplaceAllString(s, `${1}\"`+masked+`\"`)
	s = maskForm.ReplaceAllString(s, "${1}${2}="+masked)
	return s
}
