package probe_test

import (
	"strings"
	"testing"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// FuzzMaskPANs feeds the card-data detectors any text: they must not
// panic, what MaskPANs leaves holds no card number and no masked form that
// shows more than the first six and last four digits, and OverShown never
// returns one of the digits it says must not be shown.
func FuzzMaskPANs(f *testing.F) {
	for _, s := range []string{
		"4111 1111 1111 1111", "4111111111111111", "411111******1111", "411111111111****", "4111-1111-1111-****",
		"card=4111.1111.1111.1111&cvc=123", ";4111111111111111=30121010000000000000?", "%B4111111111111111^DOE/J^3012",
		"•••• •••• •••• 1111", "x4111111111111111x", "", "\xff\xfe", "cardCvv2 pin_block track2",
	} {
		f.Add(s)
	}
	const pan = "4111111111111111"
	f.Fuzz(func(t *testing.T, s string) {
		m := probe.MaskPANs(s, "[REDACTED]")
		if got := probe.PANs(m); len(got) > 0 {
			t.Errorf("MaskPANs(%q) = %q, still holding %d card number(s)", s, m, len(got))
		}
		if form, _ := probe.OverShown(m, pan); form != "" {
			t.Errorf("MaskPANs(%q) = %q, still showing %q", s, m, form)
		}
		if form, shown := probe.OverShown(s, pan); form != "" {
			if strings.ContainsAny(form[6:len(form)-4], "0123456789") || shown <= 0 {
				t.Errorf("OverShown(%q) = %q, %d: shows a digit it must not", s, form, shown)
			}
		}
		probe.TrackData([]byte(s))
		probe.SADNames([]byte(s))
		probe.KeysIn([]byte(s))
	})
}
