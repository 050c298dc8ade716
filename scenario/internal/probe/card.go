package probe

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Card data, as PCI DSS v4 names it: the primary account number (PAN),
// which may be kept only unreadable (3.5.1) and shown at most as its BIN
// (first six digits) and last four (3.4.1), and sensitive authentication
// data — full track data, the card verification code, the PIN or PIN
// block — which must not be kept after authorization at all, not even
// encrypted (3.3.1).

// PANRun matches digits separated by at most one space, dash or dot.
var PANRun = regexp.MustCompile(`\d(?:[ .\-]?\d)+`)

// PANs returns the card numbers in s: runs of 13 to 19 digits, in any
// spacing, that pass the Luhn check, each as its digits.
func PANs(s string) []string {
	var out []string
	for _, run := range PANRun.FindAllString(s, -1) {
		d := Digits(run)
		if IsPAN(d) && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// IsPAN reports whether d, digits only, is 13 to 19 digits long and passes
// the Luhn check.
func IsPAN(d string) bool { return len(d) >= 13 && len(d) <= 19 && isDigits(d) && Luhn(d) }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// Digits removes the spaces, dashes and dots between digits, so that a
// card number in any spacing reads as its digits.
func Digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == ' ' || c == '-' || c == '.') && i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Luhn reports whether the digits d pass the Luhn check.
func Luhn(d string) bool {
	sum := 0
	for i := range len(d) {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// MaskPANs replaces every card number in s, in any spacing, with mask, and
// every masked form of one that shows a digit besides the first six and
// the last four (4111111111******).
func MaskPANs(s, mask string) string {
	s = PANRun.ReplaceAllStringFunc(s, func(run string) string {
		if IsPAN(Digits(run)) {
			return mask
		}
		return run
	})
	return maskedRun.ReplaceAllStringFunc(s, func(run string) string {
		var syms []rune
		for _, r := range run {
			if r != ' ' && r != '-' && r != '.' {
				syms = append(syms, r)
			}
		}
		for i, r := range syms {
			if i >= 6 && i < len(syms)-4 && unicode.IsDigit(r) && strings.ContainsAny(run, "*xX#•") {
				return mask
			}
		}
		return run
	})
}

// maskedRun matches a card number written with some digits masked.
var maskedRun = regexp.MustCompile(`[0-9*xX#•](?:[ .\-]?[0-9*xX#•]){12,18}`)

// OverShown returns the first form of pan in s that is masked but shows
// more than PCI DSS v4 3.4.1 allows — any digit besides the first six and
// the last four — with the digits it should not show masked, and how many
// digits it shows. A form whose shown digits disagree with pan is another
// number and is not returned; a whole pan is not "masked" (PANs finds it).
func OverShown(s, pan string) (form string, shown int) {
	for _, run := range maskedRun.FindAllString(s, -1) {
		syms := []rune{}
		for _, r := range run {
			if r != ' ' && r != '-' && r != '.' {
				syms = append(syms, r)
			}
		}
		if len(syms) != len(pan) {
			continue
		}
		masked, digits, over, agree := 0, 0, false, true
		var safe strings.Builder
		for i, r := range syms {
			if !unicode.IsDigit(r) {
				masked++
				safe.WriteRune('*')
				continue
			}
			digits++
			if byte(r) != pan[i] {
				agree = false
				break
			}
			if i >= 6 && i < len(pan)-4 {
				over = true
				safe.WriteRune('#')
				continue
			}
			safe.WriteRune(r)
		}
		if agree && masked > 0 && over {
			return safe.String(), digits
		}
	}
	return "", 0
}

var (
	track1 = regexp.MustCompile(`%?B(\d{13,19})\^[^^\n]{2,26}\^\d{4}`)
	track2 = regexp.MustCompile(`;?(\d{13,19})=\d{7}`)
)

// TrackData returns the position of the first magnetic-stripe track (track
// 1 "%B<PAN>^NAME^YYMM…" or track 2 ";<PAN>=YYMM<service code>…", the PAN
// passing the Luhn check) in b, or nil.
func TrackData(b []byte) []int {
	for _, re := range []*regexp.Regexp{track1, track2} {
		for _, m := range re.FindAllSubmatchIndex(b, -1) {
			if Luhn(string(b[m[2]:m[3]])) {
				return m[:2]
			}
		}
	}
	return nil
}

// SAD is a kind of sensitive authentication data.
type SAD string

// The kinds of sensitive authentication data (PCI DSS v4 3.3.1.1–3.3.1.3).
const (
	SADNone  SAD = ""
	SADTrack SAD = "full track data (the magnetic stripe)"
	SADCode  SAD = "the card verification code (CVV2/CVC2/CID)"
	SADPIN   SAD = "the PIN or PIN block"
)

// SADName reports what sensitive authentication data a field or column
// named name holds: cvv, cvc2, card_verification_code, securityCode, csc,
// track2, track_data, pin_block, card_pin… A name that only records an
// outcome (cvv_result, cvcCheck, pin_verified) holds none. A bare "pin" is
// the PIN only when strict (a request field); in storage it is too often
// something else (a pinned post).
func SADName(name string, strict bool) SAD {
	words := nameWords(name)
	has := func(w string) bool { return slices.Contains(words, w) }
	for _, w := range words {
		switch w {
		case "result", "results", "check", "checked", "verified", "match", "matched", "status", "valid", "response", "ok", "present", "indicator", "length", "len", "required", "enabled", "pinned":
			return SADNone
		}
	}
	switch {
	case has("cvv") || has("cvv2") || has("cvc") || has("cvc2") || has("cav2") || has("cvn") || has("cvn2") || has("csc") || has("cid") && has("card"),
		has("verification") && (has("card") || has("code") || has("value")),
		has("security") && has("code"):
		return SADCode
	case has("track1") || has("track2") || has("magstripe") || has("track") && (has("data") || has("1") || has("2")) || has("magnetic") && has("stripe"):
		return SADTrack
	case has("pinblock") || has("pin") && (has("block") || has("card")),
		strict && len(words) == 1 && words[0] == "pin":
		return SADPIN
	}
	return SADNone
}

// nameWords splits a name into lower-case words: at non-letters and
// non-digits, and at camelCase boundaries ("cardCvv2" → card, cvv2).
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1])):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}

