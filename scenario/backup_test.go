package scenario_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	_ "modernc.org/sqlite"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario"
)

// bkApp is a service on a SQLite file with users and notes; its flags break
// its backup and restore in the ways BackupRestore must catch.
type bkApp struct {
	t        *testing.T
	dir      string
	live     string
	mu       sync.Mutex
	db       *sql.DB
	backups  int
	oneTable bool          // the backup copies only the users table
	noop     bool          // Restore returns nil and does nothing
	truncate bool          // the backup file is cut in half
	latest   time.Duration // age of the newest scheduled backup
	unready  bool          // the service answers 503 after a restore
	restored bool
}

func newBkApp(t *testing.T) *bkApp {
	t.Helper()
	a := &bkApp{t: t, dir: t.TempDir(), latest: time.Hour}
	a.live = filepath.Join(a.dir, "live.db")
	a.open()
	a.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
		CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, body TEXT NOT NULL)`)
	t.Cleanup(func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.db.Close()
	})
	return a
}

func (a *bkApp) open() {
	db, err := sql.Open("sqlite", a.live)
	if err != nil {
		a.t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	a.db = db
}

func (a *bkApp) exec(q string, args ...any) {
	a.t.Helper()
	if _, err := a.handle().Exec(q, args...); err != nil {
		a.t.Fatalf("%s: %v", q, err)
	}
}

func (a *bkApp) handle() *sql.DB {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.db
}

func (a *bkApp) seed(ctx context.Context) error {
	_, err := a.handle().ExecContext(ctx, `INSERT INTO users(id, email) VALUES (1, 'alice@example.com'), (2, 'bob@example.com');
		INSERT INTO notes(user_id, body) VALUES (1, 'keep me'), (1, 'and me'), (2, 'bob''s note')`)
	return err
}

type bkUser struct {
	ID    int
	Email string
}

type bkNote struct {
	ID, UserID int
	Body       string
}

type bkData struct {
	Users []bkUser
	Notes []bkNote
}

func (a *bkApp) snapshot(ctx context.Context) (any, error) {
	db := a.handle()
	var d bkData
	rows, err := db.QueryContext(ctx, `SELECT id, email FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var u bkUser
		if err := rows.Scan(&u.ID, &u.Email); err != nil {
			rows.Close()
			return nil, err
		}
		d.Users = append(d.Users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT id, user_id, body FROM notes ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n bkNote
		if err := rows.Scan(&n.ID, &n.UserID, &n.Body); err != nil {
			return nil, err
		}
		d.Notes = append(d.Notes, n)
	}
	return d, rows.Err()
}

func (a *bkApp) backup(ctx context.Context) (scenario.Backup, error) {
	a.backups++
	path := filepath.Join(a.dir, fmt.Sprintf("backup-%d.db", a.backups))
	if _, err := a.handle().ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return scenario.Backup{}, err
	}
	if a.oneTable {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			return scenario.Backup{}, err
		}
		_, err = db.ExecContext(ctx, `DROP TABLE notes; VACUUM`)
		db.Close()
		if err != nil {
			return scenario.Backup{}, err
		}
	}
	if a.truncate {
		fi, err := os.Stat(path)
		if err != nil {
			return scenario.Backup{}, err
		}
		// Keep the first page: the header says how many are missing.
		if err := os.Truncate(path, fi.Size()/3); err != nil {
			return scenario.Backup{}, err
		}
	}
	return scenario.Backup{Path: path}, nil
}

func (a *bkApp) after(ctx context.Context) error {
	_, err := a.handle().ExecContext(ctx, `INSERT INTO users(id, email) VALUES (3, 'mallory@example.com')`)
	return err
}

func (a *bkApp) damage(ctx context.Context) error {
	_, err := a.handle().ExecContext(ctx, `DELETE FROM notes`)
	return err
}

// restore replaces the live database with the backup, checks it and
// reopens it.
func (a *bkApp) restore(ctx context.Context, b scenario.Backup) error {
	if a.noop {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.db.Close()
	src, err := os.Open(b.Path)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(a.live)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	a.open()
	var res string
	if err := a.db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return fmt.Errorf("checking the restored database: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("the restored database is damaged: %s", res)
	}
	a.restored = true
	return nil
}

func (a *bkApp) latestBackup(context.Context) (time.Time, error) {
	return time.Now().Add(-a.latest), nil
}

func (a *bkApp) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		var n int
		if a.unready && a.restored {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if err := a.handle().QueryRowContext(r.Context(), `SELECT count(*) FROM notes`).Scan(&n); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, `{"status":"pass","notes":%d}`, n)
	})
	return mux
}

