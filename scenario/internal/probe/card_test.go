package probe

import "testing"

func TestPANs(t *testing.T) {
	for s, want := range map[string]int{
		"card 4111 1111 1111 1111":                 1,
		`{"card":"4111-1111-1111-1111"}`:           1,
		"4111.1111.1111.1111 and 5500000000000004": 2,
		"4111111111111112":                         0, // fails Luhn
		"order 1234":                               0,
	} {
		if got := PANs(s); len(got) != want {
			t.Errorf("PANs(%q) = %v, want %d", s, got, want)
		}
	}
	for s, want := range map[string]string{
		"card 4111 1111 1111 1111 ok": "card [X] ok",
		"card 4111111111****** ok":    "card [X] ok",
		"card 411111******1111 ok":    "card 411111******1111 ok",
		"order 1234567":               "order 1234567",
	} {
		if got := MaskPANs(s, "[X]"); got != want {
			t.Errorf("MaskPANs(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestOverShown(t *testing.T) {
	const pan = "4111111111111111"
	for s, want := range map[string]string{
		"411111******1111":    "",                 // BIN and last four: allowed
		"4111********1111":    "",                 // less: allowed
		"************1111":    "",                 // last four: allowed
		"411111111111****":    "411111######****", // twelve digits shown
		"4111 1111 1111 ****": "411111######****",
		"41111111****1111":    "411111##****1111",
		"5500 0000 **** 0004": "", // another card
		"4111111111111111":    "", // whole: PANs finds it
	} {
		if got, _ := OverShown(s, pan); got != want {
			t.Errorf("OverShown(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestTrackData(t *testing.T) {
	for s, want := range map[string]bool{
		"%B4111111111111111^DOE/JOHN^2512101000000000000?": true,
		";4111111111111111=25121010000000000000?":          true,
		"id=1234567890123=1234567":                         false,
		"user=alice":                                       false,
	} {
		if got := TrackData([]byte(s)) != nil; got != want {
			t.Errorf("TrackData(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestSADName(t *testing.T) {
	for name, want := range map[string]SAD{
		"cvv": SADCode, "CVC": SADCode, "cvc2": SADCode, "card_cvv": SADCode, "cardCvv": SADCode, "securityCode": SADCode,
		"card_verification_value": SADCode, "csc": SADCode,
		"track2": SADTrack, "track_data": SADTrack, "trackData": SADTrack, "magstripe": SADTrack,
		"pin_block": SADPIN, "pinBlock": SADPIN, "card_pin": SADPIN,
		"cvv_result": SADNone, "cvcCheck": SADNone, "pin": SADNone, "pinned": SADNone, "email": SADNone, "tracking": SADNone,
		"code": SADNone, "card_number": SADNone,
	} {
		if got := SADName(name, false); got != want {
			t.Errorf("SADName(%q) = %q, want %q", name, got, want)
		}
	}
	if got := SADName("pin", true); got != SADPIN {
		t.Errorf("SADName(pin, strict) = %q", got)
	}
	got := SADNames([]byte("CREATE TABLE cards (id INTEGER, pan_token TEXT, cvv TEXT, track2 BLOB, pinned INT)"))
	if got[SADCode] != "cvv" || got[SADTrack] != "track2" || len(got) != 2 {
		t.Errorf("SADNames = %v", got)
	}
	for _, s := range []string{"\x01\x9c cvv\x00\x13", "aGVsbG8+cvv/d29ybGQ=", "xcvvx"} {
		if got := SADNames([]byte(s)); len(got) != 0 {
			t.Errorf("SADNames(%q) = %v, want none: not a name written as text", s, got)
		}
	}
	if got := SADNames([]byte(`{"id":"c1","cvc":"123"}`)); got[SADCode] != "cvc" {
		t.Errorf("SADNames(JSON) = %v", got)
	}
}
