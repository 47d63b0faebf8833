package cli

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// childEnv makes the test binary act as the svcflow command, so tests can
// run real child processes (and kill them) without building anything.
const childEnv = "SVCFLOW_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// seededStore opens a store in dir with the demo seeded into it; the
// caller closes it.
func seededStore(t *testing.T, dir string, opt demo.Options) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clock := new(demo.Clock)
	d := desk.New(desk.Options{Store: s, Now: clock.Now})
	if _, err := demo.Seed(ctx, d, clock, opt); err != nil {
		s.Close()
		t.Fatal(err)
	}
	return s
}
