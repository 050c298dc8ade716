package scenario_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleBackupRestore() {
	dir, _ := os.MkdirTemp("", "backup-example")
	defer os.RemoveAll(dir)
	live := filepath.Join(dir, "live.db")
	db, _ := sql.Open("sqlite", live)
	defer func() { db.Close() }()
	db.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`)

	type note struct {
		ID   int
		Body string
	}
	err := scenario.BackupRestore{
		Seed: func(ctx context.Context) error {
			_, err := db.ExecContext(ctx, `INSERT INTO notes(body) VALUES ('keep me'), ('and me')`)
			return err
		},
		Snapshot: func(ctx context.Context) (any, error) {
			rows, err := db.QueryContext(ctx, `SELECT id, body FROM notes ORDER BY id`)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var notes []note
			for rows.Next() {
				var n note
				if err := rows.Scan(&n.ID, &n.Body); err != nil {
					return nil, err
				}
				notes = append(notes, n)
			}
			return notes, rows.Err()
		},
		// A consistent copy while the service serves.
		Backup: func(ctx context.Context) (scenario.Backup, error) {
			path := filepath.Join(dir, "backup.db")
			_, err := db.ExecContext(ctx, `VACUUM INTO ?`, path)
			return scenario.Backup{Path: path}, err
		},
		// Lose the live data.
		Damage: func(ctx context.Context) error {
			_, err := db.ExecContext(ctx, `DELETE FROM notes`)
			return err
		},
		// Put the backup in place of the live database and reopen it.
		Restore: func(ctx context.Context, b scenario.Backup) error {
			db.Close()
			data, err := os.ReadFile(b.Path)
			if err != nil {
				return err
			}
			if err := os.WriteFile(live, data, 0o600); err != nil {
				return err
			}
			db, err = sql.Open("sqlite", live)
			return err
		},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
