package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/svcflow/svcflow/internal/desk"
)

// slaTickEvery is how often serve records SLA warnings and breaches by
// default: often enough for minute-level targets.
const slaTickEvery = 30 * time.Second

// runSLATicker records SLA crossings until ctx ends. Several instances may
// run it at once: each crossing is recorded exactly once.
func runSLATicker(ctx context.Context, d *desk.Desk, log *slog.Logger, every time.Duration) {
	runEvery(ctx, log, "SLA tick", every, d.SLATick)
}

// runEvery runs a background job now and then every period until ctx
// ends, logging what it did and its errors.
func runEvery(ctx context.Context, log *slog.Logger, name string, every time.Duration, job func(context.Context) (int, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := job(ctx); err != nil && ctx.Err() == nil {
			log.Error(name, "err", err)
		} else if n > 0 {
			log.Info(name, "recorded", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
