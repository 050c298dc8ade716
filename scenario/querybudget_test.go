package scenario_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/tbtest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/scenario"

	_ "modernc.org/sqlite"
)

// qbConnector opens connections of the sqlite driver wrapped so that every
// query and statement they run is counted: the recipe QueryBudget's doc
// describes.
type qbConnector struct {
	drv driver.Driver
	dsn string
	n   *atomic.Int64
}

func (c qbConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return qbConn{conn, c.n}, nil
}

func (c qbConnector) Driver() driver.Driver { return c.drv }

type qbConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c qbConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.n.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c qbConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.n.Add(1)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

// qbOpenDB returns an in-memory sqlite database whose queries n counts.
func qbOpenDB(t testing.TB, n *atomic.Int64) *sql.DB {
	t.Helper()
	plain, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	drv := plain.Driver()
	plain.Close()
	db := sql.OpenDB(qbConnector{drv: drv, dsn: ":memory:", n: n})
	db.SetMaxOpenConns(1) // one connection: one in-memory database
	t.Cleanup(func() { db.Close() })
	return db
}

// qbApp is a blog whose GET /posts lists posts with their authors; its
// flags break it in the ways QueryBudget must catch.
type qbApp struct {
	nPlusOne bool // one query for the posts, then one per post for its author
	status   int  // GET /posts answers this status instead of 200
	queries  atomic.Int64
	db       *sql.DB
	added    int
}

func newQBApp(t testing.TB, rows int, nPlusOne bool) *qbApp {
	t.Helper()
	a := &qbApp{nPlusOne: nPlusOne}
	a.db = qbOpenDB(t, &a.queries)
	if _, err := a.db.Exec(`CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
		CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id))`); err != nil {
		t.Fatal(err)
	}
	if err := a.grow(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	return a
}

// grow adds n posts, each by a new author.
func (a *qbApp) grow(ctx context.Context, n int) error {
	for range n {
		a.added++
		res, err := a.db.ExecContext(ctx, `INSERT INTO authors (name) VALUES (?)`, fmt.Sprintf("author %d", a.added))
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		if _, err := a.db.ExecContext(ctx, `INSERT INTO posts (title, author_id) VALUES (?, ?)`, fmt.Sprintf("post %d", a.added), id); err != nil {
			return err
		}
	}
	return nil
}

func (a *qbApp) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /posts", func(w http.ResponseWriter, r *http.Request) {
		if a.status != 0 {
			w.WriteHeader(a.status)
			return
		}
		ctx := r.Context()
		type post struct {
			title, author string
			authorID      int64
		}
		var posts []post
		q := `SELECT p.title, a.name, a.id FROM posts p JOIN authors a ON a.id = p.author_id ORDER BY p.id`
		if a.nPlusOne {
			q = `SELECT title, '', author_id FROM posts ORDER BY id`
		}
		rows, err := a.db.QueryContext(ctx, q)
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		for rows.Next() {
			var p post
			if err := rows.Scan(&p.title, &p.author, &p.authorID); err != nil {
				rows.Close()
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			posts = append(posts, p)
		}
		rows.Close()
		if a.nPlusOne {
			for i := range posts {
				if err := a.db.QueryRowContext(ctx, `SELECT name FROM authors WHERE id = ?`, posts[i].authorID).Scan(&posts[i].author); err != nil {
					http.Error(w, "internal error", http.StatusInternalServerError)
					return
				}
			}
		}
		for _, p := range posts {
			fmt.Fprintf(w, "%s by %s\n", p.title, p.author)
		}
	})
	return mux
}

func (a *qbApp) scenario(t *testing.T, url bool) scenario.QueryBudget {
	target := scenario.Handler(a.handler())
	if url {
		srv := httptest.NewServer(a.handler())
		t.Cleanup(srv.Close)
		target = scenario.URL(srv.URL)
	}
	return scenario.QueryBudget{
		Target:  target,
		Request: scenario.Request{Path: "/posts"},
		Queries: a.queries.Load,
		Grow:    func(ctx context.Context) error { return a.grow(ctx, 10) },
	}
}

