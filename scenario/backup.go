package scenario

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/jettymethod/jetty/scenario/internal/probe"
)

// Backup is one backup the application took: a file (Path), such as the
// SQLite copy `VACUUM INTO ?` writes, or the backup's bytes (Data), such as
// a dump written to memory. Set one of them.
type Backup struct {
	// Path is the backup file.
	Path string
	// Data is the backup's content, when it is not a file.
	Data []byte
	// Taken is when the backup was taken. Default: when Backup returned.
	Taken time.Time
}

// BackupRestore proves a backup by restoring it, as the requirement "stored
// data is backed up daily and the restore is tested" asks: a backup that was
// never restored is not a backup (NIST SP 800-34 §3.4.2; CIS Controls v8
// 11.2 automated backups, 11.5 test data recovery). The application
// provides its operations as functions; the scenario
//
//  1. calls Seed (optional) to write known data, and Snapshot to read the
//     data that matters;
//  2. calls Backup and checks the backup is not empty and, when it is a
//     SQLite database, that its header is sound and the file is as long as
//     the header says (a truncated copy is caught before the restore);
//  3. calls After (optional) to write data after the backup and Damage
//     (optional) to destroy live data — at least one is required, and it
//     must change what Snapshot reads, or a restore that does nothing would
//     pass;
//  4. calls Restore with the backup, measuring it: it must succeed within
//     RTO (ISO 22301's recovery time objective) when one is set;
//  5. calls Snapshot again: it must equal the first snapshot (go-cmp, the
//     difference reported as "(-want +got)"), so every table came back and
//     the data written after the backup is gone;
//  6. when Target is set, checks the service answers GET Healthy with 2xx
//     after the restore;
//  7. when Latest is set, checks the newest scheduled backup is younger
//     than MaxAge.
//
// Steps 1–5 run by default. Step 6 needs Target and step 7 needs Latest:
// without them the scenario reports "not proven: …; set
// BackupRestore.Target" (or Latest) — the schedule ("backed up daily") is
// then not proven, only that one backup restores.
//
// With SQLite, Backup is `VACUUM INTO ?` to a new file (a consistent copy
// while the service serves) and Restore replaces the live database with
// the copy and reopens it, or starts the service on the copy.
//
// It covers preset.Backups. BackupRestore is a value; Verify and Run are
// safe in parallel tests when its functions work on data no other test
// uses (each test its own database file).
//
// Not proven without its field, and required by a preset with
// preset.Backups: the service after the restore (Target) and the schedule
// (Latest).
type BackupRestore struct {
	production

	// Seed writes known data before the backup, e.g. a user and a note.
	// Optional: without it, the data already there is backed up (and it
	// must not be empty).
	Seed func(ctx context.Context) error
	// Snapshot reads the data the backup must keep, e.g. every row of every
	// table as a slice of structs with exported fields. It is compared with
	// cmp.Diff (and Options) before the backup and after the restore.
	// Required.
	Snapshot func(ctx context.Context) (any, error)
	// Backup takes a backup now and returns it. Required.
	Backup func(ctx context.Context) (Backup, error)
	// After writes data after the backup (a new row), which the restore
	// must make disappear. Optional, but After or Damage is required.
	After func(ctx context.Context) error
	// Damage destroys or changes live data (drop a table, delete rows), so
	// the restore must really bring it back. Optional, but After or Damage
	// is required.
	Damage func(ctx context.Context) error
	// Restore restores the backup into the live system. Required.
	Restore func(ctx context.Context, b Backup) error
	// Latest returns when the newest scheduled backup was taken (e.g. the
	// modification time of the newest file in the backup directory).
	// Optional: without it, the schedule is not checked, and the scenario
	// says so.
	Latest func(ctx context.Context) (time.Time, error)
	// MaxAge is the oldest acceptable scheduled backup. Default: the
	// preset's max-age parameter (24h in the built-in presets), else 24h.
	MaxAge time.Duration
	// RTO is the longest the restore may take (recovery time objective).
	// Default: the preset's rto parameter (1h under Enterprise);
	// without one, the restore's duration is only logged.
	RTO time.Duration
	// Target, when set, is the service, checked after the restore. A
	// HandlerFunc target is built after the restore, as a service started
	// on the restored data.
	Target Target
	// Healthy is the path the service must answer with 2xx after the
	// restore. Default "/healthz"; a route that reads restored data, such
	// as "/readyz", proves more.
	Healthy string
	// Options are go-cmp options for comparing snapshots, e.g.
	// cmpopts.IgnoreFields for a column that legitimately changes.
	Options []cmp.Option
	// Preset is the preset MaxAge and RTO default from (its max-age and rto
	// parameters). Zero: the project's (Run: the Feature's options, else
	// the module's profile file; Verify: the profile file), then the
	// seed's numbers. Fields set on the check win over both.
	Preset preset.Preset
}

