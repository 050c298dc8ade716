// Package app is the login service of the example: users and their notes in
// SQLite, passwords hashed with bcrypt, cookie sessions, a per-IP rate limit
// and a per-account lockout, audit events through log/slog, security
// headers, panic recovery, health and readiness probes and a small metrics
// endpoint.
//
// Routes:
//
//	POST /register   {"email","password"}  201 {"id","email"}; 400, 409
//	POST /login      {"email","password"}  200 {"user_id","email"} + session cookie; 401, 429
//	POST /logout                           204, the session is deleted
//	GET  /me                               200 {"id","email"}; 401
//	POST /notes      {"body"}              201 {"id","body"}; 401
//	GET  /notes/{id}                       200 {"id","body"} for its owner; 404 for anyone else; 401
//	GET  /healthz                          200 while the process runs (liveness)
//	GET  /readyz                           200 when the database answers, 503 otherwise (readiness)
//	GET  /metrics                          Prometheus text format: requests, errors, latency
//
// Every error is JSON, {"error": "…", "request_id": "…"}. The handler keeps
// no goroutines of its own: everything that depends on time reads
// time.Now, so tests may build it inside a testing/synctest bubble and see a
// five-minute lockout pass in virtual time.
package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"
)

// Config configures a Server. The zero Config is a working service with an
// in-memory database and the Production SaaS limits.
type Config struct {
	// DSN is the SQLite database: a file path such as "login.db", or any DSN
	// the modernc.org/sqlite driver accepts. Empty means a private in-memory
	// database that lives as long as the Server. Ignored when DB is set.
	DSN string
	// DB is an open database to use instead of DSN. The Server migrates it
	// but does not close it: its owner does.
	DB *sql.DB

	// Logger receives operational logs (errors, panics). Default: discard.
	Logger *slog.Logger
	// Audit receives the security audit trail (register, login, logout,
	// lockout) with user_id, ip, event, outcome and request_id; the handler's
	// records carry the time. Default: Logger.
	Audit *slog.Logger
	// ReportPanic is called with the value of every recovered panic, for an
	// error tracker. Optional.
	ReportPanic func(any)

	// BcryptCost is the bcrypt work factor. Default bcrypt.DefaultCost (10);
	// tests use bcrypt.MinCost to stay fast.
	BcryptCost int
	// SessionTTL is how long a session lives however busy. Default 12
	// hours (NIST SP 800-63B AAL2).
	SessionTTL time.Duration
	// SessionIdle ends a session unused for that long. Default 30 minutes
	// (NIST SP 800-63B AAL2). Schema 3 and older have no idle timeout.
	SessionIdle time.Duration
	// Schema is the schema version the service runs as; 0: the latest
	// (SchemaVersion). An older number runs it as that release did, on a
	// database migrated (or rolled back, see Migrate) to that version: how
	// the suite proves a rollback.
	Schema int
	// MaxBodyBytes limits request bodies; larger ones get 413. Default 1 MiB.
	MaxBodyBytes int64

	// LoginAttempts failed logins for one account within LoginWindow lock
	// the account for Lockout. Defaults 10, one minute, five minutes.
	LoginAttempts int
	LoginWindow   time.Duration
	Lockout       time.Duration
	// IPRate and IPBurst size the coarse per-IP token bucket in front of
	// every route but the probes and metrics. Defaults 50 requests a second,
	// bursts of 200.
	IPRate  rate.Limit
	IPBurst int
	// TrustForwardedFor makes the client IP the last address of the
	// X-Forwarded-For header, as appended by your own reverse proxy. Leave
	// it false (the default) unless a proxy you run sets that header: a
	// client can write anything there.
	TrustForwardedFor bool
}

// Server is the login service. It is an http.Handler; Close releases its
// database when the Server opened it.
type Server struct {
	cfg     Config
	db      *sql.DB
	ownDB   bool
	log     *slog.Logger
	audit   *slog.Logger
	guard   guard
	metrics *metrics
	dummy   []byte // a bcrypt hash compared against for unknown users
	handler http.Handler
	closed  atomic.Bool
}

// New opens (or adopts) the database, applies the schema migrations and
// returns the service. It starts no goroutines.
func New(cfg Config) (*Server, error) {
	cfg = withDefaults(cfg)
	s := &Server{cfg: cfg, log: cfg.Logger, audit: cfg.Audit, metrics: newMetrics()}
	if cfg.DB != nil {
		s.db = cfg.DB
	} else {
		db, err := openDB(cfg.DSN)
		if err != nil {
			return nil, err
		}
		s.db, s.ownDB = db, true
	}
	if err := s.schema(context.Background()); err != nil {
		if s.ownDB {
			s.db.Close()
		}
		return nil, err
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("not a real password, only for timing"), cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("app: bcrypt cost %d: %w", cfg.BcryptCost, err)
	}
	s.dummy = dummy
	s.guard = newGuard(cfg)
	s.handler = s.routes()
	return s, nil
}