func TestQueryBudgetPassesJoinQuery(t *testing.T) {
	t.Parallel()
	for _, url := range []bool{false, true} {
		t.Run(fmt.Sprintf("url=%v", url), func(t *testing.T) {
			a := newQBApp(t, 3, false)
			x := a.scenario(t, url)
			x.Max = 1 // one JOIN query, whatever the number of rows
			if err := x.Verify(context.Background()); err != nil {
				t.Fatalf("Verify on a JOIN query: %v", err)
			}
			if a.added != 13 {
				t.Errorf("rows after the run = %d, want 13: Grow must be called once", a.added)
			}
		})
	}
}

func TestQueryBudgetCatchesNPlusOne(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rows int
		x    func(scenario.QueryBudget) scenario.QueryBudget
		want []string
		not  []string
	}{
		{"grows with the data", 3, func(x scenario.QueryBudget) scenario.QueryBudget { return x },
			[]string{"GET /posts issued 4 queries before Grow and 14 after it added rows (+10, slack 0): the number of queries grows with the data, an N+1 query"},
			[]string{"issued 4 queries, want ≤"}},
		{"over the default budget", 20, func(x scenario.QueryBudget) scenario.QueryBudget { x.Grow = nil; return x },
			[]string{"GET /posts issued 21 queries, want ≤ 10: load what the response needs in a few queries (a JOIN"},
			nil},
		{"over an explicit budget", 3, func(x scenario.QueryBudget) scenario.QueryBudget { x.Max = 2; return x },
			[]string{"GET /posts issued 4 queries, want ≤ 2", "before Grow and 14 after it"},
			nil},
		{"slack smaller than the growth", 3, func(x scenario.QueryBudget) scenario.QueryBudget { x.Slack = 9; x.Max = 100; return x },
			[]string{"(+10, slack 9)"},
			nil},
	} {
		for _, url := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/url=%v", tc.name, url), func(t *testing.T) {
				a := newQBApp(t, tc.rows, true)
				got := verifyProblems(t, tc.x(a.scenario(t, url)))
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("problems do not contain %q:\n%s", w, got)
					}
				}
				for _, w := range tc.not {
					if strings.Contains(got, w) {
						t.Errorf("problems contain %q:\n%s", w, got)
					}
				}
			})
		}
	}
	// Enough slack lets the N+1 endpoint pass: the check is the slack.
	a := newQBApp(t, 3, true)
	x := a.scenario(t, false)
	x.Slack, x.Max = 10, 100
	if err := x.Verify(context.Background()); err != nil {
		t.Errorf("Verify with slack 10 on +10 queries: %v", err)
	}
}

func TestQueryBudgetThroughJettyCheck(t *testing.T) {
	t.Parallel()
	a := newQBApp(t, 3, false)
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, a.scenario(t, false)) })
	if res.Failed {
		t.Fatalf("jetty.Check on a JOIN query failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"Then it issues at most 10 queries",
		"GET /posts (warm-up) = 200, 1 queries",
		"GET /posts after Grow = 200, 1 queries",
		"Then it issues no more queries than before (slack 0)",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}

	b := newQBApp(t, 3, true)
	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, b.scenario(t, false)) })
	if !res.Failed || !strings.Contains(res.ErrorText(), "before Grow and 14 after it added rows (+10, slack 0)") {
		t.Errorf("jetty.Check on an N+1 endpoint: failed=%v\n%s", res.Failed, res.Output())
	}

	c := newQBApp(t, 3, false)
	x := c.scenario(t, false)
	x.Grow = nil
	res = tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed || !strings.Contains(res.Output(), "no Grow set: only the budget of 10 queries was checked") {
		t.Errorf("without Grow: failed=%v\n%s", res.Failed, res.Output())
	}
	if got := (scenario.QueryBudget{}).Covers(); got != nil {
		t.Errorf("Covers() = %v, want nil", got)
	}
}

func TestQueryBudgetNoQueriesCounted(t *testing.T) {
	t.Parallel()
	a := newQBApp(t, 3, false)
	x := a.scenario(t, false)
	var zero atomic.Int64
	x.Queries = zero.Load // a counter the app does not increment
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed || !strings.Contains(res.Output(), "GET /posts issued no query: check that Queries counts your app's queries") {
		t.Errorf("failed=%v\n%s", res.Failed, res.Output())
	}
}

