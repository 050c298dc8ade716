package probe

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// requestByString is how request built its URL before resolve's fast path,
// ResolveReference and then the URL's string through NewRequest's parser,
// except that an absolute path keeps its dot segments.
func requestByString(ctx context.Context, base *url.URL, method, path string) (*http.Request, error) {
	ref := &url.URL{Path: path}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		ref.Path, ref.RawQuery = path[:i], path[i+1:]
	}
	if strings.Contains(ref.Path, "%") {
		if p, err := url.PathUnescape(ref.Path); err == nil {
			ref.RawPath, ref.Path = ref.Path, p
		}
	}
	u := base.ResolveReference(ref)
	if strings.HasPrefix(ref.Path, "/") {
		u.Path, u.RawPath = ref.Path, ref.RawPath // as written: no dot segment removed
	}
	return http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(nil))
}

// TestRequestURLIsTheResolvedOne: request's URL is the one ResolveReference
// and a trip through the URL's string give (dot segments of an absolute
// path kept), for paths with escapes, dot segments, double slashes,
// queries, fragments and control bytes, against a base with and without a
// path: the request line, Host and URL string are the same, and so is
// refusal.
func TestRequestURLIsTheResolvedOne(t *testing.T) {
	paths := []string{
		"/", "", "/login", "/notes/1", "/a/b/", "/a//b", "//evil.example/x", "/./a", "/a/../b", "/a/..", "/a/.",
		"/users/%2e%2e%2F", "/users/..%2f..%2fetc", "/%zz", "/a%2Fb", "/a b", "/a\nb", "/a#b", "/é/ü", "/%E2%80%AE",
		"/search?q=1", "/search?q=a b", "/search?q=a\nb", "/search?q=a#frag", "/search?", "/?x=%zz", "relative/x",
		"/" + strings.Repeat("A", 1<<16), "/notes/" + url.PathEscape("../../../etc/passwd"), "/notes/" + url.PathEscape("\x00\xff"),
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "/.%2eEfF?#a b\n+:@;=&\x00\x7f\xc3\xa9"
	for range 5000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		paths = append(paths, "/"+b.String(), b.String())
	}
	for _, base := range []string{"http://example.com", "http://127.0.0.1:8080/api/", "https://user@[::1]:9443"} {
		bu, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		c := &Client{base: bu}
		for _, p := range paths {
			want, werr := requestByString(t.Context(), bu, "GET", p)
			got, gerr := c.request(t.Context(), "GET", p, Request{})
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("base %s, path %q: error %v, want %v", base, p, gerr, werr)
			}
			if werr != nil {
				continue
			}
			if got.URL.RequestURI() != want.URL.RequestURI() || got.Host != want.Host || got.URL.String() != want.URL.String() || got.URL.Path != want.URL.Path {
				t.Fatalf("base %s, path %q:\n got %q host %q url %q path %q\nwant %q host %q url %q path %q", base, p,
					got.URL.RequestURI(), got.Host, got.URL.String(), got.URL.Path,
					want.URL.RequestURI(), want.Host, want.URL.String(), want.URL.Path)
			}
		}
	}
}
