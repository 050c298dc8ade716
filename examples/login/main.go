// Command login serves the example login service (package app) on loopback:
//
//	go run ./examples/login                      # 127.0.0.1:8080, in-memory database
//	go run ./examples/login -db login.db         # keep users in a file
//
// Its suite, login_test.go, declares the Login feature in the three modes of
// the Jetty Method under the Production SaaS preset:
//
//	go test -v ./examples/login
//
// Logs, including the audit trail, are JSON lines on stdout. SIGINT or
// SIGTERM stops the server gracefully: it stops accepting connections and
// lets in-flight requests finish for up to -drain.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jettymethod/jetty/examples/login/app"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "login:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	dsn := fs.String("db", "", "SQLite database file (default: in memory, lost at exit)")
	drain := fs.Duration("drain", 10*time.Second, "how long shutdown waits for in-flight requests")
	backupDir := fs.String("backup-dir", "", "directory for database backups (default: no backups)")
	backupEvery := fs.Duration("backup-every", 24*time.Hour, "how often to back up the database to -backup-dir")
	if err := fs.Parse(args); err != nil {
		return err
	}

	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	srv, err := app.New(app.Config{
		DSN:    *dsn,
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *backupDir != "" {
		go backups(ctx, logger, srv, *backupDir, *backupEvery)
	}
	logger.Info("listening", "addr", "http://"+ln.Addr().String())
	err = serve(ctx, ln, srv, *drain)
	logger.Info("stopped", "err", err)
	return err
}

// serve serves h on ln until ctx is done, then shuts down gracefully:
// no new connections, in-flight requests get up to drain to finish.
func serve(ctx context.Context, ln net.Listener, h http.Handler, drain time.Duration) error {
	hs := &http.Server{
		Handler:           h,
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

// backups writes a backup to dir every period until ctx is done. Restore
// one by starting the service with -db on the backup file.
func backups(ctx context.Context, logger *slog.Logger, srv *app.Server, dir string, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		path := filepath.Join(dir, "login-"+time.Now().UTC().Format("20060102T150405Z")+".db")
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
