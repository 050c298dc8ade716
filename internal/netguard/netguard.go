// Package netguard is the loopback guard every outgoing connection of the
// module goes through: load runs (loadtest) and checks (scenario) send
// traffic only to 127.0.0.0/8 and ::1 unless the caller lifts the guard for
// a host it owns. The guard decides on the address actually dialed, after
// name resolution, as a net.Dialer Control function, so a name that
// resolves elsewhere ("localhost" mapped to another address in /etc/hosts)
// is refused too.
//
// Standard library only: leaf packages (loadtest) may import it.
package netguard

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// ErrNotLoopback is wrapped by the error of every refused dial.
var ErrNotLoopback = errors.New("not a loopback address")

// Control returns a net.Dialer Control function that refuses every address
// but loopback unless allowRemote is set.
func Control(allowRemote bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowRemote {
			return nil
		}
		return Check(address)
	}
}

// Check returns nil when address (host:port, or a host) is a loopback IP,
// else an error wrapping ErrNotLoopback.
func Check(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i] // a zone does not make an address loopback
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refused to connect to %s: %w (only 127.0.0.0/8 and ::1 unless the guard is lifted for a host you own)", address, ErrNotLoopback)
}

// IsLoopbackHost reports whether a URL's host is "localhost" or a loopback
// IP literal: the check on the URL's spelling made before any dial. The
// dial itself is checked again by Control.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
