package scenario

import (
	"strings"
	"testing"
	"time"
)

func TestBKJudgements(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		got  string
		want string // "" for none
	}{
		{"taken during the call", bkTaken(now, now, now.Add(time.Second)), ""},
		{"taken long before", bkTaken(now.Add(-time.Hour), now, now), "1h0m0s before the scenario asked for one: Backup must take a new backup now"},
		{"taken in the future", bkTaken(now.Add(time.Hour), now, now), "in the future: record when the backup was taken"},
		{"restore within the RTO", bkRTO(time.Minute, time.Hour), ""},
		{"no RTO", bkRTO(time.Hour, 0), ""},
		{"restore over the RTO", bkRTO(2*time.Hour, time.Hour), "the restore took 2h, want ≤ 1h (the recovery time objective)"},
		{"fresh backup", bkAge(now.Add(-time.Hour), now, 24*time.Hour), ""},
		{"stale backup", bkAge(now.Add(-48*time.Hour), now, 24*time.Hour), "taken 48h ago (2026-11-29T12:00:00Z), want ≤ 24h: the schedule is not running"},
		{"no backup ever", bkAge(time.Time{}, now, 24*time.Hour), "no scheduled backup was ever taken; schedule a backup at least every 24h"},
		{"backup in the future", bkAge(now.Add(time.Hour), now, 24*time.Hour), "in the future: return when the newest backup was taken"},
	} {
		switch {
		case tc.want == "" && tc.got != "":
			t.Errorf("%s: %q, want none", tc.name, tc.got)
		case tc.want != "" && !strings.Contains(tc.got, tc.want):
			t.Errorf("%s: %q, want it to contain %q", tc.name, tc.got, tc.want)
		}
	}
}
