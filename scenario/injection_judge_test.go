package scenario

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestInjectionJudgements(t *testing.T) {
	t.Parallel()
	base := &response{Status: 200, Header: http.Header{}, Body: []byte("ok")}
	html := func(body string) *response {
		return &response{Status: 200, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte(body)}
	}
	xss := Payload{Category: PayloadXSS, Value: "<script>alert(1337)</script>"}
	if ps := injJudge(xss, base, html("<p>&lt;script&gt;alert(1337)&lt;/script&gt;</p>")); len(ps) != 0 {
		t.Errorf("escaped reflection: %q", ps)
	}
	if ps := injJudge(xss, base, html("<p><script>alert(1337)</script></p>")); len(ps) != 1 || !strings.Contains(ps[0], "unescaped") {
		t.Errorf("raw reflection: %q", ps)
	}
	sqlErr := &response{Status: 400, Header: http.Header{}, Body: []byte(`near "'": syntax error`)}
	if ps := injJudge(Payload{Category: PayloadSQL, Value: "'"}, base, sqlErr); len(ps) != 1 || !strings.Contains(ps[0], "parameterised queries") {
		t.Errorf("SQL error: %q", ps)
	}
	if ps := injJudge(Payload{Category: PayloadSQL, Value: "'"}, sqlErr, sqlErr); len(ps) != 0 {
		t.Errorf("an error the baseline shows too: %q", ps)
	}
	if ps := injJudge(Payload{Category: PayloadSQL, Value: "'"}, base, &response{Dropped: true}); len(ps) != 1 {
		t.Errorf("dropped: %q", ps)
	}
	if p := injReachableProblem(Input{In: InQuery, Name: "q"}, &response{Status: 404}); !strings.Contains(p, "not reachable") {
		t.Errorf("404 baseline: %q", p)
	}
	if p := injCanaryProblem("relative"); !strings.Contains(p, "not an absolute path") {
		t.Errorf("relative canary: %q", p)
	}
	if got := injSentSummary(map[PayloadCategory]int{PayloadSQL: 2, PayloadXSS: 1}, 3, 1, 4); got != "sent 3 payloads into 1 inputs: sql 2, xss 1 (4 skipped: control bytes cannot travel in a header)" {
		t.Errorf("summary = %q", got)
	}
	if ps := injConfigProblems(Injection{MaxPayloads: -1}); len(ps) != 2 {
		t.Errorf("config problems: %q", ps)
	}
}

