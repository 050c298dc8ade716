// Package app is the payments service of the example: users and their
// stored payment cards, in SQLite or PostgreSQL, under PCI DSS v4. Card
// numbers and holders are sealed with AES-256-GCM, the key's id stored
// beside the ciphertext so keys rotate (RotateKeys); numbers are shown
// masked to their first six and last four digits; verification codes are
// never stored. Passwords are hashed with bcrypt; sessions are cookies
// whose tokens are stored only as SHA-256 hashes, ending after 15 idle
// minutes and 12 hours; 10 failed logins lock an account for 30 minutes.
// Every security event, failures too, is audited through log/slog with the
// PCI DSS 10.2.2 fields. Security headers, panic recovery, overload
// shedding, health and readiness probes, metrics and online backups
// complete it.
//
// Routes:
//
//	POST /register    {"email","password"}                 201 {"id","email"}; 400, 409
//	POST /login       {"email","password"}                 200 {"user_id","email"} + session cookie; 401, 429
//	POST /logout                                           204, the session is deleted
//	GET  /me                                               200 {"id","email"}; 401
//	POST /cards       {"number","expiry","holder","cvc"}   201 {"id","number" (masked),"expiry","holder"}; 400, 401
//	GET  /cards                                            200 {"cards": […]} the user's cards, masked; 401
//	GET  /cards/{id}                                       200 the card, masked, for its owner; 404 for anyone else; 401
//	GET  /healthz                                          200 while the process runs (liveness)
//	GET  /readyz                                           200 when the database answers, 503 otherwise (readiness)
//	GET  /metrics                                          Prometheus text format: requests, errors, latency, statements
//
// Every error is JSON, {"error": "…", "request_id": "…"}. The handler keeps
// no goroutines of its own: everything that depends on time reads
// time.Now, so tests may build it inside a testing/synctest bubble and see a
// 30-minute lockout pass in virtual time.
package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"
)

