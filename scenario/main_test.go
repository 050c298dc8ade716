package scenario_test

import (
	"testing"

	"go.uber.org/goleak"
)

// net/http's server lingers up to 500ms on a connection whose request body
// it did not read to the end (closeWriteAndWait), after Server.Close: the
// in-process target's connection after an oversized payload. It ends by
// itself; a focused run (-run) that ends just then is not a leak.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"))
}