func (a *bkApp) scenario() scenario.BackupRestore {
	return scenario.BackupRestore{
		Seed:     a.seed,
		Snapshot: a.snapshot,
		Backup:   a.backup,
		After:    a.after,
		Damage:   a.damage,
		Restore:  a.restore,
		Latest:   a.latestBackup,
		Target:   scenario.Handler(a.handler()),
		Healthy:  "/readyz",
	}
}

func TestBackupRestorePassesCorrectApp(t *testing.T) {
	for _, url := range []bool{false, true} {
		t.Run(fmt.Sprintf("url=%v", url), func(t *testing.T) {
			a := newBkApp(t)
			x := a.scenario()
			if url {
				srv := httptest.NewServer(a.handler())
				t.Cleanup(srv.Close)
				x.Target = scenario.URL(srv.URL)
			}
			if err := x.Verify(context.Background()); err != nil {
				t.Fatalf("Verify on a correct app: %v", err)
			}
			got, err := a.snapshot(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if d := got.(bkData); len(d.Notes) != 3 || len(d.Users) != 2 {
				t.Errorf("after Verify the live data is %+v, want the 2 users and 3 notes seeded", d)
			}
		})
	}
}

func TestBackupRestoreCatchesBrokenApps(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(a *bkApp, x *scenario.BackupRestore)
		want    []string
	}{
		{"backup copies one table", func(a *bkApp, _ *scenario.BackupRestore) { a.oneTable = true }, []string{
			"Then the restored data equals the data backed up: Snapshot after the restore: SQL logic error: no such table: notes",
		}},
		{"backup copies one table, Snapshot tolerant", func(a *bkApp, x *scenario.BackupRestore) {
			a.oneTable = true
			x.Snapshot = func(ctx context.Context) (any, error) {
				v, err := a.snapshot(ctx)
				if err != nil && strings.Contains(err.Error(), "no such table") {
					u, _ := a.users(ctx)
					return bkData{Users: u}, nil
				}
				return v, err
			}
		}, []string{
			"the restored data differs from the data backed up: the backup misses data (every table must be in it)",
			"(-want +got):",
			`{ID: 1, UserID: 1, Body: "keep me"}`,
			"Notes: nil,",
		}},
		{"restore does nothing", func(a *bkApp, _ *scenario.BackupRestore) { a.noop = true }, []string{
			"Restore returned nil but the data is as After and Damage left it: the restore did nothing",
			`{ID: 3, Email: "mallory@example.com"},`,
		}},
		{"truncated backup", func(a *bkApp, _ *scenario.BackupRestore) { a.truncate = true }, []string{
			"When a backup is taken: the backup file ",
			"holds 1 of the 3 SQLite pages its header counts: the copy is truncated",
			"When the backup is restored: Restore: ",
			"the backup cannot be restored",
		}},
		{"stale scheduled backup", func(a *bkApp, _ *scenario.BackupRestore) { a.latest = 48 * time.Hour }, []string{
			"And the newest scheduled backup is younger than 24h: the newest scheduled backup was taken 48h ago",
			"want ≤ 24h: the schedule is not running or its backups fail",
		}},
		{"no scheduled backup", func(_ *bkApp, x *scenario.BackupRestore) {
			x.Latest = func(context.Context) (time.Time, error) { return time.Time{}, nil }
		}, []string{"Latest returned no time: no scheduled backup was ever taken"}},
		{"service down after the restore", func(a *bkApp, _ *scenario.BackupRestore) { a.unready = true }, []string{
			"GET /readyz after the restore = 503, want 2xx: the service does not serve from the restored data",
		}},
		{"snapshot errors", func(_ *bkApp, x *scenario.BackupRestore) {
			x.Snapshot = func(context.Context) (any, error) { return nil, errors.New("database is locked") }
		}, []string{"Snapshot before the backup: database is locked: Snapshot must read the data"}},
		{"damage changes nothing", func(_ *bkApp, x *scenario.BackupRestore) {
			x.After = nil
			x.Damage = func(context.Context) error { return nil }
		}, []string{"the data Snapshot reads is the same after Damage: the restore cannot be told from doing nothing"}},
		{"nothing seeded", func(_ *bkApp, x *scenario.BackupRestore) { x.Seed = nil }, []string{
			"Snapshot before the backup read no data",
		}},
		{"old backup returned", func(a *bkApp, x *scenario.BackupRestore) {
			x.Backup = func(ctx context.Context) (scenario.Backup, error) {
				b, err := a.backup(ctx)
				b.Taken = time.Now().Add(-36 * time.Hour)
				return b, err
			}
		}, []string{"Backup must take a new backup now, not return an old one"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newBkApp(t)
			x := a.scenario()
			tc.breakIt(a, &x)
			wantProblems(t, x, tc.want...)
		})
	}
}