// Config configures a Server. The zero Config with Keys set is a working
// service with an in-memory SQLite database and the PCI DSS limits.
type Config struct {
	// DSN is the database: a PostgreSQL URL (postgres://user@host/db), a
	// SQLite file path such as "payments.db", or, empty, a private in-memory
	// SQLite database that lives as long as the Server. Ignored when Store
	// is set.
	DSN string
	// WrapConnector, when set, wraps the database driver's connector of DSN
	// (a proxy, a fault injector in tests). Optional.
	WrapConnector func(driver.Connector) driver.Connector
	// Store is an open store to use instead of DSN. The Server migrates it
	// but does not close it: its owner does.
	Store *Store
	// Keys seal card data at rest. Required: main reads them from the
	// REGULATED_KEYS environment variable (see KeysEnv).
	Keys *Keyring

	// Logger receives operational logs (errors, panics). Default: discard.
	Logger *slog.Logger
	// Audit receives the security audit trail (register, login, logout,
	// lockout, every card created or read, refused access) with user_id,
	// ip, event, outcome, resource and request_id; the handler's records
	// carry the time. Default: Logger.
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
	// SessionIdle ends a session unused for that long. Default 15 minutes
	// (PCI DSS v4 8.2.8). Schema 3 and older have no idle timeout.
	SessionIdle time.Duration
	// Schema is the schema version the service runs as; 0: the latest
	// (SchemaVersion). An older number runs it as that release did, on a
	// database migrated (or rolled back, see Store.Migrate) to that version:
	// how the suite proves a rollback.
	Schema int
	// MaxBodyBytes limits request bodies; larger ones get 413. Default 64 KiB.
	MaxBodyBytes int64
	// MaxInFlight is how many requests are served at once; more are shed
	// at once with 503 and Retry-After. The probes and metrics are exempt.
	// Default 64.
	MaxInFlight int

	// LoginAttempts failed logins for one account within LoginWindow lock
	// the account for Lockout. Defaults 10, one minute, 30 minutes (PCI DSS
	// v4 8.3.4).
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

// Server is the payments service. It is an http.Handler; Close releases its
// store when the Server opened it.
type Server struct {
	cfg      Config
	store    *Store
	ownStore bool
	keys     *Keyring
	log      *slog.Logger
	audit    *slog.Logger
	guard    guard
	metrics  *metrics
	slots    chan struct{}
	dummy    []byte // a bcrypt hash compared against for unknown users
	handler  http.Handler
	closed   atomic.Bool
}

// New opens (or adopts) the store, applies the schema migrations and
// returns the service. It starts no goroutines.
func New(cfg Config) (*Server, error) {
	cfg = withDefaults(cfg)
	if cfg.Keys == nil {
		return nil, errors.New("app: no encryption keys: set Config.Keys (main reads " + KeysEnv + ")")
	}
	s := &Server{cfg: cfg, keys: cfg.Keys, log: cfg.Logger, audit: cfg.Audit, slots: make(chan struct{}, cfg.MaxInFlight)}
	if cfg.Store != nil {
		s.store = cfg.Store
	} else {
		st, err := OpenStore(cfg.DSN, cfg.WrapConnector)
		if err != nil {
			return nil, err
		}
		s.store, s.ownStore = st, true
	}
	s.metrics = newMetrics(s.store.Statements)
	if err := s.schema(context.Background()); err != nil {
		if s.ownStore {
			s.store.Close()
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
		c.SessionIdle = 15 * time.Minute
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 64 << 10
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 64
	}
	if c.LoginAttempts <= 0 {
		c.LoginAttempts = 10
	}
	if c.LoginWindow <= 0 {
		c.LoginWindow = time.Minute
	}
	if c.Lockout <= 0 {
		c.Lockout = 30 * time.Minute
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
	if err := s.store.migrate(ctx, s.cfg.Schema); err != nil {
		return err
	}
	current, err := s.store.version(ctx)
	if err != nil {
		return err
	}
	if current > s.cfg.Schema {
		return fmt.Errorf("app: the database is at schema version %d, newer than this release (%d): roll it back first (Store.Migrate)", current, s.cfg.Schema)
	}
	return nil
}

// ServeHTTP serves the service's routes through its middleware.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// DB returns the service's database, for operations and tests that verify
// what was stored.
func (s *Server) DB() *sql.DB { return s.store.db }

// Store returns the service's store, to share with another Server or to
// back up (Store.Backup).
func (s *Server) Store() *Store { return s.store }

// Backup writes a consistent copy of the database to path while the
// service serves (see Store.Backup).
func (s *Server) Backup(ctx context.Context, path string) error { return s.store.Backup(ctx, path) }

// Close closes the store if the Server opened it. Requests after Close
// answer 503. Close is idempotent.
func (s *Server) Close() error {
	if s.closed.Swap(true) || !s.ownStore {
		return nil
	}
	return s.store.Close()
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /register", s.register)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.Handle("GET /me", s.requireSession(s.me))
	mux.Handle("POST /cards", s.requireSession(s.createCard))
	mux.Handle("GET /cards", s.requireSession(s.listCards))
	mux.Handle("GET /cards/{id}", s.requireSession(s.getCard))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /metrics", s.metrics.serve)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "not found")
	})

	var h http.Handler = mux
	// Refuse state-changing requests that other sites make a signed-in
	// user's browser send (OWASP ASVS 5.0 V3.5); the API sets no CORS
	// headers, so no other origin may read it.
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.limitBody(h)
	h = s.limitIP(h)
	h = s.shed(h)
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
	if err := s.store.db.PingContext(ctx); err != nil {
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
	if unavailable(err) {
		writeError(w, r, http.StatusServiceUnavailable, "service temporarily unavailable, please retry")
		return
	}
	writeError(w, r, http.StatusInternalServerError, "internal error")
}

// unavailable reports whether err means the database is gone (closed,
// unreachable, its connection cut) rather than a bug.
func unavailable(err error) bool {
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var net interface{ Timeout() bool }
	if errors.As(err, &net) {
		return true
	}
	msg := err.Error()
	for _, m := range []string{"sql: database is closed", "connection refused", "failed to connect", "conn closed",
		"terminating connection", "unexpected EOF", "broken pipe", "connection reset", "SQLSTATE 57P01", "SQLSTATE 08"} {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}
