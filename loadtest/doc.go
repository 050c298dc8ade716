// Package loadtest is vegeta (github.com/tsenart/vegeta/v12) behind a small,
// safe API: load a handler or a loopback server, get a Report, judge it with
// a Budget.
//
//	rep, err := loadtest.Run(t.Context(), loadtest.Handler(mux).With(loadtest.Req{Method: "POST", Path: "/login", Body: body}),
//		loadtest.Users(100))
//	if err != nil {
//		t.Fatal(err) // bad options, refused target, invalid run, cancelled
//	}
//	if err := rep.Check(loadtest.Budget{P99: 200 * time.Millisecond, MinSuccess: 0.999}); err != nil {
//		t.Error(err) // lists every violated line: "p99 = 2.4s, want ≤ 200ms"
//	}
//
// # Targets
//
// [Handler] runs an http.Handler in process, through an http.RoundTripper
// that calls ServeHTTP with a recorder: no sockets, so a run measures the
// handler, not the kernel. [URL] drives a live server, and is refused before
// any request unless its host is literally localhost, in 127.0.0.0/8 or ::1,
// or Run is given [AllowRemote]; the run's dialer also refuses non-loopback
// addresses. Redirects are never followed: a 3xx is the response a hit
// measures (counted as success, and matched by Expect(303)), and the
// redirect's target is neither resolved nor dialed. A Target sends GET of itself by default;
// [Target.With] sends [Req] values in rotation, [Target.Build] builds each
// hit's request (unique users, unique bodies).
//
// # Plans
//
// One plan per run, as options; the zero value of everything is a safe,
// documented default, never "unlimited":
//
//   - [Users](n): n requests in flight at once, released together (a burst);
//     with [Rounds](k), k bursts one after another; with [Duration](d), n users
//     sending back to back for d (a closed model).
//   - [Rate](freq, per) with [Duration](d): an open-model constant rate
//     (vegeta's ConstantPacer). Default plan: Rate(50, time.Second) for 1s.
//   - [Ramp](from, to, d): a rate changing linearly (vegeta's LinearPacer).
//   - [Warmup](d): traffic before the measured run, left out of the report.
//
// Bounds, with their defaults: [Timeout] 5s per request, [Workers] 64 in
// flight for Rate and Ramp (Users uses exactly n, at most [MaxUsers]),
// [MaxHits] 100,000 hits and [MaxTime] 60s per run (a plan needing more is
// refused; every run stops by itself), [MaxBody] 1 MiB kept per response,
// [MaxLag] 100ms. A warm-up that uses up MaxHits leaves nothing to measure:
// the run is invalid and says so. Success is every 2xx and 3xx status unless [Expect] says
// otherwise (Expect(200, 429) for a rate-limit run); the package counts
// statuses itself. Invalid options are reported together, each saying how to
// fix it: "loadtest: Users(0): want at least 1 user".
//
// # Valid runs only
//
// A load generator that cannot keep its schedule reports latencies of a load
// it never sent. Run therefore measures its own lag (send time minus scheduled
// time, [Report.Lag]) and returns the report with an [*InvalidError] when it
// sent fewer than 95% of the planned hits, when its p99 lag exceeds MaxLag,
// or when MaxTime stopped it. [Report.Check] fails an invalid report too.
//
// [Report.Check] returns a [*BudgetError] whose Violations each carry a
// [Kind] (KindInvalidRun, KindEmpty, KindBudget, KindLatency, KindSuccess,
// KindThroughput, KindRequests, KindRegression), so a caller can tell an
// invalid run from a slow one without parsing the text. A Budget with NaN,
// an infinity, a negative figure or a ratio outside 0–1 is itself a
// violation (KindBudget), never silently accepted. A nil *Report fails
// Check and Compare and prints "nil report"; Run(nil, …) and ReadReport(nil)
// return errors.
//
// # Reports
//
// A [Report] holds requests, requested and achieved rate, throughput, success,
// status counts, errors grouped by message, latency percentiles (p50 to
// p99.9, max, mean), bytes and lag. [Report.WriteText] (and String) prints it;
// json.Marshal writes it with readable durations and [ReadReport] reads it
// back, for instance as a baseline: [Report.Compare] or [Budget].Baseline
// list regressions beyond a tolerance as violations. [Plot] writes vegeta's
// interactive HTML latency plot, downsampled.
//
// Metrics stream through t-digests: memory stays flat whatever the number of
// hits (a 1,000,000-hit run peaks under 10 MB of heap); only Plot keeps a
// compressed point per hit.
//
// # Beyond one machine
//
// Results can be written in vegeta's own encodings with [Record] (Gob, JSON,
// CSV), and [FromResults] reads any mix of them, from Record or from the
// vegeta command, and merges them into one Report judged by the same Budget:
//
//	host1$ echo "GET http://10.0.0.5:8080/" | vegeta attack -rate 500/s -duration 30s > host1.bin
//	host2$ echo "GET http://10.0.0.5:8080/" | vegeta attack -rate 500/s -duration 30s > host2.bin
//	rep, err := loadtest.FromResults(f1, f2) // f1, f2: the opened files
//	err = rep.Check(loadtest.Budget{P99: 100 * time.Millisecond, MinThroughput: 990})
//
// # Secrets
//
// Nothing a run prints or writes shows a secret: error groups (a handler's
// panic value, a server's malformed answer), recorded results, text and
// JSON reports, plots and budget violations pass through the module's one
// redaction, internal/redact (values of Authorization and Cookie headers,
// fields named like a password or token, card numbers, JWTs, well-known key
// prefixes). loadtest is a leaf of the module: it imports vegeta, the
// standard library and, besides them, only internal packages that
// themselves use nothing but the standard library (internal/redact is one),
// so that loadtest and preset stay usable on their own while every output
// path of the module shares one redaction.
//
// # Parallel tests
//
// Run keeps no shared state (each run has its own vegeta Attacker, client and
// transport) and is safe in parallel tests; no worker calls into testing.
// A cancelled context stops a run at once: pacing stops and in-flight
// requests are cancelled through their context (a Handler that ignores its
// request context is waited for).
//
// # Measured figures
//
// On a 2-core Intel Xeon (linux/amd64, Go 1.26), with
// go test -bench . -run '^$' ./loadtest/ :
//
//	benchmark                                    loadtest        raw vegeta      ratio
//	URL at max rate (64 workers, httptest)       55,951 req/s    51,199 req/s    1.09
//	Handler at max rate (64 workers, in process) 330,056 req/s   341,606 req/s   0.97
//	Rate(2000, time.Second) for 1s               achieved/requested 1.000, lag p99 1.1ms
//	1,000,000 hits in process (Users(64))        314,214 hits/s, peak heap 5.4 MB, 3.2 GB allocated in total
//
// Raw vegeta is vegeta.NewAttacker(vegeta.MaxWorkers(64)) at Rate{Freq: 0}
// on the same server (for Handler: with a Client whose Transport calls the
// handler with an httptest.ResponseRecorder); loadtest runs Users(64) with
// Duration(1s), the same closed loop. Figures vary by a few percent between
// runs.
package loadtest
