package app

import (
	"context"
	"fmt"
	"time"
)

// migrations is the schema, one step per version, written once for both
// stores ({{id}}, {{blob}} and {{now}} take each dialect's words). Steps are
// only ever appended: a database records the versions it applied in
// schema_migrations and New applies the missing ones, each in its own
// transaction.
var migrations = [][]string{
	1: {`CREATE TABLE users (
		id            {{id}},
		email         TEXT   NOT NULL UNIQUE,
		password_hash {{blob}} NOT NULL,
		created_at    BIGINT NOT NULL
	)`},
	2: {`CREATE TABLE sessions (
		token_hash TEXT   PRIMARY KEY,
		user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		created_at BIGINT NOT NULL,
		expires_at BIGINT NOT NULL
	)`, `CREATE INDEX sessions_user ON sessions(user_id)`},
	// A card: the number and the holder's name sealed together (AES-256-GCM)
	// under the key named key_id; only the masked number is kept readable
	// (PCI DSS v4 3.4.1, 3.5.1). No verification code is ever stored (3.3.1).
	3: {`CREATE TABLE cards (
		id         {{id}},
		user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		masked     TEXT   NOT NULL,
		expiry     TEXT   NOT NULL,
		key_id     TEXT   NOT NULL,
		sealed     {{blob}} NOT NULL,
		created_at BIGINT NOT NULL
	)`, `CREATE INDEX cards_user ON cards(user_id)`},
	// Sessions open before the idle timeout count as used at the upgrade:
	// a last_seen of 0 would end them all at once.
	4: {`ALTER TABLE sessions ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0`,
		`UPDATE sessions SET last_seen = {{now}}`},
}

// downMigrations revert migrations[v] for a rollback: each keeps every row
// the version before it reads.
var downMigrations = [][]string{
	1: {`DROP TABLE users`},
	2: {`DROP TABLE sessions`},
	3: {`DROP TABLE cards`},
	4: {`ALTER TABLE sessions DROP COLUMN last_seen`},
}

// SchemaVersion returns the latest schema version this program knows.
func SchemaVersion() int { return len(migrations) - 1 }

// Migrate moves the store's schema to version: up through the migrations
// it has not applied, or down, for a rollback, through the down-migrations
// of the versions above it. Operations run it before starting an older
// release.
func (s *Store) Migrate(ctx context.Context, version int) error {
	if version < 0 || version > SchemaVersion() {
		return fmt.Errorf("app: migrate: no schema version %d (0 to %d)", version, SchemaVersion())
	}
	if err := s.migrate(ctx, version); err != nil {
		return err
	}
	current, err := s.version(ctx)
	if err != nil {
		return err
	}
	for v := current; v > version; v-- {
		if err := s.step(ctx, downMigrations[v], `DELETE FROM schema_migrations WHERE version = ?`, v); err != nil {
			return fmt.Errorf("app: roll back version %d: %w", v, err)
		}
	}
	return nil
}

func (s *Store) version(ctx context.Context) (int, error) {
	var current int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, fmt.Errorf("app: schema version: %w", err)
	}
	return current, nil
}

// migrate applies the migrations the store has not recorded yet, up to
// version.
func (s *Store) migrate(ctx context.Context, version int) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at BIGINT  NOT NULL
	)`); err != nil {
		return fmt.Errorf("app: migrate: %w", err)
	}
	current, err := s.version(ctx)
	if err != nil {
		return err
	}
	if current >= len(migrations) {
		return fmt.Errorf("app: migrate: the database is at schema version %d, newer than this program (%d)", current, len(migrations)-1)
	}
	for v := current + 1; v <= version; v++ {
		if err := s.step(ctx, migrations[v], `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, v, time.Now().Unix()); err != nil {
			return fmt.Errorf("app: migrate to version %d: %w", v, err)
		}
	}
	return nil
}

// step runs stmts and the bookkeeping statement in one transaction.
func (s *Store) step(ctx context.Context, stmts []string, record string, args ...any) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, s.ddl(stmt)); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(record), args...); err != nil {
		return err
	}
	return tx.Commit()
}
