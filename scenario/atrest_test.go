package scenario_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"

	_ "modernc.org/sqlite"
)

// earCodec turns a stored field into bytes and back.
type earCodec struct {
	seal func(plain []byte) []byte
	open func(stored []byte) ([]byte, error)
}

var (
	earPlain  = earCodec{func(p []byte) []byte { return p }, func(s []byte) ([]byte, error) { return s, nil }}
	earBase64 = earCodec{
		func(p []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(p)) },
		func(s []byte) ([]byte, error) { return base64.StdEncoding.DecodeString(string(s)) },
	}
)

// earAESGCM encrypts with AES-256-GCM under a random key: nonce || sealed.
func earAESGCM(t *testing.T) earCodec {
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return earCodec{
		func(p []byte) []byte {
			nonce := make([]byte, gcm.NonceSize())
			rand.Read(nonce)
			return gcm.Seal(nonce, nonce, p, nil)
		},
		func(s []byte) ([]byte, error) {
			if len(s) < gcm.NonceSize() {
				return nil, errors.New("short ciphertext")
			}
			return gcm.Open(nil, s[:gcm.NonceSize()], s[gcm.NonceSize():], nil)
		},
	}
}

// earApp stores users' SSNs in a SQLite database in WAL mode: POST /users
// {"id", "ssn"} and GET /users/{id}.
type earApp struct {
	db    *sql.DB
	codec earCodec
	drop  bool // answers 201 without storing
}

