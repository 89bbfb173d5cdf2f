// Command zonecast keeps one DNS zone served identically by several DNS
// providers. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/zonecast/zonecast/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
