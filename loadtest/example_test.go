package loadtest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jettymethod/jetty/loadtest"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// 100 users log in at the same moment; the login must stay fast and never fail.
func ExampleRun() {
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	target := loadtest.Handler(login).Build(func(hit uint64) loadtest.Req {
		return loadtest.Req{Method: "POST", Path: "/login", Body: fmt.Appendf(nil, `{"user":"user%d"}`, hit)}
	})
	// A busy machine may start some of the 100 users late; MaxLag says how
	// late they may start and still count as "at the same moment".
	rep, err := loadtest.Run(context.Background(), target, loadtest.Users(100), loadtest.MaxLag(time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Requests, "requests, status codes", rep.StatusCodes)
	fmt.Println(rep.Check(loadtest.Budget{P99: 2 * time.Second, MinSuccess: 1}))
	// Output:
	// 100 requests, status codes map[204:100]
	// <nil>
}

// A budget lists every line it violates. The results here are synthetic, as
// read from a vegeta result file.
func ExampleReport_Check() {
	var file bytes.Buffer
	enc := vegeta.NewJSONEncoder(&file)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		r := vegeta.Result{Seq: uint64(i), Code: 200, Timestamp: start.Add(time.Duration(i) * time.Millisecond), Latency: 10 * time.Millisecond}
		if i%50 == 0 {
			r.Code, r.Latency = 500, 2400*time.Millisecond
		}
		enc.Encode(&r)
	}
	rep, _ := loadtest.FromResults(&file)
	fmt.Println(rep.Check(loadtest.Budget{P99: 2 * time.Second, MinSuccess: 0.999, MinThroughput: 1000}))
	// Output:
	// loadtest: budget violated:
	//   p99 = 2.4s, want ≤ 2s
	//   success = 98.0% (980/1000), want ≥ 99.9%
	//   throughput = 292.5/s, want ≥ 1000/s
}

// A rate-limit run: 429 is the response wanted once the limit is reached.
// One user sends 20 requests in turn.
func ExampleExpect() {
	var n int
	limited := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n++; n > 5 {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	rep, err := loadtest.Run(context.Background(), loadtest.Handler(limited),
		loadtest.Users(1), loadtest.Rounds(20), loadtest.Expect(200, 429))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("success %.0f%%, 429s: %d\n", rep.Success*100, rep.StatusCodes[429])
	// Output:
	// success 100%, 429s: 15
}
