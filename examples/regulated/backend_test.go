package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jettymethod/jetty/examples/regulated/app"
)

// PostgresEnv names the PostgreSQL server the suite runs against as well
// as SQLite: a URL whose user may create schemas in its database, e.g.
// postgres://jetty@127.0.0.1:5432/jetty?sslmode=disable.
const PostgresEnv = "JETTY_POSTGRES_URL"

// backend is the store a run of the suite uses: SQLite files in the test's
// temporary directory, or fresh schemas on a PostgreSQL server.
type backend struct {
	name  string
	pg    string  // the server's URL; empty for SQLite
	admin *sql.DB // a pool on pg that creates and drops the schemas
}

var sqliteBackend = backend{name: "SQLite"}

// postgresBackend is the PostgreSQL backend, or skips t with how to run it.
func postgresBackend(t *testing.T) backend {
	t.Helper()
	u := os.Getenv(PostgresEnv)
	if u == "" {
		t.Skipf("%s is not set: the suite ran on SQLite only; to run it on a PostgreSQL server too: "+
			"%s='postgres://user@127.0.0.1:5432/db?sslmode=disable' go test ./examples/regulated (see .ci/run)", PostgresEnv, PostgresEnv)
	}
	if !app.IsPostgres(u) {
		t.Fatalf("%s must be a postgres:// URL", PostgresEnv)
	}
	admin, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() }) // registered first: closed after every schema is dropped
	return backend{name: "PostgreSQL", pg: u, admin: admin}
}

