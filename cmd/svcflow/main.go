// Command svcflow runs the svcflow service management server and its tools.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/svcflow/svcflow/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
