package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/server"
)

// defaultAddr is loopback only: exposing svcflow is a deliberate choice.
const defaultAddr = "127.0.0.1:8080"

func runServe(ctx context.Context, e *env, args []string) error { return serve(ctx, e, "serve", args) }
func runDemo(ctx context.Context, e *env, args []string) error  { return serve(ctx, e, "demo", args) }

// serve runs the HTTP server until ctx ends, then shuts down gracefully.
// The demo also fills an empty store with demo data and history.
func serve(ctx context.Context, e *env, name string, args []string) error {
	usage := name + " [--addr HOST:PORT] [--data DIR | --db URL] [--dir STREAMS] [--public-url URL] [--log-level LEVEL] [--sla-every D] [--notify-every D] [--smtp-addr HOST:PORT --smtp-from ADDRESS]"
	if name == "demo" {
		usage += " [--reset] [--seed N] [--days N]"
	}
	fs := newFlags(e, name, usage)
	var sf storeFlags
	sf.register(e, fs)
	addr := fs.String("addr", cmp.Or(e.getenv("SVCFLOW_ADDR"), defaultAddr), "listen address (env SVCFLOW_ADDR)")
	dir := fs.String("dir", "", "also load the stream definitions (*.yaml) in `DIR`")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	slaEvery := fs.Duration("sla-every", slaTickEvery, "how often to record SLA warnings and breaches")
	improveEvery := fs.Duration("improve-every", improveEvery, "how often to capture due baselines and evaluate improvements")
	notifyEvery := fs.Duration("notify-every", notifyEvery, "how often to turn new events into notifications and send the due ones")
	var mc mailConfig
	fs.StringVar(&mc.addr, "smtp-addr", e.getenv("SVCFLOW_SMTP_ADDR"), "SMTP server to send notifications through; mail is off without it (env SVCFLOW_SMTP_ADDR; user and password from SVCFLOW_SMTP_USER, SVCFLOW_SMTP_PASSWORD)")
	fs.StringVar(&mc.from, "smtp-from", e.getenv("SVCFLOW_SMTP_FROM"), "the address notifications come from (env SVCFLOW_SMTP_FROM)")
	mc.user, mc.password = e.getenv("SVCFLOW_SMTP_USER"), e.getenv("SVCFLOW_SMTP_PASSWORD")
	publicURL := fs.String("public-url", e.getenv("SVCFLOW_PUBLIC_URL"), "the URL people reach svcflow at; https makes cookies Secure (env SVCFLOW_PUBLIC_URL)")
	var reset bool
	var seed uint64
	var days int
	if name == "demo" {
		fs.BoolVar(&reset, "reset", false, "delete the demo store first and generate it again")
		fs.Uint64Var(&seed, "seed", 1, "random seed of the demo history")
		fs.IntVar(&days, "days", 30, "days of demo history")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("%s takes no arguments, got %q", name, pos[0])
	}
	if *slaEvery <= 0 {
		return usagef("--sla-every must be positive, got %v", *slaEvery)
	}
	if *notifyEvery <= 0 {
		return usagef("--notify-every must be positive, got %v", *notifyEvery)
	}
	from, err := mc.check()
	if err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return usagef("unknown --log-level %q; expected debug, info, warn or error", *level)
	}
	secure := false
	if *publicURL != "" {
		u, err := url.Parse(*publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--public-url %q: expected an absolute http or https URL", *publicURL)
		}
		secure = u.Scheme == "https"
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))

	if reset {
		if sf.db != "" {
			return usagef("--reset works on the embedded store; for PostgreSQL, point --db at an empty database or schema")
		}
		if err := resetDemoStore(sf.data); err != nil {
			return err
		}
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	clock := new(demo.Clock)
	d := desk.New(desk.Options{Store: store, Now: clock.Now})
	streams, err := registerStreams(ctx, e, d, *dir)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Options{Logger: log, Desk: d, SecureCookies: secure})
	if err != nil {
		return err
	}
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
	url := "http://" + ln.Addr().String() + "/"
	log.Info("listening", "addr", ln.Addr().String(), "streams", len(streams), "data", sf.data)

	if name == "demo" {
		srv.SetStarting("loading demo history")
		if err := seedDemo(ctx, e, d, clock, seed, days); err != nil {
			hs.Close()
			return err
		}
	}
	if err := startRules(ctx, d); err != nil {
		return err
	}
	tickCtx, stopTicker := context.WithCancel(ctx)
	tickerDone := make(chan struct{})
	go func() { defer close(tickerDone); runSLATicker(tickCtx, d, log, *slaEvery) }()
	improveDone := make(chan struct{})
	go func() { defer close(improveDone); runImproveJob(tickCtx, d, log, *improveEvery) }()
	rulesDone := make(chan struct{})
	go func() { defer close(rulesDone); runRulesJob(tickCtx, d, log) }()
	defer func() { stopTicker(); <-tickerDone; <-improveDone; <-rulesDone }() // before the store closes
	linkBase := strings.TrimSuffix(cmp.Or(*publicURL, "http://"+ln.Addr().String()), "/")
	consumers, worker := newNotifier(store, mc, from, linkBase, srv.DeliveryObserver())
	for _, c := range consumers {
		if err := c.StartAtEnd(ctx); err != nil {
			return fmt.Errorf("start notifications: %w", err)
		}
	}
	notifyCtx, stopNotifier := context.WithCancel(ctx)
	notifierDone := make(chan struct{})
	go func() { defer close(notifierDone); runNotifier(notifyCtx, consumers, worker, log, *notifyEvery) }()
	defer func() { stopNotifier(); <-notifierDone }() // before the store closes
	log.Info("notifications", "mail", describeMail(mc), "links", linkBase)
	srv.SetReady()
	where := "data in " + sf.data
	if sf.db != "" {
		where = "data in PostgreSQL"
	}
	fmt.Fprintf(e.stdout, "svcflow %s listening on %s (%s)\n", name, url, where)
	if name == "demo" {
		printDemoCredentials(e, url)
	}

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
