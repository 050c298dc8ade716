package app

import (
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"time"
)

type note struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

func (s *Server) createNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body string `json:"body"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.Body == "" || len(in.Body) > 10000 {
		writeError(w, r, http.StatusBadRequest, "body must be 1 to 10000 bytes")
		return
	}
	res, err := s.db.ExecContext(r.Context(), `INSERT INTO notes(user_id, body, created_at) VALUES (?, ?, ?)`,
		userOf(r), in.Body, time.Now().Unix())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	id, _ := res.LastInsertId()
	writeJSON(w, http.StatusCreated, note{ID: id, Body: in.Body})
}

// getNote serves a note to its owner only. Anyone else gets the same 404
// as for a note that does not exist: object IDs reveal nothing.
func (s *Server) getNote(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, r, http.StatusNotFound, "note not found")
		return
	}
	n := note{ID: id}
	err = s.db.QueryRowContext(r.Context(), `SELECT body FROM notes WHERE id = ? AND user_id = ?`, id, userOf(r)).Scan(&n.Body)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		writeError(w, r, http.StatusNotFound, "note not found")
		return
	case err != nil:
		s.internalError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, n)
}
