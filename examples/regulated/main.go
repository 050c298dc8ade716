// Command regulated serves the example payments service (package app) on
// loopback, over TLS when given a certificate pair:
//
//	go run ./examples/regulated                               # http://127.0.0.1:8443, in-memory SQLite, a throwaway key
//	REGULATED_KEYS=k1:$(openssl rand -base64 32) go run ./examples/regulated \
//	    -db 'postgres://app@127.0.0.1/payments' -cert cert.pem -key key.pem -backup-dir backups
//
// Its suite, regulated_test.go, declares the Payments feature in the
// three modes of the Jetty Method under the PCI DSS v4 preset:
//
//	go test -v ./examples/regulated                                      # SQLite
//	JETTY_POSTGRES_URL=postgres://… go test -v ./examples/regulated      # and a PostgreSQL server
//
// Logs, including the audit trail, are JSON lines on stdout. SIGINT or
// SIGTERM stops the server gracefully: it stops accepting connections and
// lets in-flight requests finish for up to -drain.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jettymethod/jetty/examples/regulated/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "regulated:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done (SIGINT or SIGTERM in main), logging JSON
// lines to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("regulated", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8443", "address to listen on")
	dsn := fs.String("db", "", "a PostgreSQL URL or a SQLite database file (default: SQLite in memory, lost at exit)")
	certFile := fs.String("cert", "", "TLS certificate (PEM); with -key, the service speaks only HTTPS")
	keyFile := fs.String("key", "", "TLS private key (PEM)")
	drain := fs.Duration("drain", 10*time.Second, "how long shutdown waits for in-flight requests")
	backupDir := fs.String("backup-dir", "", "directory for database backups (default: no backups)")
	backupEvery := fs.Duration("backup-every", 24*time.Hour, "how often to back up the database to -backup-dir")
	if err := fs.Parse(args); err != nil {
		return err
	}

	logger := slog.New(slog.NewJSONHandler(out, nil))
	keys, err := loadKeys(logger, *dsn)
	if err != nil {
		return err
	}
	srv, err := app.New(app.Config{
		DSN:    *dsn,
		Keys:   keys,
		Logger: logger,
		Audit:  logger.With("log", "audit"),
		ReportPanic: func(p any) {
			// Wire your error tracker here (Sentry, Honeybadger…).
			logger.Error("panic reported", "panic", fmt.Sprint(p))
		},
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *backupDir != "" {
		go backups(ctx, logger, srv, *backupDir, *backupEvery)
	}
	scheme := "http"
	if *certFile != "" || *keyFile != "" {
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("TLS certificate pair: %w", err)
		}
		ln = tls.NewListener(ln, tlsConfig(pair))
		scheme = "https"
	} else {
		logger.Warn("no -cert and -key: serving plain HTTP; PCI DSS v4 4.2.1 asks for TLS on any network")
	}
	logger.Info("listening", "addr", scheme+"://"+ln.Addr().String())
	err = serve(ctx, ln, srv, *drain, slog.NewLogLogger(logger.Handler(), slog.LevelWarn))
	logger.Info("stopped", "err", err)
	return err
}

// loadKeys reads the field-encryption keys from REGULATED_KEYS. Without
// it, an in-memory database gets a throwaway key (its data dies with the
// process anyway); a database that outlives the process needs its keys.
func loadKeys(logger *slog.Logger, dsn string) (*app.Keyring, error) {
	if v := os.Getenv(app.KeysEnv); v != "" {
		return app.ParseKeys(v)
	}
	if dsn != "" {
		return nil, fmt.Errorf("set %s=id:base64key (e.g. k1:$(openssl rand -base64 32)): card data in %s must outlive this process", app.KeysEnv, "the database")
	}
	logger.Warn("no " + app.KeysEnv + ": a throwaway key for the in-memory database")
	return app.ParseKeys(app.NewKey("ephemeral"))
}

// tlsConfig is Mozilla's "intermediate" configuration: TLS 1.2 and 1.3,
// ECDHE with AES-GCM or ChaCha20-Poly1305 (PCI DSS v4 4.2.1, NIST SP
// 800-52r2).
func tlsConfig(pair tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		MinVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}

// serve serves h on ln until ctx is done, then shuts down gracefully:
// no new connections, in-flight requests get up to drain to finish. The
// server's own errors (refused TLS handshakes) go to errLog; nil: the log
// package's standard logger.
func serve(ctx context.Context, ln net.Listener, h http.Handler, drain time.Duration, errLog *log.Logger) error {
	hs := &http.Server{
		Handler:           h,
		ErrorLog:          errLog,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// backups writes a backup to dir every period until ctx is done. Restore a
// SQLite one by starting the service with -db on the backup file, a
// PostgreSQL one with pg_restore --clean (app.Store.Restore).
func backups(ctx context.Context, logger *slog.Logger, srv *app.Server, dir string, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		path := filepath.Join(dir, "payments-"+time.Now().UTC().Format("20060102T150405Z")+".backup")
		if err := srv.Backup(ctx, path); err != nil {
			logger.Error("backup failed", "err", err)
		} else {
			logger.Info("backup written", "path", path)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
