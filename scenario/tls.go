package scenario

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jettymethod/jetty/internal/deadlines"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
	"github.com/jettymethod/jetty/scenario/observatory"
)

// TLS checks that traffic is encrypted with TLS 1.2 or newer, by
// handshaking with the server directly through crypto/tls:
//
//   - a client offering only TLS 1.0, or only TLS 1.1, is refused (RFC 8996
//     deprecates both; PCI DSS v4 4.2.1 and NIST SP 800-52r2 §3.1 require
//     TLS 1.2 or newer). Go 1.26's crypto/tls client still offers TLS 1.0
//     and 1.1 when its MinVersion and MaxVersion ask for them, as the probes
//     do; a client offering only SSL 3.0 (RFC 7568 prohibits it) is
//     refused too: Go no longer implements SSL 3.0, so the check sends an
//     SSL 3.0 ClientHello of its own and fails on an SSL 3.0 ServerHello;
//   - TLS 1.2 or TLS 1.3 is accepted (TLS 1.3 missing is logged, or fails
//     with RequireTLS13: NIST SP 800-52r2 asks servers to support it);
//   - under TLS 1.2 no cipher suite outside Mozilla's "intermediate"
//     configuration is accepted: each of Go's other suites — RSA key
//     exchange (no forward secrecy), 3DES (Sweet32), CBC with SHA-1 or
//     SHA-256 — is offered alone, one handshake each, and every one
//     accepted is reported. RC4 suites are not probed: Go's client no
//     longer implements RC4 (RFC 7465 prohibits it), so it cannot offer
//     them;
//   - the certificate is valid now, matches the host, chains to a trusted
//     root (the system's, or the Target's RootCAs / TrustCert), is not
//     expiring within MinValidity, an RSA key has at least 2048 bits and
//     an ECDSA key at least 256 (NIST SP 800-52r2 §3.2, SP 800-57);
//   - plain HTTP sent to the TLS port is not served, and HTTPURL, when set,
//     redirects to https or refuses connections (without HTTPURL that
//     probe is reported as not proven);
//   - the HTTPS response to GET / carries Strict-Transport-Security with a
//     max-age above 0 (RFC 6797; SecurityHeaders grades its value).
//
// The protocol and cipher probes do not verify the certificate (they ask
// only whether the handshake completes); the certificate check does. Every
// probe dials through the loopback guard, which decides on the address
// actually dialed (a name that resolves elsewhere is refused unless the
// Target allows remote hosts).
//
// It covers preset.TLS. TLS is a value; Verify and Run are safe in parallel
// tests: every probe opens its own connection and keeps none.
//
// Not proven without its field, and required by a preset with
// preset.TLS: the plain-HTTP redirect (HTTPURL).
type TLS struct {
	production

	// Target is the application's https URL, such as
	// scenario.URL("https://127.0.0.1:8443"). When its certificate is not
	// signed by a CA in the system's roots, add yours with RootCAs, or
	// TrustCert for an httptest TLS server:
	//
	//	Target: scenario.URL(srv.URL).TrustCert(srv.Certificate())
	//
	// Required: an in-process handler or an http URL is reported, since TLS
	// can only be checked on a live socket.
	Target Target
	// Host is the name clients connect to, which the certificate must
	// match; it is sent as the server name (SNI). Default the URL's host.
	// Set it when the server runs on loopback with its public host's
	// certificate, e.g. "api.example.com".
	Host string
	// MinValidity is how long the certificate must stay valid from now, so
	// that an expiry is caught before users see it. Default 14 days.
	MinValidity time.Duration
	// HTTPURL is the application's plain-HTTP address, such as
	// "http://127.0.0.1:8080". Optional: when set, it must redirect (301,
	// 302, 307 or 308) to an https Location, or refuse connections.
	HTTPURL string
	// AllowCipherSuites are TLS 1.2 cipher suites (tls.TLS_… IDs) the
	// server may accept beyond Mozilla intermediate's, e.g. a CBC suite an
	// old client still needs. Each one accepted is logged. Default none.
	AllowCipherSuites []uint16
	// RequireTLS13 makes a server that does not offer TLS 1.3 fail (NIST
	// SP 800-52r2 §3.1: agencies shall support TLS 1.3 since 1 January
	// 2024). Default false: a missing TLS 1.3 is logged, as neither RFC
	// 8996 nor PCI DSS v4 requires it.
	RequireTLS13 bool
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

// Title returns "traffic is encrypted with TLS 1.2 or newer".
func (TLS) Title() string { return "traffic is encrypted with TLS 1.2 or newer" }

// Covers returns preset.TLS.
func (TLS) Covers() []preset.ID { return []preset.ID{preset.TLS} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x TLS) Verify(ctx context.Context) error { return verify(ctx, x.Title(), x.Preset, x.exec) }

// Run runs the scenario's steps on s.
func (x TLS) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// tlsDefaultMinValidity is TLS.MinValidity's default.
const tlsDefaultMinValidity = 14 * 24 * time.Hour

// tlsProbeTimeout bounds each handshake and plain-HTTP request.
const tlsProbeTimeout = 5 * time.Second

// tlsMozillaIntermediate are the TLS 1.2 suites of Mozilla's "intermediate"
// server configuration (v5.7) that Go implements: ECDHE with AES-GCM or
// ChaCha20-Poly1305.
var tlsMozillaIntermediate = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// tlsWeakReason says why a TLS 1.2 suite is weak.
func tlsWeakReason(name string) string {
	switch {
	case strings.Contains(name, "RC4"):
		return "RC4, prohibited by RFC 7465"
	case strings.Contains(name, "3DES"):
		return "3DES, a 64-bit block cipher broken by Sweet32 (CVE-2016-2183)"
	case strings.HasPrefix(name, "TLS_RSA_"):
		return "RSA key exchange, no forward secrecy"
	case strings.HasSuffix(name, "_CBC_SHA256"):
		return "CBC with HMAC-SHA256, open to Lucky13-style timing attacks"
	case strings.HasSuffix(name, "_CBC_SHA"):
		return "CBC with HMAC-SHA1"
	}
	return "not in Mozilla intermediate"
}

// tlsRun is one run of TLS.
type tlsRun struct {
	x      TLS
	r      reporter
	base   *url.URL
	addr   string // host:port
	host   string // the name the certificate must match
	minVal time.Duration
	state  tls.ConnectionState
	tls12  bool
	// dialer dials every probe through the loopback guard, which decides
	// on the address actually dialed.
	dialer *net.Dialer
}

func (x TLS) exec(r reporter) {
	u := &tlsRun{x: x, r: r, minVal: x.MinValidity, dialer: &net.Dialer{Control: probe.Guard(x.Target.allowRemote)}}
	if u.minVal == 0 {
		u.minVal = tlsDefaultMinValidity
	}
	r.step("Given", fmt.Sprintf("the HTTPS server at %s", x.Target), u.given)
	if r.failed() {
		return
	}
	r.step("When", "a client offers only TLS 1.0, then only TLS 1.1", func() {
		r.step("Then", "both handshakes are refused", u.oldVersions)
	})
	r.step("And", "a client offering only SSL 3.0 is refused", u.ssl3)
	r.step("When", "a client offers only TLS 1.2, then only TLS 1.3", func() {
		r.step("Then", "at least one is accepted", u.modernVersions)
	})
	r.step("And", "no weak cipher suite is accepted under TLS 1.2", u.ciphers)
	r.step("And", fmt.Sprintf("the certificate is trusted, matches %s and stays valid for at least %s", u.host, probe.Days(u.minVal)), func() {
		x.checkCert(r, u.state, u.host, u.minVal)
	})
	r.step("And", "plain HTTP is not served on the TLS port", u.plainPort)
	if x.HTTPURL != "" {
		r.step("And", fmt.Sprintf("%s redirects to https or is refused", x.HTTPURL), u.httpURL)
	} else {
		r.notProven(need{preset.TLS, "TLS.HTTPURL"}, "the plain-HTTP address was not checked for a redirect to https (users who type the bare host land there first); set HTTPURL, e.g. \"http://127.0.0.1:8080\"")
	}
	r.step("And", "HTTPS responses carry Strict-Transport-Security", u.hsts)
}

func (u *tlsRun) given() {
	x, r := u.x, u.r
	if u.minVal < 0 {
		r.errorf("MinValidity = %v: want a positive duration, or 0 for the default 14 days", u.minVal)
	}
	if x.HTTPURL != "" {
		if hu, err := checkURL(x.HTTPURL, x.Target.allowRemote); err != nil {
			r.errorf("HTTPURL: %v", err)
		} else if hu.Scheme != "http" {
			r.errorf("HTTPURL = %q: want the plain-HTTP address, such as http://127.0.0.1:8080, or leave it empty", x.HTTPURL)
		}
	}
	if !x.Target.IsZero() && !x.Target.IsURL() {
		r.errorf("Target is an in-process handler: TLS can only be checked on a live server; set Target to its https URL, e.g. scenario.URL(srv.URL).TrustCert(srv.Certificate()) for an httptest server started with StartTLS")
		return
	}
	c := connect(r, x.Target)
	if c == nil {
		return
	}
	u.base = c.base
	if u.base.Scheme != "https" {
		r.errorf("Target = %s: want the server's https URL; TLS checks the TLS endpoint (give the plain-HTTP one as HTTPURL)", x.Target)
		return
	}
	if r.failed() {
		return
	}
	u.addr = u.base.Host
	if u.base.Port() == "" {
		u.addr = net.JoinHostPort(u.base.Hostname(), "443")
	}
	u.host = x.Host
	if u.host == "" {
		u.host = u.base.Hostname()
	}
	// A first handshake as a default client would make it: is TLS served
	// there at all?
	st, err := tlsProbe(r.context(), u.dialer, u.addr, &tls.Config{InsecureSkipVerify: true, ServerName: u.host})
	if err != nil {
		r.errorf("no TLS handshake with %s: %v: start the server with TLS on this port (ListenAndServeTLS), or fix Target", u.addr, err)
		return
	}
	u.state = st
	r.logf("handshake with %s: %s, %s", u.addr, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
}

// probe makes one handshake that does not verify the certificate.
func (u *tlsRun) probe(cfg *tls.Config) (tls.ConnectionState, error) {
	cfg.InsecureSkipVerify = true
	cfg.ServerName = u.host
	return tlsProbe(u.r.context(), u.dialer, u.addr, cfg)
}

const tlsVersionFix = "set tls.Config.MinVersion = tls.VersionTLS12 (RFC 8996 deprecates TLS 1.0 and 1.1, RFC 7568 SSL 3.0; PCI DSS v4 4.2.1; NIST SP 800-52r2)"

func (u *tlsRun) ssl3() {
	r := u.r
	switch ok, err := probe.SSL3Accepted(r.context(), u.dialer, u.addr); {
	case err != nil:
		r.logf("SSL 3.0 only: no answer (%v)", err)
	case ok:
		r.errorf("a client offering only SSL 3.0 got a ServerHello from %s, want refused: %s", u.addr, tlsVersionFix)
	default:
		r.logf("SSL 3.0 only: refused")
	}
}

func (u *tlsRun) oldVersions() {
	r := u.r
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		if _, err := u.probe(&tls.Config{MinVersion: v, MaxVersion: v}); err != nil {
			r.logf("%s only: refused (%v)", tls.VersionName(v), err)
			continue
		}
		r.errorf("a client offering only %s completed a handshake with %s, want refused: %s", tls.VersionName(v), u.addr, tlsVersionFix)
	}
}

func (u *tlsRun) modernVersions() {
	r := u.r
	_, err12 := u.probe(&tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
	_, err13 := u.probe(&tls.Config{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13})
	u.tls12 = err12 == nil
	r.logf("TLS 1.2 only: %s; TLS 1.3 only: %s", tlsOutcome(err12), tlsOutcome(err13))
	switch {
	case err12 != nil && err13 != nil:
		r.errorf("neither a TLS 1.2 nor a TLS 1.3 client completed a handshake with %s (TLS 1.2: %v; TLS 1.3: %v): serve TLS 1.2 and 1.3 (tls.Config.MinVersion = tls.VersionTLS12, MaxVersion unset)", u.addr, err12, err13)
	case err13 != nil && u.x.RequireTLS13:
		r.errorf("TLS 1.3 is not offered by %s (TLS 1.3 only: %v), and RequireTLS13 is set: NIST SP 800-52r2 §3.1 asks servers to support it; leave tls.Config.MaxVersion unset", u.addr, err13)
	case err13 != nil:
		r.logf("TLS 1.3 is not offered: NIST SP 800-52r2 asks servers to support it; leave tls.Config.MaxVersion unset (set RequireTLS13 to fail on it)")
	}
}

func (u *tlsRun) ciphers() {
	r := u.r
	if !u.tls12 {
		r.logf("TLS 1.2 is not served: cipher suites were not probed (TLS 1.3 suites are all strong)")
		return
	}
	var accepted, probed, skipped []string
	for _, cs := range append(tls.InsecureCipherSuites(), tls.CipherSuites()...) {
		if !slices.Contains(cs.SupportedVersions, tls.VersionTLS12) || slices.Contains(tlsMozillaIntermediate, cs.ID) {
			continue
		}
		if strings.Contains(cs.Name, "RC4") {
			skipped = append(skipped, cs.Name)
			continue
		}
		probed = append(probed, cs.Name)
		st, err := u.probe(&tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{cs.ID}})
		if err != nil || st.CipherSuite != cs.ID {
			continue
		}
		if slices.Contains(u.x.AllowCipherSuites, cs.ID) {
			r.logf("%s accepted, allowed by AllowCipherSuites (%s)", cs.Name, tlsWeakReason(cs.Name))
			continue
		}
		accepted = append(accepted, cs.Name+" ("+tlsWeakReason(cs.Name)+")")
	}
	r.logf("offered alone under TLS 1.2, one handshake each: %s; not probed (Go's client no longer implements them): %s", strings.Join(probed, ", "), strings.Join(skipped, ", "))
	if p := tlsWeakProblem(u.addr, accepted); p != "" {
		r.errorf("%s", p)
	}
}

// tlsWeakProblem is the problem of weak suites accepted, or "".
func tlsWeakProblem(addr string, accepted []string) string {
	if len(accepted) == 0 {
		return ""
	}
	names := make([]string, len(tlsMozillaIntermediate))
	for i, id := range tlsMozillaIntermediate {
		names[i] = "tls." + tls.CipherSuiteName(id)
	}
	return fmt.Sprintf("%s accepts weak TLS 1.2 cipher suites: %s: set tls.Config.CipherSuites to Mozilla intermediate's (%s), or list a suite you must keep in AllowCipherSuites", addr, strings.Join(accepted, ", "), strings.Join(names, ", "))
}

func (u *tlsRun) plainPort() {
	r := u.r
	plain := *u.base
	plain.Scheme, plain.Host, plain.Path, plain.RawQuery = "http", u.addr, "/", ""
	resp, err := tlsPlainGet(r.context(), u.dialer, plain.String())
	if err != nil {
		r.logf("GET %s: no HTTP answer (%v)", plain.String(), err)
		return
	}
	r.logf("GET %s = %d", plain.String(), resp.StatusCode)
	if resp.StatusCode < 400 && !tlsToHTTPS(resp) {
		r.errorf("GET %s (plain HTTP on the TLS port) = %d, want it refused (Go's TLS server answers 400) or redirected to https: the port serves unencrypted traffic; serve only TLS on it", plain.String(), resp.StatusCode)
	}
}

func (u *tlsRun) httpURL() {
	r, hu := u.r, u.x.HTTPURL
	resp, err := tlsPlainGet(r.context(), u.dialer, hu)
	if err != nil {
		r.logf("GET %s: no HTTP answer, refused (%v)", hu, err)
		return
	}
	loc := resp.Header.Get("Location")
	r.logf("GET %s = %d, Location %q", hu, resp.StatusCode, loc)
	switch {
	case tlsToHTTPS(resp):
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		r.errorf("GET %s = %d to %q, want a redirect to an https URL: redirect to https://%s…", hu, resp.StatusCode, loc, u.host)
	default:
		r.errorf("GET %s = %d, want 301 or 308 to https (or the port closed): plain HTTP is served, unencrypted; redirect every request to https", hu, resp.StatusCode)
	}
}

func (u *tlsRun) hsts() {
	r := u.r
	target := *u.base
	target.Path, target.RawQuery = "/", ""
	resp, err := tlsGet(r.context(), u.dialer, target.String(), &tls.Config{InsecureSkipVerify: true, ServerName: u.host})
	if err != nil {
		r.errorf("GET %s: %v", target.String(), err)
		return
	}
	v := resp.Header.Get("Strict-Transport-Security")
	r.logf("GET %s = %d, Strict-Transport-Security %q", target.String(), resp.StatusCode, v)
	if p := tlsHSTSProblem(target.String(), resp.StatusCode, v); p != "" {
		r.errorf("%s", p)
	}
}

// tlsHSTSProblem judges the Strict-Transport-Security value v of an HTTPS
// response: the problem, or "".
func tlsHSTSProblem(u string, status int, v string) string {
	if v == "" {
		return fmt.Sprintf("GET %s = %d without Strict-Transport-Security: add \"Strict-Transport-Security: max-age=31536000; includeSubDomains\" to every HTTPS response so browsers never fall back to plain HTTP (RFC 6797)", u, status)
	}
	h, err := observatory.ParseHSTS(v)
	switch {
	case err != nil:
		return fmt.Sprintf("GET %s: Strict-Transport-Security %q is invalid (%v): send \"max-age=31536000; includeSubDomains\"", u, v, err)
	case h.MaxAge <= 0:
		return fmt.Sprintf("GET %s: Strict-Transport-Security %q has max-age=0, which tells browsers to forget HSTS: send max-age=31536000", u, v)
	}
	return ""
}

// checkCert checks the leaf certificate of state for host.
func (x TLS) checkCert(r reporter, state tls.ConnectionState, host string, minVal time.Duration) {
	if len(state.PeerCertificates) == 0 {
		r.errorf("the server sent no certificate: configure tls.Config.Certificates")
		return
	}
	leaf := state.PeerCertificates[0]
	now := time.Now()
	names := append(append([]string(nil), leaf.DNSNames...), tlsIPs(leaf)...)
	r.logf("certificate: subject %q, names %v, issuer %q, valid %s to %s", leaf.Subject.CommonName, names, leaf.Issuer.CommonName, leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	dated := false
	switch {
	case now.Before(leaf.NotBefore):
		dated = true
		r.errorf("the certificate is not valid yet: it is valid from %s, in %s: clients reject it; check the server's clock and serve a certificate valid now", leaf.NotBefore.UTC().Format(time.RFC3339), probe.Days(leaf.NotBefore.Sub(now)))
	case now.After(leaf.NotAfter):
		dated = true
		r.errorf("the certificate expired on %s, %s ago: clients reject it; renew it (automate renewal, e.g. ACME)", leaf.NotAfter.UTC().Format(time.RFC3339), probe.Days(now.Sub(leaf.NotAfter)))
	case leaf.NotAfter.Sub(now) < minVal:
		r.errorf("the certificate expires on %s, in %s, want at least %s: renew it now and automate renewal (e.g. ACME) so it never gets this close", leaf.NotAfter.UTC().Format(time.RFC3339), probe.Days(leaf.NotAfter.Sub(now)), probe.Days(minVal))
	}
	if err := leaf.VerifyHostname(host); err != nil {
		r.errorf("the certificate does not match %s: it names %v: serve a certificate whose subject alternative names include %s (or set Host to the name clients use)", host, names, host)
	}
	if p := tlsKeyProblem(leaf.PublicKey); p != "" {
		r.errorf("%s", p)
	}
	inter := x509.NewCertPool()
	for _, c := range state.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: x.Target.rootCAs, Intermediates: inter, CurrentTime: now})
	var invalid x509.CertificateInvalidError
	switch {
	case err == nil:
	case dated && errors.As(err, &invalid) && invalid.Reason == x509.Expired && invalid.Cert == leaf:
		// reported above
	case errors.As(err, new(x509.UnknownAuthorityError)):
		r.errorf("the certificate does not chain to a trusted root (%v): serve the full chain from a CA clients trust; for your own CA or an httptest server, trust it with Target.RootCAs(pool) or Target.TrustCert(cert)", err)
	default:
		r.errorf("the certificate chain does not verify: %v: serve a valid chain from a CA clients trust", err)
	}
}

