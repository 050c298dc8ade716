package scenario_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
)

// earFixedCTR encrypts with AES-CTR under one fixed IV: deterministic, the
// same plaintext gives the same bytes every time.
func earFixedCTR(t *testing.T) earCodec {
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]byte, 16)
	return earCodec{
		func(p []byte) []byte {
			out := make([]byte, len(p))
			cipher.NewCTR(block, iv).XORKeyStream(out, p)
			return out
		},
		func(s []byte) ([]byte, error) {
			out := make([]byte, len(s))
			cipher.NewCTR(block, iv).XORKeyStream(out, s)
			return out, nil
		},
	}
}

// earECB encrypts with AES in ECB mode, PKCS#7 padded.
func earECB(t *testing.T) earCodec {
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	return earCodec{
		func(p []byte) []byte {
			n := 16 - len(p)%16
			p = append(append([]byte{}, p...), bytes.Repeat([]byte{byte(n)}, n)...)
			out := make([]byte, len(p))
			for i := 0; i < len(p); i += 16 {
				block.Encrypt(out[i:], p[i:i+16])
			}
			return out
		},
		func(s []byte) ([]byte, error) {
			out := make([]byte, len(s))
			for i := 0; i+16 <= len(s); i += 16 {
				block.Decrypt(out[i:], s[i:i+16])
			}
			if len(out) == 0 {
				return out, nil
			}
			return out[:len(out)-int(out[len(out)-1])%17], nil
		},
	}
}

// ASVS 5.0 V11.3: an encryption that gives the same bytes for the same
// data (a fixed IV) or shows the data's repeated blocks (ECB) fails;
// AES-GCM with a random nonce (TestEncryptedAtRestPassesAESGCM) passes.
func TestEncryptedAtRestCatchesDeterministicEncryption(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		codec func(*testing.T) earCodec
		want  []string
	}{
		{"AES-CTR with a fixed IV", earFixedCTR, []string{
			"writing the same data again stored no new ciphertext",
			"deterministic encryption (ECB, or CBC/CTR with a fixed IV or nonce)",
			"encrypt with AES-256-GCM and a random nonce for every encryption (OWASP ASVS 5.0 V11.3.1, V11.3.4)",
		}},
		{"AES-ECB", earECB, []string{
			"shows the same 16-byte blocks repeated in a row: ECB mode encrypts equal plaintext blocks to equal ciphertext blocks",
		}},
	} {
		for _, url := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: "", true: "/url"}[url], func(t *testing.T) {
				x, _ := earScenario(t, tc.codec(t), false, url)
				wantProblems(t, x, tc.want...)
			})
		}
	}
}

// earCards is a card vault in memory, inspected through Dump: POST /cards
// {"id", "holder", "card_number", "cvc"} keeps the holder sealed with
// AES-GCM and the card number as keep makes it; with cvc it keeps the CVC
// too, with track a card's track 2.
type earCards struct {
	mu    sync.Mutex
	recs  map[string][]byte
	gcm   cipher.AEAD
	keep  func(pan string) string
	cvc   bool
	track bool
	extra []byte // kept beside the records, such as a key
	// show makes what GET /cards/{id} shows of the card number; the
	// holder and the number are held in the process for it, not stored.
	show func(pan string) string
	live map[string][2]string
}

func newEarCards(t *testing.T, keep func(string) string) *earCards {
	key := make([]byte, 32)
	rand.Read(key)
	block, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(block)
	return &earCards{recs: map[string][]byte{}, gcm: g, keep: keep, show: func(p string) string { return "************" + p[12:] }}
}

func (m *earCards) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cards", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ID     string `json:"id"`
			Holder string `json:"holder"`
			Card   string `json:"card_number"`
			CVC    string `json:"cvc"`
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil {
			http.Error(w, "bad card", http.StatusBadRequest)
			return
		}
		nonce := make([]byte, m.gcm.NonceSize())
		rand.Read(nonce)
		rec := map[string]string{
			"holder": base64.StdEncoding.EncodeToString(m.gcm.Seal(nonce, nonce, []byte(in.Holder), nil)),
			"pan":    m.keep(strings.ReplaceAll(in.Card, " ", "")),
		}
		if m.cvc {
			rec["cvc"] = in.CVC
		}
		if m.track {
			rec["t2"] = ";" + strings.ReplaceAll(in.Card, " ", "") + "=30121010000000000000?"
		}
		b, _ := json.Marshal(rec)
		m.mu.Lock()
		m.recs[in.ID] = b
		if m.live == nil {
			m.live = map[string][2]string{}
		}
		m.live[in.ID] = [2]string{in.Holder, strings.ReplaceAll(in.Card, " ", "")}
		m.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /cards/{id}", func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		c, ok := m.live[r.PathValue("id")]
		m.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"holder": c[0], "card": m.show(c[1])})
	})
	return mux
}

