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
	"time"

	"github.com/jettymethod/jetty/internal/redact"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// EncryptedAtRest checks that personal data the application stores is
// encrypted at rest (PCI DSS v4 3.5.1: stored account data is unreadable,
// and 3.3.1: sensitive authentication data is not kept; HIPAA
// §164.312(a)(2)(iv); GDPR art. 32(1)(a); OWASP ASVS 5.0 V11, cryptography,
// and V13.3, secrets). It sends Write — a request that stores personal data
// — with [SecretPlaceholder] replaced by a canary unique to the run, then
// reads the raw bytes of the storage (Files, Dump, or both). By default it
// checks that
//
//   - the storage is not empty and changed with the write: otherwise Files
//     points at the wrong place, or the write was not stored;
//   - the canary's random part appears nowhere in it, neither as UTF-8, nor
//     as UTF-16LE, nor base64 (standard and URL alphabets, at any of the three
//     byte alignments, so a base64 of a whole record is found too), nor hex
//     (lower or upper case): encoding is not encryption;
//   - neither the canary nor a card number Write carries (13 to 19 digits
//     that pass the Luhn check, in any spacing) is stored readable or as an
//     unkeyed MD5, SHA-1, SHA-256 or SHA-512 hash (PCI DSS v4 3.5.1, 3.5.1.1);
//     the first six and last four digits are fine, more digits are not, nor
//     an unkeyed hash of the digits cut (it gives them back);
//   - no column or key is named for sensitive authentication data (cvv,
//     cvc2, card_verification_code, track2, pin_block…) and no track data
//     is stored (PCI DSS v4 3.3.1: not after authorization, not even
//     encrypted);
//   - no encryption key is stored with the data (a PEM key block, a value
//     named encryption_key or aes_key, a key file such as data.key among
//     Files); a key found is tried on what the write stored (AES-GCM, CTR,
//     CBC) and the failure says when it decrypts it (ASVS V13.3.1);
//   - writing a new value, then the first value again, stores new bytes each
//     time: the same bytes again are deterministic encryption (a fixed IV or
//     nonce), and a value that repeats (192 "x") must not show repeated
//     ciphertext blocks (ECB) (ASVS V11.3.1, V11.3.4). Write is sent three
//     more times for this; a Write that succeeds only once is reported as
//     not proven.
//
// Reading the data back needs Read: its answer must be 2xx and contain the
// canary (the application still works, and the data was stored, not
// dropped), and show at most the first six and last four digits of a card
// number Write carried (PCI DSS v4 3.4.1); without Read the scenario reports "not proven: …; set
// EncryptedAtRest.Read". What bytes cannot show — that the cipher is
// authenticated, where a key outside the storage is kept, an encryption
// below the files — is said in the log, not claimed.
//
// The scenario adds no canary of its own: Write must carry
// SecretPlaceholder where the personal data goes (for example
// {"name": "Alice", "ssn": "{{canary}}"}), or the scenario reports it.
// Read may carry it too (GET /users?ssn={{canary}}); it gets the same canary.
//
// A failure names the file and the form the data was found in. Encrypt the
// field before storing it (AES-256-GCM with crypto/aes and crypto/cipher, a
// random nonce each time, the key from a key manager, not next to the data)
// or encrypt the database or volume; a file found plain in a database file
// means neither was done.
//
// It covers preset.EncryptionAtRest. EncryptedAtRest is a value; Verify and
// Run are safe in parallel tests when the target and its storage are not
// shared with another run.
//
// Not proven without its field, and required by a preset with
// preset.EncryptionAtRest (coverage is partial without them): the read-back
// (Read), the deterministic/ECB repeat probes (a Write that succeeds twice,
// and Files or Dump small enough to compare). A handler still running after
// its answer is only logged.
type EncryptedAtRest struct {
	production

	// Target is the application. Required.
	Target Target
	// Write stores personal data, with SecretPlaceholder where it goes. A
	// zero Method is POST; a JSON object body gets Content-Type:
	// application/json when Header is nil. Required.
	Write Request
	// Read reads the data back through the application; its answer must be
	// 2xx and contain the canary. A zero Method is GET. Optional: with none,
	// the read-back check is reported as not proven.
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

// earRun is one run of EncryptedAtRest: its configuration, resolved once,
// and what was seen.
type earRun struct {
	x              EncryptedAtRest
	r              reporter
	c              *client
	canary, random string
	write, read    Request
	pans           []string          // card numbers Write carries, as digits and as sent
	before, after  map[string][]byte // the storage before and after the write
	seen           *probe.Seen       // every 16-byte window of the storage so far
	first          map[string][][2]int
	stored         bool
}

// earWait is how long the check waits for in-process handlers to return
// before it reads the storage.
const earWait = 5 * time.Second

// earMaxModeBytes is the most storage the mode probes compare.
const earMaxModeBytes = 16 << 20

// earFresh is the shortest run of new bytes that is taken for a fresh
// ciphertext: the canary's random part is 16 bytes, so even a stream
// cipher under a fixed nonce changes that many for a new value, and a
// fresh encryption changes at least as many for the same value; a
// timestamp or a checksum changes fewer.
const earFresh = 16

func (x EncryptedAtRest) exec(r reporter) {
	e := &earRun{x: x, r: r}
	e.canary, e.random = probe.Canary()
	e.write, e.read = e.sub(x.Write, http.MethodPost, e.canary), e.sub(x.Read, http.MethodGet, e.canary)
	r.step("Given", "an application that stores personal data, and its raw storage", e.open)
	if r.failed() {
		return
	}
	r.step("When", fmt.Sprintf("%s stores personal data (a canary)", e.write), e.store)
	if !e.stored {
		return
	}
	r.step("Then", "the storage changed but holds the data in no readable form", e.inspect)
	if x.Read.IsZero() {
		r.notProven(need{preset.EncryptionAtRest, "EncryptedAtRest.Read"}, "no Read: the read-back check was skipped; set EncryptedAtRest.Read to the request that returns the data, to prove it was stored and still reads back")
	} else {
		r.step("And", fmt.Sprintf("%s reads it back", e.read), e.readBack)
	}
	if r.failed() {
		return
	}
	r.step("And", "the same data written again is not stored as the same bytes (no deterministic or ECB encryption)", e.modes)
	r.logf("not provable from the storage's bytes: that the cipher authenticates what it encrypts (OWASP ASVS 5.0 V11.3.3), that the key is kept in a key manager and rotated (V11.1, V13.3) when it is not in the storage, what a database or volume encryption below the files does, and that no card verification code or PIN is kept under another name or encrypted (PCI DSS v4 3.3.1)")
}

// sub returns q with its defaults and the placeholder replaced by v.
func (e *earRun) sub(q Request, method, v string) Request {
	q = q.orDefault(Request{Method: method})
	q.Path = strings.ReplaceAll(q.Path, SecretPlaceholder, v)
	q.Body = bytes.ReplaceAll(q.Body, []byte(SecretPlaceholder), []byte(v))
	h := http.Header{}
	for k, vs := range q.Header {
		for _, s := range vs {
			h.Add(k, strings.ReplaceAll(s, SecretPlaceholder, v))
		}
	}
	q.Header = h
	return q
}

// open validates the fields, opens the target and reads the storage.
func (e *earRun) open() {
	x, r := e.x, e.r
	if p := earConfigProblem(x, e.write, e.read); p != "" {
		r.errorf("%s", p)
	}
	if len(x.Files) == 0 && x.Dump == nil {
		r.errorf("no Files and no Dump: set Files to the storage files (the SQLite file, a blob directory; globs allowed), or Dump to a function returning the storage's raw bytes")
	}
	if r.failed() {
		return
	}
	e.pans = earPANs(e.write)
	if e.c = connect(r, x.Target); e.c == nil {
		return
	}
	var err error
	if e.before, err = x.earSnapshot(r.context()); err != nil {
		r.errorf("%v", err)
		return
	}
	e.seen = probe.NewSeen()
	for _, b := range e.before {
		e.seen.Add(b)
	}
}

// earConfigProblem judges Write and Read.
func earConfigProblem(x EncryptedAtRest, write, read Request) string {
	has := strings.Contains(x.Write.Path, SecretPlaceholder) || bytes.Contains(x.Write.Body, []byte(SecretPlaceholder))
	for _, vs := range x.Write.Header {
		for _, v := range vs {
			has = has || strings.Contains(v, SecretPlaceholder)
		}
	}
	switch {
	case x.Write.IsZero():
		return "no Write: set Write to the request that stores personal data, with scenario.SecretPlaceholder where it goes, e.g. Write: scenario.Request{Path: \"/users\", Body: []byte(`{\"ssn\": \"{{canary}}\"}`)}"
	case !strings.HasPrefix(write.Path, "/"):
		return fmt.Sprintf("Write.Path = %q: want a path starting with /, such as /users", x.Write.Path)
	case !has:
		return fmt.Sprintf("Write carries no %s: the scenario adds no personal data of its own; put scenario.SecretPlaceholder in the field that holds it, e.g. {\"ssn\": \"%s\"}", SecretPlaceholder, SecretPlaceholder)
	case !x.Read.IsZero() && !strings.HasPrefix(read.Path, "/"):
		return fmt.Sprintf("Read.Path = %q: want a path starting with /, such as /users/alice", x.Read.Path)
	}
	return ""
}

// earPANs returns the card numbers q carries: each one's digits, and the
// form it was sent in when that differs.
func earPANs(q Request) []string {
	all := q.Path + "\n" + string(q.Body)
	for _, vs := range q.Header {
		all += "\n" + strings.Join(vs, "\n")
	}
	var out []string
	for _, run := range probe.PANRun.FindAllString(all, -1) {
		if d := probe.Digits(run); probe.IsPAN(d) {
			for _, f := range []string{d, run} {
				if !slices.Contains(out, f) {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// send sends q and returns whether it was answered 2xx.
func (e *earRun) send(q Request, what string) (*response, bool) {
	resp, err := e.c.do(e.r.context(), q.req(nil))
	if err != nil {
		e.r.errorf("%s: %v", what, err)
		return nil, false
	}
	// A handler may store after it wrote its response: wait for it.
	if !e.c.WaitHandlers(earWait) {
		e.r.notProven(need{}, "%s: the handler was still running %s after its response: what it stores later was not inspected; make it return", what, probe.Words(earWait))
	}
	return resp, !resp.Dropped && resp.Status >= 200 && resp.Status <= 299
}

func (e *earRun) store() {
	resp, ok := e.send(e.write, e.write.String())
	if resp == nil {
		return
	}
	e.r.logf("%s with the canary %s = %s: %.100q", e.write, e.canary, resp, earMasked(resp.Body))
	if !ok {
		e.r.errorf("%s = %s, want 2xx: the write must succeed for its storage to be inspected; check Write's path, body and credentials", e.write, resp)
		return
	}
	e.stored = true
}

// names returns the snapshot's names, sorted.
func earNames(snap map[string][]byte) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range snap {
			if !yield(k) {
				return
			}
		}
	})
}

func (e *earRun) inspect() {
	r := e.r
	var err error
	if e.after, err = e.x.earSnapshot(r.context()); err != nil {
		r.errorf("%v", err)
		return
	}
	names := earNames(e.after)
	size := 0
	for _, n := range names {
		size += len(e.after[n])
	}
	r.logf("inspected %d byte(s) of storage in %s", size, strings.Join(names, ", "))
	if size == 0 {
		r.errorf("the storage is empty after %s: Files %q matched no file with data (and Dump, when set, returned nothing); point them at the database file or blob directory your app writes", e.write, e.x.Files)
		return
	}
	if !earChanged(e.before, e.after) {
		r.errorf("the storage did not change after %s: Files (or Dump) inspect the wrong place — point them at the database file (its -wal and -journal are added) or blob directory your app writes — or the write was not stored", e.write)
	}
	e.first = map[string][][2]int{}
	for _, n := range names {
		e.first[n] = e.seen.Novel(e.after[n])
		e.seen.Add(e.after[n])
		for _, p := range earReadable(e.write.String(), n, e.after[n], e.canary, e.random, e.pans) {
			r.errorf("%s", p)
		}
	}
	e.keys(names)
}

// earChanged reports whether the storage changed between two snapshots.
func earChanged(before, after map[string][]byte) bool {
	for n, b := range after {
		if old, ok := before[n]; !ok || !bytes.Equal(old, b) {
			return true
		}
	}
	for n := range before {
		if _, ok := after[n]; !ok {
			return true
		}
	}
	return false
}

// earReadable judges one stored file b, named name, after write stored the
// canary (whose random part is random) and the card numbers pans: every
// readable form of them, unkeyed hashes, and the card data PCI DSS forbids
// keeping at all.
func earReadable(write, name string, b []byte, canary, random string, pans []string) []string {
	var out []string
	for _, f := range earForms(random) {
		if bytes.Contains(b, f.b) {
			out = append(out, fmt.Sprintf("the personal data sent by %s is stored %s in %s: %s (PCI DSS v4 3.5.1; GDPR art. 32)", write, f.what, name, f.fix))
			break
		}
	}
	for _, pan := range pans {
		if f, ok := earFind(b, earForms(pan)); ok {
			out = append(out, fmt.Sprintf("the card number sent by %s is stored %s in %s: a stored card number must be unreadable (PCI DSS v4 3.5.1): encrypt it (AES-256-GCM), tokenize it, or keep only its first six and last four digits", write, f.what, name))
			break
		}
	}
	out = append(out, earTruncated(write, name, b, pans)...)
	secrets := append([]string{canary}, pans...)
	for i, v := range secrets {
		for _, h := range probe.UnkeyedHashes(v) {
			if bytes.Contains(b, h.B) {
				what := "the personal data"
				if i > 0 {
					what = "the card number"
				}
				out = append(out, fmt.Sprintf("%s sent by %s is stored as its unkeyed %s hash in %s: a value with few possible forms (a card number, an SSN) is recovered by hashing every candidate; use a keyed hash (HMAC-SHA-256 with a key kept apart from the data) for lookups, and encrypt the value itself (PCI DSS v4 3.5.1.1; OWASP ASVS 5.0 V11.4)", what, write, h.What, name))
				break
			}
		}
	}
	return append(out, earSAD(name, b)...)
}

// earTruncated judges how a card number is truncated in b: at most the
// first six and last four digits may be kept, and the digits cut must not
// be kept as an unkeyed hash (PCI DSS v4 3.5.1: "hashing cannot be used to
// replace the truncated segment").
func earTruncated(write, name string, b []byte, pans []string) []string {
	var out []string
	for _, pan := range pans {
		if !probe.IsPAN(pan) {
			continue // the form it was sent in
		}
		if form, shown := probe.OverShown(string(b), pan); form != "" {
			out = append(out, fmt.Sprintf("the card number sent by %s is stored truncated to %d digits in %s (%s, # marking the digits it must not keep): a truncated card number keeps at most the first six and last four digits (PCI DSS v4 3.4.1, 3.5.1)", write, shown, name, form))
		}
		for _, h := range probe.UnkeyedHashes(pan[6 : len(pan)-4]) {
			if bytes.Contains(b, h.B) {
				out = append(out, fmt.Sprintf("the digits cut from the card number sent by %s are stored as their unkeyed %s hash in %s: they have so few possible values that the hash gives them back, so the truncated number is whole again; hashing cannot replace the truncated segment (PCI DSS v4 3.5.1): drop them, or encrypt the whole number", write, h.What, name))
				break
			}
		}
	}
	return out
}

// earFind returns the first of forms in b.
func earFind(b []byte, forms []earForm) (earForm, bool) {
	for _, f := range forms {
		if bytes.Contains(b, f.b) {
			return f, true
		}
	}
	return earForm{}, false
}

// earSAD judges whether b keeps sensitive authentication data: a column
// or key named for it, or track data.
func earSAD(name string, b []byte) []string {
	var out []string
	found := probe.SADNames(b)
	for _, k := range []probe.SAD{probe.SADTrack, probe.SADCode, probe.SADPIN} {
		if field, ok := found[k]; ok {
			out = append(out, fmt.Sprintf("%s keeps a field named %q, %s: sensitive authentication data must not be kept after authorization, not even encrypted (PCI DSS v4 3.3.1); send it to the processor and drop the column", name, field, k))
		}
	}
	if loc := probe.TrackData(b); loc != nil {
		out = append(out, fmt.Sprintf("%s holds magnetic-stripe track data (a card number with its expiry and service code, at byte %d): full track data must not be kept after authorization, not even encrypted (PCI DSS v4 3.3.1.1)", name, loc[0]))
	}
	return out
}

// keys looks for encryption keys kept with the data, and whether one of
// them decrypts what the write stored.
func (e *earRun) keys(names []string) {
	for _, n := range names {
		b := e.after[n]
		found := probe.KeysIn(b)
		if earKeyFile(n) {
			found = append(found, probe.Key{What: "a key file", B: probe.AESKey(b)})
		}
		for _, k := range found {
			how := ""
			if k.B != nil && e.decrypts(k.B) {
				how = ", and it decrypts the data the write stored"
			}
			e.r.errorf("an encryption key is stored with the data: %s in %s%s; whoever reads the storage (or a backup of it) reads the data; keep keys in a key manager (a KMS, Vault) and out of the data store and its backups (OWASP ASVS 5.0 V13.3.1; PCI DSS v4 3.6.1)", k.What, n, how)
		}
	}
}

// earKeyFile reports whether a storage file's name says it holds a key (a
// .pem file counts when it holds a key block: KeysIn).
func earKeyFile(name string) bool {
	base := strings.ToLower(filepath.Base(name))
	if ext := filepath.Ext(base); ext == ".key" || ext == ".jwk" {
		return true
	}
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	for _, w := range strings.FieldsFunc(stem, func(r rune) bool { return r == '.' || r == '_' || r == '-' }) {
		if w == "key" || w == "keys" || w == "keyring" || w == "masterkey" || w == "dek" || w == "kek" {
			return true
		}
	}
	return false
}

// decrypts reports whether key opens a run the first write added.
func (e *earRun) decrypts(key []byte) bool {
	for n, runs := range e.first {
		for _, run := range runs {
			if probe.Decrypts(key, e.after[n], run[0], run[1], []byte(e.random)) {
				return true
			}
		}
	}
	return false
}

func (e *earRun) readBack() {
	r := e.r
	resp, ok := e.send(e.read, e.read.String())
	if resp == nil {
		return
	}
	r.logf("%s = %s: %.100q", e.read, resp, earMasked(resp.Body))
	switch {
	case !ok:
		r.errorf("%s after %s = %s, want 2xx with the data written: the write was dropped or the read fails; check Read's path, or your app's decryption", e.read, e.write, resp)
	case !bytes.Contains(resp.Body, []byte(e.random)):
		r.errorf("%s after %s = %d without the data written: the write was silently dropped, or the read does not decrypt it; store it (encrypted) and decrypt on read", e.read, e.write, resp.Status)
	}
	if p := earShown(e.read.String(), resp.Body, e.pans); p != "" {
		r.errorf("%s", p)
	}
}

// earMasked returns a response body with every card number masked, for
// the log.
func earMasked(b []byte) string { return probe.MaskPANs(string(b), redact.Mask) }

// earShown judges what a response body shows of the card numbers Write
// carried: when displayed, at most the first six and last four digits
// (PCI DSS v4 3.4.1).
func earShown(read string, body []byte, pans []string) string {
	for _, pan := range pans {
		if !probe.IsPAN(pan) {
			continue
		}
		if slices.Contains(probe.PANs(string(body)), pan) {
			return fmt.Sprintf("%s shows the whole card number: when displayed, a card number is masked to at most its first six and last four digits, e.g. 411111******1111, unless the viewer has a documented business need (PCI DSS v4 3.4.1)", read)
		}
		if form, shown := probe.OverShown(string(body), pan); form != "" {
			return fmt.Sprintf("%s shows %d digits of the card number (%s, # marking the digits it must not show): when displayed, a card number shows at most its first six and last four digits (PCI DSS v4 3.4.1)", read, shown, form)
		}
	}
	return ""
}

// earSeenWrite is what one probe write added to the storage.
type earSeenWrite struct {
	ok      bool   // answered 2xx and the storage could be read
	changed bool   // the storage changed
	longest int    // the longest run of new bytes
	in      string // the file of the longest run
	ecb     int    // the period of repeated blocks in the new bytes, or 0
	ecbIn   string // the file that shows them
}

// modes writes a new value, the first value again and a value that
// repeats, and judges what the storage shows of the encryption mode.
func (e *earRun) modes() {
	r := e.r
	size := 0
	for _, b := range e.after {
		size += len(b)
	}
	if size > earMaxModeBytes {
		r.notProven(need{preset.EncryptionAtRest, "EncryptedAtRest.Files"}, "the storage holds %d bytes, more than the %d MiB the repeat probes compare: deterministic and ECB encryption were not checked; point Files at the one database file, or Dump at the one table, that holds the data", size, earMaxModeBytes>>20)
		return
	}
	other, _ := probe.Canary()
	fresh := e.probeWrite(other, "a new value")
	if !fresh.ok {
		return
	}
	again := e.probeWrite(e.canary, "the first value again")
	if !again.ok {
		return
	}
	problem, unproven := earDeterministic(fresh, again)
	if problem != "" {
		r.errorf("%s", problem)
	}
	if unproven != "" {
		r.notProven(need{}, "%s", unproven)
	}
	rep, _ := probe.Canary()
	ecb := e.probeWrite(rep+"-"+strings.Repeat("x", 192), "a value that repeats")
	if p := earECB(ecb); p != "" {
		r.errorf("%s", p)
	}
}

// probeWrite stores v through Write and returns what it added.
func (e *earRun) probeWrite(v, what string) earSeenWrite {
	r := e.r
	q := e.sub(e.x.Write, http.MethodPost, v)
	resp, ok := e.send(q, q.String())
	if resp == nil {
		return earSeenWrite{}
	}
	r.logf("%s with %s = %s", q, what, resp)
	if !ok {
		r.notProven(need{preset.EncryptionAtRest, "EncryptedAtRest.Write"}, "%s with %s = %s: the repeat probes need Write to succeed more than once (replacing the record is fine); deterministic and ECB encryption were not checked", q, what, resp)
		return earSeenWrite{}
	}
	snap, err := e.x.earSnapshot(r.context())
	if err != nil {
		r.errorf("%v", err)
		return earSeenWrite{}
	}
	w := earSeenWrite{ok: true, changed: earChanged(e.after, snap)}
	for _, n := range earNames(snap) {
		runs := e.seen.Novel(snap[n])
		if l := probe.Longest(runs); l > w.longest {
			w.longest, w.in = l, n
		}
		if w.ecb == 0 {
			w.ecb, w.ecbIn = probe.RepeatedBlocks(snap[n], runs), n
		}
		e.seen.Add(snap[n])
	}
	e.after = snap
	r.logf("the storage changed: %v; the longest run of new bytes: %d", w.changed, w.longest)
	return w
}

// earDeterministic judges the storage after a new value (fresh) and after
// the first value written again (again): a fresh encryption adds new
// bytes each time, a deterministic one stores the same bytes again.
func earDeterministic(fresh, again earSeenWrite) (problem, unproven string) {
	switch {
	case fresh.longest < earFresh:
		return "", fmt.Sprintf("writing a new value added no run of %d new bytes to the storage (the longest: %d): the repeat probe cannot see a fresh ciphertext, so deterministic encryption was not checked", earFresh, fresh.longest)
	case !again.changed:
		return "", "writing the same value again changed nothing in the storage (the app may skip unchanged writes): deterministic encryption was not checked"
	case again.longest < earFresh:
		return fmt.Sprintf("writing the same data again stored no new ciphertext in %s, while a new value did: equal plaintexts encrypt to equal bytes, deterministic encryption (ECB, or CBC/CTR with a fixed IV or nonce), so whoever reads the storage sees which records hold the same value; encrypt with AES-256-GCM and a random nonce for every encryption (OWASP ASVS 5.0 V11.3.1, V11.3.4); if your application skips storing a value that did not change, make Write create a new record each time instead", fresh.in), ""
	}
	return "", ""
}

// earECB judges the storage after a value that repeats was written.
func earECB(w earSeenWrite) string {
	if !w.ok || w.ecb == 0 {
		return ""
	}
	form := map[int]string{16: "16-byte blocks", 32: "32-character hex blocks", 64: "64-character base64 blocks"}[w.ecb]
	return fmt.Sprintf("after writing a value that repeats, %s shows the same %s repeated in a row: ECB mode encrypts equal plaintext blocks to equal ciphertext blocks, so the data's patterns show through (OWASP ASVS 5.0 V11.3.1); use AES-256-GCM with a random nonce (crypto/cipher.NewGCM)", w.ecbIn, form)
}
