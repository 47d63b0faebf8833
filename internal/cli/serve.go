package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/svcflow/svcflow/internal/server"
)

// defaultAddr is loopback only: exposing svcflow is a deliberate choice.
const defaultAddr = "127.0.0.1:8080"

func runServe(ctx context.Context, e *env, args []string) error { return serve(ctx, e, "serve", args) }
func runDemo(ctx context.Context, e *env, args []string) error  { return serve(ctx, e, "demo", args) }

// serve runs the HTTP server until ctx ends, then shuts down gracefully.
// The demo serves the built-in library; work items join it with the work
// engine.
func serve(ctx context.Context, e *env, name string, args []string) error {
	fs := newFlags(e, name, name+" [--addr HOST:PORT] [--dir DIR] [--log-level debug|info|warn|error]")
	addr := fs.String("addr", cmp.Or(e.getenv("SVCFLOW_ADDR"), defaultAddr), "listen address (env SVCFLOW_ADDR)")
	dir := fs.String("dir", "", "also load the stream definitions (*.yaml) in `DIR`")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("%s takes no arguments, got %q", name, pos[0])
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return usagef("unknown --log-level %q; expected debug, info, warn or error", *level)
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))

	streams, err := loadStreams(e, *dir)
	if err != nil {
		return err
	}
	srv := server.New(server.Options{Logger: log, Streams: streams})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	srv.SetReady()
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(e.stdout, "svcflow %s listening on %s (%d value streams)\n", name, url, len(streams))
	log.Info("listening", "addr", ln.Addr().String(), "streams", len(streams))

	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
