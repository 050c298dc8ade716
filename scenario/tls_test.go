package scenario_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// tlsGoodSuites is Mozilla intermediate's TLS 1.2 list.
var tlsGoodSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// tlsGoodConfig is a server configuration TLS accepts.
func tlsGoodConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: tlsGoodSuites}
}

// tlsApp answers 200 with HSTS unless noHSTS; hsts overrides its value.
func tlsApp(hsts string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hsts != "" {
			w.Header().Set("Strict-Transport-Security", hsts)
		}
		fmt.Fprint(w, "ok")
	})
}

const tlsHSTS = "max-age=31536000; includeSubDomains"

// tlsServer starts an httptest TLS server with cfg (and cert, when not
// nil) that logs no handshake errors.
func tlsServer(t *testing.T, h http.Handler, cfg *tls.Config, cert *tls.Certificate) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// tlsCert makes a self-signed ECDSA certificate for dns names and ips.
func tlsCert(t *testing.T, notBefore, notAfter time.Time, dns []string, ips ...net.IP) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "jetty test"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsTarget is srv's URL trusting its certificate.
func tlsTarget(srv *httptest.Server) scenario.Target {
	return scenario.URL(srv.URL).TrustCert(srv.Certificate())
}

func TestTLSPassesCorrectServer(t *testing.T) {
	t.Parallel()
	srv := tlsServer(t, tlsApp(tlsHSTS), tlsGoodConfig(), nil)
	if err := (scenario.TLS{Target: tlsTarget(srv)}).Verify(t.Context()); err != nil {
		t.Fatalf("Verify on a correct server: %v", err)
	}
	// A generated ECDSA certificate, trusted through RootCAs.
	now := time.Now()
	cert := tlsCert(t, now.Add(-time.Hour), now.Add(90*24*time.Hour), []string{"localhost"}, net.IPv4(127, 0, 0, 1))
	srv = tlsServer(t, tlsApp(tlsHSTS), tlsGoodConfig(), &cert)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	if err := (scenario.TLS{Target: scenario.URL(srv.URL).RootCAs(pool)}).Verify(t.Context()); err != nil {
		t.Fatalf("Verify on a correct server with an ECDSA certificate: %v", err)
	}
}

