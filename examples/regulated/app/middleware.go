package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

type requestIDKey struct{}

// requestID gives every request an ID, in the X-Request-Id response header,
// in error bodies and in every log record about the request. Incoming IDs
// are not trusted: the server makes its own.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := randomHex(8)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func requestIDOf(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

// securityHeaders sets the headers of an API that serves no HTML: nothing
// may be loaded, framed or sniffed, HTTPS is required for two years, and no
// referrer leaks (OWASP Secure Headers Project; OWASP ASVS 5.0 V3.4).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers whether and what a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverPanics turns a panic into a generic 500 that carries the request
// ID and nothing else; the panic goes to the log and to Config.ReportPanic.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(p), "method", r.Method, "path", r.URL.Path, "request_id", requestIDOf(r))
			if s.cfg.ReportPanic != nil {
				s.cfg.ReportPanic(p)
			}
			if sw.status != 0 {
				panic(http.ErrAbortHandler) // too late for a 500: drop the connection
			}
			writeError(w, r, http.StatusInternalServerError, "internal error")
		}()
		next.ServeHTTP(sw, r)
	})
}

// limitBody caps request bodies at Config.MaxBodyBytes.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.MaxBodyBytes {
			writeError(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", s.cfg.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// clientIP is the address the request came from. X-Forwarded-For counts
// only when Config.TrustForwardedFor says a proxy of ours sets it.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustForwardedFor {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// decodeJSON reads one JSON object into v, or answers 400 or 413 with what
// is wrong and returns false.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("more than one JSON value")
		}
	}
	if err == nil {
		if field := nulField(v); field != "" {
			// PostgreSQL text cannot hold U+0000, and no field of this API
			// has a use for it: refused for both stores alike.
			writeError(w, r, http.StatusBadRequest, fmt.Sprintf("field %q must not contain NUL characters", field))
			return false
		}
		return true
	}
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", tooBig.Limit))
	case errors.Is(err, io.EOF):
		writeError(w, r, http.StatusBadRequest, "request body is empty; send a JSON object")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		writeError(w, r, http.StatusBadRequest, "request body is not valid JSON")
	case errors.As(err, &typ) && typ.Field == "":
		writeError(w, r, http.StatusBadRequest, "request body must be a JSON object")
	case errors.As(err, &typ):
		writeError(w, r, http.StatusBadRequest, fmt.Sprintf("field %q must be a %s", typ.Field, jsonKind(typ.Type)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		writeError(w, r, http.StatusBadRequest, "unknown field "+strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		writeError(w, r, http.StatusBadRequest, "request body must be one JSON object")
	}
	return false
}

// nulField returns the JSON name of the first string field of the struct
// *v that holds a NUL character, or "".
func nulField(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return ""
	}
	rv = rv.Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		if f.Kind() == reflect.String && strings.ContainsRune(f.String(), 0) {
			name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
			return name
		}
	}
	return ""
}

// jsonKind names a Go type the way a JSON client knows it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers {"error": msg, "request_id": …}.
func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg, "request_id": requestIDOf(r)})
}

// tooMany answers 429 with Retry-After (whole seconds, rounded up) and a
// body that no cache may keep.
func tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	w.Header().Set("Cache-Control", "no-store")
	writeError(w, r, http.StatusTooManyRequests, msg)
}

// shed serves at most Config.MaxInFlight requests at once and refuses the
// others at once with 503 and Retry-After, instead of queueing them until
// everything is late (Google SRE, "Handling Overload"). The probes and
// metrics are exempt: an overloaded service still says how it is.
func (s *Server) shed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			next.ServeHTTP(w, r)
			return
		}
		select {
		case s.slots <- struct{}{}:
			defer func() { <-s.slots }()
			next.ServeHTTP(w, r)
		default:
			s.metrics.shed()
			w.Header().Set("Retry-After", "1")
			writeError(w, r, http.StatusServiceUnavailable, "the service is busy, retry in a second")
		}
	})
}
