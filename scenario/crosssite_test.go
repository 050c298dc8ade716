package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jettymethod/jetty/scenario"
)

// csApp stores notes; its flags break its cross-site protection.
type csApp struct {
	none        bool // no protection at all
	originOnly  bool // checks Origin, ignores Sec-Fetch-Site
	fetchOnly   bool // checks Sec-Fetch-Site, ignores Origin
	actFirst    bool // changes state, then refuses
	blockGET    bool // refuses every cross-site request, GET included
	refuseAll   bool // refuses every POST, same-origin too
	notes       atomic.Int64
	lastChecked int64
}

func (a *csApp) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "home") })
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Cookie") != "session=s1" {
			http.Error(w, "sign in", http.StatusUnauthorized)
			return
		}
		a.notes.Add(1)
		w.WriteHeader(http.StatusCreated)
	})
	var h http.Handler = mux
	crossSite := func(r *http.Request) bool {
		switch {
		case a.originOnly:
			o := r.Header.Get("Origin")
			return o != "" && o != "http://"+r.Host
		case a.fetchOnly:
			s := r.Header.Get("Sec-Fetch-Site")
			return s != "" && s != "same-origin" && s != "none"
		}
		return false
	}
	switch {
	case a.none:
	case a.originOnly, a.fetchOnly:
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && crossSite(r) {
				http.Error(w, "cross-site", http.StatusForbidden)
				return
			}
			inner.ServeHTTP(w, r)
		})
	case a.actFirst:
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, r)
			if err := http.NewCrossOriginProtection().Check(r); err != nil {
				http.Error(w, "cross-site", http.StatusForbidden)
				return
			}
			w.WriteHeader(rec.Code)
		})
	case a.blockGET:
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s := r.Header.Get("Sec-Fetch-Site"); s == "cross-site" || r.Header.Get("Origin") == "https://evil.example" {
				http.Error(w, "cross-site", http.StatusForbidden)
				return
			}
			inner.ServeHTTP(w, r)
		})
	case a.refuseAll:
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				http.Error(w, "no", http.StatusForbidden)
				return
			}
			mux.ServeHTTP(w, r)
		})
	default:
		h = http.NewCrossOriginProtection().Handler(mux)
	}
	return h
}

func (a *csApp) scenario(t *testing.T, url bool, wrap func(http.Handler) http.Handler) scenario.CrossSite {
	target := scenario.Handler(wrap(a.handler()))
	if url {
		srv := httptest.NewServer(wrap(a.handler()))
		t.Cleanup(srv.Close)
		target = scenario.URL(srv.URL)
	}
	return scenario.CrossSite{
		Target:   target,
		Requests: []scenario.Request{{Method: http.MethodPost, Path: "/notes", Header: http.Header{"Cookie": {"session=s1"}, "Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("text=hi")}},
		Changed: func(context.Context) (bool, error) {
			n := a.notes.Load()
			changed := n != a.lastChecked
			a.lastChecked = n
			return changed, nil
		},
	}
}

func TestCrossSitePassesProtectedApp(t *testing.T) {
	t.Parallel()
	for _, url := range []bool{false, true} {
		a := &csApp{}
		if err := a.scenario(t, url, noWrap).Verify(t.Context()); err != nil {
			t.Errorf("url=%v: %v", url, err)
		}
	}
}

func TestCrossSiteCatchesBrokenApps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		app  *csApp
		want []string
	}{
		{"no protection", &csApp{none: true}, []string{
			"POST /notes with Origin: https://evil.example with Sec-Fetch-Site: cross-site: 201, want 403: another site can make a signed-in user's browser send this; reject cross-site requests, e.g. wrap the handler in http.NewCrossOriginProtection().Handler(mux)",
			"POST /notes with Origin: https://evil.example with Sec-Fetch-Site: cross-site changed the application's state",
		}},
		{"Origin only", &csApp{originOnly: true}, []string{"POST /notes with Sec-Fetch-Site: cross-site without Origin: 201, want 403"}},
		{"Fetch Metadata only", &csApp{fetchOnly: true}, []string{"POST /notes with Origin: https://evil.example without Fetch Metadata: 201, want 403"}},
		{"acts, then refuses", &csApp{actFirst: true}, []string{"POST /notes with Origin: null changed the application's state (Changed reported true): a forged request must change nothing"}},
		{"blocks links from other sites", &csApp{blockGET: true}, []string{"GET / from another site = 403: safe requests must work from other sites"}},
		{"refuses its own pages too", &csApp{refuseAll: true}, []string{"POST /notes from http://", "403, want 2xx or 3xx: the real request must work, or refusing the forged one proves nothing"}},
	} {
		for _, url := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/url=%v", tc.name, url), func(t *testing.T) {
				wantProblems(t, tc.app.scenario(t, url, noWrap), tc.want...)
			})
		}
	}
}

func TestCrossSiteWithoutChangedSaysNotProven(t *testing.T) {
	t.Parallel()
	x := (&csApp{}).scenario(t, false, noWrap)
	x.Changed = nil
	if err := x.Verify(t.Context()); err != nil {
		t.Fatal(err)
	}
	res := runLogs(t, x)
	if !strings.Contains(res, "not proven: that refused forgeries change nothing: set CrossSite.Changed") {
		t.Errorf("logs do not say what was not proven:\n%s", res)
	}
}

func TestCrossSiteBadDeclarations(t *testing.T) {
	t.Parallel()
	wantProblems(t, scenario.CrossSite{Target: scenario.Handler(http.NotFoundHandler())}, "CrossSite.Requests is empty")
	wantProblems(t, scenario.CrossSite{Target: scenario.Handler(http.NotFoundHandler()), Requests: []scenario.Request{{Method: "GET", Path: "/x"}}}, "GET is a safe method")
}

func init() {
	registerLayers(
		layerCase{name: "CrossSite/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return (&csApp{}).scenario(t, false, wrap)
		}},
		layerCase{name: "CrossSite/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			return (&csApp{originOnly: true}).scenario(t, false, wrap)
		}},
	)
}
