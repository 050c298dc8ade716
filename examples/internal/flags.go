// Command internal is a small internal tool: a feature-flag admin API that
// a team runs for itself, on loopback, with its flags in memory.
//
//	go run ./examples/internal                  # serves on 127.0.0.1:8081
//	go test -v ./examples/internal              # speed and stable mode
//
// Its suite declares the project internal (jetty.Internal): its finish line
// is stable mode, and no production requirement applies.
package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Flag is one feature flag.
type Flag struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	// Percent is the share of users the flag is on for, 0 to 100.
	Percent int `json:"percent"`
}

// Store holds the flags in memory and serves the admin API:
//
//	GET    /flags          200 [Flag…], sorted by name
//	POST   /flags          201 Flag; 400, 409
//	GET    /flags/{name}   200 Flag; 404
//	PATCH  /flags/{name}   200 Flag ({"enabled"} and/or {"percent"}); 400, 404
//	DELETE /flags/{name}   204; 404
//
// A Store is safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	flags map[string]Flag
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{flags: map[string]Flag{}} }

var validName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// Handler returns the admin API.
func (st *Store) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /flags", st.list)
	mux.HandleFunc("POST /flags", st.create)
	mux.HandleFunc("GET /flags/{name}", st.get)
	mux.HandleFunc("PATCH /flags/{name}", st.update)
	mux.HandleFunc("DELETE /flags/{name}", st.delete)
	return mux
}

func (st *Store) list(w http.ResponseWriter, r *http.Request) {
	st.mu.Lock()
	out := make([]Flag, 0, len(st.flags))
	for _, f := range st.flags {
		out = append(out, f)
	}
	st.mu.Unlock()
	slices.SortFunc(out, func(a, b Flag) int { return strings.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, out)
}

func (st *Store) create(w http.ResponseWriter, r *http.Request) {
	var f Flag
	if err := decode(r, &f); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !validName.MatchString(f.Name) {
		writeError(w, http.StatusBadRequest, "name must be lower-case letters, digits and dashes, starting with a letter, at most 63 characters")
		return
	}
	if f.Percent < 0 || f.Percent > 100 {
		writeError(w, http.StatusBadRequest, "percent must be between 0 and 100")
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.flags[f.Name]; ok {
		writeError(w, http.StatusConflict, "flag "+f.Name+" already exists")
		return
	}
	st.flags[f.Name] = f
	writeJSON(w, http.StatusCreated, f)
}

func (st *Store) get(w http.ResponseWriter, r *http.Request) {
	st.mu.Lock()
	f, ok := st.flags[r.PathValue("name")]
	st.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no flag "+r.PathValue("name"))
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (st *Store) update(w http.ResponseWriter, r *http.Request) {
	var patch struct {
		Enabled *bool `json:"enabled"`
		Percent *int  `json:"percent"`
	}
	if err := decode(r, &patch); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if patch.Enabled == nil && patch.Percent == nil {
		writeError(w, http.StatusBadRequest, `send "enabled", "percent" or both`)
		return
	}
	if patch.Percent != nil && (*patch.Percent < 0 || *patch.Percent > 100) {
		writeError(w, http.StatusBadRequest, "percent must be between 0 and 100")
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	f, ok := st.flags[r.PathValue("name")]
	if !ok {
		writeError(w, http.StatusNotFound, "no flag "+r.PathValue("name"))
		return
	}
	if patch.Enabled != nil {
		f.Enabled = *patch.Enabled
	}
	if patch.Percent != nil {
		f.Percent = *patch.Percent
	}
	st.flags[f.Name] = f
	writeJSON(w, http.StatusOK, f)
}

func (st *Store) delete(w http.ResponseWriter, r *http.Request) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.flags[r.PathValue("name")]; !ok {
		writeError(w, http.StatusNotFound, "no flag "+r.PathValue("name"))
		return
	}
	delete(st.flags, r.PathValue("name"))
	w.WriteHeader(http.StatusNoContent)
}

// decode reads one JSON object of at most 64 KiB into v.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("request body is empty; send a JSON object")
		}
		return errors.New("request body is not a valid flag: " + strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
