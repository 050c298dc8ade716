package main

import (
	"testing"

	"go.uber.org/goleak"
)

// net/http's server lingers up to 500ms on a connection whose request body
// a handler did not read to the end (closeWriteAndWait), after the check
// closed it: Injection's oversized payloads do that. It ends by itself; a
// focused run (-run) that ends just then is not a leak.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"))
}
