package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/examples/regulated/app"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"
)

// production: is it ready for real users? Every requirement PCI DSS v4
// applies to a login with a public endpoint and stored personal data, each
// through a ready-made scenario, on the backend's store.
func production(t *testing.T, f *jetty.F, b backend) {
	rateLimit(t, f, b)
	auditLog(t, f, b)
	load(t, f, b)
	f.Include(scenario.SecurityHeaders{
		Target: scenario.Handler(b.newApp(t, fastConfig(nil))),
		Paths:  []string{"/healthz", "/cards", "/no-such-page"},
		HTTPS:  true, // production serves only TLS
	})
	injection(t, f, b)
	crossSite(t, f, b)
	session(t, f, b)
	rollback(t, f, b)
	f.Include(scenario.CORS{Target: scenario.Handler(b.newApp(t, fastConfig(nil))), Paths: []string{"/me", "/cards"}})
	f.Include(authRequired(t, b))
	f.Include(errorHandling(t, b))
	f.Include(healthCheck(t, b))
	f.Include(faults(t, b))
	f.Include(overload(t, b))
	f.Include(metrics(t, b))
	f.Include(shutdown(t, b))
	f.Include(backupRestore(t, b))
	f.Include(tlsCheck(t, b))
	f.Include(encryptedAtRest(t, b))
	f.Include(secretsInLogs(t, b))
	f.Include(queryBudget(t, b))
}

// sessionCookie is alice's session as a request header.
func sessionCookie(c *client) http.Header {
	return http.Header{"Cookie": {app.SessionCookie + "=" + c.session}, "Content-Type": {"application/json"}}
}

// rateLimit: ten wrong passwords lock an account for 30 minutes (PCI DSS
// v4 8.3.4), seen pass in virtual time.
func rateLimit(t *testing.T, f *jetty.F, b backend) {
	shared := b.newApp(t, fastConfig(nil))
	mustRegister(t, shared, "alice@example.com", alicePassword, "bob@example.com", bobPassword)
	f.Include(scenario.RateLimit{
		// Built inside the scenario's synctest bubble: the lockout passes in
		// virtual time. The store is shared from outside.
		Target: scenario.HandlerFunc(func() http.Handler {
			cfg := fastConfig(nil)
			cfg.Store = shared.Store()
			srv, err := app.New(cfg)
			if err != nil {
				panic(err)
			}
			return srv
		}),
		Success:            scenario.LoginRequest("alice@example.com", alicePassword),
		PerAccount:         scenario.LoginRequest("bob@example.com", "wrong-password"),
		UnknownUser:        scenario.LoginRequest("nobody@example.com", "wrong-password"),
		RotateForwardedFor: true,
	})
}

// auditLog: logins, failed ones and refused requests reach the audit trail
// with the PCI DSS v4 10.2.2 fields, read back from the JSON lines the
// service writes.
func auditLog(t *testing.T, f *jetty.F, b backend) {
	var trail syncBuffer
	srv := b.newApp(t, fastConfig(&trail))
	mustRegister(t, srv, "alice@example.com", alicePassword)
	f.Include(scenario.AuditLog{
		Target:   scenario.Handler(srv),
		Source:   scenario.JSONLines(func() io.Reader { return strings.NewReader(trail.String()) }),
		Login:    scenario.LoginRequest("alice@example.com", alicePassword),
		UserID:   "1", // the service records its user ID, not the email
		Failures: true,
		Denied:   scenario.Request{Path: "/cards"},
	})
}

// load: 100 users signing in at once, each their own account.
func load(t *testing.T, f *jetty.F, b backend) {
	cfg := fastConfig(nil)
	cfg.MaxInFlight = 200 // this scenario is about load served, not shed
	srv := b.newApp(t, cfg)
	hash, err := bcrypt.GenerateFromPassword([]byte("load-test-password"), bcrypt.MinCost)
	require.NoError(t, err)
	for i := 1; i <= 100; i++ { // scenario.Load's users are user1 … user100
		_, err := srv.DB().Exec(`INSERT INTO users(email, password_hash, created_at) VALUES ($1, $2, 0)`,
			fmt.Sprintf("user%d@example.com", i), hash)
		require.NoError(t, err)
	}
	l := scenario.Load{Target: scenario.Handler(srv)}
	if raceDetector {
		// The preset's 2 s is checked in builds without -race; under -race
		// on a loaded 2-core machine the bound is generous: what it proves
		// is that every request completes and none fails.
		l.Budget.Max = 30 * time.Second
	}
	f.Include(l)
}

