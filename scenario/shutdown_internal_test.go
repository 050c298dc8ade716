package scenario

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestGracefulShutdownJudgements(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		res  sdResult
		took time.Duration
		want string
	}{
		{sdResult{}, time.Second, ""},
		{sdResult{err: http.ErrServerClosed}, time.Second, ""},
		{sdResult{}, -time.Second, "Serve returned (it returned <nil>) 1s before ctx was cancelled"},
		{sdResult{panicked: "boom"}, time.Second, "Serve panicked 1s after ctx was cancelled: boom"},
		{sdResult{err: errors.New("disk full")}, time.Second, `Serve returned "disk full" 1s after ctx was cancelled, want nil`},
		{sdResult{}, 11 * time.Second, "Serve returned 11s after ctx was cancelled, want within 10s"},
	} {
		got := sdReturnProblem(tc.res, tc.took, 10*time.Second)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("sdReturnProblem(%+v, %v) = %q, want %q", tc.res, tc.took, got, tc.want)
		}
	}
}
