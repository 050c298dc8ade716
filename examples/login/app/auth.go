package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// LockoutMessage is what a blocked login reads.
const LockoutMessage = "Too many login attempts. Please try again later."

// SessionCookie is the name of the session cookie.
const SessionCookie = "session"

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// normalizeEmail is the account key: the lockout and the unique index agree.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validEmail reports whether s (normalized) is an address register takes:
// one that could be an account's.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

func validate(c credentials) string {
	if c.Email == "" || c.Password == "" {
		return "email and password are required"
	}
	if !validEmail(c.Email) {
		return "email is not a valid address"
	}
	if len(c.Password) < 8 {
		return "password must be at least 8 characters"
	}
	if len(c.Password) > 72 {
		return "password must be at most 72 bytes" // bcrypt's limit
	}
	return ""
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var c credentials
	if !decodeJSON(w, r, &c) {
		return
	}
	c.Email = normalizeEmail(c.Email)
	if msg := validate(c); msg != "" {
		writeError(w, r, http.StatusBadRequest, msg)
		return
	}
	// A taken email is refused before the hash: the answer says so anyway,
	// and bcrypt is the costliest thing this service does. The insert
	// below still decides a race between two registrations.
	var taken bool
	if err := s.db.QueryRowContext(r.Context(), `SELECT EXISTS(SELECT 1 FROM users WHERE email = ?)`, c.Email).Scan(&taken); err != nil {
		s.internalError(w, r, err)
		return
	}
	if taken {
		s.emailTaken(w, r)
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(c.Password), s.cfg.BcryptCost)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	res, err := s.db.ExecContext(r.Context(),
		`INSERT INTO users(email, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT(email) DO NOTHING`,
		c.Email, hash, time.Now().Unix())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		s.emailTaken(w, r)
		return
	}
	id, _ := res.LastInsertId()
	s.auditEvent(r, "register", "success", id)
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "email": c.Email})
}

// emailTaken answers a registration whose email has an account.
func (s *Server) emailTaken(w http.ResponseWriter, r *http.Request) {
	s.auditEvent(r, "register", "failure", 0, "reason", "email taken")
	writeError(w, r, http.StatusConflict, "an account with this email already exists")
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var c credentials
	if !decodeJSON(w, r, &c) {
		return
	}
	account := normalizeEmail(c.Email)
	if account == "" || c.Password == "" {
		writeError(w, r, http.StatusBadRequest, "email and password are required")
		return
	}
	now := time.Now()
	if wait, blocked := s.guard.blocked(account, now); blocked {
		s.auditEvent(r, "login", "blocked", 0, "reason", "too many attempts")
		tooMany(w, r, wait, LockoutMessage)
		return
	}

	if !validEmail(account) {
		// No account has this email, since register refuses it, and the
		// quick answer shows only that it is malformed, which the sender
		// knows: no lookup, no bcrypt, the failure counted all the same.
		s.failedLogin(w, r, account, 0, now)
		return
	}
	var id int64
	var hash []byte
	err := s.db.QueryRowContext(r.Context(), `SELECT id, password_hash FROM users WHERE email = ?`, account).Scan(&id, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Spend the same time as for a real account, and count the
		// failure all the same: whether the email exists must not show.
		bcrypt.CompareHashAndPassword(s.dummy, []byte(c.Password))
		s.failedLogin(w, r, account, 0, now)
		return
	case err != nil:
		s.internalError(w, r, err)
		return
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(c.Password)) != nil {
		s.failedLogin(w, r, account, id, now)
		return
	}

	token, err := s.newSession(r.Context(), id, now)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.guard.succeeded(account)
	s.auditEvent(r, "login", "success", id)
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/",
		Expires: now.Add(s.cfg.SessionTTL), MaxAge: int(s.cfg.SessionTTL / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"user_id": id, "email": account})
}

// failedLogin counts a failure against account (userID is 0 when no such
// account exists) and answers 401. The failure that reaches the limit locks
// the account for the attempts that follow.
func (s *Server) failedLogin(w http.ResponseWriter, r *http.Request, account string, userID int64, now time.Time) {
	reason := "invalid credentials"
	if s.guard.failed(account, now) {
		reason = "invalid credentials; account locked"
	}
	s.auditEvent(r, "login", "failure", userID, "reason", reason)
	writeError(w, r, http.StatusUnauthorized, "invalid email or password")
}

// newSession stores the hash of a fresh random token and returns the token.
func (s *Server) newSession(ctx context.Context, userID int64, now time.Time) (string, error) {
	raw := make([]byte, 32)
	rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	if s.cfg.Schema < 4 {
		_, err := s.db.ExecContext(ctx, `INSERT INTO sessions(token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			hashToken(token), userID, now.Unix(), now.Add(s.cfg.SessionTTL).Unix())
		return token, err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions(token_hash, user_id, created_at, expires_at, last_seen) VALUES (?, ?, ?, ?, ?)`,
		hashToken(token), userID, now.Unix(), now.Add(s.cfg.SessionTTL).Unix(), now.Unix())
	return token, err
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		var userID int64
		err := s.db.QueryRowContext(r.Context(), `DELETE FROM sessions WHERE token_hash = ? RETURNING user_id`, hashToken(c.Value)).Scan(&userID)
		switch {
		case err == nil:
			s.auditEvent(r, "logout", "success", userID)
		case !errors.Is(err, sql.ErrNoRows):
			s.internalError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
}

type ctxKey int

const userKey ctxKey = iota

// requireSession lets through requests with a live session — younger than
// SessionTTL and used within SessionIdle — and answers 401 to the others.
func (s *Server) requireSession(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" {
			writeError(w, r, http.StatusUnauthorized, "sign in first")
			return
		}
		var userID int64
		now := time.Now()
		if s.cfg.Schema < 4 {
			err = s.db.QueryRowContext(r.Context(), `SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ?`,
				hashToken(c.Value), now.Unix()).Scan(&userID)
		} else {
			err = s.db.QueryRowContext(r.Context(), `SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ? AND last_seen >= ?`,
				hashToken(c.Value), now.Unix(), now.Add(-s.cfg.SessionIdle).Unix()).Scan(&userID)
		}
		if err == nil && s.cfg.Schema >= 4 {
			_, err = s.db.ExecContext(r.Context(), `UPDATE sessions SET last_seen = ? WHERE token_hash = ?`, now.Unix(), hashToken(c.Value))
		}
		switch {
		case errors.Is(err, sql.ErrNoRows):
			writeError(w, r, http.StatusUnauthorized, "session expired or invalid; sign in again")
			return
		case err != nil:
			s.internalError(w, r, err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), userKey, userID)))
	})
}

func userOf(r *http.Request) int64 { id, _ := r.Context().Value(userKey).(int64); return id }

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	var email string
	if err := s.db.QueryRowContext(r.Context(), `SELECT email FROM users WHERE id = ?`, userOf(r)).Scan(&email); err != nil {
		s.internalError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"id": userOf(r), "email": email})
}

// auditEvent writes one audit record: event, outcome, user_id (0 when no
// account is known), ip and request_id; the record's time is its timestamp.
func (s *Server) auditEvent(r *http.Request, event, outcome string, userID int64, extra ...any) {
	args := []any{
		"event", event, "outcome", outcome, "user_id", userID,
		"ip", s.clientIP(r), "request_id", requestIDOf(r),
	}
	s.audit.InfoContext(r.Context(), "audit", append(args, extra...)...)
}