func TestInjectionOracleVerdict(t *testing.T) {
	t.Parallel()
	r := func(status int, body string) *response { return &response{Status: status, Body: []byte(body)} }
	echo := &[4]*response{r(200, "no rows for x' OR '7'='7"), r(200, "no rows for x' OR '7'='8"), r(200, "no rows for x' OR '3'='3"), r(200, "no rows for x' OR '3'='4")}
	if v := injOracleVerdict(echo); v != injOracleSame {
		t.Errorf("an echo of the input: verdict %d, want same", v)
	}
	logic := &[4]*response{r(200, "alice bob"), r(200, "alice"), r(200, "alice bob"), r(200, "alice")}
	if v := injOracleVerdict(logic); v != injOracleDiffers {
		t.Errorf("all rows for true, one for false: verdict %d, want differs", v)
	}
	status := &[4]*response{r(200, "ok"), r(404, "ok"), r(200, "ok"), r(404, "ok")}
	if v := injOracleVerdict(status); v != injOracleDiffers {
		t.Errorf("200 for true, 404 for false: verdict %d, want differs", v)
	}
	noisy := &[4]*response{r(200, "a1b2"), r(200, "c3d4"), r(200, "e5f6"), r(200, "g7h8")}
	if v := injOracleVerdict(noisy); v != injOracleUnstable {
		t.Errorf("a body that changes on every request: verdict %d, want unstable", v)
	}
	more := &[4]*response{r(200, "alice"), r(200, "alice"), r(200, "alice bob"), r(200, "alice")}
	if v := injOracleVerdict(more); v != injOracleUnstable {
		t.Errorf("true answers of different words: verdict %d, want unstable", v)
	}
	// A row's ID that grows a digit (examples/login's POST /notes answers
	// each payload with the note it created: note 9, then note 10) is a
	// word that changes on every request, like a request ID.
	longer := &[4]*response{r(200, "alice id=1"), r(200, "alice id=12"), r(200, "alice id=123"), r(200, "alice id=1234")}
	if v := injOracleVerdict(longer); v != injOracleSame {
		t.Errorf("an ID that grows a digit: verdict %d, want same", v)
	}
	note := func(id int, cond string) *response {
		return r(201, fmt.Sprintf(`{"id":%d,"body":"jetty' OR %s-- "}`, id, cond))
	}
	created := &[4]*response{note(8, "7=7"), note(10, "7=8"), note(9, "3=3"), note(11, "3=4")}
	if v := injOracleVerdict(created); v != injOracleSame {
		t.Errorf("rows created with IDs 8 to 11: verdict %d, want same", v)
	}
	// A request ID in every answer (examples/login's error bodies carry
	// one): the bytes where the two true answers differ are ignored.
	id := func(body, rid string) string { return body + ` {"request_id":"` + rid + `"}` }
	withID := &[4]*response{r(200, id("no rows", "9f2c41d0")), r(200, id("no rows", "77ab03e1")), r(200, id("no rows", "c0ffee42")), r(200, id("no rows", "1234abcd"))}
	if v := injOracleVerdict(withID); v != injOracleSame {
		t.Errorf("a request ID in the body of a safe answer: verdict %d, want same", v)
	}
	logicID := &[4]*response{r(200, id("alice bob", "9f2c41d0")), r(200, id("alice", "77ab03e1")), r(200, id("alice bob", "c0ffee42")), r(200, id("alice", "1234abcd"))}
	if v := injOracleVerdict(logicID); v != injOracleDiffers {
		t.Errorf("all rows for true, one for false, with a request ID: verdict %d, want differs", v)
	}
	sameLenID := &[4]*response{r(200, id("rows: 2", "9f2c41d0")), r(200, id("rows: 0", "77ab03e1")), r(200, id("rows: 2", "c0ffee42")), r(200, id("rows: 0", "1234abcd"))}
	if v := injOracleVerdict(sameLenID); v != injOracleDiffers {
		t.Errorf("a count that differs in one byte, with a request ID: verdict %d, want differs", v)
	}
	once := &[4]*response{r(200, "alice bob"), r(200, "alice"), r(200, "alice bob"), r(200, "alice bob")}
	if v := injOracleVerdict(once); v != injOracleSame {
		t.Errorf("one differing pair of two: verdict %d, want same", v)
	}
	union := Payload{Category: PayloadSQL, Value: "0 UNION SELECT 7331*7927-- "}
	base := r(200, "no user")
	if ps := injJudge(union, base, r(200, "<td>58112837</td>")); len(ps) != 1 || !strings.Contains(ps[0], "a UNION SELECT in the input added its own row") {
		t.Errorf("the UNION marker: %q", ps)
	}
	if ps := injJudge(union, base, r(200, "request a58112837f")); len(ps) != 0 {
		t.Errorf("the marker inside an ID: %q", ps)
	}
}

