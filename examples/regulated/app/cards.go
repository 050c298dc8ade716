package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// cardInput is what a client sends to store a card. The verification code
// is checked for its shape and then dropped: sensitive authentication data
// is never stored, not even encrypted (PCI DSS v4 3.3.1).
type cardInput struct {
	Number string `json:"number"`
	Expiry string `json:"expiry"` // MM/YY
	Holder string `json:"holder"`
	CVC    string `json:"cvc"`
}

// card is what the service answers: the number masked to its first six
// and last four digits, the most PCI DSS v4 3.4.1 allows on display.
type card struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
	Expiry string `json:"expiry"`
	Holder string `json:"holder"`
}

// sealedFields is what the ciphertext holds.
type sealedFields struct {
	PAN    string `json:"pan"`
	Holder string `json:"holder"`
}

func (in *cardInput) validate(now time.Time) string {
	in.Number = strings.NewReplacer(" ", "", "-", "").Replace(in.Number)
	if n := len(in.Number); n < 13 || n > 19 || strings.Trim(in.Number, "0123456789") != "" || !luhn(in.Number) {
		return "number must be a card number: 13 to 19 digits that pass the Luhn check"
	}
	mm, yy, ok := strings.Cut(in.Expiry, "/")
	m, errM := strconv.Atoi(mm)
	y, errY := strconv.Atoi(yy)
	if !ok || len(mm) != 2 || len(yy) != 2 || errM != nil || errY != nil || m < 1 || m > 12 {
		return "expiry must be MM/YY"
	}
	if end := time.Date(2000+y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC); !now.Before(end) {
		return "the card has expired"
	}
	if in.Holder = strings.TrimSpace(in.Holder); in.Holder == "" || len(in.Holder) > 256 {
		return "holder must be 1 to 256 characters"
	}
	if in.CVC != "" && (len(in.CVC) < 3 || len(in.CVC) > 4 || strings.Trim(in.CVC, "0123456789") != "") {
		return "cvc must be 3 or 4 digits"
	}
	return ""
}