// Title returns "stored data is backed up daily and the restore is tested".
func (BackupRestore) Title() string {
	return "stored data is backed up daily and the restore is tested"
}

// Covers returns preset.Backups.
func (BackupRestore) Covers() []preset.ID { return []preset.ID{preset.Backups} }

// Verify runs the scenario without a testing.T and returns a *Problems
// listing every problem found, or nil.
func (x BackupRestore) Verify(ctx context.Context) error {
	return verify(ctx, x.Title(), x.Preset, x.exec)
}

// Run runs the scenario's steps on s, with defaults from the project's
// preset.
func (x BackupRestore) Run(s *jetty.S) { s.Helper(); run(s, x.Preset, x.exec) }

// bkSkew is how far a backup's Taken may lie outside the Backup call.
const bkSkew = 2 * time.Second

// bkConfig is a BackupRestore with its defaults resolved.
type bkConfig struct {
	maxAge, rto time.Duration
	healthy     string
}

func (x BackupRestore) config(r reporter) (bkConfig, bool) {
	// The preset's parameters first, where no field overrides them.
	param := paramsOf(r, preset.Backups)
	cfg := bkConfig{maxAge: x.MaxAge, rto: x.RTO, healthy: x.Healthy}
	if cfg.maxAge == 0 {
		cfg.maxAge = param.Duration(preset.ParamBackupAge, 24*time.Hour)
	}
	if cfg.rto == 0 {
		cfg.rto = param.Duration(preset.ParamRTO, 0)
	}
	ok := true
	bad := func(format string, args ...any) { r.errorf(format, args...); ok = false }
	if x.Snapshot == nil {
		bad("BackupRestore.Snapshot is not set: set it to a function that reads the data the backup must keep, e.g. every row of your tables")
	}
	if x.Backup == nil {
		bad("BackupRestore.Backup is not set: set it to a function that takes a backup now, e.g. `VACUUM INTO ?` to a new file, and returns scenario.Backup{Path: file}")
	}
	if x.Restore == nil {
		bad("BackupRestore.Restore is not set: set it to a function that restores a backup into the live system, e.g. replaces the database file with the backup and reopens it")
	}
	if x.Damage == nil && x.After == nil {
		bad("BackupRestore has neither Damage nor After: set Damage (e.g. delete every row of a table) or After (write a row after the backup), or a restore that does nothing would pass")
	}
	if cfg.maxAge < 0 {
		bad("BackupRestore.MaxAge = %v: want a positive duration, or 0 for the preset's (24h)", cfg.maxAge)
	}
	if cfg.rto < 0 {
		bad("BackupRestore.RTO = %v: want a positive duration, or 0 for the preset's", cfg.rto)
	}
	if cfg.healthy == "" {
		cfg.healthy = "/healthz"
	}
	if !strings.HasPrefix(cfg.healthy, "/") {
		bad("BackupRestore.Healthy = %q: want a path starting with /, such as /readyz", cfg.healthy)
	}
	return cfg, ok
}

// bkSnap calls snap, turning a panic into an error.
func bkSnap(ctx context.Context, snap func(context.Context) (any, error)) (v any, err error) {
	err = probe.CallErr(func() error {
		var e error
		v, e = snap(ctx)
		return e
	})
	return v, err
}

// bkEmpty reports whether v holds no data: nil, a zero value, or an empty
// slice, map or string.
func bkEmpty(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return true
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array:
		return rv.Len() == 0
	}
	return rv.IsZero()
}

// bkDiff is cmp.Diff that reports what cmp cannot compare (unexported
// fields without an option) instead of panicking.
func bkDiff(want, got any, opts []cmp.Option) (diff string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return cmp.Diff(want, got, opts...), nil
}

// bkShow describes a snapshot for the log: its type and size.
func bkShow(v any) string {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) && !rv.IsNil() {
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return "nil"
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Array:
		return fmt.Sprintf("%T with %d item(s)", v, rv.Len())
	case reflect.Struct:
		var parts []string
		for i := range rv.NumField() {
			f := rv.Field(i)
			if !rv.Type().Field(i).IsExported() {
				continue
			}
			switch f.Kind() {
			case reflect.Slice, reflect.Map, reflect.Array:
				parts = append(parts, fmt.Sprintf("%s: %d", rv.Type().Field(i).Name, f.Len()))
			}
		}
		if len(parts) > 0 {
			return fmt.Sprintf("%T (%s)", v, strings.Join(parts, ", "))
		}
	}
	return fmt.Sprintf("%T", v)
}