func (m *earCards) dump(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := append([]byte{}, m.extra...)
	for _, v := range m.recs {
		all = append(all, v...)
	}
	return all, nil
}

func (m *earCards) scenario() scenario.EncryptedAtRest {
	return scenario.EncryptedAtRest{
		Target: scenario.Handler(m.handler()),
		Write: scenario.Request{Path: "/cards", Body: []byte(`{"id": "c1", "holder": "` + scenario.SecretPlaceholder +
			`", "card_number": "4111 1111 1111 1111", "expiry": "12/30", "cvc": "123"}`)},
		Read: scenario.Request{Path: "/cards/c1"},
		Dump: m.dump,
	}
}

var earHMACKey = []byte("a key kept in the key manager, not in the store")

// PCI DSS v4 3.3.1 and 3.5.1: a stored card number is unreadable (never
// plain, never an unkeyed hash), and no card verification code or track
// data is kept at all.
func TestEncryptedAtRestCardData(t *testing.T) {
	t.Parallel()
	masked := func(pan string) string { return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:] }
	keyed := func(pan string) string {
		m := hmac.New(sha256.New, earHMACKey)
		m.Write([]byte(pan))
		return hex.EncodeToString(m.Sum(nil))
	}
	for _, tc := range []struct {
		name string
		app  func() *earCards
		want []string // none: the check passes
	}{
		{"card number kept plain", func() *earCards { return newEarCards(t, func(p string) string { return p }) }, []string{
			`the card number sent by POST /cards is stored in plain text (UTF-8) in Dump: a stored card number must be unreadable (PCI DSS v4 3.5.1)`,
		}},
		{"card number kept as an unkeyed SHA-256", func() *earCards {
			return newEarCards(t, func(p string) string { s := sha256.Sum256([]byte(p)); return hex.EncodeToString(s[:]) })
		}, []string{
			"the card number sent by POST /cards is stored as its unkeyed SHA-256 (hex) hash in Dump",
			"use a keyed hash (HMAC-SHA-256 with a key kept apart from the data) for lookups",
		}},
		{"CVC kept", func() *earCards { m := newEarCards(t, masked); m.cvc = true; return m }, []string{
			`Dump keeps a field named "cvc", the card verification code (CVV2/CVC2/CID): sensitive authentication data must not be kept after authorization, not even encrypted (PCI DSS v4 3.3.1)`,
		}},
		{"track data kept", func() *earCards { m := newEarCards(t, masked); m.track = true; return m }, []string{
			"Dump holds magnetic-stripe track data",
			"(PCI DSS v4 3.3.1.1)",
		}},
		{"twelve digits kept", func() *earCards {
			return newEarCards(t, func(p string) string { return p[:12] + "****" })
		}, []string{
			"the card number sent by POST /cards is stored truncated to 12 digits in Dump (411111######****, # marking the digits it must not keep): a truncated card number keeps at most the first six and last four digits (PCI DSS v4 3.4.1, 3.5.1)",
		}},
		{"BIN, last four and a hash of the digits cut", func() *earCards {
			return newEarCards(t, func(p string) string {
				s := sha256.Sum256([]byte(p[6:12]))
				return masked(p) + "/" + hex.EncodeToString(s[:])
			})
		}, []string{
			"the digits cut from the card number sent by POST /cards are stored as their unkeyed SHA-256 (hex) hash in Dump",
			"hashing cannot replace the truncated segment (PCI DSS v4 3.5.1)",
		}},
		{"the whole card number shown on read", func() *earCards {
			m := newEarCards(t, masked)
			m.show = func(p string) string { return p }
			return m
		}, []string{
			"GET /cards/c1 shows the whole card number: when displayed, a card number is masked to at most its first six and last four digits",
		}},
		{"ten digits shown on read", func() *earCards {
			m := newEarCards(t, masked)
			m.show = func(p string) string { return p[:10] + "******" }
			return m
		}, []string{
			"GET /cards/c1 shows 10 digits of the card number (411111####******",
		}},
		{"BIN and last four kept", func() *earCards { return newEarCards(t, masked) }, nil},
		{"BIN and last four shown", func() *earCards { m := newEarCards(t, masked); m.show = masked; return m }, nil},
		{"keyed hash kept", func() *earCards { return newEarCards(t, keyed) }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := tc.app().scenario()
			if tc.want == nil {
				if err := x.Verify(context.Background()); err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			got := verifyProblems(t, x)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems do not contain %q:\n%s", w, got)
				}
			}
			res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, tc.app().scenario()) })
			for _, out := range []string{got, res.Output()} {
				if strings.Contains(out, "4111 1111") || strings.Contains(out, "41111111") {
					t.Errorf("the report shows the card number:\n%s", out)
				}
			}
		})
	}
}

