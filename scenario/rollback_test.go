package scenario_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/jettymethod/jetty/scenario"
)

// rbApp is a notes service in two versions on one SQLite database: v2 adds
// a tags column. Its flags break the rollback the ways real migrations do.
type rbApp struct {
	db         *sql.DB
	dropsBody  bool // the down-migration drops a column v1 reads
	recreates  bool // the down-migration recreates the table: rows lost
	upRebuilds bool // the up-migration rebuilds the table each time: rows lost
	nullBody   bool // v2 writes the text to tags and leaves body NULL, which v1 cannot read
}

func newRBApp(t *testing.T, a rbApp) *rbApp {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "notes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO notes(body) VALUES ('from v1')`); err != nil {
		t.Fatal(err)
	}
	a.db = db
	return &a
}

func (a *rbApp) version(v int) func() (http.Handler, error) {
	return func() (http.Handler, error) {
		// A version checks at start that the schema has what it reads.
		cols := "id, body"
		if v == 2 {
			cols = "id, body, tags"
		}
		if _, err := a.db.Exec(`SELECT ` + cols + ` FROM notes LIMIT 0`); err != nil {
			return nil, fmt.Errorf("v%d: schema check: %w", v, err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
		mux.HandleFunc("GET /notes", func(w http.ResponseWriter, r *http.Request) {
			rows, err := a.db.QueryContext(r.Context(), `SELECT id, body FROM notes ORDER BY id`)
			if err != nil {
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var id int
				var body string // v1 does not expect NULL
				if err := rows.Scan(&id, &body); err != nil {
					http.Error(w, "internal error", http.StatusInternalServerError)
					return
				}
				out = append(out, body)
			}
			json.NewEncoder(w).Encode(out)
		})
		if v == 2 {
			mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
				var n struct{ Body, Tags string }
				json.NewDecoder(r.Body).Decode(&n)
				var err error
				if a.nullBody {
					_, err = a.db.Exec(`INSERT INTO notes(body, tags) VALUES (NULL, ?)`, n.Body)
				} else {
					_, err = a.db.Exec(`INSERT INTO notes(body, tags) VALUES (?, ?)`, n.Body, n.Tags)
				}
				if err != nil {
					http.Error(w, "internal error", http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusCreated)
			})
		}
		return mux, nil
	}
}

func (a *rbApp) up(ctx context.Context) error {
	if a.upRebuilds {
		if _, err := a.db.ExecContext(ctx, `DROP TABLE IF EXISTS notes; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, tags TEXT)`); err != nil {
			return err
		}
		return nil
	}
	_, err := a.db.ExecContext(ctx, `ALTER TABLE notes ADD COLUMN tags TEXT`)
	return err
}

func (a *rbApp) down(ctx context.Context) error {
	q := `ALTER TABLE notes DROP COLUMN tags`
	switch {
	case a.dropsBody:
		q = `ALTER TABLE notes DROP COLUMN body`
	case a.recreates:
		q = `DROP TABLE notes; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`
	}
	_, err := a.db.ExecContext(ctx, q)
	return err
}

func (a *rbApp) snapshot(ctx context.Context) (any, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT id, coalesce(body, '') FROM notes ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprint(id, ":", body))
	}
	return out, rows.Err()
}

func (a *rbApp) scenario() scenario.Rollback {
	return scenario.Rollback{
		Previous: a.version(1), Next: a.version(2), Up: a.up, Down: a.down,
		Write:    scenario.Request{Method: "POST", Path: "/notes", Body: []byte(`{"Body": "from v2", "Tags": "new"}`)},
		Read:     scenario.Request{Path: "/notes"},
		Snapshot: a.snapshot,
	}
}

func TestRollbackPassesReversibleMigration(t *testing.T) {
	t.Parallel()
	if err := newRBApp(t, rbApp{}).scenario().Verify(t.Context()); err != nil {
		t.Error(err)
	}
}

func TestRollbackCatchesBrokenMigrations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		app  rbApp
		want []string
	}{
		{"down drops a column v1 reads", rbApp{dropsBody: true}, []string{"after the rollback, the previous version does not start: v1: schema check", "make the down-migration restore what it reads"}},
		{"down recreates the table", rbApp{recreates: true}, []string{"rolling back and forward lost or changed data (-before +after)", `"1:from v1"`}},
		{"up rebuilds the table", rbApp{upRebuilds: true}, []string{"rolling back and forward lost or changed data"}},
		{"v2 writes what v1 cannot read", rbApp{nullBody: true}, []string{"after the rollback, the previous version: GET /notes = 500", "the down-migration must keep what the previous version reads"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblems(t, newRBApp(t, tc.app).scenario(), tc.want...)
		})
	}
}

func TestRollbackWithoutSnapshotSaysNotProven(t *testing.T) {
	t.Parallel()
	x := newRBApp(t, rbApp{}).scenario()
	x.Snapshot = nil
	out := runLogs(t, x)
	if want := "not proven: that rolling back and forward loses nothing: set Rollback.Snapshot"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	wantProblems(t, scenario.Rollback{}, "Rollback.Previous is not set", "Rollback.Write and Rollback.Read must both be set")
}

func init() {
	registerLayers(
		layerCase{name: "Rollback/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return newRBApp(t, rbApp{}).wrapped(wrap)
		}},
		layerCase{name: "Rollback/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return newRBApp(t, rbApp{recreates: true}).wrapped(wrap)
		}},
	)
}

// wrapped is the scenario with every version's handler passed through
// wrap.
func (a *rbApp) wrapped(wrap func(http.Handler) http.Handler) scenario.Rollback {
	x := a.scenario()
	w := func(build func() (http.Handler, error)) func() (http.Handler, error) {
		return func() (http.Handler, error) {
			h, err := build()
			if err != nil {
				return nil, err
			}
			return wrap(h), nil
		}
	}
	x.Previous, x.Next = w(x.Previous), w(x.Next)
	return x
}