func newEarApp(t *testing.T, path string, codec earCodec) *earApp {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE users (id TEXT PRIMARY KEY, ssn BLOB)`); err != nil {
		t.Fatal(err)
	}
	return &earApp{db: db, codec: codec}
}

func (a *earApp) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		var u struct{ ID, SSN string }
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil || u.ID == "" {
			http.Error(w, "bad user", http.StatusBadRequest)
			return
		}
		if !a.drop {
			if _, err := a.db.ExecContext(r.Context(), `INSERT OR REPLACE INTO users VALUES (?, ?)`, u.ID, a.codec.seal([]byte(u.SSN))); err != nil {
				http.Error(w, "cannot store", http.StatusServiceUnavailable)
				return
			}
		}
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		var stored []byte
		if err := a.db.QueryRowContext(r.Context(), `SELECT ssn FROM users WHERE id = ?`, r.PathValue("id")).Scan(&stored); err != nil {
			http.NotFound(w, r)
			return
		}
		ssn, err := a.codec.open(stored)
		if err != nil {
			http.Error(w, "cannot read", http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"id": r.PathValue("id"), "ssn": string(ssn)})
	})
	return mux
}

var (
	earWrite = scenario.Request{Path: "/users", Body: []byte(`{"id": "alice", "ssn": "` + scenario.SecretPlaceholder + `"}`)}
	earRead  = scenario.Request{Path: "/users/alice"}
)

func earScenario(t *testing.T, codec earCodec, drop, url bool) (scenario.EncryptedAtRest, string) {
	path := filepath.Join(t.TempDir(), "app.db")
	a := newEarApp(t, path, codec)
	a.drop = drop
	target := scenario.Handler(a.handler())
	if url {
		srv := httptest.NewServer(a.handler())
		t.Cleanup(srv.Close)
		target = scenario.URL(srv.URL)
	}
	return scenario.EncryptedAtRest{Target: target, Write: earWrite, Read: earRead, Files: []string{path}}, path
}

func TestEncryptedAtRestPassesAESGCM(t *testing.T) {
	t.Parallel()
	for _, url := range []bool{false, true} {
		t.Run(map[bool]string{false: "in process", true: "url"}[url], func(t *testing.T) {
			x, path := earScenario(t, earAESGCM(t), false, url)
			res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
			if res.Failed {
				t.Fatalf("jetty.Check on an AES-GCM app failed:\n%s", res.Output())
			}
			for _, w := range []string{
				"When POST /users stores personal data (a canary)",
				"POST /users with the canary jetty-canary-",
				"inspected ",
				path + "-wal",
				"And GET /users/alice reads it back",
			} {
				if !strings.Contains(res.Output(), w) {
					t.Errorf("log does not contain %q:\n%s", w, res.Output())
				}
			}
		})
	}
}

func TestEncryptedAtRestCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		codec earCodec
		drop  bool
		want  []string
	}{
		{"plain SQLite column", earPlain, false, []string{
			"the personal data sent by POST /users is stored in plain text (UTF-8) in ",
			"app.db-wal: encrypt the field before storing it",
		}},
		{"base64 is not encryption", earBase64, false, []string{
			"the personal data sent by POST /users is stored base64-encoded in ",
			"base64 is an encoding, not encryption",
		}},
		{"write silently dropped", earPlain, true, []string{
			"GET /users/alice after POST /users = 404, want 2xx with the data written: the write was dropped",
			"the storage did not change after POST /users",
		}},
	} {
		for _, url := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: "", true: "/url"}[url], func(t *testing.T) {
				x, _ := earScenario(t, tc.codec, tc.drop, url)
				wantProblems(t, x, tc.want...)
			})
		}
	}
}

func TestEncryptedAtRestWrongPath(t *testing.T) {
	t.Parallel()
	x, _ := earScenario(t, earPlain, false, false)
	other := filepath.Join(t.TempDir(), "other.db")
	if err := os.WriteFile(other, []byte("unrelated"), 0o600); err != nil {
		t.Fatal(err)
	}
	x.Files = []string{other}
	got := verifyProblems(t, x)
	if !strings.Contains(got, "the storage did not change after POST /users: Files (or Dump) inspect the wrong place") {
		t.Errorf("problems:\n%s", got)
	}
	x.Files = []string{filepath.Join(t.TempDir(), "*.db")}
	got = verifyProblems(t, x)
	if !strings.Contains(got, "the storage is empty after POST /users: Files [") {
		t.Errorf("problems:\n%s", got)
	}
}

func TestEncryptedAtRestGlobAndDirectory(t *testing.T) {
	t.Parallel()
	x, path := earScenario(t, earPlain, false, false)
	for _, files := range [][]string{{filepath.Join(filepath.Dir(path), "app.*")}, {filepath.Dir(path)}} {
		x.Files = files
		got := verifyProblems(t, x)
		if !strings.Contains(got, "stored in plain text (UTF-8) in "+path) {
			t.Errorf("Files %q: problems:\n%s", files, got)
		}
	}
}

// earMemStore is a key-value store in memory, inspected through Dump; it
// keeps each record as a JSON document passed through encode.
type earMemStore struct {
	mu     sync.Mutex
	recs   map[string][]byte
	encode func([]byte) []byte
}

func (m *earMemStore) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /profile/{id}", func(w http.ResponseWriter, r *http.Request) {
		var doc map[string]any
		if err := json.NewDecoder(r.Body).Decode(&doc); err != nil {
			http.Error(w, "bad profile", http.StatusBadRequest)
			return
		}
		raw, _ := json.Marshal(doc)
		m.mu.Lock()
		m.recs[r.PathValue("id")] = m.encode(raw)
		m.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func (m *earMemStore) dump(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []byte
	for _, v := range m.recs {
		all = append(all, v...)
	}
	return all, nil
}

func TestEncryptedAtRestEncodingsThroughDump(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		encode func([]byte) []byte
		want   string
	}{
		{"UTF-16LE", func(b []byte) []byte {
			var out []byte
			for _, u := range utf16.Encode([]rune(string(b))) {
				out = append(out, byte(u), byte(u>>8))
			}
			return out
		}, "stored in plain text (UTF-16LE) in Dump"},
		{"base64 of the whole record", func(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }, "stored base64-encoded in Dump"},
		{"base64 URL of a shifted record", func(b []byte) []byte { return []byte(base64.RawURLEncoding.EncodeToString(append([]byte("x"), b...))) }, "stored base64-encoded in Dump"},
		{"hex", func(b []byte) []byte { return []byte(hex.EncodeToString(b)) }, "stored hex-encoded in Dump: hex is an encoding, not encryption"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &earMemStore{recs: map[string][]byte{}, encode: tc.encode}
			x := scenario.EncryptedAtRest{
				Target: scenario.Handler(m.handler()),
				Write:  scenario.Request{Method: http.MethodPut, Path: "/profile/bob", Body: []byte(`{"name":"Bob","phone":"{{canary}}"}`)},
				Dump:   m.dump,
			}
			got := verifyProblems(t, x)
			if !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
	// Encrypted, the same store passes; without Read the scenario says the
	// read-back was skipped.
	aead := earAESGCM(t)
	m := &earMemStore{recs: map[string][]byte{}, encode: aead.seal}
	x := scenario.EncryptedAtRest{
		Target: scenario.Handler(m.handler()),
		Write:  scenario.Request{Method: http.MethodPut, Path: "/profile/bob", Body: []byte(`{"name":"Bob","phone":"{{canary}}"}`)},
		Dump:   m.dump,
	}
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed || !strings.Contains(res.Output(), "no Read: the read-back check was skipped") {
		t.Errorf("failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestEncryptedAtRestThroughJettyCheck(t *testing.T) {
	t.Parallel()
	x, _ := earScenario(t, earPlain, false, false)
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if !res.Failed || !strings.Contains(res.ErrorText(), "the personal data sent by POST /users is stored in plain text (UTF-8)") {
		t.Errorf("jetty.Check on a plain-text app: failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestEncryptedAtRestBadConfiguration(t *testing.T) {
	t.Parallel()
	ok := scenario.Handler(http.NotFoundHandler())
	files := []string{filepath.Join(t.TempDir(), "app.db")}
	for _, tc := range []struct {
		name string
		x    scenario.EncryptedAtRest
		want string
	}{
		{"zero target", scenario.EncryptedAtRest{Write: earWrite, Files: files}, "no target: set Target"},
		{"no write", scenario.EncryptedAtRest{Target: ok, Files: files}, "no Write: set Write to the request that stores personal data"},
		{"no placeholder", scenario.EncryptedAtRest{Target: ok, Files: files, Write: scenario.Request{Path: "/users", Body: []byte(`{"ssn":"123-45-6789"}`)}}, "Write carries no {{canary}}: the scenario adds no personal data of its own"},
		{"bad path", scenario.EncryptedAtRest{Target: ok, Files: files, Write: scenario.Request{Path: "users", Body: []byte(`{{canary}}`)}}, `Write.Path = "users": want a path starting with /`},
		{"bad read path", scenario.EncryptedAtRest{Target: ok, Files: files, Write: earWrite, Read: scenario.Request{Path: "users/alice"}}, `Read.Path = "users/alice": want a path starting with /`},
		{"no storage", scenario.EncryptedAtRest{Target: ok, Write: earWrite}, "no Files and no Dump"},
		{"bad glob", scenario.EncryptedAtRest{Target: ok, Write: earWrite, Files: []string{"/tmp/[x"}}, `Files: "/tmp/[x" is not a valid pattern`},
		{"failing dump", scenario.EncryptedAtRest{Target: ok, Write: earWrite, Dump: func(context.Context) ([]byte, error) { return nil, errors.New("bucket gone") }}, "Dump: bucket gone"},
		{"failing write", scenario.EncryptedAtRest{Target: ok, Write: earWrite, Files: files}, "POST /users = 404, want 2xx: the write must succeed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}
