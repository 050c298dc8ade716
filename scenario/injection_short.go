package scenario

import "slices"

// Under go test -short, Injection sends each category's strongest probes
// instead of the whole corpus: the payloads each of its judgements needs
// in the contexts met most, so that every category is tried and every
// oracle can still judge. The full corpus adds the variants (other
// shapes, encodings and filter bypasses) that CI's full run sends.
//
//   - SQL: the quote that breaks a quoted query (error-based); the
//     differential oracle's OR shapes, quoted, quoted with a comment (a
//     LIKE '%…%' appends to the condition) and numeric, each with its four
//     conditions (7=7, 7=8, 3=3, 3=4: the oracle judges a shape only when
//     all four answered); and every UNION SELECT of the marker
//     (unionMarker: one to four columns, quoted and numeric; a UNION needs
//     the query's column count).
//   - XSS: one payload per context the judgement reads: markup, a
//     javascript: URL, a script as code, in a single- and a double-quoted
//     string, an event handler, an unquoted attribute, a client-side
//     template.
//   - command: output of a command after a separator, and the canary
//     touched after a separator, in $( ), quoted contexts, and with no
//     shell at all.
//   - the others: their plain form and their most common encoding or
//     bypass.
var injShortValues = map[PayloadCategory][]string{
	PayloadSQL:   {`'`}, // and every UNION of the marker (unionMarker)
	PayloadNoSQL: {`{"$gt": ""}`, `'; return true; var x='`},
	PayloadXSS: {
		`<script>alert(1337)</script>`,
		`javascript:alert(1337)`,
		`1;alert(1337)//`,
		`';alert(1337);//`,
		`";alert(1337);//`,
		`');alert(1337);//`,
		`x onmouseover=alert(1337) y`,
		`{{constructor.constructor('alert(1337)')()}}`,
	},
	PayloadCommand: {
		`; id`,
		`; touch JETTY_CANARY`,
		`$(touch JETTY_CANARY)`,
		`touch JETTY_CANARY`,
		`x'; touch JETTY_CANARY; echo '`,
		`x"; touch JETTY_CANARY; echo "`,
	},
	PayloadPathTraversal: {`../../../../../../etc/passwd`, `..%2f..%2f..%2f..%2f..%2fetc%2fpasswd`, `/etc/passwd`},
	PayloadTemplate:      {`{{7331*7919}}`, `${7331*7919}`, `<%= 7331*7919 %>`},
	PayloadCRLF:          {"\r\nX-Jetty-Injected: 1", `%0d%0aX-Jetty-Injected: 1`, `%0D%0ASet-Cookie: jetty_injected=1`},
	PayloadFormatString:  {`%s%s%s%s%s`, `%n%n%n%n`},
	PayloadOversized:     {mebiA, deepJSON, "1e400"},
	PayloadInvalidUTF8:   {"\xff\xfe", "\xc0\xae\xc0\xae\xc0\xaf", "a\x00b"},
	PayloadUnicode:       {"\u202Egnp.exe", "a\u200Bd\u200Cm\u200Di\uFEFFn", "\u2028\u2029"},
	PayloadFileWrite:     {WritePathPlaceholder, WriteTraversalPlaceholder},
	PayloadSSRF:          {SSRFURLPlaceholder, SSRFHostPlaceholder},
	PayloadOpenRedirect:  {"https://jetty-redirect.example/", "//jetty-redirect.example/", `/\jetty-redirect.example/`},
}

// injShortShapes are the differential oracle's shapes a -short run keeps
// (see sqlOracleShapes): the quoted OR, with and without a comment, and
// the numeric OR.
var injShortShapes = []int{1, 2, 3}

// injShort keeps the payloads of all that a -short run sends, in the
// corpus's order.
func injShort(all []Payload) []Payload {
	var out []Payload
	for _, p := range all {
		if p.oracle.shape > 0 && slices.Contains(injShortShapes, p.oracle.shape) || unionMarker(p) || slices.Contains(injShortValues[p.Category], p.Value) {
			out = append(out, p)
		}
	}
	return out
}
