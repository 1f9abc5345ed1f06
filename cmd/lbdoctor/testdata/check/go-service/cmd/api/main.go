package main

import (
	"net/http"
	"time"
)

func main() {
	mux := http.NewServeMux()
	srv := &http.Server{
		Addr:         ":8080",
		Handler:      mux,
		ReadTimeout:  5 * time.Second, // the common pattern: no IdleTimeout, so idle = ReadTimeout
		WriteTimeout: 10 * time.Second,
	}
	go http.ListenAndServe(":6060", nil) // pprof: no idle timeout at all
	srv.ListenAndServe()
}
