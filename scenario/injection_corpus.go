package scenario

import (
	"fmt"
	"slices"
	"strings"
)

// PayloadCategory names a family of hostile inputs in the [Injection]
// corpus.
type PayloadCategory string

// The categories of the corpus. They follow the OWASP Web Security Testing
// Guide v4.2 input validation tests (WSTG-INPV) and the sections of the
// big-list-of-naughty-strings (BLNS); the payloads themselves are written for
// this package, each small and harmless (no timing attacks, no destructive
// statements or commands: stacked SQL queries only SELECT 1, the command
// payloads only run `id` or `touch` a canary file).
const (
	// PayloadSQL: SQL injection (WSTG-INPV-05; BLNS "SQL Injection",
	// "Quotation Marks"): quotes, tautologies, stacked queries, UNION
	// SELECT of a marker (found even when no error shows), and the
	// true/false pairs of a differential oracle (boolean-based blind
	// injection: the answers to 7=7 and 7=8 must not differ).
	PayloadSQL PayloadCategory = "sql"
	// PayloadNoSQL: NoSQL operator injection (WSTG-INPV-05.6): $gt, $ne,
	// $where, $regex, as strings and, in JSON bodies, as objects.
	PayloadNoSQL PayloadCategory = "nosql"
	// PayloadXSS: cross-site scripting (WSTG-INPV-01 and -02; BLNS "Script
	// Injection"): tags, event handlers, attribute break-outs, javascript:
	// URLs, and payloads for JavaScript contexts without quotes or tags
	// (1;alert(1337)//), template literals, event-handler attributes,
	// unquoted attributes and client-side templates (AngularJS, Vue).
	PayloadXSS PayloadCategory = "xss"
	// PayloadCommand: OS command injection (WSTG-INPV-12; BLNS "Command
	// Injection"): ; | && || $( ) and backticks, running `id` or
	// `touch` on the canary file.
	PayloadCommand PayloadCategory = "command"
	// PayloadPathTraversal: directory traversal and file inclusion
	// (WSTG-ATHZ-01, WSTG-INPV-11.1; BLNS "File Inclusion"): ../, encoded
	// and double-encoded dots and slashes, overlong slashes, NUL bytes.
	PayloadPathTraversal PayloadCategory = "path-traversal"
	// PayloadTemplate: server-side template injection (WSTG-INPV-18; BLNS
	// "Server Code Injection"): {{…}}, ${…}, <%= … %>, #{…} computing
	// 7331*7919, so that an evaluation shows as 58054189: a product long and
	// odd enough that no request ID or timestamp carries it by chance.
	PayloadTemplate PayloadCategory = "template"
	// PayloadCRLF: HTTP response splitting and header injection
	// (WSTG-INPV-15): raw and percent-encoded CR LF followed by an
	// X-Jetty-Injected header or a jetty_injected cookie.
	PayloadCRLF PayloadCategory = "crlf"
	// PayloadFormatString: format string injection (WSTG-INPV-13; BLNS
	// "Special Characters"): %s %n %x %v and friends.
	PayloadFormatString PayloadCategory = "format-string"
	// PayloadOversized: oversized input (WSTG-INPV-13 buffer overflow,
	// BLNS "Numeric Strings"): a 1 MiB string, 256 KiB of emoji, a
	// 64 KiB number, deeply nested JSON.
	PayloadOversized PayloadCategory = "oversized"
	// PayloadInvalidUTF8: byte sequences that are not UTF-8 (BLNS "Unicode"
	// sections; Unicode Technical Report #36): stray bytes, overlong
	// encodings, surrogates, code points above U+10FFFF, NUL.
	PayloadInvalidUTF8 PayloadCategory = "invalid-utf8"
	// PayloadUnicode: valid but surprising Unicode (BLNS "Right-To-Left
	// Strings", "Zero Width", "Emoji", "Zalgo Text", "Unicode Upsidedown",
	// "Two-Byte Characters"): RTL override, zero-width characters, ZWJ
	// emoji, combining marks, homoglyphs, line separators.
	PayloadUnicode PayloadCategory = "unicode"
	// PayloadFileWrite: file-write sinks (CWE-73, WSTG-INPV-11.1): the
	// absolute path of a file in a temporary directory the check owns, and
	// the same path behind 16 "../", so that os.WriteFile or os.Create on
	// a path from input creates it. Never run them as root against a real
	// filesystem: a sink that rewrites paths could write elsewhere.
	PayloadFileWrite PayloadCategory = "file-write"
	// PayloadSSRF: server-side request forgery (WSTG-INPV-19, OWASP Top 10
	// A10): the URL and host:port of a canary listener on loopback that the
	// application must never call.
	PayloadSSRF PayloadCategory = "ssrf"
	// PayloadOpenRedirect: open redirects (WSTG-CLNT-04, CWE-601): absolute,
	// protocol-relative, backslash and scheme-only URLs of the reserved
	// host jetty-redirect.example, which a response must not redirect to.
	PayloadOpenRedirect PayloadCategory = "open-redirect"
)

