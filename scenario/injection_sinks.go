package scenario

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Placeholders of the side-effect payloads, which Injection replaces per
// run (see [Payload]).
const (
	// WritePathPlaceholder stands for the absolute path of a file inside a
	// temporary directory the check owns: a file-write sink that writes
	// where input says creates it.
	WritePathPlaceholder = "JETTY_WRITE_PATH"
	// WriteTraversalPlaceholder stands for the same path reached from any
	// directory by "../" (16 levels), for sinks that join input to a base.
	WriteTraversalPlaceholder = "JETTY_WRITE_TRAVERSAL"
	// SSRFURLPlaceholder stands for the URL of a canary listener on
	// loopback that the application must never call.
	SSRFURLPlaceholder = "JETTY_SSRF_URL"
	// SSRFHostPlaceholder stands for the canary listener's host:port.
	SSRFHostPlaceholder = "JETTY_SSRF_HOST"
)

// redirectCanaryHost is the host of the open-redirect payloads (a reserved
// name: RFC 2606 .example).
const redirectCanaryHost = "jetty-redirect.example"

// injSinks are the canaries a run owns: a temporary directory for the
// touch and write payloads, and a loopback listener for the SSRF ones.
type injSinks struct {
	dir       string // the temporary directory the check owns
	writeName string // the file the write payloads target, in dir
	ssrf      net.Listener
	ssrfPath  string
	hits      atomic.Int64 // requests the SSRF listener received
	seenHits  int64
}

// openSinks creates the canaries and registers their removal.
func (u *injRun) openSinks() {
	dir, err := os.MkdirTemp("", probe.CanaryPrefix)
	if err != nil {
		u.r.errorf("creating the canary directory: %v", err)
		return
	}
	u.r.cleanup(func() { os.RemoveAll(dir) })
	name, random := probe.Canary()
	u.sinks.dir, u.sinks.writeName = dir, "jetty-write-"+random
	if u.canary == "" {
		u.canary = filepath.Join(dir, name)
	}
	if os.Geteuid() == 0 {
		u.r.logf("warning: running as root. The file-write payloads target only %s, but a sink that rewrites paths could write elsewhere: never run Injection as root against a real filesystem; use a container or an unprivileged user", dir)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		u.r.notProven(need{}, "server-side request forgery: no canary listener could listen on 127.0.0.1 (%v); run the check where loopback is available", err)
		return
	}
	u.sinks.ssrf, u.sinks.ssrfPath = ln, "/jetty-ssrf-"+random
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.sinks.hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})}
	go srv.Serve(ln)
	u.r.cleanup(func() { srv.Close() })
}

// placeholders replaces the sinks' placeholders in v.
func (s *injSinks) placeholders(v string) string {
	if !strings.Contains(v, "JETTY_") {
		return v
	}
	write := filepath.Join(s.dir, s.writeName)
	host := "127.0.0.1:9" // discard port: nothing listens when no canary could
	if s.ssrf != nil {
		host = s.ssrf.Addr().String()
	}
	return strings.NewReplacer(
		WritePathPlaceholder, write,
		WriteTraversalPlaceholder, strings.Repeat("../", 16)+strings.TrimPrefix(filepath.ToSlash(write), "/"),
		SSRFURLPlaceholder, "http://"+host+s.ssrfPath,
		SSRFHostPlaceholder, host,
	).Replace(v)
}

// effects lists the side effects the last payload had: a file written
// into the check's directory, a call to the SSRF listener. It removes
// written files.
func (u *injRun) effects() []string {
	var out []string
	if u.sinks.dir != "" {
		entries, _ := os.ReadDir(u.sinks.dir)
		for _, e := range entries {
			path := filepath.Join(u.sinks.dir, e.Name())
			if path == u.canary {
				continue
			}
			os.RemoveAll(path)
			u.writeHits++
			out = append(out, fmt.Sprintf("wrote the file %s, a path taken from the input (a file-write sink: os.WriteFile, os.Create or os.OpenFile on user input): resolve paths inside a root with os.Root or filepath.IsLocal, and refuse absolute paths and ..", path))
		}
	}
	if n := u.sinks.hits.Load(); n > u.sinks.seenHits {
		u.sinks.seenHits = n
		u.ssrfHits++
		out = append(out, fmt.Sprintf("made the server request the canary listener at %s named in the input (server-side request forgery): fetch only URLs whose host is on an allowlist, and refuse loopback, link-local and private addresses after resolving them", u.sinks.ssrf.Addr()))
	}
	return out
}

// injRedirectProblem says whether res redirects to the open-redirect
// canary host, as a browser would read its Location or Refresh header.
func injRedirectProblem(res *response) string {
	for _, target := range []string{res.Header.Get("Location"), injRefreshURL(res.Header.Get("Refresh"))} {
		if target == "" || res.Status/100 != 3 && target == res.Header.Get("Location") {
			continue
		}
		// Browsers read a backslash as a slash, and "https:host" as
		// "https://host".
		t := strings.ReplaceAll(strings.TrimSpace(target), `\`, "/")
		if u, err := url.Parse(t); err == nil && u.Scheme != "" && u.Host == "" && u.Opaque != "" {
			t = u.Scheme + "://" + strings.TrimLeft(u.Opaque, "/")
		}
		u, err := url.Parse(t)
		if err != nil {
			continue
		}
		if strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), redirectCanaryHost) {
			return fmt.Sprintf("the response redirects to %s, the host in the input (open redirect): redirect only to paths of your own site (a leading single /, not // or /\\) or to hosts on an allowlist", probe.Quote([]byte(target), 80))
		}
	}
	return ""
}

// injRefreshURL returns the URL of a Refresh header ("0; url=…").
func injRefreshURL(v string) string {
	_, after, ok := strings.Cut(strings.ToLower(v), "url=")
	if !ok {
		return ""
	}
	return strings.Trim(v[len(v)-len(after):], `"' `)
}

// injCommandEffect words what creating the touch canary proves for
// payload v. When the payload's first word is the command itself, the
// input may have run as a program and its arguments, with no shell (a
// newline or spaces prove nothing); otherwise only shell syntax (; | & $( )
// or backticks) could have started it, so a shell ran it.
func injCommandEffect(v, canary string) string {
	if f := strings.Fields(v); len(f) > 0 && f[0] != "touch" {
		return fmt.Sprintf("created the canary file %s: a shell ran the command the payload's shell syntax added; never pass input to sh -c, run exec.Command with a fixed program and the input as one argument", canary)
	}
	return fmt.Sprintf("created the canary file %s: the input ran as a command (no shell syntax was needed: the program or its arguments come from the input); run a fixed program with exec.Command, pass the input as one argument after \"--\", and allow only the values you expect", canary)
}

// injCookieValue is v as a cookie can carry it: as it is when every byte
// is a cookie-octet (RFC 6265 §4.1.1), else percent-encoded, as
// applications that keep structured values in cookies encode them.
func injCookieValue(v string) string {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\' {
			return url.QueryEscape(v)
		}
	}
	return v
}
