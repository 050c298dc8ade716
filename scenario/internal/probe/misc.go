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
// its random part (what a leak check looks for in encodings of it).
func Canary() (canary, random string) {
	b := make([]byte, 8)
	rand.Read(b)
	random = hex.EncodeToString(b)
	return CanaryPrefix + random, random
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
