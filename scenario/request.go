package scenario

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
)

// Request is one request a scenario sends, such as a login attempt. A zero
// field takes the default of the scenario field that holds the Request
// (see [RateLimit.Request], [AuditLog.Login]); fields set explicitly win.
type Request struct {
	// Method is the HTTP method. Its default depends on the field that
	// holds the Request: POST for the login requests of RateLimit and
	// AuditLog, GET for most others.
	Method string
	// Path is the path and query, e.g. "/login?next=%2F". It is sent as
	// written, like curl --path-as-is: escapes stay escaped and dot
	// segments stay, so "/static/../admin" reaches the server as that, not
	// as "/admin".
	Path string
	// Header is sent with the request. Login defaults add Content-Type:
	// application/json when the body is a JSON object.
	Header http.Header
	// Body is the request body; login defaults use LoginRequest's body.
	Body []byte
}

// LoginRequest returns POST /login with Content-Type: application/json and
// the body {"email": email, "password": password}: the shape of the default
// login attempt of [RateLimit] and [AuditLog].
func LoginRequest(email, password string) Request {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	return Request{
		Method: http.MethodPost,
		Path:   "/login",
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   body,
	}
}

// IsZero reports whether q has no field set.
func (q Request) IsZero() bool {
	return q.Method == "" && q.Path == "" && len(q.Header) == 0 && len(q.Body) == 0
}

// String describes the request for reports: "POST /login"; a request
// without a Method is a GET, as it is sent.
func (q Request) String() string {
	m := q.Method
	if m == "" {
		m = http.MethodGet
	}
	return m + " " + q.Path
}

// orDefault fills q's zero fields from def.
func (q Request) orDefault(def Request) Request {
	if q.Method == "" {
		q.Method = def.Method
	}
	if q.Path == "" {
		q.Path = def.Path
	}
	if len(q.Body) == 0 {
		q.Body = def.Body
	}
	if q.Header == nil {
		q.Header = def.Header.Clone()
		if q.Header == nil && bytes.HasPrefix(bytes.TrimSpace(q.Body), []byte("{")) {
			q.Header = http.Header{"Content-Type": {"application/json"}}
		}
	}
	return q
}

// req converts q to the client's request, with extra headers set on a copy.
func (q Request) req(extra http.Header) Request {
	h := q.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	maps.Copy(h, extra)
	return Request{Method: q.Method, Path: q.Path, Header: h, Body: q.Body}
}

// jsonField returns the string value of the first of keys in q's JSON body.
func (q Request) jsonField(keys ...string) (string, bool) {
	var m map[string]any
	if json.Unmarshal(q.Body, &m) != nil {
		return "", false
	}
	for _, k := range keys {
		if v, ok := m[k].(string); ok {
			return v, true
		}
	}
	return "", false
}

// account names the account q logs in as, for reports.
func (q Request) account() string {
	if a, ok := q.jsonField("email", "username", "user", "login", "account"); ok && a != "" {
		return a
	}
	return "the account of " + q.String()
}

func pathOnly(p string) string {
	path, _, _ := strings.Cut(p, "?")
	return path
}

func queryOnly(p string) string {
	_, q, _ := strings.Cut(p, "?")
	return q
}
