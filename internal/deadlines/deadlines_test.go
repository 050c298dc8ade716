package deadlines

import (
	"testing"
	"time"
)

func TestDivide(t *testing.T) {
	if got := Of(10 * time.Second); got != 10*time.Second {
		t.Fatalf("unset: Of(10s) = %v", got)
	}
	restore := Divide(5)
	if got := Of(10 * time.Second); got != 2*time.Second {
		t.Errorf("divided by 5: Of(10s) = %v, want 2s", got)
	}
	restore()
	if got := Of(10 * time.Second); got != 10*time.Second {
		t.Errorf("restored: Of(10s) = %v", got)
	}
}