func TestTLSCatchesBrokenServers(t *testing.T) {
	t.Parallel()
	now := time.Now()
	day := 24 * time.Hour
	loop := net.IPv4(127, 0, 0, 1)
	certFor := func(nb, na time.Time, dns ...string) *tls.Certificate {
		c := tlsCert(t, nb, na, dns, loop)
		return &c
	}
	for _, tc := range []struct {
		name    string
		cfg     *tls.Config
		cert    *tls.Certificate
		hsts    string
		untrust bool
		n       int // the number of problems, when it matters
		want    []string
	}{
		{name: "TLS 1.0 and 1.1 allowed", cfg: &tls.Config{MinVersion: tls.VersionTLS10}, hsts: tlsHSTS, want: []string{
			"a client offering only TLS 1.0 completed a handshake with 127.0.0.1:",
			"a client offering only TLS 1.1 completed a handshake",
			"set tls.Config.MinVersion = tls.VersionTLS12 (RFC 8996",
		}},
		{name: "3DES accepted", cfg: &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}, hsts: tlsHSTS, want: []string{
			"accepts weak TLS 1.2 cipher suites: TLS_RSA_WITH_3DES_EDE_CBC_SHA (3DES, a 64-bit block cipher broken by Sweet32 (CVE-2016-2183)): set tls.Config.CipherSuites to Mozilla intermediate's (tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,",
		}},
		{name: "Go's default suites (CBC with SHA-1)", cfg: &tls.Config{MinVersion: tls.VersionTLS12}, hsts: tlsHSTS, want: []string{
			"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (CBC with HMAC-SHA1), TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA (CBC with HMAC-SHA1)",
		}},
		{name: "expired certificate", n: 1, cfg: tlsGoodConfig(), cert: certFor(now.Add(-90*day), now.Add(-3*day), "localhost"), hsts: tlsHSTS, want: []string{
			"the certificate expired on", "3 days ago: clients reject it; renew it",
		}},
		{name: "certificate not valid yet", n: 1, cfg: tlsGoodConfig(), cert: certFor(now.Add(5*day), now.Add(90*day), "localhost"), hsts: tlsHSTS, want: []string{
			"the certificate is not valid yet: it is valid from",
		}},
		{name: "certificate expiring soon", n: 1, cfg: tlsGoodConfig(), cert: certFor(now.Add(-day), now.Add(7*day+time.Hour), "localhost"), hsts: tlsHSTS, want: []string{
			"in 7 days, want at least 14 days: renew it now",
		}},
		{name: "certificate for another host", n: 1, cfg: tlsGoodConfig(), cert: func() *tls.Certificate {
			c := tlsCert(t, now.Add(-day), now.Add(90*day), []string{"example.org"})
			return &c
		}(), hsts: tlsHSTS, want: []string{
			"the certificate does not match 127.0.0.1: it names [example.org]: serve a certificate whose subject alternative names include 127.0.0.1",
		}},
		{name: "untrusted certificate", n: 1, cfg: tlsGoodConfig(), hsts: tlsHSTS, untrust: true, want: []string{
			"the certificate does not chain to a trusted root",
			"trust it with Target.RootCAs(pool) or Target.TrustCert(cert)",
		}},
		{name: "no HSTS", cfg: tlsGoodConfig(), want: []string{
			"without Strict-Transport-Security: add \"Strict-Transport-Security: max-age=31536000; includeSubDomains\"",
		}},
		{name: "HSTS max-age=0", cfg: tlsGoodConfig(), hsts: "max-age=0", want: []string{
			`Strict-Transport-Security "max-age=0" has max-age=0, which tells browsers to forget HSTS`,
		}},
		{name: "HSTS invalid", cfg: tlsGoodConfig(), hsts: "includeSubDomains", want: []string{
			`Strict-Transport-Security "includeSubDomains" is invalid`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tlsServer(t, tlsApp(tc.hsts), tc.cfg, tc.cert)
			target := tlsTarget(srv)
			if tc.untrust {
				target = scenario.URL(srv.URL)
			}
			got := verifyProblems(t, scenario.TLS{Target: target})
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems do not contain %q:\n%s", w, got)
				}
			}
			// An expired certificate is one problem, not two (the chain
			// check does not repeat it).
			if n := strings.Count(got, "\n\t"); tc.n != 0 && n != tc.n {
				t.Errorf("%d problem(s), want %d:\n%s", n, tc.n, got)
			}
		})
	}
}

// TestTLSOptions checks the fields that relax the checks: each makes a
// failing server pass, so each is proved to matter.
func TestTLSOptions(t *testing.T) {
	t.Parallel()
	now := time.Now()
	day := 24 * time.Hour

	srv := tlsServer(t, tlsApp(tlsHSTS), &tls.Config{MinVersion: tls.VersionTLS12}, nil)
	x := scenario.TLS{Target: tlsTarget(srv), AllowCipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}}
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed || !strings.Contains(res.Output(), "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA accepted, allowed by AllowCipherSuites") {
		t.Errorf("AllowCipherSuites: failed=%v\n%s", res.Failed, res.Output())
	}

	cert := tlsCert(t, now.Add(-day), now.Add(7*day+time.Hour), nil, net.IPv4(127, 0, 0, 1))
	srv = tlsServer(t, tlsApp(tlsHSTS), tlsGoodConfig(), &cert)
	if err := (scenario.TLS{Target: tlsTarget(srv), MinValidity: 3 * day}).Verify(t.Context()); err != nil {
		t.Errorf("MinValidity 3 days on a certificate valid 7 more days: %v", err)
	}

	cert = tlsCert(t, now.Add(-day), now.Add(90*day), []string{"api.example.com"})
	srv = tlsServer(t, tlsApp(tlsHSTS), tlsGoodConfig(), &cert)
	if err := (scenario.TLS{Target: tlsTarget(srv), Host: "api.example.com"}).Verify(t.Context()); err != nil {
		t.Errorf("Host api.example.com on its certificate: %v", err)
	}
}

