// Package redact removes secrets from text the library prints: failure
// messages, logs, panics, skip reasons, test attributes, summaries, reports.
// It is the one redaction of the module: jetty, cmd/jetty, scenario and
// loadtest all mask through it.
//
// It imports only the standard library, so the leaf packages may use it:
// DESIGN's layering lets preset and loadtest import no package of the
// module except standard-library-only internal helpers such as this one.
//
// What is masked is driven by one table of secret shapes (see [Shapes]):
//
//   - values of fields whose name has a secret word in it, at word
//     boundaries (password, passwd, pwd, pw, secret, token, api_key, apikey,
//     access_key, private_key, client_secret, session, sid, cookie,
//     authorization, auth, csrf, xsrf, credential, cvv, …), written as JSON
//     ("password":"x", also inside a %q-quoted body), key: value, key=value,
//     URL-encoded forms (password%3Dx), SQL (password = 'x'), Go's %+v
//     ({Password:x}) and %v of maps (map[password:x]), HTTP headers on their
//     own line (Authorization, Cookie, Set-Cookie, Private-Token,
//     X-Csrf-Token, X-Api-Key, …: the rest of the line);
//   - card numbers: 13 to 19 digits, plain, spaced or dashed, starting with
//     2–6 (the card networks), that pass the Luhn check;
//   - JWTs anywhere (a query string, a path);
//   - keys with a well-known prefix: AKIA/ASIA (AWS), ghp_ and the other
//     GitHub token prefixes, github_pat_, glpat-, xoxb-/xoxp- (Slack),
//     sk_live_/rk_live_/sk_test_ (Stripe), AIza (Google), and PEM private
//     key blocks;
//   - credentials after an authentication scheme (Bearer, Basic, Digest,
//     Token, Negotiate) that look like credentials: base64 holding a colon,
//     or a word of eight or more characters with a digit, a symbol or mixed
//     case — so "a basic authentication form" is left alone.
//
// Look-alikes survive: a secret word must be a whole word of the name
// (passed=3, compass=n, tokens_used=5, residence are kept), and ordinary
// numbers, order IDs that fail the Luhn check and timestamps are kept. Text
// with none of the shapes' hints in it (a byte scan, no regular expression)
// is returned as it is: steps and logs of a passing run pay almost nothing.
//
// Every function is safe for concurrent use.
package redact

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
)

// Mask replaces every secret value.
const Mask = "[REDACTED]"

// Shape is one kind of secret the redaction recognises.
type Shape struct {
	// Name says what the shape is, e.g. "card number".
	Name string
	// Example is a text holding such a secret, Secret the part of it that
	// must not survive: the package's tests and fuzz targets drive the
	// table through them.
	Example, Secret string
}

// Shapes lists the secret shapes String masks, with an example of each.
func Shapes() []Shape {
	out := make([]Shape, len(table))
	for i, sh := range table {
		out[i] = Shape{Name: sh.name, Example: sh.example, Secret: sh.secret}
	}
	return out
}

// shape is one row of the table: a pattern, and which part of a match to
// mask (or none, when the match is a look-alike).
type shape struct {
	name            string
	re              *regexp.Regexp
	pick            func(s string, m []int) (lo, hi int) // lo < 0: keep the match
	example, secret string
	// hints are lower-case substrings every match holds: a text without
	// any of them skips the row's regular expression (nil: long digit runs).
	hints []string
}

