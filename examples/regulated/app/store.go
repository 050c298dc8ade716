package app

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// Store is the service's database behind one database/sql seam: SQLite
// (modernc.org/sqlite, pure Go) or a PostgreSQL server (pgx's stdlib
// driver), chosen by the DSN. Every statement either runs is counted, the
// way a query budget or a metrics exporter needs it. A Store is safe for
// concurrent use.
type Store struct {
	db         *sql.DB
	dsn        string
	postgres   bool
	statements *atomic.Int64
}

// IsPostgres reports whether dsn names a PostgreSQL server
// (postgres://… or postgresql://…); anything else is a SQLite DSN.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

var memoryDBs atomic.Int64

// OpenStore opens dsn: a PostgreSQL URL, a SQLite file path, or, when
// empty, a private in-memory SQLite database. wrap, when not nil, wraps the
// driver's connector (tests inject faults there); the statement counter
// wraps the result.
func OpenStore(dsn string, wrap func(driver.Connector) driver.Connector) (*Store, error) {
	s := &Store{dsn: dsn, postgres: IsPostgres(dsn), statements: new(atomic.Int64)}
	var base driver.Connector
	memory := dsn == ""
	if s.postgres {
		c, err := stdlib.GetDefaultDriver().(driver.DriverContext).OpenConnector(dsn)
		if err != nil {
			return nil, fmt.Errorf("app: open database: %w", redactDSN(err, dsn))
		}
		base = c
	} else {
		if memory {
			// One name per Store: cache=shared lets the pool's connections
			// see one database, and no other Store sees it.
			dsn = fmt.Sprintf("file:regulated-%d-%s?mode=memory&cache=shared", memoryDBs.Add(1), randomHex(4))
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)"
		if !memory {
			// WAL lets readers run beside the writer; synchronous=NORMAL is
			// durable in WAL mode except for the last commits before a power
			// loss, and saves an fsync per commit.
			dsn += "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
		}
		base = dsnConnector{dsn: dsn, d: &sqlite.Driver{}}
	}
	if wrap != nil {
		base = wrap(base)
	}
	s.db = sql.OpenDB(countingConnector{Connector: base, n: s.statements})
	if s.postgres {
		// A bounded pool: a burst waits for one of 16 connections instead
		// of opening a connection per request, past the server's
		// max_connections (100 by default).
		s.db.SetMaxOpenConns(16)
		s.db.SetMaxIdleConns(16)
		s.db.SetConnMaxIdleTime(5 * time.Minute)
	}
	switch {
	case memory:
		// A shared-cache memory database locks whole tables; one connection
		// serializes the work instead of failing with SQLITE_LOCKED.
		s.db.SetMaxOpenConns(1)
	case !s.postgres:
		// SQLite has one writer at a time: a burst waits for one of 8
		// connections instead of opening one per request (each open costs
		// CPU, and writers beyond the first only sleep in the busy handler).
		s.db.SetMaxOpenConns(8)
		s.db.SetMaxIdleConns(8)
	}
	if err := s.db.Ping(); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("app: open database: %w", redactDSN(err, s.dsn))
	}
	return s, nil
}

// DB is the database handle, for operations and tests that verify what
// was stored.
func (s *Store) DB() *sql.DB { return s.db }

// Postgres reports whether the store is a PostgreSQL server.
func (s *Store) Postgres() bool { return s.postgres }

// Statements is how many statements the store has run so far: a counter
// that only grows (each Exec, Query and Prepare the driver received).
func (s *Store) Statements() int64 { return s.statements.Load() }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// q rewrites a query written with ? placeholders for the store's dialect:
// PostgreSQL numbers them ($1, $2 …). The queries of this package hold no
// ? inside literals.
func (s *Store) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ddl fills a migration's dialect words.
func (s *Store) ddl(stmt string) string {
	r := strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{blob}}", "BLOB",
		"{{now}}", "CAST(strftime('%s', 'now') AS INTEGER)")
	if s.postgres {
		r = strings.NewReplacer("{{id}}", "BIGSERIAL PRIMARY KEY", "{{blob}}", "BYTEA",
			"{{now}}", "CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)")
	}
	return r.Replace(stmt)
}

// Backup writes a consistent copy of the database to the file path, which
// must not exist yet, while the service keeps serving: SQLite's VACUUM INTO,
// or pg_dump's custom format for PostgreSQL (restore it with Restore, or
// pg_restore).
func (s *Store) Backup(ctx context.Context, path string) error {
	if !s.postgres {
		if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
			return fmt.Errorf("app: backup to %s: %w", path, err)
		}
		return nil
	}
	dsn, schema, err := pgToolDSN(s.dsn)
	if err != nil {
		return err
	}
	args := []string{"--format=custom", "--no-owner", "--no-privileges", "--file=" + path}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	return pgTool(ctx, "pg_dump", append(args, "--dbname="+dsn)...)
}

// Restore replaces the tables of the database with those of a backup made
// by Backup, for PostgreSQL (pg_restore --clean). A SQLite backup is a
// database file: start the service on it (DSN) instead.
func (s *Store) Restore(ctx context.Context, path string) error {
	if !s.postgres {
		return errors.New("app: restore: a SQLite backup is a database file; start the service with DSN set to it")
	}
	dsn, _, err := pgToolDSN(s.dsn)
	if err != nil {
		return err
	}
	return pgTool(ctx, "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
		"--single-transaction", "--exit-on-error", "--dbname="+dsn, path)
}

// pgToolDSN is dsn for libpq's tools: the search_path parameter, which pgx
// passes to the server and libpq refuses, becomes the schema to dump.
func pgToolDSN(dsn string) (string, string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", fmt.Errorf("app: the PostgreSQL URL does not parse")
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	q.Del("application_name")
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
}

// PGTool finds a PostgreSQL client program: on PATH, else in Debian's
// /usr/lib/postgresql/*/bin (newest first).
func PGTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(found) > 0 {
		return found[len(found)-1], nil
	}
	return "", fmt.Errorf("app: %s not found: install PostgreSQL's client programs (Debian: apt-get install postgresql-client)", name)
}

func pgTool(ctx context.Context, name string, args ...string) error {
	bin, err := PGTool(name)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=5")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("app: %s: %v: %s", name, err, strings.TrimSpace(redactText(string(out))))
	}
	return nil
}

// redactDSN keeps a password in dsn out of an error.
func redactDSN(err error, dsn string) error {
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
	}
	return err
}

// redactText masks the password of any URL in tool output.
func redactText(s string) string {
	for _, f := range strings.Fields(s) {
		if u, err := url.Parse(strings.Trim(f, `"'`)); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && pw != "" {
				s = strings.ReplaceAll(s, pw, "xxxxx")
			}
		}
	}
	return s
}

// dsnConnector opens SQLite connections for a DSN.
type dsnConnector struct {
	dsn string
	d   driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

// countingConnector counts the statements its connections run.
type countingConnector struct {
	driver.Connector
	n *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, n: c.n}, nil
}

// countingConn forwards to the driver's connection, counting statements.
// It implements the context interfaces both drivers have; a driver's
// driver.ErrSkip (fall back to Prepare) is not counted twice.
type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.n.Add(1)
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.n.Add(1)
	}
	return res, err
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.n.Add(1)
	}
	return rows, err
}

// BeginTx starts a transaction; both drivers implement driver.ConnBeginTx.
func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.Conn.(driver.ConnBeginTx)
	if !ok {
		return nil, errors.New("app: the database driver cannot begin a transaction with a context")
	}
	return b.BeginTx(ctx, opts)
}

func (c *countingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

var (
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
)
