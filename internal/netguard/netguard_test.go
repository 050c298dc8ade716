package netguard_test

import (
	"errors"
	"testing"

	"github.com/jettymethod/jetty/internal/netguard"
)

func TestCheck(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:80": true, "127.1.2.3:8080": true, "[::1]:443": true, "::1": true,
		"203.0.113.5:80": false, "10.0.0.1:80": false, "169.254.169.254:80": false, "[::ffff:127.0.0.1]:80": true,
		"[fe80::1%lo]:80": false, "0.0.0.0:80": false, "localhost:80": false, "": false,
	} {
		err := netguard.Check(addr)
		if (err == nil) != ok {
			t.Errorf("Check(%q) = %v, want ok=%v", addr, err, ok)
		}
		if err != nil && !errors.Is(err, netguard.ErrNotLoopback) {
			t.Errorf("Check(%q) = %v, want it to wrap ErrNotLoopback", addr, err)
		}
	}
	if err := netguard.Control(true)("tcp", "203.0.113.5:80", nil); err != nil {
		t.Errorf("Control(true) refused: %v", err)
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "::1": true,
		"localhost.evil.example": false, "2130706433": false, "0x7f000001": false, "example.com": false, "": false,
	} {
		if got := netguard.IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}
