package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/jettymethod/jetty/scenario"
)

// newAuditedLogin is a login handler that audits every login to log.
func newAuditedLogin(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var creds struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&creds)
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		if creds.Email != "alice@example.com" || creds.Password != "correct-horse-battery-staple" {
			log.Warn("login", "user_id", creds.Email, "ip", ip, "outcome", "failure")
			http.Error(w, "invalid email or password", http.StatusUnauthorized)
			return
		}
		log.Info("login", "user_id", creds.Email, "ip", ip, "outcome", "success")
		fmt.Fprintln(w, "welcome")
	})
}

func ExampleAuditLog() {
	rec := scenario.NewLogRecorder() // an slog.Handler that keeps what it is given
	audit := scenario.AuditLog{
		Target:   scenario.Handler(newAuditedLogin(slog.New(rec))),
		Source:   rec,
		Failures: true, // as the Regulated preset asks
	}
	fmt.Println("audit log:", audit.Verify(context.Background()))

	silent := scenario.AuditLog{Target: scenario.Handler(newAuditedLogin(slog.New(slog.DiscardHandler))), Source: rec}
	fmt.Println(silent.Verify(context.Background()))
	// Output:
	// audit log: <nil>
	// a successful login is audited with user ID, timestamp and IP address: 1 problem(s):
	// 	Then an audit log entry records my user ID, timestamp, and IP address: no audit entry was written for the successful login of alice@example.com: write one (user ID, time, IP) for every login, e.g. logger.Info("login", "user_id", id, "ip", clientIP) (OWASP ASVS 5.0 V16.3.1)
}