// PayloadCategories lists every category, in the order the corpus holds
// them.
func PayloadCategories() []PayloadCategory {
	return []PayloadCategory{PayloadSQL, PayloadNoSQL, PayloadXSS, PayloadCommand, PayloadPathTraversal,
		PayloadTemplate, PayloadCRLF, PayloadFormatString, PayloadOversized, PayloadInvalidUTF8, PayloadUnicode,
		PayloadFileWrite, PayloadSSRF, PayloadOpenRedirect}
}

// CanaryFilePlaceholder stands in the command payloads for the canary file's
// path; [Injection] replaces it with its Canary.
const CanaryFilePlaceholder = "JETTY_CANARY"

// Payload is one hostile input of the corpus.
type Payload struct {
	Category PayloadCategory
	// Value is what is put into the input. It may hold invalid UTF-8 and
	// CanaryFilePlaceholder.
	Value string
	// JSON, when set, is a raw JSON value sent instead of Value as a
	// string in JSON bodies, such as the NoSQL operator {"$gt": ""}.
	JSON string

	oracle sqlOracle
}

// BaselinePlaceholder stands in some payloads for the input's harmless
// value (Input.Value, default "jetty"); [Injection] replaces it per input,
// so that a condition appended to it keeps the query's rows (AND) or adds
// every row (OR).
const BaselinePlaceholder = "JETTY_VALUE"

// unionProduct is what the UNION payloads select: 7331*7927, a number no
// row holds by chance; it counts only as a number of its own.
const unionProduct = "58112837"

// unionMarker reports whether p is one of the UNION payloads that select
// the marker product.
func unionMarker(p Payload) bool {
	return p.Category == PayloadSQL && strings.Contains(p.Value, "UNION SELECT 7331*7927")
}

// sqlOracle marks a payload of the differential SQL oracle. Each shape
// (quoted or numeric, OR or AND, with or without a comment) is sent four
// times: a true condition (7=7), a false one (7=8), and both again with
// other digits (3=3, 3=4). A query built by concatenation answers the true
// and the false condition differently; a parameterised one answers the
// same, up to the echoed digits.
type sqlOracle struct {
	shape int // 1-based; 0: not an oracle payload
	pos   int // 0: 7=7, 1: 7=8, 2: 3=3, 3: 3=4
}

// sqlOracleDigits are the digits of each position's condition.
var sqlOracleDigits = [4][2]byte{{'7', '7'}, {'7', '8'}, {'3', '3'}, {'3', '4'}}

var sqlOracleShapes = []string{
	BaselinePlaceholder + `' OR '%c'='%c`,
	BaselinePlaceholder + `' OR %c=%c-- `,
	BaselinePlaceholder + ` OR %c=%c`,
	BaselinePlaceholder + ` OR %c=%c-- `,
	BaselinePlaceholder + `' AND '%c'='%c`,
	BaselinePlaceholder + ` AND %c=%c`,
}

func sqlOraclePayloads() []Payload {
	var out []Payload
	for i, shape := range sqlOracleShapes {
		for pos, d := range sqlOracleDigits {
			out = append(out, Payload{Category: PayloadSQL, Value: fmt.Sprintf(shape, d[0], d[1]), oracle: sqlOracle{shape: i + 1, pos: pos}})
		}
	}
	return out
}

// Payloads returns the corpus of the given categories, or all of it. The
// slice is new on every call; the large payloads share their backing
// strings.
func Payloads(categories ...PayloadCategory) []Payload {
	var out []Payload
	for _, p := range corpus {
		if len(categories) == 0 || slices.Contains(categories, p.Category) {
			out = append(out, p)
		}
	}
	return out
}

// templateProduct is what the template payloads compute: 7331*7919. It
// counts only as a number of its own (see injEvaluated), never inside a
// longer run of letters and digits such as a hex request ID.
const templateProduct = "58054189"

var (
	mebiA      = strings.Repeat("A", 1<<20)
	emojiFlood = strings.Repeat("\U0001F600", 1<<16) // 256 KiB of 😀
	longNumber = strings.Repeat("9", 1<<16)
	deepJSON   = strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
)

func payloadsOf(c PayloadCategory, values ...string) []Payload {
	out := make([]Payload, len(values))
	for i, v := range values {
		out[i] = Payload{Category: c, Value: v}
	}
	return out
}