// tlsSniff serves TLS and plain HTTP on one port: it peeks at the first
// byte of each connection (0x16 starts a TLS handshake).
type tlsSniff struct {
	net.Listener
	cfg *tls.Config
}

type tlsPeeked struct {
	net.Conn
	r *bufio.Reader
}

func (c tlsPeeked) Read(p []byte) (int, error) { return c.r.Read(p) }

func (l tlsSniff) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	b, err := br.Peek(1)
	c.SetReadDeadline(time.Time{})
	pc := tlsPeeked{c, br}
	if err == nil && b[0] == 0x16 {
		return tls.Server(pc, l.cfg), nil
	}
	return pc, nil
}

func TestTLSPlainHTTP(t *testing.T) {
	t.Parallel()
	t.Run("served on the TLS port", func(t *testing.T) {
		t.Parallel()
		now := time.Now()
		cert := tlsCert(t, now.Add(-time.Hour), now.Add(90*24*time.Hour), nil, net.IPv4(127, 0, 0, 1))
		cfg := tlsGoodConfig()
		cfg.Certificates = []tls.Certificate{cert}
		srv := httptest.NewUnstartedServer(tlsApp(tlsHSTS))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.Listener = tlsSniff{srv.Listener, cfg}
		srv.Start()
		t.Cleanup(srv.Close)
		leaf, _ := x509.ParseCertificate(cert.Certificate[0])
		x := scenario.TLS{Target: scenario.URL("https://" + srv.Listener.Addr().String()).TrustCert(leaf)}
		got := verifyProblems(t, x)
		if !strings.Contains(got, "(plain HTTP on the TLS port) = 200, want it refused (Go's TLS server answers 400) or redirected to https") {
			t.Errorf("problems:\n%s", got)
		}
	})
	tlsSrv := tlsServer(t, tlsApp(tlsHSTS), tlsGoodConfig(), nil)
	plain := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()
	for _, tc := range []struct {
		name, url, want string
	}{
		{"redirect to https", plain(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://127.0.0.1/", http.StatusMovedPermanently)
		}), ""},
		{"port closed", closedURL, ""},
		{"served", plain(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }),
			"= 200, want 301 or 308 to https (or the port closed): plain HTTP is served, unencrypted"},
		{"redirect to http", plain(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1/login", http.StatusFound)
		}), `= 302 to "http://127.0.0.1/login", want a redirect to an https URL`},
	} {
		t.Run("HTTPURL "+tc.name, func(t *testing.T) {
			t.Parallel()
			x := scenario.TLS{Target: tlsTarget(tlsSrv), HTTPURL: tc.url}
			if tc.want == "" {
				if err := x.Verify(t.Context()); err != nil {
					t.Errorf("Verify: %v", err)
				}
				return
			}
			if got := verifyProblems(t, x); !strings.Contains(got, "GET "+tc.url+" "+tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

func TestTLSThroughJettyCheck(t *testing.T) {
	t.Parallel()
	srv := tlsServer(t, tlsApp(tlsHSTS), tlsGoodConfig(), nil)
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, scenario.TLS{Target: tlsTarget(srv)}) })
	if res.Failed {
		t.Fatalf("jetty.Check on a correct server failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"When a client offers only TLS 1.0, then only TLS 1.1",
		"Then both handshakes are refused",
		"TLS 1.0 only: refused",
		"TLS 1.2 only: accepted; TLS 1.3 only: accepted",
		"offered alone under TLS 1.2, one handshake each: TLS_RSA_WITH_3DES_EDE_CBC_SHA,",
		"not probed (Go's client no longer implements them): TLS_RSA_WITH_RC4_128_SHA",
		"And the certificate is trusted, matches 127.0.0.1 and stays valid for at least 14 days",
		"And plain HTTP is not served on the TLS port",
		"/ = 400\n",
		`Strict-Transport-Security "max-age=31536000; includeSubDomains"`,
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}

	// TLS 1.1 needs a CBC suite: allowed, it must not hide the old version.
	cbc := tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
	srv = tlsServer(t, tlsApp(tlsHSTS), &tls.Config{MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS12, CipherSuites: append([]uint16{cbc}, tlsGoodSuites...)}, nil)
	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) {
		jetty.Check(tb, scenario.TLS{Target: tlsTarget(srv), AllowCipherSuites: []uint16{cbc}})
	})
	if !res.Failed || !strings.Contains(res.ErrorText(), "a client offering only TLS 1.1 completed a handshake") {
		t.Errorf("jetty.Check on a TLS 1.1 server: failed=%v\n%s", res.Failed, res.Output())
	}
	if !strings.Contains(res.Output(), "TLS 1.3 is not offered: NIST SP 800-52r2 asks servers to support it") {
		t.Errorf("log does not note the missing TLS 1.3:\n%s", res.Output())
	}
}