// bkSQLiteMagic starts every SQLite database file.
const bkSQLiteMagic = "SQLite format 3\x00"

// bkCheck checks a backup is not empty and, for a SQLite database, that
// its header is sound and the file holds every page the header counts. It
// returns a description of the backup for the log.
func bkCheck(b Backup) (string, error) {
	var (
		head []byte
		size int64
		what string
	)
	switch {
	case b.Path != "" && len(b.Data) > 0:
		return "", fmt.Errorf("Backup returned both a Path and Data: set one, the file or the bytes")
	case b.Path != "":
		what = "the backup file " + b.Path
		fi, err := os.Stat(b.Path)
		if err != nil {
			return "", fmt.Errorf("%s: %v: Backup must write the file before it returns", what, err)
		}
		if !fi.Mode().IsRegular() {
			return "", fmt.Errorf("%s is not a regular file (%v): return the backup file's path", what, fi.Mode())
		}
		size = fi.Size()
		f, err := os.Open(b.Path)
		if err != nil {
			return "", fmt.Errorf("%s: %v", what, err)
		}
		defer f.Close()
		head = make([]byte, 100)
		n, err := io.ReadFull(f, head)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return "", fmt.Errorf("reading %s: %v", what, err)
		}
		head = head[:n]
	case len(b.Data) > 0:
		what = "the backup"
		size = int64(len(b.Data))
		head = b.Data[:min(100, len(b.Data))]
	default:
		return "", fmt.Errorf("Backup returned an empty scenario.Backup: set Path to the backup file (or Data to its bytes)")
	}
	if size == 0 {
		return "", fmt.Errorf("%s is empty: the backup wrote nothing; check the backup command's errors", what)
	}
	desc := fmt.Sprintf("%s (%d bytes)", what, size)
	if !bytes.HasPrefix(head, []byte(bkSQLiteMagic)) {
		return desc, nil
	}
	if len(head) < 100 {
		return desc, fmt.Errorf("%s is a SQLite database cut short inside its 100-byte header (%d bytes): the copy is truncated; take backups with `VACUUM INTO` and check the copy completed", what, size)
	}
	pageSize := int64(binary.BigEndian.Uint16(head[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return desc, fmt.Errorf("%s is a SQLite database with an invalid page size %d in its header: the file is corrupt", what, pageSize)
	}
	if size%pageSize != 0 {
		return desc, fmt.Errorf("%s is %d bytes, not a whole number of %d-byte SQLite pages: the copy is truncated or corrupt; take backups with `VACUUM INTO` and check the copy completed", what, size, pageSize)
	}
	pages := int64(binary.BigEndian.Uint32(head[28:32]))
	changes := binary.BigEndian.Uint32(head[24:28])
	validFor := binary.BigEndian.Uint32(head[92:96])
	if pages > 0 && changes == validFor && size < pages*pageSize {
		return desc, fmt.Errorf("%s holds %d of the %d SQLite pages its header counts: the copy is truncated; take backups with `VACUUM INTO` and check the copy completed", what, size/pageSize, pages)
	}
	return fmt.Sprintf("%s, a SQLite database of %d page(s)", desc, size/pageSize), nil
}

// bkRun is one run of BackupRestore: its configuration, resolved once, and
// what was seen.
type bkRun struct {
	x       BackupRestore
	r       reporter
	cfg     bkConfig
	ok      bool   // the round trip may go on
	want    any    // the snapshot before the backup
	b       Backup // the backup taken
	damaged any    // the snapshot after After and Damage, nil if unreadable
}

func (x BackupRestore) exec(r reporter) {
	k := &bkRun{x: x, r: r, ok: true}
	r.step("Given", "an application that backs up and restores its stored data", func() {
		k.cfg, k.ok = x.config(r)
		r.ready()
	})
	if !k.ok {
		return
	}
	k.roundTrip()
	k.latest()
}

// roundTrip backs up, damages, restores and compares.
func (k *bkRun) roundTrip() {
	for _, s := range []struct {
		kw, text string
		fn       func()
	}{
		{"Given", "the stored data, as Snapshot reads it", k.snapshot},
		{"When", "a backup is taken", k.backup},
		{"And", "the live data changes after it", k.change},
		{"When", "the backup is restored", k.restore},
	} {
		k.r.step(s.kw, s.text, s.fn)
		if !k.ok {
			return
		}
	}
	k.r.step("Then", "the restored data equals the data backed up", k.compare)
	if k.x.Target.IsZero() {
		k.r.notProven(need{preset.Backups, "BackupRestore.Target"}, "no Target: the service was not checked after the restore; set BackupRestore.Target to check it serves from the restored data")
		return
	}
	k.r.step("And", fmt.Sprintf("the service answers GET %s", k.cfg.healthy), k.health)
}

// call calls the user's fn (nothing when it is nil) and reports whether
// it returned no error; an error or a panic is reported with what fn must
// do, and stops the round trip.
func (k *bkRun) call(name string, fn func(context.Context) error, must string) bool {
	if fn == nil {
		return true
	}
	if err := probe.CallErr(func() error { return fn(k.r.context()) }); err != nil {
		k.r.errorf("%s: %v: %s", name, err, must)
		k.ok = false
		return false
	}
	return true
}

func (k *bkRun) snapshot() {
	x, r, ctx := k.x, k.r, k.r.context()
	if !k.call("Seed", x.Seed, "Seed must write the data the backup will keep") {
		return
	}
	v, err := bkSnap(ctx, x.Snapshot)
	switch {
	case err != nil:
		r.errorf("Snapshot before the backup: %v: Snapshot must read the data the backup must keep", err)
		k.ok = false
	case bkEmpty(v):
		r.errorf("Snapshot before the backup read no data (%s): set Seed to write some, or the scenario proves only that nothing restores as nothing", bkShow(v))
		k.ok = false
	default:
		k.want = v
		r.logf("snapshot before the backup: %s", bkShow(v))
	}
}

func (k *bkRun) backup() {
	x, r, ctx := k.x, k.r, k.r.context()
	start := time.Now()
	err := probe.CallErr(func() error {
		var e error
		k.b, e = x.Backup(ctx)
		return e
	})
	end := time.Now()
	if err != nil {
		r.errorf("Backup: %v: the backup failed; fix it, and alert when a scheduled backup fails (CIS Controls v8 11.2)", err)
		k.ok = false
		return
	}
	desc, err := bkCheck(k.b)
	if err != nil {
		r.errorf("%v", err)
		// The restore still runs: it says how the application copes
		// with the damaged backup.
	}
	if k.b.Taken.IsZero() {
		k.b.Taken = end
	} else if p := bkTaken(k.b.Taken, start, end); p != "" {
		r.errorf("%s", p)
	}
	if desc != "" {
		r.logf("backup taken in %v: %s", end.Sub(start).Round(time.Millisecond), desc)
	}
}

// bkTaken judges the time a backup says it was taken, for a Backup call
// that ran from start to end.
func bkTaken(taken, start, end time.Time) string {
	switch {
	case taken.Before(start.Add(-bkSkew)):
		return fmt.Sprintf("Backup returned a backup taken at %s, %v before the scenario asked for one: Backup must take a new backup now, not return an old one", taken.Format(time.RFC3339), start.Sub(taken).Round(time.Second))
	case taken.After(end.Add(bkSkew)):
		return fmt.Sprintf("Backup returned a backup taken at %s, in the future: record when the backup was taken", taken.Format(time.RFC3339))
	}
	return ""
}

func (k *bkRun) change() {
	x, r, ctx := k.x, k.r, k.r.context()
	if !k.call("After", x.After, "After must write data after the backup") {
		return
	}
	if x.After != nil {
		r.logf("After wrote data after the backup")
	}
	if !k.call("Damage", x.Damage, "Damage must destroy or change live data") {
		return
	}
	if x.Damage != nil {
		r.logf("Damage destroyed live data")
	}
	v, err := bkSnap(ctx, x.Snapshot)
	if err != nil {
		// Damage may have dropped what Snapshot reads: that is
		// damage enough.
		r.logf("Snapshot after the damage: %v", err)
		return
	}
	k.damaged = v
	if diff, err := bkDiff(k.want, v, x.Options); err == nil && diff == "" {
		r.errorf("the data Snapshot reads is the same after %s: the restore cannot be told from doing nothing; make Damage delete rows Snapshot reads, or After write one", bkChangers(x))
		k.ok = false
	}
}

func (k *bkRun) restore() {
	x, r, ctx := k.x, k.r, k.r.context()
	start := time.Now()
	err := probe.CallErr(func() error { return x.Restore(ctx, k.b) })
	took := time.Since(start)
	if err != nil {
		r.errorf("Restore: %v: the backup cannot be restored; a backup that does not restore is not a backup (CIS Controls v8 11.5)", err)
		k.ok = false
		return
	}
	r.logf("restore took %v", took.Round(time.Millisecond))
	if p := bkRTO(took, k.cfg.rto); p != "" {
		r.errorf("%s", p)
	}
}

// bkRTO judges how long the restore took against the recovery time
// objective (0: none).
func bkRTO(took, rto time.Duration) string {
	if rto <= 0 || took <= rto {
		return ""
	}
	return fmt.Sprintf("the restore took %s, want ≤ %s (the recovery time objective): make the restore faster (restore the file rather than replaying it, keep backups near the service) or agree a longer RTO", probe.Short(took.Round(time.Millisecond)), probe.Short(rto))
}

func (k *bkRun) compare() {
	x, r := k.x, k.r
	got, err := bkSnap(r.context(), x.Snapshot)
	if err != nil {
		r.errorf("Snapshot after the restore: %v: the restored data cannot be read; Restore must bring back every table", err)
		return
	}
	diff, err := bkDiff(k.want, got, x.Options)
	if err != nil {
		r.errorf("comparing the snapshots: %v: return exported fields, maps or slices from Snapshot, or pass cmp options in Options", err)
		return
	}
	if diff == "" {
		r.logf("snapshot after the restore equals the one before the backup: %s", bkShow(got))
		return
	}
	if k.damaged != nil {
		if d, err := bkDiff(k.damaged, got, x.Options); err == nil && d == "" {
			r.errorf("Restore returned nil but the data is as %s left it: the restore did nothing; it must replace the live data with the backup's (-want +got):\n%s", bkChangers(x), diff)
			return
		}
	}
	r.errorf("the restored data differs from the data backed up: the backup misses data (every table must be in it) or the restore drops some, and data written after the backup must be gone (-want +got):\n%s", diff)
}

func (k *bkRun) health() {
	r, healthy := k.r, k.cfg.healthy
	c, err := k.x.Target.open(r)
	if err != nil {
		r.errorf("%v", err)
		return
	}
	resp, err := c.do(r.context(), Request{Path: healthy})
	if err != nil {
		r.errorf("GET %s after the restore: %v", healthy, err)
		return
	}
	r.logf("GET %s after the restore = %s", healthy, resp)
	if resp.Dropped || resp.Status < 200 || resp.Status > 299 {
		r.errorf("GET %s after the restore = %s, want 2xx: the service does not serve from the restored data; reopen the database (or restart the service) in Restore", healthy, resp)
	}
}

// latest checks the newest scheduled backup is fresh.
func (k *bkRun) latest() {
	x, r, maxAge := k.x, k.r, k.cfg.maxAge
	if x.Latest == nil {
		r.notProven(need{preset.Backups, "BackupRestore.Latest"}, "no Latest: the backup schedule was not checked (that a backup is taken at least every %s); set BackupRestore.Latest to return when the newest scheduled backup was taken", probe.Short(maxAge))
		return
	}
	r.step("And", "the newest scheduled backup is younger than "+probe.Short(maxAge), func() {
		var t time.Time
		err := probe.CallErr(func() error {
			var e error
			t, e = x.Latest(r.context())
			return e
		})
		if err != nil {
			r.errorf("Latest: %v: the newest scheduled backup cannot be found; schedule backups (CIS Controls v8 11.2)", err)
			return
		}
		now := time.Now()
		if p := bkAge(t, now, maxAge); p != "" {
			r.errorf("%s", p)
			return
		}
		r.logf("the newest scheduled backup was taken %s ago (%s)", probe.Short(now.Sub(t).Round(time.Second)), t.UTC().Format(time.RFC3339))
	})
}

// bkAge judges when the newest scheduled backup was taken.
func bkAge(t, now time.Time, maxAge time.Duration) string {
	switch {
	case t.IsZero():
		return fmt.Sprintf("Latest returned no time: no scheduled backup was ever taken; schedule a backup at least every %s (CIS Controls v8 11.2)", probe.Short(maxAge))
	case t.After(now.Add(bkSkew)):
		return fmt.Sprintf("Latest returned %s, in the future: return when the newest backup was taken", t.Format(time.RFC3339))
	case now.Sub(t) > maxAge:
		return fmt.Sprintf("the newest scheduled backup was taken %v ago (%s), want ≤ %s: the schedule is not running or its backups fail; back up at least every %s and alert when a backup fails (CIS Controls v8 11.2)", probe.Short(now.Sub(t).Round(time.Second)), t.UTC().Format(time.RFC3339), probe.Short(maxAge), probe.Short(maxAge))
	}
	return ""
}

// bkChangers names what changed the live data.
func bkChangers(x BackupRestore) string {
	switch {
	case x.After != nil && x.Damage != nil:
		return "After and Damage"
	case x.After != nil:
		return "After"
	}
	return "Damage"
}
