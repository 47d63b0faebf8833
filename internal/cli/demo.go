package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/svcflow/svcflow/internal/auth"
	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// resetDemoStore deletes the database files of a data directory, and
// nothing else in it.
func resetDemoStore(dir string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		p := filepath.Join(dir, sqlite.FileName+suffix)
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("reset demo store: %w", err)
		}
	}
	return nil
}

// seedDemo fills an empty store with the demo organisation and history; a
// store that already has people is reused as it is.
func seedDemo(ctx context.Context, e *env, d *desk.Desk, clock *demo.Clock, seed uint64, days int) error {
	people, err := d.Store().People(ctx)
	if err != nil {
		return err
	}
	if len(people) > 0 {
		fmt.Fprintf(e.stderr, "reusing the existing demo store (%d people); --reset starts over\n", len(people))
		return nil
	}
	start := time.Now()
	if err := demo.SLAs(ctx, d); err != nil {
		return fmt.Errorf("demo SLAs: %w", err)
	}
	sum, err := demo.Seed(ctx, d, clock, demo.Options{Days: days, Seed: seed, End: time.Now()})
	if err != nil {
		return fmt.Errorf("demo history: %w", err)
	}
	for _, c := range demo.Credentials() {
		p, err := d.Store().PersonByEmail(ctx, c.Email)
		if err != nil {
			return fmt.Errorf("demo person %s: %w", c.Email, err)
		}
		hash, err := auth.HashPassword(c.Password)
		if err != nil {
			return err
		}
		if err := d.SetPassword(ctx, nil, p.ID, hash); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stderr, "demo history: %d work items, %d events over %d days, written in %v\n", sum.Items, sum.Events, days, time.Since(start).Round(time.Millisecond))
	return nil
}

func printDemoCredentials(e *env, url string) {
	fmt.Fprintf(e.stdout, "Open %s and sign in with one of these (demo only; the API takes them at POST %sapi/v1/sessions):\n", url, url)
	for _, c := range demo.Credentials() {
		fmt.Fprintf(e.stdout, "  %-10s %-32s %s\n", c.Role, c.Email, c.Password)
	}
}
