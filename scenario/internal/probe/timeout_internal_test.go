package probe

import (
	"net/http"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/deadlines"
)

// A request's deadline is DefaultTimeout, 10s, unless a test of this
// module divides it (internal/deadlines).
func TestDefaultTimeoutIsTenSeconds(t *testing.T) {
	c, err := Open(Config{Handler: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.cfg.Timeout != 10*time.Second {
		t.Errorf("default timeout %v, want 10s", c.cfg.Timeout)
	}
	defer deadlines.Divide(4)()
	d, err := Open(Config{Handler: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.cfg.Timeout != 2500*time.Millisecond {
		t.Errorf("divided by 4: timeout %v, want 2.5s", d.cfg.Timeout)
	}
}
