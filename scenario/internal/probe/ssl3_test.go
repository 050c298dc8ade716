package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// fakeSSL3 accepts one connection, reads the ClientHello and answers with
// reply.
func fakeSSL3(t *testing.T, reply []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var head [5]byte
		if _, err := io.ReadFull(c, head[:]); err != nil || head[0] != 22 || head[1] != 3 || head[2] != 0 {
			return
		}
		io.CopyN(io.Discard, c, int64(head[3])<<8|int64(head[4]))
		c.Write(reply)
	}()
	return ln.Addr().String()
}

func TestSSL3Accepted(t *testing.T) {
	// An SSL 3.0 ServerHello: record 22 3 0, handshake 2, length, version 3 0.
	hello := []byte{22, 3, 0, 0, 6, 2, 0, 0, 2, 3, 0}
	if ok, err := SSL3Accepted(context.Background(), nil, fakeSSL3(t, hello)); !ok || err != nil {
		t.Errorf("SSL 3.0 ServerHello: SSL3Accepted = %v, %v; want true", ok, err)
	}
	alert := []byte{21, 3, 0, 0, 2, 2, 70} // protocol_version
	if ok, err := SSL3Accepted(context.Background(), nil, fakeSSL3(t, alert)); ok || err != nil {
		t.Errorf("alert: SSL3Accepted = %v, %v; want false", ok, err)
	}
	// The guard refuses before any connection is made.
	if _, err := SSL3Accepted(context.Background(), &net.Dialer{Control: Guard(false)}, "192.0.2.1:443"); !errors.Is(err, ErrNotLoopback) {
		t.Errorf("guarded dial to 192.0.2.1: err = %v, want ErrNotLoopback", err)
	}
	// Go's TLS server refuses SSL 3.0.
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{}
	srv.StartTLS()
	defer srv.Close()
	if ok, err := SSL3Accepted(context.Background(), nil, srv.Listener.Addr().String()); ok || err != nil {
		t.Errorf("Go's TLS server: SSL3Accepted = %v, %v; want false", ok, err)
	}
}