func TestInjectionHTMLContext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		ctx  int
		attr string
	}{
		{`<p>HERE</p>`, injCtxText, ""},
		{`<input type=text value=HERE>`, injCtxTag, "value"},
		{`<input disabled value="HERE">`, injCtxAttr, "value"},
		{`<button onclick='go(HERE)'>`, injCtxAttr, "onclick"},
		{`<script>var a = "x</p>"; HERE</script>`, injCtxScript, ""},
		{`<script>1</script><p>HERE`, injCtxText, ""},
		{`<!-- <script> HERE -->`, injCtxComment, ""},
		{`<title>HERE</title>`, injCtxRawText, ""},
	} {
		idx := strings.Index(tc.body, "HERE")
		ctx, attr, _ := injHTMLContext([]byte(tc.body), idx)
		if ctx != tc.ctx || attr != tc.attr {
			t.Errorf("%s: context %d %q, want %d %q", tc.body, ctx, attr, tc.ctx, tc.attr)
		}
	}
	for _, tc := range []struct {
		prefix, v string
		runs      bool
	}{
		{`var a = `, `1;alert(1337)//`, true},
		{`var a = '`, `1;alert(1337)//`, false},
		{`var a = '`, `';alert(1337);//`, true},
		{`var a = "\`, `";alert(1337);//`, false},
		{"var a = `", `${alert(1337)}`, true},
		{`// `, `1;alert(1337)`, false},
	} {
		if got := jsRuns(tc.prefix, tc.v); got != tc.runs {
			t.Errorf("jsRuns(%q, %q) = %v", tc.prefix, tc.v, got)
		}
	}
}

func TestInjectionSinkJudgements(t *testing.T) {
	t.Parallel()
	redirect := func(status int, loc string) *response {
		return &response{Status: status, Header: http.Header{"Location": {loc}}}
	}
	for loc, open := range map[string]bool{
		"https://jetty-redirect.example/":                true,
		"//jetty-redirect.example/":                      true,
		`/\jetty-redirect.example/`:                      true,
		"https:jetty-redirect.example":                   true,
		"/login?next=https://jetty-redirect.example/":    false,
		"https://jetty-redirect.example%2F@example.com/": false,
		"/": false,
	} {
		if got := injRedirectProblem(redirect(302, loc)) != ""; got != open {
			t.Errorf("Location %q: open redirect = %v, want %v", loc, got, open)
		}
	}
	if p := injRedirectProblem(redirect(200, "https://jetty-redirect.example/")); p != "" {
		t.Errorf("a Location on a 200 is no redirect: %q", p)
	}
	refresh := &response{Status: 200, Header: http.Header{"Refresh": {"0; url=//jetty-redirect.example/"}}}
	if p := injRedirectProblem(refresh); p == "" {
		t.Error("a Refresh header to the canary host is an open redirect")
	}
	if got := injCookieValue("plain-value_1"); got != "plain-value_1" {
		t.Errorf("injCookieValue(plain) = %q", got)
	}
	if got := injCookieValue(`' OR 1=1; --`); got != "%27+OR+1%3D1%3B+--" {
		t.Errorf("injCookieValue(sql) = %q", got)
	}
	if p := injCommandEffect("; touch /tmp/c", "/tmp/c"); !strings.Contains(p, "a shell ran") {
		t.Errorf("shell syntax: %q", p)
	}
	for _, v := range []string{"touch /tmp/c", "\ntouch /tmp/c"} {
		if p := injCommandEffect(v, "/tmp/c"); strings.Contains(p, "shell ran") || !strings.Contains(p, "ran as a command") {
			t.Errorf("%q: %q", v, p)
		}
	}
}

// The oracle's word walk takes any bytes: no panic, four alike answers are
// alike, and a verdict needs both pairs to differ.
func FuzzInjectionOracleVerdict(f *testing.F) {
	f.Add([]byte("alice bob"), []byte("alice"), []byte(`{"id":9}`), []byte(`{"id":10}`))
	f.Add([]byte(""), []byte("\xff"), []byte("a-b"), []byte("a+b"))
	f.Fuzz(func(t *testing.T, a, b, c, d []byte) {
		r := func(body []byte) *response { return &response{Status: 200, Body: body} }
		if v := injOracleVerdict(&[4]*response{r(a), r(a), r(a), r(a)}); v != injOracleSame {
			t.Errorf("four answers %q: verdict %d, want same", a, v)
		}
		v := injOracleVerdict(&[4]*response{r(a), r(b), r(c), r(d)})
		if v == injOracleDiffers && (string(a) == string(b) || string(c) == string(d)) {
			t.Errorf("answers %q: differs, yet one pair is equal", []string{string(a), string(b), string(c), string(d)})
		}
	})
}
