package scenario_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleTLS() {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		fmt.Fprint(w, "hello")
	})
	srv := httptest.NewUnstartedServer(app)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the probes' refused handshakes
	srv.TLS = &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Mozilla "intermediate": ECDHE with AES-GCM or ChaCha20-Poly1305.
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
	srv.StartTLS()
	defer srv.Close()

	err := scenario.TLS{
		Target: scenario.URL(srv.URL).TrustCert(srv.Certificate()),
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
