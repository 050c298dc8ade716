package app

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// migrations is the schema, one step per version. Steps are only ever
// appended: a database records the versions it applied in schema_migrations
// and New applies the missing ones, each in its own transaction.
var migrations = []string{
	1: `CREATE TABLE users (
		id            INTEGER PRIMARY KEY AUTOINCREMENT,
		email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
		password_hash BLOB    NOT NULL,
		created_at    INTEGER NOT NULL
	)`,
	2: `CREATE TABLE sessions (
		token_hash TEXT    PRIMARY KEY,
		user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL
	);
	CREATE INDEX sessions_user ON sessions(user_id)`,
	3: `CREATE TABLE notes (
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		body       TEXT    NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE INDEX notes_user ON notes(user_id)`,
	4: `ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0`,
}

var memoryDBs atomic.Int64

// openDB opens dsn, or a private in-memory database when dsn is empty.
func openDB(dsn string) (*sql.DB, error) {
	memory := dsn == ""
	if memory {
		// One name per Server: cache=shared lets the pool's connections see
		// one database, and no other Server sees it.
		dsn = fmt.Sprintf("file:login-%d-%s?mode=memory&cache=shared", memoryDBs.Add(1), randomHex(4))
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	dsn += sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)"
	if !memory {
		dsn += "&_pragma=journal_mode(WAL)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("app: open database: %w", err)
	}
	if memory {
		// A shared-cache memory database locks whole tables; one connection
		// serializes the work instead of failing with SQLITE_LOCKED.
		db.SetMaxOpenConns(1)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("app: open database: %w", err)
	}
	return db, nil
}

// migrate applies the migrations db has not recorded yet.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("app: migrate: %w", err)
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("app: migrate: %w", err)
	}
	if current >= len(migrations) {
		return fmt.Errorf("app: migrate: the database is at schema version %d, newer than this program (%d)", current, len(migrations)-1)
	}
	for v := current + 1; v < len(migrations); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("app: migrate to version %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("app: migrate to version %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, v, time.Now().Unix()); err != nil {
			tx.Rollback()
			return fmt.Errorf("app: migrate to version %d: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("app: migrate to version %d: %w", v, err)
		}
	}
	return nil
}

// SchemaVersion returns the latest schema version this program knows.
func SchemaVersion() int { return len(migrations) - 1 }

// Backup writes a consistent copy of the database to the file path, which
// must not exist yet, while the service keeps serving (SQLite's VACUUM
// INTO). Restore by starting the service on the copy.
func (s *Server) Backup(ctx context.Context, path string) error {
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("app: backup to %s: %w", path, err)
	}
	return nil
}
