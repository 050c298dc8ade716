package main

import (
	"flag"
	"log"
	"net/http"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	flag.Parse()
	srv := &http.Server{Addr: *addr, Handler: NewStore().Handler(), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("feature flags on http://%s/flags", *addr)
	log.Fatal(srv.ListenAndServe())
}
