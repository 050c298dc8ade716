package scenario

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// EncryptedAtRest checks that personal data the application stores is
// encrypted at rest (PCI DSS v4 3.5.1: stored account data is unreadable;
// HIPAA §164.312(a)(2)(iv); GDPR art. 32(1)(a); OWASP ASVS 5.0 V11,
// cryptography). It sends Write — a request that stores personal data —
// with [SecretPlaceholder] replaced by a canary unique to the run, then
// reads the raw bytes of the storage (Files, Dump, or both) and checks that
//
//   - the storage is not empty and changed with the write: otherwise Files
//     points at the wrong place, or the write was not stored;
//   - the canary's random part appears nowhere in it, neither as UTF-8, nor
//     as UTF-16LE, nor base64 (standard and URL alphabets, at any of the three
//     byte alignments, so a base64 of a whole record is found too), nor hex
//     (lower or upper case): encoding is not encryption;
//   - reading it back with Read, when set, returns the canary: the
//     application still works, and the data was stored, not dropped.
//
// The scenario adds no canary of its own: Write must carry
// SecretPlaceholder where the personal data goes (for example
// {"name": "Alice", "ssn": "{{canary}}"}), or the scenario reports it.
// Read may carry it too (GET /users?ssn={{canary}}); it gets the same canary.
//
// A failure names the file and the form the data was found in. Encrypt the
// field before storing it (AES-256-GCM with crypto/aes and crypto/cipher, the
// key from a key manager, not next to the data) or encrypt the database or
// volume; a file found plain in a database file means neither was done.
//
// It covers preset.EncryptionAtRest. EncryptedAtRest is a value; Verify and
// Run are safe in parallel tests when the target and its storage are not
// shared with another run.
type EncryptedAtRest struct {
	// Target is the application. Required.
	Target Target
	// Write stores personal data, with SecretPlaceholder where it goes. A
	// zero Method is POST; a JSON object body gets Content-Type:
	// application/json when Header is nil. Required.
	Write Request
	// Read reads the data back through the application; its answer must be
	// 2xx and contain the canary. A zero Method is GET. Optional: with none,
	// the read-back check is skipped, and the scenario says so.
	Read Request
	// Files are the storage files to inspect, as paths or filepath.Glob
	// patterns: the SQLite database file, a blob directory (read
	// recursively). For each plain path (no glob), path+"-wal" and
	// path+"-journal" are inspected too: SQLite writes there first. Files or
	// Dump is required.
	Files []string
	// Dump returns the raw bytes of the storage, for storage that is not a
	// file (a bucket, an in-memory store). Optional alternative to Files;
	// both may be set.
	Dump func(ctx context.Context) ([]byte, error)
	// Preset is the preset this check's thresholds come from. Zero: the
	// project's (Run: the Feature's options, else the module's profile
	// file; Verify: the profile file), then the seed's numbers. Fields set
	// on the check win over both.
	Preset preset.Preset
}

var _ jetty.Scenario = EncryptedAtRest{}

// Mode returns jetty.Production.
func (EncryptedAtRest) Mode() jetty.Mode { return jetty.Production }

// Title returns "personal and stored data is encrypted at rest".
func (EncryptedAtRest) Title() string { return "personal and stored data is encrypted at rest" }

// Covers returns preset.EncryptionAtRest.
func (EncryptedAtRest) Covers() []preset.ID { return []preset.ID{preset.EncryptionAtRest} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x EncryptedAtRest) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s.
func (x EncryptedAtRest) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// earForm is one form of the canary searched for in storage.
type earForm struct {
	what string // "in plain text (UTF-8)"
	fix  string
	b    []byte
}