// identifier matches names as they appear in a schema or a document.
var identifier = regexp.MustCompile(`[A-Za-z][A-Za-z0-9_]{1,48}`)

// SADNames returns each kind of sensitive authentication data that a name
// in b (a column of a schema, a key of a document) holds, with the first
// such name.
//
// Only a name written as text counts: bounded by characters that are not
// part of a name (nor of base64), with printable text around it, as in a
// schema ("cvv TEXT,") or a document ("\"cvc\":"); the same letters by
// chance inside ciphertext or base64 do not.
func SADNames(b []byte) map[SAD]string {
	out := map[SAD]string{}
	for _, loc := range identifier.FindAllIndex(b, -1) {
		lo, hi := loc[0], loc[1]
		if !textAround(b, lo, hi) {
			continue
		}
		m := string(b[lo:hi])
		if k := SADName(m, false); k != SADNone {
			if _, ok := out[k]; !ok {
				out[k] = m
			}
		}
	}
	return out
}

// textAround reports whether b[lo:hi] stands alone as a word of text: the
// bytes next to it are no name or base64 characters, and the four bytes on
// each side are printable.
func textAround(b []byte, lo, hi int) bool {
	word := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '+' || c == '/' || c == '='
	}
	if lo > 0 && word(b[lo-1]) || hi < len(b) && word(b[hi]) {
		return false
	}
	for i := max(0, lo-4); i < min(len(b), hi+4); i++ {
		if c := b[i]; (c < 0x20 || c > 0x7e) && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
