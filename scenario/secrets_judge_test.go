package scenario

import (
	"strings"
	"testing"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

func TestSILJudgements(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		resp             response
		problem, unknown string
	}{
		{response{Status: 200}, "", ""},
		{response{Status: 401}, "", ""},
		{response{Dropped: true}, "POST /x = no response (the connection was dropped): the handler panicked", ""},
		{response{Status: 404}, "", "POST /x = 404: the request reached no handler"},
		{response{Status: 405}, "", "POST /x = 405: the request reached no handler"},
	} {
		p, u := silAnswer("POST /x", &tc.resp)
		if tc.problem == "" && p != "" || tc.problem != "" && !strings.HasPrefix(p, tc.problem) {
			t.Errorf("%v: problem %q, want %q", tc.resp, p, tc.problem)
		}
		if tc.unknown == "" && u != "" || tc.unknown != "" && !strings.HasPrefix(u, tc.unknown) {
			t.Errorf("%v: not proven %q, want %q", tc.resp, u, tc.unknown)
		}
	}
	p := silProbeOf("POST /checkout", Request{Method: "POST", Path: "/checkout", Body: []byte(`{"card_number": "4111 1111 1111 1111", "cvc": "123", "order": "A-123"}`)})
	var cvc silSecret
	for _, s := range p.secrets {
		if s.kind == silSAD {
			cvc = s
		}
	}
	if cvc.sad != probe.SADCode || cvc.value != "123" {
		t.Fatalf("secrets = %+v, want the CVC", p.secrets)
	}
	for _, tc := range []struct {
		f    silField
		want bool
	}{
		{silField{"cvc", "123"}, true},
		{silField{"card.cvv2", "123"}, true},
		{silField{"body", `{"cvc":"123","amount":5}`}, true},
		{silField{"msg", "charge cvc=123 ok"}, true},
		{silField{"order", "A-123"}, false},    // the same digits, not the CVC
		{silField{"amount", "1234"}, false},    // inside a longer number
		{silField{"cvc_result", "123"}, false}, // an outcome, not the code
		{silField{"cvc (its name)", "cvc"}, false},
	} {
		if got := silHit(cvc, tc.f, probe.Digits(tc.f.text)); got != tc.want {
			t.Errorf("silHit(CVC, %+v) = %v, want %v", tc.f, got, tc.want)
		}
	}
}