// earForms returns the forms of v searched for.
func earForms(v string) []earForm {
	const encFix = "%s is an encoding, not encryption: anyone who reads the file decodes it; encrypt the field with AES-256-GCM (crypto/cipher) and a key kept apart from the data"
	forms := []earForm{{"in plain text (UTF-8)", "encrypt the field before storing it (AES-256-GCM with crypto/aes and crypto/cipher, the key from a key manager) or encrypt the database or volume", []byte(v)}}
	u16 := make([]byte, 0, 2*len(v))
	for i := 0; i < len(v); i++ {
		u16 = append(u16, v[i], 0)
	}
	forms = append(forms, earForm{"in plain text (UTF-16LE)", "encrypt the field before storing it (AES-256-GCM with crypto/aes and crypto/cipher) or encrypt the database or volume", u16})
	for k := range 3 {
		// Encode v after k bytes, and keep only the characters made of
		// v's bits alone: they appear whatever precedes v.
		src := append(make([]byte, k), v...)
		skip := (8*k + 5) / 6
		end := 8 * len(src) / 6
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			s := enc.EncodeToString(src)[skip:end]
			if !slices.ContainsFunc(forms, func(f earForm) bool { return string(f.b) == s }) {
				forms = append(forms, earForm{"base64-encoded", fmt.Sprintf(encFix, "base64"), []byte(s)})
			}
		}
	}
	h := hex.EncodeToString([]byte(v))
	forms = append(forms,
		earForm{"hex-encoded", fmt.Sprintf(encFix, "hex"), []byte(h)},
		earForm{"hex-encoded", fmt.Sprintf(encFix, "hex"), []byte(strings.ToUpper(h))})
	return forms
}

