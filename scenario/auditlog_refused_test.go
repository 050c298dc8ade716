package scenario_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jettymethod/jetty/scenario"
)

// hidingApp is auditApp, but it answers 404 to a refused request, to hide
// that the object exists (an "another user's card" route often does).
type hidingApp struct{ *auditApp }

func (a hidingApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/admin" {
		a.audit(r, "anonymous", "access", "denied")
		http.NotFound(w, r)
		return
	}
	a.auditApp.ServeHTTP(w, r)
}

// The refusal AuditLog.Denied expects is 401 or 403 by default, and the
// statuses listed in Refused when the application refuses another way on
// purpose (seen on examples/regulated: another user's card is a 404).
func TestAuditLogRefusedStatuses(t *testing.T) {
	t.Parallel()
	for _, url := range []bool{false, true} {
		name := "in process"
		if url {
			name = "url"
		}
		t.Run(name, func(t *testing.T) {
			check := func(refused []int) error {
				rec := scenario.NewLogRecorder()
				h := hidingApp{&auditApp{log: slog.New(rec)}}
				x := auditFull(scenario.Handler(h), rec)
				if url {
					srv := httptest.NewServer(h)
					t.Cleanup(srv.Close)
					x.Target = scenario.URL(srv.URL)
				}
				x.Refused = refused
				return x.Verify(t.Context())
			}
			err := check(nil)
			if err == nil || !strings.Contains(err.Error(), "GET /admin = 404, want 401 or 403: AuditLog.Denied must be a request the application refuses (if it refuses with another status on purpose, such as 404 for another user's object, list it in Refused)") {
				t.Errorf("a 404 refusal with the default Refused: %v", err)
			}
			if err := check([]int{401, 403, 404}); err != nil {
				t.Errorf("Refused lists 404: %v", err)
			}
			err = check([]int{200})
			if err == nil || !strings.Contains(err.Error(), "AuditLog.Refused contains 200: a refusal is a 3xx, 4xx or 5xx status such as 401, 403 or 404") {
				t.Errorf("Refused: []int{200}: %v", err)
			}
		})
	}
}