// tlsKeyProblem judges the certificate's public key: the problem, or "".
func tlsKeyProblem(key any) string {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < 2048 {
			return fmt.Sprintf("the certificate's RSA key has %d bits, want at least 2048 (NIST SP 800-52r2): issue a new key of 2048 bits or more, or ECDSA P-256", n)
		}
	case *ecdsa.PublicKey:
		if n := k.Curve.Params().BitSize; n < 256 {
			return fmt.Sprintf("the certificate's ECDSA key is on a %d-bit curve, want at least 256 (P-256; NIST SP 800-52r2 §3.2): issue a new P-256 or P-384 key", n)
		}
	}
	return ""
}

// tlsProbe makes one handshake with addr and closes the connection.
func tlsProbe(ctx context.Context, nd *net.Dialer, addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	ctx, cancel := context.WithTimeout(ctx, deadlines.Of(tlsProbeTimeout))
	defer cancel()
	d := tls.Dialer{NetDialer: nd, Config: cfg}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState(), nil
}

// tlsGet sends GET u with its own transport, without redirects or
// keep-alives, and returns the response with its body closed.
func tlsGet(ctx context.Context, nd *net.Dialer, u string, cfg *tls.Config) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, deadlines.Of(tlsProbeTimeout))
	defer cancel()
	hc := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true, DialContext: nd.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp, nil
}

func tlsPlainGet(ctx context.Context, nd *net.Dialer, u string) (*http.Response, error) {
	return tlsGet(ctx, nd, u, nil)
}

// tlsToHTTPS reports whether resp redirects to an https URL.
func tlsToHTTPS(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return strings.HasPrefix(strings.ToLower(resp.Header.Get("Location")), "https://")
	}
	return false
}

func tlsIPs(c *x509.Certificate) []string {
	var s []string
	for _, ip := range c.IPAddresses {
		s = append(s, ip.String())
	}
	return s
}

func tlsOutcome(err error) string {
	if err == nil {
		return "accepted"
	}
	return "refused"
}