// injection: hostile input in every field a client controls.
func injection(t *testing.T, f *jetty.F, b backend) {
	cfg := fastConfig(nil)
	cfg.IPRate = rate.Inf // this scenario is about input, not the limiter
	srv := b.newApp(t, cfg)
	alice := signedIn(t, srv)
	card := alice.addCard(visa, "Alice Liddell")
	require.Equal(t, http.StatusCreated, card.Code, card.Body.String())
	cookie := http.Header{"Cookie": {app.SessionCookie + "=" + alice.session}}
	f.Include(scenario.Injection{
		Target: scenario.Handler(srv),
		Inputs: []scenario.Input{
			{In: scenario.InJSON, Name: "email", Path: "/login", Template: `{"email": "x", "password": "wrong-password"}`},
			{In: scenario.InJSON, Name: "email", Path: "/register", Template: `{"email": "x", "password": "long enough password"}`},
			{In: scenario.InJSON, Name: "holder", Path: "/cards", Header: cookie,
				Template: `{"number": "4111111111111111", "expiry": "12/39", "holder": "x"}`},
			{In: scenario.InJSON, Name: "expiry", Path: "/cards", Header: cookie,
				Template: `{"number": "4111111111111111", "expiry": "x", "holder": "Alice"}`},
			{In: scenario.InPath, Name: "id", Path: "/cards/{id}", Header: cookie, Value: fmt.Sprint(card.JSON["id"])},
		},
	})
}