// table is applied in order; each row sees the text the rows before it
// produced. Self-identifying tokens come first, so that a name pass
// masking a larger value does not matter to them.
var table = []shape{
	{name: "PEM private key", hints: []string{"-----begin"}, re: regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`),
		example: "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7x\n-----END RSA PRIVATE KEY-----\n", secret: "MIIEpAIBAAKCAQEA7x"},
	{name: "JWT", hints: []string{"eyj"}, re: regexp.MustCompile(`eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*`),
		example: "GET /reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl/confirm", secret: "eyJzdWIiOiIxIn0.c2lnbmF0dXJl"},
	{name: "AWS access key ID", hints: []string{"akia", "asia"}, re: regexp.MustCompile(`(?:AKIA|ASIA)[0-9A-Z]{16}\b`), example: "using AKIAIOSFODNN7EXAMPLE for s3", secret: "AKIAIOSFODNN7EXAMPLE"},
	{name: "GitHub token", hints: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}, re: regexp.MustCompile(`(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`), example: "remote ghp_16C7e42F292c6912E7710c838347Ae178B4a", secret: "16C7e42F292c6912E7710c838347Ae178B4a"},
	{name: "GitLab token", hints: []string{"glpat-"}, re: regexp.MustCompile(`glpat-[A-Za-z0-9_\-]{20,}`), example: "glpat-xAbC12dEf34gHi56jKl7", secret: "xAbC12dEf34gHi56jKl7"},
	{name: "Slack token", hints: []string{"xox"}, re: regexp.MustCompile(`xox[abposr]-[A-Za-z0-9\-]{10,}`), example: "hook xoxb-123456789012-abcdefABCDEF", secret: "123456789012-abcdefABCDEF"},
	{name: "Stripe key", hints: []string{"sk_", "rk_"}, re: regexp.MustCompile(`(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}`), example: "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", secret: "4eC39HqLyjWDarjtT1zdp7dc"},
	{name: "Google API key", hints: []string{"aiza"}, re: regexp.MustCompile(`AIza[0-9A-Za-z_\-]{30,}`), example: "maps AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", secret: "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"},
	{name: "named secret", hints: nameHints, re: keyValue, pick: nil, // see String: it needs a loop of its own
		example: `{"email":"a@b.c","password":"hunter2-x"}`, secret: "hunter2-x"},
	{name: "scheme credentials", hints: []string{"bearer", "basic", "digest", "negotiate", "token"}, re: regexp.MustCompile(`(?i)\b(?:bearer|basic|digest|negotiate|token)[ \t]+([A-Za-z0-9._~+/=\-]{8,})`), pick: pickCredentials,
		example: "sent bearer Zm9vYmFyOjEyMzQ1Ng== upstream", secret: "Zm9vYmFyOjEyMzQ1Ng=="},
	{name: "card number", re: regexp.MustCompile(`\d(?:[ \-]?\d){12,}`), pick: pickPAN,
		example: `{"card":"4111 1111 1111 1111","exp":"12/29"}`, secret: "4111 1111 1111 1111"},
}

// keyValue is a name, an optional closing quote, a separator and a value.
var keyValue = regexp.MustCompile(`([A-Za-z][A-Za-z0-9_.\-]*)(\\?["'])?[ \t]*(:|=|%3[dD])[ \t]*(` +
	`\\"(?:[^"\\]|\\[^"])*\\"` + // a JSON string inside a %q-quoted string: \"…\"
	`|"(?:[^"\\]|\\.)*"` + // a double-quoted string
	`|'(?:[^'\\]|\\.|'')*'` + // a single-quoted (SQL) string
	`|\[[^\]\n]*\]` + // a header map's values: Authorization:[Bearer x]
	`|(?i:bearer|basic|digest|negotiate|token)[ \t]+[^\s,;"'\]}]+` + // a scheme and its credentials
	`|["']?[^\s"',;&][^\s,;&}\]"'<>]*)`) // a bare word, or what follows an unterminated quote

// String returns s with every secret value masked.
func String(s string) string {
	if !candidate(s) {
		return s
	}
	for _, sh := range table {
		if !sh.present(s) {
			continue
		}
		if sh.re == keyValue {
			s = names(s)
			continue
		}
		s = apply(s, sh)
	}
	return s
}

// Bytes is String for a body.
func Bytes(b []byte) string { return String(string(b)) }

// Header returns a copy of h (an http.Header, or any map of header
// values) with the values of headers named like a secret (Authorization,
// Proxy-Authorization, Cookie, Set-Cookie, Private-Token, X-Csrf-Token,
// X-Api-Key, X-Auth-Token, …) masked whole, and secrets in the other values
// masked as String masks them. It is generic so that this package need not
// import net/http: a program that imports jetty does not start crypto/tls
// and x509 for it.
func Header[H ~map[string][]string](h H) H {
	if h == nil {
		return nil
	}
	out := make(H, len(h))
	for k, vs := range h {
		secret := SecretName(k)
		masked := make([]string, len(vs))
		for i, v := range vs {
			if secret {
				masked[i] = Mask
			} else {
				masked[i] = String(v)
			}
		}
		out[k] = masked
	}
	return out
}

// apply masks the matches of one shape.
func apply(s string, sh shape) string {
	ms := sh.re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		lo, hi := m[0], m[1]
		if sh.pick != nil {
			lo, hi = sh.pick(s, m)
		}
		if lo < 0 || lo < last {
			continue
		}
		b.WriteString(s[last:lo])
		b.WriteString(Mask)
		last = hi
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// names masks the values of fields named like a secret. A match whose name
// is not a secret is skipped only up to its value, so a value that itself
// holds "password=…" (a JSON string of a form, a broken JSON whose quote
// closed early) is searched too.
//
// Where a name is followed by a value decides how much is masked:
//
//   - a quoted value (JSON, SQL, logfmt), a header map's [values] and Go's
//     Password:x (no space after the colon): the value;
//   - key=value: the value, up to the next separator of a form, query or
//     cookie (& ; , space quote);
//   - key: value on a line of its own (a header, YAML): the rest of the line;
//   - Cookie: or Set-Cookie: inline: each cookie's value of six or more
//     characters; Authorization: inline: up to the end of the line or the
//     closing quote;
//   - key: value or key = value inside a sentence ("carries no secret: put
//     it in a header", "alice's token = 200"): the value only when it looks
//     like a credential (a digit, a symbol or mixed case; for "=" not only
//     digits).
//
// A name right after "/" is a path (/etc/passwd: …), not a field.
func names(s string) string {
	var b strings.Builder
	pos, last := 0, 0
	for pos < len(s) {
		m := keyValue.FindStringSubmatchIndex(s[pos:])
		if m == nil {
			break
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += pos
			}
		}
		keyLo, keyHi, sep, sepHi, valLo, valHi := m[2], m[3], m[6], m[7], m[8], m[9]
		if keyLo >= 2 && s[keyLo-2] == '%' && isHex(s[keyLo-1]) && isHex(s[keyLo]) {
			// %3Fuser=: the F belongs to the escape before the name.
			keyLo++
		}
		escaped := keyLo >= 3 && s[keyLo-3] == '%' && isHex(s[keyLo-2]) && isHex(s[keyLo-1])
		key := s[keyLo:keyHi]
		if keyLo >= keyHi || !SecretName(key) || keyLo > 0 && (isNameByte(s[keyLo-1]) && !escaped || s[keyLo-1] == '/') {
			pos = valLo
			continue
		}
		val := s[valLo:valHi]
		quoted := strings.HasPrefix(val, `"`) || strings.HasPrefix(val, `'`) || strings.HasPrefix(val, `\"`)
		bare := !quoted && !strings.HasPrefix(val, "[")
		keyQuoted := m[4] >= 0
		colon := s[sep] == ':'
		spaced := valLo > sepHi || sep > keyHi && !keyQuoted
		lineStart := !keyQuoted && atLineStart(s, keyLo)
		inner := strings.Trim(val, `"'\`)
		if spaced && !keyQuoted && !lineStart {
			prose := false
			switch {
			case colon:
				prose = !looksRandom(inner)
			case !quoted: // key = 'x' is SQL, always masked
				prose = !looksRandom(inner) || allDigits(inner)
			}
			if prose {
				pos = valLo
				continue
			}
		}
		lo, hi := valLo, valHi
		if bare && !colon {
			for hi < len(s) && strings.IndexByte(" \t\r\n&;,\"'<>", s[hi]) < 0 {
				hi++
			}
		}
		repl := ""
		switch {
		case colon && lineStart && bare && spaced:
			// A header or YAML line: the whole rest of the line.
			hi = max(hi, lineEnd(s, valLo))
		case colon && bare && headerWord(key, "cookie"):
			hi = max(hi, valLo+strings.IndexAny(s[valLo:]+"\n", "\r\n\""))
			repl = maskCookies(s[lo:hi])
		case colon && bare && headerWord(key, "authorization"):
			hi = max(hi, valLo+strings.IndexAny(s[valLo:]+"\n", "\r\n\""))
		}
		if repl == "" {
			// Keep the quotes around a quoted value, so JSON stays JSON.
			repl = Mask
			for _, q := range []string{`\"`, `"`, `'`} {
				if strings.HasPrefix(val, q) {
					repl = q + Mask
					if len(val) >= 2*len(q) && strings.HasSuffix(val, q) && hi == valHi {
						repl += q
					}
					break
				}
			}
		}
		b.WriteString(s[last:lo])
		b.WriteString(repl)
		last, pos = hi, hi
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// maskCookies masks the values of six or more characters in a Cookie or
// Set-Cookie header's value: session IDs, not flags such as Path=/ or a=1.
func maskCookies(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); {
		eq := strings.IndexByte(v[i:], '=')
		if eq < 0 {
			b.WriteString(v[i:])
			break
		}
		eq += i
		end := eq + 1
		for end < len(v) && v[end] != ';' && v[end] != ',' && v[end] != ' ' {
			end++
		}
		b.WriteString(v[i : eq+1])
		if end-eq-1 >= 6 && !strings.HasPrefix(v[eq+1:end], Mask) {
			b.WriteString(Mask)
		} else {
			b.WriteString(v[eq+1 : end])
		}
		i = end
	}
	return b.String()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func atLineStart(s string, i int) bool {
	for i > 0 {
		i--
		switch s[i] {
		case '\n':
			return true
		case ' ', '\t':
		default:
			return false
		}
	}
	return true
}

func lineEnd(s string, i int) int {
	if j := strings.IndexAny(s[i:], "\r\n"); j >= 0 {
		return i + j
	}
	return len(s)
}

// pickCredentials masks what follows a scheme when it looks like a
// credential rather than a word.
func pickCredentials(s string, m []int) (int, int) {
	cred := s[m[2]:m[3]]
	if looksRandom(cred) {
		return m[2], m[3]
	}
	if dec, err := base64.StdEncoding.DecodeString(cred); err == nil && strings.Contains(string(dec), ":") {
		return m[2], m[3]
	}
	return -1, -1
}

// looksRandom reports whether w has a digit, a symbol or an upper-case
// letter after its first character: a token, not a word.
func looksRandom(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case '0' <= c && c <= '9', strings.IndexByte("._~+/=", c) >= 0:
			return true
		case 'A' <= c && c <= 'Z' && i > 0:
			return true
		}
	}
	return false
}

// pickPAN masks a card number: 13 to 19 digits, plain or in groups split
// by one space or dash, not glued to a word or a longer number, with a card
// network's first digits (3–6, or 2221–2720), passing the Luhn check. The
// match may hold more groups than the card number ("4111 1111 1111 1111
// 12"): every run of whole groups is tried, the longest first.
func pickPAN(s string, m []int) (int, int) {
	lo, hi := m[0], m[1]
	if lo > 0 && isNameByte(s[lo-1]) && s[lo-1] != '-' || hi < len(s) && isNameByte(s[hi]) && s[hi] != '-' && s[hi] != '.' {
		return -1, -1
	}
	// starts and ends of the groups
	var starts, ends []int
	starts = append(starts, lo)
	for i := lo; i < hi; i++ {
		if !isDigit(s[i]) {
			ends = append(ends, i)
			starts = append(starts, i+1)
		}
	}
	ends = append(ends, hi)
	bestLo, bestHi, best := -1, -1, 0
	for a := range starts {
		if !cardPrefix(s[starts[a]:hi]) {
			continue
		}
		n := 0
		for z := a; z < len(ends) && n <= 19; z++ {
			n += ends[z] - starts[z]
			span := s[starts[a]:ends[z]]
			if n < 13 || n > 19 || n <= best || !Luhn(span) {
				continue
			}
			bestLo, bestHi, best = starts[a], ends[z], n
		}
	}
	return bestLo, bestHi
}

// cardPrefix reports whether digits start like a card number: 3, 4, 5 or 6
// (American Express, Diners, JCB, Visa, Mastercard, Discover, UnionPay), or
// Mastercard's 2221–2720.
func cardPrefix(digits string) bool {
	var buf [4]byte
	d := buf[:0]
	for i := 0; i < len(digits) && len(d) < 4; i++ {
		if isDigit(digits[i]) {
			d = append(d, digits[i])
		}
	}
	switch {
	case d[0] >= '3' && d[0] <= '6':
		return true
	case d[0] == '2':
		v := string(d)
		return v >= "2221" && v <= "2720"
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

// Luhn reports whether the digits of s (other characters are ignored) pass
// the Luhn check that card numbers carry.
func Luhn(s string) bool {
	sum, n := 0, 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if !isDigit(c) {
			continue
		}
		d := int(c - '0')
		if n%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n > 0 && sum%10 == 0
}

// secretWords are the words that make a name secret; secretPairs the
// pairs of consecutive words that do.
var (
	secretWords = map[string]bool{
		"password": true, "passwd": true, "passphrase": true, "pwd": true, "pw": true, "pass": false,
		"secret": true, "token": true, "apikey": true, "accesskey": true, "secretkey": true, "privatekey": true,
		"clientsecret": true, "apisecret": true, "accesstoken": true, "refreshtoken": true, "authtoken": true,
		"idtoken": true, "sessiontoken": true, "csrftoken": true, "xsrftoken": true, "apitoken": true,
		"authorization": true, "auth": true, "credential": true, "credentials": true,
		"cookie": true, "session": true, "sessionid": true, "sessid": true, "phpsessid": true, "jsessionid": true, "sid": true,
		"csrf": true, "xsrf": true, "cvv": true, "cvc": true, "otp": true, "newpassword": true, "oldpassword": true,
	}
	secretPairs = map[[2]string]bool{
		{"api", "key"}: true, {"access", "key"}: true, {"private", "key"}: true, {"secret", "key"}: true,
		{"signing", "key"}: true, {"encryption", "key"}: true, {"master", "key"}: true, {"session", "id"}: true,
		{"card", "number"}: true,
	}
)

// SecretName reports whether a field, parameter or header name holds a
// secret word as a whole word: "password", "X-Csrf-Token", "apiKey",
// "client_secret" and "Set-Cookie" do; "passed", "compass", "tokens_used"
// and "residence" do not.
func SecretName(name string) bool {
	ws := words(name)
	for i, w := range ws {
		if secretWords[w] {
			return true
		}
		if i > 0 && secretPairs[[2]string{ws[i-1], w}] {
			return true
		}
	}
	return false
}

// headerWord reports whether name has word w.
func headerWord(name, w string) bool {
	for _, x := range words(name) {
		if x == w {
			return true
		}
	}
	return false
}

// words splits a name at _ - . and at camelCase humps, in lower case:
// "X-Csrf-Token" → x csrf token; "apiKey" → api key; "APIKey" → api key.
func words(name string) []string {
	var out []string
	start := 0
	flush := func(end int) {
		if end > start {
			out = append(out, strings.ToLower(name[start:end]))
		}
	}
	isUp := func(c byte) bool { return 'A' <= c && c <= 'Z' }
	isLow := func(c byte) bool { return 'a' <= c && c <= 'z' }
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c == '-' || c == '.':
			flush(i)
			start = i + 1
		case i > start && isUp(c) && (isLow(name[i-1]) || i+1 < len(name) && isLow(name[i+1]) && isUp(name[i-1])):
			flush(i)
			start = i
		}
	}
	flush(len(name))
	return out
}

// nameHints are the substrings a secret name holds: each secret word and
// pair of words has one of them.
var nameHints = []string{"pass", "pw", "secret", "token", "key", "auth", "credential", "cookie", "session", "sid", "csrf", "xsrf",
	"cvv", "cvc", "otp", "card"}

// hints are every row's hints; candidate looks for them (and for long digit
// runs) in one byte scan, without a regular expression.
var hints = func() []string {
	var out []string
	for _, sh := range table {
		for _, h := range sh.hints {
			if !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}()

// present reports whether s may hold a match of the row: one of its hints,
// or for card numbers a run of 13 digits.
func (sh shape) present(s string) bool {
	if sh.hints == nil {
		return digitRun(s)
	}
	for _, h := range sh.hints {
		if ContainsFold(s, h) {
			return true
		}
	}
	return false
}

// digitRun reports whether s has 13 digits in a row, one space or dash
// allowed between two of them.
func digitRun(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			if digits++; digits >= 13 {
				return true
			}
		case (c == ' ' || c == '-') && i > 0 && isDigit(s[i-1]):
		default:
			digits = 0
		}
	}
	return false
}

// hintsAt lists the hints by their first byte, in either case.
var hintsAt = func() (t [256][]string) {
	for _, h := range hints {
		t[h[0]] = append(t[h[0]], h)
		if 'a' <= h[0] && h[0] <= 'z' {
			t[h[0]-'a'+'A'] = append(t[h[0]-'a'+'A'], h)
		}
	}
	return t
}()

// candidate reports whether s may hold a secret: a hint (ignoring case) or
// a run of 13 or more digits.
func candidate(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isDigit(c) {
			digits++
			if digits >= 13 {
				return true
			}
			continue
		}
		if (c == ' ' || c == '-') && digits > 0 && i > 0 && isDigit(s[i-1]) {
			continue
		}
		digits = 0
		for _, h := range hintsAt[c] {
			if hasPrefixFold(s[i:], h) {
				return true
			}
		}
	}
	return false
}

// ContainsFold reports whether s holds lower, a lower-case ASCII text,
// ignoring ASCII case (not Unicode's: "K" and "ſ" are not k and s). The
// candidates are found with IndexByte, so a large text without lower's
// first letter costs one fast scan per case.
func ContainsFold[T string | []byte](s T, lower string) bool {
	if lower == "" {
		return true
	}
	first := lower[0]
	cases := []byte{first}
	if 'a' <= first && first <= 'z' {
		cases = append(cases, first-'a'+'A')
	}
	for _, c := range cases {
		for rest := s; ; {
			i := indexByte(rest, c)
			if i < 0 || len(rest)-i < len(lower) {
				break
			}
			if hasPrefixFold(rest[i:], lower) {
				return true
			}
			rest = rest[i+1:]
		}
	}
	return false
}

func indexByte[T string | []byte](s T, c byte) int {
	switch v := any(s).(type) {
	case string:
		return strings.IndexByte(v, c)
	case []byte:
		return bytes.IndexByte(v, c)
	}
	return -1
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; h is lower case.
func hasPrefixFold[T string | []byte](s T, h string) bool {
	if len(s) < len(h) {
		return false
	}
	for j := 0; j < len(h); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != h[j] {
			return false
		}
	}
	return true
}
