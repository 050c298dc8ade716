package main

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jettymethod/jetty/examples/login/app"
	"golang.org/x/crypto/bcrypt"
)

// The passwords of the suite's users.
const (
	alicePassword = "correct horse battery"
	bobPassword   = "tr0ub4dor&3-staple"
)

// fastConfig is the service's configuration for tests: the cheapest bcrypt
// cost, and the audit trail into buf.
func fastConfig(buf *syncBuffer) app.Config {
	cfg := app.Config{BcryptCost: bcrypt.MinCost}
	if buf != nil {
		cfg.Audit = slog.New(slog.NewJSONHandler(buf, nil))
	}
	return cfg
}

// newApp starts the service with cfg and closes it when the test ends.
func newApp(t testing.TB, cfg app.Config) *app.Server {
	t.Helper()
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.MinCost
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

// faultDB is a SQLite database file whose connections fail on demand: the
// way the suite takes the database down, or makes it fail in the middle of
// a request, without changing the service.
type faultDB struct {
	*sql.DB
	path string

	mu    sync.Mutex
	fault func(query string) error // nil: healthy
}

// errDBDown is what a downed database answers.
var errDBDown = errors.New("connection refused (injected fault)")

// openFaultDB opens a fresh database file in the test's temporary directory.
func openFaultDB(t testing.TB) *faultDB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "login.db")
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
	probe, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	f := &faultDB{path: path}
	f.DB = sql.OpenDB(&faultConnector{f: f, d: probe.Driver(), dsn: dsn})
	probe.Close()
	t.Cleanup(func() { f.DB.Close() })
	return f
}

// set makes every statement (and ping) call fault first; nil heals.
func (f *faultDB) set(fault func(query string) error) {
	f.mu.Lock()
	f.fault = fault
	f.mu.Unlock()
}

func (f *faultDB) check(query string) error {
	f.mu.Lock()
	fault := f.fault
	f.mu.Unlock()
	if fault == nil {
		return nil
	}
	return fault(query)
}

type faultConnector struct {
	f   *faultDB
	d   driver.Driver
	dsn string
}

func (c *faultConnector) Connect(context.Context) (driver.Conn, error) {
	if err := c.f.check("CONNECT"); err != nil {
		return nil, err
	}
	conn, err := c.d.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &faultConn{f: c.f, Conn: conn}, nil
}

func (c *faultConnector) Driver() driver.Driver { return c.d }

// faultConn forwards to the SQLite connection unless a fault is set.
type faultConn struct {
	f *faultDB
	driver.Conn
}

func (c *faultConn) Ping(ctx context.Context) error {
	if err := c.f.check("PING"); err != nil {
		return err
	}
	return c.Conn.(driver.Pinger).Ping(ctx)
}

func (c *faultConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.f.check(query); err != nil {
		return nil, err
	}
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *faultConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.f.check("BEGIN"); err != nil {
		return nil, err
	}
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *faultConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.f.check(query); err != nil {
		return nil, err
	}
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *faultConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.f.check(query); err != nil {
		return nil, err
	}
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

var (
	_ driver.Pinger             = (*faultConn)(nil)
	_ driver.ConnPrepareContext = (*faultConn)(nil)
	_ driver.ConnBeginTx        = (*faultConn)(nil)
	_ driver.ExecerContext      = (*faultConn)(nil)
	_ driver.QueryerContext     = (*faultConn)(nil)
)

// down is a fault: the database refuses everything.
func down(string) error { return errDBDown }

// panicsOn is a fault: a statement mentioning table panics inside the
// driver, with the SQL in the panic value — which must never reach a client.
func panicsOn(table string) func(string) error {
	return func(q string) error {
		if strings.Contains(q, table) {
			panic(fmt.Sprintf("sqlite: corrupt page in %q (injected fault)", q))
		}
		return nil
	}
}
