// Command webapp is a small web application that logs users in with package
// session, in either of its modes: the session sealed in the cookie itself
// (client side), or kept on the server with only a random ID in the cookie.
// It has a log-in form (a user name, "remember me", and a free-text note kept
// in the session), a profile page showing the session, and log-out.
//
//	go run ./examples/webapp                                # client side, on 127.0.0.1:8080
//	go run ./examples/webapp -mode server                   # server side, memory store
//	go run ./examples/webapp -mode server -store dir:/tmp/s # one file per session
//	go run ./examples/webapp -mode server -store redis:127.0.0.1:6379
//
// Then open http://localhost:8080 (or http://127.0.0.1:8080). The cookie is
// Secure and named with the __Host- prefix; browsers keep such a cookie from
// plain-HTTP http://localhost and http://127.0.0.1, which they treat as secure
// contexts, but from no other plain-HTTP host. To try the app from another
// host without TLS, pass -insecure (never in production).
//
// In client mode the key that seals the cookies is generated at start-up and
// kept only in memory, so a restart logs everyone out; a real service loads a
// keyring file shared by its instances (keyring.Load). A note of a few
// kilobytes makes the session too large for a cookie: the app then says so
// (HTTP 413) and keeps the previous session, where a browser would have
// dropped the oversize cookie without a word. Server mode keeps notes of up to
// 64 KiB.
//
// The end-to-end test, browser_test.go, drives this app in headless Chromium.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch err := run(ctx, os.Args[1:], logger, os.Stderr); {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "webapp: %v\n", err)
		os.Exit(2)
	case err != nil:
		logger.Error("webapp: " + err.Error())
		os.Exit(1)
	}
}

// errUsage is wrapped by the errors of bad flags: exit code 2.
var errUsage = errors.New("usage error")

// run parses the flags, serves until ctx ends, and then shuts down
// gracefully.
func run(ctx context.Context, args []string, logger *slog.Logger, stderr io.Writer) error {
	fs := flag.NewFlagSet("webapp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "the `address` to listen on")
	cfg := config{Logger: logger}
	fs.StringVar(&cfg.Mode, "mode", "client", "where sessions are kept: `client` (sealed in the cookie) or server")
	fs.StringVar(&cfg.Store, "store", "memory", "server mode's store: memory, dir:PATH or redis:ADDR")
	fs.BoolVar(&cfg.Insecure, "insecure", false, "send the cookie without Secure (and without the __Host- prefix), for plain HTTP on a host other than localhost; never in production")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q; see -help", errUsage, fs.Args())
	}
	app, err := newServer(cfg)
	if err != nil {
		return err
	}
	defer app.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if host, _, _ := net.SplitHostPort(*addr); !cfg.Insecure && !isLoopback(host) {
		logger.Warn("browsers keep Secure cookies over plain HTTP only from localhost: serve this address behind TLS, or pass -insecure to try it out")
	}
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("serving", "url", "http://"+ln.Addr().String(), "mode", cfg.Mode, "store", cfg.storeName())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