// earPaths expands x.Files.
func (x EncryptedAtRest) earPaths() ([]string, error) {
	var out []string
	add := func(p string) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, f := range x.Files {
		pats := []string{f}
		if !strings.ContainsAny(f, `*?[\`) && !strings.HasSuffix(f, "-wal") && !strings.HasSuffix(f, "-journal") {
			pats = append(pats, f+"-wal", f+"-journal")
		}
		for _, pat := range pats {
			m, err := filepath.Glob(pat)
			if err != nil {
				return nil, fmt.Errorf("field Files: %q is not a valid pattern (%v): use a path or a filepath.Glob pattern such as /var/lib/app/*.db", f, err)
			}
			for _, p := range m {
				st, err := os.Stat(p)
				if err != nil {
					continue
				}
				if !st.IsDir() {
					add(p)
					continue
				}
				err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
					if err == nil && d.Type().IsRegular() {
						add(q)
					}
					return nil
				})
				if err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// earSnapshot reads the storage: each file's bytes, and Dump's as "Dump".
func (x EncryptedAtRest) earSnapshot(ctx context.Context) (map[string][]byte, error) {
	snap := map[string][]byte{}
	paths, err := x.earPaths()
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			if os.IsNotExist(err) {
				continue // SQLite removes its journal after a commit
			}
			return nil, fmt.Errorf("reading %s: %v: the scenario needs read access to the storage files", p, err)
		}
		snap[p] = b
	}
	if x.Dump != nil {
		b, err := x.Dump(ctx)
		if err != nil {
			return nil, fmt.Errorf("field Dump: %v", err)
		}
		snap["Dump"] = b
	}
	return snap, nil
}

func (x EncryptedAtRest) exec(r reporter) {
	var c *client
	ctx := r.context()
	canary, random := probe.Canary()
	sub := func(q Request, def string) Request {
		q = q.orDefault(Request{Method: def})
		q.Path = strings.ReplaceAll(q.Path, SecretPlaceholder, canary)
		q.Body = bytes.ReplaceAll(q.Body, []byte(SecretPlaceholder), []byte(canary))
		h := http.Header{}
		for k, vs := range q.Header {
			for _, v := range vs {
				h.Add(k, strings.ReplaceAll(v, SecretPlaceholder, canary))
			}
		}
		q.Header = h
		return q
	}
	write, read := sub(x.Write, http.MethodPost), sub(x.Read, http.MethodGet)
	var before map[string][]byte
	r.step("Given", "an application that stores personal data, and its raw storage", func() {
		has := strings.Contains(x.Write.Path, SecretPlaceholder) || bytes.Contains(x.Write.Body, []byte(SecretPlaceholder))
		for _, vs := range x.Write.Header {
			for _, v := range vs {
				has = has || strings.Contains(v, SecretPlaceholder)
			}
		}
		switch {
		case x.Write.IsZero():
			r.errorf("no Write: set Write to the request that stores personal data, with scenario.SecretPlaceholder where it goes, e.g. Write: scenario.Request{Path: \"/users\", Body: []byte(`{\"ssn\": \"{{canary}}\"}`)}")
		case !strings.HasPrefix(write.Path, "/"):
			r.errorf("Write.Path = %q: want a path starting with /, such as /users", x.Write.Path)
		case !has:
			r.errorf("Write carries no %s: the scenario adds no personal data of its own; put scenario.SecretPlaceholder in the field that holds it, e.g. {\"ssn\": \"%s\"}", SecretPlaceholder, SecretPlaceholder)
		}
		if !x.Read.IsZero() && !strings.HasPrefix(read.Path, "/") {
			r.errorf("Read.Path = %q: want a path starting with /, such as /users/alice", x.Read.Path)
		}
		if len(x.Files) == 0 && x.Dump == nil {
			r.errorf("no Files and no Dump: set Files to the storage files (the SQLite file, a blob directory; globs allowed), or Dump to a function returning the storage's raw bytes")
		}
		if r.failed() {
			return
		}
		var err error
		if c, err = x.Target.open(r); err != nil {
			r.errorf("%v", err)
			return
		}
		if before, err = x.earSnapshot(ctx); err != nil {
			r.errorf("%v", err)
		}
	})
	if r.failed() {
		return
	}
	stored := false
	r.step("When", fmt.Sprintf("%s stores personal data (a canary)", write), func() {
		resp, err := c.do(ctx, write.req(nil))
		if err != nil {
			r.errorf("%s: %v", write, err)
			return
		}
		r.logf("%s with the canary %s = %s: %.100q", write, canary, resp, resp.Body)
		if resp.Dropped || resp.Status < 200 || resp.Status > 299 {
			r.errorf("%s = %s, want 2xx: the write must succeed for its storage to be inspected; check Write's path, body and credentials", write, resp)
			return
		}
		stored = true
	})
	if !stored {
		return
	}
	r.step("Then", "the storage changed but holds the data in no readable form", func() {
		after, err := x.earSnapshot(ctx)
		if err != nil {
			r.errorf("%v", err)
			return
		}
		names := slices.Sorted(func(yield func(string) bool) {
			for k := range after {
				if !yield(k) {
					return
				}
			}
		})
		size, changed := 0, false
		for _, n := range names {
			size += len(after[n])
			if b, ok := before[n]; !ok || !bytes.Equal(b, after[n]) {
				changed = true
			}
		}
		for n := range before {
			if _, ok := after[n]; !ok {
				changed = true
			}
		}
		r.logf("inspected %d byte(s) of storage in %s", size, strings.Join(names, ", "))
		switch {
		case size == 0:
			r.errorf("the storage is empty after %s: Files %q matched no file with data (and Dump, when set, returned nothing); point them at the database file or blob directory your app writes", write, x.Files)
			return
		case !changed:
			r.errorf("the storage did not change after %s: Files (or Dump) inspect the wrong place — point them at the database file (its -wal and -journal are added) or blob directory your app writes — or the write was not stored", write)
		}
		forms := earForms(random)
		for _, n := range names {
			for _, f := range forms {
				if bytes.Contains(after[n], f.b) {
					r.errorf("the personal data sent by %s is stored %s in %s: %s (PCI DSS v4 3.5.1; GDPR art. 32)", write, f.what, n, f.fix)
					break
				}
			}
		}
	})
	if x.Read.IsZero() {
		r.logf("no Read: the read-back check was skipped; set Read to the request that returns the data, to prove it was stored and still reads back")
		return
	}
	r.step("And", fmt.Sprintf("%s reads it back", read), func() {
		resp, err := c.do(ctx, read.req(nil))
		if err != nil {
			r.errorf("%s: %v", read, err)
			return
		}
		r.logf("%s = %s: %.100q", read, resp, resp.Body)
		switch {
		case resp.Dropped || resp.Status < 200 || resp.Status > 299:
			r.errorf("%s after %s = %s, want 2xx with the data written: the write was dropped or the read fails; check Read's path, or your app's decryption", read, write, resp)
		case !bytes.Contains(resp.Body, []byte(random)):
			r.errorf("%s after %s = %d without the data written: the write was silently dropped, or the read does not decrypt it; store it (encrypted) and decrypt on read", read, write, resp.Status)
		}
	})
}
