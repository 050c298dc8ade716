package scenario

import (
	"strings"
	"testing"
)

func TestMetricsJudgements(t *testing.T) {
	t.Parallel()
	for ct, want := range map[string]string{
		"text/plain; version=0.0.4; charset=utf-8": "",
		"text/plain": "",
		"application/openmetrics-text; version=1.0.0": "",
		"application/json":                            `Content-Type "application/json", want`,
		"text/plain; version=1.0.0":                   "Prometheus refuses other types",
	} {
		if got := metricsContentType(ct); want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("metricsContentType(%q) = %q, want %q", ct, got, want)
		}
	}
	e, err := ParseExposition([]byte("go_x_requests_total 1\nhttp_requests_total{code=\"200\"} 3\nhttp_requests_total{code=\"500\"} 1\nreq_latency_count 4\nreq_latency_sum 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if names, p := metricsCounters(e, "", "/metrics"); p != "" || len(names) != 1 || names[0] != "http_requests_total" {
		t.Errorf("metricsCounters = %v, %q", names, p)
	}
	if _, p := metricsCounters(e, "hits", "/metrics"); !strings.Contains(p, `Counter "hits" is not exported at GET /metrics`) {
		t.Errorf("metricsCounters(hits) problem = %q", p)
	}
	if bases, p := metricsLatencies(e, "", "/metrics"); p != "" || len(bases) != 1 || bases[0] != "req_latency" {
		t.Errorf("metricsLatencies = %v, %q", bases, p)
	}
	before, _ := ParseExposition([]byte("http_requests_total{code=\"500\"} 0\n"))
	if rose := metricsErrorsRose(before, e); len(rose) != 1 || rose[0] != `http_requests_total{code="500"} +1` {
		t.Errorf("metricsErrorsRose = %v", rose)
	}
}

func TestMetricsHistogramProblems(t *testing.T) {
	t.Parallel()
	e, err := ParseExposition([]byte(`# TYPE h histogram
h_bucket{path="/a",le="1"} 2
h_bucket{path="/a",le="+Inf"} 3
h_sum{path="/a"} 1
h_count{path="/a"} 3
h_bucket{path="/b",le="+Inf"} 4
h_bucket{path="/b",le="1"} 5
h_sum{path="/b"} 1
h_count{path="/b"} 4
h_bucket{path="/c",le="x"} 1
h_bucket{path="/d",le="+Inf"} 1
h_sum{path="/d"} 1
# TYPE g gaugehistogram
g_bucket{le="1"} 5
g_bucket{le="+Inf"} 1
`))
	if err != nil {
		t.Fatal(err)
	}
	got := metricsHistogramProblems(e)
	want := []string{
		`histogram h{path="/b"}: bucket le="+Inf" = 4 is below le="1" = 5`,
		`histogram h{path="/c"}: bucket le="x" is not a number`,
		`histogram h{path="/d"} has no _count`,
	}
	if len(got) != len(want) {
		t.Fatalf("metricsHistogramProblems = %q, want %d problems", got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q, want %q", i, got[i], want[i])
		}
	}
}