// freshDSN returns the DSN of a new, empty database: a SQLite file in
// t's temporary directory, or a new schema on the PostgreSQL server,
// dropped when t ends.
func (b backend) freshDSN(t testing.TB) string {
	t.Helper()
	if b.pg == "" {
		return filepath.Join(t.TempDir(), "payments.db")
	}
	schema := "jetty_" + strings.ToLower(randomName())
	if _, err := b.admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("creating schema %s on %s: %v", schema, PostgresEnv, err)
	}
	t.Cleanup(func() { b.admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`) })
	return withParams(b.pg, "search_path", schema, "application_name", schema)
}

// withParams sets query parameters of a URL.
func withParams(raw string, kv ...string) string {
	u, _ := url.Parse(raw)
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func randomName() string {
	var b [6]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

// outage takes the database away from a service for real and brings it
// back: on PostgreSQL the service reaches the server through a loopback
// proxy that stops accepting connections and cuts the open ones, and the
// server terminates the service's backends (pg_terminate_backend); on
// SQLite, which has no server, the driver's connector stops handing out
// connections and the open ones report driver.ErrBadConn. Faults in the
// middle of a statement (panics, latency) come from the same wrapper.
type outage struct {
	b      backend
	dsn    string // what the service opens
	schema string
	proxy  *proxy

	mu    sync.Mutex
	fault func(query string) error // nil: healthy
}

// newOutage prepares a database that can go away; cfg.DSN and
// cfg.WrapConnector are set on the returned config.
func (b backend) newOutage(t testing.TB) *outage {
	t.Helper()
	o := &outage{b: b, dsn: b.freshDSN(t)}
	if b.pg != "" {
		u, _ := url.Parse(o.dsn)
		o.schema = u.Query().Get("application_name")
		o.proxy = newProxy(t, u.Host)
		u.Host = o.proxy.addr()
		o.dsn = u.String()
	}
	return o
}

// config returns cfg wired to the outage's database.
func (o *outage) config(cfg app.Config) app.Config {
	cfg.DSN = o.dsn
	cfg.WrapConnector = func(c driver.Connector) driver.Connector { return &faultConnector{o: o, Connector: c} }
	return cfg
}

// down takes the database away.
func (o *outage) down() {
	if o.proxy == nil {
		o.set(func(string) error { return errDBDown })
		return
	}
	o.proxy.setDown(true)
	o.b.admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, o.schema)
}

// up brings it back.
func (o *outage) up() {
	if o.proxy == nil {
		o.set(nil)
		return
	}
	o.proxy.setDown(false)
}

// set makes every statement (and ping, and new connection) call fault
// first; nil heals.
func (o *outage) set(fault func(query string) error) {
	o.mu.Lock()
	o.fault = fault
	o.mu.Unlock()
}

func (o *outage) check(query string) error {
	o.mu.Lock()
	fault := o.fault
	o.mu.Unlock()
	if fault == nil {
		return nil
	}
	return fault(query)
}

// errDBDown is what a downed SQLite connection answers: the connection is
// unusable, as a cut network connection is.
var errDBDown = fmt.Errorf("database unreachable (outage): %w", driver.ErrBadConn)

type faultConnector struct {
	o *outage
	driver.Connector
}

func (c *faultConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := c.o.check("CONNECT"); err != nil {
		return nil, err
	}
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &faultConn{o: c.o, Conn: conn}, nil
}

// faultConn forwards to the driver's connection unless a fault is set.
type faultConn struct {
	o *outage
	driver.Conn
}

func (c *faultConn) Ping(ctx context.Context) error {
	if err := c.o.check("PING"); err != nil {
		return err
	}
	return c.Conn.(driver.Pinger).Ping(ctx)
}

func (c *faultConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.o.check(query); err != nil {
		return nil, err
	}
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *faultConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.o.check("BEGIN"); err != nil {
		return nil, err
	}
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *faultConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.o.check(query); err != nil {
		return nil, err
	}
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *faultConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.o.check(query); err != nil {
		return nil, err
	}
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *faultConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *faultConn) ResetSession(ctx context.Context) error {
	if err := c.o.check("RESET"); err != nil {
		return driver.ErrBadConn
	}
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

var (
	_ driver.Pinger             = (*faultConn)(nil)
	_ driver.ConnPrepareContext = (*faultConn)(nil)
	_ driver.ConnBeginTx        = (*faultConn)(nil)
	_ driver.ExecerContext      = (*faultConn)(nil)
	_ driver.QueryerContext     = (*faultConn)(nil)
	_ driver.NamedValueChecker  = (*faultConn)(nil)
	_ driver.SessionResetter    = (*faultConn)(nil)
)

// panicsOn is a fault: a statement mentioning table panics inside the
// driver, with the SQL in the panic value — which must never reach a client.
func panicsOn(table string) func(string) error {
	return func(q string) error {
		if strings.Contains(q, table) {
			panic(fmt.Sprintf("driver: corrupt page in %q (injected fault)", q))
		}
		return nil
	}
}

// slowOn is a fault: a statement mentioning table waits d first, a table
// under load.
func slowOn(table string, d time.Duration) func(string) error {
	return func(q string) error {
		if strings.Contains(q, table) {
			time.Sleep(d)
		}
		return nil
	}
}

// proxy forwards loopback TCP connections to the PostgreSQL server until
// it is set down: then it cuts every open connection and refuses new ones.
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.setDown(true)
		p.wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		if !down {
			p.conns[c] = true
		}
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		p.wg.Add(1)
		go p.pipe(c)
	}
}

func (p *proxy) pipe(c net.Conn) {
	defer p.wg.Done()
	s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		p.drop(c)
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		s.Close()
		p.drop(c)
		return
	}
	p.conns[s] = true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(s, c); done <- struct{}{} }()
	go func() { io.Copy(c, s); done <- struct{}{} }()
	<-done
	p.drop(c)
	p.drop(s)
	<-done
}

func (p *proxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *proxy) setDown(down bool) {
	p.mu.Lock()
	p.down = down
	var open []net.Conn
	if down {
		for c := range p.conns {
			open = append(open, c)
		}
	}
	p.mu.Unlock()
	for _, c := range open {
		c.Close()
	}
}

// pgStored returns what the PostgreSQL server really stores of the cards
// table: its heap files under the data directory, read after a CHECKPOINT
// has flushed them (this needs a server on this machine, and a user with
// pg_checkpoint and pg_read_all_settings, as .ci/run creates). Where the
// files cannot be read, it falls back to what pg_dump hands out, and says
// so in the error of neither working.
func pgStored(ctx context.Context, srv *app.Server) ([]byte, error) {
	db := srv.DB()
	var dir, rel string
	err := db.QueryRowContext(ctx, `SELECT current_setting('data_directory'), pg_relation_filepath('cards')`).Scan(&dir, &rel)
	if err == nil {
		_, err = db.ExecContext(ctx, `CHECKPOINT`)
	}
	if err == nil {
		var out []byte
		base := filepath.Join(dir, rel)
		files, _ := filepath.Glob(base + ".*") // segments past 1 GiB, and the fsm/vm forks
		for _, f := range append([]string{base}, files...) {
			b, rerr := os.ReadFile(f)
			if rerr != nil {
				err = rerr
				break
			}
			out = append(out, b...)
		}
		if err == nil {
			return out, nil
		}
	}
	path := filepath.Join(os.TempDir(), "jetty-atrest-"+randomName()+".dump")
	defer os.Remove(path)
	if derr := srv.Backup(ctx, path); derr != nil {
		return nil, fmt.Errorf("reading the cards table's files: %v; and pg_dump: %v", err, derr)
	}
	return os.ReadFile(path)
}
