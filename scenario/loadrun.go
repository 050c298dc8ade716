package scenario

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jettymethod/jetty/loadtest"
)

// loadTarget maps t to a loadtest target.
func (t Target) loadTarget(r reporter) (loadtest.Target, []loadtest.Option, error) {
	c, err := t.open(r)
	if err != nil {
		return loadtest.Target{}, nil, err
	}
	if c.h != nil {
		return loadtest.Handler(c.h), nil, nil
	}
	var opts []loadtest.Option
	if t.allowRemote {
		opts = append(opts, loadtest.AllowRemote())
	}
	return loadtest.URL(c.base.String()), opts, nil
}

func loadReq(q Request) loadtest.Req {
	return loadtest.Req{Method: q.Method, Path: q.Path, Header: q.Header, Body: q.Body}
}

// loadStatuses describes the statuses of a run: "503 ×90, 200 ×10".
func loadStatuses(rep *loadtest.Report) string {
	codes := make([]int, 0, len(rep.StatusCodes))
	for c := range rep.StatusCodes {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b int) int {
		if n, m := rep.StatusCodes[a], rep.StatusCodes[b]; n != m {
			return cmp.Compare(m, n)
		}
		return cmp.Compare(a, b)
	})
	var parts []string
	for _, c := range codes {
		name := strconv.Itoa(c)
		if c == 0 {
			name = "no response"
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", name, rep.StatusCodes[c]))
	}
	for _, e := range rep.Errors {
		parts = append(parts, fmt.Sprintf("%q ×%d", e.Error, e.Count))
		if len(parts) > 6 {
			break
		}
	}
	return strings.Join(parts, ", ")
}

// loadMaxBody is the response body a load run keeps per hit: Load and
// Overload judge statuses, headers and times, not bodies.
const loadMaxBody = 64 << 10

// loadOpts are the options every load run of a check takes for a latency
// bound of maxLat: a request timeout of twice it, a small body cap, and the
// start lag a busy machine may add while users still arrive "at once" (a
// quarter of it).
func loadOpts(maxLat time.Duration) []loadtest.Option {
	return []loadtest.Option{
		loadtest.Timeout(max(loadtest.DefaultTimeout, 2*maxLat)),
		loadtest.MaxBody(loadMaxBody),
		loadtest.MaxLag(max(loadtest.DefaultMaxLag, maxLat/4)),
	}
}

// runLoad runs a check's load plan and logs its report as "<what> report
// (<plan>)". A run that did not start or failed is reported (failed);
// invalid is the error of a run the generator could not produce as
// planned, left to the check to word.
func runLoad(r reporter, what, plan string, t loadtest.Target, opts []loadtest.Option) (report *loadtest.Report, invalid error, failed bool) {
	report, err := loadtest.Run(r.context(), t, opts...)
	if report != nil {
		r.logf("%s report (%s):\n%s", what, plan, strings.TrimRight(report.String(), "\n"))
	}
	var inv *loadtest.InvalidError
	switch {
	case report == nil:
		r.errorf("the load run did not start: %v", err)
		return nil, nil, true
	case errors.As(err, &inv):
		return report, err, false
	case err != nil:
		r.errorf("the load run failed: %v", err)
		return report, nil, true
	}
	return report, nil, false
}