func (a *bkApp) users(ctx context.Context) ([]bkUser, error) {
	rows, err := a.handle().QueryContext(ctx, `SELECT id, email FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bkUser
	for rows.Next() {
		var u bkUser
		if err := rows.Scan(&u.ID, &u.Email); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// bkMem is an in-memory store whose restore takes a virtual hour or two.
type bkMem struct {
	rows        map[string]string
	restoreTime time.Duration
}

func (m *bkMem) scenario() scenario.BackupRestore {
	return scenario.BackupRestore{
		Seed: func(context.Context) error { m.rows = map[string]string{"alice": "keep me"}; return nil },
		Snapshot: func(context.Context) (any, error) {
			out := map[string]string{}
			for k, v := range m.rows {
				out[k] = v
			}
			return out, nil
		},
		Backup: func(context.Context) (scenario.Backup, error) {
			return scenario.Backup{Data: []byte(m.rows["alice"])}, nil
		},
		Damage: func(context.Context) error { clear(m.rows); return nil },
		Restore: func(_ context.Context, b scenario.Backup) error {
			time.Sleep(m.restoreTime)
			m.rows = map[string]string{"alice": string(b.Data)}
			return nil
		},
	}
}

func TestBackupRestoreRTO(t *testing.T) {
	// In a synctest bubble the restore's sleep advances a virtual clock:
	// the measured restore time is exactly the sleep.
	synctest.Test(t, func(t *testing.T) {
		m := &bkMem{restoreTime: 2 * time.Hour}
		x := m.scenario()
		x.Preset = preset.Enterprise // rto 1h
		got := verifyProblems(t, x)
		if !strings.Contains(got, "When the backup is restored: the restore took 2h, want ≤ 1h (the recovery time objective)") {
			t.Errorf("problems:\n%s", got)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		m := &bkMem{restoreTime: 50 * time.Minute}
		x := m.scenario()
		x.Preset = preset.Enterprise
		if err := x.Verify(context.Background()); err != nil {
			t.Errorf("a 50-minute restore under a 1h RTO: %v", err)
		}
		x.RTO = 10 * time.Minute // set explicitly: wins over the preset
		if got := verifyProblems(t, x); !strings.Contains(got, "the restore took 50m, want ≤ 10m") {
			t.Errorf("problems:\n%s", got)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		// Without a preset there is no RTO: a slow restore is only logged.
		m := &bkMem{restoreTime: 5 * time.Hour}
		if err := m.scenario().Verify(context.Background()); err != nil {
			t.Errorf("without an RTO: %v", err)
		}
	})
}

func TestBackupRestoreThroughJettyCheck(t *testing.T) {
	a := newBkApp(t)
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, a.scenario()) })
	if res.Failed {
		t.Fatalf("jetty.Check on a correct app failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"When a backup is taken",
		"a SQLite database of",
		"Then the restored data equals the data backed up",
		"snapshot after the restore equals the one before the backup: scenario_test.bkData (Users: 2, Notes: 3)",
		"GET /readyz after the restore = 200",
		"the newest scheduled backup was taken 1h ago",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}

	b := newBkApp(t)
	b.noop = true
	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, b.scenario()) })
	if !res.Failed || !strings.Contains(res.ErrorText(), "the restore did nothing") {
		t.Errorf("jetty.Check on a no-op restore: failed=%v\n%s", res.Failed, res.Output())
	}

	// Target and Latest are optional: the scenario says what it skipped.
	c := newBkApp(t)
	x := c.scenario()
	x.Target, x.Latest = scenario.Target{}, nil
	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed || !strings.Contains(res.Output(), "no Target: the service was not checked") || !strings.Contains(res.Output(), "no Latest: the backup schedule was not checked") {
		t.Errorf("without Target and Latest: failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestBackupRestoreBadConfiguration(t *testing.T) {
	data := 1
	full := scenario.BackupRestore{
		Snapshot: func(context.Context) (any, error) { return []int{data}, nil },
		Backup:   func(context.Context) (scenario.Backup, error) { return scenario.Backup{Data: []byte("x")}, nil },
		Restore:  func(context.Context, scenario.Backup) error { return nil },
		Damage:   func(context.Context) error { data++; return nil },
	}
	with := func(f func(*scenario.BackupRestore)) scenario.BackupRestore { x := full; f(&x); return x }
	for _, tc := range []struct {
		name string
		x    scenario.BackupRestore
		want string
	}{
		{"zero", scenario.BackupRestore{}, "BackupRestore.Snapshot is not set"},
		{"no backup", with(func(x *scenario.BackupRestore) { x.Backup = nil }), "BackupRestore.Backup is not set"},
		{"no restore", with(func(x *scenario.BackupRestore) { x.Restore = nil }), "BackupRestore.Restore is not set"},
		{"no damage", with(func(x *scenario.BackupRestore) { x.Damage = nil }), "neither Damage nor After"},
		{"negative RTO", with(func(x *scenario.BackupRestore) { x.RTO = -time.Second }), "BackupRestore.RTO = -1s: want a positive duration"},
		{"negative MaxAge", with(func(x *scenario.BackupRestore) { x.MaxAge = -time.Hour }), "BackupRestore.MaxAge = -1h0m0s"},
		{"bad path", with(func(x *scenario.BackupRestore) { x.Healthy = "readyz" }), `Healthy = "readyz": want a path starting with /`},
		{"empty backup", with(func(x *scenario.BackupRestore) {
			x.Backup = func(context.Context) (scenario.Backup, error) { return scenario.Backup{}, nil }
		}), "Backup returned an empty scenario.Backup"},
		{"empty file", with(func(x *scenario.BackupRestore) {
			p := filepath.Join(t.TempDir(), "empty.db")
			os.WriteFile(p, nil, 0o600)
			x.Backup = func(context.Context) (scenario.Backup, error) { return scenario.Backup{Path: p}, nil }
		}), "empty.db is empty: the backup wrote nothing"},
		{"missing file", with(func(x *scenario.BackupRestore) {
			x.Backup = func(context.Context) (scenario.Backup, error) { return scenario.Backup{Path: "/nonexistent/b.db"}, nil }
		}), "Backup must write the file before it returns"},
		{"backup fails", with(func(x *scenario.BackupRestore) {
			x.Backup = func(context.Context) (scenario.Backup, error) { return scenario.Backup{}, errors.New("disk full") }
		}), "Backup: disk full: the backup failed"},
		{"restore panics", with(func(x *scenario.BackupRestore) {
			x.Restore = func(context.Context, scenario.Backup) error { panic("boom") }
		}), "Restore: panicked: boom"},
		{"latest fails", with(func(x *scenario.BackupRestore) {
			x.Latest = func(context.Context) (time.Time, error) { return time.Time{}, errors.New("no backup dir") }
		}), "Latest: no backup dir: the newest scheduled backup cannot be found"},
		{"unexported snapshot", with(func(x *scenario.BackupRestore) {
			type row struct{ id int }
			n := 0
			x.Snapshot = func(context.Context) (any, error) { n++; return row{id: n}, nil }
		}), "comparing the snapshots"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
}

func TestBackupRestoreTakesPresetParams(t *testing.T) {
	// This test is about the preset reaching the check through Feature, not
	// about filtering: the caller's JETTY_* forms must not skip its
	// production scenario.
	t.Setenv("JETTY_MODE", "")
	t.Setenv("JETTY_TAGS", "")
	// The project's preset allows 72h-old backups: a 48h-old one passes,
	// which under the default 24h fails (see the stale case above).
	p := preset.New("weekend backups", preset.Requirement{
		ID: preset.Backups, Title: "backed up every 3 days", Category: preset.Resilience, Traits: []preset.Trait{preset.StoredData},
		Params: preset.Params{preset.ParamBackupAge: "72h"},
	})
	a := newBkApp(t)
	a.latest = 48 * time.Hour
	jetty.Feature(t, "Notes", func(f *jetty.F) {
		f.Include(a.scenario())
	}, jetty.External(p), jetty.Traits(preset.StoredData))
	if !a.restored {
		t.Error("the scenario did not run: the restore was never called")
	}
}

// Without Target and Latest the scenario proves one restore, not the
// service after it nor the schedule ("backed up daily"): it says so, as not
// proven, naming the fields.
func TestBackupRestoreWithoutTargetAndLatestIsNotProven(t *testing.T) {
	a := newBkApp(t)
	x := a.scenario()
	x.Target, x.Latest = scenario.Target{}, nil
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed {
		t.Fatalf("without Target and Latest: failed\n%s", res.Output())
	}
	for _, w := range []string{
		"not proven: no Target: the service was not checked after the restore; set BackupRestore.Target",
		"not proven: no Latest: the backup schedule was not checked (that a backup is taken at least every 24h); set BackupRestore.Latest",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}
}

func init() {
	registerLayers(
		layerCase{name: "BackupRestore/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			a := newBkApp(t)
			x := a.scenario()
			x.Target = scenario.Handler(wrap(a.handler()))
			return x
		}},
		layerCase{name: "BackupRestore/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			a := newBkApp(t)
			a.noop = true
			x := a.scenario()
			x.Target = scenario.Handler(wrap(a.handler()))
			return x
		}},
	)
}
