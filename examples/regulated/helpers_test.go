package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jettymethod/jetty/examples/regulated/app"
	"golang.org/x/crypto/bcrypt"
)

// The passwords of the suite's users.
const (
	alicePassword = "correct horse battery"
	bobPassword   = "tr0ub4dor&3-staple"
)

// The suite's card: a Visa test number, shown as 411111******1111.
const (
	visa       = "4111111111111111"
	visaMasked = "411111******1111"
)

// testKeys is the suite's keyring: key k2 active, k1 still readable.
var testKeys = mustKeys(app.NewKey("k2") + "," + app.NewKey("k1"))

func mustKeys(s string) *app.Keyring {
	k, err := app.ParseKeys(s)
	if err != nil {
		panic(err)
	}
	return k
}

// fastConfig is the service's configuration for tests: the cheapest bcrypt
// cost, the suite's keys, and the audit trail into buf.
func fastConfig(buf *syncBuffer) app.Config {
	cfg := app.Config{BcryptCost: bcrypt.MinCost, Keys: testKeys}
	if buf != nil {
		cfg.Audit = slog.New(slog.NewJSONHandler(buf, nil))
	}
	return cfg
}

// newApp starts the service on the suite's store (a fresh database each
// time) with cfg, and closes it when the test ends.
func (b backend) newApp(t testing.TB, cfg app.Config) *app.Server {
	t.Helper()
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.MinCost
	}
	if cfg.Keys == nil {
		cfg.Keys = testKeys
	}
	if cfg.Store == nil && cfg.DSN == "" {
		cfg.DSN = b.freshDSN(t)
	}
	srv, err := app.New(cfg)
	if err != nil {
		t.Fatalf("starting the service: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// client talks to an in-process handler the way a browser would: JSON in,
// JSON out, and the session cookie kept between requests.
type client struct {
	t       testing.TB
	h       http.Handler
	session string
	ip      string
}

func newClient(t testing.TB, h http.Handler) *client {
	return &client{t: t, h: h, ip: "198.51.100.7"}
}

// response is an answer with its JSON body decoded.
type response struct {
	*httptest.ResponseRecorder
	JSON map[string]any
}

func (r response) str(key string) string { s, _ := r.JSON[key].(string); return s }

func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatalf("encoding the request body: %v", err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	req.RemoteAddr = c.ip + ":40000"
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.session != "" {
		req.AddCookie(&http.Cookie{Name: app.SessionCookie, Value: c.session})
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	res := response{ResponseRecorder: rec}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		json.Unmarshal(rec.Body.Bytes(), &res.JSON)
	}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == app.SessionCookie {
			c.session = ck.Value
			if ck.MaxAge < 0 {
				c.session = ""
			}
		}
	}
	return res
}

func (c *client) register(email, password string) response {
	c.t.Helper()
	return c.do("POST", "/register", map[string]string{"email": email, "password": password})
}

func (c *client) addCard(number, holder string) response {
	c.t.Helper()
	return c.do("POST", "/cards", map[string]string{"number": number, "expiry": "12/39", "holder": holder, "cvc": "123"})
}

func (c *client) login(email, password string) response {
	c.t.Helper()
	return c.do("POST", "/login", map[string]string{"email": email, "password": password})
}

// mustRegister registers users (email, password, email, password, …).
func mustRegister(t testing.TB, h http.Handler, pairs ...string) {
	t.Helper()
	c := newClient(t, h)
	for i := 0; i+1 < len(pairs); i += 2 {
		if res := c.register(pairs[i], pairs[i+1]); res.Code != http.StatusCreated {
			t.Fatalf("registering %s: %d %s", pairs[i], res.Code, res.Body)
		}
	}
}

// count runs a COUNT query: the suite checks what was stored with SQL.
// Placeholders are written $1, $2 …, which both stores accept.
func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
