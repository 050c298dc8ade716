// Package hang has a test that blocks forever when JETTY_TESTDATA_HANG is
// set, to be stopped by go test's -timeout.
package hang

import (
	"os"
	"testing"
)

func TestHang(t *testing.T) {
	if os.Getenv("JETTY_TESTDATA_HANG") == "" {
		t.Skip("set JETTY_TESTDATA_HANG=1 to hang")
	}
	select {}
}
