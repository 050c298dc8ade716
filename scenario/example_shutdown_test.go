package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleGracefulShutdown() {
	var dbOpen atomic.Bool // stands in for the application's database
	inFlight := make(chan struct{}, 1)

	// serve is the application's run function: main calls it with a
	// context that SIGTERM cancels (signal.NotifyContext).
	serve := func(ctx context.Context, ln net.Listener) error {
		dbOpen.Store(true)
		mux := http.NewServeMux()
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
		mux.HandleFunc("GET /export", func(w http.ResponseWriter, r *http.Request) {
			inFlight <- struct{}{} // tell the test the request is in flight
			<-ctx.Done()           // a long export, still running when SIGTERM comes
			fmt.Fprint(w, "export done")
		})
		srv := &http.Server{Handler: mux}
		stopped := make(chan error, 1)
		go func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 9*time.Second)
			defer cancel()
			stopped <- srv.Shutdown(sctx) // stop accepting, wait for in-flight requests
		}()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		if err := <-stopped; err != nil { // Serve returns at once: wait for Shutdown
			return err
		}
		dbOpen.Store(false) // then release resources
		return nil
	}

	err := scenario.GracefulShutdown{
		Serve:    serve,
		Slow:     scenario.Request{Path: "/export"},
		InFlight: inFlight,
		Closed:   func() bool { return !dbOpen.Load() },
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