// ASVS 5.0 V13.3.1: the key kept beside the data it encrypts is found, and
// the check says when it decrypts what was stored.
func TestEncryptedAtRestKeyBesideTheData(t *testing.T) {
	t.Parallel()
	t.Run("a key file in the data directory", func(t *testing.T) {
		dir := t.TempDir()
		key := make([]byte, 32)
		rand.Read(key)
		block, _ := aes.NewCipher(key)
		gcm, _ := cipher.NewGCM(block)
		codec := earCodec{
			func(p []byte) []byte {
				n := make([]byte, 12)
				rand.Read(n)
				return gcm.Seal(n, n, p, nil)
			},
			func(s []byte) ([]byte, error) { return gcm.Open(nil, s[:12], s[12:], nil) },
		}
		a := newEarApp(t, filepath.Join(dir, "app.db"), codec)
		if err := os.WriteFile(filepath.Join(dir, "data.key"), []byte(hex.EncodeToString(key)), 0o600); err != nil {
			t.Fatal(err)
		}
		x := scenario.EncryptedAtRest{Target: scenario.Handler(a.handler()), Write: earWrite, Read: earRead, Files: []string{dir}}
		wantProblems(t, x,
			"an encryption key is stored with the data: a key file in "+filepath.Join(dir, "data.key")+", and it decrypts the data the write stored",
			"keep keys in a key manager (a KMS, Vault) and out of the data store and its backups (OWASP ASVS 5.0 V13.3.1")
	})
	t.Run("a key in the store", func(t *testing.T) {
		m := newEarCards(t, func(p string) string { return p[len(p)-4:] })
		k := make([]byte, 32)
		rand.Read(k)
		m.extra = []byte(`{"settings": {"encryption_key": "` + hex.EncodeToString(k) + `"}}`)
		wantProblems(t, m.scenario(), `an encryption key is stored with the data: a value named "encryption_key" in Dump`)
	})
}

// What the storage's bytes cannot show is said, on a pass too.
func TestEncryptedAtRestSaysWhatItCannotProve(t *testing.T) {
	t.Parallel()
	x, _ := earScenario(t, earAESGCM(t), false, false)
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed {
		t.Fatalf("AES-GCM failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"And the same data written again is not stored as the same bytes (no deterministic or ECB encryption)",
		"POST /users with the first value again = 201",
		"not provable from the storage's bytes: that the cipher authenticates what it encrypts (OWASP ASVS 5.0 V11.3.3)",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}
	// A Write that succeeds only once: the repeat probes are not proven,
	// and the check still passes on what it saw.
	path := filepath.Join(t.TempDir(), "app.db")
	a := newEarApp(t, path, earAESGCM(t))
	var mu sync.Mutex
	writes := 0
	h := a.handler()
	once := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			mu.Lock()
			writes++
			n := writes
			mu.Unlock()
			if n > 1 {
				http.Error(w, "user exists", http.StatusConflict)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
	x = scenario.EncryptedAtRest{Target: scenario.Handler(once), Write: earWrite, Read: earRead, Files: []string{path}}
	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed || !strings.Contains(res.Output(), "not proven: POST /users with a new value = 409: the repeat probes need Write to succeed more than once") {
		t.Errorf("a Write that succeeds once: failed=%v\n%s", res.Failed, res.Output())
	}
}

func init() {
	registerLayers(
		layerCase{name: "EncryptedAtRest/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			path := filepath.Join(t.TempDir(), "app.db")
			a := newEarApp(t, path, earAESGCM(t))
			return scenario.EncryptedAtRest{Target: scenario.Handler(wrap(a.handler())), Write: earWrite, Read: earRead, Files: []string{path}}
		}},
		layerCase{name: "EncryptedAtRest/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			m := &earMemStore{recs: map[string][]byte{}, encode: earFixedCTR(t).seal}
			return scenario.EncryptedAtRest{
				Target: scenario.Handler(wrap(m.handler())),
				Write:  scenario.Request{Method: http.MethodPut, Path: "/profile/bob", Body: []byte(`{"name":"Bob","phone":"{{canary}}"}`)},
				Dump:   m.dump,
			}
		}},
	)
}

// A handler that answers first and stores after (a write-behind cache) is
// inspected once it stored: in process the check waits for the handler.
func TestEncryptedAtRestInspectsWhatIsStoredAfterTheResponse(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var stored []byte
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusCreated)
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond) // the write-behind
		mu.Lock()
		stored = append(stored, b...)
		mu.Unlock()
	})
	x := scenario.EncryptedAtRest{
		Target: scenario.Handler(h),
		Write:  scenario.Request{Path: "/users", Body: []byte(`{"ssn": "{{canary}}"}`)},
		Dump: func(context.Context) ([]byte, error) {
			mu.Lock()
			defer mu.Unlock()
			return append([]byte("{}"), stored...), nil
		},
	}
	wantProblems(t, x, "the personal data sent by POST /users is stored in plain text (UTF-8) in Dump")
}
