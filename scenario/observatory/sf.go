package observatory

import "strings"

// sfToken parses v as an RFC 8941 structured-field item and returns its
// bare item when it is a token (parameters, such as report-to, are read and
// ignored); ok is false when v is not a valid item or its bare item is not
// a token. This is how browsers read COOP and COEP, and how the Observatory
// does.
func sfToken(v string) (tok string, ok bool) {
	v = strings.Trim(v, " ")
	n := sfTokenLen(v)
	if n == 0 {
		return "", false
	}
	tok, rest := v[:n], v[n:]
	for rest != "" {
		if rest[0] != ';' {
			return "", false
		}
		rest = strings.TrimLeft(rest[1:], " ")
		k := 0
		for k < len(rest) && (k == 0 && (isLCAlpha(rest[k]) || rest[k] == '*') || k > 0 && (isLCAlpha(rest[k]) || isDigit(rest[k]) || strings.IndexByte("_-.*", rest[k]) >= 0)) {
			k++
		}
		if k == 0 {
			return "", false
		}
		rest = rest[k:]
		if rest == "" || rest[0] != '=' {
			continue
		}
		m := sfBareLen(rest[1:])
		if m == 0 {
			return "", false
		}
		rest = rest[1+m:]
	}
	return tok, true
}

// sfTokenLen is the length of the token at the start of s, 0 if none.
func sfTokenLen(s string) int {
	if s == "" || !(isAlpha(s[0]) || s[0] == '*') {
		return 0
	}
	i := 1
	for i < len(s) && (isTChar(s[i]) || s[i] == ':' || s[i] == '/') {
		i++
	}
	return i
}

// sfBareLen is the length of the bare item (token, number, string or
// boolean) at the start of s, 0 if none.
func sfBareLen(s string) int {
	switch {
	case s == "":
		return 0
	case s[0] == '"':
		for i := 1; i < len(s); i++ {
			switch {
			case s[i] == '\\' && i+1 < len(s):
				i++
			case s[i] == '"':
				return i + 1
			case s[i] < 0x20 || s[i] > 0x7e:
				return 0
			}
		}
		return 0
	case s[0] == '?':
		if len(s) > 1 && (s[1] == '0' || s[1] == '1') {
			return 2
		}
		return 0
	case s[0] == '-' || isDigit(s[0]):
		i := 1
		for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
			i++
		}
		return i
	}
	return sfTokenLen(s)
}

func isAlpha(b byte) bool   { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
func isLCAlpha(b byte) bool { return b >= 'a' && b <= 'z' }
func isDigit(b byte) bool   { return b >= '0' && b <= '9' }

// isTChar is RFC 9110's tchar.
func isTChar(b byte) bool {
	return isAlpha(b) || isDigit(b) || strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}
