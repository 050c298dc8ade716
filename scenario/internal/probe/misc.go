package probe

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"testing/synctest"
)

func sortStrings(s []string) { slices.Sort(s) }

// CanaryPrefix starts every canary.
const CanaryPrefix = "jetty-canary-"

// Canary returns a new canary, a value that appears nowhere by chance, and
// its random part (what a leak check looks for in encodings of it): 16 hex
// digits, every fourth one a letter, so that no part of a canary reads as
// a card number (a Luhn-valid run of 13 digits) or is masked by the log's
// redaction. That leaves about 58 random bits.
func Canary() (canary, random string) {
	b := make([]byte, 12)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	h := []byte(hex.EncodeToString(b[:8]))
	for i := 3; i < len(h); i += 4 {
		h[i] = "abcdef"[int(b[8+i/4])%6]
	}
	return CanaryPrefix + string(h), string(h)
}

// Call calls fn and returns the value it panicked with, or nil. A panic
// with a nil value is one too (runtime.PanicNilError).
func Call(fn func()) (panicked any) {
	defer func() { panicked = recover() }()
	fn()
	return nil
}

// CallErr calls fn, turning a panic into an error.
func CallErr(fn func() error) (err error) {
	if p := Call(func() { err = fn() }); p != nil {
		return fmt.Errorf("panicked: %v", p)
	}
	return err
}

// InBubble reports whether the calling goroutine runs in a testing/synctest
// bubble: synctest.Wait panics outside one.
func InBubble() (in bool) {
	defer func() {
		if recover() != nil {
			in = false
		}
	}()
	synctest.Wait()
	return true
}
