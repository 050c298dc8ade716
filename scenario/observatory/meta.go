package observatory

import (
	"html"
	"net/http"
	"strings"
)

// metaPolicies are the policies an HTML page declares in its <meta> tags,
// as the Observatory reads them: http-equiv="Content-Security-Policy"
// (name and value trimmed and case-folded) and name="referrer" (the last
// wins).
type metaPolicies struct {
	csp      []string
	referrer []string
}

// readMeta reads the <meta> tags of body when h says it is HTML (text/html
// or application/xhtml+xml, as the Observatory's HTML_TYPES).
func readMeta(h http.Header, body []byte) metaPolicies {
	var m metaPolicies
	ct, _, _ := strings.Cut(h.Get("Content-Type"), ";")
	if ct = strings.ToLower(strings.TrimSpace(ct)); ct != "text/html" && ct != "application/xhtml+xml" || len(body) == 0 {
		return m
	}
	for _, attrs := range metaTags(string(body)) {
		equiv, hasEquiv := attrs["http-equiv"]
		content, hasContent := attrs["content"]
		switch {
		case hasEquiv && hasContent:
			if content != "" && strings.ToLower(strings.TrimSpace(equiv)) == "content-security-policy" {
				m.csp = append(m.csp, content)
			}
		case strings.ToLower(strings.TrimSpace(attrs["name"])) == "referrer" && content != "":
			m.referrer = []string{content}
		}
	}
	return m
}

// metaTags returns the attributes (names lower-cased, values unquoted and
// with entities decoded) of every <meta> tag outside comments.
func metaTags(s string) []map[string]string {
	var out []map[string]string
	low := asciiLower(s) // same length: indices match s
	for pos := 0; pos < len(s); {
		i := strings.Index(low[pos:], "<meta")
		c := strings.Index(low[pos:], "<!--")
		if c >= 0 && (i < 0 || c < i) {
			end := strings.Index(low[pos+c+4:], "-->")
			if end < 0 {
				return out
			}
			pos += c + 4 + end + 3
			continue
		}
		if i < 0 {
			return out
		}
		pos += i + len("<meta")
		if pos < len(s) && !strings.ContainsRune(" \t\n\r\f/>", rune(s[pos])) {
			continue // <metadata>, not <meta>
		}
		attrs, rest := tagAttrs(s[pos:])
		out = append(out, attrs)
		pos = len(s) - len(rest)
	}
	return out
}

// asciiLower lower-cases ASCII letters only, keeping every byte's place.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// tagAttrs reads attributes up to the tag's '>'.
func tagAttrs(s string) (map[string]string, string) {
	attrs := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t\n\r\f/")
		if s == "" {
			return attrs, s
		}
		if s[0] == '>' {
			return attrs, s[1:]
		}
		n := strings.IndexAny(s, " \t\n\r\f/>=")
		if n < 0 {
			n = len(s)
		}
		name := strings.ToLower(s[:n])
		s = strings.TrimLeft(s[n:], " \t\n\r\f")
		val := ""
		if strings.HasPrefix(s, "=") {
			val, s = attrValue(strings.TrimLeft(s[1:], " \t\n\r\f"))
		}
		if _, seen := attrs[name]; !seen && name != "" {
			attrs[name] = html.UnescapeString(val)
		}
	}
}

func attrValue(s string) (val, rest string) {
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		if end := strings.IndexByte(s[1:], s[0]); end >= 0 {
			return s[1 : 1+end], s[2+end:]
		}
		return s[1:], ""
	}
	n := strings.IndexAny(s, " \t\n\r\f>")
	if n < 0 {
		n = len(s)
	}
	return s[:n], s[n:]
}