var corpus = concatPayloads(
	payloadsOf(PayloadSQL,
		`'`,
		`"`,
		`\`,
	),
	// The oracle and the UNION payloads come before the stacked queries, so
	// that they see the data as it was.
	sqlOraclePayloads(),
	payloadsOf(PayloadSQL,
		`' UNION SELECT 7331*7927-- `,
		`' UNION SELECT 7331*7927,7331*7927-- `,
		`' UNION SELECT 7331*7927,7331*7927,7331*7927-- `,
		`' UNION SELECT 7331*7927,7331*7927,7331*7927,7331*7927-- `,
		`0 UNION SELECT 7331*7927-- `,
		`0 UNION SELECT 7331*7927,7331*7927-- `,
		`0 UNION SELECT 7331*7927,7331*7927,7331*7927-- `,
		`0 UNION SELECT 7331*7927,7331*7927,7331*7927,7331*7927-- `,
		`' OR '1'='1`,
		`' OR 1=1 --`,
		`" OR "1"="1`,
		`') OR ('1'='1`,
		`admin'--`,
		`'; SELECT 1;--`,
		`1; SELECT 1`,
		`1' UNION SELECT NULL--`,
		`' UNION SELECT name, sql FROM sqlite_master--`,
		`' UNION SELECT username, password FROM users--`,
		`1 ORDER BY 99`,
		`' AND 1=CAST((SELECT version()) AS int)--`,
		`' || (SELECT 1) || '`,
		`%27%20OR%201%3D1`,
		`1'1`,
		`-1 OR 1=1`,
		`''''''`,
	),
	[]Payload{
		{Category: PayloadNoSQL, Value: `{"$gt": ""}`, JSON: `{"$gt": ""}`},
		{Category: PayloadNoSQL, Value: `{"$ne": null}`, JSON: `{"$ne": null}`},
		{Category: PayloadNoSQL, Value: `{"$regex": ".*"}`, JSON: `{"$regex": ".*"}`},
		{Category: PayloadNoSQL, Value: `{"$where": "1 == 1"}`, JSON: `{"$where": "this.a == this.a"}`},
		{Category: PayloadNoSQL, Value: `'; return true; var x='`},
		{Category: PayloadNoSQL, Value: `true, $where: '1 == 1'`},
		{Category: PayloadNoSQL, Value: `[$ne]=1`},
		{Category: PayloadNoSQL, Value: `{"$in": [1, "a"]}`, JSON: `[{"$in": [1]}]`},
	},
	payloadsOf(PayloadXSS,
		`<script>alert(1337)</script>`,
		`"><img src=x onerror=alert(1337)>`,
		`'><svg onload=alert(1337)>`,
		`" onmouseover="alert(1337)`,
		`' autofocus onfocus='alert(1337)`,
		`</textarea><script>alert(1337)</script>`,
		`</title><ScRiPt>alert(1337)</sCrIpT>`,
		`<iframe src="javascript:alert(1337)"></iframe>`,
		`<a href="javascript:alert(1337)">x</a>`,
		`javascript:alert(1337)`,
		`<body onload=alert(1337)>`,
		`<img src=x onerror=alert(1337)//`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1337)>`,
		`';alert(1337);//`,
		`";alert(1337);//`,
		`1;alert(1337)//`,
		`-alert(1337)-`,
		`${alert(1337)}`,
		`');alert(1337);//`,
		`x onmouseover=alert(1337) y`,
		`{{constructor.constructor('alert(1337)')()}}`,
	),
	payloadsOf(PayloadCommand,
		`; id`,
		`| id`,
		`&& id`,
		`$(id)`,
		"`id`",
		`| cat /etc/passwd`,
		`; touch JETTY_CANARY`,
		`| touch JETTY_CANARY`,
		`&& touch JETTY_CANARY`,
		`|| touch JETTY_CANARY`,
		`$(touch JETTY_CANARY)`,
		"`touch JETTY_CANARY`",
		`touch JETTY_CANARY`,
		"\ntouch JETTY_CANARY",
		`x'; touch JETTY_CANARY; echo '`,
		`x"; touch JETTY_CANARY; echo "`,
	),
	payloadsOf(PayloadPathTraversal,
		`../../../../../../etc/passwd`,
		`..%2f..%2f..%2f..%2f..%2fetc%2fpasswd`,
		`%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd`,
		`%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd`,
		`..%252f..%252f..%252fetc%252fpasswd`,
		`....//....//....//....//etc/passwd`,
		`..\..\..\..\windows\win.ini`,
		`/etc/passwd`,
		`file:///etc/passwd`,
		`../../../../etc/passwd%00.png`,
		"../../../../etc/passwd\x00.png",
		`..%c0%af..%c0%af..%c0%afetc%c0%afpasswd`,
	),
	payloadsOf(PayloadTemplate,
		`{{7331*7919}}`,
		`{{ 7331*7919 }}`,
		`${7331*7919}`,
		`${{7331*7919}}`,
		`<%= 7331*7919 %>`,
		`#{7331*7919}`,
		`*{7331*7919}`,
		`[[${7331*7919}]]`,
		`{{=7331*7919}}`,
		`@(7331*7919)`,
		`{7331*7919}`,
	),
	payloadsOf(PayloadCRLF,
		"\r\nX-Jetty-Injected: 1",
		"\nX-Jetty-Injected: 1",
		"\r\nSet-Cookie: jetty_injected=1",
		`%0d%0aX-Jetty-Injected: 1`,
		`%0D%0ASet-Cookie: jetty_injected=1`,
		`%0aX-Jetty-Injected: 1`,
		"\u560d\u560aX-Jetty-Injected: 1", // 嘍嘊: bytes 0D 0A when truncated to 8 bits
		"x\r\n\r\n<html>jetty</html>",
	),
	payloadsOf(PayloadFormatString,
		`%s%s%s%s%s`,
		`%n%n%n%n`,
		`%x%x%x%x`,
		`%p%p%p%p`,
		`%v%d%T%q`,
		`%4096s`,
		`%*.*s`,
		`{0}{1}{2}`,
		`%`,
	),
	[]Payload{
		{Category: PayloadOversized, Value: mebiA},
		{Category: PayloadOversized, Value: emojiFlood},
		{Category: PayloadOversized, Value: longNumber, JSON: longNumber},
		{Category: PayloadOversized, Value: deepJSON, JSON: deepJSON},
		{Category: PayloadOversized, Value: "1e400", JSON: "1e400"},
	},
	payloadsOf(PayloadInvalidUTF8,
		"\xff\xfe",
		"\xfe\xff",
		"abc\xffdef",
		"\x80",
		"\xc0\xaf",                 // overlong "/"
		"\xc0\xae\xc0\xae\xc0\xaf", // overlong "../"
		"\xe0\x80\xaf",             // three-byte overlong "/"
		"\xed\xa0\x80",             // UTF-16 surrogate U+D800
		"\xf4\x90\x80\x80",         // above U+10FFFF
		"\xf8\x88\x80\x80\x80",     // five-byte sequence
		"\xc3",                     // truncated sequence
		"\x00",
		"a\x00b",
		"%ff%fe%c0%af",
	),
	payloadsOf(PayloadUnicode,
		"\u202Egnp.exe",                 // right-to-left override
		"a\u200Bd\u200Cm\u200Di\uFEFFn", // zero-width characters
		"\uFEFFadmin",                   // byte order mark
		"\U0001F469\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466\U0001F3F3\uFE0F\u200D\U0001F308", // ZWJ emoji
		"Z\u0351\u036B\u0343a\u0357\u0310l\u0365\u0350g\u0312\u0346o\u0364\u0356",                    // combining marks
		"\uFF21\uFF24\uFF2D\uFF29\uFF2E",       // fullwidth ADMIN
		"\u0430dmin",                           // Cyrillic a
		"\u0130stanbul \u00DF \uFB03",          // case folding traps: İ ß ﬃ
		"\u2028\u2029",                         // line and paragraph separators
		"\u0645\u0631\u062D\u0628\u0627",       // right-to-left script
		"\U0001D573\U0001D58A\U0001D591",       // mathematical letters (astral plane)
		"\uFFFD\uFFFF\U0010FFFF",               // replacement character, noncharacters
		"\u3000\u00A0\u1680",                   // unusual spaces
		"\u1F4A\u0301\u0301\u0301\u0301\u0301", // stacked accents
	),
	sinkPayloads,
)

var sinkPayloads = concatPayloads(
	payloadsOf(PayloadFileWrite,
		WritePathPlaceholder,
		WriteTraversalPlaceholder,
		"./"+WriteTraversalPlaceholder,
		"file://"+WritePathPlaceholder,
		"..\\"+WriteTraversalPlaceholder,
	),
	payloadsOf(PayloadSSRF,
		SSRFURLPlaceholder,
		SSRFHostPlaceholder,
		SSRFURLPlaceholder+"?q=1#",
		"http://localhost:"+SSRFHostPlaceholder,
		SSRFURLPlaceholder+"/../",
	),
	payloadsOf(PayloadOpenRedirect,
		"https://jetty-redirect.example/",
		"//jetty-redirect.example/",
		`/\jetty-redirect.example/`,
		"https:jetty-redirect.example",
		"https://jetty-redirect.example%2F@example.com/",
		"//jetty-redirect.example/%2F..",
	),
)

func concatPayloads(parts ...[]Payload) []Payload {
	var out []Payload
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