func withDefaults(c Config) Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Audit == nil {
		c.Audit = c.Logger
	}
	if c.BcryptCost == 0 {
		c.BcryptCost = bcrypt.DefaultCost
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.LoginAttempts <= 0 {
		c.LoginAttempts = 10
	}
	if c.LoginWindow <= 0 {
		c.LoginWindow = time.Minute
	}
	if c.Lockout <= 0 {
		c.Lockout = 5 * time.Minute
	}
	if c.IPRate <= 0 {
		c.IPRate = 50
	}
	if c.IPBurst <= 0 {
		c.IPBurst = 200
	}
	return c
}

// schema migrates the database up to the version the service runs as, and
// refuses a database whose schema is newer: an older release must not run
// on columns it does not know.
func (s *Server) schema(ctx context.Context) error {
	if s.cfg.Schema == 0 {
		s.cfg.Schema = SchemaVersion()
	}
	if s.cfg.Schema < 0 || s.cfg.Schema > SchemaVersion() {
		return fmt.Errorf("app: Schema %d: want 1 to %d", s.cfg.Schema, SchemaVersion())
	}
	if err := migrate(ctx, s.db, s.cfg.Schema); err != nil {
		return err
	}
	var current int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("app: schema: %w", err)
	}
	if current > s.cfg.Schema {
		return fmt.Errorf("app: the database is at schema version %d, newer than this release (%d): roll it back first (app.Migrate)", current, s.cfg.Schema)
	}
	return nil
}

// ServeHTTP serves the service's routes through its middleware.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// DB returns the service's database, for operations and tests that verify
// what was stored.
func (s *Server) DB() *sql.DB { return s.db }

// Close closes the database if the Server opened it. Requests after Close
// answer 503. Close is idempotent.
func (s *Server) Close() error {
	if s.closed.Swap(true) || !s.ownDB {
		return nil
	}
	return s.db.Close()
}

// routeTable is every route the service serves: routes registers it and
// Patterns lists it, so the tests' route inventory is the service's own.
func routeTable(s *Server) []struct {
	pattern string
	h       http.Handler
} {
	return []struct {
		pattern string
		h       http.Handler
	}{
		{"POST /register", http.HandlerFunc(s.register)},
		{"POST /login", http.HandlerFunc(s.login)},
		{"POST /logout", http.HandlerFunc(s.logout)},
		{"GET /me", s.requireSession(s.me)},
		{"POST /notes", s.requireSession(s.createNote)},
		{"GET /notes/{id}", s.requireSession(s.getNote)},
		{"GET /healthz", http.HandlerFunc(s.healthz)},
		{"GET /readyz", http.HandlerFunc(s.readyz)},
		{"GET /metrics", http.HandlerFunc(s.metrics.serve)},
		{"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, r, http.StatusNotFound, "not found")
		})},
	}
}

// Patterns returns the net/http.ServeMux patterns of every route the
// service serves, in the order registered: its route inventory.
func (s *Server) Patterns() []string {
	var out []string
	for _, rt := range routeTable(s) {
		out = append(out, rt.pattern)
	}
	return out
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routeTable(s) {
		mux.Handle(rt.pattern, rt.h)
	}

	var h http.Handler = mux
	// Refuse state-changing requests that other sites make a signed-in
	// user's browser send (OWASP ASVS 5.0 V3.5; crossorigin.go); the API
	// sets no CORS headers, so no other origin may read it.
	h = crossOrigin(h)
	h = s.limitBody(h)
	h = s.limitIP(h)
	h = s.recoverPanics(h)
	h = s.metrics.measure(h)
	h = securityHeaders(h)
	h = requestID(h)
	return h
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		s.log.ErrorContext(ctx, "readiness: database unreachable", "err", err, "request_id", requestIDOf(r))
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{
			"status": "unavailable", "checks": map[string]string{"database": "down"}, "request_id": requestIDOf(r),
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "checks": map[string]string{"database": "ok"}})
}

// internalError answers a failure of a dependency without revealing it:
// 503 when the database is gone, 500 otherwise; the details go to the log.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestIDOf(r))
	if errors.Is(err, sql.ErrConnDone) || isClosedDB(err) {
		writeError(w, r, http.StatusServiceUnavailable, "service temporarily unavailable, please retry")
		return
	}
	writeError(w, r, http.StatusInternalServerError, "internal error")
}

func isClosedDB(err error) bool { return err != nil && err.Error() == "sql: database is closed" }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}