func TestQueryBudgetBadConfiguration(t *testing.T) {
	t.Parallel()
	a := newQBApp(t, 1, false)
	ok := scenario.Handler(a.handler())
	var backwards atomic.Int64
	backwards.Store(100)
	for _, tc := range []struct {
		name string
		x    scenario.QueryBudget
		want string
	}{
		{"zero target", scenario.QueryBudget{Queries: a.queries.Load}, "no target: set Target"},
		{"nil queries", scenario.QueryBudget{Target: ok}, "Queries is nil: set it to a function returning how many queries"},
		{"negative max", scenario.QueryBudget{Target: ok, Queries: a.queries.Load, Max: -1}, "Max = -1: want a positive number"},
		{"negative slack", scenario.QueryBudget{Target: ok, Queries: a.queries.Load, Slack: -2}, "Slack = -2: want 0 or more"},
		{"bad path", scenario.QueryBudget{Target: ok, Queries: a.queries.Load, Request: scenario.Request{Path: "posts"}}, `Request.Path = "posts": want a path starting with /`},
		{"request not served", scenario.QueryBudget{Target: ok, Queries: a.queries.Load, Request: scenario.Request{Path: "/nope"}}, "GET /nope (warm-up) = 404, want 2xx"},
		{"grow fails", scenario.QueryBudget{Target: ok, Queries: a.queries.Load, Request: scenario.Request{Path: "/posts"},
			Grow: func(context.Context) error { return errors.New("disk full") }}, "Grow: disk full"},
		{"grow panics", scenario.QueryBudget{Target: ok, Queries: a.queries.Load, Request: scenario.Request{Path: "/posts"},
			Grow: func(context.Context) error { panic("no table") }}, "Grow: panicked: no table"},
		{"queries panics", scenario.QueryBudget{Target: ok, Request: scenario.Request{Path: "/posts"},
			Queries: func() int64 { panic("nil counter") }}, "Queries panicked: nil counter"},
		{"counter goes backwards", scenario.QueryBudget{Target: ok, Request: scenario.Request{Path: "/posts"},
			Queries: func() int64 { return backwards.Add(-1) }}, "Queries went from 99 to 98 during GET /posts (warm-up): it must return a counter that only grows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyProblems(t, tc.x); !strings.Contains(got, tc.want) {
				t.Errorf("problems do not contain %q:\n%s", tc.want, got)
			}
		})
	}
	a.status = http.StatusUnauthorized
	x := a.scenario(t, false)
	if got := verifyProblems(t, x); !strings.Contains(got, "GET /posts (warm-up) = 401, want 2xx: the queries of a failed request say nothing") {
		t.Errorf("problems:\n%s", got)
	}
}

// Without Grow the N+1 probe cannot run: the check passes on the budget
// alone and says, as "not proven", which field would let it see N+1.
func TestQueryBudgetWithoutGrowIsNotProven(t *testing.T) {
	t.Parallel()
	a := newQBApp(t, 3, true) // an N+1 endpoint within the budget
	x := a.scenario(t, false)
	x.Grow = nil
	res := tbtest.Run(t, "inner", func(tb *tbtest.TB) { jetty.Check(tb, x) })
	if res.Failed {
		t.Fatalf("an N+1 endpoint within the budget, without Grow, failed:\n%s", res.Output())
	}
	for _, w := range []string{
		"not proven: no Grow set: only the budget of 10 queries was checked",
		"set QueryBudget.Grow to a function that adds rows",
	} {
		if !strings.Contains(res.Output(), w) {
			t.Errorf("log does not contain %q:\n%s", w, res.Output())
		}
	}
}

func init() {
	registerLayers(
		layerCase{name: "QueryBudget/correct", make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			a := newQBApp(t, 3, false)
			x := a.scenario(t, false)
			x.Target = scenario.Handler(wrap(a.handler()))
			return x
		}},
		layerCase{name: "QueryBudget/broken", broken: true, make: func(t *testing.T, wrap func(http.Handler) http.Handler) checker {
			a := newQBApp(t, 3, true)
			x := a.scenario(t, false)
			x.Target = scenario.Handler(wrap(a.handler()))
			return x
		}},
	)
}

// Queries a handler issues after it wrote its response are counted: in
// process the check waits for the handler to return.
func TestQueryBudgetCountsQueriesAfterTheResponse(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2")
		w.Write([]byte("ok"))
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond) // then one query per row
		n.Add(50)
	})
	x := scenario.QueryBudget{Target: scenario.Handler(h), Queries: n.Load}
	wantProblems(t, x, "GET / issued 50 queries, want ≤ 10")
}
