package probe

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"time"
)

// SSL3Accepted sends addr an SSL 3.0 ClientHello (RFC 6101 §5.6.1.2) that
// offers only SSL 3.0, and reports whether the server answers with an SSL
// 3.0 ServerHello. Go's crypto/tls no longer implements SSL 3.0, so this is
// the only way to ask. An alert, a close, or a ServerHello of another
// version is a refusal (false, nil); err is set only when no answer came.
// It dials with d (a nil d is a plain net.Dialer; give one whose Control is
// Guard to keep to loopback).
func SSL3Accepted(ctx context.Context, d *net.Dialer, addr string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if d == nil {
		d = &net.Dialer{}
	}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := conn.Write(ssl3ClientHello()); err != nil {
		return false, err
	}
	return ssl3ServerHello(conn)
}

// ssl3Suites are SSL 3.0 cipher suites a server that still speaks it would
// pick: RSA with 3DES, AES, RC4; and the renegotiation SCSV.
var ssl3Suites = []uint16{0x000a, 0x002f, 0x0035, 0x0005, 0x0004, 0x0016, 0x0033, 0x0039, 0x00ff}

func ssl3ClientHello() []byte {
	body := []byte{3, 0} // client_version SSL 3.0
	random := make([]byte, 32)
	rand.Read(random)
	body = append(body, random...)
	body = append(body, 0) // no session id
	body = binary.BigEndian.AppendUint16(body, uint16(2*len(ssl3Suites)))
	for _, s := range ssl3Suites {
		body = binary.BigEndian.AppendUint16(body, s)
	}
	body = append(body, 1, 0) // compression: null
	hs := append([]byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	rec := []byte{22, 3, 0, byte(len(hs) >> 8), byte(len(hs))}
	return append(rec, hs...)
}

// ssl3ServerHello reads the first record: true when it is a handshake
// record of SSL 3.0 opening with a ServerHello whose server_version is SSL
// 3.0.
func ssl3ServerHello(r io.Reader) (bool, error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return false, nil // closed: refused
		}
		var ne net.Error
		if errors.As(err, &ne) && !ne.Timeout() {
			return false, nil // reset: refused
		}
		return false, err
	}
	if head[0] != 22 { // an alert, or not TLS at all
		return false, nil
	}
	var hello [6]byte
	if _, err := io.ReadFull(r, hello[:]); err != nil {
		return false, nil
	}
	return hello[0] == 2 && hello[4] == 3 && hello[5] == 0, nil
}
