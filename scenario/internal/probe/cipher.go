package probe

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash/maphash"
	"regexp"
	"strconv"
)

// What storage bytes show about how data was encrypted (OWASP ASVS 5.0
// V11.3: no ECB, no deterministic encryption of data that repeats; V13.3:
// keys kept apart from the data they protect).

// window is the length of the byte windows that tell old bytes from new.
const window = 16

// Seen is the set of every 16-byte window of some storage snapshots: what
// was there before.
type Seen struct {
	seed maphash.Seed
	set  map[uint64]struct{}
}

// NewSeen returns an empty set.
func NewSeen() *Seen { return &Seen{seed: maphash.MakeSeed(), set: map[uint64]struct{}{}} }

// Add adds every window of b.
func (s *Seen) Add(b []byte) {
	for i := 0; i+window <= len(b); i++ {
		s.set[maphash.Bytes(s.seed, b[i:i+window])] = struct{}{}
	}
}

// Novel returns the runs of b, as [lo, hi) pairs, that no window seen
// covers: bytes written since, such as a new ciphertext.
func (s *Seen) Novel(b []byte) [][2]int {
	covered := make([]bool, len(b))
	until := -1
	for i := 0; i < len(b); i++ {
		if i+window <= len(b) {
			if _, ok := s.set[maphash.Bytes(s.seed, b[i:i+window])]; ok {
				until = i + window
			}
		}
		covered[i] = i < until
	}
	var runs [][2]int
	for i := 0; i < len(b); {
		if covered[i] {
			i++
			continue
		}
		j := i
		for j < len(b) && !covered[j] {
			j++
		}
		runs = append(runs, [2]int{i, j})
		i = j
	}
	return runs
}

// Longest returns the length of the longest run.
func Longest(runs [][2]int) int {
	n := 0
	for _, r := range runs {
		n = max(n, r[1]-r[0])
	}
	return n
}

// RepeatedBlocks returns the period (16: raw bytes, 32: hex, 64: base64)
// of the first stretch of b, inside the runs, in which one high-entropy
// block repeats at least three times in a row — what ECB mode makes of a
// plaintext that repeats — or 0.
func RepeatedBlocks(b []byte, runs [][2]int) int {
	for _, r := range runs {
		for _, p := range []int{16, 32, 64} {
			same := 0
			for i := r[0]; i+p < r[1]; i++ {
				if b[i] != b[i+p] {
					same = 0
					continue
				}
				if same++; same >= 2*p && distinct(b[i+1-2*p:i+1-p]) >= 10 {
					return p
				}
			}
		}
	}
	return 0
}

func distinct(b []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c] = true
			n++
		}
	}
	return n
}

// Hash is an unkeyed hash of a value, in one of the forms it is stored in.
type Hash struct {
	What string // "SHA-256 (hex)"
	B    []byte
}

// UnkeyedHashes returns the MD5, SHA-1, SHA-256 and SHA-512 of v, raw, as
// hex (both cases) and as base64.
func UnkeyedHashes(v string) []Hash {
	var out []Hash
	for _, h := range []struct {
		name string
		sum  []byte
	}{
		{"MD5", func() []byte { s := md5.Sum([]byte(v)); return s[:] }()},
		{"SHA-1", func() []byte { s := sha1.Sum([]byte(v)); return s[:] }()},
		{"SHA-256", func() []byte { s := sha256.Sum256([]byte(v)); return s[:] }()},
		{"SHA-512", func() []byte { s := sha512.Sum512([]byte(v)); return s[:] }()},
	} {
		x := hex.EncodeToString(h.sum)
		out = append(out,
			Hash{h.name + " (raw)", h.sum},
			Hash{h.name + " (hex)", []byte(x)},
			Hash{h.name + " (hex)", bytes.ToUpper([]byte(x))},
			Hash{h.name + " (base64)", []byte(base64.StdEncoding.EncodeToString(h.sum))},
			Hash{h.name + " (base64)", []byte(base64.RawURLEncoding.EncodeToString(h.sum))})
	}
	return out
}

