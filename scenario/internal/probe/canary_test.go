package probe

import (
	"regexp"
	"testing"

	"github.com/jettymethod/jetty/internal/redact"
)

// TestCanaryHoldsNoCardNumber: a canary is stored and read back by checks
// that also judge card numbers (EncryptedAtRest under PCI DSS), so its
// random part must never hold a digit run that reads as one. CI saw
// "jetty-canary-df6820198002748a": 6820198002748 passes Luhn, so the
// holder field's canary counted as a whole card number shown on read, and
// the log redacted part of it.
func TestCanaryHoldsNoCardNumber(t *testing.T) {
	digitRun := regexp.MustCompile(`[0-9]{4,}`)
	hex := regexp.MustCompile(`^[0-9a-f]{16}$`)
	seen := map[string]bool{}
	for range 20000 {
		canary, random := Canary()
		if canary != CanaryPrefix+random {
			t.Fatalf("Canary() = %q, %q: want the prefix and the random part", canary, random)
		}
		if !hex.MatchString(random) {
			t.Fatalf("Canary() random part %q: want 16 hex digits", random)
		}
		if r := digitRun.FindString(random); r != "" {
			t.Fatalf("Canary() = %q holds the digit run %q: want at most 3 digits in a row, so no part of it reads as a card number", canary, r)
		}
		if pans := PANs(canary); len(pans) > 0 {
			t.Fatalf("PANs(%q) = %q, want none", canary, pans)
		}
		if got := redact.String(canary); got != canary {
			t.Fatalf("redact.String(%q) = %q, want it unchanged", canary, got)
		}
		if seen[random] {
			t.Fatalf("Canary() repeated %q", random)
		}
		seen[random] = true
	}
	if old := "jetty-canary-df6820198002748a"; len(PANs(old)) != 1 {
		t.Fatalf("PANs(%q) = %q: the canary CI saw should read as a card number; the test no longer shows the case", old, PANs(old))
	}
}