func luhn(digits string) bool {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Mask shows a card number's first six and last four digits at most
// (PCI DSS v4 3.4.1), fewer for a short number.
func Mask(pan string) string {
	keep := 6
	if len(pan) < 16 {
		keep = len(pan) - 10 // 13 to 15 digits: never more than len-6 shown
	}
	return pan[:keep] + strings.Repeat("*", len(pan)-keep-4) + pan[len(pan)-4:]
}

// aad binds a sealed value to its owner, so a ciphertext copied to another
// user's row does not open.
func aad(userID int64) []byte { return []byte("cards.sealed:" + strconv.FormatInt(userID, 10)) }

func (s *Server) createCard(w http.ResponseWriter, r *http.Request) {
	var in cardInput
	if !decodeJSON(w, r, &in) {
		return
	}
	if msg := in.validate(time.Now()); msg != "" {
		s.auditEvent(r, "card.create", "failure", userOf(r), "cards", "reason", "invalid input")
		writeError(w, r, http.StatusBadRequest, msg)
		return
	}
	plain, _ := json.Marshal(sealedFields{PAN: in.Number, Holder: in.Holder})
	kid, sealed := s.keys.seal(plain, aad(userOf(r)))
	var id int64
	err := s.store.db.QueryRowContext(r.Context(), s.store.q(
		`INSERT INTO cards(user_id, masked, expiry, key_id, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		userOf(r), Mask(in.Number), in.Expiry, kid, sealed, time.Now().Unix()).Scan(&id)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.auditEvent(r, "card.create", "success", userOf(r), fmt.Sprintf("cards/%d", id))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, card{ID: id, Number: Mask(in.Number), Expiry: in.Expiry, Holder: in.Holder})
}

// getCard serves a card to its owner only. Anyone else gets the same 404 as
// for a card that does not exist, and the attempt is audited.
func (s *Server) getCard(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	resource := "cards/" + r.PathValue("id")
	if err != nil || id <= 0 {
		s.auditEvent(r, "card.read", "failure", userOf(r), "cards/invalid", "reason", "no such card")
		writeError(w, r, http.StatusNotFound, "card not found")
		return
	}
	var c card
	var kid string
	var sealed []byte
	err = s.store.db.QueryRowContext(r.Context(), s.store.q(
		`SELECT id, masked, expiry, key_id, sealed FROM cards WHERE id = ? AND user_id = ?`), id, userOf(r)).
		Scan(&c.ID, &c.Number, &c.Expiry, &kid, &sealed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		s.auditEvent(r, "card.read", "failure", userOf(r), resource, "reason", "not found or not the owner")
		writeError(w, r, http.StatusNotFound, "card not found")
		return
	case err != nil:
		s.internalError(w, r, err)
		return
	}
	if err := s.unseal(&c, kid, sealed, userOf(r)); err != nil {
		s.internalError(w, r, err)
		return
	}
	s.auditEvent(r, "card.read", "success", userOf(r), resource)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c)
}

// listCards serves the user's cards in one query, however many there are.
func (s *Server) listCards(w http.ResponseWriter, r *http.Request) {
	rows, err := s.store.db.QueryContext(r.Context(), s.store.q(
		`SELECT id, masked, expiry, key_id, sealed FROM cards WHERE user_id = ? ORDER BY id`), userOf(r))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	defer rows.Close()
	cards := []card{}
	for rows.Next() {
		var c card
		var kid string
		var sealed []byte
		if err := rows.Scan(&c.ID, &c.Number, &c.Expiry, &kid, &sealed); err != nil {
			s.internalError(w, r, err)
			return
		}
		if err := s.unseal(&c, kid, sealed, userOf(r)); err != nil {
			s.internalError(w, r, err)
			return
		}
		cards = append(cards, c)
	}
	if err := rows.Err(); err != nil {
		s.internalError(w, r, err)
		return
	}
	s.auditEvent(r, "card.list", "success", userOf(r), "cards")
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"cards": cards})
}

func (s *Server) unseal(c *card, kid string, sealed []byte, userID int64) error {
	plain, err := s.keys.open(kid, sealed, aad(userID))
	if err != nil {
		return err
	}
	var f sealedFields
	if err := json.Unmarshal(plain, &f); err != nil {
		return errUnsealed
	}
	c.Holder = f.Holder
	return nil
}

// RotateKeys re-seals every card sealed under another key than the active
// one, one row at a time, and returns how many it re-sealed. It is safe
// while the service serves; once it returns, the older keys may be
// removed from the keyring.
func (s *Server) RotateKeys(ctx context.Context) (n int, err error) {
	defer func() {
		// A change to the keys is a security event (PCI DSS v4 10.2.1.5,
		// 10.2.1.7): audited, failures too, by operations (user 0).
		outcome := "success"
		if err != nil {
			outcome = "failure"
		}
		s.audit.InfoContext(ctx, "audit", "event", "keys.rotate", "outcome", outcome, "user_id", 0, "ip", "local",
			"resource", "cards", "key_id", s.keys.Active(), "resealed", n)
	}()
	return s.rotateKeys(ctx)
}

func (s *Server) rotateKeys(ctx context.Context) (int, error) {
	rows, err := s.store.db.QueryContext(ctx, s.store.q(`SELECT id, user_id, key_id, sealed FROM cards WHERE key_id <> ?`), s.keys.Active())
	if err != nil {
		return 0, fmt.Errorf("app: rotate keys: %w", err)
	}
	type row struct {
		id, user int64
		kid      string
		sealed   []byte
	}
	var todo []row
	for rows.Next() {
		var x row
		if err := rows.Scan(&x.id, &x.user, &x.kid, &x.sealed); err != nil {
			rows.Close()
			return 0, fmt.Errorf("app: rotate keys: %w", err)
		}
		todo = append(todo, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("app: rotate keys: %w", err)
	}
	for i, x := range todo {
		plain, err := s.keys.open(x.kid, x.sealed, aad(x.user))
		if err != nil {
			return i, fmt.Errorf("app: rotate keys: card %d: %w", x.id, err)
		}
		kid, sealed := s.keys.seal(plain, aad(x.user))
		if _, err := s.store.db.ExecContext(ctx, s.store.q(`UPDATE cards SET key_id = ?, sealed = ? WHERE id = ? AND key_id = ?`),
			kid, sealed, x.id, x.kid); err != nil {
			return i, fmt.Errorf("app: rotate keys: card %d: %w", x.id, err)
		}
	}
	return len(todo), nil
}