// namedKey matches a value stored under a name that says it is an
// encryption key: "encryption_key": "…", aes_key=…, masterKey: …; not a
// generic one (data-key, field_key, api_key).
var namedKey = regexp.MustCompile(`(?i)\b[\w.-]*(?:encryption|encrypt|enc|aes|master|dek|kek|cipher|crypto)[_.-]?key\b["']?\s*[:=,]?\s*["']?([A-Za-z0-9+/_-]{22,88}={0,2})`)

// pemKey matches a PEM block holding a private or secret key.
var pemKey = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*(?:PRIVATE|SECRET|AES|SYMMETRIC) KEY-----`)

// Key is key material found in storage.
type Key struct {
	What string // `a value named "encryption_key"`, "a PEM private key"
	// B is the key's bytes when they are an AES key (16, 24 or 32 bytes).
	B []byte
}

// KeysIn returns the key material b shows: PEM key blocks and values
// stored under a key-like name.
func KeysIn(b []byte) []Key {
	var out []Key
	if pemKey.Match(b) {
		out = append(out, Key{What: "a PEM key block (" + string(pemKey.Find(b)) + ")"})
	}
	for _, m := range namedKey.FindAllSubmatchIndex(b, 8) {
		name := bytes.TrimRight(bytes.TrimSpace(b[m[0]:m[2]]), `"':=, `)
		if i := bytes.IndexAny(name, `"' :=,`); i > 0 {
			name = name[:i]
		}
		k := Key{What: "a value named " + strconv.Quote(string(name)), B: AESKey(b[m[2]:m[3]])}
		out = append(out, k)
	}
	return out
}

// AESKey decodes s (hex, base64 or raw) as an AES key, or returns nil.
func AESKey(s []byte) []byte {
	ok := func(k []byte) bool { return len(k) == 16 || len(k) == 24 || len(k) == 32 }
	s = bytes.TrimSpace(s)
	if k, err := hex.DecodeString(string(s)); err == nil && ok(k) {
		return k
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(string(s)); err == nil && ok(k) {
			return k
		}
	}
	if ok(s) {
		return s
	}
	return nil
}

// Decrypts reports whether key opens a ciphertext in b[lo:hi] (raw, or as
// hex or base64) into a plaintext that contains want: AES-GCM with the
// 12-byte nonce before the sealed data, or AES-CTR or AES-CBC with the
// 16-byte IV before it. The run's ends may be off by a few bytes (a record
// header before it, a field after it).
func Decrypts(key, b []byte, lo, hi int, want []byte) bool {
	block, err := aes.NewCipher(key)
	if err != nil {
		return false
	}
	gcm, _ := cipher.NewGCM(block)
	for _, ct := range decodings(b[lo:hi]) {
		for s := 0; s <= 16 && s < len(ct); s++ {
			c := ct[s:]
			if len(c) > 16 {
				dst := make([]byte, len(c)-16)
				cipher.NewCTR(block, c[:16]).XORKeyStream(dst, c[16:])
				if bytes.Contains(dst, want) {
					return true
				}
				if n := (len(c) - 16) / 16 * 16; n > 0 {
					dst = make([]byte, n)
					cipher.NewCBCDecrypter(block, c[:16]).CryptBlocks(dst, c[16:16+n])
					if bytes.Contains(dst, want) {
						return true
					}
				}
			}
			for e := len(c); e >= len(c)-16 && e > 12+16; e-- {
				if p, err := gcm.Open(nil, c[:12], c[12:e], nil); err == nil && bytes.Contains(p, want) {
					return true
				}
			}
		}
	}
	return false
}

// textToken matches a hex or base64 token, such as a stored ciphertext.
var textToken = regexp.MustCompile(`[A-Za-z0-9+/_-]{24,}={0,2}`)

// decodings returns b, and what each hex or base64 token in b decodes to.
func decodings(b []byte) [][]byte {
	out := [][]byte{b}
	for _, tok := range textToken.FindAll(b, 16) {
		if d, err := hex.DecodeString(string(tok)); err == nil {
			out = append(out, d)
			continue
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(string(tok)); err == nil {
				out = append(out, d)
				break
			}
		}
	}
	return out
}