// crossSite: another site cannot make alice's browser store a card.
func crossSite(t *testing.T, f *jetty.F, b backend) {
	srv := b.newApp(t, fastConfig(nil))
	alice := signedIn(t, srv)
	cards := 0
	f.Include(scenario.CrossSite{
		Target: scenario.Handler(srv),
		Requests: []scenario.Request{{
			Method: "POST", Path: "/cards", Header: sessionCookie(alice),
			Body: []byte(`{"number": "4111111111111111", "expiry": "12/39", "holder": "from another site"}`),
		}},
		Changed: func(ctx context.Context) (bool, error) {
			var n int
			err := srv.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM cards`).Scan(&n)
			changed := n != cards
			cards = n
			return changed, err
		},
	})
}

// session: alice's cookie is safe, changes at login, ends at logout, after
// 15 idle minutes (PCI DSS v4 8.2.8) and after 12 hours — on virtual time.
func session(t *testing.T, f *jetty.F, b backend) {
	cfg := fastConfig(nil)
	cfg.IPRate = rate.Inf // this scenario logs in many times on purpose
	shared := b.newApp(t, cfg)
	mustRegister(t, shared, "alice@example.com", alicePassword)
	f.Include(scenario.Session{
		Target: scenario.HandlerFunc(func() http.Handler {
			cfg := cfg
			cfg.Store = shared.Store()
			srv, err := app.New(cfg)
			if err != nil {
				panic(err)
			}
			return srv
		}),
		Login: scenario.LoginRequest("alice@example.com", alicePassword),
	})
}

// rollback: the release before the idle timeout (schema 3) starts again on
// a database rolled back from schema 4, serves alice's cards, and rolling
// forward loses none.
func rollback(t *testing.T, f *jetty.F, b backend) {
	before := fastConfig(nil)
	before.Schema = app.SchemaVersion() - 1
	db := b.newApp(t, before)
	alice := signedIn(t, db)
	release := func(schema int) func() (http.Handler, error) {
		return func() (http.Handler, error) {
			cfg := fastConfig(nil)
			cfg.Store, cfg.Schema = db.Store(), schema
			return app.New(cfg)
		}
	}
	f.Include(scenario.Rollback{
		Previous: release(app.SchemaVersion() - 1),
		Next:     release(app.SchemaVersion()),
		Up:       func(ctx context.Context) error { return db.Store().Migrate(ctx, app.SchemaVersion()) },
		Down:     func(ctx context.Context) error { return db.Store().Migrate(ctx, app.SchemaVersion()-1) },
		Write: scenario.Request{Method: "POST", Path: "/cards", Header: sessionCookie(alice),
			Body: []byte(`{"number": "4111111111111111", "expiry": "12/39", "holder": "written by the new release"}`)},
		Read:     scenario.Request{Path: "/cards", Header: sessionCookie(alice)},
		Snapshot: func(ctx context.Context) (any, error) { return cardRows(ctx, db.DB()) },
	})
}

// cardRow is a stored card as the database holds it.
type cardRow struct {
	ID     int64
	User   int64
	Masked string
	KeyID  string
	Sealed []byte
}

func cardRows(ctx context.Context, db *sql.DB) ([]cardRow, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, user_id, masked, key_id, sealed FROM cards ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cardRow
	for rows.Next() {
		var c cardRow
		if err := rows.Scan(&c.ID, &c.User, &c.Masked, &c.KeyID, &c.Sealed); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// authRequired: every card route refuses everyone but its owner.
func authRequired(t *testing.T, b backend) scenario.AuthRequired {
	cfg := fastConfig(nil)
	cfg.IPRate = rate.Inf
	srv := b.newApp(t, cfg)
	password := map[string]string{"alice": alicePassword, "mallory": "mallory's own password"}
	for user, pw := range password {
		mustRegister(t, srv, user+"@example.com", pw)
	}
	alice := newClient(t, srv)
	alice.login("alice@example.com", alicePassword)
	card := alice.addCard(visa, "Alice Liddell")
	require.Equal(t, http.StatusCreated, card.Code, card.Body.String())
	return scenario.AuthRequired{
		Target: scenario.Handler(srv),
		Routes: []scenario.AuthRoute{
			{Path: "/me"},
			{Path: "/cards"},
			{Path: fmt.Sprintf("/cards/%v", card.JSON["id"]), Owner: "alice"},
		},
		Credentials: func(user string) http.Header {
			c := newClient(t, srv)
			c.login(user+"@example.com", password[user])
			return http.Header{"Cookie": {app.SessionCookie + "=" + c.session}}
		},
		// A session past its 12 hours, as the server stores it.
		Expired: func(user string) http.Header {
			c := newClient(t, srv)
			c.login(user+"@example.com", password[user])
			sum := sha256.Sum256([]byte(c.session))
			if _, err := srv.DB().Exec(`UPDATE sessions SET expires_at = $1 WHERE token_hash = $2`,
				time.Now().Add(-time.Minute).Unix(), hex.EncodeToString(sum[:])); err != nil {
				panic(err)
			}
			return http.Header{"Cookie": {app.SessionCookie + "=" + c.session}}
		},
		// Another user's card answers 404, as one that does not exist.
		Refused: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}
}

// errorHandling: a panic deep in the database driver, with SQL in its
// message, answers a generic 500 and reaches the error tracker.
func errorHandling(t *testing.T, b backend) scenario.ErrorHandling {
	tracker := scenario.NewTracker()
	o := b.newOutage(t)
	cfg := o.config(fastConfig(nil))
	cfg.ReportPanic = tracker.Capture
	srv := b.newApp(t, cfg)
	alice := signedIn(t, srv)
	o.set(panicsOn(" FROM cards"))
	return scenario.ErrorHandling{
		Target: scenario.Handler(srv),
		Triggers: []scenario.ErrorTrigger{
			{Path: "/cards", Header: http.Header{"Cookie": {app.SessionCookie + "=" + alice.session}}},
		},
		Tracker: tracker,
	}
}

// healthCheck: readiness follows the database, liveness does not.
func healthCheck(t *testing.T, b backend) scenario.HealthCheck {
	o := b.newOutage(t)
	return scenario.HealthCheck{
		Target:       scenario.Handler(b.newApp(t, o.config(fastConfig(nil)))),
		Dependencies: []scenario.Dependency{{Name: "database", Down: o.down, Up: o.up}},
	}
}

// faults: with the database taken away for real, card routes answer 503
// fast, and recover when it is back.
func faults(t *testing.T, b backend) scenario.Faults {
	o := b.newOutage(t)
	cfg := o.config(fastConfig(nil))
	cfg.IPRate = rate.Inf
	srv := b.newApp(t, cfg)
	alice := signedIn(t, srv)
	require.Equal(t, http.StatusCreated, alice.addCard(visa, "Alice Liddell").Code)
	return scenario.Faults{
		Target:       scenario.Handler(srv),
		Dependencies: []scenario.Dependency{{Name: "database", Down: o.down, Up: o.up}},
		Requests: []scenario.Request{
			{Path: "/cards", Header: sessionCookie(alice)},
			{Method: "POST", Path: "/login", Body: []byte(`{"email":"alice@example.com","password":"` + alicePassword + `"}`)},
		},
		Healthy: "/readyz",
	}
}

// overload: a burst of 200 card listings against a service that serves 8
// at once, its cards table slowed to 200 ms a query: the excess is shed
// with 503 and Retry-After, at once.
func overload(t *testing.T, b backend) scenario.Overload {
	o := b.newOutage(t)
	cfg := o.config(fastConfig(nil))
	cfg.IPRate, cfg.MaxInFlight = rate.Inf, 8
	srv := b.newApp(t, cfg)
	alice := signedIn(t, srv)
	o.set(slowOn(" FROM cards", 200*time.Millisecond))
	return scenario.Overload{
		Target:  scenario.Handler(srv),
		Request: scenario.Request{Path: "/cards", Header: sessionCookie(alice)},
		Users:   200,
		// 8 slots of 200 ms serve about 8 of a burst that arrives at once:
		// the share served is the capacity of the test, not of production.
		MinSuccess: 0.02,
	}
}

// metrics: requests by route and status, latency, and the statements sent
// to the database.
func metrics(t *testing.T, b backend) scenario.Metrics {
	srv := b.newApp(t, fastConfig(nil))
	return scenario.Metrics{
		Target:  scenario.Handler(srv),
		Request: scenario.Request{Path: "/healthz"},
		Failing: scenario.Request{Path: "/cards"}, // 401 without a session
	}
}

// shutdown: SIGTERM while a card listing is in flight drains it, then the
// store is closed.
func shutdown(t *testing.T, b backend) scenario.GracefulShutdown {
	inFlight := make(chan struct{}, 1)
	dsn := b.freshDSN(t)
	var srv *app.Server
	serve := func(ctx context.Context, ln net.Listener) error {
		cfg := fastConfig(nil)
		cfg.DSN = dsn
		var err error
		if srv, err = app.New(cfg); err != nil {
			return err
		}
		slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Hold") != "" { // the request in flight during shutdown
				inFlight <- struct{}{}
				<-ctx.Done()
			}
			srv.ServeHTTP(w, r)
		})
		err = serveOn(ctx, ln, slow, 10*time.Second)
		srv.Close()
		return err
	}
	return scenario.GracefulShutdown{
		Serve:    serve,
		Slow:     scenario.Request{Path: "/healthz", Header: http.Header{"X-Hold": {"1"}}},
		InFlight: inFlight,
		Closed: func() bool {
			return srv != nil && srv.DB().Ping() != nil
		},
	}
}

// serveOn is main's serve.
func serveOn(ctx context.Context, ln net.Listener, h http.Handler, drain time.Duration) error {
	return serve(ctx, ln, h, drain, log.New(io.Discard, "", 0))
}

// backupRestore: the nightly backup, taken with the store's own tool
// (VACUUM INTO on SQLite, pg_dump on PostgreSQL) while the service serves,
// restores every card after the live data is lost (pg_restore, or a
// service started on the copy).
func backupRestore(t *testing.T, b backend) scenario.BackupRestore {
	dsn := b.freshDSN(t)
	cfg := fastConfig(nil)
	cfg.DSN = dsn
	live, err := app.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { live.Close() })
	dir := t.TempDir()
	var current *app.Server = live
	return scenario.BackupRestore{
		Seed: func(ctx context.Context) error {
			alice := newClient(t, current)
			for _, res := range []response{
				alice.register("alice@example.com", alicePassword),
				alice.login("alice@example.com", alicePassword),
				alice.addCard(visa, "Alice Liddell"),
				alice.addCard("5555555555554444", "Alice L"),
			} {
				if res.Code >= 300 {
					return fmt.Errorf("seeding: %d %s", res.Code, res.Body)
				}
			}
			return nil
		},
		Snapshot: func(ctx context.Context) (any, error) { return cardRows(ctx, current.DB()) },
		Backup: func(ctx context.Context) (scenario.Backup, error) {
			path := filepath.Join(dir, fmt.Sprintf("payments-%d.backup", time.Now().UnixNano()))
			return scenario.Backup{Path: path}, current.Backup(ctx, path)
		},
		Damage: func(ctx context.Context) error {
			_, err := current.DB().ExecContext(ctx, `DELETE FROM cards`)
			return err
		},
		Restore: func(ctx context.Context, bk scenario.Backup) error {
			if current.Store().Postgres() {
				return current.Store().Restore(ctx, bk.Path)
			}
			restored := fastConfig(nil)
			restored.DSN = bk.Path
			srv, err := app.New(restored)
			if err != nil {
				return err
			}
			t.Cleanup(func() { srv.Close() })
			current = srv
			return nil
		},
		Latest:  func(ctx context.Context) (time.Time, error) { return newest(dir) },
		Target:  scenario.HandlerFunc(func() http.Handler { return current }),
		Healthy: "/readyz",
	}
}

// newest is the modification time of the newest backup in dir.
func newest(dir string) (time.Time, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return time.Time{}, err
	}
	var last time.Time
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.ModTime().After(last) {
			last = info.ModTime()
		}
	}
	if last.IsZero() {
		return last, errors.New("no backup yet")
	}
	return last, nil
}

// tlsCheck: the service behind TLS as main configures it (Mozilla
// intermediate), on a loopback httptest server.
func tlsCheck(t *testing.T, b backend) scenario.TLS {
	srv := b.newApp(t, fastConfig(nil))
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the probes' refused handshakes
	ts.TLS = tlsConfig(tls.Certificate{})
	ts.TLS.Certificates = nil // httptest fills in its own certificate
	ts.StartTLS()
	t.Cleanup(ts.Close)
	// main opens no plain-HTTP port when it has a certificate: the bare
	// host's port 80 refuses connections, as this closed port does.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed.Close()
	return scenario.TLS{Target: scenario.URL(ts.URL).TrustCert(ts.Certificate()), HTTPURL: "http://" + closed.Addr().String()}
}

// encryptedAtRest: what the store really holds shows no card number and no
// holder: the SQLite file and its WAL, or the table as PostgreSQL keeps it.
func encryptedAtRest(t *testing.T, b backend) scenario.EncryptedAtRest {
	cfg := fastConfig(nil)
	cfg.IPRate = rate.Inf
	cfg.DSN = b.freshDSN(t)
	srv := b.newApp(t, cfg)
	alice := signedIn(t, srv)
	x := scenario.EncryptedAtRest{
		Target: scenario.Handler(srv),
		Write: scenario.Request{Method: "POST", Path: "/cards", Header: sessionCookie(alice),
			Body: []byte(`{"number": "4111111111111111", "expiry": "12/39", "holder": "` + scenario.SecretPlaceholder + `", "cvc": "737"}`)},
		Read: scenario.Request{Path: "/cards", Header: sessionCookie(alice)},
	}
	if b.pg == "" {
		x.Files = []string{cfg.DSN}
	} else {
		x.Dump = func(ctx context.Context) ([]byte, error) { return pgStored(ctx, srv) }
	}
	return x
}

// secretsInLogs: passwords, session tokens and card numbers never reach
// the service's logs, operational or audit.
func secretsInLogs(t *testing.T, b backend) scenario.SecretsInLogs {
	rec := scenario.NewLogRecorder()
	cfg := fastConfig(nil)
	cfg.Logger = slog.New(rec)
	cfg.Audit = cfg.Logger.With("log", "audit")
	cfg.IPRate = rate.Inf
	srv := b.newApp(t, cfg)
	alice := signedIn(t, srv)
	return scenario.SecretsInLogs{
		Target: scenario.Handler(srv),
		Source: rec,
		Requests: []scenario.Request{
			{Method: "POST", Path: "/login", Body: []byte(`{"email":"alice@example.com","password":"` + scenario.SecretPlaceholder + `"}`)},
			{Method: "POST", Path: "/register", Body: []byte(`{"email":"new@example.com","password":"` + scenario.SecretPlaceholder + `"}`)},
			{Path: "/cards", Header: http.Header{"Cookie": {app.SessionCookie + "=" + scenario.SecretPlaceholder}}},
			{Method: "POST", Path: "/cards", Header: sessionCookie(alice),
				Body: []byte(`{"number":"4111111111111111","expiry":"12/39","holder":"` + scenario.SecretPlaceholder + `","cvc":"737"}`)},
			{Method: "POST", Path: "/cards", Header: sessionCookie(alice),
				Body: []byte(`{"number":"4111111111111111","expiry":"99/99","holder":"x","cvc":"` + scenario.SecretPlaceholder + `"}`)},
		},
		Secrets: []string{alice.session, visa},
	}
}

// queryBudget: listing cards is one query however many cards there are,
// counted by the store's driver wrapper.
func queryBudget(t *testing.T, b backend) scenario.QueryBudget {
	cfg := fastConfig(nil)
	cfg.IPRate = rate.Inf
	srv := b.newApp(t, cfg)
	alice := signedIn(t, srv)
	require.Equal(t, http.StatusCreated, alice.addCard(visa, "Alice Liddell").Code)
	return scenario.QueryBudget{
		Target:  scenario.Handler(srv),
		Request: scenario.Request{Path: "/cards", Header: sessionCookie(alice)},
		Queries: srv.Store().Statements,
		Max:     3, // the session, its last_seen, the cards
		Grow: func(ctx context.Context) error {
			for i := range 10 {
				if res := alice.addCard(visa, fmt.Sprintf("card %d", i)); res.Code != http.StatusCreated {
					return fmt.Errorf("storing card %d: %d", i, res.Code)
				}
			}
			return nil
		},
	}
}
