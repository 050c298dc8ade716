package scenario

import (
	"net/http"
	"strings"
	"testing"
)

func TestInjectionJudgements(t *testing.T) {
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