func TestTLSBadConfiguration(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(tlsApp(tlsHSTS))
	t.Cleanup(plain.Close)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "https://" + closed.Addr().String()
	closed.Close()
	ok := scenario.URL("https://127.0.0.1:1")
	for _, tc := range []struct {
		name string
		x    scenario.TLS
		want string
	}{
		{"zero target", scenario.TLS{}, "no target: set Target"},
		{"in-process handler", scenario.TLS{Target: scenario.Handler(tlsApp(tlsHSTS))}, "Target is an in-process handler: TLS can only be checked on a live server"},
		{"http URL", scenario.TLS{Target: scenario.URL(plain.URL)}, "want the server's https URL"},
		{"remote host", scenario.TLS{Target: scenario.URL("https://example.com")}, `"example.com" is not a loopback host`},
		{"negative MinValidity", scenario.TLS{Target: ok, MinValidity: -time.Hour}, "MinValidity = -1h0m0s: want a positive duration"},
		{"https HTTPURL", scenario.TLS{Target: ok, HTTPURL: "https://127.0.0.1:2"}, `HTTPURL = "https://127.0.0.1:2": want the plain-HTTP address`},
		{"remote HTTPURL", scenario.TLS{Target: ok, HTTPURL: "http://example.com"}, `HTTPURL: scenario.URL("http://example.com"): "example.com" is not a loopback host`},
		{"nothing listening", scenario.TLS{Target: scenario.URL(closedURL)}, "no TLS handshake with " + closedURL[len("https://"):]},
		{"plain HTTP server", scenario.TLS{Target: scenario.URL("https://" + plain.Listener.Addr().String())}, "start the server with TLS on this port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

// TestTLSTargetTrust checks Target.RootCAs and TrustCert reach the requests
// other scenarios send to an https URL.
func TestTLSTargetTrust(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer((&metricsApp{}).handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	if err := (scenario.Metrics{Target: scenario.URL(srv.URL).TrustCert(srv.Certificate())}).Verify(t.Context()); err != nil {
		t.Errorf("Metrics over HTTPS with TrustCert: %v", err)
	}
	empty := x509.NewCertPool()
	target := scenario.URL(srv.URL).RootCAs(empty)
	if err := (scenario.Metrics{Target: target.TrustCert(srv.Certificate())}).Verify(t.Context()); err != nil {
		t.Errorf("Metrics over HTTPS with RootCAs then TrustCert: %v", err)
	}
	// TrustCert copied the pool: the empty pool given to RootCAs still
	// trusts nothing.
	if got := verifyProblems(t, scenario.Metrics{Target: target}); !strings.Contains(got, "certificate signed by unknown authority") {
		t.Errorf("Metrics over HTTPS with an empty RootCAs pool:\n%s", got)
	}
	if got := verifyProblems(t, scenario.Metrics{Target: scenario.URL(srv.URL).TrustCert(nil)}); !strings.Contains(got, "certificate signed by unknown authority") {
		t.Errorf("Metrics over HTTPS trusting nothing:\n%s", got)
	}
}
